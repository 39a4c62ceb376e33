//! Running one due job of the durable queue for the use cases that own it: the order
//! timers, the dispatch timers (an offer's deadline, an order coming within the horizon),
//! the payments' scheduled queries and refund steps, the download of WeChat Pay's platform
//! certificates, the query of withdrawals' WeChat
//! transfers, the service records' daily anchors,
//! the notification reminders, and forgetting a worker's position. The server's job runner
//! and the day simulator both claim jobs from the queue and hand each here, so a timer
//! behaves the same under a real clock and a virtual one. Jobs that need the server's
//! providers (housekeeping, which deletes files; a reminder, which sends a text; a
//! notification's delivery, which sends through the server's SMS and push channels) come
//! back to the caller.

use crate::App;
use chrono::{DateTime, Utc};
use daojia_store::entity::{job, service_order};
use daojia_store::repo::dispatch::job_kind;
use daojia_store::repo::orders;

/// What running a job asks of the caller.
#[derive(Debug, Clone)]
pub enum Ran {
    /// Done; nothing more to do.
    Done,
    /// The order's contact should be reminded of the visit now (the caller sends it).
    Remind(Box<service_order::Model>),
    /// Not a job of the application layer (the caller's own kind, or unknown).
    NotMine,
}

fn payload(j: &job::Model) -> Result<serde_json::Value, String> {
    serde_json::from_str(&j.payload).map_err(|e| format!("payload: {e}"))
}

/// Runs job `j` at `now`; `Err` means "try again later" (the queue backs off).
pub async fn run_one(app: &App, j: &job::Model, now: DateTime<Utc>) -> Result<Ran, String> {
    use crate::dispatch::auto;
    use crate::orders::timers::{Fired, fire, is_order_timer};
    let kind = j.kind.as_str();
    let text = |e: crate::Error| e.to_string();
    if is_order_timer(kind) {
        let p = payload(j)?;
        return match fire(app, kind, &p, now).await.map_err(text)? {
            Fired::Remind => {
                let id = p["order_id"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or("payload lacks order_id")?;
                match orders::get(app.store.db(), id)
                    .await
                    .map_err(|e| e.to_string())?
                {
                    Some(row) => Ok(Ran::Remind(Box::new(row))),
                    None => Ok(Ran::Done),
                }
            }
            Fired::Nothing | Fired::Changed(_) | Fired::Alarm(_) => Ok(Ran::Done),
        };
    }
    if kind == job_kind::OFFER_TIMEOUT {
        auto::offer_timeout(app, &payload(j)?, now)
            .await
            .map_err(text)?;
        return Ok(Ran::Done);
    }
    if kind == job_kind::HORIZON {
        auto::horizon(app, &payload(j)?, now).await.map_err(text)?;
        return Ok(Ran::Done);
    }
    if kind == crate::payments::QUERY_JOB {
        crate::payments::recover::run_query(app, &payload(j)?, now)
            .await
            .map_err(text)?;
        return Ok(Ran::Done);
    }
    if kind == crate::payments::REFUND_JOB {
        crate::payments::recover::run_refund(app, &payload(j)?, now)
            .await
            .map_err(text)?;
        return Ok(Ran::Done);
    }
    if kind == crate::payments::sharing::SHARE_JOB {
        crate::payments::sharing::run(app, &payload(j)?, now)
            .await
            .map_err(text)?;
        return Ok(Ran::Done);
    }
    if kind == crate::payments::certificates::REFRESH_JOB {
        if let Some(r) = crate::payments::certificates::refresh(app, now)
            .await
            .map_err(text)?
        {
            tracing::info!(listed = r.listed, new = r.new, trusted = ?r.trusted, "WeChat Pay platform certificates");
        }
        return Ok(Ran::Done);
    }
    if kind == crate::tracks::RETENTION_JOB {
        let p = crate::tracks::purge(app, now).await.map_err(text)?;
        tracing::info!(
            points = p.points,
            batches = p.batches,
            job_tracks = p.job_tracks,
            "track retention"
        );
        return Ok(Ran::Done);
    }
    if kind == crate::finance::SETTLE_JOB {
        let run = crate::finance::settle_due(app, now).await.map_err(text)?;
        if run.settled + run.held > 0 {
            tracing::info!(settled = run.settled, held = run.held, "settlement");
        }
        return Ok(Ran::Done);
    }
    if kind == crate::deposits::REFUND_JOB {
        let run = crate::deposits::refunds::refund_due(app, now)
            .await
            .map_err(text)?;
        if run.refunded + run.waiting > 0 {
            tracing::info!(
                refunded = run.refunded,
                waiting = run.waiting,
                "deposit refunds"
            );
        }
        return Ok(Ran::Done);
    }
    if kind == crate::finance::transfers::QUERY_JOB {
        let run = crate::finance::transfers::query_waiting(app, now)
            .await
            .map_err(text)?;
        if run.queried > 0 {
            tracing::info!(
                queried = run.queried,
                finished = run.finished,
                resent = run.resent,
                errors = run.errors,
                "withdrawal transfers queried"
            );
        }
        return Ok(Ran::Done);
    }
    if kind == crate::records::ANCHOR_JOB {
        let made = crate::records::anchor_days(app, now).await.map_err(text)?;
        if let Some(last) = made.last() {
            tracing::info!(days = made.len(), last = %last.day, "service records anchored");
        }
        return Ok(Ran::Done);
    }
    if kind == crate::finance::reconcile::RECONCILE_JOB {
        let runs = crate::finance::reconcile::reconcile_yesterday(app, now)
            .await
            .map_err(text)?;
        for r in runs {
            tracing::info!(provider = %r.provider, date = %r.bill_date, lines = r.bill_lines, differences = r.differences, "reconciliation");
        }
        return Ok(Ran::Done);
    }
    if kind == crate::notifications::reminders::REMINDERS_JOB {
        let r = crate::notifications::reminders::run(app, now)
            .await
            .map_err(text)?;
        if r.tomorrow + r.soon > 0 {
            tracing::info!(tomorrow = r.tomorrow, soon = r.soon, "reminders");
        }
        return Ok(Ran::Done);
    }
    if kind == crate::workers::positions::FORGET_JOB {
        crate::workers::positions::forget_job(app, &payload(j)?)
            .await
            .map_err(text)?;
        return Ok(Ran::Done);
    }
    Ok(Ran::NotMine)
}
