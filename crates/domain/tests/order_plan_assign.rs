//! Assignment by a committed route plan (`AssignedBy::Plan`): it gives a waiting order to
//! a worker like a dispatcher does, and like a dispatcher on the board (`AssignedBy::Manual`,
//! 改派) it may move an accepted order to another worker, but never one under way, and only
//! by staff who dispatch.

use chrono::{DateTime, Duration, TimeZone, Utc};
use daojia_domain::access::Role;
use daojia_domain::ids::{CustomerId, OrderId, StaffId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::*;
use daojia_domain::order::policy::Policy;
use uuid::Uuid;

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_780_000_000, 0).unwrap() + Duration::minutes(minutes)
}

fn staff(role: Role) -> Actor {
    Actor::Staff {
        id: StaffId(Uuid::from_u128(10 + role as u128)),
        role,
    }
}

fn worker(n: u128) -> WorkerId {
    WorkerId(Uuid::from_u128(n))
}

fn paid_order() -> Order {
    let mut o = Order::placed(
        OrderId(Uuid::from_u128(100)),
        CustomerId(Uuid::from_u128(1)),
        Window {
            start: t(24 * 60),
            end: t(25 * 60),
        },
        Money::fen(15_900),
        PaymentPlan::Full,
        Policy::default(),
    );
    let paid = o.apply(
        Actor::System,
        Action::RecordPayment {
            amount: Money::fen(15_900),
            method: PaymentMethod::Cash,
            reference: "R1".into(),
        },
        t(1),
    );
    assert!(matches!(paid, Ok(Outcome::Applied(_))), "{paid:?}");
    o
}

fn by_plan(w: WorkerId) -> Action {
    Action::Assign {
        worker: w,
        by: AssignedBy::Plan,
    }
}

#[test]
fn a_plan_assigns_a_waiting_order_and_moves_an_accepted_one() {
    let mut o = paid_order();
    let d = staff(Role::Dispatcher);
    assert!(matches!(
        o.apply(d, by_plan(worker(3)), t(2)),
        Ok(Outcome::Applied(_))
    ));
    assert_eq!((o.state, o.worker), (OrderState::Accepted, Some(worker(3))));
    // The same worker again: nothing to do.
    assert_eq!(
        o.apply(d, by_plan(worker(3)), t(3)),
        Ok(Outcome::AlreadyDone)
    );
    // Another worker: a dispatcher's manual assignment moves it, and so does a plan's; a
    // grab does not.
    let manual = Action::Assign {
        worker: worker(4),
        by: AssignedBy::Manual,
    };
    let moved = o.apply(d, manual, t(4));
    assert!(matches!(moved, Ok(Outcome::Applied(_))), "{moved:?}");
    assert_eq!((o.state, o.worker), (OrderState::Accepted, Some(worker(4))));
    let grab = Action::Assign {
        worker: worker(6),
        by: AssignedBy::Grab,
    };
    assert!(matches!(
        o.apply(Actor::Worker { id: worker(6) }, grab, t(4)),
        Err(TransitionError::InvalidState { .. })
    ));
    let moved = o.apply(d, by_plan(worker(5)), t(5));
    let Ok(Outcome::Applied(e)) = moved else {
        panic!("{moved:?}");
    };
    assert_eq!((e.from, e.to), (OrderState::Accepted, OrderState::Accepted));
    assert_eq!(o.worker, Some(worker(5)));
}

#[test]
fn a_plan_never_moves_an_order_under_way_and_only_dispatchers_commit_one() {
    let mut o = paid_order();
    let err = o.apply(staff(Role::Finance), by_plan(worker(3)), t(2));
    assert!(matches!(err, Err(TransitionError::Forbidden(_))), "{err:?}");
    let err = o.apply(Actor::Worker { id: worker(3) }, by_plan(worker(3)), t(2));
    assert!(matches!(err, Err(TransitionError::Forbidden(_))), "{err:?}");
    let d = staff(Role::Dispatcher);
    assert!(o.apply(d, by_plan(worker(3)), t(2)).is_ok());
    assert!(
        o.apply(Actor::Worker { id: worker(3) }, Action::Depart, t(3))
            .is_ok()
    );
    let err = o.apply(d, by_plan(worker(4)), t(4));
    assert!(
        matches!(err, Err(TransitionError::InvalidState { .. })),
        "{err:?}"
    );
    let manual = Action::Assign {
        worker: worker(4),
        by: AssignedBy::Manual,
    };
    let err = o.apply(d, manual, t(4));
    assert!(
        matches!(err, Err(TransitionError::InvalidState { .. })),
        "{err:?}"
    );
    assert_eq!((o.state, o.worker), (OrderState::EnRoute, Some(worker(3))));
}
