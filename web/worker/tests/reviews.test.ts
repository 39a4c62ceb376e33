import { describe, expect, it } from 'vitest';
import { MAX_REPLY, appendPage, canReply, replaceReview, replyError, type ListedReview } from '../src/reviews';

describe('the worker’s reviews', () => {
  it('takes one reply, and none while hidden', () => {
    expect(canReply({ id: 'a', reply: null, hidden: false })).toBe(true);
    expect(canReply({ id: 'a', reply: '谢谢', hidden: false })).toBe(false);
    expect(canReply({ id: 'a', reply: null, hidden: true })).toBe(false);
  });

  it('joins pages without listing a review twice and replaces one by the answer', () => {
    const a: ListedReview = { id: 'a', reply: null, hidden: false };
    const b: ListedReview = { id: 'b', reply: null, hidden: false };
    expect(appendPage([a], [a, b]).map((r) => r.id)).toEqual(['a', 'b']);
    const replied = { ...b, reply: '谢谢' };
    expect(replaceReview([a, b], replied)).toEqual([a, replied]);
  });

  it('checks a reply before sending it', () => {
    expect(replyError('  ')).toBe('common.errors.fields.required');
    expect(replyError('谢谢您')).toBeNull();
    expect(replyError('长'.repeat(MAX_REPLY + 1))).toBe('common.errors.fields.too_long');
    expect(replyError('长'.repeat(MAX_REPLY))).toBeNull();
  });
});
