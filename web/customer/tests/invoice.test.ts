import { describe, expect, it } from 'vitest';
import { canRequest, checkInvoice, invoiceBody, validCreditCode } from '../src/pages/order/invoice';

describe('invoice', () => {
  it('checks a unified social credit code by its check character', () => {
    expect(validCreditCode('91440300708461136T')).toBe(true);
    expect(validCreditCode('9144030071526726xg')).toBe(true);
    expect(validCreditCode('91440300708461137T')).toBe(false);
    expect(validCreditCode('91440300708461136')).toBe(false);
    expect(validCreditCode('9144030070846113IT')).toBe(false);
  });

  it('wants a title, and a company its tax id', () => {
    expect(checkInvoice({ title_type: 'personal', title: '张三', tax_id: '', email: '' })).toEqual({});
    expect(checkInvoice({ title_type: 'personal', title: '张', tax_id: '', email: 'x' })).toEqual({
      title: 'invoice.errors.title',
      email: 'invoice.errors.email',
    });
    expect(checkInvoice({ title_type: 'company', title: '某公司', tax_id: '123', email: 'a@b.cn' })).toEqual({ tax_id: 'invoice.errors.taxId' });
  });

  it('sends no tax id for a person and upper-cases a company’s', () => {
    expect(invoiceBody({ title_type: 'personal', title: ' 张三 ', tax_id: 'x', email: '' })).toEqual({ title_type: 'personal', title: '张三', tax_id: null, email: null });
    expect(invoiceBody({ title_type: 'company', title: '某公司', tax_id: '9144030071526726xg', email: '' }).tax_id).toBe('9144030071526726XG');
  });

  it('asks again only when nothing is open', () => {
    expect(canRequest([])).toBe(true);
    expect(canRequest([{ state: 'rejected' }, { state: 'reversed' }])).toBe(true);
    expect(canRequest([{ state: 'issued' }])).toBe(false);
  });
});
