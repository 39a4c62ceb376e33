//! The delivery job ([`super::DELIVER_JOB`]): one attempt at one loud channel (SMS, push)
//! of a notification. It looks at the person's preferences again when it runs (an opt-out
//! or quiet hours set after the notification was written hold too), sends, and records the
//! attempt on the delivery row. A failure worth retrying schedules the next attempt as a
//! new job after an exponentially growing pause (`[notifications] backoff_secs` doubled
//! per attempt, capped); the last attempt, or a refusal that would fail the same way
//! again, marks the delivery failed. Each attempt is recorded with a guard on the row's
//! state and attempts, so a job run twice records (and schedules) once.

use super::push::{PushSubscriptions, PushVerdict, push_all};
use super::{deliver_job, preferences, utc_of};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::notification::template::{self, Locale, Vars};
use daojia_domain::notification::{Audience, Channel, Kind};
use daojia_domain::phone::Phone;
use daojia_notify::push::{PushChannel, PushMessage};
use daojia_notify::sms::{SmsMessage, SmsParam, SmsProvider, sent_by};
use daojia_store::entity::{notification, notification_delivery};
use daojia_store::repo::notifications::{self as repo, Attempt, state};
use daojia_store::repo::{accounts, jobs, orders, sms};
use sea_orm::TransactionTrait;
use std::sync::Arc;
use uuid::Uuid;

/// The providers a delivery sends through (the server's, from its configuration).
#[derive(Clone)]
pub struct Channels {
    /// Text messages (the provider OTPs use, with its failover).
    pub sms: Arc<dyn SmsProvider>,
    /// Push channels by code (`webpush`, `jpush`, `getui`); none on a node without push.
    pub push: Vec<Arc<dyn PushChannel>>,
    /// Where people's push subscriptions are kept.
    pub subscriptions: Arc<dyn PushSubscriptions>,
}

/// What one attempt came to, before it is recorded.
enum Outcome {
    Sent(String, Option<String>),
    Skip(String),
    Retry(Option<String>, String),
    Fail(Option<String>, String),
}

