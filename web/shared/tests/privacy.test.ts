import { describe, expect, it } from 'vitest';
import { createApi } from '../src/api/client';
import { acceptConsent, exportFileName, forgetConsent, markdownToText, needsConsent } from '../src/privacy';
import { json, memoryStorage, pair, problem, scriptedFetch } from './helpers';

const BASE = 'http://daojia.test';

function consentServer() {
  let accepted: string | null = null;
  const current = '2026-12-01';
  const status = () => ({
    required: accepted !== current,
    documents: ['privacy', 'terms'].map((document) => ({ document, current_version: current, accepted_version: accepted, accepted_at: null })),
  });
  return scriptedFetch((s) => {
    if (s.path === '/api/v1/worker/consent' && s.method === 'GET') return json(status());
    if (s.path === '/api/v1/worker/consent' && s.method === 'POST') {
      const body = JSON.parse(s.body) as { privacy_version: string };
      if (body.privacy_version !== current) return problem(422, 'validation_failed');
      accepted = current;
      return json(status());
    }
    return problem(404, 'not_found');
  });
}

describe('consent in the mobile apps', () => {
  it('asks the server until the account has accepted, then not again in this page load', async () => {
    const { fetch, seen } = consentServer();
    const api = createApi('worker', { baseUrl: BASE, fetch, storage: memoryStorage() });
    api.signIn(pair(1));
    expect(await needsConsent(api)).toBe(true);
    expect(await needsConsent(api)).toBe(true);
    await expect(acceptConsent(api, { privacy_version: '2020-01-01', terms_version: '2026-12-01' })).rejects.toThrow();
    await acceptConsent(api, { privacy_version: '2026-12-01', terms_version: '2026-12-01' });
    const asked = seen.length;
    expect(await needsConsent(api)).toBe(false);
    expect(seen.length).toBe(asked);
    // After log-out the next account is asked afresh.
    forgetConsent(api);
    expect(await needsConsent(api)).toBe(false);
    expect(seen.length).toBe(asked + 1);
  });

  it('lets the app go on when the server cannot be asked', async () => {
    const { fetch } = scriptedFetch(() => problem(503, 'unavailable'));
    const api = createApi('customer', { baseUrl: BASE, fetch, storage: memoryStorage() });
    api.signIn(pair(1));
    expect(await needsConsent(api)).toBe(false);
  });
});

describe('documents and exports', () => {
  it('shows a policy as plain text: no heading marks, bullets for list items, no emphasis marks', () => {
    const md = '# 隐私政策\n\n说明。\n\n## 我们收集的信息\n- **手机号**：用于登录。\n- 地址\n\n\n\n结束';
    expect(markdownToText(md)).toBe('隐私政策\n\n说明。\n\n我们收集的信息\n• 手机号：用于登录。\n• 地址\n\n结束');
  });

  it('names an export after the audience and the local date', () => {
    expect(exportFileName('customer', new Date(2026, 0, 5, 23, 59))).toBe('daojia-customer-export-20260105.json');
  });
});
