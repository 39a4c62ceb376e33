// The worker app without a network (issue 11's acceptance, "Offline queue"): with the
// connection cut (the context offline and every request aborted, the service worker's
// included), the worker sets off and checks in at the door; the app shows both steps
// queued and the job at its next step, and keeps them through a reload while still
// offline (the app opens from its service worker, the day as last loaded). Back online,
// the steps reach the server in the order taken, each with the phone's time of it; the
// same again for starting with the door check code and finishing. Screenshots go to
// test-output/e2e/offline-*.png.
//
// Through the API, where it is not what is tested: enrolling the test's worker (on shift
// all day), booking (the demo pays it) and assigning the worker by hand. The visit's steps
// are on today's jobs: run when a window is left today (until about 20:00 in Shanghai).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { OUT, PHONE, launch, otpLogin, startDemo } from '../support.js';

// Requests a service worker makes go through `context.route` too (Chromium), so that
// "offline" cuts them as well.
process.env.PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS = '1';

let demo;
let browser;

const TOML = `
[dispatch]
mode = "manual"

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

async function otpToken(phone, audience) {
  const sent = await call('POST', '/api/v1/public/auth/otp', { phone, audience });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const login = await call('POST', '/api/v1/public/auth/otp/verify', { phone, code: sent.body.dev_code, audience });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.access_token;
}

/** The test's worker's phone (not one of the demo city's). */
const WORKER_PHONE = '19900003579';

const shot = (page, name, fullPage = false) => page.screenshot({ path: join(OUT, `offline-${name}.png`), fullPage });

const abort = (route) => route.abort('internetdisconnected');
async function offline(ctx) {
  await ctx.setOffline(true);
  await ctx.route('**', abort);
}
async function online(ctx) {
  await ctx.unroute('**', abort);
  await ctx.setOffline(false);
}

test('steps taken offline are kept through a reload and reach the server in order once back online', async (t) => {
  const staff = await call('POST', '/api/v1/public/auth/staff/login', { login: 'admin', password: demo.staffPassword });
  assert.equal(staff.status, 200, JSON.stringify(staff.body));
  const customer = await otpToken(demo.customerPhone, 'customer');
  const address = (await call('GET', '/api/v1/customer/addresses', undefined, customer)).body[0];
  const workerId = await enrolCleaner(staff.body.access_token, address, WORKER_PHONE);

  const items = [{ item: 'daily_cleaning' }];
  const slots = await call('POST', '/api/v1/customer/slots', { items, address_id: address.id, days: 1 }, customer);
  assert.equal(slots.status, 200, JSON.stringify(slots.body));
  let order = null;
  for (const w of slots.body.days[0]?.windows.filter((x) => x.available) ?? []) {
    const placed = await call('POST', '/api/v1/customer/orders', { items, address_id: address.id, window_start: w.start }, customer, { 'idempotency-key': `offline-${w.start}` });
    if (placed.status === 201) {
      order = placed.body;
      break;
    }
  }
  if (!order) {
    t.skip('no window is left today: the worker app takes visit steps on today’s jobs');
    return;
  }
  const assigned = await call('POST', `/api/v1/admin/orders/${order.id}/assign`, { worker_id: workerId, override_reason: '浏览器测试：指定师傅' }, staff.body.access_token);
  assert.equal(assigned.status, 200, JSON.stringify(assigned.body));

  // The worker at the door (inside the fence), the app installed (its service worker in control).
  const ctx = await browser.newContext({ ...PHONE, geolocation: { latitude: address.lat, longitude: address.lng, accuracy: 15 }, permissions: ['geolocation'] });
  const w = await ctx.newPage();
  await otpLogin(w, `${demo.base}/worker/`, WORKER_PHONE, 'account-card');
  await w.waitForFunction(() => navigator.serviceWorker?.controller !== null && navigator.serviceWorker?.controller !== undefined, null, { timeout: 20_000 });
  await w.getByTestId('tab-today').click();
  const job = w.locator(`[data-testid="today-job"][data-order="${order.id}"]`);
  await job.waitFor({ timeout: 15_000 });
  const step = (s) => job.locator(`[data-testid="visit-actions"][data-step="${s}"]`).waitFor({ timeout: 15_000 });
  const queued = (n) => job.locator(`[data-testid="job-queued"][data-count="${n}"]`).waitFor({ timeout: 15_000 });
  await step('depart');

  // --- Offline: set off, check in.
  await offline(ctx);
  await w.getByTestId('sync-offline').waitFor();
  const tookDepart = Date.now();
  await job.getByTestId('visit-depart').click();
  await queued(1);
  await step('check_in');
  await job.getByTestId('visit-check-in').click();
  const sheet = w.getByTestId('check-in-sheet');
  await sheet.getByTestId('check-in-fence').waitFor({ timeout: 15_000 });
  await sheet.getByTestId('check-in-submit').click();
  await queued(2);
  await step('start');
  assert.deepEqual(await w.getByTestId('sync-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind'))), ['depart', 'check_in']);
  await shot(w, '1-queued', true);
  assert.equal((await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, customer)).body.state, 'accepted', 'nothing reached the server');

  // A reload while offline: the app opens from its service worker, the queue is still there.
  await w.reload();
  await w.getByTestId('today-page').waitFor({ timeout: 20_000 });
  await w.getByTestId('today-offline').waitFor({ timeout: 15_000 });
  await queued(2);
  await step('start');
  await shot(w, '2-reloaded-offline', true);
  await w.waitForTimeout(1_500);

  // --- Back online: both steps go, in order, with the phone's times.
  await online(ctx);
  await w.getByTestId('sync-bar').waitFor({ state: 'detached', timeout: 20_000 });
  await step('start');
  assert.equal(await job.getByTestId('job-queued').count(), 0);
  let o = (await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, customer)).body;
  assert.equal(o.state, 'arrived', JSON.stringify(o.events));
  const visit = o.events.filter((e) => ['depart', 'check_in'].includes(e.action));
  assert.deepEqual(
    visit.map((e) => e.action),
    ['depart', 'check_in'],
    'applied in the order taken',
  );
  for (const e of visit) {
    assert.ok(e.device_at, `the phone's time is recorded: ${JSON.stringify(e)}`);
    assert.ok(Date.parse(e.device_at) < Date.parse(e.at) - 1000, `taken (${e.device_at}) before it reached the server (${e.at})`);
  }
  assert.ok(Math.abs(Date.parse(visit[0].device_at) - tookDepart) < 5_000, 'the departure’s time is when the worker tapped it');
  assert.ok(Date.parse(visit[0].device_at) <= Date.parse(visit[1].device_at));
  await shot(w, '3-synced', true);

  // --- Offline again: start with the door check code the customer reads out, and finish.
  const code = (await call('GET', `/api/v1/customer/orders/${order.id}/door-code`, undefined, customer)).body.code;
  await offline(ctx);
  await w.getByTestId('sync-offline').waitFor();
  await job.locator('[data-testid="visit-code"] input').fill(code);
  await job.getByTestId('visit-start').click();
  await queued(1);
  await step('finish');
  await job.getByTestId('visit-finish').click();
  await w.locator('.van-dialog__confirm').click();
  await queued(2);
  await step('none');
  await shot(w, '4-queued-again', true);
  await online(ctx);
  await w.getByTestId('sync-bar').waitFor({ state: 'detached', timeout: 20_000 });
  o = (await call('GET', `/api/v1/customer/orders/${order.id}`, undefined, customer)).body;
  assert.equal(o.state, 'pending_settlement', JSON.stringify(o.events));
  assert.deepEqual(
    o.events.filter((e) => e.actor === 'worker').map((e) => e.action),
    ['depart', 'check_in', 'start_service', 'finish_service'],
  );
  assert.ok(o.events.filter((e) => e.actor === 'worker').every((e) => e.device_at));
  await ctx.close();
});
