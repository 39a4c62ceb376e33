//! The order timers the store schedules with each transition (`orders::job_kind`): the
//! ones that change the order (unpaid timeout, no worker by the start of the window,
//! confirmation window lapsed) and the ones that watch it (reminder before the visit,
//! alarms when nobody was sent close to the start or the visit has not started after the
//! window). Each is idempotent: it acts only if the order is still where the timer expects
//! it (same window, expected state), so a timer that runs twice or late does no harm.

use super::{By, bundle};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::order::OrderState::*;
use daojia_domain::order::machine::Action;
use daojia_domain::order::machine::Actor;
use daojia_store::entity::service_order;
use daojia_store::repo::{alarms, bundles, catalog, orders, slots};
use uuid::Uuid;

/// What a timer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fired {
    /// Nothing: the order moved on, was moved to another window, or is gone.
    Nothing,
    /// The order was changed by this action (its name).
    Changed(&'static str),
    /// An alarm of this kind was raised for the dispatchers.
    Alarm(&'static str),
    /// The contact should be reminded of the visit now (sending is the caller's: it has
    /// the SMS provider).
    Remind,
}

/// The order a timer's payload names (`order_id`), with the window it was set for
/// (`window_start`, when the timer watches a window).
fn target(payload: &serde_json::Value) -> Result<(Uuid, Option<DateTime<Utc>>)> {
    let id = payload["order_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::internal("timer payload lacks order_id"))?;
    let window = payload["window_start"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok((id, window))
}

/// Runs the timer `kind` with its `payload`. A refusal by the state machine (the order
/// moved on meanwhile) is [`Fired::Nothing`], not an error; an error means "try again".
pub async fn fire(
    app: &App,
    kind: &str,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<Fired> {
    use orders::job_kind as k;
    let (id, window) = target(payload)?;
    let Some(row) = orders::get(app.store.db(), id).await? else {
        return Ok(Fired::Nothing);
    };
    let order = orders::to_domain(&row)?;
    let same_window = window.is_some_and(|t| t == order.window.start);
    let action = match kind {
        k::UNPAID_TIMEOUT if order.state == PendingPayment => Action::Cancel {
            reason: "未在规定时间内支付，订单已自动取消".into(),
        },
        k::DISPATCH_DEADLINE
            if same_window && matches!(order.state, PendingDispatch | PendingAccept) =>
        {
            tracing::warn!(order = %id, "no worker by the start of the window: cancelling");
            Action::Cancel {
                reason: "预约时段内暂无可用师傅，订单已取消并全额退款".into(),
            }
        }
        k::AUTO_COMPLETE if order.state == PendingSettlement => Action::Complete,
        k::REMINDER if same_window => {
            return Ok(
                if order.state.is_terminal() || order.state == PendingPayment {
                    Fired::Nothing
                } else {
                    Fired::Remind
                },
            );
        }
        k::DISPATCH_ALARM
            if same_window
                && matches!(
                    order.state,
                    PendingPayment | PendingDispatch | PendingAccept
                ) =>
        {
            let detail = format!(
                "窗口 {} 开始，尚未派出师傅（{}）",
                local_time(app, &row, order.window.start).await,
                order.state.as_str()
            );
            return alarm(app, id, alarms::kind::UNASSIGNED_NEAR_START, &detail, now).await;
        }
        k::LATE_CHECK
            if same_window
                && matches!(
                    order.state,
                    PendingDispatch | PendingAccept | Accepted | EnRoute
                ) =>
        {
            let detail = format!(
                "窗口已于 {} 结束，服务尚未开始（{}）",
                local_time(app, &row, order.window.end).await,
                order.state.as_str()
            );
            return alarm(app, id, alarms::kind::LATE, &detail, now).await;
        }
        _ => return Ok(Fired::Nothing),
    };
    let name = action.name();
    if let Action::Cancel { reason } = &action
        && row.bundle_id.is_some()
        && let Some(fired) = cancel_bundle(app, &row, reason, now).await?
    {
        return Ok(fired);
    }
    match orders::apply(&app.store, id, Actor::System, action, now, None).await {
        Ok((outcome, _)) => {
            app.wake_relay();
            crate::payments::refunds::after_transition(app, id, &outcome, now).await;
            Ok(Fired::Changed(name))
        }
        Err(orders::OrderError::Transition(_)) | Err(orders::OrderError::NotFound) => {
            Ok(Fired::Nothing)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether `kind` is one of the order timers [`fire`] runs.
pub fn is_order_timer(kind: &str) -> bool {
    use orders::job_kind as k;
    [
        k::UNPAID_TIMEOUT,
        k::DISPATCH_DEADLINE,
        k::AUTO_COMPLETE,
        k::REMINDER,
        k::DISPATCH_ALARM,
        k::LATE_CHECK,
    ]
    .contains(&kind)
}

/// A timer cancelling one visit of an order of several trades cancels the whole order
/// (the customer booked one order; half of it is no service). When another visit is
/// already under way (accepted or later, which only staff may cancel), this visit is
/// cancelled alone and the dispatchers are alarmed to call the customer. None: the order
/// has one visit after all, and the caller goes on as for any order.
async fn cancel_bundle(
    app: &App,
    row: &service_order::Model,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<Fired>> {
    use daojia_domain::order::OrderState;
    let visits = bundles::siblings(app.store.db(), row.clone()).await?;
    if visits.len() < 2 {
        return Ok(None);
    }
    let open = |v: &service_order::Model| {
        v.state
            .parse::<OrderState>()
            .is_ok_and(|s| !s.is_terminal())
    };
    let cancel = |v: &service_order::Model| {
        open(v).then(|| Action::Cancel {
            reason: reason.to_string(),
        })
    };
    match bundle::apply_all(app, &By::System, &visits, cancel, now, None).await {
        Ok(_) => return Ok(Some(Fired::Changed("cancel"))),
        Err(Error::Transition(_)) => {}
        Err(e) => return Err(e),
    }
    let own = Action::Cancel {
        reason: reason.to_string(),
    };
    match orders::apply(&app.store, row.id, Actor::System, own, now, None).await {
        Ok(_) => app.wake_relay(),
        Err(orders::OrderError::Transition(_)) | Err(orders::OrderError::NotFound) => {
            return Ok(Some(Fired::Nothing));
        }
        Err(e) => return Err(e.into()),
    }
    let others: Vec<&str> = visits
        .iter()
        .filter(|v| v.id != row.id && open(v))
        .map(|v| v.order_no.as_str())
        .collect();
    let detail = format!(
        "多工种订单的一次上门（{}）已自动取消：{reason}；其余上门（{}）仍有效，请联系客户",
        row.order_no,
        others.join("、")
    );
    let first = row.bundle_id.unwrap_or(row.id);
    alarm(app, first, alarms::kind::VISIT_CANCELLED, &detail, now).await?;
    Ok(Some(Fired::Changed("cancel")))
}

async fn alarm(
    app: &App,
    id: Uuid,
    kind: &'static str,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<Fired> {
    if alarms::raise(app.store.db(), id, kind, detail, now).await? {
        tracing::warn!(order = %id, kind, "alarm raised");
        Ok(Fired::Alarm(kind))
    } else {
        Ok(Fired::Nothing)
    }
}

/// `MM-DD HH:MM` in the order's area (China Standard Time when the area is gone).
pub async fn local_time(app: &App, row: &service_order::Model, t: DateTime<Utc>) -> String {
    let areas = catalog::areas(app.store.db()).await.unwrap_or_default();
    let tz = areas
        .iter()
        .find(|a| Some(&a.code) == row.area_code.as_ref())
        .map_or(chrono_tz::Asia::Shanghai, slots::zone);
    t.with_timezone(&tz).format("%m-%d %H:%M").to_string()
}
