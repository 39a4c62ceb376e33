import { describe, expect, it } from 'vitest';
import { colorOf, scaleAround } from '../src/components/day/timeline';
import {
  boardTopic,
  findOrder,
  markersOf,
  minutesOf,
  needsReason,
  routeLines,
  rowOf,
  stateColor,
  stateCounts,
  today,
  urgencyColor,
  type Board,
  type BoardJob,
  type BoardWorker,
} from '../src/pages/board/board';

const job = (id: string, start: string, finish: string, extra: Partial<BoardJob> = {}): BoardJob => ({
  order_id: id,
  order_no: `DJ${id}`,
  state: 'accepted',
  area_code: 'sh-xuhui',
  at: { lat: 31.2, lng: 121.44 },
  window_start: start,
  window_end: start,
  travel: { depart: '2026-12-02T00:40:00Z', arrive: '2026-12-02T01:00:00Z', seconds: 1200, km: 5.2 },
  arrival: start,
  start,
  finish,
  late_by_s: 0,
  skills: ['cleaning'],
  ...extra,
});

const worker = (id: string, state: string, jobs: BoardJob[]): BoardWorker => ({
  id,
  code: `W${id}`,
  name: '王秀英',
  area_code: 'sh-xuhui',
  state,
  position: { lat: 31.21, lng: 121.45 },
  position_source: 'home_base',
  home: { lat: 31.21, lng: 121.45 },
  skills: ['cleaning'],
  shift: { start: '2026-12-02T00:00:00Z', end: '2026-12-02T10:00:00Z', break_start: '2026-12-02T04:00:00Z', break_end: '2026-12-02T05:00:00Z' },
  jobs,
  done: 0,
});

const BOARD: Board = {
  area: 'sh-xuhui',
  date: '2026-12-02',
  timezone: 'Asia/Shanghai',
  now: '2026-12-02T00:00:00Z',
  workers: [
    worker('1', 'idle', [job('a', '2026-12-02T01:00:00Z', '2026-12-02T03:00:00Z'), job('b', '2026-12-02T06:00:00Z', '2026-12-02T07:00:00Z', { late_by_s: 600, travel: null })]),
    worker('2', 'offline', []),
  ],
  unassigned: [
    {
      order_id: 'c',
      order_no: 'DJc',
      state: 'pending_dispatch',
      worker_id: null,
      at: { lat: 31.19, lng: 121.43 },
      window_start: '2026-12-02T02:00:00Z',
      window_end: '2026-12-02T03:00:00Z',
      duration_min: 120,
      skills: ['cleaning'],
      urgency: 'urgent',
    },
    {
      order_id: 'd',
      order_no: 'DJd',
      state: 'pending_accept',
      worker_id: '2',
      at: { lat: 31.19, lng: 121.43 },
      window_start: '2026-12-02T02:00:00Z',
      window_end: '2026-12-02T03:00:00Z',
      duration_min: 120,
      skills: ['cleaning'],
      urgency: 'normal',
    },
  ],
  at_risk: [],
  skills: ['cleaning'],
  truncated: false,
};

const TEXT = { time: (s: string) => s.slice(11, 16), job: (j: BoardJob) => j.order_no, travel: () => 'leg', summary: () => 'sum' };

describe('dispatch board', () => {
  it('draws a worker row with the break, each travel leg before its job, and late jobs flagged', () => {
    const row = rowOf(BOARD.workers[0], 0, TEXT);
    expect(row.key).toBe('1');
    expect(row.color).toBe(colorOf(0));
    expect(row.day).toMatchObject({ from: '2026-12-02T00:00:00Z', to: '2026-12-02T10:00:00Z' });
    expect(row.blocks.map((b) => `${b.kind}:${b.key}`)).toEqual(['break:1:break', 'travel:a:travel', 'job:a', 'job:b']);
    const [, , a, b] = row.blocks;
    expect(a.draggable).toBe(true);
    expect(a.alert).toBe(false);
    expect(b.alert).toBe(true);
    expect(a.text).toBe('01:00');
  });

  it('keeps a visit under way with its worker', () => {
    const w = worker('3', 'in_service', [job('e', '2026-12-02T01:00:00Z', '2026-12-02T02:00:00Z', { state: 'in_service', travel: null })]);
    expect(rowOf(w, 2, TEXT).blocks.find((b) => b.key === 'e')?.draggable).toBe(false);
  });

  it('scales the timeline to whole hours around every row', () => {
    const scale = scaleAround(['2026-12-02T00:40:00Z', '2026-12-02T09:20:00Z'])!;
    expect(new Date(scale.start).toISOString()).toBe('2026-12-02T00:00:00.000Z');
    expect(new Date(scale.end).toISOString()).toBe('2026-12-02T10:00:00.000Z');
    expect(scaleAround([])).toBeNull();
  });

  it('puts workers, their numbered jobs and the waiting orders on the map', () => {
    const markers = markersOf(BOARD, { worker: (w) => w.name, order: (o) => o.order_no, job: (_, j) => j.order_no });
    expect(markers.map((m) => m.key)).toEqual(['worker:1', 'order:a', 'order:b', 'worker:2', 'order:c']);
    expect(markers[0].html).toContain(stateColor('idle'));
    expect(markers[4].html).toContain(urgencyColor('urgent'));
    const lines = routeLines(BOARD.workers, '2');
    expect(lines).toHaveLength(1);
    expect(lines[0].points).toHaveLength(3);
    expect(lines[0].opacity).toBeLessThan(0.5);
  });

  it('finds an order waiting or on a row', () => {
    expect(findOrder(BOARD, 'c').order?.order_no).toBe('DJc');
    expect(findOrder(BOARD, 'c').worker).toBeUndefined();
    expect(findOrder(BOARD, 'b').worker?.id).toBe('1');
    expect(findOrder(BOARD, 'zz')).toEqual({ order: undefined });
  });

  it('counts workers by state, names the topic and the day', () => {
    expect(stateCounts(BOARD.workers)).toEqual({ idle: 1, on_the_way: 0, in_service: 0, resting: 0, offline: 1 });
    expect(boardTopic('sh-xuhui')).toBe('board:sh-xuhui');
    expect(boardTopic('')).toBeNull();
    expect(today(new Date('2026-12-01T17:00:00Z'), 'Asia/Shanghai')).toBe('2026-12-02');
  });

  it('asks for a reason only when there are conflicts', () => {
    expect(needsReason([])).toBe(false);
    expect(needsReason([{ code: 'no_shift', message: 'x', order_id: null, late_by_s: null, skill: null }])).toBe(true);
    expect(minutesOf(61)).toBe(2);
    expect(minutesOf(null)).toBe(0);
  });
});
