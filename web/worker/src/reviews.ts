/**
 * The worker's reviews (我的评价): which ones take a reply, how pages join, and the checks
 * on a reply before it is sent (the server checks again).
 */

/** What the page knows of a review. */
export interface ListedReview {
  id: string;
  reply?: string | null;
  hidden: boolean;
}

/** The most characters of a reply (the server's default `[reviews] max_reply_chars`). */
export const MAX_REPLY = 300;

/** A review takes one reply, and none while staff hide it. */
export function canReply(r: ListedReview): boolean {
  return !r.hidden && !r.reply;
}

/** Appends a page, dropping any review already listed (a page loaded twice). */
export function appendPage<T extends { id: string }>(list: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(list.map((r) => r.id));
  return [...list, ...page.filter((r) => !seen.has(r.id))];
}

/** Replaces one review in the list by the server's answer. */
export function replaceReview<T extends { id: string }>(list: readonly T[], one: T): T[] {
  return list.map((r) => (r.id === one.id ? one : r));
}

/** The i18n key of what is wrong with a reply, or null. */
export function replyError(text: string): string | null {
  const v = text.trim();
  if (!v) return 'common.errors.fields.required';
  if ([...v].length > MAX_REPLY) return 'common.errors.fields.too_long';
  return null;
}
