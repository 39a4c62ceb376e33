// The visit walked in two browser contexts (issue 11's acceptance): the worker's phone with
// an emulated position that moves along a path towards the address, and the customer's
// phone on the order page. The worker sets off; the customer's page shows the worker's
// marker on a map moving and the ETA coming down as positions arrive (pushed over the
// order's realtime topic); the worker checks in 450 m from the address, which the server
// refuses, then checks in with a reason and a photo (accepted, flagged); the door check
// code the customer's page shows starts the service; the worker proposes an extra item,
// which the customer confirms (the bill grows by it); the worker finishes; the customer
// pays the balance from the wallet, confirms and reviews. Screenshots go to
// test-output/e2e/visit-walk-*.png.
//
// Through the API, where it is not what is tested: enrolling the test's worker (on shift
// all day), booking (the demo pays it), assigning the worker by hand, the worker going
// online with tracking consent. The visit's steps are on today's jobs: run when a window
// is left today (until about 20:00 in Shanghai).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { OUT, PHONE, ROOT, launch, otpLogin, startDemo } from '../support.js';

let demo;
let browser;

// Dispatch by hand (the test assigns), no other bookings, check-in on time all day (the
// test runs whenever it runs): only the distance decides the fence.
const TOML = `
[dispatch]
mode = "manual"

[demo]
booked_per_day = 0

[visit.check_in]
radius_m = 300
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

/**
 * A cleaner living at `address`, active and on shift all day every day (so that today's
 * last windows can still be booked and served), whose phone the test knows. Their id.
 */
async function enrolCleaner(admin, address, phone) {
  const w = await call(
    'POST',
    '/api/v1/admin/workers',
    { phone, name: '测试师傅', gender: 'female', area_code: address.area_code, home_lat: address.lat, home_lng: address.lng, skills: [{ skill: 'cleaning', level: 5 }] },
    admin,
  );
  assert.equal(w.status, 201, JSON.stringify(w.body));
  for (const [path, body] of [
    [`/api/v1/admin/workers/${w.body.id}/status`, { status: 'active' }],
    [`/api/v1/admin/workers/${w.body.id}/shifts`, { shifts: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start_minute: 0, end_minute: 1439 })) }],
  ]) {
    const r = await call('PUT', path, body, admin);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  return w.body.id;
}

/** The test's worker's phone (not one of the demo city's). */
const WORKER_PHONE = '19900002468';

const shot = (page, name, fullPage = false) => page.screenshot({ path: join(OUT, `visit-walk-${name}.png`), fullPage });

/** `m` metres north of `p` (WGS-84; 1° of latitude is about 111 km). */
const north = (p, m) => ({ latitude: p.lat + m / 111_195, longitude: p.lng, accuracy: 100 });

test('the worker walks a visit; the customer follows it live, confirms an extra, pays, confirms and reviews', async (t) => {
  const staff = await call('POST', '/api/v1/public/auth/staff/login', { login: 'admin', password: demo.staffPassword });
  assert.equal(staff.status, 200, JSON.stringify(staff.body));
  const admin = staff.body.access_token;
  // The customer's phone (its token serves the test's API calls too: a second code would
  // wait for the SMS cool-down).
  const cctx = await browser.newContext(PHONE);
  const c = await cctx.newPage();
  await otpLogin(c, `${demo.base}/login`, demo.customerPhone, 'home-page');
  const customer = await c.evaluate(() => JSON.parse(localStorage.getItem('daojia.customer.tokens')).accessToken);
  const address = (await call('GET', '/api/v1/customer/addresses', undefined, customer)).body[0];
  const workerId = await enrolCleaner(admin, address, WORKER_PHONE);

  // A cleaning today (the demo pays it), assigned to the test's worker by hand.
  const items = [{ item: 'daily_cleaning' }];
  const slots = await call('POST', '/api/v1/customer/slots', { items, address_id: address.id, days: 1 }, customer);
  assert.equal(slots.status, 200, JSON.stringify(slots.body));
  let order = null;
  for (const w of slots.body.days[0]?.windows.filter((x) => x.available) ?? []) {
    const placed = await call('POST', '/api/v1/customer/orders', { items, address_id: address.id, window_start: w.start }, customer, { 'idempotency-key': `walk-${w.start}` });
    if (placed.status === 201) {
      order = placed.body;
      break;
    }
  }
  if (!order) {
    await cctx.close();
    t.skip('no window is left today: the worker app takes visit steps on today’s jobs');
    return;
  }
  const assigned = await call('POST', `/api/v1/admin/orders/${order.id}/assign`, { worker_id: workerId, override_reason: '浏览器测试：指定师傅' }, admin);
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));

  // The worker's phone, 1.2 km south of the address, online with tracking consent.
  const home = { lat: address.lat, lng: address.lng };
  const wctx = await browser.newContext({ ...PHONE, geolocation: north(home, -1200), permissions: ['geolocation'] });
  const w = await wctx.newPage();
  await otpLogin(w, `${demo.base}/worker/`, WORKER_PHONE, 'account-card');
  const worker = await w.evaluate(() => JSON.parse(localStorage.getItem('daojia.worker.tokens')).accessToken);
  for (const [path, body] of [
    ['/api/v1/worker/me/tracking-consent', { granted: true }],
    ['/api/v1/worker/me/presence', { online: true, accepting: false }],
  ]) {
    const r = await call('PUT', path, body, worker);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  await c.goto(`${demo.base}/orders/${order.id}`);
  await c.getByTestId('order-page').waitFor();

  await w.getByTestId('tab-today').click();
  const job = w.locator(`[data-testid="today-job"][data-order="${order.id}"]`);
  await job.waitFor({ timeout: 15_000 });
  const step = (s) => job.locator(`[data-testid="visit-actions"][data-step="${s}"]`).waitFor({ timeout: 15_000 });
  await step('depart');
  await job.getByTestId('visit-depart').click();
  await step('check_in');

  // The customer sees where the worker is and when they will be there.
  const card = c.getByTestId('worker-position');
  // Positions from departure on are the visit's (the phone's fix from before is not).
  await w.waitForTimeout(4_500);
  await wctx.setGeolocation(north(home, -1180));
  await card.waitFor({ timeout: 20_000 });
  await c.getByTestId('worker-map').locator('.daojia-pin').waitFor({ timeout: 15_000 });
  const first = { lat: Number(await card.getAttribute('data-lat')), eta: Number(await card.getAttribute('data-eta-secs')) };
  assert.ok(first.eta > 0, `an ETA: ${first.eta}`);
  assert.ok(Math.abs(first.lat - north(home, -1180).latitude) < 0.002, `the marker where the worker is: ${first.lat}`);
  await shot(c, '1-on-the-way', true);

  // The worker walks north, 250 m every 5 s (a new position is sent at most every 4 s).
  for (const m of [-950, -700, -450]) {
    await w.waitForTimeout(5_000);
    await wctx.setGeolocation(north(home, m));
  }
  await c.waitForFunction(
    (lat) => Number(document.querySelector('[data-testid="worker-position"]')?.getAttribute('data-lat')) > lat + 0.005,
    first.lat,
    { timeout: 20_000 },
  );
  const last = { lat: Number(await card.getAttribute('data-lat')), eta: Number(await card.getAttribute('data-eta-secs')) };
  assert.ok(last.eta < first.eta, `the ETA came down: ${first.eta} s → ${last.eta} s`);
  assert.ok(Math.abs(last.lat - north(home, -450).latitude) < 0.002, `the marker moved with the worker: ${first.lat} → ${last.lat}`);
  await shot(c, '2-closer', true);

  // Check-in 450 m away: the server refuses it; with a reason and a photo it is accepted.
  // A step closer, so that the phone's last fix is fresh (an emulated phone gives one when
  // the position changes).
  await wctx.setGeolocation(north(home, -448));
  await job.getByTestId('visit-check-in').click();
  const sheet = w.getByTestId('check-in-sheet');
  const distance = sheet.getByTestId('check-in-distance');
  await distance.waitFor({ timeout: 15_000 });
  assert.ok(Number(await distance.getAttribute('data-metres')) > 300, 'outside the fence');
  const refused = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/jobs/${order.id}/check-in`) && r.request().method() === 'POST');
  await sheet.getByTestId('check-in-submit').click();
  assert.equal((await refused).status(), 422, 'refused outside the fence');
  await sheet.getByTestId('check-in-server').waitFor();
  assert.match(await sheet.getByTestId('check-in-server').innerText(), /m from the address \(allowed: 300 m\)/);
  await sheet.locator('[data-testid="check-in-reason"] textarea').fill('小区封闭施工，只能在北门外等候');
  await sheet.getByTestId('check-in-photo').setInputFiles(join(ROOT, 'web', 'worker', 'public', 'icons', 'icon-192.png'));
  await shot(w, '3-check-in-reason');
  const accepted = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/jobs/${order.id}/check-in`) && r.request().method() === 'POST');
  await sheet.getByTestId('check-in-submit').click();
  const checkedIn = await accepted;
  assert.equal(checkedIn.status(), 200, await checkedIn.text());
  assert.equal((await checkedIn.json()).check_in.flagged, true, 'flagged for operations');
  await step('start');

  // The door check code from the customer's page starts the service.
  const digits = c.getByTestId('door-code-digits');
  await digits.waitFor({ timeout: 15_000 });
  await card.waitFor({ state: 'detached', timeout: 15_000 });
  const code = await digits.getAttribute('data-code');
  await shot(c, '4-door-code', true);
  await job.locator('[data-testid="visit-code"] input').fill(code);
  await job.getByTestId('visit-start').click();
  await step('finish');

  // An extra item: the worker proposes it, the customer confirms it, the bill grows.
  const before = (await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, customer)).body;
  await job.getByTestId('extra-add').click();
  const extraSheet = w.getByTestId('extra-sheet');
  const choice = extraSheet.locator('[data-testid^="extra-item-"]').first();
  await choice.waitFor();
  await choice.click();
  await extraSheet.getByTestId('extra-submit').click();
  await job.locator('[data-testid="job-extra"][data-status="proposed"]').waitFor({ timeout: 15_000 });
  await shot(w, '5-extra-proposed', true);
  const extra = c.locator('[data-testid="order-extra"][data-status="proposed"]');
  await extra.waitFor({ timeout: 15_000 });
  await shot(c, '6-extra-to-confirm', true);
  await extra.getByTestId('extra-confirm').click();
  await c.locator('[data-testid="order-extra"][data-status="confirmed"]').waitFor({ timeout: 15_000 });
  await job.locator('[data-testid="job-extra"][data-status="confirmed"]').waitFor({ timeout: 15_000 });
  const [added] = (await call('GET', `/api/v1/customer/orders/${order.id}/extras`, undefined, customer)).body;
  const grown = (await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, customer)).body;
  assert.equal(grown.total_fen, before.total_fen + added.total_fen, 'the bill grew by the extra');
  assert.equal(grown.lines.length, before.lines.length + 1, 'the extra is a line of the order');

  // Finished; the customer pays the balance (the extra) from the wallet, confirms, reviews.
  const finished = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/jobs/${order.id}/finish`) && r.request().method() === 'POST');
  await job.getByTestId('visit-finish').click();
  await w.locator('.van-dialog__confirm').click();
  assert.equal((await finished).status(), 200);
  await shot(w, '7-finished', true);
  await c.getByTestId('pay-order').waitFor({ timeout: 15_000 });
  await c.getByTestId('pay-order').click();
  await c.getByTestId('pay-sheet').getByTestId('pay-channel-wallet').click();
  assert.equal(Number(await c.getByTestId('pay-sheet').getByTestId('pay-amount').getAttribute('data-fen')), added.total_fen, 'the balance is the extra');
  await c.getByTestId('pay-sheet').getByTestId('pay-submit').click();
  await c.getByTestId('confirm-order').waitFor({ timeout: 15_000 });
  const confirmed = c.waitForResponse((r) => r.url().endsWith(`/api/v1/customer/orders/${order.id}/confirm`) && r.request().method() === 'POST');
  await c.getByTestId('confirm-order').click();
  await c.locator('.van-dialog__confirm').click();
  assert.equal((await confirmed).status(), 200);
  await c.getByTestId('review-write').click();
  await c.locator('[data-testid="review-stars"] .van-rate__item').nth(4).click();
  await c.locator('[data-testid="review-text-input"] textarea').fill('师傅准时到达，加项也提前说明了价格。');
  await c.getByTestId('review-submit').click();
  await c.getByTestId('review-rating').waitFor({ timeout: 15_000 });
  assert.equal(await c.getByTestId('review-rating').getAttribute('data-rating'), '5');
  await shot(c, '8-reviewed', true);

  const done = (await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, customer)).body;
  assert.equal(done.state, 'completed', JSON.stringify(done));
  assert.equal(done.paid_fen, done.total_fen);
  await wctx.close();
  await cctx.close();
});
