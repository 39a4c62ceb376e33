import { describe, expect, it } from 'vitest';
import { doorCodeVisits, readableCode } from '../src/pages/order/doorCode';

const order = (state: string, visits: { id: string; order_no: string; state: string }[] = []) => ({ id: 'o1', order_no: 'D1', state, visits });

describe('which visits show the door check code', () => {
  it('shows it while the worker is on the way or at the door, not before or after', () => {
    expect(doorCodeVisits(order('en_route'))).toEqual([{ id: 'o1', orderNo: 'D1', state: 'en_route' }]);
    expect(doorCodeVisits(order('arrived'))).toEqual([{ id: 'o1', orderNo: 'D1', state: 'arrived' }]);
    for (const s of ['accepted', 'in_service', 'pending_settlement', 'cancelled', 'pending_dispatch']) {
      expect(doorCodeVisits(order(s))).toEqual([]);
    }
  });

  it('takes each visit of an order of several trades on its own', () => {
    const o = order('accepted', [
      { id: 'v1', order_no: 'D1', state: 'in_service' },
      { id: 'v2', order_no: 'D2', state: 'arrived' },
      { id: 'v3', order_no: 'D3', state: 'en_route' },
    ]);
    expect(doorCodeVisits(o).map((v) => v.id)).toEqual(['v2', 'v3']);
    // One visit listed: the order's own state counts.
    expect(doorCodeVisits(order('en_route', [{ id: 'o1', order_no: 'D1', state: 'en_route' }]))).toHaveLength(1);
  });
});

describe('how the code reads', () => {
  it('splits it in two groups', () => {
    expect(readableCode('482913')).toBe('482 913');
    expect(readableCode('004217')).toBe('004 217');
    expect(readableCode('4829')).toBe('48 29');
    expect(readableCode('48291')).toBe('482 91');
    expect(readableCode('12')).toBe('12');
  });
});
