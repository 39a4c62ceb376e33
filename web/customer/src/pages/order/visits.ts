/**
 * The visits of an order needing several trades (docs/adr/0008), as the customer's order
 * page shows them: one card per visit with its trade, its state in the customer's words,
 * its worker (masked name) once one is sent, and its window. An order of one visit has no
 * cards: its page already says all of that.
 */
import { customerViewName, customerViewOf, formatWindow, skillName, type OrderView, type Translator } from '@daojia/shared';

type Visit = OrderView['visits'][number];

/** What one visit's card shows. */
export interface VisitCard {
  id: string;
  orderNo: string;
  /** The trade: its skills' names ("保洁、家电维修"), else its items' names. */
  trade: string;
  /** The items of that trade ("深度保洁、空调清洗"). */
  items: string;
  /** The customer's view of its state (`awaiting_service`…), for styling; null if unknown. */
  view: string | null;
  /** That view in words ("待服务"), or the raw state if this build does not know it. */
  stateLabel: string;
  /** What happens next, in the customer's words ("师傅正在赶来"), when there is something to say. */
  hint: string;
  /** The worker's masked name (`王**`), null until one is sent. */
  worker: string | null;
  /** The first character of that name, for the avatar. */
  initial: string;
  /** The window, formatted in the area's time zone. */
  window: string;
}

// States whose order hint reads right for one visit. Payment and cancellation are about the
// whole order (one payment; a cancel of the order), so a visit says nothing there beyond
// its state.
const VISIT_HINTS = new Set(['pending_dispatch', 'pending_accept', 'accepted', 'en_route', 'arrived', 'in_service', 'pending_settlement', 'awaiting_balance']);

function visitCard(v: Visit, tr: Translator, locale: string, list: string): VisitCard {
  const view = customerViewOf(v.state);
  const hintKey = `order.hints.${v.state}`;
  const worker = v.worker?.trim() || null;
  const items = v.items.join(list);
  return {
    id: v.id,
    orderNo: v.order_no,
    trade: v.skills.length ? v.skills.map((s) => skillName(s, tr)).join(list) : items,
    items,
    view,
    stateLabel: view ? customerViewName(view, tr) : v.state,
    hint: VISIT_HINTS.has(v.state) && tr.te(hintKey) ? tr.t(hintKey) : '',
    worker,
    initial: worker ? Array.from(worker)[0] : '',
    window: formatWindow(v.window_start, v.window_end, locale),
  };
}

/** The cards of an order's visits, first visit first; none for an order of one visit. */
export function visitCards(order: Pick<OrderView, 'visits'>, tr: Translator, locale: string): VisitCard[] {
  if (order.visits.length < 2) return [];
  const list = locale === 'en' ? ', ' : '、';
  return order.visits.map((v) => visitCard(v, tr, locale, list));
}
