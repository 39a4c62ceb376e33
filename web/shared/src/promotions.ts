/**
 * Promotions (限时特价) as the apps show them: where one stands now (from its fields and the
 * clock, the same order of rules as the server's `Standing::at`, so a page left open moves
 * from "upcoming" to "on sale" to "ended" without asking again), the countdown to its next
 * change, and the server's refusals of a booking at one (409 on `promotion_id`).
 */
import { ApiError } from './errors/problem';

/** Where a promotion stands: the console's and the customer's words for the server's `standing`. */
export type PromotionPhase = 'upcoming' | 'on_sale' | 'sold_out' | 'ended' | 'stopped';

export const PROMOTION_PHASES: readonly PromotionPhase[] = ['upcoming', 'on_sale', 'sold_out', 'ended', 'stopped'];

/** What the phase is read from (a console row, or a public one with `sold` = quota − remaining). */
export interface PromotionFacts {
  /** The stored state (`active` or `stopped`); customers are never shown stopped ones. */
  state?: string;
  starts_at: string;
  ends_at: string;
  sold: number;
  quota: number;
}

/**
 * The phase at `now` (ms since the epoch): stopped wins over everything, then the sales
 * window (open from `starts_at`, closed from `ends_at`), then the count.
 */
export function promotionPhase(p: PromotionFacts, now: number): PromotionPhase {
  if (p.state === 'stopped') return 'stopped';
  if (now < Date.parse(p.starts_at)) return 'upcoming';
  if (now >= Date.parse(p.ends_at)) return 'ended';
  if (p.sold >= p.quota) return 'sold_out';
  return 'on_sale';
}

/** A public promotion's facts (it lists the places left, not the places sold). */
export function publicFacts(p: { starts_at: string; ends_at: string; remaining: number; quota: number }): PromotionFacts {
  return { state: 'active', starts_at: p.starts_at, ends_at: p.ends_at, quota: p.quota, sold: Math.max(0, p.quota - p.remaining) };
}

/**
 * What the countdown counts to at `now`: the opening of an upcoming promotion, the close of
 * one on sale (or sold out: a cancelled booking may give a place back until then); `null`
 * when nothing is coming.
 */
export function countdownTarget(p: PromotionFacts, now: number): { to: 'start' | 'end'; ms: number } | null {
  const phase = promotionPhase(p, now);
  if (phase === 'upcoming') return { to: 'start', ms: Date.parse(p.starts_at) - now };
  if (phase === 'on_sale' || phase === 'sold_out') return { to: 'end', ms: Date.parse(p.ends_at) - now };
  return null;
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * "03:04:05", or with whole days first ("2 天 03:04:05" / "2d 03:04:05" through the
 * `common.countdown.days` message); never negative, seconds rounded up so that "00:00:00"
 * is shown only once the moment has come.
 */
export function formatCountdown(ms: number, t: (key: string, named?: Record<string, unknown>) => string): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const rest = total % 86_400;
  const hms = `${two(Math.floor(rest / 3600))}:${two(Math.floor((rest % 3600) / 60))}:${two(rest % 60)}`;
  return days > 0 ? t('common.countdown.days', { days, hms }) : hms;
}

/** The server's reasons for refusing a booking at a promotion (409, field `promotion_id`). */
export const PROMOTION_REFUSALS = [
  'promotion_sold_out',
  'promotion_not_started',
  'promotion_ended',
  'promotion_not_offered_here',
  'promotion_limit_reached',
] as const;

export type PromotionRefusal = (typeof PROMOTION_REFUSALS)[number];

/** The refusal `err` is, if it is one of the server's refusals of a promotion; else null. */
export function promotionRefusal(err: unknown): PromotionRefusal | null {
  if (!(err instanceof ApiError) || err.status !== 409) return null;
  return (PROMOTION_REFUSALS as readonly string[]).includes(err.code) ? (err.code as PromotionRefusal) : null;
}
