//! The order state machine: every transition checks the current state, the actor and its
//! rights and the order's policy, changes the order, and yields exactly one event. Applying
//! an action whose effect is already in place (a retried request) changes nothing and says
//! so, which makes every transition safe to retry.
//!
//! Money on the order is bookkeeping of what is due, paid, refunded and kept as a fee; the
//! journal entries that move it between accounts belong to the payments capability.

mod step;

use super::OrderState;
use super::policy::Policy;
use crate::access::Role;
use crate::ids::{CustomerId, OrderId, StaffId, WorkerId};
use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use step::Step;

/// Who acts on an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// A customer (only their own orders).
    Customer {
        /// Who.
        id: CustomerId,
    },
    /// A worker (only orders offered or assigned to them).
    Worker {
        /// Who.
        id: WorkerId,
    },
    /// Operations staff, with their role's permissions.
    Staff {
        /// Who.
        id: StaffId,
        /// Their role.
        role: Role,
    },
    /// The platform itself: timeouts, automatic dispatch, payment notifications.
    System,
}

/// The start window the customer picked (预约时段), in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    /// Earliest start.
    pub start: DateTime<Utc>,
    /// Latest start.
    pub end: DateTime<Utc>,
}

/// How the order is paid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum PaymentPlan {
    /// The whole amount before dispatch.
    Full,
    /// A deposit before dispatch, the balance before completion.
    Deposit {
        /// The deposit.
        deposit: Money,
    },
}

/// How a payment was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// 现金, entered by staff.
    Cash,
    /// 转账, entered by staff.
    BankTransfer,
    /// A payment channel's confirmed notification (WeChat Pay, Alipay…).
    Channel {
        /// The channel's code.
        channel: String,
    },
    /// The demo setting that marks orders paid on placement.
    Demo,
}

/// How a worker came to be assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignedBy {
    /// A dispatcher chose them; may move an accepted order from another worker (改派).
    Manual,
    /// They claimed it from the grab pool.
    Grab,
    /// The customer chose them.
    Chosen,
    /// A dispatcher committed a route plan that gives the order to them. Like a manual
    /// assignment, it may move an accepted order from another worker (the commit asks for
    /// that explicitly).
    Plan,
}

/// What staff decide on an after-sales case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Resolution {
    /// Redo the work in a new visit linked to this order.
    Rework,
    /// Refund part or all of what was paid.
    Refund {
        /// The amount.
        amount: Money,
    },
    /// No action, with the reason given to the customer.
    Declined,
}

/// Something someone does to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// A payment arrived (deposit, full amount, or balance).
    RecordPayment {
        /// How much.
        amount: Money,
        /// How.
        method: PaymentMethod,
        /// Receipt number, transfer reference, channel transaction id.
        reference: String,
    },
    /// Offer the order to one worker (派单邀请).
    Offer {
        /// To whom.
        worker: WorkerId,
    },
    /// The offered worker takes it.
    Accept,
    /// The offered worker declines it.
    Reject {
        /// Why.
        reason: String,
    },
    /// The offer timed out.
    OfferExpired,
    /// Give the order to a worker directly.
    Assign {
        /// To whom.
        worker: WorkerId,
        /// How.
        by: AssignedBy,
    },
    /// The worker sets off.
    Depart,
    /// The worker checked in at the door (签到): the order is `arrived`. Where and when it
    /// was allowed is the visit's rule ([`crate::visit`]), checked by the caller.
    CheckIn,
    /// Service starts (`in_service`): for the worker, once the customer's door check code
    /// (上门校验码) was entered right, which the caller checks ([`crate::visit::door`]).
    StartService,
    /// Service is done.
    FinishService,
    /// The customer confirms the service (or the confirmation window lapses, or staff
    /// close it). With money still owed the order then awaits the balance, and the payment
    /// that settles it completes the order.
    Complete,
    /// Cancel.
    Cancel {
        /// Why.
        reason: String,
    },
    /// Move to another window (改约). A customer may until the policy's rescheduling
    /// deadline, as often as it allows, and not while cancelling would cost a fee.
    Reschedule {
        /// The new window.
        window: Window,
    },
    /// Open an after-sales case (售后).
    OpenAfterSales {
        /// What went wrong.
        reason: String,
    },
    /// Staff decide the after-sales case.
    ResolveAfterSales {
        /// The decision.
        resolution: Resolution,
        /// Explanation for the record and the customer.
        note: String,
    },
}

