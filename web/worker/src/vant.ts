/**
 * Vant components only the worker app uses, on top of the ones every mobile app registers
 * (`installVant` in the shared package).
 */
import type { App } from 'vue';
import { Radio, RadioGroup, Stepper, Switch, Tab, Tabbar, TabbarItem, Tabs } from 'vant';

export const WORKER_COMPONENTS = [Radio, RadioGroup, Stepper, Switch, Tab, Tabbar, TabbarItem, Tabs];

export function installWorkerVant(app: App): void {
  for (const c of WORKER_COMPONENTS) app.use(c);
}
