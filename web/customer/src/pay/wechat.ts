/**
 * Paying inside WeChat (JSAPI): the payer's openid comes from WeChat's silent web
 * authorisation, once (the browser goes to WeChat's page and comes back to the order or wallet page
 * with `code` and `state`, which the server checks and exchanges); then each payment hands
 * the server's signed parameters to `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`.
 * Outside a real WeChat (the demo's simulator) there is no bridge: the payment's `pay_url`
 * is the simulator's stand-in for WeChat's cashier, taking the same parameters.
 */

/** The parameters of `getBrandWCPayRequest`, as the server signs them. */
export interface BridgeParams {
  appId: string;
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: string;
  paySign: string;
}

/** What WeChat's in-page bridge offers (only `invoke` is used). */
export interface WeixinBridge {
  invoke(name: string, params: Record<string, unknown>, callback: (res: { err_msg?: string; errMsg?: string }) => void): void;
}

type BridgeHost = {
  WeixinJSBridge?: WeixinBridge;
  addEventListener(type: string, listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: string, listener: () => void): void;
};

/**
 * The bridge, once WeChat has put it in the page (it may come a moment after the page
 * loads, announced by `WeixinJSBridgeReady`), or null after `timeoutMs` (not in WeChat, or
 * the simulator).
 */
export function waitForBridge(host: BridgeHost, doc: Pick<Document, 'addEventListener' | 'removeEventListener'>, timeoutMs = 1500): Promise<WeixinBridge | null> {
  if (host.WeixinJSBridge) return Promise.resolve(host.WeixinJSBridge);
  return new Promise((resolve) => {
    const ready = () => {
      clearTimeout(timer);
      resolve(host.WeixinJSBridge ?? null);
    };
    const timer = setTimeout(() => {
      doc.removeEventListener('WeixinJSBridgeReady', ready);
      resolve(host.WeixinJSBridge ?? null);
    }, timeoutMs);
    doc.addEventListener('WeixinJSBridgeReady', ready, { once: true });
  });
}

/** How the payer left WeChat's cashier. */
export type BridgeOutcome = { kind: 'ok' } | { kind: 'cancel' } | { kind: 'fail'; message: string };

/** Reads the bridge's answer (`get_brand_wcpay_request:ok`, `:cancel`, `:fail …`). */
export function bridgeOutcome(res: { err_msg?: string; errMsg?: string }): BridgeOutcome {
  const msg = res.err_msg ?? res.errMsg ?? '';
  if (msg === 'get_brand_wcpay_request:ok') return { kind: 'ok' };
  if (msg === 'get_brand_wcpay_request:cancel') return { kind: 'cancel' };
  return { kind: 'fail', message: msg.replace(/^get_brand_wcpay_request:fail\s*/, '') || msg };
}

/**
 * Opens WeChat's cashier for `params`. `ok` means only that the payer went through: the
 * payment is followed on the server until WeChat's notification says it is paid.
 */
export function payWithBridge(bridge: WeixinBridge, params: BridgeParams): Promise<BridgeOutcome> {
  return new Promise((resolve) => {
    bridge.invoke('getBrandWCPayRequest', { ...params }, (res) => resolve(bridgeOutcome(res ?? {})));
  });
}

/** The authorisation the browser left for, remembered across the trip to WeChat. */
export interface PendingAuth {
  /** What was being paid: an order's id, or `WALLET_SUBJECT` for a top-up. */
  subject: string;
  state: string;
  /** ms since the epoch. */
  at: number;
  /** The amount of a top-up, fen (an order's amount is the server's). */
  amountFen?: number;
}

/** The subject of a wallet top-up's authorisation. */
export const WALLET_SUBJECT = 'wallet';

/** How long a started authorisation is worth finishing (the server keeps its state ten minutes). */
export const AUTH_MS = 10 * 60_000;

const AUTH_KEY = 'daojia.pay.wechatAuth';

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function rememberAuth(store: Store, p: PendingAuth): void {
  try {
    store.setItem(AUTH_KEY, JSON.stringify(p));
  } catch {
    /* private mode: the return still carries code and state; only the resumed payment is lost */
  }
}

/** Takes (and forgets) the remembered authorisation, unless it is too old or unreadable. */
export function takeAuth(store: Store, now: number): PendingAuth | null {
  let raw: string | null;
  try {
    raw = store.getItem(AUTH_KEY);
    store.removeItem(AUTH_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const p = JSON.parse(raw) as Partial<PendingAuth>;
    if (typeof p.subject !== 'string' || typeof p.state !== 'string' || typeof p.at !== 'number' || now - p.at > AUTH_MS) return null;
    const amount = typeof p.amountFen === 'number' && Number.isInteger(p.amountFen) && p.amountFen > 0 ? { amountFen: p.amountFen } : {};
    return { subject: p.subject, state: p.state, at: p.at, ...amount };
  } catch {
    return null;
  }
}

const one = (v: unknown): string | null => {
  const s = Array.isArray(v) ? v[0] : v;
  return typeof s === 'string' && s.length > 0 && s.length <= 128 ? s : null;
};

/** The `code` and `state` WeChat appended to the return address, when both are there. */
export function authReturn(query: Record<string, unknown>): { code: string; state: string } | null {
  const code = one(query.code);
  const state = one(query.state);
  return code && state ? { code, state } : null;
}

/** The address WeChat should send the browser back to: this page, without a query or fragment. */
export function returnAddress(loc: Pick<Location, 'origin' | 'pathname'>): string {
  return `${loc.origin}${loc.pathname}`;
}
