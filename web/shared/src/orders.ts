/**
 * What the apps need to know about an order's state machine to show it: the customer's
 * seven views (the tabs of the order list), which actions make sense in which state, and
 * the policy an order was placed under. The server decides; these only choose what to offer
 * (a refused action still comes back as a problem and is shown).
 */

/** Every state of the order machine, in lifecycle order. */
export const ORDER_STATES = [
  'pending_payment',
  'pending_dispatch',
  'pending_accept',
  'accepted',
  'en_route',
  'arrived',
  'in_service',
  'pending_settlement',
  'awaiting_balance',
  'completed',
  'after_sales',
  'cancelled',
] as const;
export type OrderState = (typeof ORDER_STATES)[number];

/** What the customer sees, in the order of the order list's tabs. */
export const CUSTOMER_VIEWS = [
  'awaiting_payment',
  'awaiting_worker',
  'awaiting_service',
  'in_service',
  'completed',
  'cancelled',
  'after_sales',
] as const;
export type CustomerView = (typeof CUSTOMER_VIEWS)[number];

export function isOrderState(v: unknown): v is OrderState {
  return typeof v === 'string' && (ORDER_STATES as readonly string[]).includes(v);
}

export function isCustomerView(v: unknown): v is CustomerView {
  return typeof v === 'string' && (CUSTOMER_VIEWS as readonly string[]).includes(v);
}

/** The customer's view of a state (the same mapping as the server's `customer_view`). */
export function customerViewOf(state: string): CustomerView | null {
  switch (state) {
    case 'pending_payment':
    case 'awaiting_balance':
      return 'awaiting_payment';
    case 'pending_dispatch':
    case 'pending_accept':
      return 'awaiting_worker';
    case 'accepted':
    case 'en_route':
    case 'arrived':
      return 'awaiting_service';
    case 'in_service':
    case 'pending_settlement':
      return 'in_service';
    case 'completed':
      return 'completed';
    case 'after_sales':
      return 'after_sales';
    case 'cancelled':
      return 'cancelled';
    default:
      return null;
  }
}

/** A tab of the customer's order list: everything, or one view. */
export type OrderTab = 'all' | CustomerView;
export const ORDER_TABS: readonly OrderTab[] = ['all', ...CUSTOMER_VIEWS];

/** The tab a route query names (`?tab=completed`), "all" for anything else. */
export function tabFromQuery(v: unknown): OrderTab {
  return isCustomerView(v) ? v : 'all';
}

/** The `view` query parameter of the list request for a tab. */
export function viewParam(tab: OrderTab): CustomerView | undefined {
  return tab === 'all' ? undefined : tab;
}

/** The rules of one order (the server's `Policy`), as numbers; absent fields are null. */
export interface OrderPolicy {
  free_cancel_minutes: number | null;
  late_cancel_fee_percent: number | null;
  /** 分. */
  late_cancel_fee_cap: number | null;
  reschedule_minutes: number | null;
  max_reschedules: number | null;
  after_sales_days: number | null;
  confirm_hours: number | null;
  unpaid_minutes: number | null;
}

const POLICY_KEYS = [
  'free_cancel_minutes',
  'late_cancel_fee_percent',
  'late_cancel_fee_cap',
  'reschedule_minutes',
  'max_reschedules',
  'after_sales_days',
  'confirm_hours',
  'unpaid_minutes',
] as const satisfies readonly (keyof OrderPolicy)[];

