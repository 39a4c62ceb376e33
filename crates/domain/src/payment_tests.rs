use super::*;
use crate::ids::{CustomerId, OrderId};
use crate::order::machine::{Action, Actor, PaymentMethod, PaymentPlan, Window};
use crate::order::policy::Policy;
use chrono::{TimeZone, Utc};
use proptest::prelude::*;

fn paid(amount: i64) -> Intent {
    let mut i = Intent::new(Money::fen(amount)).unwrap();
    i.open().unwrap();
    i.succeed(Money::fen(amount)).unwrap();
    i
}

#[test]
fn an_intent_goes_from_created_through_pending_to_succeeded_once() {
    let mut i = Intent::new(Money::fen(15_900)).unwrap();
    assert_eq!(i.state, IntentState::Created);
    assert_eq!(i.open(), Ok(Change::Changed));
    assert_eq!(i.open(), Ok(Change::Unchanged));
    assert_eq!(i.succeed(Money::fen(15_900)), Ok(Change::Changed));
    assert_eq!(i.state, IntentState::Succeeded);
    // The same notification again changes nothing.
    assert_eq!(i.succeed(Money::fen(15_900)), Ok(Change::Unchanged));
}

#[test]
fn a_success_for_another_amount_is_refused_with_a_reason() {
    let mut i = Intent::new(Money::fen(15_900)).unwrap();
    i.open().unwrap();
    let e = i.succeed(Money::fen(1)).unwrap_err();
    assert_eq!(e.action, "succeed");
    assert_eq!(e.from, "pending");
    assert!(e.reason.contains("amount"));
    assert_eq!(i.state, IntentState::Pending);
}

#[test]
fn a_paid_intent_cannot_fail_or_close() {
    let mut i = paid(100);
    assert!(i.fail().unwrap_err().reason.contains("paid"));
    assert!(i.close().is_err());
    assert_eq!(i.state, IntentState::Succeeded);
}

#[test]
fn a_late_success_after_closing_is_taken_because_the_channel_holds_the_money() {
    let mut i = Intent::new(Money::fen(100)).unwrap();
    i.close().unwrap();
    assert_eq!(i.close(), Ok(Change::Unchanged));
    assert_eq!(i.succeed(Money::fen(100)), Ok(Change::Changed));
}

#[test]
fn an_intent_of_nothing_is_refused() {
    assert!(Intent::new(Money::ZERO).is_err());
    assert!(Intent::new(Money::fen(-1)).is_err());
}

#[test]
fn an_unpaid_intent_cannot_be_refunded() {
    let mut i = Intent::new(Money::fen(100)).unwrap();
    assert!(i.refund(Money::fen(1), Money::ZERO).is_err());
    i.open().unwrap();
    assert!(i.refund(Money::fen(1), Money::ZERO).is_err());
}

#[test]
fn a_refund_goes_from_requested_through_processing_to_succeeded() {
    let i = paid(100);
    let mut r = i.refund(Money::fen(60), Money::ZERO).unwrap();
    assert_eq!(r.state, RefundState::Requested);
    assert_eq!(r.submit(), Ok(Change::Changed));
    assert_eq!(r.submit(), Ok(Change::Unchanged));
    assert_eq!(r.succeed(), Ok(Change::Changed));
    assert_eq!(r.succeed(), Ok(Change::Unchanged));
    assert!(r.fail().is_err());
    assert!(r.commits());
}

#[test]
fn a_failed_refund_gives_its_amount_back_to_what_may_be_refunded() {
    let i = paid(100);
    let mut r = i.refund(Money::fen(100), Money::ZERO).unwrap();
    r.fail().unwrap();
    assert!(!r.commits());
    assert!(r.succeed().is_err());
    assert!(r.submit().is_err());
    assert_eq!(i.refundable(Money::ZERO), Money::fen(100));
}

#[test]
fn a_refund_above_what_is_left_is_refused() {
    let i = paid(100);
    assert!(i.refund(Money::fen(41), Money::fen(60)).is_err());
    assert!(i.refund(Money::fen(40), Money::fen(60)).is_ok());
    assert!(i.refund(Money::ZERO, Money::ZERO).is_err());
}

#[test]
fn codes_round_trip() {
    for c in PayChannel::ALL {
        assert_eq!(PayChannel::parse(c.code()), Some(c));
    }
    assert_eq!(PayChannel::parse("cash"), None);
    for s in [
        IntentState::Created,
        IntentState::Pending,
        IntentState::Succeeded,
        IntentState::Failed,
        IntentState::Closed,
    ] {
        assert_eq!(IntentState::parse(s.code()), Some(s));
    }
    for s in [
        RefundState::Requested,
        RefundState::Processing,
        RefundState::Succeeded,
        RefundState::Failed,
    ] {
        assert_eq!(RefundState::parse(s.code()), Some(s));
    }
    assert_eq!(Provider::parse("wechat"), Some(Provider::Wechat));
    assert_eq!(PayChannel::AlipayWap.provider(), Provider::Alipay);
    assert_eq!(PayChannel::WechatJsapi.provider(), Provider::Wechat);
    assert_eq!(
        PayChannel::parse("wechat_jsapi"),
        Some(PayChannel::WechatJsapi)
    );
    let by_openid: Vec<_> = PayChannel::ALL
        .into_iter()
        .filter(|c| c.needs_openid())
        .collect();
    assert_eq!(by_openid, [PayChannel::WechatJsapi]);
    assert!(!PayChannel::WechatJsapi.is_qr());
}

