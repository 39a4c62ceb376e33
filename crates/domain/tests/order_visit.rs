//! The visit's states: a worker who checks in is `arrived`, and only starting the service
//! (which the application layer allows after the door check code) makes it `in_service`.

mod order_world;

use daojia_domain::access::Role;
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::*;
use order_world::*;

/// An order paid and assigned to `w1`, on the way.
fn on_the_way(w: &World) -> Order {
    let mut o = order(w, PaymentPlan::Full);
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
    o
}

#[test]
fn check_in_arrives_and_only_start_service_starts() {
    let w = world();
    let mut o = on_the_way(&w);
    let me = Actor::Worker { id: w.w1 };
    // Service cannot start from the road.
    let err = o.apply(me, Action::StartService, t(4)).unwrap_err();
    assert_eq!(
        err,
        TransitionError::InvalidState {
            action: "start_service",
            state: OrderState::EnRoute
        }
    );
    let e = applied(&mut o, me, Action::CheckIn, t(5));
    assert_eq!((e.from, e.to), (OrderState::EnRoute, OrderState::Arrived));
    // A retried check-in changes nothing.
    assert_eq!(o.apply(me, Action::CheckIn, t(6)), Ok(Outcome::AlreadyDone));
    // Finishing needs the service started.
    assert!(matches!(
        o.apply(me, Action::FinishService, t(6)),
        Err(TransitionError::InvalidState { .. })
    ));
    let e = applied(&mut o, me, Action::StartService, t(7));
    assert_eq!((e.from, e.to), (OrderState::Arrived, OrderState::InService));
    assert_eq!(o.apply(me, Action::CheckIn, t(8)), Ok(Outcome::AlreadyDone));
    assert_eq!(
        o.apply(me, Action::StartService, t(8)),
        Ok(Outcome::AlreadyDone)
    );
}

#[test]
fn another_worker_or_the_customer_cannot_record_the_visit() {
    let w = world();
    let mut o = on_the_way(&w);
    for actor in [Actor::Worker { id: w.w2 }, Actor::Customer { id: w.owner }] {
        for action in [Action::CheckIn, Action::StartService] {
            assert!(matches!(
                o.apply(actor, action, t(5)),
                Err(TransitionError::Forbidden(_))
            ));
        }
    }
    assert_eq!(o.state, OrderState::EnRoute);
}

#[test]
fn at_the_door_the_customer_cannot_cancel_but_staff_can_release_or_cancel() {
    let w = world();
    let mut o = on_the_way(&w);
    applied(&mut o, Actor::Worker { id: w.w1 }, Action::CheckIn, t(5));
    let err = o
        .apply(
            Actor::Customer { id: w.owner },
            Action::Cancel { reason: "x".into() },
            t(6),
        )
        .unwrap_err();
    assert!(matches!(err, TransitionError::Policy(_)), "{err}");
    // A customer not at home: customer service cancels (no-show policy is theirs).
    let mut cancelled = o.clone();
    let e = applied(
        &mut cancelled,
        staff(Role::CustomerService),
        Action::Cancel {
            reason: "nobody home".into(),
        },
        t(7),
    );
    assert_eq!(e.to, OrderState::Cancelled);
    // Or moves the visit, which releases the worker.
    let start = t(3 * 24 * 60);
    let e = applied(
        &mut o,
        staff(Role::CustomerService),
        Action::Reschedule {
            window: Window {
                start,
                end: start + chrono::Duration::hours(1),
            },
        },
        t(8),
    );
    assert_eq!(
        (e.from, e.to),
        (OrderState::Arrived, OrderState::PendingDispatch)
    );
    assert_eq!(o.worker, None);
}

#[test]
fn staff_record_arrival_without_a_departure() {
    let w = world();
    let mut o = on_the_way(&w);
    // Back to accepted for the case: a fresh order assigned and never departed.
    o.state = OrderState::Accepted;
    let cs = staff(Role::CustomerService);
    let e = applied(&mut o, cs, Action::CheckIn, t(5));
    assert_eq!((e.from, e.to), (OrderState::Accepted, OrderState::Arrived));
    // The worker cannot skip the road.
    let mut o2 = on_the_way(&w);
    o2.state = OrderState::Accepted;
    assert!(matches!(
        o2.apply(Actor::Worker { id: w.w1 }, Action::CheckIn, t(5)),
        Err(TransitionError::InvalidState { .. })
    ));
}

#[test]
fn the_worker_at_the_door_cancels_a_no_show_and_the_fee_is_kept() {
    let w = world();
    let mut o = on_the_way(&w);
    let cancel = || Action::Cancel {
        reason: "客户不在家".into(),
    };
    // On the way: not yet.
    let err = o
        .clone()
        .apply(Actor::Worker { id: w.w1 }, cancel(), t(4))
        .unwrap_err();
    assert!(matches!(err, TransitionError::Forbidden(_)), "{err}");
    applied(&mut o, Actor::Worker { id: w.w1 }, Action::CheckIn, t(5));
    // Another worker: no.
    let err = o
        .clone()
        .apply(Actor::Worker { id: w.w2 }, cancel(), t(30))
        .unwrap_err();
    assert!(matches!(err, TransitionError::Forbidden(_)), "{err}");
    // 20% of ¥159 is ¥31.80 (under the ¥50 cap): kept; the rest refunded.
    assert_eq!(o.no_show_fee(), Money::fen(3_180));
    let e = applied(&mut o, Actor::Worker { id: w.w1 }, cancel(), t(30));
    assert_eq!(e.to, OrderState::Cancelled);
    assert_eq!(e.money.fee, Money::fen(3_180));
    assert_eq!(e.money.refunded, Money::fen(15_900 - 3_180));
    assert_eq!(o.amounts.fee + o.amounts.refunded, o.amounts.paid);
}
