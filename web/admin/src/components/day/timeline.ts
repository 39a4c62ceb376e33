/**
 * What a day's map and timeline share: a colour per worker, the scale of a timeline (whole
 * hours around the spans it shows), where a span sits on it, and the hour ticks. Pure
 * functions, used by route planning and the dispatch board; tested in `tests/plans.test.ts`
 * and `tests/board.test.ts`.
 */

/** Colours told apart on a map and in a row, one per worker in order; they repeat after 12. */
export const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#3949ab',
  '#00897b',
];

export function colorOf(index: number): string {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** Where a timeline starts and ends (ms). */
export interface Scale {
  start: number;
  end: number;
}

const HOUR = 3_600_000;

/** Whole hours around every given instant (ISO strings); null when there is none. */
export function scaleAround(instants: Iterable<string>): Scale | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of instants) {
    const t = Date.parse(s);
    if (!Number.isFinite(t)) continue;
    lo = Math.min(lo, t);
    hi = Math.max(hi, t);
  }
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const start = Math.floor(lo / HOUR) * HOUR;
  const end = Math.max(start + HOUR, Math.ceil(hi / HOUR) * HOUR);
  return { start, end };
}

/** Left edge and width of `[from, to]` on the scale, in % of its length. */
export function span(from: string, to: string, scale: Scale): { left: number; width: number } {
  const len = scale.end - scale.start;
  const a = Math.min(Math.max(Date.parse(from), scale.start), scale.end);
  const b = Math.min(Math.max(Date.parse(to), a), scale.end);
  return { left: ((a - scale.start) / len) * 100, width: ((b - a) / len) * 100 };
}

/** The hours marked on the scale (ms), one per hour from its start. */
export function hourTicks(scale: Scale): number[] {
  const out: number[] = [];
  for (let t = scale.start; t <= scale.end; t += HOUR) out.push(t);
  return out;
}

/** One block on a timeline row. */
export interface TimelineBlock {
  key: string;
  from: string;
  to: string;
  /** `job` (in the row's or its own colour), `travel` (a thin line), `break` (hatched). */
  kind: 'job' | 'travel' | 'break';
  color?: string;
  /** Faded (another area's visit). */
  faded?: boolean;
  /** Drawn with a red edge (expected late). */
  alert?: boolean;
  title: string;
  text?: string;
  /** Can be dragged to another row (its key is the drag's payload). */
  draggable?: boolean;
}

/** One row of a timeline: a worker's day. */
export interface TimelineRow {
  key: string;
  label: string;
  sublabel?: string;
  color: string;
  /** The span of the day (shift, or leaving home to being back), drawn as a thin bar. */
  day?: { from: string; to: string; title: string } | null;
  blocks: TimelineBlock[];
}
