//! The order state machine walked by hand along the lifecycle: paying, dispatching,
//! cancelling, rescheduling and after-sales, by each kind of actor.

mod order_world;

use daojia_domain::access::Role;
use daojia_domain::ids::OrderId;
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::*;
use daojia_domain::order::policy::Policy;
use order_world::*;

#[test]
fn the_whole_lifecycle_paid_in_full() {
    let w = world();
    let mut o = order(&w, PaymentPlan::Full);
    let finance = staff(Role::Finance);
    let dispatcher = staff(Role::Dispatcher);
    assert_eq!(
        applied(&mut o, finance, pay(15_900), t(1)).to,
        OrderState::PendingDispatch
    );
    applied(&mut o, dispatcher, Action::Offer { worker: w.w1 }, t(2));
    assert_eq!(o.state, OrderState::PendingAccept);
    applied(&mut o, Actor::Worker { id: w.w1 }, Action::Accept, t(3));
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::Depart,
        t(24 * 60 - 30),
    );
    let arrived = applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::CheckIn,
        t(24 * 60 + 5),
    );
    assert_eq!(
        (arrived.from, arrived.to),
        (OrderState::EnRoute, OrderState::Arrived)
    );
    assert_eq!(
        o.state.customer_view(),
        daojia_domain::order::CustomerView::AwaitingService
    );
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::StartService,
        t(24 * 60 + 6),
    );
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::FinishService,
        t(24 * 60 + 185),
    );
    let e = applied(
        &mut o,
        Actor::Customer { id: w.owner },
        Action::Complete,
        t(24 * 60 + 200),
    );
    assert_eq!(
        (e.from, e.to, e.seq),
        (OrderState::PendingSettlement, OrderState::Completed, 8)
    );
    assert_eq!(o.completed_at, Some(t(24 * 60 + 200)));
    assert_eq!(
        o.state.customer_view(),
        daojia_domain::order::CustomerView::Completed
    );
}

#[test]
fn a_deposit_order_dispatches_on_the_deposit_and_completes_on_the_balance() {
    let w = world();
    let mut o = order(
        &w,
        PaymentPlan::Deposit {
            deposit: Money::fen(3_000),
        },
    );
    let cs = staff(Role::CustomerService);
    let finance = staff(Role::Finance);
    let err = o.apply(cs, pay(2_000), t(1)).unwrap_err();
    assert!(
        matches!(err, TransitionError::Forbidden(_)),
        "money is finance's: {err}"
    );
    applied(&mut o, finance, pay(2_000), t(1));
    assert_eq!(
        o.state,
        OrderState::PendingPayment,
        "part of the deposit is not enough"
    );
    applied(&mut o, finance, pay(1_000), t(2));
    assert_eq!(o.state, OrderState::PendingDispatch);
    applied(
        &mut o,
        staff(Role::Dispatcher),
        Action::Assign {
            worker: w.w2,
            by: AssignedBy::Manual,
        },
        t(3),
    );
    applied(&mut o, cs, Action::CheckIn, t(24 * 60));
    applied(&mut o, cs, Action::StartService, t(24 * 60 + 1));
    applied(&mut o, cs, Action::FinishService, t(24 * 60 + 100));
    let err = o.apply(finance, pay(13_000), t(24 * 60 + 101)).unwrap_err();
    assert!(matches!(err, TransitionError::Amount(_)), "no overpayment");
    let balance = Action::RecordPayment {
        amount: Money::fen(12_900),
        method: PaymentMethod::Channel {
            channel: "wechat".into(),
        },
        reference: "4200001".into(),
    };
    let e = applied(&mut o, Actor::System, balance, t(24 * 60 + 102));
    assert_eq!(
        (e.from, e.to),
        (OrderState::PendingSettlement, OrderState::PendingSettlement),
        "paid before confirming: still the customer's to confirm"
    );
    let e = applied(&mut o, Actor::System, Action::Complete, t(48 * 60));
    assert_eq!(
        (e.from, e.to),
        (OrderState::PendingSettlement, OrderState::Completed)
    );
    assert_eq!(o.amounts.paid, Money::fen(15_900));
}

