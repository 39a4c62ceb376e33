import { describe, expect, it } from 'vitest';
import { ApiError, type PaymentView } from '@daojia/shared';
import { PAY_CHANNELS, browserOf, offeredChannels, type PayChannelDef } from '../src/pay/channels';
import { PayKeys, REMEMBER_MS, followPayment, offersPay, forgetPayment, outcomeOf, paymentToFollow, recallPayment, rememberPayment } from '../src/pay/flow';

const CHROME = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const WECHAT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322c) NetType/WIFI Language/zh_CN';

describe('which channels the pay sheet offers', () => {
  it('offers what the server has and the browser can use, in the table order', () => {
    const all = ['wechat_native', 'wechat_h5', 'alipay_precreate', 'alipay_wap'];
    expect(offeredChannels(all, CHROME).map((c) => c.code)).toEqual(['wechat_h5', 'alipay_wap']);
    expect(offeredChannels(['alipay_wap'], CHROME).map((c) => c.code)).toEqual(['alipay_wap']);
    expect(offeredChannels([], CHROME)).toEqual([]);
  });

  it('offers no browser payment inside WeChat, which refuses H5 pay and Alipay pages there', () => {
    expect(browserOf(WECHAT)).toBe('wechat');
    expect(browserOf(CHROME)).toBe('other');
    expect(offeredChannels(['wechat_h5', 'alipay_wap'], WECHAT)).toEqual([]);
  });

  it('offers JSAPI inside WeChat only, when the server has it', () => {
    const all = ['wechat_h5', 'wechat_jsapi', 'alipay_wap', 'wallet'];
    expect(offeredChannels(all, WECHAT).map((c) => c.code)).toEqual(['wechat_jsapi', 'wallet']);
    expect(offeredChannels(all, CHROME).map((c) => c.code)).toEqual(['wechat_h5', 'alipay_wap', 'wallet']);
    expect(offeredChannels(['wechat_h5', 'wallet'], WECHAT).map((c) => c.code)).toEqual(['wallet']);
    expect(PAY_CHANNELS.find((c) => c.code === 'wechat_jsapi')?.checkout).toBe('jsapi');
  });

  it('offers the wallet everywhere, paid at once', () => {
    const all = ['wechat_h5', 'alipay_wap', 'wallet'];
    expect(offeredChannels(all, CHROME).map((c) => c.code)).toEqual(['wechat_h5', 'alipay_wap', 'wallet']);
    expect(offeredChannels(all, WECHAT).map((c) => c.code)).toEqual(['wallet']);
    expect(PAY_CHANNELS.find((c) => c.code === 'wallet')?.checkout).toBe('instant');
  });

  it('takes a new channel from one more row of the table', () => {
    const card: PayChannelDef = { code: 'bank_card', label: 'pay.channels.card', hint: 'pay.channels.cardHint', color: '#c0392b', mark: '卡', browsers: ['wechat', 'other'], checkout: 'redirect' };
    const table = [card, ...PAY_CHANNELS];
    expect(offeredChannels(['bank_card', 'wechat_h5'], WECHAT, table).map((c) => c.code)).toEqual(['bank_card']);
    expect(offeredChannels(['bank_card', 'wechat_h5'], CHROME, table).map((c) => c.code)).toEqual(['bank_card', 'wechat_h5']);
  });
});

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

const ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('the payment the browser left to pay', () => {
  it('is remembered per order for an hour, then forgotten', () => {
    const s = new MemoryStorage();
    rememberPayment(s, { orderId: 'o1', paymentId: ID, channel: 'alipay_wap', at: 1000 });
    expect(recallPayment(s, 'o1', 2000)).toEqual({ orderId: 'o1', paymentId: ID, channel: 'alipay_wap', at: 1000 });
    expect(recallPayment(s, 'o2', 2000)).toBeNull();
    expect(recallPayment(s, 'o1', 1000 + REMEMBER_MS + 1)).toBeNull();
    forgetPayment(s, 'o1');
    expect(recallPayment(s, 'o1', 2000)).toBeNull();
  });

  it('ignores what it cannot read', () => {
    const s = new MemoryStorage();
    s.setItem('daojia.pay.o1', '{not json');
    expect(recallPayment(s, 'o1', 0)).toBeNull();
    s.setItem('daojia.pay.o1', JSON.stringify({ orderId: 'o1', at: 0 }));
    expect(recallPayment(s, 'o1', 0)).toBeNull();
  });

  it('is the one the return URL names, else the one remembered', () => {
    const remembered = { orderId: 'o1', paymentId: 'remembered', channel: 'wechat_h5', at: 0 };
    expect(paymentToFollow(ID, remembered)).toBe(ID);
    expect(paymentToFollow([ID], null)).toBe(ID);
    expect(paymentToFollow('not-an-id', remembered)).toBe('remembered');
    expect(paymentToFollow(undefined, remembered)).toBe('remembered');
    expect(paymentToFollow(undefined, null)).toBeNull();
  });
});

