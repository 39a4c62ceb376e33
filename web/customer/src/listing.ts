/**
 * What the home page lists: the catalog of the area the customer's booking address is in
 * (so items the area does not offer are not shown), and the order of a search or a
 * category's items (综合 / 热门 / 价格↑ / 价格↓, kept in the route query `sort=`).
 */

export const SORTS = ['relevance', 'popular', 'price_asc', 'price_desc'] as const;
export type Sort = (typeof SORTS)[number];

/** The sort in the route query, else the default (relevance: best match, then catalog order). */
export function sortFromQuery(raw: unknown): Sort {
  return SORTS.find((s) => s === raw) ?? 'relevance';
}

/** The route query with this sort (the default one is left out). */
export function querySort<Q extends Record<string, unknown>>(query: Q, sort: Sort): Omit<Q, 'sort'> & { sort?: Sort } {
  const { sort: _, ...rest } = query;
  return sort === 'relevance' ? rest : { ...rest, sort };
}

export interface Listing {
  /** What was typed (trimmed); empty: the chosen category's items. */
  q: string;
  /** The chosen category (ignored while searching: search looks everywhere). */
  category: string | null;
  sort: Sort;
}

/**
 * True when the list must come from the server's search: a search, or a category in an
 * order the catalog does not have (popularity is only known there, and the prices are
 * sorted the same way the search sorts them). A category in catalog order is the catalog's.
 */
export function fromSearch(l: Listing): boolean {
  return l.q.length > 0 || l.sort !== 'relevance';
}

/** The query of `GET /public/catalog/search` for a listing in an area (what is unset left out). */
export function searchQuery(l: Listing, area: string | null): { q?: string; category?: string; area?: string; sort?: Sort } {
  const out: { q?: string; category?: string; area?: string; sort?: Sort } = {};
  if (l.q) out.q = l.q;
  else if (l.category) out.category = l.category;
  if (area) out.area = area;
  if (l.sort !== 'relevance') out.sort = l.sort;
  return out;
}

export interface InArea<T> {
  value: T;
  /** The area it is for; null: everywhere (none known, or the server no longer knows it). */
  area: string | null;
}

/**
 * Loads something for an area, or for everywhere without one. An area the server no longer
 * knows (`unknownArea` recognises that refusal: an address saved before its area was
 * removed) gives everywhere's answer rather than an error: the booking says what is wrong.
 */
export function inArea<T>(load: (area: string | null) => Promise<T>, unknownArea: (e: unknown) => boolean) {
  return async (area: string | null): Promise<InArea<T>> => {
    if (!area) return { value: await load(null), area: null };
    try {
      return { value: await load(area), area };
    } catch (e) {
      if (!unknownArea(e)) throw e;
      return { value: await load(null), area: null };
    }
  };
}
