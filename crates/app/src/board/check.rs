//! What goes wrong when a dispatcher puts an order on a worker: dispatch's
//! [`conflicts`](daojia_dispatch::matching::conflicts) over the worker's day as the board
//! reads it, each with a message for the console, and where the order would fall in
//! the worker's day.

use chrono::{DateTime, Utc};
use daojia_dispatch::matching::schedule::Day;
use daojia_dispatch::matching::{Conflict, OrderRequest, Reason, Requirement, conflicts};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::OrderId;
use daojia_store::entity::{service_order, worker};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::load::{self, order_skills};
use crate::{App, Error, Result};

/// One conflict of a manual assignment.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct ConflictView {
    /// Stable code: `not_active`, `outside_area`, `deposit_too_low`, `qualification`,
    /// `daily_limit`,
    /// `no_shift`, `late_arrival`, `overlap`, `delays_job`, `past_shift_end`, `no_break`.
    pub code: String,
    /// What is wrong, for the dispatcher.
    pub message: String,
    /// The other order concerned (`overlap`, `delays_job`).
    pub order_id: Option<Uuid>,
    /// How late, seconds (`late_arrival`, `delays_job`) or how far past the shift
    /// (`past_shift_end`).
    pub late_by_s: Option<i64>,
    /// The missing skill or certificate (`qualification`).
    pub skill: Option<String>,
}

/// A manual assignment checked before it is made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignPreview {
    /// The order.
    pub order_id: Uuid,
    /// The worker.
    pub worker_id: Uuid,
    /// Everything that would go wrong (empty: it fits).
    pub conflicts: Vec<ConflictView>,
    /// When the worker would arrive, if they work that day.
    pub arrival: Option<DateTime<Utc>>,
    /// When the visit would start.
    pub start: Option<DateTime<Utc>>,
    /// When it would end.
    pub finish: Option<DateTime<Utc>>,
}

fn minutes(s: i64) -> i64 {
    (s + 59).div_euclid(60)
}

fn reason_text(r: &Reason) -> (String, Option<String>) {
    match r {
        Reason::MissingSkill { skill } => {
            (format!("lacks the skill `{skill}`"), Some(skill.clone()))
        }
        Reason::SkillLevelTooLow {
            skill,
            level,
            required,
        } => (
            format!("has `{skill}` at level {level}, the order needs {required}"),
            Some(skill.clone()),
        ),
        Reason::MissingCertificate { skill } => (
            format!("holds no approved certificate required for `{skill}`"),
            Some(skill.clone()),
        ),
        Reason::CertificateExpired { skill, expires_at } => (
            format!(
                "the certificate for `{skill}` expires {} before the visit ends",
                expires_at.format("%Y-%m-%d")
            ),
            Some(skill.clone()),
        ),
        other => (format!("{other:?}"), None),
    }
}

/// A conflict with its message.
pub fn view(c: &Conflict) -> ConflictView {
    let mut v = ConflictView {
        code: c.code().into(),
        message: String::new(),
        order_id: None,
        late_by_s: None,
        skill: None,
    };
    v.message = match c {
        Conflict::NotActive { status } => format!("the worker is not active ({status:?})"),
        Conflict::OutsideArea => "the worker does not serve this order's area".into(),
        Conflict::DepositTooLow { required, lodged } => format!(
            "the order needs a deposit of {}; the worker has {} (no override: lodging more lifts it)",
            crate::finance::yuan(daojia_domain::money::Money::fen(*required)),
            crate::finance::yuan(daojia_domain::money::Money::fen(*lodged))
        ),
        Conflict::Qualification { reason } => {
            let (text, skill) = reason_text(reason);
            v.skill = skill;
            format!("the worker {text}")
        }
        Conflict::DailyLimit { jobs, limit } => {
            format!("the worker already has {jobs} jobs that day (limit {limit})")
        }
        Conflict::NoShift => "the worker has no shift that day".into(),
        Conflict::LateArrival { late_by_s, .. } => {
            v.late_by_s = Some(*late_by_s);
            format!(
                "the worker would arrive {} min after the window",
                minutes(*late_by_s)
            )
        }
        Conflict::Overlap { order } => {
            v.order_id = Some(*order);
            "the window overlaps a job the worker already has".into()
        }
        Conflict::DelaysJob { order, late_by_s } => {
            v.order_id = Some(*order);
            v.late_by_s = Some(*late_by_s);
            format!(
                "a later job would start {} min after its window",
                minutes(*late_by_s)
            )
        }
        Conflict::PastShiftEnd { over_by_s } => {
            v.late_by_s = Some(*over_by_s);
            format!(
                "the day would end {} min after the shift",
                minutes(*over_by_s)
            )
        }
        Conflict::NoBreak => "the worker's break would no longer fit the day".into(),
    };
    v
}

/// The order as dispatch asks for a worker (the deposit it needs is filled in by
/// [`preview`], which reads it).
pub fn request(rows: &load::DayRows, o: &service_order::Model, area: Uuid) -> OrderRequest {
    OrderRequest {
        id: OrderId(o.id),
        at: LatLng::new(o.lat, o.lng),
        area,
        window_start: o.window_start.timestamp(),
        window_end: o.window_end.timestamp(),
        duration: i64::from(o.duration_min.max(1)) * 60,
        requirements: order_skills(o)
            .into_iter()
            .map(|skill| Requirement {
                certificate: rows.required().contains_key(&skill),
                skill,
                min_level: 1,
            })
            .collect(),
        preferred: None,
        previous: vec![],
        excluded: vec![],
        deposit_required: None,
    }
}

fn at(t: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(t, 0)
}

/// Checks putting order `o` on worker `w` as of `now`.
pub async fn preview(
    app: &App,
    o: &service_order::Model,
    w: &worker::Model,
    now: DateTime<Utc>,
) -> Result<AssignPreview> {
    let code = o
        .area_code
        .clone()
        .ok_or_else(|| Error::conflict("no_area", "the order has no service area"))?;
    let (area, tz) = load::area(app, &code)
        .await?
        .ok_or_else(|| Error::conflict("no_area", "the order's service area is gone"))?;
    let date = o.window_start.with_timezone(&tz).date_naive();
    let rows = load::day_rows(app, vec![w.clone()], tz, date, now).await?;
    let mut snap = rows.snapshot(w, Some(o.id));
    let mut req = request(&rows, o, area.id);
    let db = app.store.db();
    req.deposit_required = crate::deposits::gate::required(app, db, o).await?;
    if req.deposit_required.is_some() {
        let usable = crate::deposits::gate::usable(app, db, &[w.id]).await?;
        snap.deposit = usable.get(&w.id).copied().unwrap_or(0);
    }
    let tt = app.travel.as_ref();
    let found = conflicts(&snap, &req, tt, now);
    let mut preview = AssignPreview {
        order_id: o.id,
        worker_id: w.id,
        conflicts: found.iter().map(view).collect(),
        arrival: None,
        start: None,
        finish: None,
    };
    if let Some(shift) = snap.shift {
        let day = Day::new(
            tt,
            shift,
            snap.home,
            snap.presence.at,
            &snap.jobs,
            now.timestamp(),
        );
        let forced = day.with(tt, &req.visit());
        if let Some(t) = forced.times.get(forced.position) {
            preview.arrival = at(t.arrival);
            preview.start = at(t.start);
            preview.finish = at(t.finish);
        }
    }
    Ok(preview)
}
