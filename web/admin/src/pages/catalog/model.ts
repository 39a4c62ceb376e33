/**
 * The catalog editor's form models: an item as staff type it (yuan as text, options and
 * choices as editable rows, an own policy or none) and back to the API's `ItemInput`, with
 * the checks worth making before the server makes them. Field paths match the server's, so
 * its errors land on the same inputs.
 */
import { ApiError, parseYuan, type components } from '@daojia/shared';
import type { Translator } from '@daojia/shared';

type S = components['schemas'];
export type AdminItem = S['AdminItem'];
export type ItemInput = S['ItemInput'];
export type AdminCategory = S['AdminCategory'];
export type AdminSubcategory = S['AdminSubcategory'];
export type AdminArea = S['AdminArea'];
export type AreaInput = S['AreaInput'];
export type AreaPriceView = S['AreaPriceView'];
export type PolicyFields = S['PolicyFields'];

/** 分 as yuan text for an input: 15900 → "159", 15950 → "159.5", -500 → "-5". */
export function fenToYuanText(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(Math.round(fen));
  const cents = abs % 100;
  const yuan = Math.floor(abs / 100);
  if (cents === 0) return `${sign}${yuan}`;
  return `${sign}${yuan}.${String(cents).padStart(2, '0').replace(/0$/, '')}`;
}

/** Signed yuan text ("-5", "12.5") as 分, or null. */
export function parseSignedYuan(text: string): number | null {
  const t = text.trim();
  const negative = t.startsWith('-');
  const fen = parseYuan(negative ? t.slice(1) : t);
  return fen === null ? null : negative ? -fen : fen;
}

export interface ChoiceRow {
  code: string;
  name: string;
  name_en: string;
  price: string;
  minutes: number;
}

export interface OptionRow {
  code: string;
  name: string;
  name_en: string;
  choices: ChoiceRow[];
}

export interface ItemForm {
  code: string;
  category_code: string;
  name: string;
  name_en: string;
  description: string;
  unit: string;
  price: string;
  base_duration_min: number;
  buffer_min: number;
  skills: string[];
  tools: string[];
  notes: string;
  /** The service record's checklist: steps the worker ticks during the service. */
  checklist: string[];
  options: OptionRow[];
  payment_mode: 'full' | 'deposit';
  deposit: string;
  on_shelf: boolean;
  sort: number;
  policy: PolicyFields | null;
  updated_at: string | null;
}

/** The platform's default rules (what the server applies when nothing is set). */
export const DEFAULT_POLICY: PolicyFields = {
  free_cancel_minutes: 120,
  late_cancel_fee_percent: 20,
  late_cancel_fee_cap: 5000,
  reschedule_minutes: 120,
  max_reschedules: 2,
  after_sales_days: 7,
  confirm_hours: 24,
  unpaid_minutes: 30,
};

export function emptyItemForm(category = ''): ItemForm {
  return {
    code: '',
    category_code: category,
    name: '',
    name_en: '',
    description: '',
    unit: '次',
    price: '',
    base_duration_min: 60,
    buffer_min: 0,
    skills: [],
    tools: [],
    notes: '',
    checklist: [],
    options: [],
    payment_mode: 'full',
    deposit: '0',
    on_shelf: false,
    sort: 0,
    policy: null,
    updated_at: null,
  };
}

export function itemToForm(i: AdminItem): ItemForm {
  return {
    code: i.code,
    category_code: i.category_code,
    name: i.name,
    name_en: i.name_en,
    description: i.description,
    unit: i.unit,
    price: fenToYuanText(i.base_price_fen),
    base_duration_min: i.base_duration_min,
    buffer_min: i.buffer_min,
    skills: [...i.skills],
    tools: [...i.tools],
    notes: i.notes,
    checklist: [...i.checklist],
    options: i.options.map((o) => ({
      code: o.code,
      name: o.name,
      name_en: o.name_en,
      choices: o.choices.map((c) => ({ code: c.code, name: c.name, name_en: c.name_en, price: fenToYuanText(c.price_delta_fen), minutes: c.duration_delta_min })),
    })),
    payment_mode: i.payment_mode === 'deposit' ? 'deposit' : 'full',
    deposit: fenToYuanText(i.deposit_fen),
    on_shelf: i.on_shelf,
    sort: i.sort,
    policy: i.policy ? { ...i.policy } : null,
    updated_at: i.updated_at,
  };
}

const CODE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A code from a label: lowercase ASCII words joined by `_` (empty for Chinese-only text). */
export function suggestCode(label: string): string {
  return label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 64);
}

/** An option with one default choice, its codes unused in `existing`. */
export function newOption(existing: OptionRow[]): OptionRow {
  let n = existing.length + 1;
  while (existing.some((o) => o.code === `option${n}`)) n++;
  return { code: `option${n}`, name: '', name_en: '', choices: [newChoice([])] };
}

export function newChoice(existing: ChoiceRow[]): ChoiceRow {
  let n = existing.length + 1;
  while (existing.some((c) => c.code === `choice${n}`)) n++;
  return { code: `choice${n}`, name: '', name_en: '', price: '0', minutes: 0 };
}

