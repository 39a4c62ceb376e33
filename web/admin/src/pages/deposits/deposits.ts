/**
 * Worker deposits (保证金) in the console: the fine form's checks (the server checks again:
 * never more than the deposit holds, a reason always).
 */
import { parseYuan } from '@daojia/shared';

/** The fine typed in yuan as 分 and its reason, or the i18n keys of what is wrong, by field. */
export function fineForm(
  amount: string,
  reason: string,
  balanceFen: number,
): { fen: number; reason: string } | { errors: Partial<Record<'amount' | 'reason', string>> } {
  const errors: Partial<Record<'amount' | 'reason', string>> = {};
  const fen = parseYuan(amount.trim());
  if (fen === null || fen <= 0) errors.amount = 'deposits.amountInvalid';
  else if (fen > balanceFen) errors.amount = 'deposits.overBalance';
  const why = reason.trim();
  if (!why) errors.reason = 'common.errors.fields.required';
  else if ([...why].length > 200) errors.reason = 'common.errors.fields.too_long';
  if (errors.amount || errors.reason || fen === null) return { errors };
  return { fen, reason: why };
}
