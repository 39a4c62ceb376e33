//! The background job runner: polls the durable queue, runs each claimed job's handler, and
//! enqueues periodic jobs (once per period across all nodes, by dedupe key). On shutdown it
//! stops claiming and lets running jobs finish; a job cut off by a crash runs again when its
//! lease ends, so handlers must be idempotent.

use crate::state::AppState;
use chrono::{Duration, Timelike};
use daojia_app::jobs::Ran;
use daojia_app::orders::timers::local_time;
use daojia_store::entity::job;
use daojia_store::repo::{housekeeping, jobs, orders};
use std::time::Duration as StdDuration;
use tokio::sync::watch;
use tracing::Instrument;

/// How long a claimed job is ours before another node may take it.
pub const LEASE: Duration = Duration::seconds(120);

/// Handles one job; `Err` retries it later. The application layer runs the use cases'
/// timers (`daojia_app::jobs::run_one`); housekeeping, the reminder's text and a
/// notification's delivery need the server's providers and run here.
pub async fn run_one(state: &AppState, j: &job::Model) -> Result<(), String> {
    if j.kind == "housekeeping" {
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
        return Ok(());
    }
    if j.kind == daojia_app::notifications::DELIVER_JOB {
        let payload: serde_json::Value =
            serde_json::from_str(&j.payload).map_err(|e| format!("payload: {e}"))?;
        return daojia_app::notifications::deliver::run(
            &state.app,
            &state.notify,
            &payload,
            state.now(),
        )
        .await
        .map_err(|e| e.to_string());
    }
    match daojia_app::jobs::run_one(&state.app, j, state.now()).await? {
        Ran::Done => Ok(()),
        Ran::Remind(row) => remind(state, &row).await,
        Ran::NotMine => Err(format!("no handler for job kind `{}`", j.kind)),
    }
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
    let start = local_time(&state.app, row, row.window_start).await;
    let end = local_time(&state.app, row, row.window_end).await;
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

/// Enqueues this hour's housekeeping, track retention, settlement, service-record
/// anchoring and notification reminders, and from 10:00 China time the day's reconciliation (a no-op when another
/// node already did).
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
    let tracks = jobs::NewJob {
        kind: daojia_app::tracks::RETENTION_JOB.into(),
        payload: serde_json::json!({}),
        run_at: hour,
        dedupe_key: Some(format!(
            "{}:{}",
            daojia_app::tracks::RETENTION_JOB,
            hour.format("%Y-%m-%dT%H")
        )),
        max_attempts: 3,
    };
    jobs::enqueue(state.store.db(), tracks, now).await?;
    // Settlement: earnings whose dispute window ended move to withdrawable.
    schedule_settlement(state).await?;
    // Deposits: those whose hold ended are paid back.
    let deposits = jobs::NewJob {
        kind: daojia_app::deposits::REFUND_JOB.into(),
        payload: serde_json::json!({}),
        run_at: hour,
        dedupe_key: Some(format!(
            "{}:{}",
            daojia_app::deposits::REFUND_JOB,
            hour.format("%Y-%m-%dT%H")
        )),
        max_attempts: 5,
    };
    jobs::enqueue(state.store.db(), deposits, now).await?;
    // Service records: anchor the days that are over (nothing to do most hours).
    let anchor = jobs::NewJob {
        kind: daojia_app::records::ANCHOR_JOB.into(),
        payload: serde_json::json!({}),
        run_at: hour,
        dedupe_key: Some(format!(
            "{}:{}",
            daojia_app::records::ANCHOR_JOB,
            hour.format("%Y-%m-%dT%H")
        )),
        max_attempts: 5,
    };
    jobs::enqueue(state.store.db(), anchor, now).await?;
    // Notification reminders: tomorrow's visits (in the evening) and those starting soon.
    let reminders = jobs::NewJob {
        kind: daojia_app::notifications::reminders::REMINDERS_JOB.into(),
        payload: serde_json::json!({}),
        run_at: hour,
        dedupe_key: Some(format!(
            "{}:{}",
            daojia_app::notifications::reminders::REMINDERS_JOB,
            hour.format("%Y-%m-%dT%H")
        )),
        max_attempts: 3,
    };
    jobs::enqueue(state.store.db(), reminders, now).await?;
    // Reconciliation: from 10:00 China time, when the channels' bills of the day before
    // are out, once per bill date.
    if let Some(job) = reconcile_job(now) {
        jobs::enqueue(state.store.db(), job, now).await?;
    }
    Ok(())
}

