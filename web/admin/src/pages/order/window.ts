/**
 * Choosing a visit's window in the console (reschedule, or a rework's new visit): one of the
 * order's open windows, or another local date and start time in the area's zone.
 */
import { zonedToUtc } from '@daojia/shared';

/** Half-hour starts from opening to an hour before closing (the area's hours, else 08–21). */
export function startTimes(openMinute?: number | null, closeMinute?: number | null): string[] {
  const openAt = openMinute ?? 8 * 60;
  const closeAt = closeMinute ?? 21 * 60;
  const out: string[] = [];
  for (let m = openAt; m + 60 <= closeAt; m += 30) out.push(`${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`);
  return out;
}

export interface WindowChoice {
  mode: 'slots' | 'manual';
  /** The open window chosen (its start), in `slots` mode. */
  chosen: string | null;
  /** Local date (YYYY-MM-DD) and start (HH:MM), in `manual` mode. */
  date: string;
  time: string;
  timeZone: string;
}

/**
 * The start to send (UTC), or the message keys of what is missing by the API's field names
 * (`window_start`; `date` for the manual date).
 */
export function pickedStart(c: WindowChoice): { start: string } | { errors: Record<string, string> } {
  if (c.mode === 'slots') return c.chosen ? { start: c.chosen } : { errors: { window_start: 'orderDetail.pickWindow' } };
  const errors: Record<string, string> = {};
  if (!c.date) errors.date = 'common.errors.fields.required';
  if (!c.time) errors.window_start = 'common.errors.fields.required';
  const start = zonedToUtc(c.date, c.time, c.timeZone);
  if (Object.keys(errors).length || !start) return { errors: Object.keys(errors).length ? errors : { window_start: 'common.errors.fields.invalid' } };
  return { start };
}
