/**
 * The door check code (上门校验码) on the order page: which visits show one (the worker is on
 * the way or at the door) and how the digits read. The code itself comes from the server
 * (`GET /api/v1/customer/orders/{id}/door-code`) and is shown to nobody but the customer.
 */

/** The states in which the customer's app shows the code. */
export const DOOR_CODE_STATES: readonly string[] = ['en_route', 'arrived'];

/** What the page knows of an order: its own state, and its visits when it has several. */
export interface DoorCodeOrder {
  id: string;
  order_no: string;
  state: string;
  visits: { id: string; order_no: string; state: string }[];
}

/** The visits (or the order itself) whose code to show, in the order's order. */
export function doorCodeVisits(order: DoorCodeOrder): { id: string; orderNo: string; state: string }[] {
  const list = order.visits.length > 1 ? order.visits : [{ id: order.id, order_no: order.order_no, state: order.state }];
  return list.filter((v) => DOOR_CODE_STATES.includes(v.state)).map((v) => ({ id: v.id, orderNo: v.order_no, state: v.state }));
}

/** The code in two groups, easier to read out: "482 913", "48 29", "482 91". */
export function readableCode(code: string): string {
  const c = code.replace(/\s/g, '');
  if (c.length <= 3) return c;
  const head = Math.ceil(c.length / 2);
  return `${c.slice(0, c.length === 6 ? 3 : head)} ${c.slice(c.length === 6 ? 3 : head)}`;
}
