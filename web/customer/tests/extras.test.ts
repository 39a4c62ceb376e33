import { describe, expect, it } from 'vitest';
import { extraVisits, waiting } from '../src/pages/order/extras';

const order = (state: string, visits: { id: string; order_no: string; state: string }[] = []) => ({ id: 'o1', order_no: 'DJ1', state, visits });

describe('extra items on the order page', () => {
  it('loads the extras of visits from the door until the service is confirmed', () => {
    expect(extraVisits(order('accepted'))).toEqual([]);
    expect(extraVisits(order('en_route'))).toEqual([]);
    expect(extraVisits(order('arrived'))).toEqual(['o1']);
    expect(extraVisits(order('in_service'))).toEqual(['o1']);
    expect(extraVisits(order('pending_settlement'))).toEqual(['o1']);
    expect(extraVisits(order('completed'))).toEqual(['o1']);
    expect(extraVisits(order('cancelled'))).toEqual([]);
    const two = order('in_service', [
      { id: 'v1', order_no: 'DJ1-1', state: 'in_service' },
      { id: 'v2', order_no: 'DJ1-2', state: 'accepted' },
    ]);
    expect(extraVisits(two)).toEqual(['v1']);
  });

  it('sums what waits for an answer', () => {
    const list = [
      { id: 'a', order_id: 'o1', status: 'proposed', total_fen: 3000 },
      { id: 'b', order_id: 'o1', status: 'confirmed', total_fen: 5000 },
      { id: 'c', order_id: 'o1', status: 'proposed', total_fen: 1200 },
      { id: 'd', order_id: 'o1', status: 'declined', total_fen: 900 },
    ];
    const w = waiting(list);
    expect(w.list.map((e) => e.id)).toEqual(['a', 'c']);
    expect(w.totalFen).toBe(4200);
    expect(waiting([])).toEqual({ list: [], totalFen: 0 });
  });
});
