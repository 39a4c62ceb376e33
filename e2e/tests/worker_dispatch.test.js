// Automatic dispatch from the worker's side. Staff enrol a worker at the demo customer's
// address (the test needs a worker whose phone it knows: staff only ever see phones
// masked) and make them the one worker qualified for cleaning (a certificate kind the
// item requires, held by them alone), so the engine's choice is certain; the test still
// reads whom the order was offered to from the console's dispatch history. The worker
// logs in to the worker app on a phone and goes online; the customer books and pays a
// cleaning (through the API); the offer appears on the open Offers tab by itself, its
// countdown running and the address masked; the worker accepts it and finds it in
// today's (or tomorrow's) jobs with the full address; a dispatcher sees the order on that
// worker's timeline on the console's board. Screenshots go to
// test-output/e2e/worker-dispatch-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP, OUT, PHONE, ROOT, launch, otpLogin, staffLogin, startDemo } from '../support.js';

let demo;
let browser;

before(async () => {
  // Automatic dispatch (the demo's default, said out loud), with offers that wait long
  // enough for a browser test to answer them. No booked today and tomorrow: the test's
  // worker becomes the city's only cleaner, and every cleaning booked would be theirs.
  demo = await startDemo({ toml: '[dispatch]\nmode = "auto"\noffer_timeout_secs = 900\n\n[demo]\nbooked_per_day = 0\n' });
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

const shot = (page, name, fullPage = false) => page.screenshot({ path: join(OUT, `worker-dispatch-${name}.png`), fullPage });

/** Logs the demo customer in through the API; their access token. */
async function customerToken() {
  const sent = await call('POST', '/api/v1/public/auth/otp', { phone: demo.customerPhone, audience: 'customer' });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const login = await call('POST', '/api/v1/public/auth/otp/verify', { phone: demo.customerPhone, code: sent.body.dev_code, audience: 'customer' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.access_token;
}

/** The demo customer's first saved address. */
async function customerAddress(token) {
  const addresses = await call('GET', '/api/v1/customer/addresses', undefined, token);
  assert.equal(addresses.status, 200, JSON.stringify(addresses.body));
  return addresses.body[0];
}

/** A certificate kind only the test's worker holds. */
const KIND = 'e2e_cleaning_permit';
/** The test's worker's phone (not one of the demo city's). */
const WORKER_PHONE = '19900001234';

/**
 * Enrols a worker living at `address`, active, on shift every day from 06:00 to 23:00,
 * skilled in cleaning and the only one holding the certificate daily cleaning now needs.
 * Returns the worker's id.
 */
async function enrolSoleCleaner(token, address) {
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
      name: '测试师傅',
      gender: 'female',
      area_code: address.area_code,
      home_lat: address.lat,
      home_lng: address.lng,
      skills: [{ skill: 'cleaning', level: 5 }],
    },
    token,
  );
  assert.equal(w.status, 201, JSON.stringify(w.body));
  const id = w.body.id;
  const steps = [
    ['PUT', `/api/v1/admin/workers/${id}/status`, { status: 'active' }],
    ['PUT', `/api/v1/admin/workers/${id}/shifts`, { shifts: [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday, start_minute: 360, end_minute: 1380 })) }],
  ];
  for (const [method, path, body] of steps) {
    const r = await call(method, path, body, token);
    assert.equal(r.status, 200, `${path}: ${JSON.stringify(r.body)}`);
  }
  const cert = await call('POST', `/api/v1/admin/workers/${id}/certificates`, { kind: KIND, upload_id: upload.id }, token);
  assert.equal(cert.status, 201, JSON.stringify(cert.body));
  const approved = await call('POST', `/api/v1/admin/workers/${id}/certificates/${cert.body.id}/review`, { decision: 'approve' }, token);
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const required = await call('PUT', '/api/v1/admin/catalog/items/daily_cleaning/certificates', { kinds: [KIND] }, token);
  assert.equal(required.status, 200, JSON.stringify(required.body));
  return id;
}

/**
 * Books a daily cleaning at `address` in the first free window of today or tomorrow (both
 * within the dispatch horizon, so the engine offers it at once). The demo pays it.
 * Returns the order, the window's local date and whether that is today.
 */
async function bookAndPay(token, address, key = 'a') {
  const items = [{ item: 'daily_cleaning' }];
  const slots = await call('POST', '/api/v1/customer/slots', { items, address_id: address.id, days: 2 }, token);
  assert.equal(slots.status, 200, JSON.stringify(slots.body));
  for (const [k, day] of slots.body.days.entries()) {
    for (const w of day.windows.filter((x) => x.available)) {
      const placed = await call('POST', '/api/v1/customer/orders', { items, address_id: address.id, window_start: w.start }, token, {
        'idempotency-key': `worker-dispatch-${key}-${w.start}`,
      });
      if (placed.status === 201) {
        assert.equal(placed.body.state, 'pending_dispatch', 'the demo pays the order itself');
        return { order: placed.body, date: day.date, today: k === 0 };
      }
      assert.equal(placed.status, 409, JSON.stringify(placed.body));
    }
  }
  assert.fail('the demo customer has a free window today or tomorrow');
}

