import { describe, expect, it } from 'vitest';
import { needsNote, noteError, stepsFor } from '../src/pages/withdrawals/withdrawals';

describe('withdrawal review', () => {
  it('offers the steps that follow from the state', () => {
    expect(stepsFor('requested')).toEqual(['approve', 'reject']);
    expect(stepsFor('approved')).toEqual(['paid', 'failed']);
    expect(stepsFor('paid')).toEqual([]);
    expect(stepsFor('rejected')).toEqual([]);
  });

  it('leaves the outcome of a WeChat transfer to WeChat', () => {
    expect(stepsFor('requested', 'wechat')).toEqual(['approve', 'reject']);
    expect(stepsFor('approved', 'wechat')).toEqual([]);
    expect(stepsFor('approved', 'bank')).toEqual(['paid', 'failed']);
  });

  it('wants a note for every step but approval', () => {
    expect(needsNote('approve')).toBe(false);
    expect(needsNote('reject')).toBe(true);
    expect(noteError('  ')).toBe('common.errors.fields.required');
    expect(noteError('x'.repeat(201))).toBe('common.errors.fields.too_long');
    expect(noteError('工行流水 001')).toBeNull();
  });
});
