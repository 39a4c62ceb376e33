//! The notification service (消息通知, docs/notifications.md). A business event becomes a
//! [`Notice`] for one person; [`notify`] renders it (Chinese, what SMS and push send),
//! writes it once (its dedupe key is unique: an event delivered twice makes one
//! notification) with one delivery per channel the rules and the person's preferences
//! allow, and enqueues a durable job per loud channel, at once or when the person's quiet
//! hours end. The inbox delivery is the notification itself and is always written.
//!
//! - [`consumer`]: the outbox consumer turning order events into notices.
//! - [`deliver`]: the delivery job (SMS, push) with retries and exponential back-off.
//! - [`push`]: push as one more channel, over the subscriptions another module keeps.
//! - [`reminders`]: the periodic job for tomorrow's visits and those starting soon.
//! - [`inbox`]: the apps' message list and preferences.

pub mod consumer;
pub mod deliver;
pub mod demo;
pub mod inbox;
pub mod push;
pub mod reminders;

use crate::{App, Error, Result};
use chrono::{DateTime, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use daojia_domain::notification::template::{self, Locale, Vars};
use daojia_domain::notification::{self as rules, Audience, Channel, Kind, Preferences, Step};
use daojia_store::entity::service_order;
use daojia_store::repo::notifications::{self as repo, NewDelivery, NewNotification, state};
use daojia_store::repo::{accounts, catalog, jobs, orders, slots};
use sea_orm::TransactionTrait;
use uuid::Uuid;

/// The job kind that delivers one channel of a notification.
pub const DELIVER_JOB: &str = "notify.deliver";

/// One person to tell one thing.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Customer or worker.
    pub audience: Audience,
    /// Their id.
    pub recipient_id: Uuid,
    /// What.
    pub kind: Kind,
    /// The template's variables.
    pub vars: Vars,
    /// The order it is about.
    pub order_id: Option<Uuid>,
    /// Where a tap leads in the app.
    pub url: Option<String>,
    /// Unique per event (or reminder) and recipient.
    pub dedupe_key: String,
    /// The recipient's time zone (their order's area), for quiet hours.
    pub tz: Tz,
}

/// A person's preferences, or the default (everything on, no quiet hours).
pub async fn preferences(app: &App, audience: Audience, id: Uuid) -> Result<Preferences> {
    let Some(row) = repo::preferences(app.store.db(), audience.as_str(), id).await? else {
        return Ok(Preferences::default());
    };
    let pairs: Vec<String> = serde_json::from_str(&row.opt_outs).unwrap_or_default();
    let off = pairs
        .iter()
        .filter_map(|p| {
            let (k, c) = p.split_once(':')?;
            Some((k.parse::<Kind>().ok()?, c.parse::<Channel>().ok()?))
        })
        .collect();
    let time = |s: &Option<String>| {
        s.as_deref()
            .and_then(|t| NaiveTime::parse_from_str(t, "%H:%M").ok())
    };
    let quiet = match (time(&row.quiet_start), time(&row.quiet_end)) {
        (Some(start), Some(end)) => Some(rules::QuietHours { start, end }),
        _ => None,
    };
    Ok(Preferences { off, quiet })
}

/// UTC of local time `t` in `tz` (the earlier of an ambiguous one; a gap's next minute).
pub(crate) fn utc_of(tz: Tz, t: NaiveDateTime) -> DateTime<Utc> {
    tz.from_local_datetime(&t)
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&(t + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| Utc.from_utc_datetime(&t), |d| d.with_timezone(&Utc))
}

/// The delivery job of delivery `id`, attempt `attempt`, at `run_at`.
pub(crate) fn deliver_job(id: Uuid, attempt: i32, run_at: DateTime<Utc>) -> jobs::NewJob {
    jobs::NewJob {
        kind: DELIVER_JOB.into(),
        payload: serde_json::json!({ "delivery_id": id }),
        run_at,
        dedupe_key: Some(format!(
            "{DELIVER_JOB}:{}:{attempt}:{}",
            id.simple(),
            run_at.timestamp()
        )),
        // The delivery counts its own attempts; the queue retries only a job that could
        // not run (the database away).
        max_attempts: 5,
    }
}

