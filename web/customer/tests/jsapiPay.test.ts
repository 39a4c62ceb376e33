import { describe, expect, it } from 'vitest';
import { ApiError } from '@daojia/shared';
import { jsapiPay, type JsapiDeps, type JsapiOpened } from '../src/pay/jsapi';
import { WALLET_SUBJECT, takeAuth, type BridgeParams, type WeixinBridge } from '../src/pay/wechat';
import { TOP_UP_CHANNELS, topUpChannels } from '../src/wallet';

class MemoryStorage {
  items = new Map<string, string>();
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
}

const PARAMS: BridgeParams = { appId: 'wx1', timeStamp: '1700000000', nonceStr: 'n', package: 'prepay_id=wx2', signType: 'RSA', paySign: 'sig' };
const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36 MicroMessenger/8.0.50.2701 WeChat/arm64';
const OTHER_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1';

/** A bridge answering `answer`, recording what it was asked. */
function bridge(answer: string, calls: [string, Record<string, unknown>][] = []): WeixinBridge {
  return {
    invoke(name, params, cb) {
      calls.push([name, params]);
      cb({ err_msg: answer });
    },
  };
}

function deps(over: Partial<JsapiDeps> = {}) {
  const assigned: string[] = [];
  const store = new MemoryStorage();
  const d: JsapiDeps = {
    t: (key, values) => (values ? `${key} ${JSON.stringify(values)}` : key),
    te: () => false,
    bridge: async () => null,
    authorize: async (returnTo) => ({ url: `https://open.weixin.example/authorize?redirect_uri=${encodeURIComponent(returnTo)}`, state: 'st1' }),
    returnTo: () => 'https://h5.example.com/wallet',
    assign: (url) => assigned.push(url),
    store,
    now: () => 5_000,
    ...over,
  };
  return { d, assigned, store };
}

const topUp: JsapiOpened = { id: 'top-up-1', jsapi: PARAMS, pay_url: null };

describe('paying inside WeChat (a top-up or an order alike)', () => {
  it('goes through the authorisation once on openid_required, remembering what and how much', async () => {
    const { d, assigned, store } = deps();
    const remembered: string[] = [];
    const r = await jsapiPay(d).pay<JsapiOpened>(
      WALLET_SUBJECT,
      async () => {
        throw new ApiError({ type: 'about:blank', title: 'Conflict', status: 409, code: 'openid_required' });
      },
      (o) => remembered.push(o.id),
      20_000,
    );
    expect(r).toEqual({ kind: 'left' });
    expect(assigned).toEqual(['https://open.weixin.example/authorize?redirect_uri=https%3A%2F%2Fh5.example.com%2Fwallet']);
    expect(remembered).toEqual([]);
    expect(takeAuth(store, 6_000)).toEqual({ subject: WALLET_SUBJECT, state: 'st1', at: 5_000, amountFen: 20_000 });
  });

  it('throws other refusals on to the page', async () => {
    const { d, assigned } = deps();
    const refusal = new ApiError({ type: 'about:blank', title: 'Unprocessable', status: 422, code: 'validation_failed' });
    await expect(
      jsapiPay(d).pay(
        'o1',
        async () => {
          throw refusal;
        },
        () => undefined,
      ),
    ).rejects.toBe(refusal);
    expect(assigned).toEqual([]);
  });

  it("hands the server's parameters to WeChat's cashier and follows once the payer went through", async () => {
    const calls: [string, Record<string, unknown>][] = [];
    const { d, assigned } = deps({ bridge: async () => bridge('get_brand_wcpay_request:ok', calls) });
    const remembered: string[] = [];
    const r = await jsapiPay(d).pay(WALLET_SUBJECT, async () => topUp, (o) => remembered.push(o.id), 20_000);
    expect(r).toEqual({ kind: 'follow', opened: topUp });
    expect(calls).toEqual([['getBrandWCPayRequest', { ...PARAMS }]]);
    expect(remembered).toEqual(['top-up-1']);
    expect(assigned).toEqual([]);
  });

  it('says so when the payer cancels or the cashier fails, and follows nothing', async () => {
    const remembered: string[] = [];
    const cancel = deps({ bridge: async () => bridge('get_brand_wcpay_request:cancel') });
    expect(await jsapiPay(cancel.d).pay('o1', async () => topUp, (o) => remembered.push(o.id))).toEqual({ kind: 'failed', message: 'pay.cancelled' });
    const fail = deps({ bridge: async () => bridge('get_brand_wcpay_request:fail 签名错误') });
    expect(await jsapiPay(fail.d).pay('o1', async () => topUp, (o) => remembered.push(o.id))).toEqual({ kind: 'failed', message: 'pay.bridgeFailed {"why":"签名错误"}' });
    expect(remembered).toEqual([]);
  });

  it("without a bridge opens the simulator's cashier page, or says WeChat Pay did not open", async () => {
    const { d, assigned } = deps();
    const remembered: string[] = [];
    const page = { ...topUp, pay_url: 'https://h5.example.com/paysim/wechat/jsapi/cashier?x=1' };
    expect(await jsapiPay(d).pay(WALLET_SUBJECT, async () => page, (o) => remembered.push(o.id))).toEqual({ kind: 'left' });
    expect(assigned).toEqual([page.pay_url]);
    expect(remembered).toEqual(['top-up-1']);
    expect(await jsapiPay(d).pay(WALLET_SUBJECT, async () => topUp, () => undefined)).toEqual({ kind: 'failed', message: 'pay.noBridge' });
    expect(await jsapiPay(d).pay(WALLET_SUBJECT, async () => ({ id: 'x', jsapi: null }), () => undefined)).toEqual({ kind: 'failed', message: 'pay.noPage' });
  });
});

describe('the channels of a top-up', () => {
  it("are WeChat's cashier in the page inside WeChat, the channels' pages elsewhere", () => {
    expect(topUpChannels(WECHAT_UA)).toEqual(['wechat_jsapi']);
    expect(topUpChannels(OTHER_UA)).toEqual([...TOP_UP_CHANNELS]);
  });
});
