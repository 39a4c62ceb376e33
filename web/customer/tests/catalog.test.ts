import { describe, expect, it } from 'vitest';
import {
  categoryIcon,
  choicesFromQuery,
  choicesToQuery,
  defaultChoices,
  fromPriceFen,
  lineInput,
  priceVaries,
  quantityFromQuery,
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
