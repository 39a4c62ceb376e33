/**
 * Withdrawal review (提现审核): which steps a withdrawal takes next, and the note each
 * needs (the server checks again).
 */

/** A step finance takes. */
export type Step = 'approve' | 'reject' | 'paid' | 'failed';

/** The steps a withdrawal in `state` takes: a request is approved or rejected; an
 * approved bank transfer is recorded paid or failed; the others are final. */
export function stepsFor(state: string, channel = 'bank'): Step[] {
  if (state === 'requested') return ['approve', 'reject'];
  // A WeChat transfer's outcome comes from WeChat (its callback or the query job), never by hand.
  if (state === 'approved' && channel !== 'wechat') return ['paid', 'failed'];
  return [];
}

/** Whether a step needs a note (a reason or the transfer's reference). */
export const needsNote = (s: Step): boolean => s !== 'approve';

/** The i18n key of what is wrong with a note, or null. */
export function noteError(text: string): string | null {
  const v = text.trim();
  if (!v) return 'common.errors.fields.required';
  if ([...v].length > 200) return 'common.errors.fields.too_long';
  return null;
}
