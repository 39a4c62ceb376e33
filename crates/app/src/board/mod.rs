//! The dispatch board (调度看板): a service area's day as a dispatcher watches it. The
//! workers of the area with their state, position and shift, each one's jobs in route
//! order with the travel legs and the times the schedule model gives them; the orders
//! still waiting for a worker, with their urgency; and the ones at risk (a job expected to
//! start after its window, an order nobody has close to its window).
//!
//! Times come from the one day model booking, dispatch and the planner share
//! ([`daojia_dispatch::matching::schedule::Day`] over `daojia_domain::workday`) with the
//! app's [`TravelTime`](daojia_domain::travel::TravelTime), from `now` on the current day.
//! Bounded: at most [`MAX_WORKERS`] workers and [`MAX_ORDERS`] waiting orders, with
//! `truncated` set when more matched.
//!
//! A worker's own day in the worker app ([`crate::workers::jobs`]) is one board row,
//! computed by [`row`].

pub mod check;
pub mod load;

use chrono::{DateTime, NaiveDate, Utc};
use daojia_dispatch::matching::schedule::Day;
use daojia_domain::geo::{LatLng, haversine_m};
use daojia_domain::order::OrderState;
use daojia_store::entity::{service_order, worker};
use daojia_store::repo::accounts;
use daojia_store::repo::slots::AWAITING_WORKER;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::planning::Point;
use crate::workers::Scope;
use crate::{App, Error, Result};
use load::{DayRows, order_skills, to_do, visit_of};

pub use check::{AssignPreview, ConflictView};

/// Most workers on one board.
pub const MAX_WORKERS: usize = 200;
/// Most waiting orders on one board.
pub const MAX_ORDERS: u64 = 500;
/// An order with nobody assigned is at risk this many minutes before its window starts.
pub const AT_RISK_LEAD_MIN: i64 = 120;

/// What to show.
#[derive(Debug, Clone, Default)]
pub struct BoardQuery {
    /// Service area code.
    pub area: String,
    /// Local date; the area's today when absent.
    pub date: Option<NaiveDate>,
    /// Only workers with this skill and orders needing it.
    pub skill: Option<String>,
}

/// A travel leg before a job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardLeg {
    /// Leaves the previous place (or home).
    pub depart: DateTime<Utc>,
    /// Arrives.
    pub arrive: DateTime<Utc>,
    /// Travel time, seconds.
    pub seconds: i64,
    /// Straight-line distance, km.
    pub km: f64,
}

/// A job on a worker's row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardJob {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// Its state.
    pub state: String,
    /// Its area.
    pub area_code: Option<String>,
    /// Where.
    pub at: Point,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end (latest start).
    pub window_end: DateTime<Utc>,
    /// The trip to it (none for a visit under way or done).
    pub travel: Option<BoardLeg>,
    /// Expected arrival.
    pub arrival: DateTime<Utc>,
    /// Expected start.
    pub start: DateTime<Utc>,
    /// Expected end.
    pub finish: DateTime<Utc>,
    /// Seconds the expected start is after the window (0 when on time).
    pub late_by_s: i64,
    /// Skills it needs.
    pub skills: Vec<String>,
}

/// A worker's shift that day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardShift {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Break start.
    pub break_start: Option<DateTime<Utc>>,
    /// Break end.
    pub break_end: Option<DateTime<Utc>>,
}

/// A worker on the board.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardWorker {
    /// Id.
    pub id: Uuid,
    /// Employee code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Their own area.
    pub area_code: Option<String>,
    /// `offline`, `idle` (online, free), `on_the_way`, `in_service` or `resting` (online,
    /// not taking orders).
    pub state: String,
    /// Where they are: on today's board the newer of a live report and the last job's
    /// place, else home; on another day's, the last job's place that day, else home.
    pub position: Point,
    /// `live`, `last_job` or `home_base`.
    pub position_source: String,
    /// Home base.
    pub home: Point,
    /// Skill codes.
    pub skills: Vec<String>,
    /// The shift (none: a day off).
    pub shift: Option<BoardShift>,
    /// Jobs of the day still to do, in route order.
    pub jobs: Vec<BoardJob>,
    /// Jobs done that day.
    pub done: u32,
}

/// An order waiting for a worker.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BoardOrder {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// `pending_dispatch` or `pending_accept` (offered).
    pub state: String,
    /// Offered to (pending accept).
    pub worker_id: Option<Uuid>,
    /// Where.
    pub at: Point,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Window end (latest start).
    pub window_end: DateTime<Utc>,
    /// Working time, minutes.
    pub duration_min: i32,
    /// Skills it needs.
    pub skills: Vec<String>,
    /// `late` (past the window), `urgent` (window ends within the hour), `soon` (within
    /// three hours) or `normal`.
    pub urgency: String,
}

