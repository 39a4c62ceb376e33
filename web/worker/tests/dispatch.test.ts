import { describe, expect, it } from 'vitest';
import { ApiError } from '@daojia/shared';
import {
  REASON_MAX,
  countdownTone,
  distanceParts,
  formatCountdown,
  ineligibleReason,
  leaveAt,
  rejectionText,
  secondsLeft,
  sortPool,
  tripParts,
  type Pooled,
} from '../src/dispatch';

describe('the offer countdown', () => {
  const deadline = '2026-03-02T08:00:00Z';
  const at = (iso: string): number => Date.parse(iso);

  it('counts whole seconds up to the deadline, rounding a part second up, and stops at zero', () => {
    expect(secondsLeft(deadline, at('2026-03-02T07:58:00Z'))).toBe(120);
    expect(secondsLeft(deadline, at('2026-03-02T07:59:59.200Z'))).toBe(1);
    expect(secondsLeft(deadline, at('2026-03-02T08:00:00Z'))).toBe(0);
    expect(secondsLeft(deadline, at('2026-03-02T08:05:00Z'))).toBe(0);
    expect(secondsLeft('not a date', at('2026-03-02T07:00:00Z'))).toBe(0);
  });

  it('reads as a clock', () => {
    expect(formatCountdown(0)).toBe('0:00');
    expect(formatCountdown(9)).toBe('0:09');
    expect(formatCountdown(59.9)).toBe('0:59');
    expect(formatCountdown(120)).toBe('2:00');
    expect(formatCountdown(245)).toBe('4:05');
    expect(formatCountdown(3723)).toBe('1:02:03');
    expect(formatCountdown(-5)).toBe('0:00');
  });

  it('hurries in the last 30 seconds or the last fifth, and is over at zero', () => {
    expect(countdownTone(120, 120)).toBe('calm');
    expect(countdownTone(31, 120)).toBe('calm');
    expect(countdownTone(30, 120)).toBe('hurry');
    expect(countdownTone(100, 600)).toBe('hurry');
    expect(countdownTone(121, 600)).toBe('calm');
    expect(countdownTone(0, 120)).toBe('over');
  });
});

describe('distances', () => {
  it('are whole metres under a kilometre and kilometres to 0.1 above', () => {
    expect(distanceParts(0)).toEqual({ unit: 'm', value: '0' });
    expect(distanceParts(849.6)).toEqual({ unit: 'm', value: '850' });
    expect(distanceParts(999.4)).toEqual({ unit: 'm', value: '999' });
    expect(distanceParts(999.6)).toEqual({ unit: 'km', value: '1.0' });
    expect(distanceParts(3240)).toEqual({ unit: 'km', value: '3.2' });
    expect(distanceParts(12_960)).toEqual({ unit: 'km', value: '13.0' });
  });
});

describe('a trip to a job', () => {
  it('takes whole minutes, at least one, with hours split off', () => {
    expect(tripParts(0)).toEqual({ h: 0, m: 1 });
    expect(tripParts(29)).toEqual({ h: 0, m: 1 });
    expect(tripParts(750)).toEqual({ h: 0, m: 13 });
    expect(tripParts(3600)).toEqual({ h: 1, m: 0 });
    expect(tripParts(3900)).toEqual({ h: 1, m: 5 });
  });

  it('sets off in time for the expected start, never before the worker is free', () => {
    const travel = { depart: '2026-03-02T22:00:00Z', arrive: '2026-03-02T22:20:00Z', seconds: 1200, km: 6.1 };
    // Free at 06:00 (22:00 UTC) for a job starting at 18:30: leave at 18:10, not at 06:00.
    expect(leaveAt({ start: '2026-03-03T10:30:00Z', travel })).toBe('2026-03-03T10:10:00.000Z');
    // A tight day: the job starts on arrival; leave when free.
    expect(leaveAt({ start: '2026-03-02T22:20:00Z', travel })).toBe('2026-03-02T22:00:00.000Z');
    expect(leaveAt({ start: '2026-03-02T22:20:00Z', travel: null })).toBeNull();
  });
});

describe('the grab pool order', () => {
  const pooled = (id: string, distance_m: number, window_start: string): Pooled => ({
    order_id: id,
    order_no: id,
    items: ['日常保洁'],
    window_start,
    window_end: window_start,
    duration_min: 120,
    distance_m,
    amount_fen: 15_900,
    area_code: 'sh-xuhui',
    since: '2026-03-02T00:00:00Z',
  });
  const list = [
    pooled('a', 3000, '2026-03-02T06:00:00Z'),
    pooled('b', 800, '2026-03-02T09:00:00Z'),
    pooled('c', 800, '2026-03-02T02:00:00Z'),
    pooled('d', 5000, '2026-03-02T02:00:00Z'),
  ];
  const ids = (l: Pooled[]): string[] => l.map((p) => p.order_id);

  it('is nearest first, the earlier window breaking a tie', () => {
    expect(ids(sortPool(list, 'distance'))).toEqual(['c', 'b', 'a', 'd']);
  });

  it('is soonest first, the nearer breaking a tie', () => {
    expect(ids(sortPool(list, 'time'))).toEqual(['c', 'd', 'a', 'b']);
  });

  it('leaves the list it was given as it was, and orders full ties by id', () => {
    const same = [pooled('z', 1, '2026-03-02T02:00:00Z'), pooled('y', 1, '2026-03-02T02:00:00Z')];
    expect(ids(sortPool(same, 'distance'))).toEqual(['y', 'z']);
    expect(ids(same)).toEqual(['z', 'y']);
  });
});

describe('the reason sent with a rejection', () => {
  it('is the chosen reason, with the worker’s words after it when there are some', () => {
    expect(rejectionText('too_far', '距离太远', '')).toBe('距离太远');
    expect(rejectionText('too_far', '距离太远', '  下午在浦东 ')).toBe('距离太远：下午在浦东');
  });

  it('is the worker’s own words for "other", which needs some', () => {
    expect(rejectionText('other', '其他', '家里有事')).toBe('家里有事');
    expect(rejectionText('other', '其他', '   ')).toBeNull();
    expect(rejectionText(null, '', '家里有事')).toBeNull();
  });

  it('is cut to what the API takes, counting characters, not bytes', () => {
    const text = rejectionText('other', '其他', '很'.repeat(300))!;
    expect(Array.from(text)).toHaveLength(REASON_MAX);
  });
});

describe('why a claim was refused', () => {
  const problem = (code: string, detail: string | null) => new ApiError({ type: 'about:blank', title: 'Conflict', status: 409, code, detail });

  it('is the reason code the server names for not_eligible', () => {
    expect(ineligibleReason(problem('not_eligible', 'you cannot take this order (no_grab_rights)'))).toBe('no_grab_rights');
    expect(ineligibleReason(problem('not_eligible', "you do not work in this order's city"))).toBeNull();
  });

  it('is nothing for other refusals', () => {
    expect(ineligibleReason(problem('order_taken', 'another worker has taken this order (x)'))).toBeNull();
    expect(ineligibleReason(new Error('boom'))).toBeNull();
  });
});
