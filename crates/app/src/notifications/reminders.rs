//! Reminders, a periodic job ([`REMINDERS_JOB`], hourly): the customer is told the evening
//! before (from `[notifications] tomorrow_hour`, local) about tomorrow's visit, and the
//! customer and the worker are told when a visit starts within `soon_minutes`. Each
//! reminder's dedupe key names the order and the window's start, so a job run twice, or
//! every hour of the evening, reminds once; a rescheduled visit is reminded of again.

use super::{notify, order_facts};
use crate::{App, Result};
use chrono::{DateTime, Duration, Timelike, Utc};
use daojia_domain::notification::Kind;
use daojia_store::repo::notifications as repo;

/// The job kind.
pub const REMINDERS_JOB: &str = "notify.reminders";

/// The states of a visit still to come that a customer is reminded of (one waiting for a
/// worker too: the visit is still booked for that time).
const BOOKED: &[&str] = &["pending_dispatch", "pending_accept", "accepted"];

/// How many reminders a run wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reminded {
    /// Customers told of tomorrow's visit.
    pub tomorrow: usize,
    /// Customers and workers told a visit starts soon.
    pub soon: usize,
}

/// Writes the reminders due at `now`.
pub async fn run(app: &App, now: DateTime<Utc>) -> Result<Reminded> {
    let rules = &app.settings.notifications;
    let db = app.store.db();
    let mut done = Reminded::default();
    // Tomorrow's visits: any time zone's tomorrow lies within the next 48 hours.
    for row in repo::orders_starting(db, BOOKED, now, now + Duration::hours(48)).await? {
        let Some(f) = order_facts(app, row.id).await? else {
            continue;
        };
        let local = now.with_timezone(&f.tz);
        let start = row.window_start.with_timezone(&f.tz);
        let tomorrow = local.date_naive().succ_opt();
        if local.hour() < rules.tomorrow_hour || Some(start.date_naive()) != tomorrow {
            continue;
        }
        let key = format!(
            "{}:{}:{}",
            Kind::VisitTomorrow.as_str(),
            row.id.simple(),
            row.window_start.timestamp()
        );
        let n = f.notice(Kind::VisitTomorrow, row.customer_id, f.vars(), key);
        if notify(app, n, now).await?.is_some() {
            done.tomorrow += 1;
        }
    }
    // Starting soon: the customer, and the worker who has it.
    let soon = now + Duration::minutes(i64::from(rules.soon_minutes));
    for row in repo::orders_starting(db, &["accepted"], now, soon).await? {
        let Some(f) = order_facts(app, row.id).await? else {
            continue;
        };
        let mut to = vec![(Kind::StartingSoon, row.customer_id)];
        if let Some(w) = row.worker_id {
            to.push((Kind::JobSoon, w));
        }
        for (kind, who) in to {
            let key = format!(
                "{}:{}:{}:{}",
                kind.as_str(),
                row.id.simple(),
                row.window_start.timestamp(),
                who.simple()
            );
            if notify(app, f.notice(kind, who, f.vars(), key), now)
                .await?
                .is_some()
            {
                done.soon += 1;
            }
        }
    }
    Ok(done)
}