#[test]
fn confirming_with_a_balance_due_awaits_the_balance_and_the_payment_completes() {
    let w = world();
    let mut o = order(
        &w,
        PaymentPlan::Deposit {
            deposit: Money::fen(3_000),
        },
    );
    let cs = staff(Role::CustomerService);
    let finance = staff(Role::Finance);
    let customer = Actor::Customer { id: w.owner };
    applied(&mut o, finance, pay(3_000), t(1));
    applied(
        &mut o,
        staff(Role::Dispatcher),
        Action::Assign {
            worker: w.w2,
            by: AssignedBy::Manual,
        },
        t(3),
    );
    applied(&mut o, cs, Action::CheckIn, t(24 * 60));
    applied(&mut o, cs, Action::StartService, t(24 * 60 + 1));
    applied(&mut o, cs, Action::FinishService, t(24 * 60 + 100));
    let e = applied(&mut o, customer, Action::Complete, t(24 * 60 + 101));
    assert_eq!(
        (e.from, e.to),
        (OrderState::PendingSettlement, OrderState::AwaitingBalance)
    );
    assert_eq!(
        o.completed_at, None,
        "not complete before the balance is in"
    );
    assert_eq!(
        o.state.customer_view(),
        daojia_domain::order::CustomerView::AwaitingPayment
    );
    assert_eq!(
        o.apply(customer, Action::Complete, t(24 * 60 + 102))
            .unwrap(),
        Outcome::AlreadyDone,
        "a second confirmation is a retry"
    );
    let err = o
        .apply(
            customer,
            Action::OpenAfterSales { reason: "x".into() },
            t(24 * 60 + 103),
        )
        .unwrap_err();
    assert!(matches!(err, TransitionError::InvalidState { .. }), "{err}");
    let e = applied(&mut o, finance, pay(10_000), t(24 * 60 + 104));
    assert_eq!(
        (e.from, e.to),
        (OrderState::AwaitingBalance, OrderState::AwaitingBalance),
        "part of the balance is not enough"
    );
    let e = applied(&mut o, finance, pay(2_900), t(24 * 60 + 105));
    assert_eq!(
        (e.from, e.to),
        (OrderState::AwaitingBalance, OrderState::Completed)
    );
    assert_eq!(o.completed_at, Some(t(24 * 60 + 105)));
    assert_eq!(o.amounts.outstanding(), Money::ZERO);
    let err = o.apply(finance, pay(1), t(24 * 60 + 106)).unwrap_err();
    assert!(
        matches!(
            err,
            TransitionError::InvalidState { .. } | TransitionError::Amount(_)
        ),
        "{err}"
    );
}

#[test]
fn a_late_customer_cancellation_costs_the_fee_and_refunds_the_rest() {
    let w = world();
    let mut o = order(&w, PaymentPlan::Full);
    applied(&mut o, staff(Role::Finance), pay(15_900), t(1));
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::Assign {
            worker: w.w1,
            by: AssignedBy::Grab,
        },
        t(2),
    );
    // Early: free.
    assert_eq!(o.customer_cancel_fee(t(60)), Money::ZERO);
    // Within two hours of the window, with a worker committed: 20% of ¥159 = ¥31.80.
    let now = t(24 * 60 - 60);
    assert_eq!(o.customer_cancel_fee(now), Money::fen(3_180));
    let e = applied(
        &mut o,
        Actor::Customer { id: w.owner },
        Action::Cancel {
            reason: "plans changed".into(),
        },
        now,
    );
    assert_eq!(
        e.money,
        MoneyChange {
            paid: Money::ZERO,
            refunded: Money::fen(12_720),
            fee: Money::fen(3_180)
        }
    );
    assert_eq!(o.amounts.paid, o.amounts.refunded + o.amounts.fee);
    // A retry changes nothing.
    let again = o.apply(
        Actor::Customer { id: w.owner },
        Action::Cancel {
            reason: "again".into(),
        },
        now,
    );
    assert_eq!(again, Ok(Outcome::AlreadyDone));
}

