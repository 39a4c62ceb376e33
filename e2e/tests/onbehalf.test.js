// Order on behalf (代客下单): a customer-service agent takes a call from a number with no
// account, types the address the caller dictates, locates it, saves it (creating the
// customer), picks a service and an open window and places the order; the console opens the
// new order. Screenshots go to test-output/e2e/onbehalf-*.png.

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

async function call(method, path, body, token) {
  const r = await fetch(`${demo.base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** A street address of the demo city the offline geocoder knows: one of the demo customer's. */
async function demoStreet() {
  const sent = await call('POST', '/api/v1/public/auth/otp', { phone: demo.customerPhone, audience: 'customer' });
  const login = await call('POST', '/api/v1/public/auth/otp/verify', { phone: demo.customerPhone, code: sent.body.dev_code, audience: 'customer' });
  const addresses = await call('GET', '/api/v1/customer/addresses', undefined, login.body.access_token);
  assert.equal(addresses.status, 200, JSON.stringify(addresses.body));
  return addresses.body[0].address;
}

test('an agent places an order for a caller with no account', async () => {
  const street = await demoStreet();
  const caller = '19900001111';
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await staffLogin(page, demo.base, 'service', demo.staffPassword);
  await page.getByTestId('menu-on-behalf').click();

  await page.locator('[data-testid="caller-phone"] input, input[data-testid="caller-phone"]').first().fill(caller);
  await page.getByTestId('caller-find').click();
  await page.locator('[data-testid="address-contact"] input, input[data-testid="address-contact"]').first().fill('王阿姨');
  await page.locator('[data-testid="address-text"] input, input[data-testid="address-text"]').first().fill(street);
  await page.getByTestId('address-locate').click();
  await page.getByText(/已定位/).waitFor({ timeout: 10_000 });
  await page.getByTestId('address-save').click();
  await page.getByTestId('caller-address').first().waitFor({ timeout: 10_000 });
  await page.screenshot({ path: join(OUT, 'onbehalf-caller.png'), fullPage: true });

  await page.getByTestId('on-behalf-items').click();
  await page.locator('.el-select-dropdown__item').filter({ hasText: /擦玻璃|窗/ }).first().click();
  await page.keyboard.press('Escape');
  await page.getByTestId('on-behalf-slots').click();
  await page.getByTestId('on-behalf-window').first().waitFor({ timeout: 15_000 });
  await page.getByTestId('on-behalf-window').first().click();
  await page.screenshot({ path: join(OUT, 'onbehalf-window.png'), fullPage: true });
  await page.getByTestId('on-behalf-place').click();
  await page.waitForURL(/\/admin\/orders\/[0-9a-f-]{36}$/, { timeout: 15_000 });
  await page.waitForTimeout(500);
  await page.screenshot({ path: join(OUT, 'onbehalf-order.png'), fullPage: true });

  // The caller now has an account with that order.
  const login = await call('POST', '/api/v1/public/auth/staff/login', { login: 'service', password: demo.staffPassword });
  const found = await call('GET', `/api/v1/admin/callers?phone=${caller}`, undefined, login.body.access_token);
  assert.equal(found.status, 200, JSON.stringify(found.body));
  const id = page.url().split('/').pop();
  const order = await call('GET', `/api/v1/admin/orders/${id}`, undefined, login.body.access_token);
  assert.equal(order.body.customer_id, found.body.customer_id);
  await ctx.close();
});