/// The settlement job of the period (`[finance] settle_every_minutes`, hourly by default)
/// that `now` is in, once per period across nodes.
pub fn settle_job(now: chrono::DateTime<chrono::Utc>, every_minutes: u32) -> jobs::NewJob {
    let every = i64::from(every_minutes.clamp(1, 60)) * 60;
    let start = now.timestamp() - now.timestamp().rem_euclid(every);
    let start = chrono::DateTime::from_timestamp(start, 0).unwrap_or(now);
    jobs::NewJob {
        kind: daojia_app::finance::SETTLE_JOB.into(),
        payload: serde_json::json!({}),
        run_at: start,
        dedupe_key: Some(format!(
            "{}:{}",
            daojia_app::finance::SETTLE_JOB,
            start.format("%Y-%m-%dT%H:%M")
        )),
        max_attempts: 5,
    }
}

/// How often approved WeChat withdrawals whose transfer callback has not come are queried.
pub const TRANSFER_QUERY_MINUTES: i64 = 5;

/// The transfer query job of the five minutes `now` is in, once per period across nodes.
pub fn transfer_query_job(now: chrono::DateTime<chrono::Utc>) -> jobs::NewJob {
    use daojia_app::finance::transfers::QUERY_JOB;
    let every = TRANSFER_QUERY_MINUTES * 60;
    let start = now.timestamp() - now.timestamp().rem_euclid(every);
    let start = chrono::DateTime::from_timestamp(start, 0).unwrap_or(now);
    jobs::NewJob {
        kind: QUERY_JOB.into(),
        payload: serde_json::json!({}),
        run_at: start,
        dedupe_key: Some(format!("{QUERY_JOB}:{}", start.format("%Y-%m-%dT%H:%M"))),
        max_attempts: 3,
    }
}

/// Enqueues the settlement job of the current period (a no-op when it is there).
pub async fn schedule_settlement(state: &AppState) -> Result<(), sea_orm::DbErr> {
    let now = state.now();
    let job = settle_job(now, state.config.finance.settle_every_minutes);
    jobs::enqueue(state.store.db(), job, now).await?;
    Ok(())
}

/// The daily reconciliation job due at `now`: yesterday's bills (China dates), from
/// [`RECONCILE_HOUR`](daojia_app::finance::reconcile::RECONCILE_HOUR) on.
pub fn reconcile_job(now: chrono::DateTime<chrono::Utc>) -> Option<jobs::NewJob> {
    use daojia_app::finance::reconcile::{RECONCILE_HOUR, RECONCILE_JOB, china_today};
    let china = now + Duration::hours(8);
    if china.hour() < RECONCILE_HOUR {
        return None;
    }
    let bill_date = china_today(now) - chrono::Days::new(1);
    Some(jobs::NewJob {
        kind: RECONCILE_JOB.into(),
        payload: serde_json::json!({ "bill_date": bill_date }),
        run_at: now,
        dedupe_key: Some(format!("{RECONCILE_JOB}:{bill_date}")),
        max_attempts: 8,
    })
}

