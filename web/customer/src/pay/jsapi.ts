/**
 * Paying inside WeChat (JSAPI), whatever is paid: an order's payment (the pay sheet) or a
 * wallet top-up (the wallet page). One press opens the payment on the server; while the
 * customer has no WeChat authorisation the server answers 409 `openid_required`, and the
 * browser goes through WeChat's silent authorisation once, remembering what it was paying
 * (`subject`) so that the page it comes back to goes on. Then WeChat's cashier opens in
 * the page through `WeixinJSBridge` with the server's signed parameters; a payer who
 * cancels or a cashier that fails is told so, and a payer who went through is followed on
 * the server until WeChat's notification is in. Without a bridge (the demo's simulator)
 * the payment's `pay_url`, the simulator's stand-in for the cashier, is opened instead.
 */
import { ApiError, describeError } from '@daojia/shared';
import { payWithBridge, rememberAuth, type BridgeParams, type WeixinBridge } from './wechat';

/** A payment as the server opened it (an order's payment or a top-up). */
export interface JsapiOpened {
  id: string;
  jsapi?: BridgeParams | null;
  pay_url?: string | null;
}

/** How a press ended. */
export type JsapiResult<T> =
  /** The payer went through WeChat's cashier: follow the payment until it is credited. */
  | { kind: 'follow'; opened: T }
  /** The browser is leaving (to WeChat's authorisation, or the simulator's cashier). */
  | { kind: 'left' }
  /** Nothing was paid: `message` says why (cancelled, failed, no cashier). */
  | { kind: 'failed'; message: string };

/** What the flow needs from the page around it (the browser's, by default). */
export interface JsapiDeps {
  t: (key: string, values?: Record<string, unknown>) => string;
  te: (key: string) => boolean;
  bridge: () => Promise<WeixinBridge | null>;
  authorize: (returnTo: string) => Promise<{ url: string; state: string }>;
  returnTo: () => string;
  assign: (url: string) => void;
  store: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  now: () => number;
}

/**
 * The JSAPI flow with its dependencies given (`useWechatPay` gives the browser's).
 * `pay(subject, open, remember, amountFen)`: `open` asks the server (and may throw: a
 * refusal other than `openid_required` is thrown on to the caller); `remember` is called
 * before the browser leaves for the simulator's cashier or once the payer went through,
 * so the page can follow the payment when it comes back.
 */
export function jsapiPay(deps: JsapiDeps) {
  async function authorize(subject: string, amountFen?: number): Promise<void> {
    const a = await deps.authorize(deps.returnTo());
    rememberAuth(deps.store, { subject, state: a.state, at: deps.now(), ...(amountFen === undefined ? {} : { amountFen }) });
    deps.assign(a.url);
  }

  async function pay<T extends JsapiOpened>(subject: string, open: () => Promise<T>, remember: (opened: T) => void, amountFen?: number): Promise<JsapiResult<T>> {
    let opened: T;
    try {
      opened = await open();
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 'openid_required')) throw e;
      // The first payment inside WeChat: WeChat's authorisation first, then back here.
      try {
        await authorize(subject, amountFen);
        return { kind: 'left' };
      } catch (inner) {
        return { kind: 'failed', message: describeError(inner, { t: deps.t, te: deps.te }) };
      }
    }
    if (!opened.jsapi) return { kind: 'failed', message: deps.t('pay.noPage') };
    const bridge = await deps.bridge();
    if (!bridge) {
      if (!opened.pay_url) return { kind: 'failed', message: deps.t('pay.noBridge') };
      remember(opened);
      deps.assign(opened.pay_url);
      return { kind: 'left' };
    }
    const outcome = await payWithBridge(bridge, opened.jsapi);
    if (outcome.kind === 'cancel') return { kind: 'failed', message: deps.t('pay.cancelled') };
    if (outcome.kind === 'fail') return { kind: 'failed', message: deps.t('pay.bridgeFailed', { why: outcome.message || deps.t('pay.bridgeUnknown') }) };
    // The payer went through; WeChat's notification decides.
    remember(opened);
    return { kind: 'follow', opened };
  }

  return { pay, authorize };
}
