// A dispatcher plans a demo day in the console: orders are booked and paid in one area
// through the API (the demo pays itself), then the dispatcher opens route planning for that
// area and day, runs it, follows the progress and sees the routes on the map, a timeline per
// worker and the totals against the current assignment; then commits the plan through the
// confirmation (what will change) and sees it committed, its orders assigned to the routes'
// workers and the plan listed as committed. Screenshots go to test-output/e2e/planning-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, launch, staffLogin, startDemo } from '../support.js';

let demo;
let browser;

before(async () => {
  demo = await startDemo();
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

/** Books `items` for the demo customer in the day after tomorrow's open windows; returns the area and date. */
async function book(items) {
  const sent = await call('POST', '/api/v1/public/auth/otp', { phone: demo.customerPhone, audience: 'customer' });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const login = await call('POST', '/api/v1/public/auth/otp/verify', { phone: demo.customerPhone, code: sent.body.dev_code, audience: 'customer' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.access_token;
  const addresses = await call('GET', '/api/v1/customer/addresses', undefined, token);
  const home = addresses.body[0];
  // A few more addresses around the first, kept when they are in the same area.
  const places = [home];
  for (const [dlat, dlng] of [[0.008, 0.002], [-0.004, 0.01], [-0.009, -0.006]]) {
    const r = await call(
      'POST',
      '/api/v1/customer/addresses',
      { contact_name: home.contact_name, contact_phone: demo.customerPhone, address: home.address, house_number: `${places.length}号楼`, lat: home.lat + dlat, lng: home.lng + dlng },
      token,
    );
    if (r.status === 201 && r.body.area_code === home.area_code) places.push(r.body);
  }
  let date;
  let booked = 0;
  for (const [k, item] of items.entries()) {
    const address = places[k % places.length];
    const slots = await call('POST', '/api/v1/customer/slots', { items: [{ item }], address_id: address.id, days: 3 }, token);
    assert.equal(slots.status, 200, JSON.stringify(slots.body));
    const day = slots.body.days[2];
    date = day.date;
    const open = day.windows.filter((w) => w.available);
    if (!open.length) continue;
    const w = open[(k * 3) % open.length];
    const placed = await call('POST', '/api/v1/customer/orders', { items: [{ item }], address_id: address.id, window_start: w.start }, token, {
      'idempotency-key': `plan-e2e-${k}`,
    });
    if (placed.status === 201) booked += 1;
  }
  return { area: home.area_code, date, booked };
}

test('a dispatcher runs route planning for a booked demo day and sees routes, timelines and totals', async () => {
  const { area, date, booked } = await book(['ac_repair', 'daily_cleaning', 'pet_bath', 'manicure', 'car_wash', 'washer_repair', 'window_cleaning', 'massage']);
  assert.ok(booked >= 5, `booked ${booked} orders`);
  assert.match(date, /^\d{4}-\d{2}-\d{2}$/);

  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await staffLogin(page, demo.base, 'dispatcher', demo.staffPassword);
  await page.getByTestId('menu-plans').click();
  await page.getByTestId('plan-empty').waitFor();
  await page.goto(`${demo.base}/admin/plans?area=${area}&date=${date}`);
  await page.getByTestId('plan-empty').waitFor();
  await page.locator('[data-testid="plan-seconds"] input').fill('2');
  await page.getByTestId('plan-run').click();
  await page.getByTestId('plan-progress').waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(OUT, 'planning-progress.png') });

  await page.getByTestId('plan-timeline').waitFor({ timeout: 30_000 });
  assert.match(page.url(), /plan=[0-9a-f-]{36}/, 'the plan id is in the address');
  const rows = await page.getByTestId('timeline-row').count();
  assert.ok(rows >= 1, `${rows} workers on the timeline`);
  await page.locator('.route-map__stop').first().waitFor();
  const stops = await page.locator('.route-map__stop').count();
  const leftOut = await page.locator('[data-testid="plan-unassigned"] tbody tr').count();
  assert.ok(stops >= 1, `${stops} stops on the map`);
  const totals = await page.getByTestId('plan-totals').innerText();
  assert.match(totals, /订单/);
  assert.match(totals, /行驶公里/);
  assert.ok(stops + leftOut >= booked, `${stops} on routes and ${leftOut} left out for ${booked} booked`);
  assert.equal(await page.getByTestId('plan-run').isDisabled(), false, 'the dispatcher may plan again');
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(OUT, 'planning-plan.png'), fullPage: true });

  // A reload finds the plan again by its id (the server stores it).
  await page.reload();
  await page.getByTestId('plan-timeline').waitFor({ timeout: 15_000 });

  // Commit: the confirmation says what will change, then the page shows the committed plan.
  const planId = new URL(page.url()).searchParams.get('plan');
  await page.getByTestId('plan-commit').click();
  await page.getByTestId('commit-preview').waitFor();
  const assign = Number(await page.getByTestId('commit-assign').innerText());
  assert.ok(assign >= 1, `${assign} orders to assign`);
  assert.equal(assign, await page.locator('.route-map__stop').count(), 'every order on a route is assigned');
  await page.waitForTimeout(500); // the dialog's opening animation
  await page.screenshot({ path: join(OUT, 'planning-commit-confirm.png') });
  await page.getByTestId('commit-confirm').click();
  await page.getByTestId('plan-committed').waitFor({ timeout: 15_000 });
  const committed = await page.getByTestId('plan-committed').innerText();
  assert.match(committed, /已于 .* 下发：派单 \d+/);
  assert.equal(await page.getByTestId('plan-commit').count(), 0, 'a committed plan is not committed again');
  await page.getByTestId('plan-recent-status').first().waitFor();
  assert.equal(await page.getByTestId('plan-recent-status').first().innerText(), '已下发');
  await page.screenshot({ path: join(OUT, 'planning-committed.png'), fullPage: true });

  // The orders are now the routes' workers'.
  const login = await call('POST', '/api/v1/public/auth/staff/login', { login: 'dispatcher', password: demo.staffPassword });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.access_token;
  const shown = await call('GET', `/api/v1/admin/plans/${planId}`, undefined, token);
  assert.equal(shown.body.status, 'committed');
  assert.equal(shown.body.commit.assigned, assign);
  for (const route of shown.body.plan.routes) {
    for (const stop of route.stops.filter((x) => x.kind === 'order' && !x.elsewhere)) {
      const o = await call('GET', `/api/v1/admin/orders/${stop.order_id}`, undefined, token);
      assert.equal(o.body.state, 'accepted', JSON.stringify(o.body));
      assert.equal(o.body.worker_id, route.worker_id);
    }
  }
  await ctx.close();
});
