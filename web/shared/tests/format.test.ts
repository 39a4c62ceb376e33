import { describe, expect, it } from 'vitest';
import { describeUserAgent, formatDate, formatDateTime, isMobilePhone } from '../src/format';

describe('formatDateTime', () => {
  it('shows China time whatever the machine’s zone (the tests run in New York)', () => {
    // 16:30 UTC is half past midnight the next day in Shanghai.
    expect(formatDateTime('2026-11-25T16:30:00Z', 'zh-CN')).toBe('2026/11/26 00:30');
    expect(formatDateTime('2026-11-25T16:30:00Z', 'en')).toMatch(/^11\/26\/2026,? 00:30$/);
  });
  it('shows a dash for nothing and the raw text for what is not a time', () => {
    expect(formatDateTime(null, 'zh-CN')).toBe('—');
    expect(formatDateTime(undefined, 'en')).toBe('—');
    expect(formatDateTime('not a time', 'zh-CN')).toBe('not a time');
  });
});

describe('formatDate', () => {
  it('gives the Shanghai calendar date', () => {
    expect(formatDate('2026-11-25T16:30:00Z', 'zh-CN')).toBe('2026/11/26');
    expect(formatDate('', 'zh-CN')).toBe('—');
  });
});

describe('isMobilePhone', () => {
  it('accepts 11-digit mainland mobile numbers, trimmed', () => {
    expect(isMobilePhone('13800138000')).toBe(true);
    expect(isMobilePhone(' 19912345678 ')).toBe(true);
  });
  it('rejects anything else', () => {
    for (const v of ['', '1380013800', '138001380001', '23800138000', '138-0013-8000', '+8613800138000']) {
      expect(isMobilePhone(v), v).toBe(false);
    }
  });
});

describe('describeUserAgent', () => {
  it('names the app and the system', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36',
      ),
    ).toBe('Chrome · Android');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47',
      ),
    ).toBe('WeChat · iOS');
    expect(describeUserAgent('Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0')).toBe(
      'Edge · Windows',
    );
    expect(describeUserAgent('curl/8.5.0')).toBe('curl');
  });
  it('gives null for no header and a shortened header for one it does not know', () => {
    expect(describeUserAgent(null)).toBeNull();
    expect(describeUserAgent('x'.repeat(100))).toBe('x'.repeat(40));
  });
});
