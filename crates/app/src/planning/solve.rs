//! Solving a loaded day: from scratch, or (when the day has a committed plan) as a re-plan
//! that starts from the committed routes and keeps to their promises: an order committed to
//! a worker costs [`STABILITY`]`.move_cost` to give to another, and a start moved more than
//! the tolerance from the committed one costs [`STABILITY`]`.shift_cost`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use daojia_dispatch::day::{DayProblem, DayTotals, StopKind};
use daojia_dispatch::vrp::replan::{Stability, replan};
use daojia_dispatch::vrp::{
    Activity, Progress, Route, Solution, SolveOptions, Stop, UnassignedReason, solve,
};
use daojia_domain::travel::TravelModel;
use daojia_store::entity::{route_plan_stop, service_order};
use daojia_store::repo::route_plans::NewStop;
use uuid::Uuid;

use super::MAX_SECONDS;
use super::load::Loaded;
use super::view::{PlanLeftOut, PlanResult, PlanRoute, PlanStop, PlanTotals, PlanWorker, Point};

/// What changing a committed plan costs in a re-plan (metres of driving, seconds).
pub const STABILITY: Stability = Stability {
    move_cost: 5_000.0,
    tolerance: 15.0 * 60.0,
    shift_cost: 1_000.0,
};

/// A solved day: the view, the stops to store, the plan's cost.
#[derive(Debug, Clone)]
pub struct Solved {
    /// The plan as shown.
    pub result: PlanResult,
    /// Its stops.
    pub stops: Vec<NewStop>,
    /// Its cost (travel and time).
    pub cost: f64,
}

fn totals(t: &DayTotals) -> PlanTotals {
    PlanTotals {
        orders: t.orders,
        workers: t.workers,
        km: t.meters / 1000.0,
        hours: t.seconds / 3600.0,
        travel_hours: t.travel_seconds / 3600.0,
        late: t.late,
    }
}

