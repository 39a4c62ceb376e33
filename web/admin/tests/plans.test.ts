import { describe, expect, it } from 'vitest';
import {
  PALETTE,
  SKIP_REASONS,
  colorOf,
  compareTotals,
  hourTicks,
  oneDecimal,
  plannedOrders,
  skipReasonKey,
  span,
  statusTag,
  timelineScale,
  tomorrow,
  type PlanRoute,
  type PlanStop,
} from '../src/pages/plans/plan';

const stop = (kind: string, arrival: string, start: string, finish: string, elsewhere = false): PlanStop => ({
  kind,
  arrival,
  start,
  finish,
  elsewhere,
  km: 1,
  order_id: kind === 'order' ? '01' : null,
  order_no: kind === 'order' ? 'DJ1' : null,
  at: kind === 'order' ? { lat: 31.2, lng: 121.4 } : null,
  window_start: null,
  window_end: null,
});

const route = (departure: string, back: string, stops: PlanStop[]): PlanRoute => ({
  worker_id: 'w',
  worker_code: 'W0001',
  worker_name: '王秀英',
  home: { lat: 31.2, lng: 121.4 },
  departure,
  back,
  km: 10,
  hours: 8,
  orders: stops.filter((s) => s.kind === 'order').length,
  stops,
});

// 08:40 to 17:20 China time on 2 December 2026.
const DAY = route('2026-12-02T00:40:00Z', '2026-12-02T09:20:00Z', [
  stop('order', '2026-12-02T01:00:00Z', '2026-12-02T01:00:00Z', '2026-12-02T03:15:00Z'),
  stop('break', '2026-12-02T04:00:00Z', '2026-12-02T04:00:00Z', '2026-12-02T05:00:00Z'),
  stop('order', '2026-12-02T05:20:00Z', '2026-12-02T06:00:00Z', '2026-12-02T09:00:00Z', true),
]);

describe('route planning page', () => {
  it('gives every route a colour, repeating after the palette', () => {
    expect(colorOf(0)).toBe(PALETTE[0]);
    expect(colorOf(PALETTE.length + 1)).toBe(PALETTE[1]);
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });

  it('scales the timeline to whole hours around every route', () => {
    const scale = timelineScale([DAY])!;
    expect(new Date(scale.start).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(new Date(scale.end).toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(hourTicks(scale)).toHaveLength(11);
    expect(timelineScale([])).toBeNull();
  });

  it('places a stop on the scale in percent and clips it to the scale', () => {
    const scale = timelineScale([DAY])!;
    const s = span('2026-12-02T01:00:00Z', '2026-12-02T03:30:00Z', scale);
    expect(s.left).toBeCloseTo(10);
    expect(s.width).toBeCloseTo(25);
    const clipped = span('2026-12-01T20:00:00Z', '2026-12-02T20:00:00Z', scale);
    expect(clipped).toEqual({ left: 0, width: 100 });
  });

  it('compares the plan with the current assignment line by line', () => {
    const plan = { orders: 8, workers: 3, km: 40.5, hours: 20, travel_hours: 2, late: 0 };
    const current = { orders: 2, workers: 2, km: 30, hours: 9, travel_hours: 1.5, late: 1 };
    const rows = compareTotals(plan, current);
    expect(rows.map((r) => r.key)).toEqual(['orders', 'workers', 'km', 'hours', 'travel_hours', 'late']);
    expect(rows.find((r) => r.key === 'late')).toEqual({ key: 'late', plan: 0, current: 1, change: -1 });
  });

  it('counts the orders planned here, not another area visit kept on a route', () => {
    expect(plannedOrders([DAY])).toBe(1);
  });

  it('formats figures and finds tomorrow in the area time zone', () => {
    expect(oneDecimal(12.345)).toBe('12.3');
    expect(oneDecimal(3)).toBe('3.0');
    // 23:30 on 1 December in New York is already 2 December in Shanghai.
    expect(tomorrow(new Date('2026-12-02T04:30:00Z'), 'Asia/Shanghai')).toBe('2026-12-03');
    expect(tomorrow(new Date('2026-12-31T20:00:00Z'), 'Asia/Shanghai')).toBe('2027-01-02');
  });
});

describe('committing a plan', () => {
  it('names every skip reason the server gives, and an unknown one generically', async () => {
    const { plansZhCN } = await import('../src/i18n/plans.zh-CN');
    const { plansEn } = await import('../src/i18n/plans.en');
    for (const messages of [plansZhCN, plansEn]) {
      const reasons = messages.plans.commit.reasons as Record<string, string>;
      const known = (key: string): boolean => key.replace('plans.commit.reasons.', '') in reasons;
      for (const r of SKIP_REASONS) {
        expect(skipReasonKey(r, known)).toBe(`plans.commit.reasons.${r}`);
        expect(reasons[r]).toBeTruthy();
      }
      expect(skipReasonKey('gremlins', known)).toBe('plans.commit.reasons.other');
    }
  });

  it('tags committed plans as success, failed ones as danger and superseded ones as info', () => {
    expect(statusTag('committed')).toBe('success');
    expect(statusTag('ready')).toBe('primary');
    expect(statusTag('failed')).toBe('danger');
    expect(statusTag('solving')).toBe('warning');
    expect(statusTag('superseded')).toBe('info');
  });
});
