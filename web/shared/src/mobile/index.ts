/** Vant widgets and set-up shared by the two mobile apps (customer H5, worker PWA). */
import { watch, type App } from 'vue';
import { useI18n } from 'vue-i18n';
import { Locale } from 'vant';
import enUS from 'vant/es/locale/lang/en-US';
import zhCN from 'vant/es/locale/lang/zh-CN';
import 'vant/lib/index.css';
import { SHARED_VANT } from './components';

export { default as OtpLogin } from './OtpLogin.vue';
export { default as LocaleSwitch } from './LocaleSwitch.vue';
export { default as SessionList } from './SessionList.vue';
export { default as PageState } from './PageState.vue';
export { default as ConsentCheck } from './ConsentCheck.vue';
export { default as ConsentPrompt } from './ConsentPrompt.vue';
export { default as LegalPopup } from './LegalPopup.vue';
export { default as PrivacyData } from './PrivacyData.vue';
export { default as NotificationList } from './NotificationList.vue';
export { default as NotificationSettings } from './NotificationSettings.vue';

/** Registers the Vant components the mobile apps use. */
export function installVant(app: App): void {
  for (const c of SHARED_VANT) app.use(c);
}

/** Keeps Vant's own texts (dialog buttons and the like) in the chosen language. */
export function useVantLocale(): void {
  const { locale } = useI18n();
  watch(
    locale,
    (l) => {
      if (l === 'en') Locale.use('en-US', enUS);
      else Locale.use('zh-CN', zhCN);
    },
    { immediate: true },
  );
}