/// An order at risk.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AtRisk {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// `late_start` (its worker is expected after the window) or `unassigned` (nobody
    /// has it and the window is near or past).
    pub reason: String,
    /// The worker, for `late_start`.
    pub worker_id: Option<Uuid>,
    /// Window start.
    pub window_start: DateTime<Utc>,
    /// Seconds after the window (`late_start`) or minutes left before the window starts
    /// (`unassigned`, negative once it began), in `minutes_left`.
    pub late_by_s: Option<i64>,
    /// Minutes until the window starts (`unassigned`).
    pub minutes_left: Option<i64>,
}

/// The board of an area's day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Board {
    /// Area code.
    pub area: String,
    /// Local date.
    pub date: NaiveDate,
    /// The time zone.
    pub timezone: String,
    /// As of.
    pub now: DateTime<Utc>,
    /// Workers, by code.
    pub workers: Vec<BoardWorker>,
    /// Orders waiting for a worker, by window.
    pub unassigned: Vec<BoardOrder>,
    /// Orders at risk, most urgent first.
    pub at_risk: Vec<AtRisk>,
    /// Skills of the area's workers and orders (for the filter).
    pub skills: Vec<String>,
    /// More workers or orders matched than the board shows.
    pub truncated: bool,
}

fn point(p: LatLng) -> Point {
    Point {
        lat: p.lat,
        lng: p.lng,
    }
}

fn at(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

fn urgency(o: &service_order::Model, now: DateTime<Utc>) -> &'static str {
    let left = (o.window_end - now).num_minutes();
    match left {
        l if l < 0 => "late",
        l if l < 60 => "urgent",
        l if l < 180 => "soon",
        _ => "normal",
    }
}

/// A worker's state from their orders under way and their presence.
fn worker_state(w: &worker::Model, jobs: &[&service_order::Model]) -> &'static str {
    let under = |s: OrderState| jobs.iter().any(|o| o.state == s.as_str());
    // At the door counts as at the job: the worker is there.
    if under(OrderState::InService) || under(OrderState::Arrived) {
        "in_service"
    } else if under(OrderState::EnRoute) {
        "on_the_way"
    } else if !w.online {
        "offline"
    } else if !w.accepting {
        "resting"
    } else {
        "idle"
    }
}

/// One worker's row: their jobs to do in route order with times and travel, from `now`
/// on. The board draws it; the worker app's day ([`crate::workers::jobs`]) is the same row.
pub fn row(
    app: &App,
    rows: &DayRows,
    w: &worker::Model,
    name: String,
    now: DateTime<Utc>,
) -> BoardWorker {
    let tt = app.travel.as_ref();
    let snap = rows.snapshot(w, None);
    let mine: Vec<&service_order::Model> = rows.orders_of(w.id).collect();
    let open: Vec<&service_order::Model> = mine.iter().copied().filter(|o| to_do(o)).collect();
    let visits: Vec<_> = open.iter().map(|o| visit_of(o)).collect();
    // A worker holding jobs on a day off: their day is the whole day.
    let shift = snap.shift.unwrap_or(daojia_domain::slots::Shift {
        start: rows.midnight.timestamp(),
        end: rows.midnight.timestamp() + 86_400,
        rest: None,
    });
    let day = Day::new(
        tt,
        shift,
        snap.home,
        snap.presence.at,
        &visits,
        now.timestamp(),
    );
    let legs = day.travel(tt);
    let mut from = day.origin().1;
    let mut jobs = vec![];
    for (v, t) in day.visits().iter().zip(day.times()) {
        let Some(o) = open.iter().find(|o| o.id == v.key) else {
            continue;
        };
        let under_way =
            o.state == OrderState::InService.as_str() || o.state == OrderState::Arrived.as_str();
        let travel = (!under_way).then(|| {
            let seconds = legs.seconds(from, v.at);
            BoardLeg {
                depart: at(t.arrival - seconds),
                arrive: at(t.arrival),
                seconds,
                km: (haversine_m(from, v.at) / 100.0).round() / 10.0,
            }
        });
        jobs.push(BoardJob {
            order_id: o.id,
            order_no: o.order_no.clone(),
            state: o.state.clone(),
            area_code: o.area_code.clone(),
            at: point(v.at),
            window_start: o.window_start,
            window_end: o.window_end,
            travel,
            arrival: at(t.arrival),
            start: at(t.start),
            finish: at(t.finish),
            late_by_s: (t.start - v.window_end).max(0),
            skills: order_skills(o),
        });
        from = v.at;
    }
    BoardWorker {
        id: w.id,
        code: w.code.clone(),
        name,
        area_code: w.area_code.clone(),
        state: worker_state(w, &open).into(),
        position: point(snap.presence.at),
        position_source: snap.presence.source.code().into(),
        home: point(snap.home),
        skills: snap.skills.iter().map(|s| s.code.clone()).collect(),
        shift: snap.shift.map(|s| BoardShift {
            start: at(s.start),
            end: at(s.end),
            break_start: s.rest.map(|r| at(r.0)),
            break_end: s.rest.map(|r| at(r.1)),
        }),
        jobs,
        done: u32::try_from(mine.len() - open.len()).unwrap_or(0),
    }
}

