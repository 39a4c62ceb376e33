import { describe, expect, it } from 'vitest';
import type { ItemView, PublicPromotion } from '@daojia/shared';
import { bannerOn, bannerPromotions, offeredIn, promotionForItem, promotionFromQuery, promotionalUnitFen } from '../src/promotions';

const NOW = Date.parse('2026-12-12T04:00:00Z');
const hours = (h: number) => new Date(NOW + h * 3_600_000).toISOString();

function promo(over: Partial<PublicPromotion> = {}): PublicPromotion {
  return {
    id: '0193a1b2-0000-7000-8000-000000000001',
    item_code: 'deep_cleaning',
    name: '深度保洁 限时半价',
    price_fen: 19_900,
    list_price_fen: 39_900,
    remaining: 37,
    quota: 100,
    per_customer: 1,
    areas: [],
    standing: 'open',
    starts_at: hours(-1),
    ends_at: hours(24),
    ...over,
  };
}

describe('the promotion an item shows', () => {
  it('is the one on sale before one to come or one sold out', () => {
    const soon = promo({ id: 'soon', starts_at: hours(2) });
    const gone = promo({ id: 'gone', remaining: 0 });
    const open = promo({ id: 'open' });
    expect(promotionForItem([soon, gone, open], 'deep_cleaning', NOW)).toEqual({ promotion: open, phase: 'on_sale' });
    expect(promotionForItem([gone, soon], 'deep_cleaning', NOW)?.promotion.id).toBe('soon');
    expect(promotionForItem([gone], 'deep_cleaning', NOW)?.phase).toBe('sold_out');
  });

  it("is none for another item's, or once its sales closed by the clock", () => {
    expect(promotionForItem([promo()], 'daily_cleaning', NOW)).toBeNull();
    expect(promotionForItem([promo()], 'deep_cleaning', Date.parse(hours(24)))).toBeNull();
  });

  it('moves from upcoming to on sale as the clock passes its start', () => {
    const p = promo({ starts_at: hours(1) });
    expect(promotionForItem([p], 'deep_cleaning', NOW)?.phase).toBe('upcoming');
    expect(promotionForItem([p], 'deep_cleaning', Date.parse(hours(1)))?.phase).toBe('on_sale');
  });

  it('lists for the banner only those on sale or to come, on sale first', () => {
    const list = [promo({ id: 'soon', starts_at: hours(3) }), promo({ id: 'gone', remaining: 0 }), promo({ id: 'open', item_code: 'sofa' })];
    expect(bannerPromotions(list, NOW).map((s) => [s.promotion.id, s.phase])).toEqual([
      ['open', 'on_sale'],
      ['soon', 'upcoming'],
    ]);
  });
});

describe('the price of a line booked at a promotion', () => {
  const item = {
    options: [
      { code: 'area', choices: [{ code: 'small', price_delta_fen: 0 }, { code: 'large', price_delta_fen: 10_000 }] },
      { code: 'oven', choices: [{ code: 'no', price_delta_fen: 0 }, { code: 'yes', price_delta_fen: 3_000 }] },
    ],
  } as unknown as Pick<ItemView, 'options'>;

  it("is the promotion's price with the chosen options' differences", () => {
    expect(promotionalUnitFen(promo(), item, { area: 'large', oven: 'yes' })).toBe(32_900);
    expect(promotionalUnitFen(promo(), item, { area: 'small' })).toBe(19_900);
  });

  it('takes the first choice of an option left out or unknown, as the server does', () => {
    expect(promotionalUnitFen(promo(), item, { area: 'huge' })).toBe(19_900);
  });
});

describe('the booking of a promotion', () => {
  it('carries its id in the query only when it looks like one', () => {
    expect(promotionFromQuery('0193A1B2-0000-7000-8000-000000000001')).toBe('0193a1b2-0000-7000-8000-000000000001');
    expect(promotionFromQuery('1; drop')).toBeNull();
    expect(promotionFromQuery(['0193a1b2-0000-7000-8000-000000000001'])).toBeNull();
    expect(promotionFromQuery(undefined)).toBeNull();
  });

  it('is offered in its areas, or everywhere when it names none', () => {
    expect(offeredIn(promo(), null)).toBe(true);
    expect(offeredIn(promo({ areas: ['sh-xuhui'] }), 'sh-xuhui')).toBe(true);
    expect(offeredIn(promo({ areas: ['sh-xuhui'] }), 'sh-pudong')).toBe(false);
    expect(offeredIn(promo({ areas: ['sh-xuhui'] }), null)).toBe(false);
  });
});

describe('the promotions banner flag', () => {
  it('hides the banner where it is off, and shows it where it is on, absent or unread', () => {
    expect(bannerOn({ 'h5.promotions_banner': false })).toBe(false);
    expect(bannerOn({ 'h5.promotions_banner': true })).toBe(true);
    expect(bannerOn({ 'other.flag': false })).toBe(true);
    expect(bannerOn(null)).toBe(true);
  });
});
