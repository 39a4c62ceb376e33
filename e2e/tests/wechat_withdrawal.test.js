// A worker of the demo (on the built-in pay simulator) binds WeChat through the simulator's
// silent authorisation, withdraws to their WeChat balance, finance approves, the worker
// taps 确认收款 and confirms on the simulator's page, and the callback marks it paid.
// Screenshots go to test-output/e2e/.

import assert from 'node:assert/strict';
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

async function api(path, token, body) {
  const r = await fetch(`${demo.base}${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: r.status, body: await r.json() };
}

test('a worker binds WeChat, withdraws to it, confirms the transfer and is paid', async () => {
  const ctx = await browser.newContext(PHONE);
  const w = await ctx.newPage();
  await otpLogin(w, `${demo.base}/worker/`, demo.workerPhone, 'account-card');
  await w.goto(`${demo.base}/worker/earnings`);
  await w.getByTestId('withdrawable').waitFor({ timeout: 15_000 });
  const withdrawable = Math.round(Number((await w.getByTestId('withdrawable').innerText()).replace(/[^\d.]/g, '')) * 100);
  assert.ok(withdrawable >= 1000, `the demo worker has a withdrawable balance (${withdrawable})`);

  // Binding: the simulator's authorisation page sends the browser back with a code.
  await w.getByTestId('bind-wechat').click();
  await w.getByText('已绑定微信收款账户').waitFor({ timeout: 15_000 });
  assert.match(w.url(), /\/worker\/earnings$/, 'the code is dropped from the address');

  const amount = Math.min(withdrawable, 5000);
  await w.locator('[data-testid="withdraw-amount"] input').first().fill((amount / 100).toFixed(2));
  await w.getByTestId('channel-wechat').click();
  const asked = w.waitForResponse((r) => r.url().endsWith('/api/v1/worker/withdrawals') && r.request().method() === 'POST');
  await w.getByTestId('withdraw-send').click();
  const res = await asked;
  const withdrawal = await res.json();
  assert.equal(res.status(), 201, JSON.stringify(withdrawal));
  assert.equal(withdrawal.channel, 'wechat');

  const login = await api('/api/v1/public/auth/staff/login', null, { login: 'finance', password: demo.staffPassword });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const approved = await api(`/api/v1/admin/withdrawals/${withdrawal.id}/approve`, login.body.access_token, {});
  assert.equal(approved.body.state, 'approved', JSON.stringify(approved.body));
  assert.equal(approved.body.transfer_state, 'WAIT_USER_CONFIRM');

  await w.reload();
  await w.getByTestId('confirm-transfer').waitFor({ timeout: 15_000 });
  await w.screenshot({ path: join(OUT, 'worker-wechat-waiting.png'), fullPage: true });
  await w.getByTestId('confirm-transfer').click();
  await w.locator('[data-test="confirm"]').waitFor({ timeout: 15_000 });
  await w.locator('[data-test="confirm"]').click();
  await w.locator('[data-test="said"]').waitFor();

  // The simulator posts the callback to the demo server; the withdrawal ends paid.
  await w.goto(`${demo.base}/worker/earnings`);
  const paid = w.getByTestId('my-withdrawal').filter({ hasText: '已到账' });
  for (let i = 0; i < 20 && !(await paid.count()); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await w.reload();
    await w.getByTestId('withdrawable').waitFor();
  }
  assert.ok(await paid.count(), 'the withdrawal is paid');
  await w.screenshot({ path: join(OUT, 'worker-wechat-paid.png'), fullPage: true });
  await ctx.close();
});
