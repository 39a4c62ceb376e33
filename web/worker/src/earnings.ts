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