const view = (state: string): PaymentView => ({
  id: ID,
  intent_no: 'P1',
  order_id: 'o1',
  channel: 'alipay_wap',
  state,
  amount_fen: 2000,
  code_url: null,
  pay_url: 'http://pay.test/p',
  expires_at: '2026-12-06T05:00:00Z',
  created_at: '2026-12-06T04:45:00Z',
  succeeded_at: null,
});

/** A clock that moves only when the follower sleeps. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe('following a payment', () => {
  it('reads the states as the payer should', () => {
    expect(outcomeOf('created')).toBe('waiting');
    expect(outcomeOf('pending')).toBe('waiting');
    expect(outcomeOf('succeeded')).toBe('succeeded');
    expect(outcomeOf('failed')).toBe('failed');
    expect(outcomeOf('closed')).toBe('closed');
  });

  it('looks until the channel answers', async () => {
    const states = ['pending', 'pending', 'succeeded'];
    let looks = 0;
    const r = await followPayment(async () => view(states[looks++]), { ...clock(), intervalMs: 1000 });
    expect(r.outcome).toBe('succeeded');
    expect(looks).toBe(3);
  });

  it('says so when the answer is not in before the time is up', async () => {
    let looks = 0;
    const r = await followPayment(async () => (looks++, view('pending')), { ...clock(), intervalMs: 1000, timeoutMs: 5000 });
    expect(r).toEqual({ outcome: 'timeout', payment: view('pending') });
    expect(looks).toBe(6);
  });

  it('tries again after a network error, and stops on a refusal', async () => {
    let looks = 0;
    const flaky = async () => {
      looks++;
      if (looks === 1) throw new TypeError('Failed to fetch');
      return view('failed');
    };
    expect((await followPayment(flaky, clock())).outcome).toBe('failed');
    const missing = new ApiError({ type: 'about:blank', title: 'Not Found', status: 404, code: 'not_found', detail: 'payment not found', errors: [] });
    await expect(followPayment(async () => Promise.reject(missing), clock())).rejects.toBe(missing);
  });

  it('stops when the page is left', async () => {
    let looks = 0;
    const r = await followPayment(async () => (looks++, view('pending')), { ...clock(), cancelled: () => looks >= 2 });
    expect(r.outcome).toBe('timeout');
    expect(looks).toBe(2);
  });
});

describe('one press, one payment', () => {
  it('keeps the key for the same order, channel and amount until the server answers', () => {
    let n = 0;
    const keys = new PayKeys(() => `k${++n}`);
    expect(keys.keyFor('o1', 'alipay_wap', 2000)).toBe('k1');
    expect(keys.keyFor('o1', 'alipay_wap', 2000)).toBe('k1');
    expect(keys.keyFor('o1', 'wechat_h5', 2000)).toBe('k2');
    keys.answered();
    expect(keys.keyFor('o1', 'wechat_h5', 2000)).toBe('k3');
    expect(keys.keyFor('o1', 'wechat_h5', 8000)).toBe('k4');
  });
});

describe('when the order page offers to pay', () => {
  it('asks for the deposit or full price first and the balance once the visit is done', () => {
    expect(offersPay({ state: 'pending_payment', owed_now_fen: 9980 })).toBe(true);
    expect(offersPay({ state: 'pending_settlement', owed_now_fen: 39920 })).toBe(true);
    // Owed, but the customer pays it after the visit.
    expect(offersPay({ state: 'pending_dispatch', owed_now_fen: 39920 })).toBe(false);
    expect(offersPay({ state: 'in_service', owed_now_fen: 39920 })).toBe(false);
    // Nothing owed (paid in full, or an order of several visits).
    expect(offersPay({ state: 'pending_settlement', owed_now_fen: 0 })).toBe(false);
    expect(offersPay({ state: 'awaiting_balance', owed_now_fen: 39920 })).toBe(true);
    expect(offersPay({ state: 'completed', owed_now_fen: 0 })).toBe(false);
  });
});