/** Waits until the engine has offered order `id`; the open offer (with its worker). */
async function offerOf(id, token) {
  const deadline = Date.now() + 30_000;
  let last;
  while (Date.now() < deadline) {
    last = await call('GET', `/api/v1/admin/orders/${id}/dispatch`, undefined, token);
    assert.equal(last.status, 200, JSON.stringify(last.body));
    const open = last.body.offers.find((o) => o.status === 'open');
    if (open) return open;
    const decided = last.body.decisions.at(-1);
    assert.ok(!decided || decided.outcome === 'offered', `the engine offered the order to nobody: ${JSON.stringify(decided)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.fail(`no offer for ${id} within 30 s: ${JSON.stringify(last?.body)}`);
}

test('a paid order is offered to a worker, who accepts it in the worker app; it lands on their board timeline', async () => {
  const staff = await call('POST', '/api/v1/public/auth/staff/login', { login: 'dispatcher', password: demo.staffPassword });
  assert.equal(staff.status, 200, JSON.stringify(staff.body));
  const dispatcher = staff.body.access_token;
  const admin = await call('POST', '/api/v1/public/auth/staff/login', { login: 'admin', password: demo.staffPassword });
  assert.equal(admin.status, 200, JSON.stringify(admin.body));
  const customer = await customerToken();
  const address = await customerAddress(customer);
  const workerId = await enrolSoleCleaner(admin.body.access_token, address);

  // --- The worker, on a phone: log in, go online and take orders, open the Offers tab.
  const phone = await browser.newContext(PHONE);
  const w = await phone.newPage();
  await otpLogin(w, `${demo.base}/worker/`, WORKER_PHONE, 'account-card');
  await w.getByTestId('tabbar').waitFor();
  const online = w.getByTestId('presence-online');
  await online.click();
  await w.waitForFunction(() => document.querySelector('[data-testid="presence-online"]')?.getAttribute('aria-checked') === 'true');
  const saved = w.waitForResponse((r) => r.url().endsWith('/api/v1/worker/me/presence') && r.request().method() === 'PUT');
  await w.getByTestId('presence-mode').getByText('接单').click();
  assert.equal((await saved).status(), 200);
  const me = await call('GET', `/api/v1/admin/workers/${workerId}`, undefined, admin.body.access_token);
  assert.deepEqual([me.body.online, me.body.accepting], [true, true], 'online and taking orders');
  await w.getByTestId('tab-offers').click();
  await w.getByTestId('offers-page').waitFor();
  await w.getByTestId('offers-live').waitFor({ timeout: 15_000 });
  await w.getByTestId('state-empty').waitFor();

  // --- The customer books and pays; the engine offers the order (to whom, the console says).
  const { order, date, today } = await bookAndPay(customer, address);
  const offer = await offerOf(order.id, dispatcher);
  assert.equal(offer.worker_id, workerId, 'offered to the one worker qualified for it');

  // The offer appears without a reload: countdown running, address masked.
  const card = w.locator(`[data-testid="offer"][data-order="${order.id}"]`);
  await card.waitFor({ timeout: 15_000 });
  const countdown = card.getByTestId('offer-countdown');
  assert.match(await countdown.innerText(), /剩余 \d+:\d{2}/);
  const first = Number(await countdown.getAttribute('data-seconds'));
  assert.ok(first > 0 && first <= 900, `${first} s left`);
  await w.waitForFunction(
    ([sel, s]) => Number(document.querySelector(sel)?.getAttribute('data-seconds')) < s,
    [`[data-testid="offer"][data-order="${order.id}"] [data-testid="offer-countdown"]`, first],
    { timeout: 5_000 },
  );
  assert.match(await card.getByTestId('job-service').innerText(), /日常保洁/);
  assert.match(await card.getByTestId('job-address').innerText(), /\*\*\*/, 'the address is masked until accepted');
  assert.match(await card.getByTestId('job-distance').innerText(), /\d+(\.\d)? ?(米|公里)/);
  await shot(w, '1-offer');

  // Accept.
  const accepted = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/offers/${offer.id}/accept`) && r.request().method() === 'POST');
  await card.getByTestId('offer-accept').click();
  const answer = await accepted;
  assert.equal(answer.status(), 200, await answer.text());
  await w.locator(`[data-testid="offer-accepted"][data-order="${order.id}"]`).waitFor();
  await card.waitFor({ state: 'detached' });
  await shot(w, '2-accepted');

  // Today's (or tomorrow's) jobs: the order, with the full address.
  await w.getByTestId('offer-accepted-today').click();
  await w.getByTestId('today-page').waitFor();
  if (!today) await w.getByTestId('today-days').getByText('明天').click();
  const job = w.locator(`[data-testid="today-job"][data-order="${order.id}"]`);
  await job.waitFor({ timeout: 15_000 });
  assert.doesNotMatch(await job.getByTestId('job-address').innerText(), /\*\*\*/, 'the address is in full once accepted');
  assert.equal(await job.getByTestId('today-state').innerText(), '待出发');
  await job.getByTestId('today-leg').waitFor();
  await w.locator('.van-toast').waitFor({ state: 'hidden' });
  await shot(w, '3-today', true);

  // --- A second order: the worker declines it with a reason; nobody else may take it, so
  // it goes to the grab pool, where the worker (declining an offer keeps grab rights)
  // claims it after all.
  const second = await bookAndPay(customer, address, 'b');
  const offer2 = await offerOf(second.order.id, dispatcher);
  assert.equal(offer2.worker_id, workerId);
  await w.getByTestId('tab-offers').click();
  const card2 = w.locator(`[data-testid="offer"][data-order="${second.order.id}"]`);
  await card2.waitFor({ timeout: 15_000 });
  await card2.getByTestId('offer-reject').click();
  const sheet = w.getByTestId('reject-sheet');
  await sheet.waitFor();
  await sheet.getByTestId('reject-reason-too_far').click();
  await sheet.locator('[data-testid="reject-note"] textarea, textarea[data-testid="reject-note"]').first().fill('下午在浦东');
  await shot(w, '4-reject');
  const rejected = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/offers/${offer2.id}/reject`) && r.request().method() === 'POST');
  await sheet.getByTestId('reject-submit').click();
  assert.equal((await rejected).status(), 200);
  await card2.waitFor({ state: 'detached' });
  const history = await call('GET', `/api/v1/admin/orders/${second.order.id}/dispatch`, undefined, dispatcher);
  const answered = history.body.offers.find((x) => x.id === offer2.id);
  assert.equal(answered.status, 'rejected');
  assert.equal(answered.reason, '距离太远：下午在浦东', 'the reason and the worker’s words reach the console');

  await w.getByTestId('tab-grab').click();
  await w.getByTestId('grab-page').waitFor();
  const pooled = w.locator(`[data-testid="pooled"][data-order="${second.order.id}"]`);
  // The pool reloads every 15 s: the order shows up once the engine has put it there.
  await pooled.waitFor({ timeout: 30_000 });
  await w.getByTestId('grab-order').getByText('时间优先').click();
  await pooled.waitFor();
  await shot(w, '5-grab');
  const claimed = w.waitForResponse((r) => r.url().endsWith(`/api/v1/worker/grab-pool/${second.order.id}/claim`) && r.request().method() === 'POST');
  await pooled.getByTestId('pooled-claim').click();
  assert.equal((await claimed).status(), 200);
  await pooled.waitFor({ state: 'detached' });
  const o2 = await call('GET', `/api/v1/admin/orders/${second.order.id}`, undefined, dispatcher);
  assert.equal(o2.body.state, 'accepted', JSON.stringify(o2.body));
  assert.equal(o2.body.worker_id, workerId);
  await w.getByTestId('tab-today').click();
  if (!second.today) await w.getByTestId('today-days').getByText('明天').click();
  await w.locator(`[data-testid="today-job"][data-order="${second.order.id}"]`).waitFor({ timeout: 15_000 });

  const o = await call('GET', `/api/v1/admin/orders/${order.id}`, undefined, dispatcher);
  assert.equal(o.body.state, 'accepted', JSON.stringify(o.body));
  assert.equal(o.body.worker_id, workerId);

  // --- The dispatcher's board: the order on that worker's timeline.
  const desk = await browser.newContext({ ...DESKTOP, viewport: { width: 1440, height: 1200 } });
  const s = await desk.newPage();
  await staffLogin(s, demo.base, 'dispatcher', demo.staffPassword);
  await s.goto(`${demo.base}/admin/board?area=${o.body.area_code}&date=${date}`);
  await s.getByTestId('board-timeline').waitFor({ timeout: 15_000 });
  const row = s.locator(`[data-testid="timeline-row"][data-row="${workerId}"]`);
  await row.locator(`[data-testid="timeline-job"][data-key="${order.id}"]`).waitFor({ timeout: 15_000 });
  await row.scrollIntoViewIfNeeded();
  await shot(s, '6-board', true);

  await desk.close();
  await phone.close();
});
