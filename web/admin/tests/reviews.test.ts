import { describe, expect, it } from 'vitest';
import { moderation, reasonOk, reviewQuery } from '../src/pages/reviews/reviews';

describe('the reviews page', () => {
  it('turns the filters into the list query', () => {
    expect(reviewQuery({ rating: '', hidden: '', worker_id: '' })).toEqual({ rating: undefined, hidden: undefined, worker_id: undefined, cursor: undefined });
    const w = '0190f5c2-6a1b-7c3d-8e4f-123456789abc';
    expect(reviewQuery({ rating: 1, hidden: 'hidden', worker_id: ` ${w} ` }, 'c1')).toEqual({ rating: 1, hidden: true, worker_id: w, cursor: 'c1' });
    expect(reviewQuery({ rating: '', hidden: 'visible', worker_id: '王师傅' }).hidden).toBe(false);
    expect(reviewQuery({ rating: '', hidden: 'visible', worker_id: '王师傅' }).worker_id).toBeUndefined();
  });

  it('offers hiding a visible review with a reason and showing a hidden one', () => {
    expect(moderation({ hidden_at: null })).toBe('hide');
    expect(moderation({ hidden_at: '2026-12-01T00:00:00Z' })).toBe('unhide');
    expect(reasonOk('hide', '  ')).toBe(false);
    expect(reasonOk('hide', '辱骂')).toBe(true);
    expect(reasonOk('unhide', '')).toBe(true);
    expect(reasonOk('hide', '长'.repeat(501))).toBe(false);
  });
});
