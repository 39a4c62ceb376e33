/**
 * Invoices (发票) on the order page: what the form checks before sending (the server checks
 * again, the tax id's check character included), and which request to show.
 */

/** A unified social credit code's characters, in the order of their values (GB 32100-2015). */
const CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Whether `code` is a unified social credit code whose check character matches. */
export function validCreditCode(code: string): boolean {
  const s = code.trim().toUpperCase();
  if (s.length !== 18) return false;
  const values = [...s].map((c) => CHARS.indexOf(c));
  if (values.some((v) => v < 0)) return false;
  if (!/^\d{6}$/.test(s.slice(2, 8))) return false;
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * values[i], 0);
  return CHARS[(31 - (sum % 31)) % 31] === s[17];
}

export interface InvoiceDraft {
  title_type: 'personal' | 'company';
  title: string;
  tax_id: string;
  email: string;
}

/** The i18n keys of what is wrong with a draft, by field. */
export function checkInvoice(d: InvoiceDraft): Record<string, string> {
  const errors: Record<string, string> = {};
  const n = [...d.title.trim()].length;
  if (n < 2 || n > 100) errors.title = 'invoice.errors.title';
  if (d.title_type === 'company' && !validCreditCode(d.tax_id)) errors.tax_id = 'invoice.errors.taxId';
  const email = d.email.trim();
  if (email && !/^[^\s@]+@[^\s@.][^\s@]*\.[^\s@.]+$/.test(email)) errors.email = 'invoice.errors.email';
  return errors;
}

/** The body of a request from a draft. */
export function invoiceBody(d: InvoiceDraft): { title_type: string; title: string; tax_id: string | null; email: string | null } {
  return {
    title_type: d.title_type,
    title: d.title.trim(),
    tax_id: d.title_type === 'company' ? d.tax_id.trim().toUpperCase() : null,
    email: d.email.trim() || null,
  };
}

/** Whether a new request may be made: none is requested or issued. */
export function canRequest(list: { state: string }[]): boolean {
  return !list.some((i) => i.state === 'requested' || i.state === 'issued');
}
