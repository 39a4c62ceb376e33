import { describe, expect, it } from 'vitest';
import { BAD_REVIEW_TAGS, GOOD_REVIEW_TAGS, checkReview, formatRating, reviewBody, reviewTagName, toggleTag } from '../src/reviews';
import { commonEn } from '../src/i18n/common.en';
import { commonZhCN } from '../src/i18n/common.zh-CN';

describe('review tags', () => {
  it('has a name in both languages for every tag the server knows', () => {
    for (const tag of [...GOOD_REVIEW_TAGS, ...BAD_REVIEW_TAGS]) {
      expect((commonZhCN.reviewTags as Record<string, string>)[tag]).toBeTruthy();
      expect((commonEn.reviewTags as Record<string, string>)[tag]).toBeTruthy();
    }
    const tr = { t: (k: string) => `T:${k}`, te: (k: string) => k === 'common.reviewTags.tidy' };
    expect(reviewTagName('tidy', tr)).toBe('T:common.reviewTags.tidy');
    expect(reviewTagName('new_tag', tr)).toBe('new_tag');
  });

  it('toggles a tag and keeps at most five', () => {
    expect(toggleTag([], 'tidy')).toEqual(['tidy']);
    expect(toggleTag(['tidy', 'late'], 'tidy')).toEqual(['late']);
    const five = ['punctual', 'professional', 'tidy', 'friendly', 'careful'];
    expect(toggleTag(five, 'late')).toEqual(five);
  });
});

describe('a review draft', () => {
  it('needs one to five stars, tags once and a text within the limit', () => {
    expect(checkReview({ rating: 5, tags: ['tidy'], text: '很好' }, 500)).toEqual({});
    expect(checkReview({ rating: 0, tags: [], text: '' }, 500)).toEqual({ rating: 'common.errors.fields.out_of_range' });
    expect(checkReview({ rating: 6, tags: ['late', 'late'], text: '长'.repeat(11) }, 10)).toEqual({
      rating: 'common.errors.fields.out_of_range',
      tags: 'common.errors.fields.duplicate',
      text: 'common.errors.fields.too_long',
    });
    // Characters, not bytes or UTF-16 units: ten emoji are ten.
    expect(checkReview({ rating: 4, tags: [], text: '👍'.repeat(10) }, 10)).toEqual({});
  });

  it('sends a blank text as none', () => {
    expect(reviewBody({ rating: 4, tags: ['tidy'], text: '  ' }, [])).toEqual({ rating: 4, tags: ['tidy'], text: null, photo_ids: [] });
    expect(reviewBody({ rating: 4, tags: [], text: ' 好 ' }, ['p1']).text).toBe('好');
  });

  it('reads a rating in tenths', () => {
    expect(formatRating(46)).toBe('4.6');
    expect(formatRating(50)).toBe('5.0');
    expect(formatRating(null)).toBe('—');
  });
});
