import { describe, expect, it } from 'vitest';
import { codeError, formatShare, receiverErrors, shareBp } from '../src/pages/partners/partners';

describe('partner forms', () => {
  it('checks codes', () => {
    expect(codeError('east_team_2')).toBeNull();
    expect(codeError('')).toBe('common.errors.fields.required');
    expect(codeError('East')).toBe('partners.codeInvalid');
    expect(codeError('a'.repeat(33))).toBe('partners.codeInvalid');
  });

  it('reads a share in percent as basis points', () => {
    expect(shareBp('10')).toBe(1_000);
    expect(shareBp('12.5')).toBe(1_250);
    expect(shareBp('0')).toBe(0);
    expect(shareBp('100')).toBe(10_000);
    expect(shareBp('100.01')).toBeNull();
    expect(shareBp('-1')).toBeNull();
    expect(shareBp('x')).toBeNull();
  });

  it('checks a sharing receiver', () => {
    expect(receiverErrors('1900000109', '某某家政服务有限公司')).toEqual({});
    expect(receiverErrors('19000', '')).toEqual({ mchid: 'partners.mchidInvalid', name: 'common.errors.fields.required' });
    expect(receiverErrors('1900000109', 'x'.repeat(129))).toEqual({ name: 'common.errors.fields.too_long' });
  });

  it('shows a share in basis points as a percentage', () => {
    expect(formatShare(1_000)).toBe('10%');
    expect(formatShare(1_250)).toBe('12.5%');
    expect(formatShare(1_205)).toBe('12.05%');
    expect(formatShare(0)).toBe('0%');
    expect(formatShare(10_000)).toBe('100%');
    // Round trip with the form's reading.
    expect(shareBp(formatShare(1_205).replace('%', ''))).toBe(1_205);
  });
});