/// The board of `q.area`'s day as `scope` sees it: a partner's staff see their workers
/// only (and the orders still waiting for anyone).
pub async fn board(app: &App, scope: Scope, q: &BoardQuery, now: DateTime<Utc>) -> Result<Board> {
    let (area, tz) = load::area(app, &q.area)
        .await?
        .ok_or_else(|| Error::field("area", "unknown_area", "no service area with this code"))?;
    let date = q
        .date
        .unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let db = app.store.db();
    let areas = daojia_store::repo::catalog::areas(db).await?;
    let pool = daojia_store::repo::slots::pool_of(&areas, &area);
    let start = daojia_store::repo::slots::midnight(tz, date);
    let end = daojia_store::repo::slots::midnight(tz, date + chrono::Duration::days(1));
    // The area's orders of the day: those held by a worker of another area bring that
    // worker onto the board.
    let area_orders = service_order::Entity::find()
        .filter(service_order::Column::AreaCode.eq(area.code.as_str()))
        .filter(service_order::Column::WindowStart.gte(start))
        .filter(service_order::Column::WindowStart.lt(end))
        .filter(service_order::Column::WorkerId.is_not_null())
        .filter(
            service_order::Column::State
                .is_in(daojia_domain::order::ON_A_ROUTE.map(|s| s.as_str())),
        )
        .all(db)
        .await?;
    let guests: Vec<Uuid> = area_orders.iter().filter_map(|o| o.worker_id).collect();
    let candidates = scope
        .filter(worker::Entity::find())
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::AreaCode.is_in(pool.iter().map(String::as_str)))
        .order_by_asc(worker::Column::Code)
        .all(db)
        .await?;
    let skill_ok = |w: &worker::Model, rows: &DayRows| match &q.skill {
        None => true,
        Some(s) => rows
            .skills
            .get(&w.id)
            .is_some_and(|k| k.iter().any(|k| &k.code == s)),
    };
    let mut workers: Vec<worker::Model> = candidates
        .into_iter()
        .filter(|w| w.area_code.as_deref() == Some(area.code.as_str()) || guests.contains(&w.id))
        .collect();
    let mut truncated = workers.len() > MAX_WORKERS;
    workers.truncate(MAX_WORKERS);
    let rows = load::day_rows(app, workers, tz, date, now).await?;
    let mut skills: Vec<String> = rows
        .skills
        .values()
        .flat_map(|k| k.iter().map(|s| s.code.clone()))
        .collect();
    let mut out_workers = vec![];
    let mut at_risk = vec![];
    for w in rows.workers.iter().filter(|w| skill_ok(w, &rows)) {
        let name = accounts::worker_name(&app.store, w).unwrap_or_else(|_| "•••".into());
        let r = row(app, &rows, w, name, now);
        for j in r.jobs.iter().filter(|j| j.late_by_s > 0) {
            at_risk.push(AtRisk {
                order_id: j.order_id,
                order_no: j.order_no.clone(),
                reason: "late_start".into(),
                worker_id: Some(w.id),
                window_start: j.window_start,
                late_by_s: Some(j.late_by_s),
                minutes_left: None,
            });
        }
        out_workers.push(r);
    }
    let waiting = service_order::Entity::find()
        .filter(service_order::Column::AreaCode.eq(area.code.as_str()))
        .filter(service_order::Column::State.is_in(AWAITING_WORKER.map(|s| s.as_str())))
        .filter(service_order::Column::WindowStart.gte(start))
        .filter(service_order::Column::WindowStart.lt(end))
        .order_by_asc(service_order::Column::WindowStart)
        .order_by_asc(service_order::Column::Id)
        .limit(MAX_ORDERS + 1)
        .all(db)
        .await?;
    truncated |= waiting.len() as u64 > MAX_ORDERS;
    let mut unassigned = vec![];
    for o in waiting.iter().take(MAX_ORDERS as usize) {
        let needs = order_skills(o);
        skills.extend(needs.iter().cloned());
        if q.skill.as_ref().is_some_and(|s| !needs.contains(s)) {
            continue;
        }
        let left = (o.window_start - now).num_minutes();
        if o.state == OrderState::PendingDispatch.as_str() && left < AT_RISK_LEAD_MIN {
            at_risk.push(AtRisk {
                order_id: o.id,
                order_no: o.order_no.clone(),
                reason: "unassigned".into(),
                worker_id: None,
                window_start: o.window_start,
                late_by_s: None,
                minutes_left: Some(left),
            });
        }
        unassigned.push(BoardOrder {
            order_id: o.id,
            order_no: o.order_no.clone(),
            state: o.state.clone(),
            worker_id: o.worker_id,
            at: point(LatLng::new(o.lat, o.lng)),
            window_start: o.window_start,
            window_end: o.window_end,
            duration_min: o.duration_min,
            skills: needs,
            urgency: urgency(o, now).into(),
        });
    }
    at_risk.sort_by_key(|r| (r.window_start, r.order_id));
    skills.sort();
    skills.dedup();
    Ok(Board {
        area: area.code,
        date,
        timezone: tz.name().into(),
        now,
        workers: out_workers,
        unassigned,
        at_risk,
        skills,
        truncated,
    })
}
