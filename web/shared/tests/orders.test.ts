import { describe, expect, it } from 'vitest';
import {
  CUSTOMER_VIEWS,
  ORDER_STATES,
  customerActions,
  customerViewOf,
  outstandingFen,
  readPolicy,
  staffActions,
  stateTone,
  tabFromQuery,
  viewParam,
  type OrderFacts,
} from '../src/orders';
import { policyLines, policyTime } from '../src/policy';

const policy = readPolicy({
  free_cancel_minutes: 120,
  late_cancel_fee_percent: 20,
  late_cancel_fee_cap: 5000,
  reschedule_minutes: 120,
  max_reschedules: 2,
  after_sales_days: 7,
  confirm_hours: 24,
  unpaid_minutes: 30,
});

const order = (state: string, extra: Partial<OrderFacts> = {}): OrderFacts => ({
  state,
  window_start: '2026-11-27T02:00:00Z',
  total_fen: 15900,
  paid_fen: 15900,
  refunded_fen: 0,
  events: [],
  ...extra,
});

describe('the customer’s order tabs', () => {
  it('map every state to the tab the server files it under', () => {
    const expected: Record<string, string> = {
      pending_payment: 'awaiting_payment',
      pending_dispatch: 'awaiting_worker',
      pending_accept: 'awaiting_worker',
      accepted: 'awaiting_service',
      en_route: 'awaiting_service',
      arrived: 'awaiting_service',
      in_service: 'in_service',
      pending_settlement: 'in_service',
      awaiting_balance: 'awaiting_payment',
      completed: 'completed',
      after_sales: 'after_sales',
      cancelled: 'cancelled',
    };
    for (const s of ORDER_STATES) expect(customerViewOf(s), s).toBe(expected[s]);
    expect(customerViewOf('teleported')).toBeNull();
  });

  it('cover every view, and nothing else, in the order of the issue', () => {
    const used = new Set(ORDER_STATES.map((s) => customerViewOf(s)));
    expect([...CUSTOMER_VIEWS].sort()).toEqual([...used].sort());
    expect(CUSTOMER_VIEWS[0]).toBe('awaiting_payment');
    expect(CUSTOMER_VIEWS.at(-1)).toBe('after_sales');
  });

  it('read a tab from the query and send no view for "all"', () => {
    expect(tabFromQuery('completed')).toBe('completed');
    expect(tabFromQuery('nonsense')).toBe('all');
    expect(tabFromQuery(['completed'])).toBe('all');
    expect(viewParam('all')).toBeUndefined();
    expect(viewParam('after_sales')).toBe('after_sales');
  });
});

describe('readPolicy', () => {
  it('keeps numbers and turns anything else into null', () => {
    expect(policy.late_cancel_fee_cap).toBe(5000);
    const odd = readPolicy({ free_cancel_minutes: '120', after_sales_days: Number.NaN, surprise: 1 });
    expect(odd.free_cancel_minutes).toBeNull();
    expect(odd.after_sales_days).toBeNull();
    expect(Object.keys(odd)).not.toContain('surprise');
    expect(readPolicy(null).unpaid_minutes).toBeNull();
  });
});

describe('customerActions', () => {
  const early = new Date('2026-11-26T20:00:00Z'); // six hours before the window
  const late = new Date('2026-11-27T01:30:00Z'); // thirty minutes before

  it('offers cancel and reschedule before the worker sets off', () => {
    for (const s of ['pending_payment', 'pending_dispatch', 'pending_accept', 'accepted']) {
      expect(customerActions(order(s), policy, early), s).toMatchObject({ cancel: true, reschedule: true, afterSales: false });
    }
    for (const s of ['en_route', 'in_service', 'cancelled']) {
      expect(customerActions(order(s), policy, early), s).toMatchObject({ cancel: false, reschedule: false, confirm: false });
    }
    expect(customerActions(order('pending_settlement'), policy, early)).toMatchObject({ confirm: true, cancel: false });
    expect(customerActions(order('awaiting_balance'), policy, early)).toMatchObject({ confirm: false, cancel: false, afterSales: false });
  });

  it('says when rescheduling has become too late under the policy', () => {
    expect(customerActions(order('accepted'), policy, late)).toMatchObject({ reschedule: false, rescheduleTooLate: true, cancel: true });
  });

  it('offers after-sales within the policy’s days after completion', () => {
    const done = order('completed', { events: [{ action: 'complete', state: 'completed', at: '2026-11-27T05:00:00Z' }] });
    expect(customerActions(done, policy, new Date('2026-12-01T00:00:00Z')).afterSales).toBe(true);
    expect(customerActions(done, policy, new Date('2026-12-05T00:00:00Z')).afterSales).toBe(false);
  });
});

describe('staffActions', () => {
  it('follows the state machine', () => {
    expect(staffActions(order('pending_payment', { paid_fen: 0 }))).toMatchObject({ payment: true, assign: false, cancel: true });
    expect(staffActions(order('pending_dispatch'))).toMatchObject({ payment: false, assign: true, reschedule: true });
    expect(staffActions(order('accepted')).visit).toEqual(['depart', 'arrive', 'check_in']);
    expect(staffActions(order('en_route')).visit).toEqual(['arrive', 'check_in']);
    expect(staffActions(order('arrived'))).toMatchObject({ visit: ['start'], cancel: true, reschedule: true });
    expect(staffActions(order('in_service'))).toMatchObject({ visit: ['finish'], cancel: false, reschedule: false });
    expect(staffActions(order('pending_settlement', { paid_fen: 5000 }))).toMatchObject({ visit: ['complete'], payment: true });
    expect(staffActions(order('awaiting_balance', { paid_fen: 5000 }))).toMatchObject({ visit: [], payment: true, openAfterSales: false });
    expect(staffActions(order('completed'))).toMatchObject({ openAfterSales: true, decideAfterSales: false, visit: [] });
    expect(staffActions(order('after_sales'))).toMatchObject({ openAfterSales: false, decideAfterSales: true });
    expect(staffActions(order('cancelled'))).toMatchObject({ cancel: false, payment: false, visit: [] });
  });

  it('owes only what is unpaid', () => {
    expect(outstandingFen({ total_fen: 100, paid_fen: 30 })).toBe(70);
    expect(outstandingFen({ total_fen: 100, paid_fen: 130 })).toBe(0);
  });

  it('gives every state a tone', () => {
    expect(ORDER_STATES.map(stateTone)).not.toContain(undefined);
    expect(stateTone('after_sales')).toBe('danger');
  });
});

describe('policyLines', () => {
  const t = (key: string, named?: Record<string, unknown>) => `${key.replace('common.policy.', '')}${named ? JSON.stringify(named) : ''}`;

  it('states each rule with its figures, the fee cap in yuan', () => {
    const lines = policyLines(policy, { t });
    expect(lines).toEqual([
      'freeCancel{"time":"hours{\\"n\\":2}"}',
      'lateFee{"time":"hours{\\"n\\":2}","percent":20,"cap":"¥50"}',
      'reschedule{"time":"hours{\\"n\\":2}","count":2}',
      'afterDeparture',
      'afterSales{"days":7}',
    ]);
  });

  it('says cancelling is free when there is no late fee, and when rescheduling is not allowed', () => {
    const lines = policyLines({ ...policy, late_cancel_fee_percent: 0, max_reschedules: 0, reschedule_minutes: 90 }, { t });
    expect(lines).toContain('noLateFee');
    expect(lines).toContain('noReschedule');
    expect(policyTime(90, { t })).toBe('minutes{"n":90}');
  });
});
