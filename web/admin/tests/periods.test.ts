import { describe, expect, it } from 'vitest';
import { columnTotal, reasonError, stateTag } from '../src/pages/periods/periods';

describe('month-end close', () => {
  it('wants a reason to reopen a period', () => {
    expect(reasonError('  ')).toBe('common.errors.fields.required');
    expect(reasonError('x'.repeat(501))).toBe('common.errors.fields.too_long');
    expect(reasonError('银行流水补记')).toBeNull();
  });

  it('tags closed periods and reopened ones apart from open ones', () => {
    expect(stateTag('closed')).toBe('success');
    expect(stateTag('reopened')).toBe('warning');
    expect(stateTag('open')).toBe('info');
  });

  it('sums a trial balance column', () => {
    const lines = [{ closing_fen: 1200 }, { closing_fen: -1000 }, { closing_fen: -200 }];
    expect(columnTotal(lines, (l) => l.closing_fen)).toBe(0);
    expect(columnTotal([], (l: { closing_fen: number }) => l.closing_fen)).toBe(0);
  });
});
