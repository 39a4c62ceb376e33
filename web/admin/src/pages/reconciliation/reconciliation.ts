/**
 * Reconciliation (对账): the difference kinds and how a run or a difference is shown; the
 * note a resolution needs (the server checks again).
 */

/** The kinds of difference, in the order the console lists them. */
export const KINDS = ['missing_ours', 'missing_theirs', 'amount_mismatch', 'status_mismatch'] as const;

/** The bills reconciled: each channel's trade bill, and WeChat Pay's fund flow bill. */
export const PROVIDERS = ['wechat', 'wechat_fund', 'alipay'] as const;

/** What a difference is about, as the console shows its number. */
export function diffNumber(d: { refund_no?: string | null; intent_no?: string | null; subject?: string | null }): string {
  return d.refund_no ?? d.intent_no ?? d.subject ?? '';
}

/** The i18n key of what is wrong with a resolution note, or null. */
export function resolveNoteError(text: string): string | null {
  const v = text.trim();
  if (!v) return 'common.errors.fields.required';
  if ([...v].length > 500) return 'common.errors.fields.too_long';
  return null;
}

/** Yesterday in China (the bill date the daily run covers), as `YYYY-MM-DD`. */
export function yesterdayInChina(now: Date = new Date()): string {
  const china = new Date(now.getTime() + 8 * 3600_000 - 24 * 3600_000);
  return china.toISOString().slice(0, 10);
}

/** The tag type of a run: failed runs and runs with differences stand out. */
export function runTag(run: { state: string; differences: number }): 'success' | 'warning' | 'danger' {
  if (run.state !== 'succeeded') return 'danger';
  return run.differences > 0 ? 'warning' : 'success';
}

/** Reads a file as base64 (without the data URL prefix). */
export async function fileBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}
