import { describe, expect, it, vi } from 'vitest';
import { AUTH_MS, authReturn, bridgeOutcome, payWithBridge, rememberAuth, returnAddress, takeAuth, waitForBridge, type BridgeParams, type WeixinBridge } from '../src/pay/wechat';

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

describe("WeChat's bridge", () => {
  it('reads the cashier answers: paid, cancelled by the payer, failed with a reason', () => {
    expect(bridgeOutcome({ err_msg: 'get_brand_wcpay_request:ok' })).toEqual({ kind: 'ok' });
    expect(bridgeOutcome({ err_msg: 'get_brand_wcpay_request:cancel' })).toEqual({ kind: 'cancel' });
    expect(bridgeOutcome({ err_msg: 'get_brand_wcpay_request:fail 支付验证签名失败' })).toEqual({ kind: 'fail', message: '支付验证签名失败' });
    expect(bridgeOutcome({})).toEqual({ kind: 'fail', message: '' });
  });

  it('hands the signed parameters to getBrandWCPayRequest unchanged', async () => {
    const calls: [string, Record<string, unknown>][] = [];
    const bridge: WeixinBridge = {
      invoke(name, params, cb) {
        calls.push([name, params]);
        cb({ err_msg: 'get_brand_wcpay_request:cancel' });
      },
    };
    expect(await payWithBridge(bridge, PARAMS)).toEqual({ kind: 'cancel' });
    expect(calls).toEqual([['getBrandWCPayRequest', { ...PARAMS }]]);
  });

  it('waits for the bridge WeChat announces, and gives up outside WeChat', async () => {
    vi.useFakeTimers();
    try {
      const listeners = new Map<string, () => void>();
      const doc = { addEventListener: (t: string, l: () => void) => listeners.set(t, l), removeEventListener: (t: string) => listeners.delete(t) };
      const bridge: WeixinBridge = { invoke: () => undefined };
      const host: { WeixinJSBridge?: WeixinBridge; addEventListener: () => void; removeEventListener: () => void } = { addEventListener: () => undefined, removeEventListener: () => undefined };
      const later = waitForBridge(host, doc as unknown as Document, 1000);
      host.WeixinJSBridge = bridge;
      listeners.get('WeixinJSBridgeReady')?.();
      expect(await later).toBe(bridge);

      const none = waitForBridge({ addEventListener: () => undefined, removeEventListener: () => undefined }, doc as unknown as Document, 1000);
      vi.advanceTimersByTime(1000);
      expect(await none).toBeNull();
      expect(await waitForBridge(host, doc as unknown as Document)).toBe(bridge);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the WeChat authorisation', () => {
  it('takes the code and state back from the return address only when both are there', () => {
    expect(authReturn({ code: 'c1', state: 's1', other: 'x' })).toEqual({ code: 'c1', state: 's1' });
    expect(authReturn({ code: ['c1'], state: ['s1'] })).toEqual({ code: 'c1', state: 's1' });
    expect(authReturn({ code: 'c1' })).toBeNull();
    expect(authReturn({ code: '', state: 's' })).toBeNull();
    expect(authReturn({ code: 'c'.repeat(129), state: 's' })).toBeNull();
  });

  it('returns to this page without its query', () => {
    expect(returnAddress({ origin: 'https://h5.example.com', pathname: '/orders/o1' })).toBe('https://h5.example.com/orders/o1');
  });

  it('remembers the started authorisation once, for ten minutes', () => {
    const store = new MemoryStorage();
    rememberAuth(store, { subject: 'o1', state: 's1', at: 1000 });
    expect(takeAuth(store, 2000)).toEqual({ subject: 'o1', state: 's1', at: 1000 });
    expect(takeAuth(store, 2000)).toBeNull();
    rememberAuth(store, { subject: 'o1', state: 's1', at: 1000 });
    expect(takeAuth(store, 1000 + AUTH_MS + 1)).toBeNull();
    store.setItem('daojia.pay.wechatAuth', '{bad');
    expect(takeAuth(store, 0)).toBeNull();
  });
});
