/**
 * The wallet page's logic (我的余额): the amounts offered as chips, checking an amount
 * against the server's limits before asking (the server checks again), the channels a
 * top-up goes through (a mobile browser's pages, or WeChat's cashier inside WeChat), where
 * a top-up stands, and following one until
 * the channel has said the last word.
 */
import type { components } from '@daojia/shared';
import { browserOf } from './pay/channels';

export type Wallet = components['schemas']['Wallet'];
export type WalletLimits = components['schemas']['WalletLimits'];
export type WalletMovement = components['schemas']['WalletMovement'];
export type TopUp = components['schemas']['TopUp'];

/** The chips offered, in fen. */
export const CHIPS_FEN = [5_000, 10_000, 20_000, 50_000, 100_000] as const;

/** The channels a top-up goes through from a mobile browser: pages it is sent to. */
export const TOP_UP_CHANNELS = ['wechat_h5', 'alipay_wap'] as const;
/** The channel a top-up goes through inside WeChat's browser: WeChat's cashier in the page (JSAPI). */
export const TOP_UP_CHANNELS_IN_WECHAT = ['wechat_jsapi'] as const;
export type TopUpChannel = (typeof TOP_UP_CHANNELS)[number] | (typeof TOP_UP_CHANNELS_IN_WECHAT)[number];

/** The channels to offer for a top-up in the browser of `userAgent` (the first is chosen). */
export function topUpChannels(userAgent: string): readonly TopUpChannel[] {
  return browserOf(userAgent) === 'wechat' ? TOP_UP_CHANNELS_IN_WECHAT : TOP_UP_CHANNELS;
}

/** The chips that fit: within one top-up's limits and what the wallet may still hold. */
export function chipsFor(limits: WalletLimits, balanceFen: number): number[] {
  return CHIPS_FEN.filter((f) => amountProblem(f, limits, balanceFen) === null);
}

/** Why `fen` cannot be topped up (a key of `wallet.errors`), or null when it can. */
export function amountProblem(
  fen: number | null,
  limits: WalletLimits,
  balanceFen: number,
): 'invalid' | 'below_minimum' | 'above_maximum' | 'over_max_balance' | null {
  if (fen === null || !Number.isInteger(fen) || fen <= 0) return 'invalid';
  if (fen < limits.top_up_min_fen) return 'below_minimum';
  if (fen > limits.top_up_max_fen) return 'above_maximum';
  if (balanceFen + fen > limits.max_balance_fen) return 'over_max_balance';
  return null;
}

/** True once a top-up will not change any more (`succeeded`, `failed`, `closed`). */
export function isFinal(state: string): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'closed';
}

/** A movement's sign for display: in (top-up, refund) or out (payment). */
export function direction(m: Pick<WalletMovement, 'amount_fen'>): 'in' | 'out' {
  return m.amount_fen >= 0 ? 'in' : 'out';
}

/**
 * Follows a top-up by asking `load` until it is final, waiting `delayMs(n)` before the
 * n-th ask (growing, so a payer who left the page open does not hammer the server), at
 * most `maxAsks` times. Returns the last state seen; `stop()` ends it early.
 */
export function followTopUp(
  load: () => Promise<TopUp>,
  opts: {
    onUpdate: (t: TopUp) => void;
    maxAsks?: number;
    delayMs?: (n: number) => number;
    sleep?: (ms: number) => Promise<void>;
  },
): { done: Promise<TopUp | null>; stop: () => void } {
  const maxAsks = opts.maxAsks ?? 40;
  const delayMs = opts.delayMs ?? ((n: number) => Math.min(1_000 * 2 ** Math.floor(n / 5), 8_000));
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let stopped = false;
  const done = (async () => {
    let last: TopUp | null = null;
    for (let n = 0; n < maxAsks && !stopped; n++) {
      if (n > 0) await sleep(delayMs(n));
      if (stopped) break;
      try {
        last = await load();
      } catch {
        // A network blip: ask again after the next wait.
        continue;
      }
      opts.onUpdate(last);
      if (isFinal(last.state)) break;
    }
    return last;
  })();
  return {
    done,
    stop: () => {
      stopped = true;
    },
  };
}
