import { describe, expect, it, vi } from 'vitest';
import {
  categoryIcon,
  choicesFromQuery,
  choicesToQuery,
  defaultChoices,
  fromPriceFen,
  lineInput,
  priceVaries,
  quantityFromQuery,
  quoter,
  type QuoteBody,
} from '../src/catalog';

const choice = (code: string, price_delta_fen = 0) => ({ code, name: code, name_en: code, price_delta_fen, duration_delta_min: 0 });
const item = {
  base_price_fen: 15900,
  options: [
    { code: 'area', name: '面积', name_en: 'Area', choices: [choice('lt60'), choice('60_90', 4000), choice('90_120', 8000)] },
    { code: 'hours', name: '时长', name_en: 'Hours', choices: [choice('3h'), choice('2h', -4000)] },
    { code: 'empty', name: '空', name_en: 'Empty', choices: [] },
  ],
};

describe('an item’s choices', () => {
  it('default to the first choice of every option that has one', () => {
    expect(defaultChoices(item)).toEqual({ area: 'lt60', hours: '3h' });
  });

  it('round-trip through the route query', () => {
    const picked = { area: '90_120', hours: '2h' };
    expect(choicesFromQuery(item, choicesToQuery(picked))).toEqual(picked);
  });

  it('ignore unknown options and choices in the query and keep defaults for the rest', () => {
    expect(choicesFromQuery(item, 'area:huge,colour:red,hours:2h,junk')).toEqual({ area: 'lt60', hours: '2h' });
    expect(choicesFromQuery(item, ['area:60_90'])).toEqual({ area: 'lt60', hours: '3h' });
  });

  it('become the line the quote and the order take', () => {
    expect(lineInput('deep_cleaning', { area: '60_90' }, 2)).toEqual({
      item: 'deep_cleaning',
      options: [{ option: 'area', choice: '60_90' }],
      quantity: 2,
    });
  });
});

describe('quantityFromQuery', () => {
  it('takes whole numbers from 1 to 20 and falls back to 1', () => {
    expect(quantityFromQuery('3')).toBe(3);
    for (const v of ['0', '21', '-1', '1.5', 'x', undefined]) expect(quantityFromQuery(v), String(v)).toBe(1);
  });
});

describe('price tags', () => {
  it('start from the cheapest choices, which may be below the base price', () => {
    expect(fromPriceFen(item)).toBe(11900);
    expect(priceVaries(item)).toBe(true);
    expect(priceVaries({ options: [{ code: 'x', name: '', name_en: '', choices: [choice('a')] }] })).toBe(false);
  });

  it('have an icon for every demo category and a generic one for a new category', () => {
    for (const c of ['cleaning', 'appliance_repair', 'beauty', 'nursing', 'pet_care', 'car_care']) expect(categoryIcon(c)).not.toBe('apps-o');
    expect(categoryIcon('space_travel')).toBe('apps-o');
  });
});

describe('quoting a line', () => {
  const line = lineInput('daily_cleaning', { hours: '3h' }, 1);
  const refusal = (e: unknown) => (e instanceof Error && e.message.startsWith('refused:') ? e.message.slice(8) : null);

  it("asks for the area's prices when the area is known, else the base prices", async () => {
    const post = vi.fn(async (b: QuoteBody) => ({ total_fen: b.area_code ? 22_000 : 15_900 }));
    const quote = quoter(post, refusal);
    expect(await quote(line, 'sh-xuhui')).toEqual({ quote: { total_fen: 22_000 }, area: 'sh-xuhui', refused: null });
    expect(post).toHaveBeenLastCalledWith({ ...line, area_code: 'sh-xuhui' });
    expect(await quote(line, null)).toEqual({ quote: { total_fen: 15_900 }, area: null, refused: null });
    expect(post).toHaveBeenLastCalledWith(line);
    expect(post.mock.calls[1][0]).not.toHaveProperty('area_code');
  });

  it('gives the base prices, and why, when the area will not price it', async () => {
    for (const why of ['unknown_area', 'not_offered_here']) {
      const post = vi.fn(async (b: QuoteBody) => {
        if (b.area_code) throw new Error(`refused:${why}`);
        return { total_fen: 15_900 };
      });
      expect(await quoter(post, refusal)(line, 'sh-xuhui')).toEqual({ quote: { total_fen: 15_900 }, area: null, refused: why });
      expect(post).toHaveBeenCalledTimes(2);
    }
  });

  it('fails on anything else, without asking again', async () => {
    const down = new Error('network');
    const failing = vi.fn(async () => {
      throw down;
    });
    await expect(quoter(failing, refusal)(line, 'sh-xuhui')).rejects.toBe(down);
    expect(failing).toHaveBeenCalledTimes(1);
  });
});
