// A dispatcher works the dispatch board on the demo's today (tomorrow when today has no
// order waiting any more): the board of an area with orders waiting shows the map, the waiting list and a timeline row per worker; the
// dispatcher drags a waiting order onto a worker's row, the server's check answers in a
// dialog (no conflict, or the conflicts with a reason asked for), the dispatcher confirms,
// and the order appears on that worker's timeline (and is theirs in the API). Screenshots
// go to test-output/e2e/board-*.png.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { DESKTOP, OUT, launch, staffLogin, startDemo } from '../support.js';

let demo;
let browser;

before(async () => {
  // Manual dispatch: the dispatcher drags the order; the automatic engine must not take it first.
  demo = await startDemo({ toml: '[dispatch]\nmode = "manual"\n' });
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

/** The area with the most orders waiting on the board of `date` (today when absent), with its board. */
async function busiestBoard(token, date) {
  const areas = await call('GET', '/api/v1/public/areas');
  assert.equal(areas.status, 200, JSON.stringify(areas.body));
  let best = null;
  for (const a of areas.body) {
    const b = await call('GET', `/api/v1/admin/board?area=${a.code}${date ? `&date=${date}` : ''}`, undefined, token);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    const waiting = b.body.unassigned.filter((o) => o.state === 'pending_dispatch');
    if (b.body.workers.length && waiting.length && (!best || waiting.length > best.waiting.length)) best = { board: b.body, waiting };
  }
  return best;
}

/** The day after `date` (YYYY-MM-DD). */
function nextDay(date) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

test('a dispatcher drags a waiting order onto a worker on the board and it lands on their timeline', async () => {
  const login = await call('POST', '/api/v1/public/auth/staff/login', { login: 'dispatcher', password: demo.staffPassword });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.access_token;
  // Today's board; late in the day every order of today may be taken or over, and then
  // tomorrow's (the demo books both) is the one with orders waiting.
  let found = await busiestBoard(token);
  if (!found) {
    const today = (await call('GET', '/api/v1/admin/board?area=' + (await call('GET', '/api/v1/public/areas')).body[0].code, undefined, token)).body.date;
    found = await busiestBoard(token, nextDay(today));
  }
  assert.ok(found, "the demo's today or tomorrow has an area with orders waiting and workers");
  const { board, waiting } = found;
  const order = waiting[0];
  // A worker the order fits if there is one (the dialog then says so); else the first.
  let worker = board.workers[0];
  let fits = false;
  for (const w of board.workers) {
    const r = await call('POST', `/api/v1/admin/orders/${order.order_id}/assign`, { worker_id: w.id, dry_run: true }, token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.state, 'pending_dispatch', 'a dry run changes nothing');
    if (r.body.conflicts.length === 0) {
      worker = w;
      fits = true;
      break;
    }
  }

  // Tall enough that the waiting list and every timeline row are on screen for the drag.
  const ctx = await browser.newContext({ ...DESKTOP, viewport: { width: 1440, height: 1500 } });
  const page = await ctx.newPage();
  await staffLogin(page, demo.base, 'dispatcher', demo.staffPassword);
  await page.getByTestId('menu-board').click();
  await page.goto(`${demo.base}/admin/board?area=${board.area}&date=${board.date}`);
  await page.getByTestId('board-timeline').waitFor({ timeout: 15_000 });
  await page.getByTestId('board-map').waitFor();
  // The demo dispatches by itself (offers, expiries) while the test runs: compare with the
  // board as the server has it now, not as it was before the browser opened.
  await page.waitForTimeout(1000);
  const rows = await page.getByTestId('timeline-row').count();
  const now = await call('GET', `/api/v1/admin/board?area=${board.area}&date=${board.date}`, undefined, token);
  assert.equal(rows, now.body.workers.length, 'a timeline row per worker');
  const source = page.locator(`[data-testid="board-waiting-order"][data-order="${order.order_id}"]`);
  await source.waitFor();
  await page.screenshot({ path: join(OUT, 'board-open.png'), fullPage: true });

  const row = page.locator(`[data-testid="timeline-row"][data-row="${worker.id}"]`);
  await source.dragTo(row.locator('.day-timeline__track'));
  const dialog = page.getByTestId('board-assign');
  await dialog.waitFor({ timeout: 10_000 });
  if (fits) {
    await page.getByTestId('board-assign-fits').waitFor({ timeout: 10_000 });
  } else {
    await page.getByTestId('board-assign-conflicts').waitFor({ timeout: 10_000 });
    const listed = await page.locator('[data-testid="board-assign-conflicts"] li').count();
    assert.ok(listed > 0, 'the conflicts are listed');
    assert.equal(await page.getByTestId('board-assign-confirm').isDisabled(), true, 'a reason is needed first');
    await page.locator('[data-testid="board-assign-reason"] textarea, textarea[data-testid="board-assign-reason"]').first().fill('e2e: the customer asked for this worker');
  }
  await page.screenshot({ path: join(OUT, 'board-check.png'), fullPage: true });
  await page.getByTestId('board-assign-confirm').click();
  await page.getByTestId('board-done').waitFor({ timeout: 10_000 });
  await row.locator(`[data-testid="timeline-job"][data-key="${order.order_id}"]`).waitFor({ timeout: 10_000 });
  assert.equal(await source.count(), 0, 'the order no longer waits');
  await page.screenshot({ path: join(OUT, 'board-assigned.png'), fullPage: true });

  const o = await call('GET', `/api/v1/admin/orders/${order.order_id}`, undefined, token);
  assert.equal(o.body.state, 'accepted', JSON.stringify(o.body));
  assert.equal(o.body.worker_id, worker.id);

  // The order's explanation opens from its job (no engine decision recorded yet is fine).
  await row.locator(`[data-testid="timeline-job"][data-key="${order.order_id}"]`).click();
  await page.getByTestId('board-explain').waitFor();
  await ctx.close();
});
