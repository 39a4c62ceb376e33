//! The background job runner: polls the durable queue, runs each claimed job's handler, and
//! enqueues periodic jobs (once per period across all nodes, by dedupe key). On shutdown it
//! stops claiming and lets running jobs finish; a job cut off by a crash runs again when its
//! lease ends, so handlers must be idempotent.

use crate::state::AppState;
use chrono::{Duration, Timelike};
use daojia_store::entity::job;
use daojia_store::repo::{housekeeping, jobs, orders};
use std::time::Duration as StdDuration;
use tokio::sync::watch;

/// How long a claimed job is ours before another node may take it.
pub const LEASE: Duration = Duration::seconds(120);

/// Handles one job; `Err` retries it later.
pub async fn run_one(state: &AppState, j: &job::Model) -> Result<(), String> {
    match j.kind.as_str() {
        "housekeeping" => {
            let periods = state.config.retention.periods();
            let p = housekeeping::purge_with(state.store.db(), state.now(), &periods)
                .await
                .map_err(|e| e.to_string())?;
            // The rows are gone; a file left by a failed delete is unreachable (no row
            // names it) and is reported, not retried.
            crate::privacy::delete_files(state, &p.uploads).await;
            tracing::info!(
                otp_codes = p.otp_codes,
                idempotency_keys = p.idempotency_keys,
                sessions = p.sessions,
                sms_messages = p.sms_messages,
                uploads = p.uploads.len(),
                jobs = p.jobs,
                "housekeeping"
            );
            Ok(())
        }
        kind @ (orders::job_kind::UNPAID_TIMEOUT
        | orders::job_kind::DISPATCH_DEADLINE
        | orders::job_kind::AUTO_COMPLETE) => order_job(state, kind, &j.payload).await,
        kind @ (orders::job_kind::REMINDER
        | orders::job_kind::DISPATCH_ALARM
        | orders::job_kind::LATE_CHECK) => watch_job(state, kind, &j.payload).await,
        other => Err(format!("no handler for job kind `{other}`")),
    }
}

