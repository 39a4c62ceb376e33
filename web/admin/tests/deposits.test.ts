import { describe, expect, it } from 'vitest';
import { fineForm } from '../src/pages/deposits/deposits';

describe('deposit fines', () => {
  it('reads the amount in yuan, never above the balance, with a reason', () => {
    expect(fineForm('50', ' 迟到未通知客户 ', 10_000)).toEqual({ fen: 5_000, reason: '迟到未通知客户' });
    expect(fineForm('100', 'x', 10_000)).toEqual({ fen: 10_000, reason: 'x' });
    expect(fineForm('100.01', 'x', 10_000)).toEqual({ errors: { amount: 'deposits.overBalance' } });
    expect(fineForm('0', 'x', 10_000)).toEqual({ errors: { amount: 'deposits.amountInvalid' } });
    expect(fineForm('abc', '', 10_000)).toEqual({ errors: { amount: 'deposits.amountInvalid', reason: 'common.errors.fields.required' } });
    expect(fineForm('1', 'a'.repeat(201), 10_000)).toEqual({ errors: { reason: 'common.errors.fields.too_long' } });
  });
});
