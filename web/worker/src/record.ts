/**
 * The service record panel's rules (服务记录, docs/visit.md "Service record"), kept apart
 * from the component so they are tested: ticking a step, reading a material typed into the
 * form, and how far the record is.
 */

/** A material as the API takes it. */
export interface Material {
  name: string;
  quantity: number;
  unit: string;
}

/** The ticked positions with `step` ticked or unticked, in order. */
export function toggle(ticked: readonly number[], step: number): number[] {
  const set = new Set(ticked);
  if (set.has(step)) set.delete(step);
  else set.add(step);
  return [...set].sort((a, b) => a - b);
}

/** A material from the form's text fields, or the i18n key of what is wrong. */
export function readMaterial(name: string, quantity: string, unit: string): { material: Material } | { error: string } {
  const n = name.trim();
  const u = unit.trim();
  if (!n || [...n].length > 40) return { error: 'record.materialName' };
  if (!u || [...u].length > 10) return { error: 'record.materialUnit' };
  const q = Number(quantity.trim());
  if (!quantity.trim() || !Number.isFinite(q) || q <= 0 || q > 100000) return { error: 'record.materialQuantity' };
  return { material: { name: n, quantity: Math.round(q * 100) / 100, unit: u } };
}

/** Steps ticked and steps in all, over every line's checklist. */
export function progress(lists: readonly { steps: readonly string[]; ticked: readonly number[] }[]): { done: number; total: number } {
  let done = 0;
  let total = 0;
  for (const l of lists) {
    total += l.steps.length;
    done += l.ticked.filter((t) => t >= 0 && t < l.steps.length).length;
  }
  return { done, total };
}