/// Runs the delivery job with `payload` at `now`.
pub async fn run(
    app: &App,
    ch: &Channels,
    payload: &serde_json::Value,
    now: DateTime<Utc>,
) -> Result<()> {
    let id = payload["delivery_id"]
        .as_str()
        .and_then(|s| s.parse::<Uuid>().ok())
        .ok_or_else(|| Error::Internal("delivery job without delivery_id".into()))?;
    let db = app.store.db();
    let Some(d) = repo::delivery(db, id).await? else {
        return Ok(());
    };
    if d.state != state::PENDING && d.state != state::RETRYING {
        return Ok(());
    }
    if d.not_before > now {
        // An early run (a job from before a deferral): the right one is queued.
        jobs::enqueue(db, deliver_job(d.id, d.attempts, d.not_before), now).await?;
        return Ok(());
    }
    let Some(n) = repo::get(db, d.notification_id).await? else {
        return Ok(());
    };
    let (Ok(kind), Ok(channel), Ok(audience)) = (
        n.kind.parse::<Kind>(),
        d.channel.parse::<Channel>(),
        n.audience.parse::<Audience>(),
    ) else {
        return record(app, &d, skip("unknown kind or channel"), now).await;
    };
    let prefs = preferences(app, audience, n.recipient_id).await?;
    if !prefs.allows(kind, channel) {
        return record(app, &d, skip("opted out"), now).await;
    }
    if let Some(q) = prefs.quiet {
        let tz = match n.order_id {
            Some(o) => super::order_facts(app, o).await?.map(|f| f.tz),
            None => None,
        }
        .unwrap_or(chrono_tz::Asia::Shanghai);
        let local = now.with_timezone(&tz).naive_local();
        let release = q.release(local);
        if release != local {
            let at = utc_of(tz, release).max(now);
            let a = Attempt {
                state: d.state.clone(),
                target: None,
                error: Some("held for quiet hours".into()),
                not_before: Some(at),
                counts: false,
            };
            let tx = db.begin().await?;
            if repo::record_attempt(&tx, &d, a, now).await? {
                jobs::enqueue(&tx, deliver_job(d.id, d.attempts, at), now).await?;
            }
            tx.commit().await?;
            return Ok(());
        }
    }
    let vars: Vars = serde_json::from_str(&n.vars).unwrap_or_default();
    let outcome = match channel {
        Channel::Inbox => Outcome::Sent("inbox".into(), None),
        Channel::Sms => send_sms(app, ch, &n, kind, &vars, now).await?,
        Channel::Push => send_push(ch, &n, audience, &vars).await?,
    };
    let rules = &app.settings.notifications;
    let attempt = d.attempts + 1;
    let a = match outcome {
        Outcome::Sent(target, note) => Attempt {
            state: state::SENT.into(),
            target: Some(target),
            error: note,
            not_before: None,
            counts: true,
        },
        Outcome::Skip(why) => skip(&why),
        Outcome::Retry(target, e) if attempt < rules.max_attempts as i32 => Attempt {
            state: state::RETRYING.into(),
            target,
            error: Some(e),
            not_before: Some(now + rules.backoff(attempt as u32)),
            counts: true,
        },
        Outcome::Retry(target, e) | Outcome::Fail(target, e) => Attempt {
            state: state::FAILED.into(),
            target,
            error: Some(e),
            not_before: None,
            counts: true,
        },
    };
    let state = a.state.clone();
    let next = a.not_before;
    let tx = db.begin().await?;
    if repo::record_attempt(&tx, &d, a, now).await?
        && state == state::RETRYING
        && let Some(at) = next
    {
        jobs::enqueue(&tx, deliver_job(d.id, attempt, at), now).await?;
    }
    tx.commit().await?;
    metrics::counter!("notification_deliveries_total", "channel" => d.channel.clone(), "state" => state.clone())
        .increment(1);
    Ok(())
}

fn skip(why: &str) -> Attempt {
    Attempt {
        state: state::SKIPPED.into(),
        target: None,
        error: Some(why.into()),
        not_before: None,
        counts: false,
    }
}

async fn record(
    app: &App,
    d: &notification_delivery::Model,
    a: Attempt,
    now: DateTime<Utc>,
) -> Result<()> {
    repo::record_attempt(app.store.db(), d, a, now).await?;
    Ok(())
}

/// The number to text: the order's contact (the person at the door) for a customer's
/// notice about an order, else the account's phone.
async fn phone_of(app: &App, n: &notification::Model) -> Result<Option<Phone>> {
    let db = app.store.db();
    let v = app.store.vault();
    let clear = match n.audience.as_str() {
        "worker" => match accounts::worker(db, n.recipient_id).await? {
            Some(w) => v.decrypt(accounts::WORKER_PHONE, &w.phone_enc),
            None => return Ok(None),
        },
        _ => match n.order_id {
            Some(o) => match orders::get(db, o).await? {
                Some(row) => v.decrypt(
                    accounts::address_context::CONTACT_PHONE,
                    &row.contact_phone_enc,
                ),
                None => return Ok(None),
            },
            None => match accounts::customer(db, n.recipient_id).await? {
                Some(c) => v.decrypt(accounts::CUSTOMER_PHONE, &c.phone_enc),
                None => return Ok(None),
            },
        },
    }
    .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Phone::parse(&clear).ok())
}

/// The text message of notification `n`: template `notify_<kind>` with the kind's
/// variables in order, the Chinese text as its body.
pub fn sms_message(phone: Phone, kind: Kind, vars: &Vars) -> SmsMessage {
    let params = template::vars(kind)
        .into_iter()
        .map(|name| {
            let value = vars.get(&name).cloned().unwrap_or_default();
            SmsParam::public(&name, value)
        })
        .collect();
    SmsMessage {
        phone,
        template: format!("notify_{}", kind.as_str()),
        params,
        body: format!("【到家】{}", template::pattern(kind, Locale::ZhCn).1),
    }
}

