// A customer of the demo (on the built-in pay simulator) opens the H5 app in WeChat's
// browser (its user agent) and pays an order with JSAPI: the first press goes through the
// simulator's silent authorisation and comes back; WeChat's bridge is stubbed in the page
// to stand in for WeChat's in-page cashier: it hands the server's parameters to the
// simulator's JSAPI cashier (which verifies the pay-sign) and pays there, or answers
// `cancel` the first time. The order page follows the payment until the callback is in.
// A second customer tops up the wallet inside WeChat the same way: authorised once (the
// wallet page comes back and goes on with the amount), cancelled once, then paid at the
// cashier and followed until the balance is credited. Screenshots go to test-output/e2e/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { OUT, PHONE, apiCall, launch, otpLogin, startDemo } from '../support.js';

const WECHAT_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0 Mobile Safari/537.36 XWEB/1300199 MMWEBSDK/20240404 MMWEBID/1 MicroMessenger/8.0.50.2701(0x28003237) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64';

const TOML = `
[booking]
demo_autopay = false

[pay]
simulator = true

[demo]
booked_per_day = 0
`;

let demo;
let browser;

before(async () => {
  demo = await startDemo({ toml: TOML });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

const call = (method, path, body, token) => apiCall(demo.base, method, path, { token, body });

/**
 * WeChat's bridge as the page sees it: `getBrandWCPayRequest` records the parameters,
 * answers `cancel` while `sessionStorage['e2e.cancel']` is set (once), and otherwise opens
 * the simulator's JSAPI cashier with them (refused unless the pay-sign verifies) and pays
 * there, answering `ok` as WeChat does once the payer paid.
 */
function stubBridge() {
  window.WeixinJSBridge = {
    invoke(name, params, cb) {
      const calls = JSON.parse(sessionStorage.getItem('e2e.bridge') ?? '[]');
      calls.push({ name, params });
      sessionStorage.setItem('e2e.bridge', JSON.stringify(calls));
      if (name !== 'getBrandWCPayRequest') return cb({ err_msg: `${name}:fail unsupported` });
      if (sessionStorage.getItem('e2e.cancel')) {
        sessionStorage.removeItem('e2e.cancel');
        return cb({ err_msg: 'get_brand_wcpay_request:cancel' });
      }
      (async () => {
        const page = await fetch(`/paysim/wechat/jsapi/cashier?${new URLSearchParams(params)}`);
        const html = await page.text();
        if (!page.ok) return cb({ err_msg: `get_brand_wcpay_request:fail ${html}` });
        const form = new DOMParser().parseFromString(html, 'text/html').querySelector('form');
        const paid = await fetch(form.getAttribute('action'), {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'action=pay',
        });
        cb({ err_msg: paid.ok ? 'get_brand_wcpay_request:ok' : `get_brand_wcpay_request:fail ${paid.status}` });
      })();
    },
  };
}

test('inside WeChat, a customer authorises once and pays an order with JSAPI', async () => {
  const ctx = await browser.newContext({ ...PHONE, userAgent: WECHAT_UA });
  await ctx.addInitScript(stubBridge);
  const c = await ctx.newPage();
  await otpLogin(c, `${demo.base}/login`, demo.customerPhone, 'home-page');
  const state = await ctx.storageState();
  const token = JSON.parse(state.origins.find((o) => o.origin === demo.base).localStorage.find((i) => i.name === 'daojia.customer.tokens').value).accessToken;

  const cfg = await call('GET', '/api/v1/public/config');
  assert.ok(cfg.body.pay_channels.includes('wechat_jsapi'), JSON.stringify(cfg.body.pay_channels));
  assert.equal((await call('GET', '/api/v1/customer/wechat', undefined, token)).body.bound, false);

  // An order that waits for its payment, booked through the API (booking is not what is tested).
  const addresses = (await call('GET', '/api/v1/customer/addresses', undefined, token)).body;
  const address = addresses.find((a) => a.is_default && a.area_code) ?? addresses.find((a) => a.area_code);
  const slots = await call('POST', '/api/v1/customer/slots', { items: [{ item: 'window_cleaning' }], address_id: address.id, days: 7 }, token);
  assert.equal(slots.status, 200, JSON.stringify(slots.body));
  const window = slots.body.days.flatMap((d) => d.windows).find((w) => w.available);
  assert.ok(window, 'a free window within a week');
  const r = await fetch(`${demo.base}/api/v1/customer/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': crypto.randomUUID() },
    body: JSON.stringify({ items: [{ item: 'window_cleaning' }], address_id: address.id, window_start: window.start }),
  });
  const order = await r.json();
  assert.equal(r.status, 201, JSON.stringify(order));
  assert.equal(order.state, 'pending_payment');

  // The pay sheet inside WeChat: JSAPI and the wallet, no H5 pages.
  await c.goto(`${demo.base}/orders/${order.id}`);
  await c.getByTestId('pay-order').click();
  const sheet = c.getByTestId('pay-sheet');
  await sheet.getByTestId('pay-channel-wechat_jsapi').waitFor();
  assert.equal(await sheet.getByTestId('pay-channel-wechat_h5').count(), 0);
  assert.equal(await sheet.getByTestId('pay-channel-alipay_wap').count(), 0);
  await c.screenshot({ path: join(OUT, 'jsapi-1-sheet.png') });

  // First press: no openid yet, so off to the (simulator's) authorisation and back; the
  // page takes the code back, drops it from the address and goes on: the payer cancels.
  await c.evaluate(() => sessionStorage.setItem('e2e.cancel', '1'));
  const bound = c.waitForResponse((res) => res.url().endsWith('/api/v1/customer/wechat') && res.request().method() === 'PUT');
  await sheet.getByTestId('pay-channel-wechat_jsapi').click();
  await sheet.getByTestId('pay-submit').click();
  assert.equal((await bound).status(), 200);
  await c.getByTestId('pay-error').filter({ hasText: '取消' }).waitFor({ timeout: 15_000 });
  assert.doesNotMatch(c.url(), /code=/, 'the code is dropped from the address');
  assert.equal((await call('GET', '/api/v1/customer/wechat', undefined, token)).body.bound, true);
  await c.screenshot({ path: join(OUT, 'jsapi-2-cancelled.png') });

  // Second press: the bridge gets the signed parameters, the payer pays at the cashier.
  await c.getByTestId('pay-sheet').getByTestId('pay-submit').click();
  await c.getByTestId('pay-succeeded').waitFor({ timeout: 30_000 });
  await c.screenshot({ path: join(OUT, 'jsapi-3-paid.png'), fullPage: true });
  const calls = await c.evaluate(() => JSON.parse(sessionStorage.getItem('e2e.bridge') ?? '[]'));
  assert.equal(calls.length, 2);
  for (const { name, params } of calls) {
    assert.equal(name, 'getBrandWCPayRequest');
    assert.deepEqual(Object.keys(params).sort(), ['appId', 'nonceStr', 'package', 'paySign', 'signType', 'timeStamp']);
    assert.equal(params.signType, 'RSA');
  }
  const payments = (await call('GET', `/api/v1/orders/${order.id}/payments`, undefined, token)).body;
  assert.equal(payments.filter((p) => p.channel === 'wechat_jsapi').length, 1, JSON.stringify(payments));
  assert.equal(payments.find((p) => p.channel === 'wechat_jsapi').state, 'succeeded');
  const after = (await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, token)).body;
  assert.equal(after.paid_fen, order.owed_now_fen);
  await ctx.close();
});

test('inside WeChat, a customer authorises once and tops up the wallet with JSAPI', async () => {
  const ctx = await browser.newContext({ ...PHONE, userAgent: WECHAT_UA });
  await ctx.addInitScript(stubBridge);
  const c = await ctx.newPage();
  // A customer of their own (the first test bound the demo customer's WeChat account).
  const phone = `139${String(Date.now()).slice(-8)}`;
  await otpLogin(c, `${demo.base}/login`, phone, 'home-page');
  const state = await ctx.storageState();
  const token = JSON.parse(state.origins.find((o) => o.origin === demo.base).localStorage.find((i) => i.name === 'daojia.customer.tokens').value).accessToken;
  assert.equal((await call('GET', '/api/v1/customer/wechat', undefined, token)).body.bound, false);
  const before = (await call('GET', '/api/v1/wallet', undefined, token)).body.balance_fen;

  // Inside WeChat the wallet page offers WeChat's cashier in the page, no H5 pages.
  await c.goto(`${demo.base}/me/wallet`);
  await c.getByTestId('channel-wechat_jsapi').waitFor();
  assert.equal(await c.getByTestId('channel-wechat_h5').count(), 0);
  assert.equal(await c.getByTestId('channel-alipay_wap').count(), 0);

  // First press: off to the (simulator's) authorisation and back; the page takes the code
  // back, drops it from the address and goes on with the same amount: the payer cancels.
  await c.evaluate(() => sessionStorage.setItem('e2e.cancel', '1'));
  const bound = c.waitForResponse((res) => res.url().endsWith('/api/v1/customer/wechat') && res.request().method() === 'PUT');
  await c.getByTestId('chip-10000').click();
  await c.getByTestId('top-up-submit').click();
  assert.equal((await bound).status(), 200);
  await c.getByTestId('top-up-error').filter({ hasText: '取消' }).waitFor({ timeout: 15_000 });
  assert.doesNotMatch(c.url(), /code=/, 'the code is dropped from the address');
  assert.equal((await call('GET', '/api/v1/customer/wechat', undefined, token)).body.bound, true);
  await c.screenshot({ path: join(OUT, 'jsapi-4-top-up-cancelled.png') });

  // Second press: the bridge gets the signed parameters, the payer pays, the page follows
  // the top-up until the wallet is credited.
  await c.getByTestId('top-up-submit').click();
  await c.locator('[data-testid="top-up-status"][data-state="succeeded"]').waitFor({ timeout: 30_000 });
  await c.screenshot({ path: join(OUT, 'jsapi-5-topped-up.png'), fullPage: true });
  const calls = await c.evaluate(() => JSON.parse(sessionStorage.getItem('e2e.bridge') ?? '[]'));
  assert.equal(calls.length, 2);
  for (const { name, params } of calls) {
    assert.equal(name, 'getBrandWCPayRequest');
    assert.equal(params.signType, 'RSA');
  }
  const topUps = (await call('GET', '/api/v1/wallet/top-ups', undefined, token)).body;
  const jsapi = topUps.filter((t) => t.channel === 'wechat_jsapi');
  assert.equal(jsapi.filter((t) => t.state === 'succeeded').length, 1, JSON.stringify(topUps));
  assert.equal(jsapi.find((t) => t.state === 'succeeded').amount_fen, 10_000);
  const after = (await call('GET', '/api/v1/wallet', undefined, token)).body;
  assert.equal(after.balance_fen, before + 10_000);
  await ctx.close();
});
