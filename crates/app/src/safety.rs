//! SOS during a visit (紧急求助, issue 11): the worker or the customer presses the red
//! button while the worker is on the way, at the door or serving. The alert is stored with
//! where they are (the position the app sent; else, for the worker, their latest known
//! position; else the worker's check-in at the door) and an outbox event `safety.sos`
//! that puts it live on the console (the realtime feed) in one transaction; operations
//! also get an alarm in the exceptions queue. One open alert per order and raiser: a second
//! press answers the open one. Staff acknowledge and resolve it with a note, audited.

use crate::error::FieldIssue;
use crate::workers::{Actor, Scope};
use crate::{App, Error, Result};
use chrono::{DateTime, TimeZone, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_store::entity::{service_order, sos_alert};
use daojia_store::repo::{Page, PageRequest, accounts, alarms, orders, safety, visits};
use uuid::Uuid;

/// The states in which an SOS may be raised.
pub const DURING_VISIT: [OrderState; 3] = [
    OrderState::EnRoute,
    OrderState::Arrived,
    OrderState::InService,
];

/// The alarm kind put in the exceptions queue.
pub const ALARM: &str = alarms::kind::SOS;

/// The most characters of a note.
pub const MAX_NOTE: usize = 500;

/// Who presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raiser {
    /// The order's worker.
    Worker(Uuid),
    /// The order's customer.
    Customer(Uuid),
}

/// What the app sends.
#[derive(Debug, Clone, Default)]
pub struct SosInput {
    /// Latitude, WGS-84.
    pub lat: Option<f64>,
    /// Longitude, WGS-84.
    pub lng: Option<f64>,
    /// Accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// What is wrong (at most 500 characters).
    pub note: Option<String>,
}

/// An alert raised (or the open one found).
#[derive(Debug, Clone)]
pub struct Raised {
    /// The alert.
    pub alert: sos_alert::Model,
    /// Newly raised (`false`: the raiser's open alert on the order, answered again).
    pub new: bool,
}

