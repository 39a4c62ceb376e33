// Personal-information rights in the customer H5 app against a real demo server: consent
// at log-in (the policy opens from the form), the data export downloaded from 我的 → 隐私与数据,
// the account deleted after a confirmation, and the same phone logging in afterwards to a
// new, empty account. Screenshots go to test-output/e2e/.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { OUT, PHONE, launch, otpLogin, startDemo } from '../support.js';

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

const phoneInput = (page) => page.locator('[data-testid="phone"] input, input[data-testid="phone"]').first();

test('a customer consents, exports their data, deletes the account and comes back to an empty one', async () => {
  const ctx = await browser.newContext({ ...PHONE, acceptDownloads: true });
  const page = await ctx.newPage();

  // Consent: no code is sent before the box is ticked; the policy opens from the form.
  await page.goto(`${demo.base}/login`);
  await phoneInput(page).fill(demo.customerPhone);
  await page.getByTestId('send-code').click();
  const refused = await page.getByTestId('form-error').innerText();
  assert.match(refused, /隐私政策/);
  await page.getByTestId('open-privacy').click();
  await page.getByTestId('legal-body').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('legal-body').innerText(), /个人信息保护法/);
  await page.screenshot({ path: join(OUT, 'privacy-policy.png') });
  await page.locator('.van-popup__close-icon').first().click();
  await page.getByTestId('legal-body').waitFor({ state: 'hidden', timeout: 5_000 });
  await page.screenshot({ path: join(OUT, 'privacy-login-consent.png') });
  const calls = [];
  page.on('request', (r) => r.url().includes('/api/v1/') && calls.push(`${r.method()} ${new URL(r.url()).pathname}`));
  await otpLogin(page, `${demo.base}/login`, demo.customerPhone, 'home-page');
  const tokenNow = await page.evaluate(() => JSON.parse(localStorage.getItem('daojia.customer.tokens')).accessToken);
  const status = await (await fetch(`${demo.base}/api/v1/customer/consent`, { headers: { authorization: `Bearer ${tokenNow}` } })).json();
  assert.equal(status.required, false, `the acceptance is recorded at log-in: ${calls.join(', ')}`);

  // The privacy page: the versions accepted, export and delete.
  await page.getByTestId('tab-me').click();
  await page.getByTestId('privacy-link').click();
  await page.getByTestId('privacy-page').waitFor();
  await page.getByTestId('doc-privacy').waitFor();
  assert.match(await page.getByTestId('doc-privacy').innerText(), /已同意版本/);
  await page.screenshot({ path: join(OUT, 'privacy-page.png'), fullPage: true });

  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-data').click();
  const download = await downloading;
  assert.match(download.suggestedFilename(), /^daojia-customer-export-\d{8}\.json$/);
  const file = join(OUT, 'customer-export.json');
  await download.saveAs(file);
  const text = readFileSync(file, 'utf8');
  const data = JSON.parse(text);
  assert.equal(data.profile.phone, demo.customerPhone);
  assert.ok(data.addresses.length > 0, 'the demo customer has addresses');
  assert.ok(text.includes(data.addresses[0].address) && data.addresses[0].address.length > 4, 'the export holds the address');
  assert.equal(data.consents.length, 2);

  // Delete, after the confirmation.
  await page.getByTestId('delete-account').click();
  await page.locator('.van-dialog').waitFor();
  await page.screenshot({ path: join(OUT, 'privacy-delete-confirm.png') });
  const deleted = page.waitForResponse((r) => r.url().endsWith('/api/v1/customer/me') && r.request().method() === 'DELETE');
  await page.locator('.van-dialog__confirm').click();
  assert.equal((await deleted).status(), 204);
  await phoneInput(page).waitFor({ timeout: 15_000 });
  assert.match(page.url(), /\/login/);
  await page.screenshot({ path: join(OUT, 'privacy-deleted.png') });

  // The same phone logs in to a new account: consent asked again, none of the old data.
  await otpLogin(page, `${demo.base}/login`, demo.customerPhone, 'home-page');
  await page.goto(`${demo.base}/addresses`);
  await page.getByTestId('state-empty').waitFor({ timeout: 15_000 });
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('daojia.customer.tokens')).accessToken);
  const fetchJson = async (path) => {
    const r = await fetch(`${demo.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return r.json();
  };
  assert.deepEqual(await fetchJson('/api/v1/customer/addresses'), []);
  assert.deepEqual(await fetchJson('/api/v1/customer/orders'), []);
  const again = await fetchJson('/api/v1/customer/me/export');
  assert.notEqual(again.profile.id, data.profile.id, 'a new account');
  assert.equal(again.consents.length, 2, 'which consented anew');
  await page.screenshot({ path: join(OUT, 'privacy-new-account.png'), fullPage: true });
  await ctx.close();
});
