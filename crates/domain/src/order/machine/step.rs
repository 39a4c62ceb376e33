//! The body of [`Order::apply`]: one arm per action, each checking the state, the actor and
//! the policy and changing the order.

use super::{
    Action, Actor, AssignedBy, BEFORE_DEPARTURE, BEFORE_SERVICE, MoneyChange, Order, PAYABLE,
    PaymentMethod, Resolution, TransitionError,
};
use crate::access::Permission;
use crate::ids::WorkerId;
use crate::money::Money;
use crate::order::OrderState;
use chrono::{DateTime, Duration, Utc};

impl Order {
    pub(super) fn step(
        &mut self,
        actor: Actor,
        action: &Action,
        now: DateTime<Utc>,
    ) -> Result<Step, TransitionError> {
        use OrderState::*;
        let state = self.state;
        let invalid = || TransitionError::InvalidState {
            action: action.name(),
            state,
        };
        match action {
            Action::RecordPayment { amount, method, .. } => {
                match (actor, method) {
                    (Actor::System, _) => {}
                    (
                        Actor::Staff { role, .. },
                        PaymentMethod::Cash | PaymentMethod::BankTransfer,
                    ) if role.allows(Permission::FinanceWrite) => {}
                    (Actor::Staff { .. }, PaymentMethod::Cash | PaymentMethod::BankTransfer) => {
                        return Err(TransitionError::Forbidden(
                            "recording a payment needs finance.write",
                        ));
                    }
                    _ => {
                        return Err(TransitionError::Forbidden(
                            "payments are recorded by finance (offline) or by the payment channel",
                        ));
                    }
                }
                if !PAYABLE.contains(&state) {
                    return Err(invalid());
                }
                if *amount <= Money::ZERO {
                    return Err(TransitionError::Amount("a payment must be more than zero"));
                }
                if *amount > self.amounts.outstanding() {
                    return Err(TransitionError::Amount(
                        "the payment is more than what is due",
                    ));
                }
                self.amounts.paid = self.amounts.paid + *amount;
                if state == PendingPayment && self.amounts.paid >= self.due_before_dispatch() {
                    self.state = PendingDispatch;
                }
                // The customer confirmed already: the balance settled completes the order.
                if state == AwaitingBalance && self.amounts.outstanding() <= Money::ZERO {
                    self.state = Completed;
                    self.completed_at.get_or_insert(now);
                }
                Ok(Step::Changed(MoneyChange {
                    paid: *amount,
                    ..MoneyChange::default()
                }))
            }
            Action::Offer { worker } => {
                self.require_dispatcher(actor)?;
                match state {
                    PendingDispatch => {
                        self.worker = Some(*worker);
                        self.state = PendingAccept;
                        Ok(Step::changed())
                    }
                    PendingAccept if self.worker == Some(*worker) => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::Accept => {
                let me = self.require_worker(actor)?;
                match state {
                    PendingAccept if self.worker == Some(me) => {
                        self.state = Accepted;
                        Ok(Step::changed())
                    }
                    Accepted if self.worker == Some(me) => Ok(Step::Noop),
                    PendingAccept | Accepted => Err(TransitionError::Forbidden(
                        "the order is not offered to you",
                    )),
                    _ => Err(invalid()),
                }
            }
            Action::Reject { .. } => {
                let me = self.require_worker(actor)?;
                match state {
                    PendingAccept if self.worker == Some(me) => {
                        self.worker = None;
                        self.state = PendingDispatch;
                        Ok(Step::changed())
                    }
                    PendingAccept => Err(TransitionError::Forbidden(
                        "the order is not offered to you",
                    )),
                    _ => Err(invalid()),
                }
            }
            Action::OfferExpired => {
                if actor != Actor::System {
                    return Err(TransitionError::Forbidden(
                        "offers expire by the platform's clock",
                    ));
                }
                match state {
                    PendingAccept => {
                        self.worker = None;
                        self.state = PendingDispatch;
                        Ok(Step::changed())
                    }
                    _ => Ok(Step::Noop),
                }
            }
            Action::Assign { worker, by } => {
                match (actor, by) {
                    (Actor::Worker { id }, AssignedBy::Grab) if id == *worker => {}
                    (Actor::Worker { .. }, _) => {
                        return Err(TransitionError::Forbidden(
                            "a worker can only claim an order for themselves",
                        ));
                    }
                    _ => self.require_dispatcher(actor)?,
                }
                match state {
                    PendingDispatch | PendingAccept => {
                        if state == PendingAccept && *by == AssignedBy::Grab {
                            return Err(invalid());
                        }
                        self.worker = Some(*worker);
                        self.state = Accepted;
                        Ok(Step::changed())
                    }
                    Accepted if self.worker == Some(*worker) => Ok(Step::Noop),
                    // A plan's commit or a dispatcher on the board moves an accepted order
                    // to another worker (改派).
                    Accepted if matches!(by, AssignedBy::Plan | AssignedBy::Manual) => {
                        self.worker = Some(*worker);
                        Ok(Step::changed())
                    }
                    _ => Err(invalid()),
                }
            }
            Action::Depart => {
                self.require_assigned_or_staff(actor, Permission::OrderWrite)?;
                match state {
                    Accepted => {
                        self.state = EnRoute;
                        Ok(Step::changed())
                    }
                    EnRoute => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::CheckIn => {
                self.require_assigned_or_staff(actor, Permission::OrderWrite)?;
                match state {
                    EnRoute => {
                        self.state = Arrived;
                        Ok(Step::changed())
                    }
                    // Staff may record the arrival of a worker whose departure nobody logged.
                    Accepted if matches!(actor, Actor::Staff { .. }) => {
                        self.state = Arrived;
                        Ok(Step::changed())
                    }
                    Arrived | InService => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::StartService => {
                self.require_assigned_or_staff(actor, Permission::OrderWrite)?;
                match state {
                    Arrived => {
                        self.state = InService;
                        Ok(Step::changed())
                    }
                    InService => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::FinishService => {
                self.require_assigned_or_staff(actor, Permission::OrderWrite)?;
                match state {
                    InService => {
                        self.state = PendingSettlement;
                        Ok(Step::changed())
                    }
                    PendingSettlement => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::Complete => {
                match actor {
                    Actor::Customer { id } if id == self.customer => {}
                    Actor::Customer { .. } => {
                        return Err(TransitionError::Forbidden("not your order"));
                    }
                    Actor::Worker { .. } => {
                        return Err(TransitionError::Forbidden(
                            "the customer confirms completion, not the worker",
                        ));
                    }
                    Actor::Staff { role, .. } if !role.allows(Permission::OrderWrite) => {
                        return Err(TransitionError::Forbidden(
                            "completing an order needs order.write",
                        ));
                    }
                    _ => {}
                }
                match state {
                    // Confirming and paying are separate steps: with money still owed the
                    // order awaits the balance (待付尾款), and the payment completes it.
                    PendingSettlement if self.amounts.outstanding() > Money::ZERO => {
                        self.state = AwaitingBalance;
                        Ok(Step::changed())
                    }
                    PendingSettlement => {
                        self.state = Completed;
                        self.completed_at.get_or_insert(now);
                        Ok(Step::changed())
                    }
                    AwaitingBalance | Completed => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::Cancel { .. } => {
                if state == Cancelled {
                    return Ok(Step::Noop);
                }
                let fee = match actor {
                    Actor::Customer { id } if id == self.customer => {
                        if !BEFORE_DEPARTURE.contains(&state) {
                            return Err(if BEFORE_SERVICE.contains(&state) {
                                TransitionError::Policy(
                                    "the worker is on the way: ask customer service to cancel",
                                )
                            } else {
                                invalid()
                            });
                        }
                        self.customer_cancel_fee(now)
                    }
                    Actor::Customer { .. } => {
                        return Err(TransitionError::Forbidden("not your order"));
                    }
                    // The customer is not home (客户不在家): the worker at the door cancels
                    // under the no-show policy, the fee kept. The caller checks the wait and
                    // the evidence ([`crate::visit::no_show`]).
                    Actor::Worker { id } if state == Arrived && self.worker == Some(id) => {
                        self.no_show_fee()
                    }
                    Actor::Worker { .. } => {
                        return Err(TransitionError::Forbidden(
                            "a worker cannot cancel an order; reject the offer or call operations",
                        ));
                    }
                    Actor::Staff { role, .. } => {
                        if !role.allows(Permission::OrderWrite) {
                            return Err(TransitionError::Forbidden(
                                "cancelling an order needs order.write",
                            ));
                        }
                        if !BEFORE_SERVICE.contains(&state) {
                            return Err(invalid());
                        }
                        Money::ZERO
                    }
                    Actor::System => {
                        if !matches!(state, PendingPayment | PendingDispatch | PendingAccept) {
                            return Err(invalid());
                        }
                        Money::ZERO
                    }
                };
                let refund = self.amounts.paid - self.amounts.refunded - fee;
                self.amounts.fee = fee;
                self.amounts.refunded = self.amounts.refunded + refund;
                self.state = Cancelled;
                Ok(Step::Changed(MoneyChange {
                    paid: Money::ZERO,
                    refunded: refund,
                    fee,
                }))
            }
            Action::Reschedule { window } => {
                if window.end <= window.start {
                    return Err(TransitionError::Window(
                        "the window must end after it starts",
                    ));
                }
                if window.start <= now {
                    return Err(TransitionError::Window("the new window is in the past"));
                }
                if *window == self.window {
                    return Ok(Step::Noop);
                }
                match actor {
                    Actor::Customer { id } if id == self.customer => {
                        if !BEFORE_DEPARTURE.contains(&state) {
                            return Err(if BEFORE_SERVICE.contains(&state) {
                                TransitionError::Policy(
                                    "the worker is on the way: the visit can no longer be moved",
                                )
                            } else {
                                invalid()
                            });
                        }
                        if now + self.policy.reschedule_before() > self.window.start {
                            return Err(TransitionError::Policy(
                                "too close to the visit to reschedule",
                            ));
                        }
                        if self.customer_reschedules >= self.policy.max_reschedules {
                            return Err(TransitionError::Policy(
                                "this order cannot be rescheduled again",
                            ));
                        }
                        // Moving the visit now would release a worker whose time the
                        // customer would pay for by cancelling: the fee cannot be shed by
                        // rescheduling first (see `customer_cancel_fee`).
                        if self.customer_cancel_fee(now) > Money::ZERO {
                            return Err(TransitionError::Policy(
                                "a worker has taken this order and free cancellation has ended: cancel (the fee applies) or ask customer service to move the visit",
                            ));
                        }
                        self.customer_reschedules += 1;
                    }
                    Actor::Customer { .. } => {
                        return Err(TransitionError::Forbidden("not your order"));
                    }
                    Actor::Staff { role, .. } if role.allows(Permission::OrderWrite) => {
                        if !BEFORE_SERVICE.contains(&state) {
                            return Err(invalid());
                        }
                    }
                    _ => {
                        return Err(TransitionError::Forbidden(
                            "rescheduling is for the customer or staff with order.write",
                        ));
                    }
                }
                self.window = *window;
                // A worker committed to the old time is released; dispatch starts again.
                if matches!(state, PendingAccept | Accepted | EnRoute | Arrived) {
                    self.worker = None;
                    self.state = PendingDispatch;
                }
                Ok(Step::changed())
            }
            Action::OpenAfterSales { .. } => {
                match actor {
                    Actor::Customer { id } if id == self.customer => {}
                    Actor::Staff { role, .. } if role.allows(Permission::AfterSalesWrite) => {}
                    _ => {
                        return Err(TransitionError::Forbidden(
                            "after-sales is opened by the customer or customer service",
                        ));
                    }
                }
                match state {
                    Completed => {
                        let done = self.completed_at.unwrap_or(now);
                        if now > done + Duration::days(i64::from(self.policy.after_sales_days)) {
                            return Err(TransitionError::Policy(
                                "the after-sales period for this order has ended",
                            ));
                        }
                        self.state = AfterSales;
                        Ok(Step::changed())
                    }
                    AfterSales => Ok(Step::Noop),
                    _ => Err(invalid()),
                }
            }
            Action::ResolveAfterSales { resolution, .. } => {
                match actor {
                    Actor::Staff { role, .. } if role.allows(Permission::AfterSalesWrite) => {}
                    _ => {
                        return Err(TransitionError::Forbidden(
                            "after-sales decisions need aftersales.write",
                        ));
                    }
                }
                if state != AfterSales {
                    return Err(invalid());
                }
                let mut money = MoneyChange::default();
                if let Resolution::Refund { amount } = resolution {
                    if *amount <= Money::ZERO {
                        return Err(TransitionError::Amount("a refund must be more than zero"));
                    }
                    if *amount > self.amounts.paid - self.amounts.refunded {
                        return Err(TransitionError::Amount(
                            "the refund is more than what was paid and not yet refunded",
                        ));
                    }
                    self.amounts.refunded = self.amounts.refunded + *amount;
                    money.refunded = *amount;
                }
                self.state = Completed;
                Ok(Step::Changed(money))
            }
        }
    }

    fn require_dispatcher(&self, actor: Actor) -> Result<(), TransitionError> {
        match actor {
            Actor::System => Ok(()),
            Actor::Staff { role, .. } if role.allows(Permission::DispatchWrite) => Ok(()),
            _ => Err(TransitionError::Forbidden(
                "dispatching needs dispatch.write",
            )),
        }
    }

    fn require_worker(&self, actor: Actor) -> Result<WorkerId, TransitionError> {
        match actor {
            Actor::Worker { id } => Ok(id),
            _ => Err(TransitionError::Forbidden(
                "only the worker answers an offer",
            )),
        }
    }

    fn require_assigned_or_staff(
        &self,
        actor: Actor,
        permission: Permission,
    ) -> Result<(), TransitionError> {
        match actor {
            Actor::Worker { id } if self.worker == Some(id) => Ok(()),
            Actor::Worker { .. } => Err(TransitionError::Forbidden(
                "the order is not assigned to you",
            )),
            Actor::Staff { role, .. } if role.allows(permission) => Ok(()),
            Actor::Staff { .. } => Err(TransitionError::Forbidden(
                "recording a visit needs order.write",
            )),
            Actor::System => Ok(()),
            Actor::Customer { .. } => Err(TransitionError::Forbidden(
                "the visit is recorded by the worker or staff",
            )),
        }
    }
}

pub(super) enum Step {
    Noop,
    Changed(MoneyChange),
}

impl Step {
    fn changed() -> Step {
        Step::Changed(MoneyChange::default())
    }
}
