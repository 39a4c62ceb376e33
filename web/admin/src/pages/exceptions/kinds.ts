/** The kinds of exception the queue shows, and counting them for the tabs. */
import type { Schemas } from '@daojia/shared';

export type ExceptionRow = Schemas['ExceptionView'];

/** In the order operations act on them: the visit at risk first. */
export const KINDS = ['late', 'visit_cancelled', 'unassigned_near_start', 'unpaid'] as const;
export type ExceptionKind = (typeof KINDS)[number];

/** How many of each kind, and in all (a kind the console does not know counts in "all"). */
export function countByKind(rows: { kind: string }[]): Record<'all' | ExceptionKind, number> {
  const out = { all: rows.length, late: 0, visit_cancelled: 0, unassigned_near_start: 0, unpaid: 0 };
  for (const r of rows) if ((KINDS as readonly string[]).includes(r.kind)) out[r.kind as ExceptionKind] += 1;
  return out;
}

/**
 * Whole minutes from `since` to now: positive when it is past ("12 minutes ago"), negative
 * when it is still ahead (a window about to start: "in 40 minutes").
 */
export function sinceMinutes(since: string, now: number): number {
  const at = Date.parse(since);
  if (Number.isNaN(at)) return 0;
  const m = (now - at) / 60_000;
  return m >= 0 ? Math.floor(m) : -Math.ceil(-m);
}
