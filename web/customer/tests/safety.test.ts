import { describe, expect, it } from 'vitest';
import { arrivalVisits, sosVisit } from '../src/pages/order/safety';

const order = (state: string, visits: { id: string; order_no: string; state: string }[] = []) => ({ id: 'o1', order_no: 'D1', state, visits });

describe('safety on the order page', () => {
  it('shows who has come while the worker is at the door or serving', () => {
    expect(arrivalVisits(order('arrived'))).toEqual([{ id: 'o1', orderNo: 'D1', state: 'arrived' }]);
    expect(arrivalVisits(order('in_service'))).toHaveLength(1);
    for (const s of ['en_route', 'accepted', 'pending_settlement', 'cancelled']) expect(arrivalVisits(order(s))).toEqual([]);
  });

  it('offers SOS during the visit only, on the first visit under way', () => {
    expect(sosVisit(order('en_route'))?.id).toBe('o1');
    expect(sosVisit(order('accepted'))).toBeNull();
    expect(sosVisit(order('completed'))).toBeNull();
    const several = order('accepted', [
      { id: 'v1', order_no: 'D1', state: 'completed' },
      { id: 'v2', order_no: 'D2', state: 'in_service' },
      { id: 'v3', order_no: 'D3', state: 'arrived' },
    ]);
    expect(sosVisit(several)?.id).toBe('v2');
    expect(arrivalVisits(several).map((v) => v.id)).toEqual(['v2', 'v3']);
  });
});
