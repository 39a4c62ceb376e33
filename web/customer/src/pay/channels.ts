/**
 * The ways a customer can pay online, in the order the pay sheet lists them. One small
 * table: a channel is offered when the server has it (`pay_channels` of the public
 * configuration) and the browser suits it (inside WeChat's browser only WeChat's own
 * JSAPI payment and the wallet work; outside it, WeChat's H5 payment and Alipay). A new way to pay (the wallet,
 * say) is one more row here, its label in the i18n files, and its checkout in `flow.ts`.
 */

/** Where a channel works. */
export type Browser = 'wechat' | 'other';

/**
 * How the browser pays once the server opened the payment: sent to the channel's page
 * (`redirect`), WeChat's cashier opened in the page through `WeixinJSBridge` (`jsapi`,
 * after the payer's WeChat authorisation, see `wechat.ts`), or nothing more to do because
 * the server paid it at once from the customer's balance (`instant`).
 */
export type Checkout = 'redirect' | 'jsapi' | 'instant';

export interface PayChannelDef {
  /** The channel's code in the API (`POST /api/v1/orders/{id}/payments`). */
  code: string;
  /** The i18n key of its name. */
  label: string;
  /** The i18n key of a line under the name. */
  hint: string;
  /** Brand colour of its mark. */
  color: string;
  /** The one or two characters of its mark. */
  mark: string;
  /** The browsers it works in. */
  browsers: readonly Browser[];
  /** How the payer is taken to pay. */
  checkout: Checkout;
}

export const PAY_CHANNELS: readonly PayChannelDef[] = [
  { code: 'wechat_jsapi', label: 'pay.channels.wechat', hint: 'pay.channels.wechatJsapiHint', color: '#07c160', mark: '微', browsers: ['wechat'], checkout: 'jsapi' },
  { code: 'wechat_h5', label: 'pay.channels.wechat', hint: 'pay.channels.wechatHint', color: '#07c160', mark: '微', browsers: ['other'], checkout: 'redirect' },
  { code: 'alipay_wap', label: 'pay.channels.alipay', hint: 'pay.channels.alipayHint', color: '#1677ff', mark: '支', browsers: ['other'], checkout: 'redirect' },
  { code: 'wallet', label: 'pay.channels.wallet', hint: 'pay.channels.walletHint', color: '#ff8a00', mark: '余', browsers: ['wechat', 'other'], checkout: 'instant' },
];

/** Which browser a user agent is: WeChat's own (`MicroMessenger`) or any other. */
export function browserOf(userAgent: string): Browser {
  return /MicroMessenger/i.test(userAgent) ? 'wechat' : 'other';
}

/** The channels to offer: the server has them and they work in this browser. */
export function offeredChannels(available: readonly string[], userAgent: string, table: readonly PayChannelDef[] = PAY_CHANNELS): PayChannelDef[] {
  const browser = browserOf(userAgent);
  return table.filter((c) => available.includes(c.code) && c.browsers.includes(browser));
}
