import { describe, expect, it, vi } from 'vitest';
import { fromSearch, inArea, querySort, searchQuery, sortFromQuery } from '../src/listing';

describe('the order of a list', () => {
  it('is read from the route query, anything else being the default', () => {
    expect(sortFromQuery('popular')).toBe('popular');
    expect(sortFromQuery('price_desc')).toBe('price_desc');
    expect(sortFromQuery('cheapest')).toBe('relevance');
    expect(sortFromQuery(['popular'])).toBe('relevance');
    expect(sortFromQuery(undefined)).toBe('relevance');
  });

  it('is kept in the route query, the default left out', () => {
    expect(querySort({ category: 'cleaning' }, 'price_asc')).toEqual({ category: 'cleaning', sort: 'price_asc' });
    expect(querySort({ category: 'cleaning', sort: 'popular' }, 'relevance')).toEqual({ category: 'cleaning' });
  });
});

describe('where a list comes from', () => {
  it('is the catalog for a category in catalog order, else the search', () => {
    expect(fromSearch({ q: '', category: 'cleaning', sort: 'relevance' })).toBe(false);
    expect(fromSearch({ q: '', category: 'cleaning', sort: 'popular' })).toBe(true);
    expect(fromSearch({ q: '保洁', category: 'cleaning', sort: 'relevance' })).toBe(true);
  });

  it('asks the search for what is set: the words (everywhere) or the category, the area and a sort', () => {
    expect(searchQuery({ q: '保洁', category: 'cleaning', sort: 'relevance' }, null)).toEqual({ q: '保洁' });
    expect(searchQuery({ q: 'bj', category: null, sort: 'price_asc' }, 'sh-xuhui')).toEqual({ q: 'bj', area: 'sh-xuhui', sort: 'price_asc' });
    expect(searchQuery({ q: '', category: 'cleaning', sort: 'popular' }, 'sh-xuhui')).toEqual({ category: 'cleaning', area: 'sh-xuhui', sort: 'popular' });
  });
});

describe('a load in an area', () => {
  const unknownArea = (e: unknown) => e instanceof Error && e.message === 'unknown_area';

  it('is everywhere’s without an area', async () => {
    const load = vi.fn(async (area: string | null) => `catalog of ${area ?? 'everywhere'}`);
    expect(await inArea(load, unknownArea)(null)).toEqual({ value: 'catalog of everywhere', area: null });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('is the area’s when the server knows it', async () => {
    const load = vi.fn(async (area: string | null) => `catalog of ${area ?? 'everywhere'}`);
    expect(await inArea(load, unknownArea)('sh-xuhui')).toEqual({ value: 'catalog of sh-xuhui', area: 'sh-xuhui' });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('falls back to everywhere’s for an area the server no longer knows', async () => {
    const load = vi.fn(async (area: string | null) => {
      if (area) throw new Error('unknown_area');
      return 'catalog of everywhere';
    });
    expect(await inArea(load, unknownArea)('gone')).toEqual({ value: 'catalog of everywhere', area: null });
    expect(load.mock.calls).toEqual([['gone'], [null]]);
  });

  it('passes other failures on', async () => {
    const load = vi.fn(async () => {
      throw new Error('network');
    });
    await expect(inArea(load, unknownArea)('sh-xuhui')).rejects.toThrow('network');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