async fn send_sms(
    app: &App,
    ch: &Channels,
    n: &notification::Model,
    kind: Kind,
    vars: &Vars,
    now: DateTime<Utc>,
) -> Result<Outcome> {
    let Some(phone) = phone_of(app, n).await? else {
        return Ok(Outcome::Skip("no phone number".into()));
    };
    let msg = sms_message(phone.clone(), kind, vars);
    let result = ch.sms.send(&msg).await;
    let (status, pid, error) = match &result {
        Ok(r) => ("sent", Some(r.provider_message_id.clone()), None),
        Err(e) => ("failed", None, Some(e.to_string())),
    };
    // Every message in the SMS outbox too, as the platform's other texts.
    sms::record(
        &app.store,
        sms::OutboxEntry {
            phone: &phone,
            template: &msg.template,
            content: &msg.redacted_text(),
            params: msg.public_params(),
            provider: sent_by(&result),
            status,
            provider_message_id: pid,
            error,
        },
        now,
    )
    .await?;
    let target = Some(phone.masked());
    Ok(match result {
        Ok(r) => Outcome::Sent(format!("{} via {}", phone.masked(), r.provider), None),
        // An outage, a quota, credentials: another attempt later may pass.
        Err(e) if e.kind.fails_over() => Outcome::Retry(target, e.to_string()),
        // A bad number or a missing template fails the same way every time.
        Err(e) => Outcome::Fail(target, e.to_string()),
    })
}

async fn send_push(
    ch: &Channels,
    n: &notification::Model,
    audience: Audience,
    vars: &Vars,
) -> Result<Outcome> {
    let subs = ch
        .subscriptions
        .of(audience, n.recipient_id)
        .await
        .map_err(|e| Error::Internal(format!("push subscriptions: {e}")))?;
    if subs.is_empty() {
        return Ok(Outcome::Skip("no push subscription".into()));
    }
    let msg = PushMessage {
        title: n.title.clone(),
        body: n.body.clone(),
        url: n.url.clone(),
        tag: n.order_id.map(|o| format!("order-{}", o.simple())),
        kind: Some(n.kind.clone()),
        vars: {
            let mut v = vars.clone();
            if let Some(o) = n.order_id {
                v.entry("order_id".into()).or_insert_with(|| o.to_string());
            }
            v
        },
    };
    let r = push_all(&subs, &ch.push, ch.subscriptions.as_ref(), &msg).await;
    let target = Some(format!("{} subscription(s)", r.tried));
    Ok(match r.verdict() {
        PushVerdict::Sent(note) => {
            Outcome::Sent(format!("{}/{} device(s)", r.accepted, r.tried), note)
        }
        PushVerdict::Nowhere => Outcome::Skip("every push subscription is gone".into()),
        PushVerdict::Retry(e) => Outcome::Retry(target, e),
        PushVerdict::Failed(e) => Outcome::Fail(target, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_catalogued_sms_template_with_its_variables_in_order() {
        let phone = Phone::parse("13800138000").unwrap();
        for &k in Kind::ALL {
            let vars: Vars = template::vars(k)
                .into_iter()
                .map(|v| (v.clone(), format!("<{v}>")))
                .collect();
            let msg = sms_message(phone.clone(), k, &vars);
            let (_, params) = daojia_notify::sms::TEMPLATES
                .iter()
                .find(|(name, _)| *name == msg.template)
                .unwrap_or_else(|| panic!("{} not catalogued", msg.template));
            let ours: Vec<&str> = msg.params.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(&ours, params, "{}", msg.template);
            let zh = template::render(k, Locale::ZhCn, &vars).unwrap();
            assert_eq!(msg.text(), format!("【到家】{}", zh.body));
        }
    }
}
