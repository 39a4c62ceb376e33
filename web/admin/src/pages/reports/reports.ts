/**
 * Finance reports (财务报表): the tabs, the default range (this month so far, China dates),
 * the range check the server makes again, and the file name of an export.
 */

/** The reports, in tab order. */
export const TABS = ['revenue', 'commissions', 'earnings', 'refunds', 'reconciliation'] as const;
export type Tab = (typeof TABS)[number];

/** What the revenue report groups by. */
export const GROUPINGS = ['day', 'area', 'category', 'channel'] as const;

/** Whose earnings. */
export const PAYEES = ['worker', 'partner'] as const;

/** The longest range one report covers, in days (the server's limit). */
export const MAX_DAYS = 366;

/** A China date (`YYYY-MM-DD`) of an instant. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/** This month so far in China: its first day to today. */
export function thisMonth(now: Date = new Date()): [string, string] {
  const today = chinaDate(now);
  return [`${today.slice(0, 8)}01`, today];
}

/** The previous month in China, whole. */
export function lastMonth(now: Date = new Date()): [string, string] {
  const first = `${chinaDate(now).slice(0, 8)}01`;
  const end = new Date(`${first}T00:00:00Z`);
  end.setUTCDate(0);
  const last = end.toISOString().slice(0, 10);
  return [`${last.slice(0, 8)}01`, last];
}

/** The i18n key of what is wrong with a range, or null. */
export function rangeError(from: string, to: string): string | null {
  if (!from || !to) return 'common.errors.fields.required';
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (Number.isNaN(days) || days < 0) return 'reports.errors.order';
  if (days >= MAX_DAYS) return 'reports.errors.tooLong';
  return null;
}

/** The name of an export (the server names it too; this is the browser's). */
export function exportName(report: Tab, from: string, to: string, detail?: string): string {
  return `${[report, detail, from, to].filter(Boolean).join('-')}.csv`;
}

/** Whether a run of reconciliation falls in the range (its bill date). */
export function inRange(date: string, from: string, to: string): boolean {
  return date >= from && date <= to;
}
