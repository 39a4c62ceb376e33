// Logs in to each of the three apps in Chromium against a real demo server and saves
// screenshots of the pages they land on to test-output/e2e/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, PHONE, launch, otpLogin, startDemo } from '../support.js';

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

test('a customer logs in to the H5 app and sees their account', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await otpLogin(page, `${demo.base}/login`, demo.customerPhone, 'home-page');
  await page.getByTestId('categories').waitFor();
  await page.screenshot({ path: join(OUT, 'customer-home.png'), fullPage: true });
  await page.getByTestId('tab-me').click();
  await page.getByTestId('account-card').waitFor({ timeout: 15_000 });
  const card = await page.getByTestId('account-card').innerText();
  assert.ok(card.includes(`${demo.customerPhone.slice(0, 3)}****${demo.customerPhone.slice(7)}`), card);
  await page.screenshot({ path: join(OUT, 'customer-me.png'), fullPage: true });
  await page.getByTestId('logout').click();
  await page.locator('[data-testid="phone"]').first().waitFor();
  assert.match(page.url(), /\/login$/);
  await ctx.close();
});

test('a worker logs in to the worker app and sees their account', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await otpLogin(page, `${demo.base}/worker/`, demo.workerPhone, 'account-card');
  const card = await page.getByTestId('account-card').innerText();
  assert.ok(card.includes(`${demo.workerPhone.slice(0, 3)}****${demo.workerPhone.slice(7)}`), card);
  await page.screenshot({ path: join(OUT, 'worker-home.png'), fullPage: true });
  await ctx.close();
});

test('an administrator logs in to the console and sees the overview', async () => {
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await page.goto(`${demo.base}/admin/`);
  await page.locator('[data-testid="username"] input, input[data-testid="username"]').first().fill('admin');
  await page.locator('[data-testid="password"] input, input[data-testid="password"]').first().fill(demo.staffPassword);
  await page.getByTestId('login').click();
  await page.getByTestId('account-card').waitFor({ timeout: 15_000 });
  const card = await page.getByTestId('account-card').innerText();
  assert.ok(card.includes('admin') || card.includes('超级管理员'), card);
  await page.waitForLoadState('networkidle');
  await page.screenshot({ path: join(OUT, 'admin-home.png'), fullPage: true });
  await ctx.close();
});

test('the API docs page renders the OpenAPI document offline', async () => {
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await page.goto(`${demo.base}/api/docs/`);
  await page.getByText('Daojia API').first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(OUT, 'api-docs.png') });
  await ctx.close();
});
