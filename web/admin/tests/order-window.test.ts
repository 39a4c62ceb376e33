import { describe, expect, it } from 'vitest';
import { pickedStart, startTimes } from '../src/pages/order/window';

describe('choosing a window', () => {
  it('offers half-hour starts within the hours, the last an hour before closing', () => {
    expect(startTimes(9 * 60, 12 * 60)).toEqual(['09:00', '09:30', '10:00', '10:30', '11:00']);
    const all = startTimes(null, undefined);
    expect(all[0]).toBe('08:00');
    expect(all.at(-1)).toBe('20:00');
  });

  it('takes the open window chosen, or says to choose one', () => {
    const base = { mode: 'slots' as const, date: '', time: '', timeZone: 'Asia/Shanghai' };
    expect(pickedStart({ ...base, chosen: '2026-12-01T02:00:00Z' })).toEqual({ start: '2026-12-01T02:00:00Z' });
    expect(pickedStart({ ...base, chosen: null })).toEqual({ errors: { window_start: 'orderDetail.pickWindow' } });
  });

  it("reads another time in the area's zone, whatever the machine's", () => {
    const base = { mode: 'manual' as const, chosen: null, timeZone: 'Asia/Shanghai' };
    expect(pickedStart({ ...base, date: '2026-12-01', time: '10:30' })).toEqual({ start: '2026-12-01T02:30:00.000Z' });
    expect(pickedStart({ ...base, date: '', time: '' })).toEqual({ errors: { date: 'common.errors.fields.required', window_start: 'common.errors.fields.required' } });
    expect(pickedStart({ ...base, date: '2026-12-01', time: '' })).toEqual({ errors: { window_start: 'common.errors.fields.required' } });
  });
});
