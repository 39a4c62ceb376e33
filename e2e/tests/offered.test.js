// Items offered per area: staff switch an item off in the area of the demo customer's
// address on the area's "offered items" tab; the customer's home (catalog and search) then
// leaves it out. The customer sorts a category by price and by popularity.
// Screenshots of each step go to test-output/e2e/offered-*.png.

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

const shot = (page, name) => page.screenshot({ path: join(OUT, `offered-${name}.png`), fullPage: true });
const input = (page, id) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"]`).first();
/** The item codes a list shows, in order. */
const listed = async (list) =>
  (await list.locator('[data-testid^="item-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).map((id) => id.slice('item-'.length));

test('staff take an item out of the customer’s area; the customer’s home leaves it out and sorts', async () => {
  // --- The customer's home shows the catalog of their address's area.
  const phone = await browser.newContext(PHONE);
  const c = await phone.newPage();
  const areaCatalog = c.waitForResponse((r) => /\/api\/v1\/public\/catalog\?area=/.test(r.url()));
  await otpLogin(c, `${demo.base}/login`, demo.customerPhone, 'home-page');
  const area = new URL((await areaCatalog).url()).searchParams.get('area');
  assert.ok(area, 'the home asks for the catalog of the address’s area');
  await c.getByTestId('home-area').waitFor();
  await c.getByTestId('category-cleaning').click();
  await c.getByTestId('item-daily_cleaning').waitFor();

  // --- Staff switch the item off in that area.
  const desk = await browser.newContext(DESKTOP);
  const s = await desk.newPage();
  await staffLogin(s, demo.base, 'admin', demo.staffPassword);
  await s.goto(`${demo.base}/admin/areas/${area}`);
  await s.getByRole('tab', { name: /提供的项目/ }).click();
  const tab = s.getByTestId('area-offered');
  await tab.getByTestId('offered-daily_cleaning').waitFor({ timeout: 15_000 });
  const before = await tab.getByTestId('offered-count').innerText();
  await input(s, 'offered-search').fill('日常');
  await tab.getByTestId('offered-row-deep_cleaning').waitFor({ state: 'detached' });
  const put = s.waitForResponse((r) => r.url().endsWith(`/api/v1/admin/catalog/areas/${area}/offered/daily_cleaning`) && r.request().method() === 'PUT');
  await tab.getByTestId('offered-daily_cleaning').click();
  const answer = await put;
  assert.equal(answer.status(), 200, await answer.text());
  assert.deepEqual(await answer.json(), { offered: false });
  await s.getByText(/本区域不再提供/).waitFor();
  assert.notEqual(await tab.getByTestId('offered-count').innerText(), before);
  assert.equal(await tab.getByTestId('offered-daily_cleaning').getByRole('switch').getAttribute('aria-checked'), 'false');
  await s.waitForTimeout(400); // the switch's slide, for the picture
  await shot(s, '1-console');
  await desk.close();

  // --- The customer's home (a new page load) no longer lists it, nor finds it.
  await c.reload();
  await c.getByTestId('category-cleaning').click();
  const cleaning = c.getByTestId('category-items');
  await cleaning.getByTestId('item-deep_cleaning').waitFor();
  assert.ok(!(await listed(cleaning)).includes('daily_cleaning'), 'not offered, not listed');
  await shot(c, '2-home');

  // Sorted by price, highest first: the server's order, without the item.
  const byPrice = c.waitForResponse((r) => r.url().includes('/api/v1/public/catalog/search?') && r.url().includes('sort=price_desc'));
  await c.getByTestId('sort-price_desc').click();
  const sorted = await (await byPrice).json();
  assert.match((await byPrice).url(), new RegExp(`area=${area}`));
  const prices = sorted.items.map((i) => i.base_price_fen);
  assert.deepEqual(prices, [...prices].sort((a, b) => b - a));
  await c.waitForURL(/sort=price_desc/);
  await cleaning.locator(`[data-testid="item-${sorted.items[0].code}"]`).waitFor();
  assert.deepEqual(await listed(cleaning), sorted.items.map((i) => i.code));
  assert.ok(!sorted.items.some((i) => i.code === 'daily_cleaning'));
  await shot(c, '3-price-desc');

  // Popular, then back to the catalog's order.
  const popular = c.waitForResponse((r) => r.url().includes('/api/v1/public/catalog/search?') && r.url().includes('sort=popular'));
  await c.getByTestId('sort-popular').click();
  assert.equal((await popular).status(), 200);
  await c.getByTestId('sort-relevance').click();
  await c.waitForURL((u) => !u.searchParams.has('sort'));
  await cleaning.getByTestId('item-deep_cleaning').waitFor();

  // Search in the area leaves it out too.
  const searched = c.waitForResponse((r) => r.url().includes('/api/v1/public/catalog/search?') && r.url().includes('q='));
  await input(c, 'search').fill('保洁');
  assert.match((await searched).url(), new RegExp(`area=${area}`));
  const results = c.getByTestId('search-results');
  await results.locator('[data-testid^="item-"]').first().waitFor();
  assert.ok(!(await listed(results)).includes('daily_cleaning'), 'not offered, not found');
  await shot(c, '4-search');
  await phone.close();
});
