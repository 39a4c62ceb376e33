/**
 * What the customer pages do with catalog items: icons of categories, the chosen options of
 * an item (defaults, and carried in the route query `o=area:60_90,hours:3h` so a booking
 * survives a reload), and the line sent to quote and place.
 */
import type { ItemView } from '@daojia/shared';

const ICONS: Record<string, string> = {
  cleaning: 'home-o',
  appliance_repair: 'setting-o',
  beauty: 'flower-o',
  nursing: 'like-o',
  pet_care: 'smile-o',
  car_care: 'logistics',
};

/** A Vant icon for a category (a category added later gets a generic one). */
export function categoryIcon(code: string): string {
  return ICONS[code] ?? 'apps-o';
}

/** Option code → choice code. */
export type Choices = Record<string, string>;

/** Every option of the item with its first choice (what the server assumes too). */
export function defaultChoices(item: Pick<ItemView, 'options'>): Choices {
  const out: Choices = {};
  for (const o of item.options) if (o.choices.length > 0) out[o.code] = o.choices[0].code;
  return out;
}

/**
 * Choices read from `o=area:60_90,hours:3h`, keeping only options and choices the item has;
 * options the query leaves out take their default.
 */
export function choicesFromQuery(item: Pick<ItemView, 'options'>, raw: unknown): Choices {
  const out = defaultChoices(item);
  if (typeof raw !== 'string') return out;
  for (const pair of raw.split(',')) {
    const [option, choice] = pair.split(':');
    const o = item.options.find((x) => x.code === option);
    if (o?.choices.some((c) => c.code === choice)) out[option] = choice;
  }
  return out;
}

export function choicesToQuery(choices: Choices): string {
  return Object.entries(choices)
    .map(([o, c]) => `${o}:${c}`)
    .join(',');
}

/** Quantity from the query: a whole number 1–20, else 1. */
export function quantityFromQuery(raw: unknown): number {
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : 1;
  return n >= 1 && n <= 20 ? n : 1;
}

/** The line of a quote or an order. */
export function lineInput(item: string, choices: Choices, quantity: number) {
  return { item, options: Object.entries(choices).map(([option, choice]) => ({ option, choice })), quantity };
}

/** "¥159起": the lowest price an item can have (its cheapest choices). */
export function fromPriceFen(item: Pick<ItemView, 'base_price_fen' | 'options'>): number {
  let fen = item.base_price_fen;
  for (const o of item.options) {
    if (o.choices.length > 0) fen += Math.min(...o.choices.map((c) => c.price_delta_fen));
  }
  return fen;
}

/** True when some choice makes the price differ from the base (so the tag says "from"). */
export function priceVaries(item: Pick<ItemView, 'options'>): boolean {
  return item.options.some((o) => o.choices.some((c) => c.price_delta_fen !== 0));
}

/** What a quote is asked with: the line, and the area whose prices apply. */
export type QuoteBody = ReturnType<typeof lineInput> & { area_code?: string | null };

export interface AreaQuote<Q> {
  quote: Q;
  /** The area whose prices these are; null: the base prices. */
  area: string | null;
  /** Why the area's prices could not be had (`unknown_area`, `not_offered_here`), if so. */
  refused: string | null;
}

/**
 * The price of a line where it will be done: in the area's prices when the area is known
 * (the booking's address), else the base prices. When the server will not price it in the
 * area (`refusal` gives its code: an area it no longer knows, an item the area does not
 * offer), the base prices with the reason: the booking itself says what is wrong.
 */
export function quoter<Q>(post: (body: QuoteBody) => Promise<Q>, refusal: (e: unknown) => string | null) {
  return async (line: ReturnType<typeof lineInput>, areaCode?: string | null): Promise<AreaQuote<Q>> => {
    if (!areaCode) return { quote: await post(line), area: null, refused: null };
    try {
      return { quote: await post({ ...line, area_code: areaCode }), area: areaCode, refused: null };
    } catch (e) {
      const why = refusal(e);
      if (why === null) throw e;
      return { quote: await post(line), area: null, refused: why };
    }
  };
}