fn time(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// The stable name of a reason.
pub fn reason_code(r: UnassignedReason) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The committed routes as a solution of `day`: the stops of orders still held by the
/// worker they were committed to, and the breaks, in committed order.
pub fn told_plan(day: &DayProblem, committed: &[route_plan_stop::Model]) -> Solution {
    let mut by_worker: Vec<(Uuid, Vec<&route_plan_stop::Model>)> = Vec::new();
    for s in committed {
        match by_worker.iter_mut().find(|(w, _)| *w == s.worker_id) {
            Some((_, v)) => v.push(s),
            None => by_worker.push((s.worker_id, vec![s])),
        }
    }
    let rel = |t: DateTime<Utc>| (t.timestamp() - day.midnight) as f64;
    let mut routes = Vec::new();
    for (worker, mut stops) in by_worker {
        let Some(w) = day.worker_index(worker) else {
            continue;
        };
        stops.sort_by_key(|s| s.seq);
        let has_break = !day.problem.workers[w].breaks.is_empty();
        let mut out = Vec::new();
        for s in stops {
            let activity = match s.order_id {
                Some(order) => {
                    let Some(j) = day.order_index(order) else {
                        continue;
                    };
                    if day.orders[j].stage.worker() != Some(worker) {
                        continue;
                    }
                    Activity::Job(j)
                }
                None if has_break => Activity::Break(0),
                None => continue,
            };
            out.push(Stop {
                activity,
                arrival: rel(s.arrival),
                start: rel(s.start_at),
            });
        }
        if !out.iter().any(|s| matches!(s.activity, Activity::Job(_))) {
            continue;
        }
        let departure = day.problem.workers[w].shift.start;
        let end = out.last().map_or(departure, |s| s.start);
        routes.push(Route {
            worker: w,
            departure,
            stops: out,
            end,
        });
    }
    Solution {
        routes,
        unassigned: Vec::new(),
    }
}

/// Solves a loaded day (on the calling thread: call it off the request path) with a time
/// limit, reporting to `progress`; from the committed plan's stops when given.
pub fn solve_day(
    loaded: &Loaded,
    travel: &TravelModel,
    seconds: f64,
    threads: usize,
    progress: Option<Arc<Progress>>,
    committed: Option<&[route_plan_stop::Model]>,
) -> Result<Solved, String> {
    let started = std::time::Instant::now();
    let day = DayProblem::build(&loaded.input, travel).map_err(|e| e.to_string())?;
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(seconds.clamp(0.0, MAX_SECONDS)),
        seed: 1,
        threads: threads.max(1),
        progress,
        ..SolveOptions::default()
    };
    let told = committed
        .map(|c| told_plan(&day, c))
        .filter(|t| !t.routes.is_empty());
    let solution = match &told {
        Some(t) => replan(&day.problem, t, &STABILITY, &options),
        None => solve(&day.problem, &options),
    }
    .map_err(|e| e.to_string())?;
    let cost = solution.totals(&day.problem).cost;
    let plan = day.plan(&solution);
    let rows: HashMap<Uuid, &service_order::Model> = loaded
        .day
        .orders
        .iter()
        .chain(&loaded.day.elsewhere)
        .map(|o| (o.id, o))
        .collect();
    let workers: HashMap<Uuid, &daojia_store::entity::worker::Model> = loaded
        .day
        .workers
        .iter()
        .map(|o| (o.worker.id, &o.worker))
        .collect();
    let name = |id: Uuid| loaded.worker_names.get(&id).cloned().unwrap_or_default();
    let mut stored = Vec::new();
    let routes = plan
        .routes
        .iter()
        .map(|r| {
            let w = workers.get(&r.worker);
            let home = w.map_or(Point { lat: 0.0, lng: 0.0 }, |w| Point {
                lat: w.home_lat,
                lng: w.home_lng,
            });
            let stops: Vec<PlanStop> = r
                .stops
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let (kind, order, elsewhere) = match s.kind {
                        StopKind::Order { order, elsewhere } => {
                            ("order", rows.get(&order), elsewhere)
                        }
                        StopKind::Break => ("break", None, false),
                    };
                    stored.push(NewStop {
                        worker_id: r.worker,
                        seq: i32::try_from(k).unwrap_or(i32::MAX),
                        kind,
                        order_id: order.map(|o| o.id),
                        order_version: order.map(|o| o.version),
                        elsewhere,
                        arrival: time(s.arrival),
                        start: time(s.start),
                        finish: time(s.finish),
                    });
                    PlanStop {
                        kind: kind.into(),
                        order_id: order.map(|o| o.id),
                        order_no: order.map(|o| o.order_no.clone()),
                        elsewhere,
                        at: order.map(|o| Point {
                            lat: o.lat,
                            lng: o.lng,
                        }),
                        window_start: order.map(|o| o.window_start),
                        window_end: order.map(|o| o.window_end),
                        arrival: time(s.arrival),
                        start: time(s.start),
                        finish: time(s.finish),
                        km: s.meters / 1000.0,
                    }
                })
                .collect();
            PlanRoute {
                worker_id: r.worker,
                worker_code: w.map(|w| w.code.clone()).unwrap_or_default(),
                worker_name: name(r.worker),
                home,
                departure: time(r.departure),
                back: time(r.home),
                km: r.meters / 1000.0,
                hours: r.seconds / 3600.0,
                orders: stops.iter().filter(|s| s.kind == "order").count(),
                stops,
            }
        })
        .collect();
    let unassigned = plan
        .unassigned
        .iter()
        .filter_map(|u| {
            let o = rows.get(&u.order)?;
            Some(PlanLeftOut {
                order_id: o.id,
                order_no: o.order_no.clone(),
                at: Point {
                    lat: o.lat,
                    lng: o.lng,
                },
                window_start: o.window_start,
                window_end: o.window_end,
                elsewhere: o.area_code.as_deref() != Some(loaded.day.area.code.as_str()),
                reason: reason_code(u.reason),
                message: u.reason.to_string(),
            })
        })
        .collect();
    let mut per_worker: Vec<PlanWorker> = Vec::new();
    for w in loaded.day.workers.iter().map(|o| &o.worker) {
        let planned = plan.totals.per_worker.iter().find(|x| x.worker == w.id);
        let current = plan.current.per_worker.iter().find(|x| x.worker == w.id);
        if planned.is_none() && current.is_none() {
            continue;
        }
        per_worker.push(PlanWorker {
            worker_id: w.id,
            worker_code: w.code.clone(),
            worker_name: name(w.id),
            plan_orders: planned.map_or(0, |x| x.orders),
            plan_km: planned.map_or(0.0, |x| x.meters / 1000.0),
            plan_hours: planned.map_or(0.0, |x| x.seconds / 3600.0),
            current_orders: current.map_or(0, |x| x.orders),
            current_km: current.map_or(0.0, |x| x.meters / 1000.0),
            current_hours: current.map_or(0.0, |x| x.seconds / 3600.0),
            current_late: current.map_or(0, |x| x.late),
        });
    }
    Ok(Solved {
        result: PlanResult {
            orders: loaded.day.orders.len(),
            elsewhere: loaded.day.elsewhere.len(),
            workers_on_shift: loaded.day.workers.len(),
            seconds: started.elapsed().as_secs_f64(),
            from_committed: told.is_some(),
            routes,
            unassigned,
            totals: totals(&plan.totals),
            current: totals(&plan.current),
            workers: per_worker,
        },
        stops: stored,
        cost,
    })
}
