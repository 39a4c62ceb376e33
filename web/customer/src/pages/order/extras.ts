/**
 * Extra items (加项) on the order page (docs/visit.md): which visits may carry extras the
 * worker proposed (from the check-in at the door until the customer confirms the service),
 * and which of them wait for the customer's answer. The server prices them and has the
 * last word on every decision.
 */
import type { DoorCodeOrder } from './doorCode';

/** The states in which a visit may show extras waiting or decided. */
export const EXTRA_STATES: readonly string[] = ['arrived', 'in_service', 'pending_settlement', 'awaiting_balance', 'completed'];

/** The visits (or the order itself) whose extras to load. */
export function extraVisits(order: DoorCodeOrder): string[] {
  const list = order.visits.length > 1 ? order.visits : [{ id: order.id, order_no: order.order_no, state: order.state }];
  return list.filter((v) => EXTRA_STATES.includes(v.state)).map((v) => v.id);
}

/** An extra as the page shows it. */
export interface Extra {
  id: string;
  order_id: string;
  status: string;
  total_fen: number;
}

/** The extras still waiting for the customer, and what confirming them all would add. */
export function waiting(extras: readonly Extra[]): { list: Extra[]; totalFen: number } {
  const list = extras.filter((e) => e.status === 'proposed');
  return { list, totalFen: list.reduce((s, e) => s + e.total_fen, 0) };
}
