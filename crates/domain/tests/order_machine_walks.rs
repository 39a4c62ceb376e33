//! The order state machine under random sequences of actions from every kind of actor,
//! checking that nothing forbidden ever happens and that the walks reach every state and edge.

mod order_world;

use chrono::Duration;
use daojia_domain::access::Role;
use daojia_domain::ids::OrderId;
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::*;
use daojia_domain::order::policy::Policy;
use order_world::*;
use proptest::prelude::*;

fn actors(w: &World) -> Vec<Actor> {
    let mut v = vec![
        Actor::Customer { id: w.owner },
        Actor::Customer { id: w.stranger },
        Actor::Worker { id: w.w1 },
        Actor::Worker { id: w.w2 },
        Actor::System,
    ];
    v.extend(
        [
            Role::SuperAdmin,
            Role::Dispatcher,
            Role::CustomerService,
            Role::Finance,
            Role::Marketing,
        ]
        .map(staff),
    );
    v
}

fn action(w: &World, kind: u8, a: u8, b: i64) -> Action {
    let worker = if a.is_multiple_of(2) { w.w1 } else { w.w2 };
    let amounts = [0, 1, 2_000, 3_000, 12_900, 15_900, 16_000, b.abs() % 16_000];
    let amount = Money::fen(amounts[(a % 8) as usize]);
    match kind % 15 {
        0 => Action::RecordPayment {
            amount,
            method: [
                PaymentMethod::Cash,
                PaymentMethod::BankTransfer,
                PaymentMethod::Demo,
            ][(a % 3) as usize]
                .clone(),
            reference: format!("R{b}"),
        },
        1 => Action::Offer { worker },
        2 => Action::Accept,
        3 => Action::Reject {
            reason: "busy".into(),
        },
        4 => Action::OfferExpired,
        5 => Action::Assign {
            worker,
            by: [AssignedBy::Manual, AssignedBy::Grab, AssignedBy::Chosen][(a % 3) as usize],
        },
        6 => Action::Depart,
        7 => Action::CheckIn,
        8 => Action::FinishService,
        9 => Action::Complete,
        10 => Action::Cancel { reason: "r".into() },
        11 => {
            let start = t(b);
            let len = [60, 0, -30][(a % 3) as usize];
            Action::Reschedule {
                window: Window {
                    start,
                    end: start + Duration::minutes(len),
                },
            }
        }
        12 => Action::OpenAfterSales { reason: "r".into() },
        13 => Action::StartService,
        _ => Action::ResolveAfterSales {
            resolution: [
                Resolution::Rework,
                Resolution::Declined,
                Resolution::Refund { amount },
            ][(a % 3) as usize]
                .clone(),
            note: "n".into(),
        },
    }
}

