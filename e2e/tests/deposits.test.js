// Worker deposits (保证金) end to end, on the demo's built-in pay simulator: a demo worker opens
// 保证金 in the worker app and lodges what the next tier still needs through the simulator's
// payment page, which sends them back to 保证金; the callback credits the lodging and the
// page shows the new balance and tier. Finance
// finds the worker on the console's 师傅保证金 page and fines the deposit with a reason; the
// worker sees the fine among the movements and the lower balance, then asks for the deposit
// back and sees it held until the end of the hold period. Screenshots go to
// test-output/e2e/deposits-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, PHONE, apiCall, launch, otpLogin, staffLogin, startDemo } from '../support.js';

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

const call = (method, path, token, body) => apiCall(demo.base, method, path, { token, body });

/** The worker's access token, from the worker app's storage. */
async function workerToken(ctx) {
  const state = await ctx.storageState();
  const origin = state.origins.find((o) => o.origin === demo.base);
  return JSON.parse(origin.localStorage.find((i) => i.name === 'daojia.worker.tokens').value).accessToken;
}

/** As the shared `formatFen` writes it: ¥1,234.50, -¥50.00. */
const yuan = (fen) => `${fen < 0 ? '-' : ''}¥${Math.floor(Math.abs(fen) / 100).toLocaleString('en-US')}.${String(Math.abs(fen) % 100).padStart(2, '0')}`;

/** The highest tier a usable deposit of `fen` reaches (the demo's tiers gate no category by balance). */
const tierOf = (tiers, fen) => tiers.filter((t) => t.required_fen <= fen).sort((a, b) => b.required_fen - a.required_fen)[0] ?? null;

/** An Element Plus input by test id (the attribute lands on the native input). */
const field = (page, id) => page.locator(`[data-testid="${id}"] input, input[data-testid="${id}"]`).first();

const shot = (page, name) => page.screenshot({ path: join(OUT, `deposits-${name}.png`), fullPage: true });

