import { describe, expect, it } from 'vitest';
import { exportName, inRange, lastMonth, rangeError, thisMonth } from '../src/pages/reports/reports';

describe('finance reports', () => {
  it('defaults to this month so far in China, and knows last month', () => {
    // 2026-12-31 20:00 UTC is already 2027-01-01 in China.
    expect(thisMonth(new Date('2026-12-31T20:00:00Z'))).toEqual(['2027-01-01', '2027-01-01']);
    expect(thisMonth(new Date('2026-12-06T03:00:00Z'))).toEqual(['2026-12-01', '2026-12-06']);
    expect(lastMonth(new Date('2026-03-15T03:00:00Z'))).toEqual(['2026-02-01', '2026-02-28']);
    expect(lastMonth(new Date('2026-01-10T03:00:00Z'))).toEqual(['2025-12-01', '2025-12-31']);
  });

  it('checks a range as the server does', () => {
    expect(rangeError('2026-12-01', '2026-12-01')).toBeNull();
    expect(rangeError('2026-12-02', '2026-12-01')).toBe('reports.errors.order');
    expect(rangeError('2026-01-01', '2027-01-02')).toBe('reports.errors.tooLong');
    expect(rangeError('2026-01-01', '2027-01-01')).toBeNull();
    expect(rangeError('2026-01-01', '2026-12-31')).toBeNull();
    expect(rangeError('', '2026-12-01')).toBe('common.errors.fields.required');
  });

  it('names exports and filters runs by bill date', () => {
    expect(exportName('revenue', '2026-12-01', '2026-12-31', 'area')).toBe('revenue-area-2026-12-01-2026-12-31.csv');
    expect(exportName('refunds', '2026-12-01', '2026-12-31')).toBe('refunds-2026-12-01-2026-12-31.csv');
    expect(inRange('2026-12-05', '2026-12-01', '2026-12-31')).toBe(true);
    expect(inRange('2026-11-30', '2026-12-01', '2026-12-31')).toBe(false);
  });
});