/** Reads the policy object of an order (typed loosely in the API) without trusting it. */
export function readPolicy(raw: unknown): OrderPolicy {
  const src = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const out = {} as OrderPolicy;
  for (const k of POLICY_KEYS) {
    const v = src[k];
    out[k] = typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
  return out;
}

const BEFORE_DEPARTURE: readonly string[] = ['pending_payment', 'pending_dispatch', 'pending_accept', 'accepted'];
const BEFORE_SERVICE: readonly string[] = [...BEFORE_DEPARTURE, 'en_route', 'arrived'];
const PAYABLE: readonly string[] = [...BEFORE_SERVICE, 'in_service', 'pending_settlement', 'awaiting_balance'];

/** The fields of an order these rules look at (both the customer's and the console's views have them). */
export interface OrderFacts {
  state: string;
  window_start: string;
  total_fen: number;
  paid_fen: number;
  refunded_fen: number;
  events?: { action: string; state: string; at: string }[];
}

/** When the order was completed (its last step into `completed`), or null. */
export function completedAt(order: OrderFacts): Date | null {
  const e = [...(order.events ?? [])].reverse().find((x) => x.state === 'completed');
  return e ? new Date(e.at) : null;
}

/** What the customer may try on an order now. */
export interface CustomerActions {
  cancel: boolean;
  reschedule: boolean;
  /** Rescheduling is possible in this state but too close to the visit under the policy. */
  rescheduleTooLate: boolean;
  /** Confirm that a finished visit is done (确认完成). */
  confirm: boolean;
  afterSales: boolean;
}

export function customerActions(order: OrderFacts, policy: OrderPolicy, now: Date): CustomerActions {
  const before = BEFORE_DEPARTURE.includes(order.state);
  const start = new Date(order.window_start).getTime();
  const cutoff = start - (policy.reschedule_minutes ?? 0) * 60_000;
  const tooLate = before && now.getTime() > cutoff;
  let afterSales = false;
  if (order.state === 'completed') {
    const done = completedAt(order);
    const days = policy.after_sales_days ?? 0;
    afterSales = done === null || now.getTime() <= done.getTime() + days * 86_400_000;
  }
  return { cancel: before, reschedule: before && !tooLate, rescheduleTooLate: tooLate, confirm: order.state === 'pending_settlement', afterSales };
}

/** A step of the visit staff can record for the worker. */
export type VisitStepName = 'depart' | 'arrive' | 'start' | 'check_in' | 'finish' | 'complete';

/** What the console offers on an order in its state. */
export interface StaffActions {
  reschedule: boolean;
  cancel: boolean;
  payment: boolean;
  assign: boolean;
  visit: VisitStepName[];
  openAfterSales: boolean;
  decideAfterSales: boolean;
}

export function staffActions(order: OrderFacts): StaffActions {
  const s = order.state;
  const outstanding = order.total_fen - order.paid_fen;
  const visit: VisitStepName[] = [];
  if (s === 'accepted') visit.push('depart', 'arrive', 'check_in');
  if (s === 'en_route') visit.push('arrive', 'check_in');
  // At the door: staff may start the visit without the door check code (say, a locked code).
  if (s === 'arrived') visit.push('start');
  if (s === 'in_service') visit.push('finish');
  if (s === 'pending_settlement') visit.push('complete');
  return {
    reschedule: BEFORE_SERVICE.includes(s),
    cancel: BEFORE_SERVICE.includes(s),
    payment: PAYABLE.includes(s) && outstanding > 0,
    assign: s === 'pending_dispatch' || s === 'pending_accept',
    visit,
    openAfterSales: s === 'completed',
    decideAfterSales: s === 'after_sales',
  };
}

/** What is still owed on an order, 分 (never negative). */
export function outstandingFen(order: Pick<OrderFacts, 'total_fen' | 'paid_fen'>): number {
  return Math.max(0, order.total_fen - order.paid_fen);
}

/** The colour family of a state, for tags: waiting, active, done, closed, trouble. */
export type StateTone = 'warning' | 'primary' | 'success' | 'default' | 'danger';

export function stateTone(state: string): StateTone {
  switch (state) {
    case 'pending_payment':
    case 'pending_dispatch':
    case 'pending_accept':
    case 'awaiting_balance':
      return 'warning';
    case 'accepted':
    case 'en_route':
    case 'arrived':
    case 'in_service':
    case 'pending_settlement':
      return 'primary';
    case 'completed':
      return 'success';
    case 'after_sales':
      return 'danger';
    default:
      return 'default';
  }
}
