/**
 * What the dispatch board computes from the server's board: the timeline rows (each
 * worker's jobs with their travel legs), the map's markers and lines, colours by worker
 * state and order urgency, the realtime topic, and the reading of a manual assignment's
 * check. Pure functions, tested in `tests/board.test.ts`.
 */
import type { components } from '@daojia/shared';
import type { MapLine, MapMarker } from '../../components/day/map';
import { colorOf, type TimelineBlock, type TimelineRow } from '../../components/day/timeline';

export type Board = components['schemas']['Board'];
export type BoardWorker = components['schemas']['BoardWorker'];
export type BoardJob = components['schemas']['BoardJob'];
export type BoardOrder = components['schemas']['BoardOrder'];
export type AtRisk = components['schemas']['AtRisk'];
export type ConflictView = components['schemas']['ConflictView'];
export type AssignResult = components['schemas']['AssignResult'];

/** Worker states, in the order the legend shows them, with their colours. */
export const WORKER_STATES = ['idle', 'on_the_way', 'in_service', 'resting', 'offline'] as const;
const STATE_COLOR: Record<string, string> = {
  idle: '#67c23a',
  on_the_way: '#409eff',
  in_service: '#e6a23c',
  resting: '#909399',
  offline: '#c0c4cc',
};

/** Order urgencies, most urgent first, with their colours. */
export const URGENCIES = ['late', 'urgent', 'soon', 'normal'] as const;
const URGENCY_COLOR: Record<string, string> = {
  late: '#f56c6c',
  urgent: '#e6a23c',
  soon: '#d4b106',
  normal: '#409eff',
};

export function stateColor(state: string): string {
  return STATE_COLOR[state] ?? '#c0c4cc';
}

export function urgencyColor(urgency: string): string {
  return URGENCY_COLOR[urgency] ?? '#409eff';
}

/** The realtime topic of an area's board. */
export function boardTopic(area: string): string | null {
  return area ? `board:${area}` : null;
}

/** Today's date (YYYY-MM-DD) in a time zone. */
export function today(now: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Labels the rows need, supplied by the page (translated, in its time zone). */
export interface RowText {
  time: (iso: string) => string;
  job: (j: BoardJob) => string;
  travel: (j: BoardJob) => string;
  summary: (w: BoardWorker) => string;
}

/** A worker's row: their shift as the day's bar, each job's travel leg then the job. */
export function rowOf(w: BoardWorker, index: number, text: RowText): TimelineRow {
  const blocks: TimelineBlock[] = [];
  if (w.shift?.break_start && w.shift.break_end) {
    blocks.push({ key: `${w.id}:break`, from: w.shift.break_start, to: w.shift.break_end, kind: 'break', title: `${text.time(w.shift.break_start)}–${text.time(w.shift.break_end)}` });
  }
  for (const j of w.jobs) {
    if (j.travel && Date.parse(j.travel.arrive) > Date.parse(j.travel.depart)) {
      blocks.push({ key: `${j.order_id}:travel`, from: j.travel.depart, to: j.travel.arrive, kind: 'travel', title: text.travel(j) });
    }
    blocks.push({
      key: j.order_id,
      from: j.start,
      to: j.finish,
      kind: 'job',
      alert: j.late_by_s > 0,
      faded: j.state === 'pending_accept',
      title: text.job(j),
      text: text.time(j.start),
      // An order under way stays with its worker.
      draggable: j.state === 'pending_accept' || j.state === 'accepted',
    });
  }
  return {
    key: w.id,
    label: `${w.name} · ${w.code}`,
    sublabel: text.summary(w),
    color: colorOf(index),
    day: w.shift ? { from: w.shift.start, to: w.shift.end, title: `${text.time(w.shift.start)}–${text.time(w.shift.end)}` } : null,
    blocks,
  };
}

/** The map's lines: each worker's route from where they are through their jobs. */
export function routeLines(workers: BoardWorker[], highlight: string | null): MapLine[] {
  return workers
    .map((w, i) => ({ w, i }))
    .filter(({ w }) => w.jobs.length > 0)
    .map(({ w, i }) => {
      const faded = !!highlight && highlight !== w.id;
      return { points: [w.position, ...w.jobs.map((j) => j.at)], color: colorOf(i), weight: faded ? 2 : 3, opacity: faded ? 0.25 : 0.7 };
    });
}

/** The map's markers: workers by state (a ring in their row's colour), orders by urgency. */
export function markersOf(board: Board, label: { worker: (w: BoardWorker) => string; order: (o: BoardOrder) => string; job: (w: BoardWorker, j: BoardJob) => string }): MapMarker[] {
  const out: MapMarker[] = [];
  board.workers.forEach((w, i) => {
    out.push({
      key: `worker:${w.id}`,
      at: w.position,
      html: `<span style="background:${stateColor(w.state)};border-color:${colorOf(i)}"></span>`,
      className: 'board-map__worker',
      size: 16,
      tooltip: label.worker(w),
    });
    w.jobs.forEach((j, k) => {
      out.push({
        key: `order:${j.order_id}`,
        at: j.at,
        html: `<span style="background:${colorOf(i)}">${k + 1}</span>`,
        className: 'board-map__job',
        size: 18,
        tooltip: label.job(w, j),
      });
    });
  });
  for (const o of board.unassigned) {
    if (o.state !== 'pending_dispatch') continue;
    out.push({
      key: `order:${o.order_id}`,
      at: o.at,
      html: `<span style="background:${urgencyColor(o.urgency)}">!</span>`,
      className: 'board-map__order',
      size: 20,
      tooltip: label.order(o),
    });
  }
  return out;
}

/** Where an order is on the board: waiting, or on a worker's row. */
export function findOrder(board: Board, id: string): { order?: BoardOrder; worker?: BoardWorker; job?: BoardJob } {
  const order = board.unassigned.find((o) => o.order_id === id);
  for (const w of board.workers) {
    const job = w.jobs.find((j) => j.order_id === id);
    if (job) return { order, worker: w, job };
  }
  return { order };
}

/** Whether a check lets the dispatcher assign without a reason. */
export function needsReason(conflicts: ConflictView[]): boolean {
  return conflicts.length > 0;
}

/** Minutes, rounded up, of a number of seconds (for "late by"). */
export function minutesOf(seconds: number | null | undefined): number {
  return Math.ceil((seconds ?? 0) / 60);
}

/** Counts per worker state, for the legend. */
export function stateCounts(workers: BoardWorker[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of WORKER_STATES) out[s] = 0;
  for (const w of workers) out[w.state] = (out[w.state] ?? 0) + 1;
  return out;
}