#[test]
fn the_customer_cannot_cancel_once_the_worker_is_on_the_way_but_staff_can() {
    let w = world();
    let mut o = order(&w, PaymentPlan::Full);
    applied(&mut o, Actor::System, pay(15_900), t(1));
    applied(
        &mut o,
        staff(Role::Dispatcher),
        Action::Assign {
            worker: w.w1,
            by: AssignedBy::Manual,
        },
        t(2),
    );
    applied(&mut o, Actor::Worker { id: w.w1 }, Action::Depart, t(3));
    let err = o
        .apply(
            Actor::Customer { id: w.owner },
            Action::Cancel { reason: "x".into() },
            t(4),
        )
        .unwrap_err();
    assert!(matches!(err, TransitionError::Policy(_)), "{err}");
    let err = o
        .apply(
            staff(Role::Marketing),
            Action::Cancel { reason: "x".into() },
            t(4),
        )
        .unwrap_err();
    assert!(matches!(err, TransitionError::Forbidden(_)), "{err}");
    let e = applied(
        &mut o,
        staff(Role::CustomerService),
        Action::Cancel {
            reason: "worker ill".into(),
        },
        t(5),
    );
    assert_eq!(
        e.money.refunded,
        Money::fen(15_900),
        "staff cancel: full refund"
    );
}

#[test]
fn rescheduling_releases_the_worker_and_respects_the_policy() {
    let w = world();
    let mut o = order(&w, PaymentPlan::Full);
    let me = Actor::Customer { id: w.owner };
    applied(&mut o, Actor::System, pay(15_900), t(1));
    applied(
        &mut o,
        staff(Role::Dispatcher),
        Action::Assign {
            worker: w.w1,
            by: AssignedBy::Manual,
        },
        t(2),
    );
    let later = Window {
        start: t(48 * 60),
        end: t(49 * 60),
    };
    applied(&mut o, me, Action::Reschedule { window: later }, t(3));
    assert_eq!((o.state, o.worker), (OrderState::PendingDispatch, None));
    assert_eq!(
        o.apply(me, Action::Reschedule { window: later }, t(4)),
        Ok(Outcome::AlreadyDone)
    );
    applied(
        &mut o,
        me,
        Action::Reschedule {
            window: Window {
                start: t(72 * 60),
                end: t(73 * 60),
            },
        },
        t(5),
    );
    let err = o
        .apply(me, Action::Reschedule { window: later }, t(6))
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::Policy("this order cannot be rescheduled again")
    );
    let err = o
        .apply(
            me,
            Action::Reschedule {
                window: Window {
                    start: t(-5),
                    end: t(30),
                },
            },
            t(6),
        )
        .unwrap_err();
    assert!(matches!(err, TransitionError::Window(_)));
    // Staff are not limited by the customer's count.
    applied(
        &mut o,
        staff(Role::CustomerService),
        Action::Reschedule { window: later },
        t(7),
    );
}

/// Free cancellation until a day before, rescheduling until two hours before.
fn strict_cancellation() -> Policy {
    Policy {
        free_cancel_minutes: 24 * 60,
        reschedule_minutes: 120,
        ..Policy::default()
    }
}

