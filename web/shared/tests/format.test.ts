import { describe, expect, it } from 'vitest';
import {
  addDays,
  describeUserAgent,
  formatDate,
  formatDateTime,
  formatDay,
  formatFen,
  formatTime,
  formatWindow,
  isMobilePhone,
  parseYuan,
  zonedParts,
  zonedToUtc,
} from '../src/format';

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

describe('formatFen', () => {
  it('shows 分 as yuan with two decimals and thousands separators', () => {
    expect(formatFen(15900)).toBe('¥159.00');
    expect(formatFen(5)).toBe('¥0.05');
    expect(formatFen(123456789)).toBe('¥1,234,567.89');
    expect(formatFen(0)).toBe('¥0.00');
    expect(formatFen(-3180)).toBe('-¥31.80');
  });
  it('drops .00 on whole amounts when asked, never cents', () => {
    expect(formatFen(15900, { trim: true })).toBe('¥159');
    expect(formatFen(15950, { trim: true })).toBe('¥159.50');
  });
});

describe('parseYuan', () => {
  it('reads yuan as integer 分 without floating-point error', () => {
    expect(parseYuan('12')).toBe(1200);
    expect(parseYuan(' 12.5 ')).toBe(1250);
    expect(parseYuan('0.29')).toBe(29);
    expect(parseYuan('1.10')).toBe(110);
  });
  it('refuses what is not an amount', () => {
    for (const v of ['', '-1', '1.234', 'abc', '1,000', '.5', '1e3']) expect(parseYuan(v), v).toBeNull();
  });
});

describe('zoned times', () => {
  it('gives the local date, time and weekday in the area’s zone', () => {
    expect(zonedParts('2026-11-25T16:30:00Z')).toEqual({ date: '2026-11-26', time: '00:30', weekday: 4 });
    expect(formatTime('2026-11-26T01:00:00Z')).toBe('09:00');
    expect(formatTime(null)).toBe('—');
  });
  it('formats a window on one day and one spanning midnight', () => {
    expect(formatWindow('2026-11-26T01:00:00Z', '2026-11-26T02:00:00Z', 'zh-CN')).toMatch(/^11月26日.*周四 09:00–10:00$/);
    expect(formatWindow('2026-11-26T01:00:00Z', '2026-11-26T02:00:00Z', 'en')).toBe('Thu, Nov 26 09:00–10:00');
    expect(formatWindow('2026-11-26T15:30:00Z', '2026-11-26T16:30:00Z', 'en')).toBe('Thu, Nov 26 23:30 – Fri, Nov 27 00:30');
  });
  it('names a calendar date and counts days across month ends', () => {
    expect(formatDay('2026-11-27', 'en')).toBe('Fri, Nov 27');
    expect(formatDay('not a date', 'en')).toBe('not a date');
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2026-12-31', 2)).toBe('2027-01-02');
  });
});

describe('zonedToUtc', () => {
  it('turns a local date and time into the instant, whatever the machine’s zone', () => {
    expect(zonedToUtc('2026-11-27', '09:00')).toBe('2026-11-27T01:00:00.000Z');
    expect(zonedToUtc('2026-11-27', '00:30', 'Asia/Shanghai')).toBe('2026-11-26T16:30:00.000Z');
    expect(zonedToUtc('2026-07-01', '09:00', 'America/New_York')).toBe('2026-07-01T13:00:00.000Z');
    expect(zonedToUtc('2026-12-01', '09:00', 'America/New_York')).toBe('2026-12-01T14:00:00.000Z');
  });
  it('is null for what is not a date and a time', () => {
    expect(zonedToUtc('27/11/2026', '09:00')).toBeNull();
    expect(zonedToUtc('2026-11-27', '9am')).toBeNull();
  });
});
