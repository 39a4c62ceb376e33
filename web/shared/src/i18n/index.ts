/**
 * vue-i18n set up the same way in every app: zh-CN by default, en as the alternative, the
 * choice remembered in localStorage, common messages under `common.` merged with the app's.
 */
import { computed } from 'vue';
import { createI18n, useI18n } from 'vue-i18n';
import { commonEn } from './common.en';
import { commonZhCN, type CommonMessages } from './common.zh-CN';
import { DEFAULT_LOCALE, LOCALES, isLocale, saveLocale, savedLocale, type Locale } from './locale';

export function createAppI18n<M extends object>(app: { 'zh-CN': M; en: M }) {
  const locale = savedLocale();
  applyDocumentLang(locale);
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: DEFAULT_LOCALE,
    missingWarn: false,
    fallbackWarn: false,
    messages: {
      'zh-CN': { common: commonZhCN, ...app['zh-CN'] },
      en: { common: commonEn, ...app.en },
    },
  });
}

/** The current language and a way to change it now and for next time. */
export function useLocale() {
  const { locale } = useI18n();
  const current = computed<Locale>(() => (isLocale(locale.value) ? locale.value : DEFAULT_LOCALE));
  const set = (next: Locale): void => {
    locale.value = next;
    saveLocale(next);
    applyDocumentLang(next);
  };
  const toggle = (): void => set(current.value === 'zh-CN' ? 'en' : 'zh-CN');
  return { locale: current, locales: LOCALES, set, toggle };
}

function applyDocumentLang(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}

export { commonEn, commonZhCN, type CommonMessages };
export * from './locale';
export * from './names';