impl Action {
    /// The stable name of the action.
    pub fn name(&self) -> &'static str {
        match self {
            Action::RecordPayment { .. } => "record_payment",
            Action::Offer { .. } => "offer",
            Action::Accept => "accept",
            Action::Reject { .. } => "reject",
            Action::OfferExpired => "offer_expired",
            Action::Assign { .. } => "assign",
            Action::Depart => "depart",
            Action::CheckIn => "check_in",
            Action::StartService => "start_service",
            Action::FinishService => "finish_service",
            Action::Complete => "complete",
            Action::Cancel { .. } => "cancel",
            Action::Reschedule { .. } => "reschedule",
            Action::OpenAfterSales { .. } => "open_after_sales",
            Action::ResolveAfterSales { .. } => "resolve_after_sales",
        }
    }
}

/// The order's money, in 分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Amounts {
    /// The price of everything ordered.
    pub total: Money,
    /// Paid so far.
    pub paid: Money,
    /// Refunded so far (or owed back: the refund itself is a payment-channel matter).
    pub refunded: Money,
    /// Kept as a cancellation fee.
    pub fee: Money,
}

impl Amounts {
    /// What is still to pay for the service.
    pub fn outstanding(&self) -> Money {
        self.total - self.paid
    }
}

/// Money that moved in one transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MoneyChange {
    /// Newly paid.
    pub paid: Money,
    /// Newly refunded.
    pub refunded: Money,
    /// Newly kept as a fee.
    pub fee: Money,
}

/// The record of one transition (订单事件).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// 1 for the first event after placement, then 2, 3…
    pub seq: u32,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// State before.
    pub from: OrderState,
    /// State after (may equal `from`: a balance paid during service).
    pub to: OrderState,
    /// What was done.
    pub action: Action,
    /// Money that moved.
    pub money: MoneyChange,
}

