//! What a decision is made over, loaded from the store: the snapshots of the workers who
//! could serve an order's area (its city, as slot search counts them) on the order's day,
//! and the order as a request.
//!
//! A snapshot carries everything the engine checks and scores: status, skills with levels,
//! certificates for the skills that need one (with the day they expire), the city's areas,
//! presence and position (a live report or check-in from the positions index, else the
//! last job's place, else the home base: `workers::positions::best`), grab rights (credit can suspend them), credit, rating, on-time
//! rate over the last 90 days, jobs and earnings of the day, the daily limit, the partner,
//! the shift of the day (weekly template and exceptions, as slot search reads it) and the
//! day's remaining jobs as visits.

use crate::workers::positions;
use crate::{App, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use daojia_dispatch::matching::{
    Certificate, OrderRequest, Pool, Requirement, Skill, WorkerSnapshot, WorkerStatus,
};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{OrderId, WorkerId};
use daojia_domain::order::ON_A_ROUTE;
use daojia_domain::presence::Presence;
use daojia_domain::slots::{Shift, Visit};
use daojia_store::entity::{order_event, service_area, service_order, worker, worker_skill};
use daojia_store::repo::workers::Staff;
use daojia_store::repo::{catalog, dispatch as rows, orders, slots, workers};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

/// An order ready to be decided on, with the pool of workers it is decided over.
pub struct Loaded {
    /// The order's row.
    pub row: service_order::Model,
    /// Its area.
    pub area: service_area::Model,
    /// The area's time zone.
    pub tz: Tz,
    /// The order as a request.
    pub order: OrderRequest,
    /// The workers of the city on the order's day.
    pub pool: Pool,
}

/// Orders whose state holds a worker's time on their day.
const TAKEN: [&str; 8] = [
    "pending_accept",
    "accepted",
    "en_route",
    "arrived",
    "in_service",
    "pending_settlement",
    "awaiting_balance",
    "completed",
];

/// States in which the job's money is earned.
const EARNED: [&str; 4] = [
    "pending_settlement",
    "awaiting_balance",
    "completed",
    "after_sales",
];

fn status_of(s: &str) -> WorkerStatus {
    match s {
        "active" => WorkerStatus::Active,
        "suspended" => WorkerStatus::Suspended,
        "left" => WorkerStatus::Left,
        _ => WorkerStatus::Onboarding,
    }
}

fn skills_of(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

/// Loads order `id` with the pool it is decided over; `None` when the order or its area is
/// gone.
pub async fn load(app: &App, id: Uuid, now: DateTime<Utc>) -> Result<Option<Loaded>> {
    load_with(app, id, None, now).await
}

/// Like [`load`], with the pool cut down to one worker when `only` names one (a claim from
/// the grab pool asks about the claimant alone).
pub async fn load_with(
    app: &App,
    id: Uuid,
    only: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Option<Loaded>> {
    let db = app.store.db();
    let Some(row) = orders::get(db, id).await? else {
        return Ok(None);
    };
    let areas = catalog::areas(db).await?;
    let Some(area) = areas
        .iter()
        .find(|a| Some(&a.code) == row.area_code.as_ref())
        .cloned()
    else {
        return Ok(None);
    };
    let tz = slots::zone(&area);
    let date = row.window_start.with_timezone(&tz).date_naive();
    let pool_codes = slots::pool_of(&areas, &area);
    let city_areas: Vec<Uuid> = areas
        .iter()
        .filter(|a| pool_codes.contains(&a.code))
        .map(|a| a.id)
        .collect();
    let required = workers::required_certificates(db).await?;
    let snapshots = snapshots(
        app,
        &pool_codes,
        &city_areas,
        (tz, date),
        &required,
        (id, only),
        now,
    )
    .await?;
    let order = request(app, &row, &area, &required).await?;
    Ok(Some(Loaded {
        row,
        area,
        tz,
        order,
        pool: Pool::new(snapshots),
    }))
}

/// The order as the engine sees it.
async fn request(
    app: &App,
    row: &service_order::Model,
    area: &service_area::Model,
    required: &BTreeMap<String, Vec<String>>,
) -> Result<OrderRequest> {
    let db = app.store.db();
    let requirements = skills_of(row.skills.as_deref())
        .into_iter()
        .map(|skill| Requirement {
            certificate: required.contains_key(&skill),
            skill,
            min_level: 1,
        })
        .collect();
    // Workers who served this customer before (their completed orders, most recent 50).
    let previous: Vec<WorkerId> = service_order::Entity::find()
        .select_only()
        .column(service_order::Column::WorkerId)
        .filter(service_order::Column::CustomerId.eq(row.customer_id))
        .filter(service_order::Column::State.is_in(EARNED))
        .filter(service_order::Column::WorkerId.is_not_null())
        .limit(50)
        .into_tuple::<Option<Uuid>>()
        .all(db)
        .await?
        .into_iter()
        .flatten()
        .collect::<HashSet<_>>()
        .into_iter()
        .map(WorkerId)
        .collect();
    Ok(OrderRequest {
        id: OrderId(row.id),
        at: LatLng::new(row.lat, row.lng),
        area: area.id,
        window_start: row.window_start.timestamp(),
        window_end: row.window_end.timestamp(),
        duration: i64::from(row.duration_min.max(1)) * 60,
        requirements,
        preferred: None,
        previous,
        excluded: excluded(app, row.id).await?,
        deposit_required: crate::deposits::gate::required(app, db, row).await?,
    })
}

/// Workers who must not be offered the order again: they rejected it or let an offer of
/// it expire (the offers' answers, and reject events made outside the offer flow).
pub async fn excluded(app: &App, order_id: Uuid) -> Result<Vec<WorkerId>> {
    let db = app.store.db();
    let mut out: HashSet<Uuid> = rows::offers_of_order(db, order_id)
        .await?
        .into_iter()
        .filter(|o| o.status == rows::status::REJECTED || o.status == rows::status::EXPIRED)
        .map(|o| o.worker_id)
        .collect();
    for e in order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(order_id))
        .filter(order_event::Column::Action.eq("reject"))
        .all(db)
        .await?
    {
        if let Some(w) = e.actor_id {
            out.insert(w);
        }
    }
    let mut v: Vec<WorkerId> = out.into_iter().map(WorkerId).collect();
    v.sort();
    Ok(v)
}

/// The columns of a worker's order of the day that a snapshot reads: worker, state,
/// total, place, window start.
type DayOrderRow = (
    Uuid,
    Option<Uuid>,
    String,
    i64,
    f64,
    f64,
    DateTime<Utc>,
    DateTime<Utc>,
    i32,
);

/// A worker's order of the day as a snapshot reads it.
struct DayOrder {
    id: Uuid,
    worker_id: Option<Uuid>,
    state: String,
    total_fen: i64,
    lat: f64,
    lng: f64,
    window_start: DateTime<Utc>,
    window_end: DateTime<Utc>,
    duration_min: i32,
}

impl DayOrder {
    fn visit(&self) -> Visit {
        Visit {
            key: self.id,
            at: LatLng::new(self.lat, self.lng),
            window_start: self.window_start.timestamp(),
            window_end: self.window_end.timestamp(),
            duration: i64::from(self.duration_min.max(1)) * 60,
        }
    }
}

impl From<DayOrderRow> for DayOrder {
    fn from(
        (id, worker_id, state, total_fen, lat, lng, window_start, window_end, duration_min): DayOrderRow,
    ) -> Self {
        Self {
            id,
            worker_id,
            state,
            total_fen,
            lat,
            lng,
            window_start,
            window_end,
            duration_min,
        }
    }
}

async fn snapshots(
    app: &App,
    pool_codes: &[String],
    city_areas: &[Uuid],
    (tz, date): (Tz, NaiveDate),
    required: &BTreeMap<String, Vec<String>>,
    (order_id, only): (Uuid, Option<Uuid>),
    now: DateTime<Utc>,
) -> Result<Vec<WorkerSnapshot>> {
    let db = app.store.db();
    // The pool's rows (the node's copy while current); a claim asks about one worker.
    let (list, staff, skills) = match only {
        None => {
            let rows = daojia_store::repo::pool_rows::get(db, pool_codes, date, date).await?;
            let staff = Staff::from_rows(&rows, required.clone());
            (rows.workers.clone(), staff, rows.skills.clone())
        }
        Some(w) => {
            let list = worker::Entity::find()
                .filter(worker::Column::AreaCode.is_in(pool_codes.iter().map(String::as_str)))
                .filter(worker::Column::Status.ne("left"))
                .filter(worker::Column::Id.eq(w))
                .all(db)
                .await?;
            let staff = Staff::of(db, list.clone(), required.clone(), date, date).await?;
            let skills = worker_skill::Entity::find()
                .filter(worker_skill::Column::WorkerId.eq(w))
                .all(db)
                .await?;
            (list, staff, skills)
        }
    };
    if list.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = list.iter().map(|w| w.id).collect();
    let mut levels: HashMap<Uuid, Vec<Skill>> = HashMap::new();
    for s in skills {
        levels.entry(s.worker_id).or_default().push(Skill {
            code: s.skill,
            level: u8::try_from(s.level.max(1)).unwrap_or(u8::MAX),
        });
    }
    // The day's orders of these workers: load, earnings, the last job's place, and the
    // visits still on a route (the day's schedule).
    let start = slots::midnight(tz, date);
    let end = slots::midnight(tz, date + Duration::days(1));
    let day_orders: Vec<DayOrder> = service_order::Entity::find()
        .select_only()
        .columns([
            service_order::Column::Id,
            service_order::Column::WorkerId,
            service_order::Column::State,
            service_order::Column::TotalFen,
            service_order::Column::Lat,
            service_order::Column::Lng,
            service_order::Column::WindowStart,
            service_order::Column::WindowEnd,
            service_order::Column::DurationMin,
        ])
        .filter(service_order::Column::WorkerId.is_in(ids.clone()))
        .filter(service_order::Column::State.is_in(TAKEN.iter().copied().chain(["after_sales"])))
        .filter(service_order::Column::WindowStart.gte(start))
        .filter(service_order::Column::WindowStart.lt(end))
        .filter(service_order::Column::Id.ne(order_id))
        .into_tuple::<DayOrderRow>()
        .all(db)
        .await?
        .into_iter()
        .map(DayOrder::from)
        .collect();
    let mut on_route: HashMap<(Uuid, NaiveDate), Vec<Visit>> = HashMap::new();
    for o in day_orders
        .iter()
        .filter(|o| ON_A_ROUTE.iter().any(|s| s.as_str() == o.state))
    {
        if let Some(w) = o.worker_id {
            on_route.entry((w, date)).or_default().push(o.visit());
        }
    }
    let mut days: HashMap<Uuid, (Shift, Vec<Visit>)> =
        slots::days_of(&staff, tz, date, 1, on_route)
            .pop()
            .map(|(_, ws)| {
                ws.into_iter()
                    .map(|d| (d.worker, (d.shift, d.visits)))
                    .collect()
            })
            .unwrap_or_default();
    let on_time = on_time_rates(app, now).await?;
    // Live reports and check-ins recorded in the positions index (one read for the pool).
    let recorded = positions::recorded(app, &ids, now).await;
    let deposits = crate::deposits::gate::usable(app, db, &ids).await?;
    let mut out = Vec::with_capacity(list.len());
    for w in list {
        let home = LatLng::new(w.home_lat, w.home_lng);
        let mine: Vec<&DayOrder> = day_orders
            .iter()
            .filter(|o| o.worker_id == Some(w.id))
            .collect();
        let earnings_today = mine
            .iter()
            .filter(|o| EARNED.contains(&o.state.as_str()))
            .map(|o| o.total_fen)
            .sum();
        // The place of the latest job already begun or done.
        let last_job = mine
            .iter()
            .filter(|o| {
                matches!(
                    o.state.as_str(),
                    "arrived"
                        | "in_service"
                        | "pending_settlement"
                        | "awaiting_balance"
                        | "completed"
                        | "after_sales"
                )
            })
            .max_by_key(|o| o.window_start)
            .map(|o| (LatLng::new(o.lat, o.lng), o.window_start.timestamp()));
        let (at, source, _) = positions::best(recorded.get(&w.id), last_job, home);
        let (shift, jobs) = match days.remove(&w.id) {
            Some((s, v)) => (Some(s), v),
            None => (None, vec![]),
        };
        let certificates = certificates_of(staff.certificates(w.id), required, tz);
        out.push(WorkerSnapshot {
            id: WorkerId(w.id),
            home,
            presence: Presence {
                at,
                source,
                online: w.online,
                accepting: w.online && w.accepting,
                seen_at: w.presence_at.map_or(0, |t| t.timestamp()),
            },
            skills: levels.remove(&w.id).unwrap_or_default(),
            certificates,
            areas: city_areas.to_vec(),
            status: status_of(&w.status),
            grab_rights: w.grab_suspended_until.is_none_or(|t| t <= now),
            credit: u8::try_from(w.credit_score.clamp(0, 100)).unwrap_or(0),
            rating: (w.rating_tenths > 0).then(|| f64::from(w.rating_tenths) / 10.0),
            on_time_rate: on_time.get(&w.id).copied(),
            jobs_today: u32::try_from(mine.len()).unwrap_or(u32::MAX),
            earnings_today,
            daily_limit: w.daily_job_limit.and_then(|l| u32::try_from(l.max(0)).ok()),
            partner: w.partner_id,
            deposit: deposits.get(&w.id).copied().unwrap_or(0),
            shift,
            jobs,
        });
    }
    Ok(out)
}

/// A worker's certificates as the engine sees them: for each skill that needs
/// certificates, one valid until the earliest expiry among the kinds it needs (each kind
/// proved by the approved certificate that lasts longest); none when a kind is missing.
fn certificates_of(
    held: &[daojia_domain::worker::Certificate],
    required: &BTreeMap<String, Vec<String>>,
    tz: Tz,
) -> Vec<Certificate> {
    let mut out = vec![];
    for (skill, kinds) in required {
        let mut until: Option<DateTime<Utc>> = None;
        let mut all = true;
        for kind in kinds {
            let best = held
                .iter()
                .filter(|c| &c.kind == kind && c.skill.as_deref().is_none_or(|s| s == skill))
                .map(|c| match c.expires_on {
                    // Valid through its last day.
                    Some(last) => slots::midnight(tz, last + Duration::days(1)),
                    None => DateTime::<Utc>::MAX_UTC,
                })
                .max();
            match best {
                Some(t) => until = Some(until.map_or(t, |u| u.min(t))),
                None => all = false,
            }
        }
        if all && let Some(expires_at) = until {
            out.push(Certificate {
                skill: skill.clone(),
                expires_at,
            });
        }
    }
    out
}

/// How long a node keeps the on-time rates before computing them again: a rate over 90
/// days moves by a few visits in that time, and computing it reads every check-in.
pub const ON_TIME_KEPT: Duration = Duration::minutes(10);

/// Share of check-ins within the window over the last 90 days, per worker, as computed at
/// most [`ON_TIME_KEPT`] before `now` by this node.
async fn on_time_rates(app: &App, now: DateTime<Utc>) -> Result<Arc<HashMap<Uuid, f64>>> {
    let kept = |at: DateTime<Utc>| at <= now && now - at < ON_TIME_KEPT;
    if let Some((at, rates)) = app.memo.on_time.lock().expect("not poisoned").as_ref()
        && kept(*at)
    {
        return Ok(rates.clone());
    }
    let rates = Arc::new(compute_on_time_rates(app, now).await?);
    *app.memo.on_time.lock().expect("not poisoned") = Some((now, rates.clone()));
    Ok(rates)
}

/// Share of check-ins within the window over the last 90 days, per worker.
async fn compute_on_time_rates(app: &App, now: DateTime<Utc>) -> Result<HashMap<Uuid, f64>> {
    let db = app.store.db();
    let since = now - Duration::days(90);
    let checks = order_event::Entity::find()
        .filter(order_event::Column::Action.eq("check_in"))
        .filter(order_event::Column::At.gte(since))
        .all(db)
        .await?;
    if checks.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: HashSet<Uuid> = checks.iter().map(|e| e.order_id).collect();
    let mut windows: HashMap<Uuid, (Uuid, DateTime<Utc>)> = HashMap::new();
    for chunk in ids.into_iter().collect::<Vec<_>>().chunks(500) {
        for (id, worker, end) in service_order::Entity::find()
            .select_only()
            .column(service_order::Column::Id)
            .column(service_order::Column::WorkerId)
            .column(service_order::Column::WindowEnd)
            .filter(service_order::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple::<(Uuid, Option<Uuid>, DateTime<Utc>)>()
            .all(db)
            .await?
        {
            if let Some(w) = worker {
                windows.insert(id, (w, end));
            }
        }
    }
    let mut tally: HashMap<Uuid, (u32, u32)> = HashMap::new();
    for e in checks {
        if let Some((w, end)) = windows.get(&e.order_id) {
            let t = tally.entry(*w).or_default();
            t.1 += 1;
            if e.at <= *end {
                t.0 += 1;
            }
        }
    }
    Ok(tally
        .into_iter()
        .map(|(w, (on, all))| (w, f64::from(on) / f64::from(all)))
        .collect())
}