/// An order timer. Each is idempotent: it acts only if the order is still where the timer
/// expects it, and a refusal by the state machine (the order moved on) ends the job.
async fn order_job(state: &AppState, kind: &str, payload: &str) -> Result<(), String> {
    use daojia_domain::order::OrderState;
    use daojia_domain::order::machine::{Action, Actor};
    let p: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| format!("payload: {e}"))?;
    let id: uuid::Uuid = p["order_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or("payload lacks order_id")?;
    let Some(row) = orders::get(state.store.db(), id)
        .await
        .map_err(|e| e.to_string())?
    else {
        return Ok(());
    };
    let order = orders::to_domain(&row).map_err(|e| e.to_string())?;
    let action = match kind {
        orders::job_kind::UNPAID_TIMEOUT if order.state == OrderState::PendingPayment => {
            Action::Cancel {
                reason: "未在规定时间内支付，订单已自动取消".into(),
            }
        }
        orders::job_kind::DISPATCH_DEADLINE => {
            let expected = p["window_start"]
                .as_str()
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
            let same_window =
                expected.is_some_and(|t| t.with_timezone(&chrono::Utc) == order.window.start);
            if !(same_window
                && matches!(
                    order.state,
                    OrderState::PendingDispatch | OrderState::PendingAccept
                ))
            {
                return Ok(());
            }
            tracing::warn!(order = %id, "no worker by the start of the window: cancelling");
            Action::Cancel {
                reason: "预约时段内暂无可用师傅，订单已取消并全额退款".into(),
            }
        }
        orders::job_kind::AUTO_COMPLETE if order.state == OrderState::PendingSettlement => {
            Action::Complete
        }
        _ => return Ok(()),
    };
    match orders::apply(&state.store, id, Actor::System, action, state.now(), None).await {
        Ok(_) | Err(orders::OrderError::Transition(_)) | Err(orders::OrderError::NotFound) => {
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// A timer that watches an order without changing it: the reminder before the visit, the
/// alarm when nobody has been sent close to the start, the alarm when the window passed
/// without the visit starting. Each does nothing when the order was moved to another
/// window (a newer timer watches that one) or has moved on.
async fn watch_job(state: &AppState, kind: &str, payload: &str) -> Result<(), String> {
    use daojia_domain::order::OrderState::*;
    use daojia_store::repo::alarms;
    let p: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| format!("payload: {e}"))?;
    let id: uuid::Uuid = p["order_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or("payload lacks order_id")?;
    let db = state.store.db();
    let Some(row) = orders::get(db, id).await.map_err(|e| e.to_string())? else {
        return Ok(());
    };
    let order = orders::to_domain(&row).map_err(|e| e.to_string())?;
    let expected = p["window_start"]
        .as_str()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok());
    if expected.is_none_or(|t| t.with_timezone(&chrono::Utc) != order.window.start) {
        return Ok(());
    }
    let now = state.now();
    match kind {
        orders::job_kind::REMINDER => {
            if order.state.is_terminal() || matches!(order.state, PendingPayment) {
                return Ok(());
            }
            remind(state, &row).await
        }
        orders::job_kind::DISPATCH_ALARM => {
            if matches!(
                order.state,
                PendingPayment | PendingDispatch | PendingAccept
            ) {
                let detail = format!(
                    "窗口 {} 开始，尚未派出师傅（{}）",
                    local_time(state, &row, order.window.start).await,
                    order.state.as_str()
                );
                if alarms::raise(db, id, alarms::kind::UNASSIGNED_NEAR_START, &detail, now)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    tracing::warn!(order = %id, "alarm: nobody sent close to the start");
                }
            }
            Ok(())
        }
        orders::job_kind::LATE_CHECK => {
            if matches!(
                order.state,
                PendingDispatch | PendingAccept | Accepted | EnRoute
            ) {
                let detail = format!(
                    "窗口已于 {} 结束，服务尚未开始（{}）",
                    local_time(state, &row, order.window.end).await,
                    order.state.as_str()
                );
                if alarms::raise(db, id, alarms::kind::LATE, &detail, now)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    tracing::warn!(order = %id, "alarm: the visit has not started");
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// `MM-DD HH:MM` in the order's area.
async fn local_time(
    state: &AppState,
    row: &daojia_store::entity::service_order::Model,
    t: chrono::DateTime<chrono::Utc>,
) -> String {
    let areas = daojia_store::repo::catalog::areas(state.store.db())
        .await
        .unwrap_or_default();
    let tz = areas
        .iter()
        .find(|a| Some(&a.code) == row.area_code.as_ref())
        .map_or(chrono_tz::Asia::Shanghai, daojia_store::repo::slots::zone);
    t.with_timezone(&tz).format("%m-%d %H:%M").to_string()
}

/// Texts the contact at the door: what, when, the order number.
async fn remind(
    state: &AppState,
    row: &daojia_store::entity::service_order::Model,
) -> Result<(), String> {
    use daojia_store::repo::accounts::address_context as ctx;
    let v = state.store.vault();
    let phone = v
        .decrypt(ctx::CONTACT_PHONE, &row.contact_phone_enc)
        .map_err(|e| e.to_string())?;
    let phone = daojia_domain::phone::Phone::parse(&phone).map_err(|e| e.to_string())?;
    let lines = orders::lines(state.store.db(), row.id)
        .await
        .map_err(|e| e.to_string())?;
    let what = lines
        .iter()
        .map(|l| l.item_name.as_str())
        .collect::<Vec<_>>()
        .join("、");
    let start = local_time(state, row, row.window_start).await;
    let end = local_time(state, row, row.window_end).await;
    let end = end.split(' ').next_back().unwrap_or(&end).to_string();
    let msg = daojia_notify::sms::visit_reminder_message(
        phone.clone(),
        &what,
        &start,
        &end,
        &row.order_no,
    );
    let result = state.sms.send(&msg).await;
    let (status, pid, error) = match &result {
        Ok(r) => ("sent", Some(r.provider_message_id.clone()), None),
        Err(e) => ("failed", None, Some(e.to_string())),
    };
    daojia_store::repo::sms::record(
        &state.store,
        daojia_store::repo::sms::OutboxEntry {
            phone: &phone,
            template: &msg.template,
            content: &msg.redacted_text(),
            params: msg.public_params(),
            provider: daojia_notify::sms::sent_by(&result),
            status,
            provider_message_id: pid,
            error,
        },
        state.now(),
    )
    .await
    .map_err(|e| e.to_string())?;
    // A failed send is retried by the queue (with back-off), up to the job's attempts.
    result.map(|_| ()).map_err(|e| e.to_string())
}

/// Enqueues this hour's housekeeping (a no-op when another node already did).
pub async fn schedule_periodic(state: &AppState) -> Result<(), sea_orm::DbErr> {
    let now = state.now();
    let hour = now
        .with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now);
    let new = jobs::NewJob {
        kind: "housekeeping".into(),
        payload: serde_json::json!({}),
        run_at: hour,
        dedupe_key: Some(format!("housekeeping:{}", hour.format("%Y-%m-%dT%H"))),
        max_attempts: 3,
    };
    jobs::enqueue(state.store.db(), new, now).await?;
    Ok(())
}

/// Claims and runs due jobs once; returns how many ran.
pub async fn tick(state: &AppState, worker: &str) -> Result<usize, sea_orm::DbErr> {
    let claimed = jobs::claim(state.store.db(), worker, 8, LEASE, state.now()).await?;
    let n = claimed.len();
    for j in claimed {
        match run_one(state, &j).await {
            Ok(()) => {
                if !jobs::complete(state.store.db(), j.id, worker, state.now()).await? {
                    tracing::warn!(job = %j.id, kind = %j.kind, "job finished after its lease ended");
                }
            }
            Err(e) => {
                let backoff = Duration::seconds(30 * i64::from(j.attempts.clamp(1, 20)));
                tracing::warn!(job = %j.id, kind = %j.kind, attempt = j.attempts, error = %e, "job failed");
                jobs::fail(state.store.db(), &j, worker, &e, backoff, state.now()).await?;
            }
        }
    }
    Ok(n)
}

/// Runs the loop until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let worker = format!("{}-{}", hostname(), uuid::Uuid::now_v7().simple());
    let mut last_schedule = None;
    loop {
        let hour = state.now().format("%Y-%m-%dT%H").to_string();
        if last_schedule.as_ref() != Some(&hour) {
            match schedule_periodic(&state).await {
                Ok(()) => last_schedule = Some(hour),
                Err(e) => tracing::warn!(error = %e, "cannot schedule periodic jobs"),
            }
        }
        let ran = match tick(&state, &worker).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "job queue unavailable");
                0
            }
        };
        let pause = if ran > 0 {
            StdDuration::from_millis(50)
        } else {
            StdDuration::from_secs(2)
        };
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
        if *stop.borrow() {
            break;
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into())
}
