/**
 * The worker's side of dispatch without the pages: the offer countdown, distances, the
 * grab pool's order, the reason sent with a rejection, and why a claim was refused.
 */
import { ApiError, type components } from '@daojia/shared';

export type Offer = components['schemas']['OfferView'];
export type Pooled = components['schemas']['PooledView'];
export type WorkerDay = components['schemas']['WorkerDayView'];
export type WorkerJob = components['schemas']['WorkerJobView'];

/** Whole seconds from `now` (ms) until `deadline` (ISO); 0 once it has passed. */
export function secondsLeft(deadline: string, now: number): number {
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return 0;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** A countdown as a clock: "0:09", "4:05", "1:02:03". */
export function formatCountdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** How pressing an offer's deadline is: `hurry` in the last 30 s or the last fifth of its time. */
export function countdownTone(left: number, total: number): 'calm' | 'hurry' | 'over' {
  if (left <= 0) return 'over';
  return left <= 30 || (total > 0 && left <= total / 5) ? 'hurry' : 'calm';
}

/** A distance in metres as the apps show it: whole metres under 1 km, else km to 0.1. */
export function distanceParts(metres: number): { unit: 'm' | 'km'; value: string } {
  const m = Math.max(0, Math.round(metres));
  if (m < 1000) return { unit: 'm', value: String(m) };
  return { unit: 'km', value: (Math.round(m / 100) / 10).toFixed(1) };
}

/** A trip's time in whole minutes (at least one), split into hours and minutes. */
export function tripParts(seconds: number): { h: number; m: number } {
  const total = Math.max(1, Math.round(seconds / 60));
  return { h: Math.floor(total / 60), m: total % 60 };
}

/**
 * When to set off for a job: in time to arrive at its expected start. (The board's leg
 * leaves as early as the worker is free, which before a late job means hours of waiting
 * at the door.) Null for a job under way.
 */
export function leaveAt(job: Pick<WorkerJob, 'start' | 'travel'>): string | null {
  if (!job.travel) return null;
  const justInTime = Date.parse(job.start) - job.travel.seconds * 1000;
  return new Date(Math.max(justInTime, Date.parse(job.travel.depart))).toISOString();
}

/** How the grab pool is ordered. */
export type PoolOrder = 'distance' | 'time';

/**
 * The grab pool in the chosen order: nearest first (then the earlier window), or earliest
 * window first (then the nearer); the order id breaks ties so the list does not jump.
 */
export function sortPool(list: readonly Pooled[], by: PoolOrder): Pooled[] {
  const time = (p: Pooled): number => Date.parse(p.window_start);
  const byDistance = (a: Pooled, b: Pooled): number => a.distance_m - b.distance_m;
  const byTime = (a: Pooled, b: Pooled): number => time(a) - time(b);
  const [first, second] = by === 'distance' ? [byDistance, byTime] : [byTime, byDistance];
  return [...list].sort((a, b) => first(a, b) || second(a, b) || a.order_id.localeCompare(b.order_id));
}

/** The reasons offered when declining, besides free text. */
export const REJECT_REASONS = ['too_far', 'busy', 'not_my_skill', 'personal', 'other'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** The longest reason the API takes, in characters. */
export const REASON_MAX = 200;

/**
 * The reason sent with a rejection: the chosen reason's words, and the worker's own after
 * a colon when they wrote some ("太远了：下午在浦东"); "other" needs words of the worker's
 * own. Null when there is nothing to send. Cut to what the API takes.
 */
export function rejectionText(reason: RejectReason | null, label: string, note: string): string | null {
  const own = note.trim();
  if (!reason || (reason === 'other' && !own)) return null;
  const text = reason === 'other' ? own : own ? `${label.trim()}：${own}` : label.trim();
  return Array.from(text).slice(0, REASON_MAX).join('') || null;
}

/** Why a claim was refused, when the server said (`not_eligible` names a reason code). */
export function ineligibleReason(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.code !== 'not_eligible') return null;
  return /\(([a-z_]+)\)/.exec(err.detail ?? '')?.[1] ?? null;
}
