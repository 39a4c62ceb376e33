// Operations edit the catalog and a service area in the console: an item taken off shelf
// and its price changed are what the public catalog then says; an area's outline shows on
// the map editor, its lead time changes, and it gets a price of its own for an item.
// Screenshots of each step go to test-output/e2e/.

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

const input = (page, id) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"], textarea[data-testid="${id}"]`).first();

test('an administrator edits an item and a service area', async () => {
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await staffLogin(page, demo.base, 'admin', demo.staffPassword);

  await page.getByTestId('menu-catalog').click();
  await page.getByTestId('item-table').waitFor();
  await page.getByTestId('item-edit-deep_cleaning').waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(OUT, 'admin-catalog.png'), fullPage: true });

  // Off shelf from the table.
  const shelf = page.getByTestId('shelf-dog_walking');
  const patched = page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/catalog/items/dog_walking') && r.request().method() === 'PATCH');
  await shelf.click();
  assert.equal((await patched).status(), 200);

  // A new price in the item editor.
  await page.getByTestId('item-edit-deep_cleaning').click();
  await page.getByTestId('item-dialog').waitFor();
  await input(page, 'item-price').fill('420');
  await page.screenshot({ path: join(OUT, 'admin-item-editor.png'), fullPage: true });
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/catalog/items/deep_cleaning') && r.request().method() === 'PUT');
  await page.getByTestId('item-save').click();
  assert.equal((await saved).status(), 200);

  const catalog = await (await fetch(`${demo.base}/api/v1/public/catalog`)).json();
  assert.equal(catalog.items.find((i) => i.code === 'deep_cleaning').base_price_fen, 42_000);
  assert.ok(!catalog.items.some((i) => i.code === 'dog_walking'), 'off shelf is out of the public catalog');

  // A service area on the map.
  await page.getByTestId('menu-areas').click();
  await page.getByTestId('area-edit-sh-xuhui').click();
  await page.getByTestId('polygon-editor').waitFor({ timeout: 15_000 });
  const status = await page.getByTestId('area-outline-status').innerText();
  assert.match(status, /\d+/, status);
  await page.locator('.daojia-vertex').first().waitFor();
  await page.screenshot({ path: join(OUT, 'admin-area-editor.png'), fullPage: true });
  const put = page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/catalog/areas/sh-xuhui') && r.request().method() === 'PUT');
  await page.getByTestId('area-save').click();
  const answer = await put;
  assert.equal(answer.status(), 200, await answer.text());

  // A price of its own in the area.
  await page.getByRole('tab', { name: /区域定价/ }).click();
  await page.getByTestId('price-new').click();
  await page.getByTestId('price-item').click();
  await page.getByRole('option', { name: /日常保洁/ }).first().click();
  await input(page, 'price-base').fill('199');
  const priced = page.waitForResponse((r) => r.url().includes('/api/v1/admin/catalog/areas/sh-xuhui/prices/') && r.request().method() === 'PUT');
  await page.getByTestId('price-save').click();
  assert.equal((await priced).status(), 200);
  await page.getByTestId('area-prices').getByText('¥199').first().waitFor();
  await page.screenshot({ path: join(OUT, 'admin-area-prices.png'), fullPage: true });
  await ctx.close();
});