/** Reloads `page` until `check` holds (the channel's callback arrives on its own time). */
async function until(page, ready, check, what) {
  for (let i = 0; i < 30; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 500));
    await page.reload();
    await page.getByTestId(ready).waitFor({ timeout: 15_000 });
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('a worker lodges a deposit on the channel’s page, finance fines it, the worker asks for it back', async () => {
  // --- The worker, on a phone: the deposit as it stands.
  const wCtx = await browser.newContext(PHONE);
  const w = await wCtx.newPage();
  await otpLogin(w, `${demo.base}/worker/`, demo.workerPhone, 'account-card');
  const token = await workerToken(wCtx);
  const before = (await call('GET', '/api/v1/worker/deposit', token)).body;
  const { tiers, hold_hours: holdHours } = before.rules;
  assert.ok(tiers.length >= 2, `the demo runs with deposit tiers: ${JSON.stringify(before.rules)}`);
  assert.equal(before.deposit.state, 'active', JSON.stringify(before.deposit));

  await w.goto(`${demo.base}/worker/deposit`);
  await w.getByTestId('deposit-balance').waitFor({ timeout: 15_000 });
  assert.equal(await w.getByTestId('deposit-balance').innerText(), yuan(before.deposit.balance_fen));
  assert.equal(await w.getByTestId('deposit-tier-row').count(), tiers.length, 'every tier is listed');

  // What the next tier still needs (the page offers it), or ¥100 when the highest is reached.
  const next = tiers.filter((t) => t.required_fen > before.deposit.usable_fen).sort((a, b) => a.required_fen - b.required_fen)[0];
  const lodged = next ? next.required_fen - before.deposit.usable_fen : 10_000;
  const amount = w.locator('[data-testid="lodge-amount"] input');
  if (next) assert.equal(Number(await amount.inputValue()) * 100, lodged, 'the amount the next tier needs is offered');
  await amount.fill((lodged / 100).toFixed(2));
  await w.getByTestId('lodge-channel-wechat_h5').click();
  await shot(w, '1-worker-before');

  // One lodging; the browser leaves for the simulator's cashier.
  const opened = w.waitForResponse((r) => r.url().endsWith('/api/v1/worker/deposit/lodgings') && r.request().method() === 'POST');
  await w.getByTestId('lodge-send').click();
  const res = await opened;
  assert.equal(res.status(), 201);
  assert.ok(res.request().headers()['idempotency-key'], 'a lodging is opened with an Idempotency-Key');
  await w.waitForURL(/\/paysim\//);
  await w.locator('[data-test="amount"]').waitFor();
  assert.equal(await w.locator('[data-test="amount"]').innerText(), yuan(lodged), 'the cashier asks for the lodging');
  await shot(w, '2-cashier');
  await w.locator('[data-test="pay"]').click();
  await w.locator('[data-test="state"]', { hasText: '已支付' }).waitFor();

  // Back to the app through the cashier's link: the page follows the lodging until the
  // callback has credited it; balance and tier follow.
  const afterLodging = before.deposit.balance_fen + lodged;
  await w.locator('[data-test="return"]').click();
  await w.waitForURL(/\/worker\/deposit/);
  await w.getByTestId('deposit-balance').waitFor({ timeout: 15_000 });
  await until(w, 'deposit-balance', async () => (await w.getByTestId('deposit-balance').innerText()) === yuan(afterLodging), 'the lodging to be credited');
  const reached = tierOf(tiers, afterLodging);
  assert.ok(reached, 'the lodging reaches a tier');
  if (next) assert.equal(reached.code, next.code, 'the lodging reaches the next tier');
  assert.match(await w.getByTestId('deposit-tier').innerText(), new RegExp(`当前档位：${reached.name}`));
  const lodging = w.getByTestId('my-lodging').filter({ hasText: yuan(lodged) }).filter({ hasText: '已到账' });
  assert.equal(await lodging.count(), 1, 'the lodging is listed as credited');
  const lodgingMove = w.getByTestId('deposit-movement').filter({ hasText: `缴纳 ${yuan(lodged)}` });
  assert.ok(await lodgingMove.count(), 'the lodging is among the movements');
  await shot(w, '3-worker-lodged');

  // --- Finance, at a desk: finds the worker on 师傅保证金 and fines ¥50 with a reason.
  // (The worker's code, by which the page lists deposits, through the API as the admin.)
  const admin = (await call('POST', '/api/v1/public/auth/staff/login', undefined, { login: 'admin', password: demo.staffPassword })).body.access_token;
  const worker = await call('GET', `/api/v1/admin/workers/${before.deposit.worker_id}`, admin);
  assert.equal(worker.status, 200, JSON.stringify(worker.body));
  const code = worker.body.code;
  const fine = 5_000;
  const reason = '上门迟到且未提前告知客户（e2e）';

  const sCtx = await browser.newContext(DESKTOP);
  const s = await sCtx.newPage();
  await staffLogin(s, demo.base, 'finance', demo.staffPassword);
  await s.getByRole('menuitem', { name: '师傅保证金' }).click();
  await s.getByTestId('deposits-table').waitFor();
  const row = s.locator('.el-table__row').filter({ has: s.getByRole('link', { name: code, exact: true }) });
  await row.first().waitFor({ timeout: 15_000 });
  assert.equal(await row.count(), 1, `one row for ${code}`);
  assert.match(await row.innerText(), new RegExp(yuan(afterLodging).replace(/[$.]/g, '\\$&')), 'the console shows the credited balance');
  assert.match(await row.innerText(), new RegExp(reached.name));
  await row.getByTestId('deposit-fine').click();
  // The form refuses more than the deposit holds before anything is sent.
  await field(s, 'fine-amount').fill(((afterLodging + 100) / 100).toFixed(2));
  await field(s, 'fine-reason').fill(reason);
  await s.getByTestId('fine-confirm').click();
  await s.getByText('超过').first().waitFor();
  await field(s, 'fine-amount').fill((fine / 100).toFixed(2));
  const fined = s.waitForResponse((r) => r.url().endsWith(`/api/v1/admin/workers/${before.deposit.worker_id}/deposit/fines`) && r.request().method() === 'POST');
  await s.getByTestId('fine-confirm').click();
  assert.ok((await fined).ok(), 'the fine is recorded');
  const afterFine = afterLodging - fine;
  await row.filter({ hasText: yuan(afterFine) }).waitFor({ timeout: 15_000 });
  assert.match(await row.innerText(), new RegExp(yuan(before.deposit.fined_fen + fine).replace(/[$.]/g, '\\$&')), 'the fined total counts the fine');
  await row.getByTestId('deposit-detail').click();
  const drawer = s.getByTestId('deposit-movements');
  await drawer.waitFor();
  await s.getByText(reason).first().waitFor();
  assert.ok(await drawer.locator('.el-table__row').filter({ hasText: yuan(-fine) }).count(), 'the fine is among the movements');
  await shot(s, '4-console-fined');

  // --- The worker sees the fine and the new balance.
  await w.reload();
  await w.getByTestId('deposit-balance').waitFor({ timeout: 15_000 });
  assert.equal(await w.getByTestId('deposit-balance').innerText(), yuan(afterFine));
  // Newest first: the fine heads the worker's movements.
  assert.match(await w.getByTestId('deposit-movement').first().innerText(), new RegExp(`罚扣 ${yuan(-fine).replace(/[$.]/g, '\\$&')}`));
  const now = tierOf(tiers, afterFine);
  if (now) assert.match(await w.getByTestId('deposit-tier').innerText(), new RegExp(`当前档位：${now.name}`));

  // --- The worker asks for it back: held for the hold period, no more lodging meanwhile.
  await w.getByTestId('deposit-refund').click();
  const dialog = w.locator('.van-dialog');
  await dialog.waitFor();
  assert.match(await dialog.innerText(), new RegExp(`冻结约 ${Math.round(holdHours / 24)} 天`), 'the hold period is said first');
  const asked = w.waitForResponse((r) => r.url().endsWith('/api/v1/worker/deposit/refund') && r.request().method() === 'POST');
  const askedAt = Date.now();
  await dialog.locator('.van-dialog__confirm').click();
  const held = await (await asked).json();
  assert.equal(held.state, 'held', JSON.stringify(held));
  assert.equal(held.balance_fen, afterFine);
  const until_ = Date.parse(held.hold_until);
  assert.ok(Math.abs(until_ - askedAt - holdHours * 3_600_000) < 120_000, `held for ${holdHours} h: ${held.hold_until}`);
  await w.getByText('保证金冻结至').waitFor({ timeout: 15_000 });
  const shown = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(until_));
  assert.ok((await w.getByTestId('deposit-totals').innerText()).includes(`保证金冻结至 ${shown}`), `the page says until when (${shown})`);
  assert.ok((await w.getByTestId('deposit-totals').innerText()).includes('退还中'));
  assert.equal(await w.getByTestId('lodge-send').count(), 0, 'no lodging while held');
  assert.equal(await w.getByTestId('deposit-refund').count(), 0, 'asked once');
  await dialog.waitFor({ state: 'hidden' });
  await shot(w, '5-worker-held');

  await sCtx.close();
  await wCtx.close();
});
