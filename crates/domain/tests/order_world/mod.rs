//! The world the order state machine tests share: ids, a clock, actors and an order.

#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use daojia_domain::access::Role;
use daojia_domain::ids::{CustomerId, OrderId, StaffId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::*;
use daojia_domain::order::policy::Policy;
use uuid::Uuid;

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub const T0: i64 = 1_780_000_000;

pub fn t(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(T0, 0).unwrap() + Duration::minutes(minutes)
}

pub struct World {
    pub owner: CustomerId,
    pub stranger: CustomerId,
    pub w1: WorkerId,
    pub w2: WorkerId,
}

pub fn world() -> World {
    World {
        owner: CustomerId(id(1)),
        stranger: CustomerId(id(2)),
        w1: WorkerId(id(3)),
        w2: WorkerId(id(4)),
    }
}

pub fn staff(role: Role) -> Actor {
    Actor::Staff {
        id: StaffId(id(10 + role as u128)),
        role,
    }
}

/// An order for ¥159 placed at t(0) for a window starting in a day.
pub fn order(w: &World, plan: PaymentPlan) -> Order {
    Order::placed(
        OrderId(id(100)),
        w.owner,
        Window {
            start: t(24 * 60),
            end: t(25 * 60),
        },
        Money::fen(15_900),
        plan,
        Policy::default(),
    )
}

pub fn applied(o: &mut Order, actor: Actor, action: Action, now: DateTime<Utc>) -> Event {
    match o.apply(actor, action.clone(), now) {
        Ok(Outcome::Applied(e)) => e,
        other => panic!("{} by {actor:?} in {:?}: {other:?}", action.name(), o.state),
    }
}

pub fn pay(amount: i64) -> Action {
    Action::RecordPayment {
        amount: Money::fen(amount),
        method: PaymentMethod::Cash,
        reference: "R1".into(),
    }
}
