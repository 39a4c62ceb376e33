/**
 * Invoices (发票) in the console: what the issue and the notes check before sending (the
 * server checks again).
 */

/** The i18n key of what is wrong with an invoice number (8 digits, or 20 for a 数电票), or null. */
export function invoiceNoError(text: string): string | null {
  const v = text.trim();
  if (!v) return 'common.errors.fields.required';
  return /^(\d{8}|\d{20})$/.test(v) ? null : 'invoices.errors.number';
}

/** The i18n key of what is wrong with a reason, or null. */
export function noteError(text: string): string | null {
  const v = text.trim();
  if (!v) return 'common.errors.fields.required';
  if ([...v].length > 500) return 'common.errors.fields.too_long';
  return null;
}
