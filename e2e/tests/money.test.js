// The money walk (issue 12's acceptance): a customer books a service that takes a deposit in
// the H5 app and pays the deposit through the channel simulator's payment page (Alipay
// WAP), served by the same `daojia demo` process; the order is offered to the one worker
// qualified for it, who takes it, sets off, checks in at the door, starts with the door
// code the customer's app shows and finishes, all in the worker app; the customer pays the
// balance the same way (WeChat H5) and confirms; the worker sees the earning pending, then
// settled after the (shortened) dispute window by the settlement job, and asks for a
// withdrawal; finance approves it in the console and records the bank transfer; the worker
// sees it paid. Screenshots go to test-output/e2e/money-*.png.
//
// Through the API, where it is not what is tested: enrolling the test's worker (as the
// dispatch test does) and finding whom the engine offered the order to. When the first
// free window is not today (late in the evening), the worker app shows visit steps on
// today's jobs only, so the visit is recorded by staff through the API instead (said in
// the test's output).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP, OUT, PHONE, ROOT, launch, otpLogin, staffLogin, startDemo } from '../support.js';

let demo;
let browser;

// The simulator instead of the demo's auto-pay; a dispute window of nothing and settlement
// every minute; automatic dispatch with offers that wait for a browser test; check-in on
// time all day (the test runs whenever it runs).
const TOML = `
[booking]
demo_autopay = false

[pay]
simulator = true

[finance]
dispute_window_hours = 0
settle_every_minutes = 1

[dispatch]
mode = "auto"
offer_timeout_secs = 900

[demo]
booked_per_day = 0

[visit.check_in]
early_min = 1440
late_min = 1440
`;

