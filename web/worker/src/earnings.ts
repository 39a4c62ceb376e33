/**
 * The worker's earnings (我的收入): checks on a withdrawal before it is sent (the server
 * checks again: the minimum, the day's limit and the balance at that moment) and how a
 * withdrawal's state is shown.
 */
import { parseYuan } from '@daojia/shared';

/** A withdrawal amount typed in yuan, as 分, or the i18n key of what is wrong. */
export function withdrawalAmount(text: string, withdrawableFen: number): { fen: number } | { error: string } {
  const fen = parseYuan(text.trim());
  if (fen === null || fen <= 0) return { error: 'earnings.amountInvalid' };
  if (fen > withdrawableFen) return { error: 'earnings.overBalance' };
  return { fen };
}

/** The tag type of a withdrawal's state. */
export function stateTag(state: string): 'primary' | 'success' | 'danger' | 'warning' {
  switch (state) {
    case 'paid':
      return 'success';
    case 'rejected':
    case 'failed':
      return 'danger';
    case 'approved':
      return 'primary';
    default:
      return 'warning';
  }
}

/** Whether withdrawal `w`'s WeChat transfer waits for the worker to confirm (确认收款). */
export function waitsForPayee(w: { channel: string; state: string; transfer_state?: string | null }): boolean {
  return w.channel === 'wechat' && w.state === 'approved' && w.transfer_state === 'WAIT_USER_CONFIRM';
}

/**
 * The address of WeChat's silent web authorisation (`snsapi_base`) that comes back to
 * `back` with the payee's code, or null when the server gave no authorisation page.
 */
export function authorizeUrl(base: string | null | undefined, appId: string | null | undefined, back: string, state: string): string | null {
  if (!base || !appId) return null;
  const q = new URLSearchParams({ appid: appId, redirect_uri: back, response_type: 'code', scope: 'snsapi_base', state });
  return `${base}?${q.toString()}#wechat_redirect`;
}

/** The `code` and `state` WeChat's authorisation appended to `search`, if any. */
export function returnedCode(search: string): { code: string; state: string } | null {
  const q = new URLSearchParams(search);
  const code = q.get('code');
  return code ? { code, state: q.get('state') ?? '' } : null;
}
