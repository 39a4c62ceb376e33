/**
 * The worker's deposit (保证金): checks on a lodging before it is sent (the server checks
 * again), what the next tier asks for, and which channels a phone pays a lodging through.
 */
import { parseYuan } from '@daojia/shared';

/** A lodging amount typed in yuan, as 分, or the i18n key of what is wrong. */
export function lodgingAmount(text: string, minFen: number, maxFen: number): { fen: number } | { error: string } {
  const fen = parseYuan(text.trim());
  if (fen === null || fen <= 0) return { error: 'deposit.amountInvalid' };
  if (fen < minFen) return { error: 'deposit.belowMinimum' };
  if (fen > maxFen) return { error: 'deposit.aboveMaximum' };
  return { fen };
}

/** A tier as the server describes it. */
export interface TierLike {
  code: string;
  name: string;
  required_fen: number;
}

/**
 * The lowest tier above what `usableFen` reaches and how much more it needs, or null when
 * the highest is reached (or there are no tiers).
 */
export function nextTier<T extends TierLike>(tiers: T[], usableFen: number): { tier: T; missingFen: number } | null {
  const above = tiers.filter((t) => t.required_fen > usableFen).sort((a, b) => a.required_fen - b.required_fen);
  const tier = above[0];
  return tier ? { tier, missingFen: tier.required_fen - usableFen } : null;
}

/** A category as the catalog names it. */
export interface CategoryName {
  code: string;
  name: string;
  name_en: string;
}

/**
 * The categories a tier unlocks, named in the page's language (English for any locale
 * starting with `en`, listed with commas; else 中文 with 、), a code the catalog does not
 * know kept as it is.
 */
export function categoryNames(codes: string[], known: CategoryName[], locale: string): string {
  const english = locale.toLowerCase().startsWith('en');
  return codes
    .map((code) => {
      const c = known.find((k) => k.code === code);
      return c ? (english ? c.name_en : c.name) : code;
    })
    .join(english ? ', ' : '、');
}

/** The channels a lodging is paid through on a phone: the channel's page, never JSAPI or a QR code. */
export function lodgingChannels(offered: string[]): string[] {
  return ['wechat_h5', 'alipay_wap'].filter((c) => offered.includes(c));
}

/** Whether a lodging's state is final (the channel confirmed, refused or closed it). */
export function lodgingSettled(state: string): boolean {
  return !['created', 'pending'].includes(state);
}

/** The tag type of a movement's or a lodging's state. */
export function lodgingTag(state: string): 'primary' | 'success' | 'danger' | 'warning' {
  switch (state) {
    case 'succeeded':
      return 'success';
    case 'failed':
    case 'closed':
      return 'danger';
    case 'pending':
      return 'primary';
    default:
      return 'warning';
  }
}
