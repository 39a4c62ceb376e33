/**
 * Appointment windows as the slot pickers show them: days as tabs (a day with nothing free
 * is greyed), each day's windows in morning / afternoon / evening groups, the first free
 * window as the default. The shapes are the API's `SlotsView`, written structurally so the
 * logic is testable without the server.
 */
import { zonedParts, TIME_ZONE } from './format';

export interface SlotWindow {
  start: string;
  end: string;
  available: boolean;
}

export interface SlotDay {
  /** Local date, YYYY-MM-DD. */
  date: string;
  windows: SlotWindow[];
}

export interface Slots {
  timezone: string;
  days: SlotDay[];
}

/** A day tab: its date, how many windows are free, and whether it can be picked at all. */
export interface DayTab {
  date: string;
  free: number;
  disabled: boolean;
}

export function dayTabs(slots: Slots): DayTab[] {
  return slots.days.map((d) => {
    const free = d.windows.filter((w) => w.available).length;
    return { date: d.date, free, disabled: free === 0 };
  });
}

/** The first free window (by start), or null when every day is full. */
export function firstAvailable(slots: Slots): { date: string; start: string } | null {
  for (const d of slots.days) {
    const w = [...d.windows].sort(byStart).find((x) => x.available);
    if (w) return { date: d.date, start: w.start };
  }
  return null;
}

/** The window starting at `start` if the slots still offer it free. */
export function isStillAvailable(slots: Slots, start: string): boolean {
  const at = new Date(start).getTime();
  return slots.days.some((d) => d.windows.some((w) => w.available && new Date(w.start).getTime() === at));
}

export type DayPart = 'morning' | 'afternoon' | 'evening';
export const DAY_PARTS: readonly DayPart[] = ['morning', 'afternoon', 'evening'];

/** Morning before 12:00, afternoon before 18:00, evening after: by the local start time. */
export function dayPartOf(start: string, timeZone: string = TIME_ZONE): DayPart {
  const hour = Number(zonedParts(start, timeZone)?.time.slice(0, 2) ?? 0);
  if (hour < 12) return 'morning';
  if (hour < 18) return 'afternoon';
  return 'evening';
}

/** A day's windows in start order, split by part of day; empty parts are left out. */
export function windowGroups(windows: SlotWindow[], timeZone: string = TIME_ZONE): { part: DayPart; windows: SlotWindow[] }[] {
  const sorted = [...windows].sort(byStart);
  return DAY_PARTS.map((part) => ({ part, windows: sorted.filter((w) => dayPartOf(w.start, timeZone) === part) })).filter(
    (g) => g.windows.length > 0,
  );
}

/**
 * Windows from a flat list grouped by their local date (for lists that come without days),
 * days in date order, windows in start order.
 */
export function groupByDay(windows: SlotWindow[], timeZone: string = TIME_ZONE): SlotDay[] {
  const byDate = new Map<string, SlotWindow[]>();
  for (const w of [...windows].sort(byStart)) {
    const date = zonedParts(w.start, timeZone)?.date;
    if (!date) continue;
    const list = byDate.get(date) ?? [];
    list.push(w);
    byDate.set(date, list);
  }
  return [...byDate.keys()].sort().map((date) => ({ date, windows: byDate.get(date) ?? [] }));
}

function byStart(a: SlotWindow, b: SlotWindow): number {
  return new Date(a.start).getTime() - new Date(b.start).getTime();
}