#[test]
fn a_customer_cannot_shed_the_late_fee_by_rescheduling_first() {
    let w = world();
    let me = Actor::Customer { id: w.owner };
    let mut o = Order::placed(
        OrderId(id(100)),
        w.owner,
        Window {
            start: t(24 * 60),
            end: t(25 * 60),
        },
        Money::fen(15_900),
        PaymentPlan::Full,
        strict_cancellation(),
    );
    applied(&mut o, Actor::System, pay(15_900), t(1));
    applied(
        &mut o,
        staff(Role::Dispatcher),
        Action::Assign {
            worker: w.w1,
            by: AssignedBy::Manual,
        },
        t(2),
    );
    // Three hours before: past free cancellation, before the rescheduling deadline.
    let now = t(21 * 60);
    let fee = o.customer_cancel_fee(now);
    assert_eq!(fee, Money::fen(3_180));
    let later = Window {
        start: t(72 * 60),
        end: t(73 * 60),
    };
    let before = o.clone();
    let err = o
        .apply(me, Action::Reschedule { window: later }, now)
        .unwrap_err();
    assert!(matches!(err, TransitionError::Policy(_)), "{err:?}");
    assert_eq!(o, before, "the worker stays and so does the fee");
    let e = applied(
        &mut o.clone(),
        me,
        Action::Cancel { reason: "r".into() },
        now,
    );
    assert_eq!(e.money.fee, fee);
    // Customer service may still move it (their call, like their free cancellations)…
    applied(
        &mut o,
        staff(Role::CustomerService),
        Action::Reschedule { window: later },
        now,
    );
    // …and the customer may reschedule an order no worker has taken yet.
    applied(
        &mut o,
        me,
        Action::Reschedule {
            window: Window {
                start: t(96 * 60),
                end: t(97 * 60),
            },
        },
        t(21 * 60 + 1),
    );
}

#[test]
fn after_sales_within_the_window_ends_in_a_refund_or_rework() {
    let w = world();
    let mut o = order(&w, PaymentPlan::Full);
    let cs = staff(Role::CustomerService);
    applied(&mut o, Actor::System, pay(15_900), t(1));
    applied(
        &mut o,
        staff(Role::Dispatcher),
        Action::Assign {
            worker: w.w1,
            by: AssignedBy::Manual,
        },
        t(2),
    );
    applied(&mut o, Actor::Worker { id: w.w1 }, Action::Depart, t(3));
    applied(&mut o, Actor::Worker { id: w.w1 }, Action::CheckIn, t(4));
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::StartService,
        t(4),
    );
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::FinishService,
        t(5),
    );
    applied(
        &mut o,
        Actor::Customer { id: w.owner },
        Action::Complete,
        t(6),
    );
    let open = |reason: &str| Action::OpenAfterSales {
        reason: reason.into(),
    };
    let err = o
        .apply(Actor::Customer { id: w.stranger }, open("x"), t(7))
        .unwrap_err();
    assert!(matches!(err, TransitionError::Forbidden(_)));
    applied(
        &mut o,
        Actor::Customer { id: w.owner },
        open("the kitchen is still greasy"),
        t(6 * 24 * 60),
    );
    let refund = |fen| Action::ResolveAfterSales {
        resolution: Resolution::Refund {
            amount: Money::fen(fen),
        },
        note: "partial refund".into(),
    };
    let err = o.apply(cs, refund(20_000), t(6 * 24 * 60 + 1)).unwrap_err();
    assert!(matches!(err, TransitionError::Amount(_)));
    let e = applied(&mut o, cs, refund(5_000), t(6 * 24 * 60 + 2));
    assert_eq!(
        (e.to, e.money.refunded),
        (OrderState::Completed, Money::fen(5_000))
    );
    // The period counts from the first completion, not from the resolution.
    let err = o
        .apply(
            Actor::Customer { id: w.owner },
            open("again"),
            t(8 * 24 * 60),
        )
        .unwrap_err();
    assert!(matches!(err, TransitionError::Policy(_)));
}

#[test]
fn an_invalid_transition_names_the_current_state() {
    let w = world();
    let mut o = order(&w, PaymentPlan::Full);
    let err = o
        .apply(Actor::Worker { id: w.w1 }, Action::Depart, t(1))
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::Forbidden("the order is not assigned to you")
    );
    let err = o
        .apply(staff(Role::Dispatcher), Action::Depart, t(1))
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::InvalidState {
            action: "depart",
            state: OrderState::PendingPayment
        }
    );
    assert!(err.to_string().contains("pending_payment"));
}
