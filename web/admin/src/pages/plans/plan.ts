/**
 * What the route planning page computes from a plan: a colour per worker, the scale of the
 * timeline and where each stop sits on it, the per-worker comparison with the current
 * assignment, and the reason keys. Pure functions, tested in `tests/plans.test.ts`.
 */
import type { components } from '@daojia/shared';

export type PlanStatus = components['schemas']['PlanStatus'];
export type PlanResult = components['schemas']['PlanResult'];
export type PlanRoute = components['schemas']['PlanRoute'];
export type PlanStop = components['schemas']['PlanStop'];
export type PlanLeftOut = components['schemas']['PlanLeftOut'];
export type PlanTotals = components['schemas']['PlanTotals'];

/** Colours told apart on a map and in a row, one per route in order; they repeat after 12. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#3949ab',
  '#00897b',
];

export function colorOf(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** The reasons the server gives for an order left out. */
export const REASONS = ['no_worker_with_skills', 'capacity', 'window_unreachable', 'shift_too_short', 'max_jobs', 'fleet_full'] as const;

/** Where the timeline starts and ends (ms), whole hours around every route's day. */
export interface Scale {
  start: number;
  end: number;
}

const HOUR = 3_600_000;

export function timelineScale(routes: PlanRoute[]): Scale | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of routes) {
    lo = Math.min(lo, Date.parse(r.departure), ...r.stops.map((s) => Date.parse(s.arrival)));
    hi = Math.max(hi, Date.parse(r.back), ...r.stops.map((s) => Date.parse(s.finish)));
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const start = Math.floor(lo / HOUR) * HOUR;
  const end = Math.max(start + HOUR, Math.ceil(hi / HOUR) * HOUR);
  return { start, end };
}

/** Left edge and width of `[from, to]` on the scale, in % of its length. */
export function span(from: string, to: string, scale: Scale): { left: number; width: number } {
  const len = scale.end - scale.start;
  const a = Math.min(Math.max(Date.parse(from), scale.start), scale.end);
  const b = Math.min(Math.max(Date.parse(to), a), scale.end);
  return { left: ((a - scale.start) / len) * 100, width: ((b - a) / len) * 100 };
}

/** The hours marked on the scale (ms), one per hour from its start. */
export function hourTicks(scale: Scale): number[] {
  const out: number[] = [];
  for (let t = scale.start; t <= scale.end; t += HOUR) out.push(t);
  return out;
}

/** One line of the plan-against-now table. */
export interface CompareRow {
  key: string;
  plan: number;
  current: number;
  /** plan − current; negative is better for km and hours. */
  change: number;
}

export function compareTotals(plan: PlanTotals, current: PlanTotals): CompareRow[] {
  const row = (key: keyof PlanTotals): CompareRow => ({ key, plan: plan[key], current: current[key], change: plan[key] - current[key] });
  return [row('orders'), row('workers'), row('km'), row('hours'), row('travel_hours'), row('late')];
}

/** Orders on routes (of this area; another area's visits kept on a route do not count). */
export function plannedOrders(routes: PlanRoute[]): number {
  return routes.reduce((n, r) => n + r.stops.filter((s) => s.kind === 'order' && !s.elsewhere).length, 0);
}

/** "12.3" for kilometres and hours. */
export function oneDecimal(n: number): string {
  return (Math.round(n * 10) / 10).toFixed(1);
}

/** Tomorrow's date (YYYY-MM-DD) in a time zone: the day a dispatcher usually plans. */
export function tomorrow(now: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  const [y, m, d] = parts.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export type CommitSummary = components['schemas']['CommitSummary'];

/** The reasons the server gives for an order a commit skips. */
export const SKIP_REASONS = ['changed', 'held_by_another_worker', 'under_way', 'not_bookable', 'missing', 'refused'] as const;

/** The message key of a skip reason; an unknown reason falls back to a generic one. */
export function skipReasonKey(reason: string, known: (key: string) => boolean): string {
  const key = `plans.commit.reasons.${reason}`;
  return known(key) ? key : 'plans.commit.reasons.other';
}

/** Element Plus tag type for a stored plan status. */
export function statusTag(status: string): 'primary' | 'success' | 'info' | 'warning' | 'danger' {
  switch (status) {
    case 'committed':
      return 'success';
    case 'ready':
      return 'primary';
    case 'failed':
      return 'danger';
    case 'solving':
      return 'warning';
    default:
      return 'info';
  }
}
