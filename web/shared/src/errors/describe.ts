/**
 * Turns any error into words for the user, in the current language. The server's `detail`
 * is written for client developers (in English), so the user sees our own message for the
 * stable `code` when we have one, and the server's words only when we have nothing better.
 */
import { ApiError, NETWORK_ERROR_CODE } from './problem';

/** The i18n functions this needs (vue-i18n's `t` and `te` fit). */
export interface Translator {
  t: (key: string, named?: Record<string, unknown>) => string;
  te: (key: string) => boolean;
}

/** "30 秒" / "2 分钟" / "1 小时": how long to wait, in the largest unit that fits. */
export function describeWait(seconds: number, { t }: Pick<Translator, 't'>): string {
  const s = Math.max(1, Math.ceil(seconds));
  if (s < 60) return t('common.duration.seconds', { n: s });
  if (s < 3600) return t('common.duration.minutes', { n: Math.ceil(s / 60) });
  return t('common.duration.hours', { n: Math.ceil(s / 3600) });
}

export function describeError(err: unknown, tr: Translator): string {
  const { t, te } = tr;
  if (!(err instanceof ApiError)) return t('common.errors.generic');
  if (err.code === NETWORK_ERROR_CODE) return t('common.errors.network');
  if (err.status === 429) {
    const base = t('common.errors.tooMany');
    return err.retryAfter !== null ? base + t('common.errors.retryIn', { wait: describeWait(err.retryAfter, tr) }) : base;
  }
  const byCode = `common.errors.codes.${err.code}`;
  if (te(byCode)) return t(byCode);
  if (err.status === 401) return t('common.errors.unauthorized');
  if (err.status === 403) return t('common.errors.forbidden');
  if (err.status === 404) return t('common.errors.notFound');
  if (err.status >= 500) return t('common.errors.server');
  return err.detail || err.title || t('common.errors.generic');
}

/**
 * The message to show next to each field that failed validation, keyed by field name: ours
 * for the field error's code when we have one, else the server's.
 */
export function describeFieldErrors(err: unknown, { t, te }: Translator): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.fieldErrors) {
    if (out[e.field] !== undefined) continue;
    const key = `common.errors.fields.${e.code}`;
    out[e.field] = te(key) ? t(key) : e.message;
  }
  return out;
}

export function isForbidden(err: unknown): boolean {
  return err instanceof ApiError && err.status === 403;
}