fn check(input: &SosInput) -> Result<(Option<LatLng>, Option<String>)> {
    let mut issues = vec![];
    let position = match (input.lat, input.lng) {
        (Some(lat), Some(lng)) => {
            let p = LatLng::new(lat, lng);
            if !p.is_valid() {
                issues.push(FieldIssue::new(
                    "lat",
                    "invalid_position",
                    "latitude and longitude in WGS-84 degrees",
                ));
            }
            Some(p)
        }
        (None, None) => None,
        _ => {
            issues.push(FieldIssue::new(
                "lat",
                "invalid_position",
                "send both lat and lng, or neither",
            ));
            None
        }
    };
    if input.accuracy_m.is_some_and(|a| !a.is_finite() || a < 0.0) {
        issues.push(FieldIssue::new(
            "accuracy_m",
            "out_of_range",
            "metres, zero or more",
        ));
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        issues.push(FieldIssue::new(
            "note",
            "length",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    Error::check(issues)?;
    Ok((position, note))
}

/// Raises an SOS on order `id` for `who` (its worker or its customer; anyone else's order
/// is "not found"). Outside the visit (before the worker set off, after the service) it
/// is a conflict `sos_not_available`.
pub async fn raise(
    app: &App,
    who: Raiser,
    id: Uuid,
    input: &SosInput,
    now: DateTime<Utc>,
) -> Result<Raised> {
    let row: service_order::Model = orders::get(app.store.db(), id)
        .await?
        .filter(|r| match who {
            Raiser::Worker(w) => r.worker_id == Some(w),
            Raiser::Customer(c) => r.customer_id == c,
        })
        .ok_or(Error::NotFound("order"))?;
    let (position, note) = check(input)?;
    let state = orders::to_domain(&row)?.state;
    if !DURING_VISIT.contains(&state) {
        return Err(Error::conflict(
            "sos_not_available",
            "SOS is for a visit under way (the worker on the way, at the door or serving): call 110 or customer service",
        ));
    }
    let (kind, raiser_id) = match who {
        Raiser::Worker(w) => ("worker", w),
        Raiser::Customer(c) => ("customer", c),
    };
    let (position, source, position_at) = match position {
        Some(p) => (Some(p), "caller", Some(now)),
        None => match last_known(app, &row, now).await? {
            Some((p, at)) => (Some(p), "last_known", Some(at)),
            None => (None, "none", None),
        },
    };
    let new = safety::NewAlert {
        order_id: id,
        area_code: row.area_code.clone(),
        worker_id: row.worker_id,
        raised_by_type: kind,
        raised_by_id: raiser_id,
        position,
        accuracy_m: if source == "caller" {
            input.accuracy_m
        } else {
            None
        },
        position_source: source,
        position_at,
        note,
        order_state: state.as_str().into(),
    };
    let (alert, fresh) = safety::raise(&app.store, &new, now).await?;
    if fresh {
        let detail = format!("SOS ({kind}) on order {}", row.order_no);
        alarms::raise(app.store.db(), id, ALARM, &detail, now).await?;
        app.wake_relay();
    }
    Ok(Raised { alert, new: fresh })
}

/// The worker's latest known position: the positions index (a live report or a job's
/// place), else their check-in at this order's door.
async fn last_known(
    app: &App,
    row: &service_order::Model,
    now: DateTime<Utc>,
) -> Result<Option<(LatLng, DateTime<Utc>)>> {
    let Some(worker) = row.worker_id else {
        return Ok(None);
    };
    if let Some(p) = crate::workers::positions::recorded_one(app, worker, now).await {
        let at = Utc.timestamp_opt(p.seen_at, 0).single().unwrap_or(now);
        return Ok(Some((p.at, at)));
    }
    let check_in = visits::of_order(app.store.db(), row.id).await?.pop();
    Ok(check_in.and_then(|c| visits::position(&app.store, &c).map(|p| (p, c.at))))
}

/// An alert with what operations need beside it.
#[derive(Debug, Clone)]
pub struct AlertView {
    /// The alert.
    pub alert: sos_alert::Model,
    /// Where (decrypted).
    pub position: Option<LatLng>,
    /// The order's number.
    pub order_no: String,
    /// The order's state now.
    pub order_state: String,
    /// The raiser's name (the worker's, or the customer's masked as the console shows it).
    pub raised_by_name: String,
}

async fn view(app: &App, alert: sos_alert::Model) -> Result<AlertView> {
    let db = app.store.db();
    let order = orders::get(db, alert.order_id).await?;
    let raised_by_name = match alert.raised_by_type.as_str() {
        "worker" => match accounts::worker(db, alert.raised_by_id).await? {
            Some(w) => accounts::worker_name(&app.store, &w).unwrap_or_else(|_| "•••".into()),
            None => String::new(),
        },
        _ => "客户".into(),
    };
    Ok(AlertView {
        position: safety::position(&app.store, &alert),
        order_no: order
            .as_ref()
            .map(|o| o.order_no.clone())
            .unwrap_or_default(),
        order_state: order.map(|o| o.state).unwrap_or_default(),
        raised_by_name,
        alert,
    })
}

fn partner_of(scope: Scope) -> std::result::Result<Option<Uuid>, ()> {
    match scope {
        Scope::All => Ok(None),
        Scope::Partner(Some(p)) => Ok(Some(p)),
        Scope::Partner(None) => Err(()),
    }
}

/// The alerts `scope` sees, newest first: not resolved only when `open_only`.
pub async fn list(
    app: &App,
    scope: Scope,
    open_only: bool,
    area_code: Option<String>,
    page: PageRequest,
) -> Result<Page<AlertView>> {
    let Ok(partner) = partner_of(scope) else {
        return Ok(Page {
            items: vec![],
            next_cursor: None,
        });
    };
    let filter = safety::AlertFilter {
        open_only,
        area_code,
        partner,
    };
    let found = safety::list(app.store.db(), &filter, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for a in found.items {
        items.push(view(app, a).await?);
    }
    Ok(Page {
        items,
        next_cursor: found.next_cursor,
    })
}

/// One alert as `scope` sees it ("not found" for a partner's staff when the order's
/// worker is not theirs).
pub async fn get(app: &App, scope: Scope, id: Uuid) -> Result<AlertView> {
    let a = visible(app, scope, id).await?;
    view(app, a).await
}

async fn visible(app: &App, scope: Scope, id: Uuid) -> Result<sos_alert::Model> {
    let a = safety::get(app.store.db(), id)
        .await?
        .ok_or(Error::NotFound("alert"))?;
    match partner_of(scope) {
        Ok(None) => Ok(a),
        Ok(Some(p)) => {
            let theirs = match a.worker_id {
                Some(w) => accounts::worker(app.store.db(), w)
                    .await?
                    .is_some_and(|w| w.partner_id == Some(p)),
                None => false,
            };
            if theirs {
                Ok(a)
            } else {
                Err(Error::NotFound("alert"))
            }
        }
        Err(()) => Err(Error::NotFound("alert")),
    }
}

fn staff_note(note: Option<&str>, required: bool) -> Result<Option<String>> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    match note {
        None if required => Err(Error::field(
            "note",
            "required",
            "say what was done (1–500 characters)",
        )),
        Some(n) if n.chars().count() > MAX_NOTE => Err(Error::field(
            "note",
            "length",
            format!("at most {MAX_NOTE} characters"),
        )),
        n => Ok(n.map(str::to_string)),
    }
}

/// Staff acknowledge an open alert (they are on it), with an optional note; audited. One
/// already acknowledged or resolved is a conflict `alert_not_open`.
pub async fn acknowledge(
    app: &App,
    actor: &Actor,
    id: Uuid,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AlertView> {
    let note = staff_note(note, false)?;
    let a = visible(app, actor.scope, id).await?;
    let tx = daojia_store::begin(app.store.db()).await?;
    if !safety::acknowledge(&tx, id, actor.staff_id, note.as_deref(), now).await? {
        tx.rollback().await?;
        return Err(Error::conflict(
            "alert_not_open",
            "this alert was acknowledged or resolved already",
        ));
    }
    actor
        .audit(
            app,
            &tx,
            "sos_alert.acknowledge",
            id,
            (
                Some(serde_json::json!({"status": a.status, "order_id": a.order_id})),
                Some(serde_json::json!({"status": safety::status::ACKNOWLEDGED, "note": note})),
            ),
            now,
        )
        .await?;
    tx.commit().await?;
    get(app, actor.scope, id).await
}

/// Staff resolve an alert with a note (required); audited. The order's SOS alarm in the
/// exceptions queue is resolved with it when the order has no other alert open. One
/// resolved already is a conflict `alert_resolved`.
pub async fn resolve(
    app: &App,
    actor: &Actor,
    id: Uuid,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AlertView> {
    let note = staff_note(note, true)?.unwrap_or_default();
    let a = visible(app, actor.scope, id).await?;
    let tx = daojia_store::begin(app.store.db()).await?;
    if !safety::resolve(&tx, id, actor.staff_id, &note, now).await? {
        tx.rollback().await?;
        return Err(Error::conflict(
            "alert_resolved",
            "this alert was resolved already",
        ));
    }
    actor
        .audit(
            app,
            &tx,
            "sos_alert.resolve",
            id,
            (
                Some(serde_json::json!({"status": a.status, "order_id": a.order_id})),
                Some(serde_json::json!({"status": safety::status::RESOLVED, "note": note})),
            ),
            now,
        )
        .await?;
    if safety::unresolved_on(&tx, a.order_id).await? == 0 {
        for alarm in alarms::open(&tx).await? {
            if alarm.order_id == a.order_id && alarm.kind == ALARM {
                alarms::resolve(&tx, alarm.id, actor.staff_id, now).await?;
            }
        }
    }
    tx.commit().await?;
    get(app, actor.scope, id).await
}
