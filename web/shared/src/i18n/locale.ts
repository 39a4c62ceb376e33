/** The chosen language, shared by the three apps through localStorage. */
import { browserStorage, type KeyValueStorage } from '../auth/tokens';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';
export const LOCALE_KEY = 'daojia.locale';

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

export function savedLocale(storage: KeyValueStorage | undefined = browserStorage()): Locale {
  const v = storage?.getItem(LOCALE_KEY);
  return isLocale(v) ? v : DEFAULT_LOCALE;
}

export function saveLocale(locale: Locale, storage: KeyValueStorage | undefined = browserStorage()): void {
  storage?.setItem(LOCALE_KEY, locale);
}
