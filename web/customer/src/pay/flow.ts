/**
 * The pay flow's logic, apart from the page: remembering the payment the browser left to
 * pay (so the order page can follow it on return, whatever the channel's return URL
 * says), and following a payment until the channel's answer is in.
 */
import { ApiError, type PaymentView } from '@daojia/shared';

/**
 * Whether the order page offers to pay: something is owed now (`owed_now_fen`, the server's
 * figure) while the order waits for its deposit or full price, or once the visit is done
 * and the balance is due. (The server would take the balance earlier too; the page asks
 * for it when the customer expects to pay it.)
 */
export function offersPay(order: { state: string; owed_now_fen: number }): boolean {
  return order.owed_now_fen > 0 && ['pending_payment', 'pending_settlement', 'awaiting_balance'].includes(order.state);
}

/** A payment the browser went off to pay. */
export interface PendingPayment {
  orderId: string;
  paymentId: string;
  channel: string;
  /** When the browser left, ms since the epoch. */
  at: number;
}

/** How long a remembered payment is worth following (an intent is payable 15 minutes by default). */
export const REMEMBER_MS = 60 * 60_000;

const key = (orderId: string) => `daojia.pay.${orderId}`;

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function rememberPayment(store: Store, p: PendingPayment): void {
  try {
    store.setItem(key(p.orderId), JSON.stringify(p));
  } catch {
    /* private mode: the return URL names the payment anyway */
  }
}

/** The payment remembered for this order, unless it is too old or unreadable. */
export function recallPayment(store: Store, orderId: string, now: number): PendingPayment | null {
  let raw: string | null;
  try {
    raw = store.getItem(key(orderId));
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const p = JSON.parse(raw) as Partial<PendingPayment>;
    if (p.orderId !== orderId || typeof p.paymentId !== 'string' || typeof p.at !== 'number' || now - p.at > REMEMBER_MS) return null;
    return { orderId, paymentId: p.paymentId, channel: String(p.channel ?? ''), at: p.at };
  } catch {
    return null;
  }
}

export function forgetPayment(store: Store, orderId: string): void {
  try {
    store.removeItem(key(orderId));
  } catch {
    /* nothing to forget */
  }
}

/**
 * The payment to follow on the order page: the one the return URL names (`?payment=`),
 * else the one this tab remembers.
 */
export function paymentToFollow(query: unknown, remembered: PendingPayment | null): string | null {
  const named = Array.isArray(query) ? query[0] : query;
  if (typeof named === 'string' && /^[0-9a-f-]{36}$/i.test(named)) return named;
  return remembered?.paymentId ?? null;
}

/** What a payment's state means to the payer. */
export type Outcome = 'waiting' | 'succeeded' | 'failed' | 'closed';

export function outcomeOf(state: string): Outcome {
  switch (state) {
    case 'succeeded':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'closed':
      return 'closed';
    default:
      // `created`, `pending`: the channel has not answered yet.
      return 'waiting';
  }
}

export interface FollowOptions {
  /** Between two looks, ms. */
  intervalMs?: number;
  /** How long to keep looking before saying "still checking", ms. */
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Stops early (the page was left). */
  cancelled?: () => boolean;
}

/** The end of following a payment: its outcome, or `timeout` while it is still waiting. */
export interface Followed {
  outcome: Outcome | 'timeout';
  payment: PaymentView | null;
}

/**
 * Looks at the payment until the channel's answer is in (succeeded, failed or closed) or
 * the time is up. A look that fails on the network or a busy server is tried again until
 * the time is up; a refusal (4xx) is thrown.
 */
export async function followPayment(load: () => Promise<PaymentView>, opts: FollowOptions = {}): Promise<Followed> {
  const interval = opts.intervalMs ?? 1500;
  const timeout = opts.timeoutMs ?? 45_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const end = now() + timeout;
  let last: PaymentView | null = null;
  for (;;) {
    if (opts.cancelled?.()) return { outcome: 'timeout', payment: last };
    try {
      last = await load();
      const outcome = outcomeOf(last.state);
      if (outcome !== 'waiting') return { outcome, payment: last };
    } catch (e) {
      // A refusal is an answer (not found: another customer's payment, a made-up id);
      // the network or a busy server is tried again.
      if (e instanceof ApiError && e.status >= 400 && e.status < 500 && e.status !== 429) throw e;
    }
    if (now() >= end) return { outcome: 'timeout', payment: last };
    await sleep(interval);
  }
}

/**
 * One press of the pay button is one payment: the same key for the same order, channel and
 * amount until the server has answered for it (a double click or a retry after a network
 * error opens nothing twice); a new press after an answer gets a new key.
 */
export class PayKeys {
  private current: { what: string; key: string } | null = null;

  constructor(private readonly newKey: () => string) {}

  keyFor(orderId: string, channel: string, amountFen: number): string {
    const what = `${orderId}|${channel}|${amountFen}`;
    if (this.current?.what !== what) this.current = { what, key: this.newKey() };
    return this.current.key;
  }

  /** The server answered (opened the payment or refused it): the next press is a new one. */
  answered(): void {
    this.current = null;
  }
}
