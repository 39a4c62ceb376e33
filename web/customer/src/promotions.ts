/**
 * Promotions (限时特价) in the customer app: which current promotion an item page shows,
 * what a line booked at one costs, and which promotion a booking carries (`promo=<id>` in
 * the route query, so a reload keeps it). The server prices the order; the booking page
 * shows the same sum before it is sent.
 */
import { promotionPhase, publicFacts, type ItemView, type PromotionPhase, type PublicPromotion } from '@daojia/shared';
import type { Choices } from './catalog';

/** A current promotion with where it stands now. */
export interface ShownPromotion {
  promotion: PublicPromotion;
  phase: PromotionPhase;
}

const RANK: Record<PromotionPhase, number> = { on_sale: 0, upcoming: 1, sold_out: 2, ended: 3, stopped: 4 };

/**
 * The promotion to show for item `code` at `now`: one on sale first, else the next to
 * open, else one sold out (a cancelled booking may give a place back); none once ended.
 * Ties go to the one that opened first (the server lists them so).
 */
export function promotionForItem(list: readonly PublicPromotion[], code: string, now: number): ShownPromotion | null {
  let best: ShownPromotion | null = null;
  for (const p of list) {
    if (p.item_code !== code) continue;
    const phase = promotionPhase(publicFacts(p), now);
    if (phase === 'ended' || phase === 'stopped') continue;
    if (!best || RANK[phase] < RANK[best.phase]) best = { promotion: p, phase };
  }
  return best;
}

/** The promotions worth a banner at `now` (on sale or about to open), on sale first. */
export function bannerPromotions(list: readonly PublicPromotion[], now: number): ShownPromotion[] {
  return list
    .map((promotion) => ({ promotion, phase: promotionPhase(publicFacts(promotion), now) }))
    .filter((s) => s.phase === 'on_sale' || s.phase === 'upcoming')
    .sort((a, b) => RANK[a.phase] - RANK[b.phase]);
}

/**
 * The price of one unit booked at promotion `p` with these choices: the promotional price
 * replaces the item's price and the area's adjustment, the chosen options still add their
 * differences (options left out take their first choice), as the server prices it.
 */
export function promotionalUnitFen(p: Pick<PublicPromotion, 'price_fen'>, item: Pick<ItemView, 'options'>, choices: Choices): number {
  let fen = p.price_fen;
  for (const o of item.options) {
    const c = o.choices.find((x) => x.code === choices[o.code]) ?? o.choices[0];
    if (c) fen += c.price_delta_fen;
  }
  return fen;
}

/** The promotion id carried in the route query (`promo`), if it looks like one. */
export function promotionFromQuery(raw: unknown): string | null {
  return typeof raw === 'string' && /^[0-9a-f-]{36}$/i.test(raw) ? raw.toLowerCase() : null;
}

/** Whether promotion `p` may be booked at an address in `area` (a promotion of no areas is everywhere's). */
export function offeredIn(p: Pick<PublicPromotion, 'areas'>, area: string | null): boolean {
  return p.areas.length === 0 || (area !== null && p.areas.includes(area));
}

/** The flag that shows the promotions banner on the home page, evaluated per service area. */
export const PROMOTIONS_BANNER_FLAG = 'h5.promotions_banner';

/**
 * Whether the banner shows, from the flags on for this caller and area: the flag turns it
 * off (for some areas, roles or a share of customers); an install without the flag, or
 * flags that could not be read, show it (it only shows what the catalog offers anyway).
 */
export function bannerOn(flags: Readonly<Record<string, boolean>> | null): boolean {
  return flags?.[PROMOTIONS_BANNER_FLAG] !== false;
}