/// Claims and runs due jobs once; returns how many ran.
pub async fn tick(state: &AppState, worker: &str) -> Result<usize, sea_orm::DbErr> {
    let claimed = jobs::claim(state.store.db(), worker, 8, LEASE, state.now()).await?;
    let n = claimed.len();
    for j in claimed {
        let started = std::time::Instant::now();
        let span = tracing::info_span!(
            "job",
            job = %j.id,
            kind = %j.kind,
            attempt = j.attempts,
            "otel.name" = tracing::field::Empty,
        );
        if crate::logging::exporting_traces() {
            span.record("otel.name", format!("job {}", j.kind));
        }
        let outcome = match run_one(state, &j).instrument(span).await {
            Ok(()) => {
                if !jobs::complete(state.store.db(), j.id, worker, state.now()).await? {
                    tracing::warn!(job = %j.id, kind = %j.kind, "job finished after its lease ended");
                }
                "done"
            }
            Err(e) => {
                let backoff = Duration::seconds(30 * i64::from(j.attempts.clamp(1, 20)));
                tracing::warn!(job = %j.id, kind = %j.kind, attempt = j.attempts, error = %e, "job failed");
                jobs::fail(state.store.db(), &j, worker, &e, backoff, state.now()).await?;
                // The queue gives up after the job's last attempt.
                if j.attempts >= j.max_attempts {
                    "failed"
                } else {
                    "retry"
                }
            }
        };
        metrics::counter!("jobs_run_total", "kind" => j.kind.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("job_run_seconds", "kind" => j.kind.clone())
            .record(started.elapsed().as_secs_f64());
    }
    Ok(n)
}

/// Runs the loop until `stop` turns true.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    let worker = format!("{}-{}", hostname(), uuid::Uuid::now_v7().simple());
    let mut last_schedule = None;
    let mut last_settle = None;
    let mut last_transfer_query = None;
    let certificates = daojia_app::payments::certificates::kept(&state.app);
    let mut last_certificates = None;
    let mut last_certificate_load = None;
    if certificates {
        // On start: a download now (another node starting in the same minute shares it).
        let job = daojia_app::payments::certificates::refresh_job(state.now(), "start");
        if let Err(e) = jobs::enqueue(state.store.db(), job, state.now()).await {
            tracing::warn!(error = %e, "cannot schedule the platform certificates' download");
        }
    }
    loop {
        let hour = state.now().format("%Y-%m-%dT%H").to_string();
        if last_schedule.as_ref() != Some(&hour) {
            match schedule_periodic(&state).await {
                Ok(()) => last_schedule = Some(hour),
                Err(e) => tracing::warn!(error = %e, "cannot schedule periodic jobs"),
            }
        }
        // Settlement may run more often than hourly (`[finance] settle_every_minutes`).
        let period = settle_job(state.now(), state.config.finance.settle_every_minutes).dedupe_key;
        if last_settle != period {
            match schedule_settlement(&state).await {
                Ok(()) => last_settle = period,
                Err(e) => tracing::warn!(error = %e, "cannot schedule settlement"),
            }
        }
        // Withdrawals to WeChat: find the outcome of transfers whose callback was lost.
        if state.app.transfers.is_some() {
            let job = transfer_query_job(state.now());
            if last_transfer_query != job.dedupe_key {
                let key = job.dedupe_key.clone();
                match jobs::enqueue(state.store.db(), job, state.now()).await {
                    Ok(_) => last_transfer_query = key,
                    Err(e) => tracing::warn!(error = %e, "cannot schedule the transfer query"),
                }
            }
        }
        if certificates {
            certificate_upkeep(&state, &mut last_certificates, &mut last_certificate_load).await;
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

/// How often each node reads the kept platform certificates again (one node downloads
/// them; the others learn of a new one this way).
pub const CERTIFICATE_LOAD_MINUTES: i64 = 5;

/// WeChat Pay's platform certificates: the scheduled download of the period (once across
/// nodes), and this node's reading of the kept set every few minutes.
async fn certificate_upkeep(
    state: &AppState,
    last_scheduled: &mut Option<String>,
    last_load: &mut Option<chrono::DateTime<chrono::Utc>>,
) {
    use daojia_app::payments::certificates;
    let now = state.now();
    let every = state
        .app
        .payments
        .as_ref()
        .map(|p| p.settings.certificate_refresh)
        .unwrap_or_else(|| Duration::hours(12));
    let job = certificates::scheduled_job(now, every);
    if *last_scheduled != job.dedupe_key {
        let key = job.dedupe_key.clone();
        match jobs::enqueue(state.store.db(), job, now).await {
            Ok(_) => *last_scheduled = key,
            Err(e) => {
                tracing::warn!(error = %e, "cannot schedule the platform certificates' download")
            }
        }
    }
    if last_load.is_none_or(|t| now - t >= Duration::minutes(CERTIFICATE_LOAD_MINUTES)) {
        match certificates::load(&state.app, now).await {
            Ok(_) => *last_load = Some(now),
            Err(e) => tracing::warn!(error = %e, "cannot read the kept platform certificates"),
        }
    }
}

/// This host's name for leases (`node` when unknown).
pub(crate) fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "node".into())
}

#[cfg(test)]
mod tests {
    use super::{settle_job, transfer_query_job};

    #[test]
    fn the_transfer_query_runs_once_per_five_minutes() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 12, 6, h, m, s).unwrap();
        let key = |t| transfer_query_job(t).dedupe_key.unwrap();
        assert_eq!(
            key(at(4, 7, 30)),
            "withdrawal.transfer_query:2026-12-06T04:05"
        );
        assert_eq!(key(at(4, 5, 0)), key(at(4, 9, 59)));
        assert_ne!(key(at(4, 9, 59)), key(at(4, 10, 0)));
    }
    use chrono::{TimeZone, Utc};

    #[test]
    fn settlement_runs_once_per_period_of_the_configured_length() {
        let at = |h, m, s| Utc.with_ymd_and_hms(2026, 12, 6, h, m, s).unwrap();
        let key = |t, every| settle_job(t, every).dedupe_key.unwrap();
        assert_eq!(key(at(4, 59, 59), 60), "finance.settle:2026-12-06T04:00");
        assert_eq!(key(at(4, 0, 0), 60), key(at(4, 59, 59), 60));
        assert_ne!(key(at(4, 59, 59), 60), key(at(5, 0, 0), 60));
        assert_eq!(key(at(4, 7, 30), 5), "finance.settle:2026-12-06T04:05");
        assert_eq!(key(at(4, 7, 30), 1), "finance.settle:2026-12-06T04:07");
        assert_eq!(settle_job(at(4, 7, 30), 5).run_at, at(4, 5, 0));
    }
}
