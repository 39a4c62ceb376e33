import { describe, expect, it } from 'vitest';
import { groupName, offerGroups, withOffered } from '../src/pages/areas/offered';
import type { AdminCategory, AdminItem } from '../src/pages/catalog/model';

const cat = (code: string, name: string, name_en: string, sort: number, children: AdminCategory['children'] = []): AdminCategory => ({
  code,
  name,
  name_en,
  sort,
  item_count: 0,
  children,
});
const sub = (code: string, parent: string, name: string, name_en: string, sort: number) => ({ code, parent_code: parent, name, name_en, sort, item_count: 0 });

const item = (code: string, category_code: string, name: string, name_en: string, sort = 0): AdminItem => ({
  code,
  category_code,
  name,
  name_en,
  description: '',
  unit: '次',
  base_price_fen: 10_000,
  base_duration_min: 60,
  buffer_min: 0,
  skills: [],
  tools: [],
  notes: '',
  checklist: [],
  options: [],
  payment_mode: 'full',
  deposit_fen: 0,
  on_shelf: true,
  sort,
  policy: null,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
});

const CATEGORIES = [
  cat('pet_care', '宠物服务', 'Pet care', 2),
  cat('cleaning', '家政保洁', 'Cleaning', 1, [sub('deep', 'cleaning', '深度清洁', 'Deep cleans', 1)]),
];
const ITEMS = [
  item('dog_walking', 'pet_care', '遛狗', 'Dog walking'),
  item('deep_cleaning', 'deep', '深度保洁', 'Deep cleaning', 2),
  item('daily_cleaning', 'cleaning', '日常保洁', 'Daily cleaning', 1),
  item('mystery', 'gone', '神秘服务', 'Mystery'),
];

const codes = (groups: ReturnType<typeof offerGroups>) => groups.map((g) => [g.code, g.items.map((i) => i.code)]);

describe('the items an area offers, grouped', () => {
  it('groups items under their top-level category in display order, unknown categories last', () => {
    expect(codes(offerGroups(CATEGORIES, ITEMS, new Set()))).toEqual([
      ['cleaning', ['daily_cleaning', 'deep_cleaning']],
      ['pet_care', ['dog_walking']],
      ['', ['mystery']],
    ]);
  });

  it('counts what the area offers in each group', () => {
    const [cleaning, pets] = offerGroups(CATEGORIES, ITEMS, new Set(['deep_cleaning', 'dog_walking']));
    expect([cleaning.offered, cleaning.total]).toEqual([1, 2]);
    expect([pets.offered, pets.total]).toEqual([0, 1]);
  });

  it('finds items by name in either language, code or category, ignoring case and spaces', () => {
    expect(codes(offerGroups(CATEGORIES, ITEMS, new Set(), '深度'))).toEqual([['cleaning', ['deep_cleaning']]]);
    expect(codes(offerGroups(CATEGORIES, ITEMS, new Set(), 'dog walk'))).toEqual([['pet_care', ['dog_walking']]]);
    expect(codes(offerGroups(CATEGORIES, ITEMS, new Set(), 'DAILY_'))).toEqual([['cleaning', ['daily_cleaning']]]);
    // The category's name (or a sub-category's) finds its items.
    expect(codes(offerGroups(CATEGORIES, ITEMS, new Set(), '保洁'))).toEqual([['cleaning', ['daily_cleaning', 'deep_cleaning']]]);
    expect(codes(offerGroups(CATEGORIES, ITEMS, new Set(), 'deep cleans'))).toEqual([['cleaning', ['deep_cleaning']]]);
    expect(offerGroups(CATEGORIES, ITEMS, new Set(), '空调')).toEqual([]);
  });

  it('keeps the group counts whole while searching', () => {
    const [cleaning] = offerGroups(CATEGORIES, ITEMS, new Set(['deep_cleaning']), '日常');
    expect(cleaning.items.map((i) => i.code)).toEqual(['daily_cleaning']);
    expect([cleaning.offered, cleaning.total]).toEqual([1, 2]);
  });

  it('names a group in the current language', () => {
    expect(groupName(CATEGORIES, 'cleaning', 'zh-CN')).toBe('家政保洁');
    expect(groupName(CATEGORIES, 'cleaning', 'en')).toBe('Cleaning');
    expect(groupName(CATEGORIES, '', 'en')).toBe('');
  });

  it('updates the not-offered list after a save without changing the old one', () => {
    const before = new Set(['dog_walking']);
    expect([...withOffered(before, 'dog_walking', true)]).toEqual([]);
    expect([...withOffered(before, 'deep_cleaning', false)].sort()).toEqual(['deep_cleaning', 'dog_walking']);
    expect([...before]).toEqual(['dog_walking']);
  });
});
