/**
 * Month-end close (期末结账): what the console shows of a period and the reason a
 * reopening needs (the server checks again).
 */

/** The tag type of a period's state. */
export function stateTag(state: string): 'success' | 'warning' | 'info' {
  if (state === 'closed') return 'success';
  if (state === 'reopened') return 'warning';
  return 'info';
}

/** The i18n key of what is wrong with a reopening's reason, or null. */
export function reasonError(text: string): string | null {
  const v = text.trim();
  if (!v) return 'common.errors.fields.required';
  if ([...v].length > 500) return 'common.errors.fields.too_long';
  return null;
}

/** The sum of a column of trial-balance lines, in fen. */
export function columnTotal<T>(lines: T[], pick: (l: T) => number): number {
  return lines.reduce((s, l) => s + pick(l), 0);
}