/// What applying an action did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The order changed; here is its event.
    Applied(Event),
    /// The action's effect was already in place (a retry): nothing changed, no event.
    AlreadyDone,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The action is not possible in the current state.
    #[error("{action} is not possible while the order is {}", state.as_str())]
    InvalidState {
        /// The action.
        action: &'static str,
        /// The current state.
        state: OrderState,
    },
    /// This actor may not do this to this order.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// The order's policy does not allow it now.
    #[error("{0}")]
    Policy(&'static str),
    /// A money amount that cannot be.
    #[error("invalid amount: {0}")]
    Amount(&'static str),
    /// A window that ends before it starts or starts in the past.
    #[error("invalid window: {0}")]
    Window(&'static str),
}

/// An order as the state machine sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// Who ordered.
    pub customer: CustomerId,
    /// Where it is.
    pub state: OrderState,
    /// The worker it is offered to (in `pending_accept`) or assigned to (from `accepted`).
    pub worker: Option<WorkerId>,
    /// The start window.
    pub window: Window,
    /// How it is paid.
    pub plan: PaymentPlan,
    /// Money.
    pub amounts: Amounts,
    /// The rules for cancelling, rescheduling and after-sales, fixed when the order is placed.
    pub policy: Policy,
    /// Reschedules asked by the customer.
    pub customer_reschedules: u32,
    /// When it was completed (the first time).
    pub completed_at: Option<DateTime<Utc>>,
    /// Events so far.
    pub version: u32,
}

/// The states from which the customer may still cancel or reschedule themselves.
const BEFORE_DEPARTURE: [OrderState; 4] = [
    OrderState::PendingPayment,
    OrderState::PendingDispatch,
    OrderState::PendingAccept,
    OrderState::Accepted,
];

/// The states in which staff may cancel or reschedule (anything before service starts,
/// including a worker at the door of a customer who is not home).
const BEFORE_SERVICE: [OrderState; 6] = [
    OrderState::PendingPayment,
    OrderState::PendingDispatch,
    OrderState::PendingAccept,
    OrderState::Accepted,
    OrderState::EnRoute,
    OrderState::Arrived,
];

/// States in which a payment can be recorded.
const PAYABLE: [OrderState; 9] = [
    OrderState::PendingPayment,
    OrderState::PendingDispatch,
    OrderState::PendingAccept,
    OrderState::Accepted,
    OrderState::EnRoute,
    OrderState::Arrived,
    OrderState::InService,
    OrderState::PendingSettlement,
    OrderState::AwaitingBalance,
];

/// Every (from, to) pair a transition may produce. Tests check that nothing else happens.
pub const EDGES: &[(OrderState, OrderState)] = {
    use OrderState::*;
    &[
        (PendingPayment, PendingPayment),
        (PendingPayment, PendingDispatch),
        (PendingPayment, Cancelled),
        (PendingDispatch, PendingDispatch),
        (PendingDispatch, PendingAccept),
        (PendingDispatch, Accepted),
        (PendingDispatch, Cancelled),
        (PendingAccept, PendingAccept),
        (PendingAccept, PendingDispatch),
        (PendingAccept, Accepted),
        (PendingAccept, Cancelled),
        (Accepted, Accepted),
        (Accepted, PendingDispatch),
        (Accepted, EnRoute),
        (Accepted, Arrived),
        (Accepted, Cancelled),
        (EnRoute, EnRoute),
        (EnRoute, PendingDispatch),
        (EnRoute, Arrived),
        (EnRoute, Cancelled),
        (Arrived, Arrived),
        (Arrived, PendingDispatch),
        (Arrived, InService),
        (Arrived, Cancelled),
        (InService, InService),
        (InService, PendingSettlement),
        (PendingSettlement, PendingSettlement),
        (PendingSettlement, AwaitingBalance),
        (PendingSettlement, Completed),
        (AwaitingBalance, AwaitingBalance),
        (AwaitingBalance, Completed),
        (Completed, AfterSales),
        (AfterSales, Completed),
    ]
};

impl Order {
    /// A newly placed order, waiting for payment. A deposit larger than the total is
    /// treated as the total.
    pub fn placed(
        id: OrderId,
        customer: CustomerId,
        window: Window,
        total: Money,
        plan: PaymentPlan,
        policy: Policy,
    ) -> Order {
        let plan = match plan {
            PaymentPlan::Deposit { deposit } if deposit >= total => PaymentPlan::Full,
            p => p,
        };
        Order {
            id,
            customer,
            // Nothing to pay (a free rework visit): it waits for a worker at once.
            state: if total <= Money::ZERO {
                OrderState::PendingDispatch
            } else {
                OrderState::PendingPayment
            },
            worker: None,
            window,
            plan,
            amounts: Amounts {
                total,
                ..Amounts::default()
            },
            policy,
            customer_reschedules: 0,
            completed_at: None,
            version: 0,
        }
    }

    /// What must be paid before the order can be dispatched.
    pub fn due_before_dispatch(&self) -> Money {
        match self.plan {
            PaymentPlan::Full => self.amounts.total,
            PaymentPlan::Deposit { deposit } => deposit,
        }
    }

    /// The fee the customer would pay for cancelling at `now` (shown before they confirm).
    ///
    /// The rule: cancelling is free until the policy's free-cancellation period before the
    /// window starts; after that it costs the late fee (a capped percentage of the total,
    /// never more than was paid) if a worker has taken the order (`accepted`, `en_route`),
    /// because that worker has been told and has kept the time free. An order still
    /// waiting for a worker costs nothing to cancel.
    ///
    /// A customer's own reschedule releases the worker just as a cancellation does, so it
    /// may not be used to shed the fee: while cancelling would cost something, the customer
    /// cannot reschedule themselves (see [`Action::Reschedule`] in [`Order::apply`]); they
    /// may cancel and pay, or ask customer service, whose changes are a judgement call like
    /// their fee-free cancellations. Without this, an item whose free cancellation ends
    /// earlier than its rescheduling (say 24 hours and 2 hours) let a customer reschedule
    /// three hours ahead, which returned the order to `pending_dispatch`, and then cancel
    /// for free.
    pub fn customer_cancel_fee(&self, now: DateTime<Utc>) -> Money {
        let late = now + self.policy.free_cancel_before() > self.window.start;
        let worker_committed = matches!(
            self.state,
            OrderState::Accepted | OrderState::EnRoute | OrderState::Arrived
        );
        if !(late && worker_committed) {
            return Money::ZERO;
        }
        let fee = self.policy.late_cancel_fee(self.amounts.total);
        fee.min(self.amounts.paid)
    }

    /// The fee kept when the customer is not home at the visit (客户不在家): the policy's
    /// late-cancellation fee on the total, never more than what was paid and not refunded.
    pub fn no_show_fee(&self) -> Money {
        let kept = (self.amounts.paid - self.amounts.refunded).max(Money::ZERO);
        self.policy.late_cancel_fee(self.amounts.total).min(kept)
    }

    /// Applies `action` by `actor` at `now`. On success the order has changed (or was
    /// already as asked); on error it is exactly as before.
    pub fn apply(
        &mut self,
        actor: Actor,
        action: Action,
        now: DateTime<Utc>,
    ) -> Result<Outcome, TransitionError> {
        let mut next = self.clone();
        let from = self.state;
        let money = match next.step(actor, &action, now)? {
            Step::Noop => return Ok(Outcome::AlreadyDone),
            Step::Changed(money) => money,
        };
        next.version += 1;
        let event = Event {
            seq: next.version,
            at: now,
            actor,
            from,
            to: next.state,
            action,
            money,
        };
        *self = next;
        Ok(Outcome::Applied(event))
    }
}
