/**
 * What the route planning page computes from a plan: a colour per worker, the scale of the
 * timeline and where each stop sits on it, the per-worker comparison with the current
 * assignment, and the reason keys. Pure functions, tested in `tests/plans.test.ts`.
 */
import type { components } from '@daojia/shared';
import { scaleAround, type Scale } from '../../components/day/timeline';

export type PlanStatus = components['schemas']['PlanStatus'];
export type PlanResult = components['schemas']['PlanResult'];
export type PlanRoute = components['schemas']['PlanRoute'];
export type PlanStop = components['schemas']['PlanStop'];
export type PlanLeftOut = components['schemas']['PlanLeftOut'];
export type PlanTotals = components['schemas']['PlanTotals'];

export { PALETTE, colorOf, hourTicks, span, type Scale } from '../../components/day/timeline';

/** The reasons the server gives for an order left out. */
export const REASONS = ['no_worker_with_skills', 'capacity', 'window_unreachable', 'shift_too_short', 'max_jobs', 'fleet_full'] as const;

/** Where the timeline starts and ends (ms), whole hours around every route's day. */
export function timelineScale(routes: PlanRoute[]): Scale | null {
  return scaleAround(routes.flatMap((r) => [r.departure, r.back, ...r.stops.flatMap((s) => [s.arrival, s.finish])]));
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
