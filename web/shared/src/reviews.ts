/**
 * Reviews (评价) in every app: the tag codes and their names, how a rating in tenths of a
 * star reads, and the checks a review form makes before sending (the server makes them
 * again and names each field it refuses).
 */
import type { Translator } from './errors/describe';

/** The tags that praise, then those that complain (the server's fixed list). */
export const GOOD_REVIEW_TAGS = ['punctual', 'professional', 'tidy', 'friendly', 'careful'] as const;
export const BAD_REVIEW_TAGS = ['late', 'careless', 'rude', 'incomplete', 'overcharged'] as const;
/** The most tags one review carries. */
export const MAX_REVIEW_TAGS = 5;

/** 准时守约, Late…: a tag's name; an unknown code shows as itself. */
export function reviewTagName(code: string, { t, te }: Translator): string {
  const key = `common.reviewTags.${code}`;
  return te(key) ? t(key) : code;
}

/** "4.6": a rating in tenths of a star; "—" without one. */
export function formatRating(tenths: number | null | undefined): string {
  if (tenths === null || tenths === undefined || !Number.isFinite(tenths)) return '—';
  return (tenths / 10).toFixed(1);
}

/** A review as a form holds it. */
export interface ReviewDraft {
  rating: number;
  tags: string[];
  text: string;
}

/** Adds or removes a tag, keeping at most [`MAX_REVIEW_TAGS`]; returns the new list. */
export function toggleTag(tags: readonly string[], tag: string): string[] {
  if (tags.includes(tag)) return tags.filter((t) => t !== tag);
  if (tags.length >= MAX_REVIEW_TAGS) return [...tags];
  return [...tags, tag];
}

/**
 * What is wrong with a draft, by field (`rating`, `tags`, `text`), as i18n keys of the
 * common field errors; empty when it may be sent.
 */
export function checkReview(d: ReviewDraft, maxText: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Number.isInteger(d.rating) || d.rating < 1 || d.rating > 5) out.rating = 'common.errors.fields.out_of_range';
  if (d.tags.length > MAX_REVIEW_TAGS) out.tags = 'common.errors.fields.too_many';
  else if (new Set(d.tags).size !== d.tags.length) out.tags = 'common.errors.fields.duplicate';
  if ([...d.text.trim()].length > maxText) out.text = 'common.errors.fields.too_long';
  return out;
}

/** The body to send for a draft. */
export function reviewBody(d: ReviewDraft, photoIds: string[]): { rating: number; tags: string[]; text: string | null; photo_ids: string[] } {
  const text = d.text.trim();
  return { rating: d.rating, tags: [...d.tags], text: text ? text : null, photo_ids: photoIds };
}
