import { describe, expect, it } from 'vitest';
import { invoiceNoError, noteError } from '../src/pages/invoices/invoices';

describe('invoices', () => {
  it('takes an 8- or 20-digit invoice number', () => {
    expect(invoiceNoError('12345678')).toBeNull();
    expect(invoiceNoError('26442000000012345678')).toBeNull();
    expect(invoiceNoError(' ')).toBe('common.errors.fields.required');
    expect(invoiceNoError('1234567')).toBe('invoices.errors.number');
    expect(invoiceNoError('1234567a')).toBe('invoices.errors.number');
  });

  it('wants a reason to reject or reverse', () => {
    expect(noteError('')).toBe('common.errors.fields.required');
    expect(noteError('x'.repeat(501))).toBe('common.errors.fields.too_long');
    expect(noteError('抬头有误')).toBeNull();
  });
});
