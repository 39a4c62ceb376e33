import { describe, expect, it } from 'vitest';
import {
  emptyItemForm,
  fenToYuanText,
  formToInput,
  hhmmToMinute,
  itemToForm,
  minuteToHhmm,
  move,
  newChoice,
  newOption,
  parseSignedYuan,
  priceRange,
  type AdminItem,
} from '../src/pages/catalog/model';

const ITEM: AdminItem = {
  code: 'deep_cleaning',
  category_code: 'cleaning',
  name: '深度保洁',
  name_en: 'Deep cleaning',
  description: '<p>全屋</p>',
  unit: '次',
  base_price_fen: 39_900,
  base_duration_min: 240,
  buffer_min: 15,
  skills: ['cleaning'],
  tools: ['吸尘器'],
  notes: '',
  checklist: [],
  options: [
    {
      code: 'size',
      name: '面积',
      name_en: 'Size',
      choices: [
        { code: 's', name: '小', name_en: 'S', price_delta_fen: 0, duration_delta_min: 0 },
        { code: 'l', name: '大', name_en: 'L', price_delta_fen: 10_050, duration_delta_min: 60 },
      ],
    },
  ],
  payment_mode: 'deposit',
  deposit_fen: 5_000,
  on_shelf: true,
  sort: 10,
  policy: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-02T00:00:00Z',
};

describe('the item form', () => {
  it('round-trips an item through yuan text without losing a fen', () => {
    const form = itemToForm(ITEM);
    expect(form.price).toBe('399');
    expect(form.options[0].choices[1].price).toBe('100.5');
    const out = formToInput(form, false);
    if (!('input' in out)) throw new Error(JSON.stringify(out.errors));
    expect(out.input.base_price_fen).toBe(39_900);
    expect(out.input.deposit_fen).toBe(5_000);
    expect(out.input.options?.[0].choices[1].price_delta_fen).toBe(10_050);
    // An update names the version it edits and never sends a new code.
    expect(out.input.updated_at).toBe(ITEM.updated_at);
    expect(out.input.code).toBeNull();
  });

  it('names bad fields by the server’s paths before sending', () => {
    const form = itemToForm(ITEM);
    form.code = 'Deep Cleaning';
    form.price = '3.999';
    form.options[0].choices[1].code = 's';
    form.options[0].choices[1].price = 'abc';
    form.options.push({ ...newOption(form.options), choices: [] });
    const out = formToInput(form, true);
    expect('errors' in out && out.errors).toEqual({
      code: 'invalid_code',
      base_price_fen: 'invalid_amount',
      'options[0].choices[1].code': 'duplicate',
      'options[0].choices[1].price_delta_fen': 'invalid_amount',
      'options[1].choices': 'no_choices',
    });
  });

  it('adds options and choices with fresh codes and reorders them', () => {
    const form = emptyItemForm('cleaning');
    form.options = [newOption([])];
    form.options.push(newOption(form.options));
    expect(form.options.map((o) => o.code)).toEqual(['option1', 'option2']);
    expect(form.options[0].choices).toHaveLength(1);
    const c = form.options[0].choices;
    c.push(newChoice(c));
    expect(c.map((x) => x.code)).toEqual(['choice1', 'choice2']);
    expect(move(['a', 'b', 'c'], 2, -1)).toEqual(['a', 'c', 'b']);
    expect(move(['a', 'b', 'c'], 0, -1)).toEqual(['a', 'b', 'c']);
  });

  it('shows the price range the options give', () => {
    const form = itemToForm(ITEM);
    form.options[0].choices.push({ code: 'xs', name: '', name_en: '', price: '-50', minutes: 0 });
    expect(priceRange(form)).toEqual([34_900, 49_950]);
  });
});

describe('money and times as staff type them', () => {
  it('reads signed yuan and writes short yuan', () => {
    expect(parseSignedYuan('-5')).toBe(-500);
    expect(parseSignedYuan('12.5')).toBe(1250);
    expect(parseSignedYuan('--5')).toBeNull();
    expect(fenToYuanText(-500)).toBe('-5');
    expect(fenToYuanText(1205)).toBe('12.05');
  });

  it('shows opening hours as HH:mm', () => {
    expect(minuteToHhmm(480)).toBe('08:00');
    expect(minuteToHhmm(1440)).toBe('24:00');
    expect(hhmmToMinute('20:30')).toBe(1230);
    expect(hhmmToMinute('25:00')).toBeNull();
  });
});