/// Writes `notice` once (by its dedupe key) with its deliveries and their jobs; the new
/// notification's id, or `None` when it was written before.
pub async fn notify(app: &App, notice: Notice, now: DateTime<Utc>) -> Result<Option<Uuid>> {
    let db = app.store.db();
    if repo::by_key(db, &notice.dedupe_key).await?.is_some() {
        return Ok(None);
    }
    let rules = &app.settings.notifications;
    let prefs = preferences(app, notice.audience, notice.recipient_id).await?;
    let zh = template::render(notice.kind, Locale::ZhCn, &notice.vars)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let local = now.with_timezone(&notice.tz).naive_local();
    let mut deliveries = vec![];
    for (channel, step) in rules::plan(rules, &prefs, notice.kind, local) {
        deliveries.push(match (channel, step) {
            (Channel::Inbox, _) => NewDelivery {
                channel: channel.as_str().into(),
                state: state::SENT,
                not_before: now,
                note: None,
            },
            (_, Step::Send(at)) => NewDelivery {
                channel: channel.as_str().into(),
                state: state::PENDING,
                not_before: utc_of(notice.tz, at).max(now),
                note: None,
            },
            (_, Step::OptedOut) => NewDelivery {
                channel: channel.as_str().into(),
                state: state::SKIPPED,
                not_before: now,
                note: Some("opted out".into()),
            },
        });
    }
    let new = NewNotification {
        audience: notice.audience.as_str().into(),
        recipient_id: notice.recipient_id,
        kind: notice.kind.as_str().into(),
        dedupe_key: notice.dedupe_key,
        order_id: notice.order_id,
        vars: serde_json::to_value(&notice.vars).map_err(|e| Error::Internal(e.to_string()))?,
        title: zh.title,
        body: zh.body,
        url: notice.url,
    };
    let tx = db.begin().await?;
    let Some((row, made)) = repo::create(&tx, new, deliveries, now).await? else {
        // Written by another delivery of the same event meanwhile.
        return Ok(None);
    };
    for d in made.iter().filter(|d| d.state == state::PENDING) {
        jobs::enqueue(&tx, deliver_job(d.id, 0, d.not_before), now).await?;
    }
    tx.commit().await?;
    metrics::counter!("notifications_total", "kind" => row.kind.clone()).increment(1);
    Ok(Some(row.id))
}

/// What the templates say about an order: its number, services, local start, the time
/// zone of its area.
pub(crate) struct OrderFacts {
    pub(crate) row: service_order::Model,
    pub(crate) service: String,
    pub(crate) start: String,
    pub(crate) tz: Tz,
}

/// The facts of order `id`, `None` when it is gone.
pub(crate) async fn order_facts(app: &App, id: Uuid) -> Result<Option<OrderFacts>> {
    let db = app.store.db();
    let Some(row) = orders::get(db, id).await? else {
        return Ok(None);
    };
    let service = orders::lines(db, id)
        .await?
        .iter()
        .map(|l| l.item_name.clone())
        .collect::<Vec<_>>()
        .join("、");
    let tz = catalog::areas(db)
        .await?
        .iter()
        .find(|a| Some(&a.code) == row.area_code.as_ref())
        .map_or(chrono_tz::Asia::Shanghai, slots::zone);
    let start = row
        .window_start
        .with_timezone(&tz)
        .format("%m-%d %H:%M")
        .to_string();
    Ok(Some(OrderFacts {
        row,
        service,
        start,
        tz,
    }))
}

impl OrderFacts {
    /// The variables every order template may use.
    pub(crate) fn vars(&self) -> Vars {
        let mut v = Vars::new();
        v.insert("order_no".into(), self.row.order_no.clone());
        v.insert("service".into(), self.service.clone());
        v.insert("start".into(), self.start.clone());
        v
    }

    /// A notice of `kind` about this order for `recipient`, unique by `key`.
    pub(crate) fn notice(&self, kind: Kind, recipient: Uuid, vars: Vars, key: String) -> Notice {
        let url = match kind.audience() {
            Audience::Customer => format!("/orders/{}", self.row.id),
            Audience::Worker if kind == Kind::Offer => "/offers".to_string(),
            Audience::Worker => "/today".to_string(),
        };
        Notice {
            audience: kind.audience(),
            recipient_id: recipient,
            kind,
            vars,
            order_id: Some(self.row.id),
            url: Some(url),
            dedupe_key: key,
            tz: self.tz,
        }
    }
}

/// How the customer sees the worker: their surname and 师傅 in the Chinese text (`王`), the
/// full stored name never leaves the console.
pub(crate) async fn worker_surname(app: &App, id: Option<Uuid>) -> Result<String> {
    let Some(id) = id else {
        return Ok("".into());
    };
    let Some(w) = accounts::worker(app.store.db(), id).await? else {
        return Ok("".into());
    };
    let name = accounts::worker_name(&app.store, &w).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(name.chars().next().map(String::from).unwrap_or_default())
}
