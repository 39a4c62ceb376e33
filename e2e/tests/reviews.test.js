// Reviews (docs/reviews.md) in the three apps against a real demo server: the customer's
// completed order shows its review card (the form when one may still be written, else the
// review), the worker's 我的评价 lists their reviews with the rating, and the console's
// 评价管理 hides a review with a reason. Screenshots go to test-output/e2e/.

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

async function call(path, token) {
  const r = await fetch(`${demo.base}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return r.json();
}

test('a customer sees the review card of a completed order and reviews it while the window is open', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await otpLogin(page, `${demo.base}/login`, demo.customerPhone, 'home-page');
  const token = await page.evaluate(() => JSON.parse(localStorage.getItem('daojia.customer.tokens')).accessToken);
  const done = await call('/api/v1/customer/orders?view=completed', token);
  assert.ok(done.length > 0, 'the sample customer has completed orders');
  let open = null;
  let reviewed = null;
  for (const o of done) {
    const s = await call(`/api/v1/customer/orders/${o.id}/review`, token);
    if (s.can_post && !open) open = o;
    if (s.review && !reviewed) reviewed = o;
  }
  assert.ok(open || reviewed, 'a completed order with a review or one to write');
  if (open) {
    await page.goto(`${demo.base}/orders/${open.id}`);
    await page.getByTestId('review-write').click();
    await page.locator('[data-testid="review-stars"] .van-rate__item').nth(3).click();
    await page.getByTestId('review-tag-tidy').click();
    await page.locator('[data-testid="review-text-input"] textarea').fill('师傅很细心，收拾得很干净。');
    await page.screenshot({ path: join(OUT, 'review-form.png'), fullPage: true });
    await page.getByTestId('review-submit').click();
    await page.getByTestId('review-rating').waitFor({ timeout: 15_000 });
    assert.equal(await page.getByTestId('review-rating').getAttribute('data-rating'), '4');
    assert.match(await page.getByTestId('review-text').innerText(), /细心/);
    await page.screenshot({ path: join(OUT, 'review-posted.png'), fullPage: true });
  }
  if (reviewed) {
    await page.goto(`${demo.base}/orders/${reviewed.id}`);
    await page.getByTestId('order-review').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(OUT, 'review-shown.png'), fullPage: true });
  }
  await ctx.close();
});

test('a worker reads their reviews and their rating', async () => {
  const ctx = await browser.newContext(PHONE);
  const page = await ctx.newPage();
  await otpLogin(page, `${demo.base}/worker/`, demo.workerPhone, 'account-card');
  await page.getByTestId('reviews-link').click();
  await page.getByTestId('my-rating').waitFor({ timeout: 15_000 });
  assert.match(await page.getByTestId('my-rating').innerText(), /\d\.\d/);
  await page.screenshot({ path: join(OUT, 'worker-reviews.png'), fullPage: true });
  await ctx.close();
});

test('staff hide a review with a reason in the console', async () => {
  const ctx = await browser.newContext(DESKTOP);
  const page = await ctx.newPage();
  await staffLogin(page, demo.base, 'admin', demo.staffPassword);
  await page.goto(`${demo.base}/admin/reviews`);
  await page.getByTestId('review-hide').first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(OUT, 'console-reviews.png') });
  await page.getByTestId('review-hide').first().click();
  await page.locator('textarea[data-testid="review-reason"], [data-testid="review-reason"] textarea').first().fill('含有辱骂内容');
  await page.getByTestId('review-moderate').click();
  await page.getByTestId('review-unhide').first().waitFor({ timeout: 15_000 });
  await page.screenshot({ path: join(OUT, 'console-review-hidden.png') });
  await ctx.close();
});
