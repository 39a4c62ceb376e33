/**
 * The promotion form (限时特价): what staff type (yuan as text, the sales window as China
 * wall-clock times) turned into the API's `PromotionInput`, the problems found before
 * sending, and the server's field errors put on the form's fields.
 */
import { ApiError, parseYuan, zonedToUtc, type PromotionInput, type Translator } from '@daojia/shared';

export interface PromotionForm {
  item_code: string;
  name: string;
  /** Yuan, as typed. */
  price: string;
  quota: number;
  per_customer: number;
  /** `YYYY-MM-DD HH:mm` in China time, as the date picker gives them; empty until picked. */
  window: [string, string] | [];
  /** Area codes; none: every area. */
  areas: string[];
}

export function emptyPromotionForm(): PromotionForm {
  return { item_code: '', name: '', price: '', quota: 100, per_customer: 1, window: [], areas: [] };
}

/** The form's fields, in the order they are shown. */
export type PromotionField = 'item_code' | 'name' | 'price_fen' | 'quota' | 'per_customer' | 'window' | 'areas';

/** Problems found before sending: field → key under `promotions.errors`. */
export type PromotionFormErrors = Partial<Record<PromotionField, string>>;

/** `YYYY-MM-DD HH:mm` (China time) as an instant, or null. */
function instant(local: string): string | null {
  const [date, time] = local.trim().split(' ');
  return date && time ? zonedToUtc(date, time.slice(0, 5)) : null;
}

/**
 * The form as `PromotionInput`, or what stops it: an item, a name, a price above zero and
 * below the item's usual price (`listPriceFen`, when known), whole numbers of places, and a
 * window that ends after it starts. The server checks all of it again.
 */
export function formToPromotion(f: PromotionForm, listPriceFen: number | null): { input: PromotionInput } | { errors: PromotionFormErrors } {
  const errors: PromotionFormErrors = {};
  if (!f.item_code) errors.item_code = 'required';
  if (!f.name.trim()) errors.name = 'required';
  const price = parseYuan(f.price);
  if (price === null || price <= 0) errors.price_fen = 'amount';
  else if (listPriceFen !== null && price >= listPriceFen) errors.price_fen = 'not_below_list_price';
  if (!Number.isInteger(f.quota) || f.quota < 1) errors.quota = 'whole';
  if (!Number.isInteger(f.per_customer) || f.per_customer < 1) errors.per_customer = 'whole';
  else if (Number.isInteger(f.quota) && f.per_customer > f.quota) errors.per_customer = 'above_quota';
  const starts = f.window.length === 2 ? instant(f.window[0]) : null;
  const ends = f.window.length === 2 ? instant(f.window[1]) : null;
  if (!starts || !ends) errors.window = 'required';
  else if (Date.parse(ends) <= Date.parse(starts)) errors.window = 'before_start';
  if (Object.keys(errors).length > 0) return { errors };
  return {
    input: {
      item_code: f.item_code,
      name: f.name.trim(),
      price_fen: price ?? 0,
      quota: f.quota,
      per_customer: f.per_customer,
      areas: f.areas,
      starts_at: starts ?? '',
      ends_at: ends ?? '',
    },
  };
}

/** The form field a server field path belongs to (`areas[2]` → `areas`, the window's two ends → `window`). */
export function formFieldOf(path: string): PromotionField | null {
  const head = path.replace(/\[\d+\].*$/, '');
  if (head === 'starts_at' || head === 'ends_at') return 'window';
  const known: PromotionField[] = ['item_code', 'name', 'price_fen', 'quota', 'per_customer', 'areas'];
  return (known as string[]).includes(head) ? (head as PromotionField) : null;
}

/**
 * The server's field errors (422 problem+json) on the form's fields: our words for the codes
 * we know (`common.errors.fields.*`), else the server's message, which says what is expected.
 * An area the server does not know is named.
 */
export function promotionFieldErrors(err: unknown, { t, te }: Translator, areas: string[] = []): Partial<Record<PromotionField, string>> {
  if (!(err instanceof ApiError)) return {};
  const out: Partial<Record<PromotionField, string>> = {};
  for (const e of err.fieldErrors) {
    const field = formFieldOf(e.field);
    if (!field || out[field] !== undefined) continue;
    const key = `common.errors.fields.${e.code}`;
    const ours = te(key);
    // Our words do not name the area: add the code the server refused.
    const area = /^areas\[(\d+)\]/.exec(e.field)?.[1];
    const code = area !== undefined ? areas[Number(area)] : undefined;
    out[field] = ours ? (code ? `${t(key)}: ${code}` : t(key)) : e.message;
  }
  return out;
}

/** Sold places as a share of the quota, 0–100, for the progress bar. */
export function soldPercent(sold: number, quota: number): number {
  if (quota <= 0) return 0;
  return Math.min(100, Math.max(0, Math.round((sold / quota) * 100)));
}
