// A customer books a demo service end to end on a phone-sized screen and finds it in their
// orders; staff move it to another window in the console; the customer sees the new window.
// After the visit, staff decide the customer's after-sales case as a rework visit at a
// window from the order's slots, and the rework order and the original link to each other.
// Screenshots of each step go to test-output/e2e/booking-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, PHONE, launch, otpLogin, staffLogin, startDemo } from '../support.js';

let demo;
let browser;
/** The order the first test places (the second takes it through after-sales). */
let bookedOrder;

before(async () => {
  demo = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** A screenshot of the step; pages with a bar fixed at the bottom are taken as the screen shows them. */
const shot = (page, name, fullPage = true) => page.screenshot({ path: join(OUT, `booking-${name}.png`), fullPage });

/** The text of a window as the apps show it ("11月28日周六 10:00–11:00"): its start time. */
const startTime = (text) => text.match(/(\d{2}:\d{2})[–-]/)?.[1];

test('a customer books a service, staff reschedule it, the customer sees the new window', async () => {
  // --- The customer books, on a phone.
  const phone = await browser.newContext(PHONE);
  const c = await phone.newPage();
  await otpLogin(c, `${demo.base}/login`, demo.customerPhone, 'home-page');
  await c.getByTestId('category-cleaning').click();
  await c.getByTestId('item-daily_cleaning').click();
  await c.getByTestId('item-page').waitFor();
  await c.getByTestId('choice-hours-4h').click();
  // The price is the server's quote for the choice.
  await c.getByTestId('item-price').getByText('¥').waitFor();
  await shot(c, '1-item');
  await c.getByTestId('book').click();

  await c.getByTestId('booking-page').waitFor();
  // The demo customer has saved addresses; the default one (if served) is preselected.
  const addressText = await c.getByTestId('booking-address').innerText();
  if (/选择服务地址|Choose an address/.test(addressText)) {
    await c.getByTestId('booking-address').click();
    await c.getByTestId('address-option').and(c.locator(':not([disabled])')).first().click();
  }
  await c.getByTestId('booking-time').click();
  await c.getByTestId('time-popup').getByTestId('slot-picker').waitFor();
  const firstWindow = c.getByTestId('slot-window').first();
  await firstWindow.waitFor({ timeout: 15_000 });
  await shot(c, '2-windows');
  await firstWindow.click();
  await c.getByTestId('time-popup').waitFor({ state: 'hidden' });
  const booked = await c.getByTestId('booking-window').innerText();
  await c.locator('[data-testid="booking-notes"] textarea').fill('门禁 1201#，家里有猫');
  await shot(c, '3-confirm', false);
  const placed = c.waitForResponse((r) => r.url().endsWith('/api/v1/customer/orders') && r.request().method() === 'POST');
  await c.getByTestId('booking-submit').locator('button').click();
  const res = await placed;
  assert.equal(res.status(), 201, await res.text());
  assert.ok(res.request().headers()['idempotency-key'], 'the order is placed with an Idempotency-Key');
  const order = await res.json();
  bookedOrder = order;

  await c.getByTestId('order-page').waitFor();
  assert.equal(startTime(await c.getByTestId('order-window').innerText()), startTime(booked));
  await c.getByTestId('timeline').getByTestId('event-place').waitFor();
  await shot(c, '4-order', false);

  // It is in the order list, under "all" and under its own tab, named by what was ordered.
  await c.goto(`${demo.base}/orders`);
  await c.getByTestId(`order-${order.order_no}`).waitFor();
  assert.match(await c.getByTestId(`order-${order.order_no}`).getByTestId('order-summary').innerText(), /日常保洁/);
  await c.getByTestId(`order-tab-${order.view}`).click();
  await c.getByTestId(`order-${order.order_no}`).waitFor();
  await c.waitForTimeout(400); // the tab's underline slides over
  await shot(c, '5-orders');

  // --- Staff move it in the console.
  const desk = await browser.newContext(DESKTOP);
  const s = await desk.newPage();
  await staffLogin(s, demo.base, 'admin', demo.staffPassword);
  await s.getByTestId('menu-orders').click();
  await s.locator('[data-testid="filter-phone"] input, input[data-testid="filter-phone"]').first().fill(demo.customerPhone);
  await s.getByTestId('filter-search').click();
  await s.getByTestId(`order-link-${order.order_no}`).click();
  await s.getByTestId('order-detail').waitFor();
  // The customer's notes and the address's pin.
  assert.match(await s.getByTestId('order-notes').innerText(), /家里有猫/);
  await s.getByTestId('order-map').locator('.daojia-pin').waitFor({ timeout: 15_000 });
  await s.getByTestId('action-reschedule').click();
  const dialog = s.getByTestId('reschedule-dialog');
  await dialog.waitFor();
  const chosen = await pickStaffWindow(dialog);
  await shot(s, '6-console-reschedule');
  await dialog.getByTestId('reschedule-submit').click();
  await s.getByTestId('timeline').getByTestId('event-reschedule').waitFor();
  await dialog.waitFor({ state: 'hidden' });
  const moved = await s.getByTestId('order-window').innerText();
  assert.equal(startTime(moved), chosen);
  await shot(s, '7-console-order');

  // --- The customer sees the new window.
  await c.goto(`${demo.base}/orders/${order.id}`);
  await c.getByTestId('timeline').getByTestId('event-reschedule').waitFor();
  assert.equal(startTime(await c.getByTestId('order-window').innerText()), chosen);
  await shot(c, '8-customer-rescheduled', false);

  await desk.close();
  await phone.close();
});

test('staff decide an after-sales case as a rework visit at a window from the slots', async (t) => {
  if (!bookedOrder) return t.skip('the booking test did not place an order');
  const id = bookedOrder.id;
  // The visit happens and the customer complains (through the API: not what is tested here).
  const login = await call('POST', '/api/v1/public/auth/staff/login', null, { login: 'admin', password: demo.staffPassword });
  const token = login.access_token;
  const workers = await call('GET', '/api/v1/admin/workers', token);
  await call('POST', `/api/v1/admin/orders/${id}/assign`, token, { worker_id: workers.items[0].id, override_reason: 'e2e: any worker' });
  for (const step of ['check_in', 'finish', 'complete']) await call('POST', `/api/v1/admin/orders/${id}/visit`, token, { step });
  const opened = await call('POST', `/api/v1/admin/orders/${id}/after-sales`, token, { decision: 'open', note: '地板有划痕' });
  assert.equal(opened.state, 'after_sales');

  const desk = await browser.newContext(DESKTOP);
  const s = await desk.newPage();
  await staffLogin(s, demo.base, 'admin', demo.staffPassword);
  await s.goto(`${demo.base}/admin/orders/${id}`);
  await s.getByTestId('order-detail').waitFor();
  await s.getByTestId('action-after-sales').click();
  const dialog = s.getByTestId('after-sales-dialog');
  await dialog.getByTestId('rework-window').waitFor();
  // A rework needs its window: the form says so before anything is sent.
  await dialog.locator('[data-testid="after-sales-note"] textarea, textarea[data-testid="after-sales-note"]').first().fill('安排师傅上门返工');
  await dialog.getByTestId('after-sales-submit').click();
  await dialog.getByText(/请选择新的时段|Pick a new window/).waitFor();
  const chosen = await pickStaffWindow(dialog);
  await shot(s, '9-console-rework');
  const decided = s.waitForResponse((r) => r.url().endsWith(`/api/v1/admin/orders/${id}/after-sales`) && r.request().method() === 'POST');
  await dialog.getByTestId('after-sales-submit').click();
  const answer = await decided;
  assert.equal(answer.status(), 200, await answer.text());
  await s.getByTestId('timeline').getByTestId('event-resolve_after_sales').waitFor();
  // The decided original links to its rework visit at once.
  await s.getByTestId('order-rework').waitFor();

  // The rework visit: free, at the window chosen, linked to the original.
  const list = await call('GET', `/api/v1/admin/orders?customer_phone=${demo.customerPhone}`, token);
  const rework = list.items.find((o) => o.rework_of === id);
  assert.ok(rework, 'a rework order is linked to the original');
  await s.goto(`${demo.base}/admin/orders/${rework.id}`);
  await s.getByTestId('order-detail').waitFor();
  assert.equal(startTime(await s.getByTestId('order-window').innerText()), chosen);
  await s.getByTestId('order-map').locator('.daojia-pin').waitFor({ timeout: 15_000 });
  await shot(s, '10-console-rework-order');
  await s.getByTestId('order-rework-of').click();
  await s.waitForURL(`**/admin/orders/${id}`);
  await s.getByTestId('order-rework-of').waitFor({ state: 'detached' });
  await s.getByTestId('order-facts').waitFor();
  assert.match(await s.getByTestId('order-detail').innerText(), new RegExp(bookedOrder.order_no));
  // And from the original to the rework.
  await s.getByTestId('order-rework').click();
  await s.waitForURL(`**/admin/orders/${rework.id}`);
  await s.getByTestId('order-rework-of').waitFor();
  await s.getByTestId('order-rework').waitFor({ state: 'detached' });
  await desk.close();
});

/** One API call with a staff token; the parsed answer (fails the test on an error). */
async function call(method, path, token, body) {
  const r = await fetch(`${demo.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/**
 * Chooses a window other than the order's own in the console's reschedule dialog (the
 * server's slots: the first free one, trying the days in order) and returns its start time.
 */
async function pickStaffWindow(dialog) {
  const days = dialog.locator('button[data-testid^="staff-day-"]:not([disabled])');
  await days.first().waitFor({ timeout: 15_000 });
  for (let i = 0; i < (await days.count()); i++) {
    await days.nth(i).click();
    const free = dialog.locator('[data-testid="staff-slot"]:not([disabled])');
    if ((await free.count()) > 0) {
      const text = await free.first().innerText();
      await free.first().click();
      return text.match(/\d{2}:\d{2}/)[0];
    }
  }
  throw new Error('the console offers no free window in the coming days');
}
