import { describe, expect, it } from 'vitest';
import { ApiError } from '@daojia/shared';
import { emptyPromotionForm, formFieldOf, formToPromotion, promotionFieldErrors, soldPercent, type PromotionForm } from '../src/pages/promotions/promotion';

const filled = (over: Partial<PromotionForm> = {}): PromotionForm => ({
  ...emptyPromotionForm(),
  item_code: 'deep_cleaning',
  name: ' 深度保洁 限时半价 ',
  price: '199.5',
  quota: 100,
  per_customer: 2,
  window: ['2026-12-12 10:00', '2026-12-13 10:00'],
  areas: ['sh-xuhui'],
  ...over,
});

describe('the promotion form', () => {
  it('sends yuan as fen and China wall-clock times as instants', () => {
    const built = formToPromotion(filled(), 39_900);
    expect(built).toEqual({
      input: {
        item_code: 'deep_cleaning',
        name: '深度保洁 限时半价',
        price_fen: 19_950,
        quota: 100,
        per_customer: 2,
        areas: ['sh-xuhui'],
        starts_at: '2026-12-12T02:00:00.000Z',
        ends_at: '2026-12-13T02:00:00.000Z',
      },
    });
  });

  it('says every problem at once, before sending', () => {
    const built = formToPromotion({ ...emptyPromotionForm(), price: '0', quota: 0, per_customer: 0 }, null);
    expect(built).toEqual({ errors: { item_code: 'required', name: 'required', price_fen: 'amount', quota: 'whole', per_customer: 'whole', window: 'required' } });
  });

  it('wants a price below the usual one, no more per customer than in all, and an end after the start', () => {
    const built = formToPromotion(filled({ price: '399', quota: 1, per_customer: 2, window: ['2026-12-12 10:00', '2026-12-12 10:00'] }), 39_900);
    expect(built).toEqual({ errors: { price_fen: 'not_below_list_price', per_customer: 'above_quota', window: 'before_start' } });
    expect(formToPromotion(filled({ price: '12.345' }), null)).toEqual({ errors: { price_fen: 'amount' } });
  });
});

describe("the server's field errors", () => {
  const tr = { t: (k: string) => `T:${k}`, te: (k: string) => ['common.errors.fields.not_below_list_price', 'common.errors.fields.unknown_area'].includes(k) };
  const problem = (errors: { field: string; code: string; message: string }[]) =>
    new ApiError({ type: 'about:blank', title: 'Unprocessable', status: 422, code: 'validation_failed', errors });

  it('land on the fields they concern', () => {
    expect(formFieldOf('price_fen')).toBe('price_fen');
    expect(formFieldOf('areas[3]')).toBe('areas');
    expect(formFieldOf('starts_at')).toBe('window');
    expect(formFieldOf('ends_at')).toBe('window');
    expect(formFieldOf('somewhere_else')).toBeNull();
  });

  it('in our words when we have them, else the server message, the first per field', () => {
    const e = problem([
      { field: 'price_fen', code: 'not_below_list_price', message: 'a promotional price below 39900 fen' },
      { field: 'ends_at', code: 'too_long', message: 'at most 366 days after `starts_at`' },
      { field: 'areas[1]', code: 'unknown_area', message: 'no service area `nowhere`' },
      { field: 'areas[2]', code: 'unknown_area', message: 'no service area `elsewhere`' },
    ]);
    expect(promotionFieldErrors(e, tr, ['sh-xuhui', 'nowhere', 'elsewhere'])).toEqual({
      price_fen: 'T:common.errors.fields.not_below_list_price',
      window: 'at most 366 days after `starts_at`',
      areas: 'T:common.errors.fields.unknown_area: nowhere',
    });
    expect(promotionFieldErrors(new Error('x'), tr)).toEqual({});
  });
});

describe('the progress bar', () => {
  it('is the share sold, within 0 to 100', () => {
    expect(soldPercent(37, 100)).toBe(37);
    expect(soldPercent(1, 3)).toBe(33);
    expect(soldPercent(100, 100)).toBe(100);
    expect(soldPercent(5, 0)).toBe(0);
  });
});
