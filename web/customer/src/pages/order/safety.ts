/**
 * Safety on the order page (docs/visit.md): which visits show who has come (请核对服务人员:
 * the worker at the door or serving, with the photo they took at check-in) and where the
 * red SOS button shows (the worker on the way, at the door or serving).
 */
import type { DoorCodeOrder } from './doorCode';

/** The states in which the page shows who has come. */
export const ARRIVAL_STATES: readonly string[] = ['arrived', 'in_service'];
/** The states of a visit under way, where SOS shows. */
export const SOS_STATES: readonly string[] = ['en_route', 'arrived', 'in_service'];

function visitsOf(order: DoorCodeOrder): { id: string; orderNo: string; state: string }[] {
  const list = order.visits.length > 1 ? order.visits : [{ id: order.id, order_no: order.order_no, state: order.state }];
  return list.map((v) => ({ id: v.id, orderNo: v.order_no, state: v.state }));
}

/** The visits whose worker the customer checks now. */
export function arrivalVisits(order: DoorCodeOrder): { id: string; orderNo: string; state: string }[] {
  return visitsOf(order).filter((v) => ARRIVAL_STATES.includes(v.state));
}

/** The visit an SOS goes to: the first under way (none: no button). */
export function sosVisit(order: DoorCodeOrder): { id: string; orderNo: string; state: string } | null {
  return visitsOf(order).find((v) => SOS_STATES.includes(v.state)) ?? null;
}
