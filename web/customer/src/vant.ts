/**
 * Vant components only the customer app uses, on top of the ones every mobile app
 * registers (`installVant` in the shared package).
 */
import type { App } from 'vue';
import {
  ActionBar,
  ActionBarButton,
  Badge,
  Divider,
  Grid,
  GridItem,
  Image as VanImage,
  Progress,
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
  Divider,
  Grid,
  GridItem,
  VanImage,
  Progress,
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
