/**
 * The "offered items" tab of an area: every item (on shelf or not), grouped by its top-level
 * category in the catalog's order, narrowed by what staff type. An item is offered in an
 * area unless the area's not-offered list names it.
 */
import { localName } from '@daojia/shared';
import type { AdminCategory, AdminItem } from '../catalog/model';

export interface OfferGroup {
  /** The top-level category's code; '' for items whose category is not known. */
  code: string;
  items: AdminItem[];
  /** How many of the group's items (all of them, not only those shown) the area offers. */
  offered: number;
  total: number;
}

/** Lower case, without spaces, for matching what was typed. */
const fold = (s: string): string => s.toLowerCase().replace(/\s+/g, '');

/**
 * The groups to show: a top-level category with its sub-categories' items, categories and
 * items in display order, empty groups left out. `q` matches the item's code or name (either
 * language) or its category's (so "保洁" shows the whole cleaning group).
 */
export function offerGroups(categories: AdminCategory[], items: AdminItem[], notOffered: ReadonlySet<string>, q = ''): OfferGroup[] {
  const sorted = <T extends { sort: number; code: string }>(xs: T[]): T[] => [...xs].sort((a, b) => a.sort - b.sort || a.code.localeCompare(b.code));
  // Category code → its top-level category and the names an item there is also found by.
  const top = new Map<string, { code: string; names: string[] }>();
  for (const c of categories) {
    top.set(c.code, { code: c.code, names: [c.name, c.name_en] });
    for (const s of c.children) top.set(s.code, { code: c.code, names: [c.name, c.name_en, s.name, s.name_en] });
  }
  const needle = fold(q);
  const matches = (i: AdminItem): boolean =>
    !needle || [i.code, i.name, i.name_en, ...(top.get(i.category_code)?.names ?? [])].some((s) => fold(s).includes(needle));

  const order = [...sorted(categories).map((c) => c.code), ''];
  const groups = new Map<string, OfferGroup>(order.map((code) => [code, { code, items: [], offered: 0, total: 0 }]));
  for (const i of sorted(items)) {
    const g = groups.get(top.get(i.category_code)?.code ?? '')!;
    g.total += 1;
    if (!notOffered.has(i.code)) g.offered += 1;
    if (matches(i)) g.items.push(i);
  }
  return order.map((code) => groups.get(code)!).filter((g) => g.items.length > 0);
}

/** The name of a group's category in the current language ('' for the unknown group). */
export function groupName(categories: AdminCategory[], code: string, locale: string): string {
  const c = categories.find((x) => x.code === code);
  return c ? localName(c, locale) : '';
}

/** The not-offered list after a switch was saved. */
export function withOffered(notOffered: ReadonlySet<string>, item: string, offered: boolean): Set<string> {
  const next = new Set(notOffered);
  if (offered) next.delete(item);
  else next.add(item);
  return next;
}
