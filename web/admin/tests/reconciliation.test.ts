import { describe, expect, it } from 'vitest';
import { PROVIDERS, diffNumber, fileBase64, resolveNoteError, runTag, yesterdayInChina } from '../src/pages/reconciliation/reconciliation';

describe('reconciliation', () => {
  it('covers yesterday in China by default', () => {
    // 2026-12-05 01:00 UTC is 09:00 in China: yesterday there is 12-04.
    expect(yesterdayInChina(new Date('2026-12-05T01:00:00Z'))).toBe('2026-12-04');
    // 2026-12-04 17:00 UTC is already 12-05 01:00 in China.
    expect(yesterdayInChina(new Date('2026-12-04T17:00:00Z'))).toBe('2026-12-04');
  });

  it('wants a note to resolve a difference', () => {
    expect(resolveNoteError(' ')).toBe('common.errors.fields.required');
    expect(resolveNoteError('x'.repeat(501))).toBe('common.errors.fields.too_long');
    expect(resolveNoteError('渠道确认为测试单')).toBeNull();
  });

  it('marks failed runs and runs with differences', () => {
    expect(runTag({ state: 'failed', differences: 0 })).toBe('danger');
    expect(runTag({ state: 'succeeded', differences: 2 })).toBe('warning');
    expect(runTag({ state: 'succeeded', differences: 0 })).toBe('success');
  });

  it('reads an uploaded bill as base64', async () => {
    expect(await fileBase64(new Blob(['`SUCCESS']))).toBe(btoa('`SUCCESS'));
  });

  it('offers the fund flow bill and names a transfer or the fees by their subject', () => {
    expect(PROVIDERS).toContain('wechat_fund');
    expect(diffNumber({ refund_no: 'R1', intent_no: 'P1', subject: 'R1' })).toBe('R1');
    expect(diffNumber({ refund_no: null, intent_no: 'P1', subject: 'P1' })).toBe('P1');
    expect(diffNumber({ refund_no: null, intent_no: null, subject: 'W2026120600000000001' })).toBe('W2026120600000000001');
    expect(diffNumber({ subject: 'fees' })).toBe('fees');
  });
});
