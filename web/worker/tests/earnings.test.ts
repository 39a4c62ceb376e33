import { describe, expect, it } from 'vitest';
import { stateTag, withdrawalAmount } from '../src/earnings';

describe('the worker’s earnings', () => {
  it('reads a withdrawal in yuan and refuses nothing, nonsense and more than the balance', () => {
    expect(withdrawalAmount('12.5', 5000)).toEqual({ fen: 1250 });
    expect(withdrawalAmount(' 50 ', 5000)).toEqual({ fen: 5000 });
    expect(withdrawalAmount('0', 5000)).toEqual({ error: 'earnings.amountInvalid' });
    expect(withdrawalAmount('abc', 5000)).toEqual({ error: 'earnings.amountInvalid' });
    expect(withdrawalAmount('50.01', 5000)).toEqual({ error: 'earnings.overBalance' });
  });

  it('shows paid, returned and waiting withdrawals apart', () => {
    expect(stateTag('paid')).toBe('success');
    expect(stateTag('failed')).toBe('danger');
    expect(stateTag('rejected')).toBe('danger');
    expect(stateTag('requested')).toBe('warning');
  });
});
