/**
 * Partners (服务商) in the console: the checks of the forms (the server checks again).
 */
import { parseYuan } from '@daojia/shared';

/** The i18n key of what is wrong with a partner code, or null (1 to 32 of a-z, 0-9, _). */
export function codeError(code: string): string | null {
  const v = code.trim();
  if (!v) return 'common.errors.fields.required';
  return /^[a-z0-9_]{1,32}$/.test(v) ? null : 'partners.codeInvalid';
}

/** A share typed as a percentage (up to two decimals) in basis points, or null when invalid. */
export function shareBp(percent: string): number | null {
  const hundredths = parseYuan(percent.trim());
  if (hundredths === null || hundredths > 10_000) return null;
  return hundredths;
}

/** The errors of a sharing receiver (WeChat Pay merchant id of 8 to 32 digits; its full name), by field. */
export function receiverErrors(mchid: string, name: string): Partial<Record<'mchid' | 'name', string>> {
  const e: Partial<Record<'mchid' | 'name', string>> = {};
  if (!/^\d{8,32}$/.test(mchid.trim())) e.mchid = 'partners.mchidInvalid';
  const n = name.trim();
  if (!n) e.name = 'common.errors.fields.required';
  else if ([...n].length > 128) e.name = 'common.errors.fields.too_long';
  return e;
}

/** A share in basis points as a percentage: 1250 → "12.5%", 1000 → "10%". */
export function formatShare(bp: number): string {
  const whole = Math.floor(bp / 100);
  const rest = String(bp % 100).padStart(2, '0').replace(/0+$/, '');
  return `${whole}${rest ? `.${rest}` : ''}%`;
}