fn check_invariants(o: &Order) {
    let a = o.amounts;
    assert!(
        Money::ZERO <= a.refunded && a.refunded <= a.paid && a.paid <= a.total,
        "{a:?}"
    );
    assert!(
        a.fee >= Money::ZERO && a.fee + a.refunded <= a.paid,
        "{a:?}"
    );
    if o.state == OrderState::Cancelled {
        assert_eq!(
            a.paid,
            a.refunded + a.fee,
            "a cancelled order keeps only its fee"
        );
    }
    let needs_worker = matches!(
        o.state,
        OrderState::PendingAccept
            | OrderState::Accepted
            | OrderState::EnRoute
            | OrderState::Arrived
            | OrderState::InService
            | OrderState::PendingSettlement
            | OrderState::AwaitingBalance
    );
    if needs_worker {
        assert!(o.worker.is_some(), "{:?} without a worker", o.state);
    }
    if o.state == OrderState::PendingDispatch {
        assert!(o.worker.is_none());
        assert!(
            a.paid >= o.due_before_dispatch(),
            "dispatched before paying"
        );
    }
    if o.state == OrderState::AwaitingBalance {
        assert!(o.completed_at.is_none());
        assert!(a.paid < a.total, "awaiting a balance that is paid");
    }
    if matches!(o.state, OrderState::Completed | OrderState::AfterSales) {
        assert!(o.completed_at.is_some());
        assert_eq!(a.paid, a.total, "completed with a balance due");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn random_actions_never_break_the_machine(
        deposit in prop_oneof![Just(None), (1i64..20_000).prop_map(Some)],
        steps in prop::collection::vec((0usize..10, any::<u8>(), any::<u8>(), -600i64..6_000, 0i64..600), 1..60),
    ) {
        let w = world();
        let plan = deposit.map_or(PaymentPlan::Full, |d| PaymentPlan::Deposit { deposit: Money::fen(d) });
        let mut o = order(&w, plan);
        let everyone = actors(&w);
        let mut now = t(0);
        let mut events: Vec<Event> = Vec::new();
        for (who, kind, a, b, advance) in steps {
            now += Duration::minutes(advance);
            let actor = everyone[who];
            let act = action(&w, kind, a, b);
            let before = o.clone();
            match o.apply(actor, act.clone(), now) {
                Ok(Outcome::Applied(e)) => {
                    prop_assert_eq!(e.seq, before.version + 1);
                    prop_assert_eq!(o.version, before.version + 1, "exactly one event per transition");
                    prop_assert_eq!(e.from, before.state);
                    prop_assert_eq!(e.to, o.state);
                    prop_assert!(EDGES.contains(&(e.from, e.to)), "forbidden edge {:?} -> {:?} by {}", e.from, e.to, act.name());
                    events.push(e);
                    // A retried request changes nothing (payments are deduplicated by their
                    // reference where they are stored, not here).
                    if !matches!(act, Action::RecordPayment { .. }) {
                        let after = o.clone();
                        let again = o.apply(actor, act.clone(), now);
                        prop_assert!(!matches!(again, Ok(Outcome::Applied(_))), "{} applied twice", act.name());
                        prop_assert_eq!(&o, &after);
                    }
                }
                Ok(Outcome::AlreadyDone) | Err(_) => prop_assert_eq!(&o, &before, "a refused action changed the order"),
            }
            check_invariants(&o);
        }
        // The events account for every fen.
        let sum = |f: fn(&MoneyChange) -> Money| events.iter().map(|e| f(&e.money)).sum::<Money>();
        prop_assert_eq!(sum(|m| m.paid), o.amounts.paid);
        prop_assert_eq!(sum(|m| m.refunded), o.amounts.refunded);
        prop_assert_eq!(sum(|m| m.fee), o.amounts.fee);
        prop_assert_eq!(events.len() as u32, o.version);
    }
}

fn policies() -> impl Strategy<Value = Policy> {
    (
        prop_oneof![
            Just(0u32),
            Just(120),
            Just(600),
            Just(24 * 60),
            Just(7 * 24 * 60)
        ],
        prop_oneof![Just(0u32), Just(60), Just(120), Just(24 * 60)],
        0u8..=100,
        0u32..4,
    )
        .prop_map(|(free, resched, pct, times)| Policy {
            free_cancel_minutes: free,
            reschedule_minutes: resched,
            late_cancel_fee_percent: pct,
            max_reschedules: times,
            ..Policy::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever happens, the fee a customer pays for cancelling is never lower than what
    /// they would have paid cancelling right before one of their reschedules, at the same
    /// time: a reschedule cannot be used to get out of a late-cancellation fee.
    #[test]
    fn rescheduling_never_lowers_the_customers_cancellation_fee(
        policy in policies(),
        assign_at in 0i64..1_400,
        steps in prop::collection::vec((0usize..10, any::<u8>(), any::<u8>(), -600i64..6_000, 0i64..300), 1..30),
    ) {
        let w = world();
        let me = Actor::Customer { id: w.owner };
        let window = Window { start: t(24 * 60), end: t(25 * 60) };
        let mut o = Order::placed(OrderId(id(100)), w.owner, window, Money::fen(15_900), PaymentPlan::Full, policy);
        // Start from a paid order a worker has taken: where the fee can apply.
        applied(&mut o, Actor::System, pay(15_900), t(0));
        applied(&mut o, staff(Role::Dispatcher), Action::Assign { worker: w.w1, by: AssignedBy::Manual }, t(assign_at));
        let everyone = actors(&w);
        let mut now = t(assign_at);
        for (who, kind, a, b, advance) in steps {
            now += Duration::minutes(advance);
            // Every third step is the customer trying to move the visit.
            let (actor, act) = if kind % 3 == 0 {
                let start = now + Duration::minutes(b.rem_euclid(3_000) + 30);
                (me, Action::Reschedule { window: Window { start, end: start + Duration::minutes(60) } })
            } else {
                (everyone[who], action(&w, kind, a, b))
            };
            let before = o.clone();
            if let Ok(Outcome::Applied(_)) = o.apply(actor, act.clone(), now)
                && actor == me
                && matches!(act, Action::Reschedule { .. })
            {
                let owed = match before.clone().apply(me, Action::Cancel { reason: "r".into() }, now) {
                    Ok(Outcome::Applied(e)) => e.money.fee,
                    _ => Money::ZERO,
                };
                // Right after their own reschedule the customer can always cancel.
                let paid = match o.clone().apply(me, Action::Cancel { reason: "r".into() }, now) {
                    Ok(Outcome::Applied(e)) => e.money.fee,
                    other => return Err(TestCaseError::fail(format!("cannot cancel after rescheduling: {other:?}"))),
                };
                prop_assert!(paid >= owed, "cancelling after the reschedule costs {paid:?}, before it {owed:?}");
                prop_assert_eq!(o.customer_cancel_fee(now), paid);
            }
        }
    }
}

/// The random walks are only worth something if they get everywhere: with a plain
/// generator, the same action mix reaches every state and every edge.
#[test]
fn random_walks_reach_every_state_and_edge() {
    let w = world();
    let everyone = actors(&w);
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut edges = std::collections::HashSet::new();
    for walk in 0..20_000u32 {
        let plan = if walk.is_multiple_of(2) {
            PaymentPlan::Full
        } else {
            PaymentPlan::Deposit {
                deposit: Money::fen(3_000),
            }
        };
        let mut o = order(&w, plan);
        let mut now = t(0);
        for _ in 0..80 {
            let r = next();
            now += Duration::minutes((r % 120) as i64);
            let mut act = action(
                &w,
                (r >> 8) as u8,
                (r >> 16) as u8,
                ((r >> 24) % 6_000) as i64 - 600,
            );
            let mut actor = everyone[((r >> 40) % 10) as usize];
            // A confirmed order waiting for its balance: now and then the balance arrives
            // whole (a random amount seldom is exactly what is owed).
            if o.state == OrderState::AwaitingBalance && r.is_multiple_of(4) {
                act = Action::RecordPayment {
                    amount: o.amounts.outstanding(),
                    method: PaymentMethod::Channel {
                        channel: "wechat".into(),
                    },
                    reference: format!("B{r}"),
                };
                actor = Actor::System;
            }
            if let Ok(Outcome::Applied(e)) = o.apply(actor, act, now) {
                edges.insert((e.from, e.to));
            }
        }
    }
    let missing: Vec<_> = EDGES.iter().filter(|e| !edges.contains(e)).collect();
    assert!(missing.is_empty(), "never walked: {missing:?}");
}