before(async () => {
  demo = await startDemo({ toml: TOML });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

async function call(method, path, body, token, headers = {}) {
  const r = await fetch(`${demo.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

async function staffToken(login) {
  const r = await call('POST', '/api/v1/public/auth/staff/login', { login, password: demo.staffPassword });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.access_token;
}

const shot = (page, name, fullPage = false) => page.screenshot({ path: join(OUT, `money-${name}.png`), fullPage });

const ITEM = 'car_maintenance';
const KIND = 'e2e_car_permit';
const WORKER_PHONE = '19900005678';

/** A worker at `address`, active all day, the only one holding the permit the item now needs. */
async function enrolSoleMechanic(token, address) {
  const form = new FormData();
  form.append('purpose', 'certificate');
  form.append('file', new Blob([readFileSync(join(ROOT, 'web', 'worker', 'public', 'icons', 'icon-192.png'))], { type: 'image/png' }), 'permit.png');
  const up = await fetch(`${demo.base}/api/v1/admin/worker-uploads`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await up.text();
  assert.equal(up.status, 201, text);
  const upload = JSON.parse(text);
  const w = await call(
    'POST',
    '/api/v1/admin/workers',
    {
      phone: WORKER_PHONE,
      name: '测试技师',
      gender: 'male',
      area_code: address.area_code,
      home_lat: address.lat,
      home_lng: address.lng,
      skills: [{ skill: 'car_maintenance', level: 5 }],
    },
    token,
  );
  assert.equal(w.status, 201, JSON.stringify(w.body));
  const id = w.body.id;
  for (const [method, path, body] of [
    ['PUT', `/api/v1/admin/workers/${id}/status`, { status: 'active' }],
    ['PUT', `/api/v1/admin/workers/${id}/shifts`, { shifts: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start_minute: 0, end_minute: 1439 })) }],
  ]) {
    const r = await call(method, path, body, token);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  const cert = await call('POST', `/api/v1/admin/workers/${id}/certificates`, { kind: KIND, upload_id: upload.id }, token);
  assert.equal(cert.status, 201, JSON.stringify(cert.body));
  const approved = await call('POST', `/api/v1/admin/workers/${id}/certificates/${cert.body.id}/review`, { decision: 'approve' }, token);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const required = await call('PUT', `/api/v1/admin/catalog/items/${ITEM}/certificates`, { kinds: [KIND] }, token);
  assert.equal(required.status, 200, JSON.stringify(required.body));
  return id;
}

/** Waits until the engine has offered order `id`; the open offer. */
async function offerOf(id, token) {
  const deadline = Date.now() + 30_000;
  let last;
  while (Date.now() < deadline) {
    last = await call('GET', `/api/v1/admin/orders/${id}/dispatch`, undefined, token);
    assert.equal(last.status, 200, JSON.stringify(last.body));
    const open = last.body.offers.find((o) => o.status === 'open');
    if (open) return open;
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.fail(`no offer for ${id} within 30 s: ${JSON.stringify(last?.body)}`);
}

/**
 * On the order page: open the pay sheet, pay through `channel` on the simulator's page,
 * come back and see the payment confirmed. Returns the amount paid, fen.
 */
async function payOnTheSimulator(c, orderId, channel, name) {
  const sheet = c.getByTestId('pay-sheet');
  if (!(await sheet.isVisible())) await c.getByTestId('pay-order').click();
  await sheet.getByTestId(`pay-channel-${channel}`).click();
  const amount = Number(await sheet.getByTestId('pay-amount').getAttribute('data-fen'));
  await shot(c, `${name}-1-sheet`);
  // A double click opens one payment: the same Idempotency-Key, the same intent.
  const opened = c.waitForResponse((r) => r.url().endsWith(`/api/v1/orders/${orderId}/payments`) && r.request().method() === 'POST');
  await sheet.getByTestId('pay-submit').dblclick();
  const res = await opened;
  // (The browser leaves for the cashier at once: the answer's body is gone; the API has it.)
  assert.ok([200, 201].includes(res.status()), `opening the payment answered ${res.status()}`);
  assert.ok(res.request().headers()['idempotency-key'], 'the payment is opened with an Idempotency-Key');
  // The simulator's cashier, served by the demo under /paysim.
  await c.waitForURL(/\/paysim\//);
  const token = await customerToken(c.context());
  const open = await call('GET', `/api/v1/orders/${orderId}/payments`, undefined, token);
  const payment = open.body.find((p) => p.channel === channel && p.state === 'pending');
  assert.ok(payment, JSON.stringify(open.body));
  assert.equal(payment.amount_fen, amount, 'the sheet shows what the server charges');
  await c.locator('[data-test="amount"]').waitFor();
  assert.equal(await c.locator('[data-test="amount"]').innerText(), `¥${(amount / 100).toFixed(2)}`);
  await shot(c, `${name}-2-cashier`);
  await c.locator('[data-test="pay"]').click();
  await c.locator('[data-test="state"]', { hasText: '已支付' }).waitFor();
  await c.locator('[data-test="return"]').click();
  // Back on the order page, which follows the payment until the channel's callback is in.
  await c.waitForURL(new RegExp(`/orders/${orderId}`));
  await c.getByTestId('pay-succeeded').waitFor({ timeout: 30_000 });
  await shot(c, `${name}-3-paid`);
  const all = (await call('GET', `/api/v1/orders/${orderId}/payments`, undefined, token)).body;
  assert.equal(all.filter((p) => p.amount_fen === amount && p.channel === channel).length, 1, `one intent for the double click: ${JSON.stringify(all)}`);
  assert.equal(all.find((p) => p.id === payment.id).state, 'succeeded');
  return amount;
}

/** The customer's access token, from the app's storage (a page of the context at its origin). */
async function customerToken(ctx) {
  const state = await ctx.storageState();
  const origin = state.origins.find((o) => o.origin === demo.base);
  return JSON.parse(origin.localStorage.find((i) => i.name === 'daojia.customer.tokens').value).accessToken;
}

test('a deposit and a balance paid in the H5 app become a settled earning the worker withdraws with finance’s approval', async () => {
  const admin = await staffToken('admin');
  const dispatcher = await staffToken('dispatcher');

  // --- The customer, on a phone.
  const cPhone = await browser.newContext(PHONE);
  const c = await cPhone.newPage();
  await otpLogin(c, `${demo.base}/login`, demo.customerPhone, 'home-page');
  const cToken = await customerToken(cPhone);
  const addresses = await call('GET', '/api/v1/customer/addresses', undefined, cToken);
  assert.equal(addresses.status, 200, JSON.stringify(addresses.body));
  // The address the booking page preselects: the default one if served, else the first served.
  const address = addresses.body.find((a) => a.is_default && a.area_code) ?? addresses.body.find((a) => a.area_code);
  assert.ok(address, 'the demo customer has an address in a service area');
  const workerId = await enrolSoleMechanic(admin, address);

  // --- The worker, on another phone, standing at the customer's door: online, taking offers.
  const wPhone = await browser.newContext({ ...PHONE, geolocation: { latitude: address.lat, longitude: address.lng, accuracy: 10 }, permissions: ['geolocation'] });
  const w = await wPhone.newPage();
  await otpLogin(w, `${demo.base}/worker/`, WORKER_PHONE, 'account-card');
  await w.getByTestId('presence-online').click();
  await w.waitForFunction(() => document.querySelector('[data-testid="presence-online"]')?.getAttribute('aria-checked') === 'true');
  const saved = w.waitForResponse((r) => r.url().endsWith('/api/v1/worker/me/presence') && r.request().method() === 'PUT');
  await w.getByTestId('presence-mode').getByText('接单').click();
  assert.equal((await saved).status(), 200);

  // --- The customer books the item (it takes a deposit) at the address, first free window.
  await c.goto(`${demo.base}/items/${ITEM}`);
  await c.getByTestId('item-page').waitFor();
  await c.getByTestId('item-price').getByText(/预约时先付 ¥\d/).waitFor(); // the item takes a deposit
  await c.getByTestId('book').click();
  await c.getByTestId('booking-page').waitFor();
  // (Waits out the addresses' loading: the page preselects the same one.)
  await c.getByTestId('booking-address').getByText(address.house_number, { exact: false }).waitFor({ timeout: 15_000 });
  await c.getByTestId('booking-time').click();
  await c.getByTestId('time-popup').getByTestId('slot-picker').waitFor();
  await c.getByTestId('slot-window').first().waitFor({ timeout: 15_000 });
  await c.getByTestId('slot-window').first().click();
  await c.getByTestId('time-popup').waitFor({ state: 'hidden' });
  const placed = c.waitForResponse((r) => r.url().endsWith('/api/v1/customer/orders') && r.request().method() === 'POST');
  await c.getByTestId('booking-submit').locator('button').click();
  const res = await placed;
  assert.equal(res.status(), 201, await res.text());
  const order = await res.json();
  assert.equal(order.state, 'pending_payment', 'no auto-pay: the order waits for its deposit');
  assert.ok(order.due_before_dispatch_fen < order.total_fen, `a deposit: ${order.due_before_dispatch_fen} of ${order.total_fen}`);
  assert.equal(order.owed_now_fen, order.due_before_dispatch_fen);

  // The order page opens the pay sheet by itself; the deposit through Alipay WAP.
  await c.getByTestId('order-page').waitFor();
  await c.getByTestId('pay-sheet').waitFor();
  const deposit = await payOnTheSimulator(c, order.id, 'alipay_wap', 'deposit');
  assert.equal(deposit, order.due_before_dispatch_fen);
  const afterDeposit = await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, cToken);
  assert.equal(afterDeposit.body.paid_fen, deposit);
  assert.notEqual(afterDeposit.body.state, 'pending_payment');
  await c.getByTestId('pay-order').waitFor({ state: 'detached' });

  // --- The engine offers it to the one qualified worker, who accepts it in the app.
  const offer = await offerOf(order.id, dispatcher);
  assert.equal(offer.worker_id, workerId);
  await w.getByTestId('tab-offers').click();
  const card = w.locator(`[data-testid="offer"][data-order="${order.id}"]`);
  await card.waitFor({ timeout: 15_000 });
  const accepted = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/offers/${offer.id}/accept`) && r.request().method() === 'POST');
  await card.getByTestId('offer-accept').click();
  assert.equal((await accepted).status(), 200);

  // --- The visit: set off, check in at the door, start with the customer's door code, finish.
  const chinaDay = (t) => new Date(new Date(t).getTime() + 8 * 3600_000).toISOString().slice(0, 10);
  const today = chinaDay(order.window_start) === chinaDay(Date.now());
  if (today) {
    await w.getByTestId('tab-today').click();
    await w.getByTestId('today-page').waitFor();
    const job = w.locator(`[data-testid="today-job"][data-order="${order.id}"]`);
    await job.waitFor({ timeout: 15_000 });
    const step = (s) => job.locator(`[data-testid="visit-actions"][data-step="${s}"]`).waitFor({ timeout: 15_000 });
    await step('depart');
    await job.getByTestId('visit-depart').click();
    await step('check_in');
    await job.getByTestId('visit-check-in').click();
    const sheet = w.getByTestId('check-in-sheet');
    await sheet.getByTestId('check-in-fence').waitFor({ timeout: 15_000 });
    await sheet.getByTestId('check-in-submit').click();
    await step('start');
    // The customer's app shows the door code; the customer reads it out.
    await c.goto(`${demo.base}/orders/${order.id}`);
    const digits = c.getByTestId('door-code-digits');
    await digits.waitFor({ timeout: 15_000 });
    const code = await digits.getAttribute('data-code');
    await shot(c, 'door-code');
    await job.locator('[data-testid="visit-code"] input, input[data-testid="visit-code"]').first().fill(code);
    await job.getByTestId('visit-start').click();
    await step('finish');
    const finished = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/jobs/${order.id}/finish`) && r.request().method() === 'POST');
    await job.getByTestId('visit-finish').click();
    await w.locator('.van-dialog__confirm').click();
    assert.equal((await finished).status(), 200);
    await shot(w, 'finished', true);
  } else {
    console.log('# the first free window is not today: the visit is recorded by staff through the API');
    for (const s of ['check_in', 'finish']) {
      const r = await call('POST', `/api/v1/admin/orders/${order.id}/visit`, { step: s }, admin);
      assert.equal(r.status, 200, `${s}: ${JSON.stringify(r.body)}`);
    }
  }
  const done = await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, cToken);
  assert.equal(done.body.state, 'pending_settlement', JSON.stringify(done.body));
  assert.equal(done.body.owed_now_fen, done.body.total_fen - deposit, 'the balance is owed');

  // --- The customer confirms the service first (待付尾款), then pays the balance (WeChat H5),
  // which completes the order: confirming and paying are separate steps.
  await c.goto(`${demo.base}/orders/${order.id}`);
  await c.getByTestId('pay-order').waitFor();
  await c.getByTestId('confirm-order').click();
  const confirmed = c.waitForResponse((r) => r.url().endsWith(`/api/v1/customer/orders/${order.id}/confirm`) && r.request().method() === 'POST');
  await c.locator('.van-dialog__confirm').click();
  const confirmedRes = await confirmed;
  assert.equal(confirmedRes.status(), 200);
  assert.equal((await confirmedRes.json()).state, 'awaiting_balance');
  await c.getByTestId('pay-order').waitFor();
  assert.equal(await c.getByTestId('confirm-order').count(), 0, 'confirmed once');
  await shot(c, 'awaiting-balance');
  const balance = await payOnTheSimulator(c, order.id, 'wechat_h5', 'balance');
  assert.equal(balance, done.body.total_fen - deposit);
  const final = await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, cToken);
  assert.equal(final.body.state, 'completed', JSON.stringify(final.body));
  assert.equal(final.body.paid_fen, final.body.total_fen);
  assert.equal(final.body.owed_now_fen, 0);
  await shot(c, 'completed', true);

  // --- The worker's earning: pending first, then settled by the job (window 0, every minute).
  await w.goto(`${demo.base}/worker/earnings`);
  await w.getByTestId('my-earning').first().waitFor({ timeout: 15_000 });
  await shot(w, 'earning');
  const deadline = Date.now() + 150_000;
  let withdrawable = 0;
  while (Date.now() < deadline) {
    await w.reload();
    await w.getByTestId('withdrawable').waitFor({ timeout: 15_000 });
    withdrawable = Math.round(Number((await w.getByTestId('withdrawable').innerText()).replace(/[^\d.]/g, '')) * 100);
    if (withdrawable > 0) break;
    await w.waitForTimeout(5_000);
  }
  assert.ok(withdrawable > 0, 'the earning settled within 150 s');
  await w.getByTestId('my-earning').getByText('已结算').waitFor();
  assert.ok(withdrawable < final.body.total_fen, 'the platform kept its commission');
  await shot(w, 'settled', true);

  // The worker asks for all of it.
  await w.locator('[data-testid="withdraw-amount"] input, input[data-testid="withdraw-amount"]').first().fill((withdrawable / 100).toFixed(2));
  const asked = w.waitForResponse((r) => r.url().endsWith('/api/v1/worker/withdrawals') && r.request().method() === 'POST');
  await w.getByTestId('withdraw-send').click();
  const askedRes = await asked;
  assert.equal(askedRes.status(), 201, await askedRes.text());
  const withdrawal = await askedRes.json();
  await w.getByTestId('my-withdrawal').getByText('待审核').waitFor();

  // --- Finance approves it in the console and records the bank transfer.
  const desk = await browser.newContext(DESKTOP);
  const s = await desk.newPage();
  await staffLogin(s, demo.base, 'finance', demo.staffPassword);
  await s.goto(`${demo.base}/admin/withdrawals`);
  const row = s.locator('[data-testid="withdrawals-table"] .el-table__row', { hasText: withdrawal.withdrawal_no });
  await row.waitFor({ timeout: 15_000 });
  await shot(s, 'console-requested');
  await row.getByTestId('withdrawal-approve').click();
  await s.getByTestId('withdrawal-confirm').click();
  await row.getByTestId('withdrawal-paid').waitFor();
  await row.getByTestId('withdrawal-paid').click();
  await s.locator('[data-testid="withdrawal-note"] input, input[data-testid="withdrawal-note"]').first().fill('BANK-E2E-0001');
  await s.getByTestId('withdrawal-confirm').click();
  await row.getByText('BANK-E2E-0001').waitFor();
  await shot(s, 'console-paid');

  // --- The worker sees it paid.
  await w.reload();
  await w.getByTestId('my-withdrawal').getByText('已到账').waitFor({ timeout: 15_000 });
  assert.equal((await w.getByTestId('withdrawable').innerText()).replace(/[^\d.]/g, ''), '0.00');
  await shot(w, 'withdrawn', true);

  // The books balance: the ledger check over the demo's database is the CLI's; here the
  // simulator's side agrees with ours on what was paid.
  const books = await (await fetch(`${demo.base}/paysim/admin/trades`)).json();
  const paid = books.trades.filter((t) => t.state === 'paid').reduce((sum, t) => sum + t.amount_fen, 0);
  assert.equal(paid, final.body.total_fen, 'the channels hold exactly the order’s price');

  await desk.close();
  await wPhone.close();
  await cPhone.close();
});
