// Partners (服务商) in the console, on the demo: the super admin adds a partner, finance sets
// its share and its WeChat Pay sharing receiver (the receiver of its share when WeChat Pay
// runs in service-provider mode; the page says so). The forms refuse bad input field by
// field before anything is sent. Screenshots go to test-output/e2e/partners-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, apiCall, launch, staffLogin, startDemo } from '../support.js';

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

const call = (method, path, token) => apiCall(demo.base, method, path, { token });

async function staffToken(login) {
  const r = await fetch(`${demo.base}/api/v1/public/auth/staff/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login, password: demo.staffPassword }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).access_token;
}

/** An Element Plus input by test id (the attribute lands on the native input). */
const field = (page, id) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"]`).first();

const shot = (page, name) => page.screenshot({ path: join(OUT, `partners-${name}.png`), fullPage: true });

const CODE = 'e2e_team';
const NAME = '东区家政服务队（e2e）';
const MCHID = '1900000109';
const MERCHANT = '上海东区家政服务有限公司';

test('the super admin adds a partner; finance sets its share and its WeChat sharing receiver', async () => {
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await staffLogin(page, demo.base, 'admin', demo.staffPassword);
  await page.getByRole('menuitem', { name: '服务商' }).click();
  const table = page.getByTestId('partners-table');
  await table.waitFor();
  const demoPartners = (await call('GET', '/api/v1/admin/partners', await staffToken('admin'))).body;
  assert.ok(demoPartners.length >= 1, 'the demo city has partners');
  await table.locator('.el-table__row').nth(demoPartners.length - 1).waitFor();
  for (const p of demoPartners) {
    const row = table.locator('.el-table__row').filter({ hasText: p.code });
    assert.equal(await row.getByTestId('partner-share-shown').innerText(), `${p.share_bp / 100}%`, `${p.code}'s share`);
  }

  // Adding one: the form checks the code first.
  await page.getByTestId('partner-create').click();
  await field(page, 'partner-code').fill('East Team');
  await field(page, 'partner-name').fill(NAME);
  await page.getByTestId('partner-save').click();
  await page.getByText('1 到 32 位小写字母、数字或下划线').waitFor();
  await field(page, 'partner-code').fill(CODE);
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/admin/partners') && r.request().method() === 'POST');
  await page.getByTestId('partner-save').click();
  assert.equal((await created).status(), 201);
  const row = table.locator('.el-table__row').filter({ hasText: CODE });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(NAME.replace(/[()（）]/g, '.')));
  assert.equal(await row.getByTestId('partner-share-shown').innerText(), '0%', 'no share until finance sets one');
  await ctx.close();

  // --- Finance (platform staff): sees 服务商 and sets the share and the receiver.
  const fCtx = await browser.newContext(DESKTOP);
  const f = await fCtx.newPage();
  await staffLogin(f, demo.base, 'finance', demo.staffPassword);
  await f.getByRole('menuitem', { name: '服务商' }).click();
  const fRow = f.getByTestId('partners-table').locator('.el-table__row').filter({ hasText: CODE });
  await fRow.waitFor({ timeout: 15_000 });
  assert.equal(await f.getByTestId('partner-create').count(), 0, 'finance does not add partners (worker.write)');

  await fRow.getByTestId('partner-share').click();
  await field(f, 'partner-share-percent').fill('150');
  await f.getByTestId('partner-save').click();
  await f.getByText('0 到 100 之间的百分比，最多两位小数').waitFor();
  await field(f, 'partner-share-percent').fill('12.5');
  const shared = f.waitForResponse((r) => /\/api\/v1\/admin\/partners\/[^/]+\/share$/.test(r.url()));
  await f.getByTestId('partner-save').click();
  assert.equal((await shared).status(), 204);
  await fRow.getByTestId('partner-share-shown').filter({ hasText: '12.5%' }).waitFor();

  await fRow.getByTestId('partner-receiver').click();
  // The dialog says when the receiver matters: WeChat Pay in service-provider mode.
  await f.getByText('微信支付服务商模式下').waitFor();
  await field(f, 'partner-mchid').fill('19000');
  await field(f, 'partner-merchant').fill(MERCHANT);
  await f.getByTestId('partner-save').click();
  await f.getByText('8 到 32 位数字').waitFor();
  await field(f, 'partner-mchid').fill(MCHID);
  const set = f.waitForResponse((r) => r.url().endsWith('/sharing-receiver') && r.request().method() === 'PUT');
  await f.getByTestId('partner-save').click();
  const res = await set;
  assert.equal(res.status(), 200);
  assert.deepEqual({ mchid: (await res.json()).mchid, name: (await res.json()).name }, { mchid: MCHID, name: MERCHANT });

  // Opened again, the dialog shows the receiver on file.
  await f.getByTestId('partner-mchid').waitFor({ state: 'hidden' });
  await fRow.getByTestId('partner-receiver').click();
  await field(f, 'partner-mchid').waitFor();
  await f.waitForFunction(() => (document.querySelector('input[data-testid="partner-mchid"]') ?? document.querySelector('[data-testid="partner-mchid"] input'))?.value !== '');
  assert.equal(await field(f, 'partner-mchid').inputValue(), MCHID);
  assert.equal(await field(f, 'partner-merchant').inputValue(), MERCHANT);
  await shot(f, 'receiver');

  // The server holds what the page showed.
  const token = await staffToken('finance');
  const mine = (await call('GET', '/api/v1/admin/partners', token)).body.find((p) => p.code === CODE);
  assert.equal(mine.share_bp, 1_250);
  const receiver = await call('GET', `/api/v1/admin/partners/${mine.id}/sharing-receiver`, token);
  assert.equal(receiver.status, 200);
  assert.equal(receiver.body.mchid, MCHID);
  assert.equal(receiver.body.name, MERCHANT);
  await fCtx.close();
});
