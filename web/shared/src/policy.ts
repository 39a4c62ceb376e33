/** The rules of an order in words, for the customer before they confirm and for staff. */
import type { Translator } from './errors/describe';
import { formatFen } from './format';
import type { OrderPolicy } from './orders';

/** "2 小时" / "90 分钟": a policy's lead time in the largest whole unit. */
export function policyTime(minutes: number, { t }: Pick<Translator, 't'>): string {
  return minutes % 60 === 0 ? t('common.policy.hours', { n: minutes / 60 }) : t('common.policy.minutes', { n: minutes });
}

/** One sentence per rule the policy sets, in the order a customer cares about them. */
export function policyLines(p: OrderPolicy, tr: Pick<Translator, 't'>): string[] {
  const { t } = tr;
  const out: string[] = [];
  if (p.free_cancel_minutes !== null) {
    out.push(t('common.policy.freeCancel', { time: policyTime(p.free_cancel_minutes, tr) }));
    if (p.late_cancel_fee_percent && p.late_cancel_fee_cap !== null) {
      out.push(
        t('common.policy.lateFee', {
          time: policyTime(p.free_cancel_minutes, tr),
          percent: p.late_cancel_fee_percent,
          cap: formatFen(p.late_cancel_fee_cap, { trim: true }),
        }),
      );
    }
  }
  if (!p.late_cancel_fee_percent) out.push(t('common.policy.noLateFee'));
  if (p.reschedule_minutes !== null && p.max_reschedules) {
    out.push(t('common.policy.reschedule', { time: policyTime(p.reschedule_minutes, tr), count: p.max_reschedules }));
  } else if (p.max_reschedules === 0) {
    out.push(t('common.policy.noReschedule'));
  }
  out.push(t('common.policy.afterDeparture'));
  if (p.after_sales_days) out.push(t('common.policy.afterSales', { days: p.after_sales_days }));
  return out;
}
