//! The timers of an order's lifecycle: the jobs a new state calls for (unpaid timeout,
//! dispatch deadline, reminder, alarms, auto-completion), written in the transaction of
//! the step that calls for them.

use chrono::{DateTime, Utc};
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::Order;

/// Job kinds the order lifecycle schedules (handled by the server's job runner).
pub mod job_kind {
    /// Cancel an order still unpaid when the policy's payment time is up.
    pub const UNPAID_TIMEOUT: &str = "order.unpaid_timeout";
    /// Cancel an order that has no worker when its window starts.
    pub const DISPATCH_DEADLINE: &str = "order.dispatch_deadline";
    /// Complete an order the customer has not confirmed within the confirmation window.
    pub const AUTO_COMPLETE: &str = "order.auto_complete";
    /// Remind the customer before the visit.
    pub const REMINDER: &str = "order.reminder";
    /// Raise an alarm when nobody has been sent shortly before the window.
    pub const DISPATCH_ALARM: &str = "order.dispatch_alarm";
    /// Raise an alarm when the window has passed and the visit has not started.
    pub const LATE_CHECK: &str = "order.late_check";
}

/// How long before the window the customer is reminded.
pub const REMINDER_BEFORE: chrono::Duration = chrono::Duration::hours(2);
/// How long before the window an order nobody was sent to raises an alarm.
pub const ALARM_BEFORE: chrono::Duration = chrono::Duration::minutes(60);
/// How long after the window's end a visit not started raises an alarm.
pub const LATE_AFTER: chrono::Duration = chrono::Duration::minutes(15);

/// The follow-up jobs a new state calls for; written in the same transaction as the
/// transition, so a crash cannot lose them. Keys include the event number, so a job is
/// enqueued once per step however often a transaction is retried.
pub(super) fn follow_ups(
    order: &Order,
    seq: u32,
    placed: bool,
    window_changed: bool,
    now: DateTime<Utc>,
) -> Vec<crate::repo::jobs::NewJob> {
    use crate::repo::jobs::NewJob;
    let id = order.id.0;
    let mut v = Vec::new();
    if placed {
        v.push(NewJob {
            kind: job_kind::UNPAID_TIMEOUT.into(),
            payload: serde_json::json!({ "order_id": id }),
            run_at: now + chrono::Duration::minutes(i64::from(order.policy.unpaid_minutes)),
            dedupe_key: Some(format!("{}:{id}", job_kind::UNPAID_TIMEOUT)),
            max_attempts: 5,
        });
    }
    if (placed || window_changed) && !order.state.is_terminal() {
        let payload = serde_json::json!({ "order_id": id, "window_start": order.window.start });
        let mut timer = |kind: &str, run_at: DateTime<Utc>| {
            v.push(NewJob {
                kind: kind.into(),
                payload: payload.clone(),
                run_at,
                dedupe_key: Some(format!("{kind}:{id}:{seq}")),
                max_attempts: 5,
            })
        };
        timer(job_kind::DISPATCH_DEADLINE, order.window.start);
        // A reminder only when there is time for one.
        if order.window.start - REMINDER_BEFORE > now {
            timer(job_kind::REMINDER, order.window.start - REMINDER_BEFORE);
        }
        timer(
            job_kind::DISPATCH_ALARM,
            (order.window.start - ALARM_BEFORE).max(now),
        );
        timer(job_kind::LATE_CHECK, order.window.end + LATE_AFTER);
    }
    if order.state == OrderState::PendingSettlement {
        v.push(NewJob {
            kind: job_kind::AUTO_COMPLETE.into(),
            payload: serde_json::json!({ "order_id": id }),
            run_at: now + chrono::Duration::hours(i64::from(order.policy.confirm_hours)),
            dedupe_key: Some(format!("{}:{id}:{seq}", job_kind::AUTO_COMPLETE)),
            max_attempts: 5,
        });
    }
    v
}
