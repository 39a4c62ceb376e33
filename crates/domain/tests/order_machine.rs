//! The order state machine: walked by hand along the lifecycle, and by random sequences of
//! actions from every kind of actor, checking that nothing forbidden ever happens.

use chrono::{DateTime, Duration, TimeZone, Utc};
use daojia_domain::access::Role;
use daojia_domain::ids::{CustomerId, OrderId, StaffId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::*;
use daojia_domain::order::policy::Policy;
use proptest::prelude::*;
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

const T0: i64 = 1_780_000_000;

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(T0, 0).unwrap() + Duration::minutes(minutes)
}

struct World {
    owner: CustomerId,
    stranger: CustomerId,
    w1: WorkerId,
    w2: WorkerId,
}

fn world() -> World {
    World {
        owner: CustomerId(id(1)),
        stranger: CustomerId(id(2)),
        w1: WorkerId(id(3)),
        w2: WorkerId(id(4)),
    }
}

fn staff(role: Role) -> Actor {
    Actor::Staff {
        id: StaffId(id(10 + role as u128)),
        role,
    }
}

/// An order for ¥159 placed at t(0) for a window starting in a day.
fn order(w: &World, plan: PaymentPlan) -> Order {
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

fn applied(o: &mut Order, actor: Actor, action: Action, now: DateTime<Utc>) -> Event {
    match o.apply(actor, action.clone(), now) {
        Ok(Outcome::Applied(e)) => e,
        other => panic!("{} by {actor:?} in {:?}: {other:?}", action.name(), o.state),
    }
}

fn pay(amount: i64) -> Action {
    Action::RecordPayment {
        amount: Money::fen(amount),
        method: PaymentMethod::Cash,
        reference: "R1".into(),
    }
}

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
    applied(
        &mut o,
        Actor::Worker { id: w.w1 },
        Action::CheckIn,
        t(24 * 60 + 5),
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
        (OrderState::PendingSettlement, OrderState::Completed, 7)
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
    applied(&mut o, cs, Action::FinishService, t(24 * 60 + 100));
    let err = o
        .apply(
            Actor::Customer { id: w.owner },
            Action::Complete,
            t(24 * 60 + 101),
        )
        .unwrap_err();
    assert_eq!(
        err,
        TransitionError::BalanceDue {
            outstanding: Money::fen(12_900)
        }
    );
    let err = o.apply(finance, pay(13_000), t(24 * 60 + 102)).unwrap_err();
    assert!(matches!(err, TransitionError::Amount(_)), "no overpayment");
    let balance = Action::RecordPayment {
        amount: Money::fen(12_900),
        method: PaymentMethod::Channel {
            channel: "wechat".into(),
        },
        reference: "4200001".into(),
    };
    applied(&mut o, Actor::System, balance, t(24 * 60 + 103));
    applied(&mut o, Actor::System, Action::Complete, t(48 * 60));
    assert_eq!(o.amounts.paid, Money::fen(15_900));
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

// ---- random walks ----

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
    match kind % 14 {
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
            | OrderState::InService
            | OrderState::PendingSettlement
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
            let act = action(
                &w,
                (r >> 8) as u8,
                (r >> 16) as u8,
                ((r >> 24) % 6_000) as i64 - 600,
            );
            if let Ok(Outcome::Applied(e)) = o.apply(everyone[((r >> 40) % 10) as usize], act, now)
            {
                edges.insert((e.from, e.to));
            }
        }
    }
    let missing: Vec<_> = EDGES.iter().filter(|e| !edges.contains(e)).collect();
    assert!(missing.is_empty(), "never walked: {missing:?}");
}
