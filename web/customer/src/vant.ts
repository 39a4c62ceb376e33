/**
 * Vant components only the customer app uses, on top of the ones every mobile app
 * registers (`installVant` in the shared package).
 */
import type { App } from 'vue';
import {
  ActionBar,
  ActionBarButton,
  Badge,
  Checkbox,
  Divider,
  Grid,
  GridItem,
  Image as VanImage,
  Popup,
  Radio,
  RadioGroup,
  Search,
  Skeleton,
  Step,
  Stepper,
  Steps,
  SubmitBar,
  Swipe,
  SwipeItem,
  Switch,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Uploader,
} from 'vant';

export const CUSTOMER_COMPONENTS = [
  ActionBar,
  ActionBarButton,
  Badge,
  Checkbox,
  Divider,
  Grid,
  GridItem,
  VanImage,
  Popup,
  Radio,
  RadioGroup,
  Search,
  Skeleton,
  Step,
  Stepper,
  Steps,
  SubmitBar,
  Swipe,
  SwipeItem,
  Switch,
  Tab,
  Tabbar,
  TabbarItem,
  Tabs,
  Uploader,
];

export function installCustomerVant(app: App): void {
  for (const c of CUSTOMER_COMPONENTS) app.use(c);
}
