// Starts a real `daojia demo` process on a free port in a temporary folder, and a headless
// Debian Chromium driven by playwright-core (never a downloaded browser).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..');
export const OUT = join(ROOT, 'test-output', 'e2e');
mkdirSync(OUT, { recursive: true });

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on('error', fail);
  });
}

function binary() {
  if (process.env.DAOJIA_BIN) return process.env.DAOJIA_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(process.env.HOME, '.cache', 'daojia-target');
  return join(target, 'debug', 'daojia');
}

/** Starts `daojia demo`; resolves with its base URL, the banner facts and a stop function. */
export async function startDemo({ toml } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'daojia-e2e-'));
  // Extra configuration, read by `daojia demo` from its working directory.
  if (toml) writeFileSync(join(dir, 'daojia.toml'), toml);
  const child = spawn(binary(), ['demo', '--addr', `127.0.0.1:${port}`], {
    cwd: dir,
    env: { ...process.env, DAOJIA_LOG_FORMAT: 'json', DAOJIA_LOG: 'warn', DATABASE_URL: `sqlite://${join(dir, 'daojia.db')}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`daojia demo exited ${child.exitCode}:\n${stdout}\n${stderr}`);
    try {
      const r = await fetch(`${base}/readyz`);
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`daojia demo did not become ready:\n${stdout}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const grab = (re) => {
    const m = stdout.match(re);
    if (!m) throw new Error(`banner lacks ${re}:\n${stdout}`);
    return m[1];
  };
  return {
    base,
    customerPhone: grab(/Customer app .*e\.g\. (\d{11})/),
    workerPhone: grab(/Worker app .*e\.g\. (\d{11})/),
    staffPassword: grab(/password (\S+)/),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Launches Debian's Chromium headless; Playwright gives it a fresh temporary profile. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** A phone-sized browser context (the customer and worker apps are mobile H5). */
export const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' };
/** A desktop context for the console. */
export const DESKTOP = { viewport: { width: 1440, height: 900 }, locale: 'zh-CN' };

/**
 * Logs in with a phone and the SMS code the demo server returns, after ticking the consent
 * to the privacy policy and terms, then waits for the element with test id `ready` (the
 * page the app lands on).
 */
export async function otpLogin(page, url, phone, ready) {
  await page.goto(url);
  await page.locator('[data-testid="consent-check"] .van-checkbox__icon').click();
  await page.locator('[data-testid="phone"] input, input[data-testid="phone"]').first().fill(phone);
  const sent = page.waitForResponse((r) => r.url().endsWith('/api/v1/public/auth/otp') && r.request().method() === 'POST');
  await page.getByTestId('send-code').click();
  const body = await (await sent).json();
  assert.match(body.dev_code, /^\d{6}$/, 'the demo returns the code');
  await page.locator('[data-testid="code"] input, input[data-testid="code"]').first().fill(body.dev_code);
  await page.getByTestId('login').click();
  await page.getByTestId(ready).waitFor({ timeout: 15_000 });
}

/** Logs in to the console with a username and the demo's staff password. */
export async function staffLogin(page, base, username, password) {
  await page.goto(`${base}/admin/`);
  await page.locator('[data-testid="username"] input, input[data-testid="username"]').first().fill(username);
  await page.locator('[data-testid="password"] input, input[data-testid="password"]').first().fill(password);
  await page.getByTestId('login').click();
  await page.getByTestId('account-card').waitFor({ timeout: 15_000 });
}

/**
 * Calls the demo's API at `base` directly (JSON in and out, a bearer token when given) and
 * answers the status and the parsed body (null when empty), for a test's set-up and checks.
 */
export async function apiCall(base, method, path, { token, body } = {}) {
  const r = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}
