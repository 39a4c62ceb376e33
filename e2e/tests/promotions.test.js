// The demo city's flash sale (深度保洁 限时半价, 100 places): a customer finds it in the home
// page's banner, books through it on the item page and sees the order at the promotional
// price; in the console, marketing (市场运营) sees the place sold and stops the promotion
// after confirming. Screenshots go to test-output/e2e/promotion-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, PHONE, launch, otpLogin, staffLogin, startDemo } from '../support.js';

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

const shot = (page, name, fullPage = true) => page.screenshot({ path: join(OUT, `promotion-${name}.png`), fullPage });

test('a customer books the flash sale and marketing stops it', async () => {
  const phone = await browser.newContext(PHONE);
  const c = await phone.newPage();
  await otpLogin(c, `${demo.base}/login`, demo.customerPhone, 'home-page');
  await c.getByTestId('promotion-banner').getByTestId('banner-deep_cleaning').click();
  const panel = c.getByTestId('promotion-panel');
  await panel.waitFor();
  assert.equal(await panel.getAttribute('data-phase'), 'on_sale');
  assert.match(await panel.getByTestId('promotion-countdown').innerText(), /\d{2}:\d{2}:\d{2}/);
  assert.match(await panel.getByTestId('promotion-left').innerText(), /100/);
  await shot(c, '1-item', false);
  await c.getByTestId('book-promotion').click();

  await c.getByTestId('booking-promotion').waitFor();
  const addressText = await c.getByTestId('booking-address').innerText();
  if (/选择服务地址|Choose an address/.test(addressText)) {
    await c.getByTestId('booking-address').click();
    await c.getByTestId('address-option').and(c.locator(':not([disabled])')).first().click();
  }
  await c.getByTestId('booking-time').click();
  const window = c.getByTestId('slot-window').first();
  await window.waitFor({ timeout: 15_000 });
  await window.click();
  await c.getByTestId('time-popup').waitFor({ state: 'hidden' });
  const placed = c.waitForResponse((r) => r.url().endsWith('/api/v1/customer/orders') && r.request().method() === 'POST');
  await c.getByTestId('booking-submit').locator('button').click();
  const res = await placed;
  assert.equal(res.status(), 201, await res.text());
  const order = await res.json();
  assert.match(order.promotion?.name ?? '', /限时半价/, 'booked through the promotion');
  assert.equal(order.total_fen, order.promotion.unit_price_fen, 'at the promotional price');
  await c.getByTestId('order-promotion').waitFor();
  await shot(c, '2-order', false);
  await phone.close();

  const desk = await browser.newContext(DESKTOP);
  const s = await desk.newPage();
  await staffLogin(s, demo.base, 'marketing', demo.staffPassword);
  await s.getByTestId('menu-promotions').click();
  const table = s.getByTestId('promotions-table');
  await table.getByText('1 / 100').waitFor({ timeout: 15_000 });
  await shot(s, '3-console');
  await table.getByTestId('promotion-stop').first().click();
  await s.locator('.el-message-box').getByRole('button', { name: /停止|Stop/ }).click();
  await table.locator('[data-testid="promotion-phase"][data-phase="stopped"]').waitFor();
  const shown = await (await fetch(`${demo.base}/api/v1/public/promotions`)).json();
  assert.equal(shown.length, 0, 'a stopped promotion is not shown to customers');
  await desk.close();
});
