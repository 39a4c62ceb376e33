/**
 * The Element Plus components the console uses, registered one by one so the bundle holds
 * only these (the whole kit is about twice the size). A new `<el-…>` tag in a template needs
 * its component added here; `npm run test` checks that none is missing.
 */
import type { App } from 'vue';
import {
  ElAlert,
  ElAside,
  ElAvatar,
  ElButton,
  ElCard,
  ElConfigProvider,
  ElContainer,
  ElDatePicker,
  ElDescriptions,
  ElDescriptionsItem,
  ElDialog,
  ElDivider,
  ElForm,
  ElFormItem,
  ElHeader,
  ElIcon,
  ElInput,
  ElLink,
  ElLoading,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElOption,
  ElPopconfirm,
  ElRate,
  ElResult,
  ElSelect,
  ElSpace,
  ElSwitch,
  ElTabPane,
  ElTable,
  ElTableColumn,
  ElTabs,
  ElTag,
} from 'element-plus';

/** Every component plugin installed; exported for the test that checks the templates. */
export const COMPONENTS = [
  ElAlert,
  ElAside,
  ElAvatar,
  ElButton,
  ElCard,
  ElConfigProvider,
  ElContainer,
  ElDatePicker,
  ElDescriptions,
  ElDescriptionsItem,
  ElDialog,
  ElDivider,
  ElForm,
  ElFormItem,
  ElHeader,
  ElIcon,
  ElInput,
  ElLink,
  ElMain,
  ElMenu,
  ElMenuItem,
  ElOption,
  ElPopconfirm,
  ElRate,
  ElResult,
  ElSelect,
  ElSpace,
  ElSwitch,
  ElTabPane,
  ElTable,
  ElTableColumn,
  ElTabs,
  ElTag,
];

export function installElement(app: App): void {
  for (const c of COMPONENTS) app.use(c);
  // v-loading
  app.use(ElLoading);
}