fn order(plan: PaymentPlan) -> Order {
    let t = |h| Utc.with_ymd_and_hms(2026, 12, 1, h, 0, 0).unwrap();
    Order::placed(
        OrderId(uuid::Uuid::from_u128(1)),
        CustomerId(uuid::Uuid::from_u128(2)),
        Window {
            start: t(9),
            end: t(10),
        },
        Money::fen(20_000),
        plan,
        Policy::default(),
    )
}

#[test]
fn an_order_owes_its_deposit_first_then_the_balance() {
    let mut o = order(PaymentPlan::Deposit {
        deposit: Money::fen(5_000),
    });
    assert_eq!(owed_now(&o), Money::fen(5_000));
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap();
    o.apply(
        Actor::System,
        Action::RecordPayment {
            amount: Money::fen(5_000),
            method: PaymentMethod::Demo,
            reference: "x".into(),
        },
        now,
    )
    .unwrap();
    assert_eq!(o.state, OrderState::PendingDispatch);
    assert_eq!(owed_now(&o), Money::fen(15_000));
    let mut full = order(PaymentPlan::Full);
    assert_eq!(owed_now(&full), Money::fen(20_000));
    full.apply(
        Actor::System,
        Action::Cancel {
            reason: "test".into(),
        },
        now,
    )
    .unwrap();
    assert_eq!(owed_now(&full), Money::ZERO);
}

/// Something the channel or staff do to a paid intent and its refunds.
#[derive(Debug, Clone)]
enum Step {
    Request(i64),
    Submit(usize),
    Succeed(usize),
    Fail(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (1i64..15_000).prop_map(Step::Request),
        (0usize..8).prop_map(Step::Submit),
        (0usize..8).prop_map(Step::Succeed),
        (0usize..8).prop_map(Step::Fail),
    ]
}

proptest! {
    /// Whatever is asked in whatever order, the refunds that count never exceed what was
    /// paid, and a final refund never changes state again.
    #[test]
    fn refunds_never_exceed_what_was_paid(paid_fen in 1i64..20_000, steps in prop::collection::vec(step(), 0..40)) {
        let intent = paid(paid_fen);
        let mut refunds: Vec<Refund> = Vec::new();
        for s in steps {
            let committed = refunds.iter().filter(|r| r.commits()).fold(Money::ZERO, |a, r| a + r.amount);
            match s {
                Step::Request(a) => {
                    let asked = Money::fen(a);
                    match intent.refund(asked, committed) {
                        Ok(r) => refunds.push(r),
                        Err(e) => prop_assert!(asked > intent.refundable(committed), "{e}"),
                    }
                }
                Step::Submit(i) | Step::Succeed(i) | Step::Fail(i) if refunds.is_empty() => { let _ = i; }
                Step::Submit(i) => { let n = refunds.len(); let r = &mut refunds[i % n]; let before = r.state; if r.submit().is_err() { prop_assert_eq!(r.state, before); } }
                Step::Succeed(i) => { let n = refunds.len(); let r = &mut refunds[i % n]; let before = r.state; if r.succeed().is_err() { prop_assert_eq!(r.state, before); } else { prop_assert_ne!(before, RefundState::Failed); } }
                Step::Fail(i) => { let n = refunds.len(); let r = &mut refunds[i % n]; let before = r.state; if r.fail().is_err() { prop_assert_eq!(before, RefundState::Succeeded); } }
            }
            let counted = refunds.iter().filter(|r| r.commits()).fold(Money::ZERO, |a, r| a + r.amount);
            prop_assert!(counted <= intent.amount);
            let back = refunds.iter().filter(|r| r.state == RefundState::Succeeded).fold(Money::ZERO, |a, r| a + r.amount);
            prop_assert!(back <= intent.amount);
        }
    }

    /// Any sequence of channel reports leaves an intent paid at most once, with its amount,
    /// and a paid intent stays paid.
    #[test]
    fn a_paid_intent_stays_paid(amount in 1i64..100_000, reports in prop::collection::vec((0u8..4, 0i64..3), 0..30)) {
        let mut i = Intent::new(Money::fen(amount)).unwrap();
        let mut successes = 0;
        for (kind, delta) in reports {
            let was = i.state;
            let r = match kind {
                0 => i.open(),
                1 => i.succeed(Money::fen(amount + delta)),
                2 => i.fail(),
                _ => i.close(),
            };
            if kind == 1 && r == Ok(Change::Changed) { successes += 1; }
            if r.is_err() { prop_assert_eq!(i.state, was); }
            if was == IntentState::Succeeded { prop_assert_eq!(i.state, IntentState::Succeeded); }
        }
        prop_assert!(successes <= 1);
    }
}