/** A copy of `list` with element `i` moved by `by` places (kept inside the list). */
export function move<T>(list: readonly T[], i: number, by: number): T[] {
  const j = Math.max(0, Math.min(list.length - 1, i + by));
  const out = [...list];
  const [x] = out.splice(i, 1);
  out.splice(j, 0, x);
  return out;
}

/** Problems found before sending, keyed by the server's field paths (message keys). */
export type FormErrors = Record<string, string>;

/**
 * The form as the API's `ItemInput`, or the problems that stop it (i18n keys under
 * `catalog.errors`). `create` adds the code; an update sends `updated_at` back.
 */
export function formToInput(f: ItemForm, create: boolean): { input: ItemInput } | { errors: FormErrors } {
  const errors: FormErrors = {};
  if (create && !CODE.test(f.code)) errors.code = 'invalid_code';
  const price = parseYuan(f.price);
  if (price === null || price <= 0) errors.base_price_fen = 'invalid_amount';
  const deposit = f.payment_mode === 'deposit' ? parseYuan(f.deposit) : 0;
  if (deposit === null || (f.payment_mode === 'deposit' && deposit <= 0)) errors.deposit_fen = 'invalid_amount';
  const options = f.options.map((o, i) => {
    if (!CODE.test(o.code)) errors[`options[${i}].code`] = 'invalid_code';
    else if (f.options.slice(0, i).some((p) => p.code === o.code)) errors[`options[${i}].code`] = 'duplicate';
    if (o.choices.length === 0) errors[`options[${i}].choices`] = 'no_choices';
    return {
      code: o.code.trim(),
      name: o.name.trim(),
      name_en: o.name_en.trim(),
      choices: o.choices.map((c, j) => {
        const at = `options[${i}].choices[${j}]`;
        if (!CODE.test(c.code)) errors[`${at}.code`] = 'invalid_code';
        else if (o.choices.slice(0, j).some((p) => p.code === c.code)) errors[`${at}.code`] = 'duplicate';
        const delta = parseSignedYuan(c.price);
        if (delta === null) errors[`${at}.price_delta_fen`] = 'invalid_amount';
        return { code: c.code.trim(), name: c.name.trim(), name_en: c.name_en.trim(), price_delta_fen: delta ?? 0, duration_delta_min: Math.round(c.minutes) };
      }),
    };
  });
  if (Object.keys(errors).length > 0) return { errors };
  return {
    input: {
      code: create ? f.code.trim() : null,
      category_code: f.category_code,
      name: f.name.trim(),
      name_en: f.name_en.trim(),
      description: f.description,
      unit: f.unit.trim(),
      base_price_fen: price ?? 0,
      base_duration_min: Math.round(f.base_duration_min),
      buffer_min: Math.round(f.buffer_min),
      skills: f.skills,
      tools: f.tools.map((t) => t.trim()).filter((t) => t !== ''),
      notes: f.notes.trim(),
      checklist: f.checklist.map((c) => c.trim()).filter((c) => c !== ''),
      options,
      payment_mode: f.payment_mode,
      deposit_fen: deposit ?? 0,
      on_shelf: f.on_shelf,
      sort: Math.round(f.sort),
      policy: f.policy,
      updated_at: create ? null : f.updated_at,
    },
  };
}

/** What the cheapest and dearest choices make of the base price (for the form's summary). */
export function priceRange(f: ItemForm): [number, number] | null {
  const base = parseYuan(f.price);
  if (base === null) return null;
  let lo = base;
  let hi = base;
  for (const o of f.options) {
    const deltas = o.choices.map((c) => parseSignedYuan(c.price)).filter((d): d is number => d !== null);
    if (deltas.length === 0) continue;
    lo += Math.min(...deltas);
    hi += Math.max(...deltas);
  }
  return [lo, hi];
}

/**
 * The server's field errors for a form: ours for the codes we know (`catalog.errors.*`),
 * else the server's own message, which for these forms says exactly what is expected.
 */
export function catalogFieldErrors(err: unknown, { t, te }: Translator): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const out: Record<string, string> = {};
  for (const e of err.fieldErrors) {
    if (out[e.field] !== undefined) continue;
    const key = `catalog.errors.${e.code}`;
    out[e.field] = te(key) ? t(key) : e.message;
  }
  return out;
}

/** Local problems (i18n keys) as messages. */
export function localErrors(errors: FormErrors, { t }: Pick<Translator, 't'>): Record<string, string> {
  return Object.fromEntries(Object.entries(errors).map(([k, v]) => [k, t(`catalog.errors.${v}`)]));
}

/** Minutes after midnight as "HH:mm" (1440 is "24:00"), and back. */
export function minuteToHhmm(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

export function hhmmToMinute(s: string): number | null {
  const m = /^(\d{1,2}):(\d{2})$/.exec(s.trim());
  if (!m) return null;
  const v = Number(m[1]) * 60 + Number(m[2]);
  return Number(m[2]) < 60 && v <= 1440 ? v : null;
}
