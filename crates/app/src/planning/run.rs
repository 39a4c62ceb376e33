//! Starting a plan: the day is loaded and checked on the request path, the plan recorded
//! as solving, and the search runs on a blocking thread of this node while a task writes
//! its progress and heartbeat to the database, then its result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use daojia_dispatch::vrp::Progress;
use daojia_domain::travel::TravelModel;
use daojia_store::repo::route_plans::{self, Beat, Finished, NewPlan};
use uuid::Uuid;

use super::load::{Loaded, load};
use super::read::{PlanStatus, status_of, sweep};
use super::solve::{Solved, solve_day};
use super::{HEARTBEAT, MAX_ORDERS, MAX_SECONDS, MAX_WORKERS, RUNNING};
use crate::{App, Error, Result};

/// Reads the current time (the background search stamps its writes with it).
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The plans searching on this node: at most [`RUNNING`], with their live progress.
#[derive(Debug, Default)]
pub struct Solver {
    running: Mutex<HashMap<Uuid, Arc<Progress>>>,
}

impl Solver {
    /// The live progress of a plan searching on this node.
    pub fn progress(&self, id: Uuid) -> Option<Arc<Progress>> {
        self.lock().get(&id).cloned()
    }

    /// Plans searching on this node now.
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Progress>>> {
        self.running.lock().expect("no panic holding the lock")
    }

    /// Takes a place for plan `id`, if one is free.
    fn claim(self: &Arc<Self>, id: Uuid) -> Option<Place> {
        let mut running = self.lock();
        if running.len() >= RUNNING {
            return None;
        }
        let progress = Arc::new(Progress::new());
        running.insert(id, progress.clone());
        Some(Place {
            solver: self.clone(),
            id,
            progress,
        })
    }
}

/// A plan's place among the running ones; given back when dropped.
struct Place {
    solver: Arc<Solver>,
    id: Uuid,
    progress: Arc<Progress>,
}

impl Drop for Place {
    fn drop(&mut self) {
        self.solver.lock().remove(&self.id);
    }
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct StartPlan {
    /// Service area code.
    pub area: String,
    /// Local date in the area's time zone.
    pub date: NaiveDate,
    /// Time limit of the search, 0 to [`MAX_SECONDS`].
    pub seconds: f64,
    /// The staff member asking.
    pub requested_by: Uuid,
}

/// A plan started, or no place free to start it.
#[derive(Debug, Clone)]
pub enum Start {
    /// Searching: poll it.
    Started(Box<PlanStatus>),
    /// [`RUNNING`] plans are searching on this node already; try again later.
    Busy,
}

/// Starts planning an area's day: checks the request and the day's size, records the plan
/// as solving and searches off the request path (from the day's committed plan, when there
/// is one, keeping to its promises).
pub async fn start(
    app: &App,
    solver: &Arc<Solver>,
    travel: &TravelModel,
    clock: Clock,
    req: StartPlan,
    now: DateTime<Utc>,
) -> Result<Start> {
    if !(req.seconds.is_finite() && (0.0..=MAX_SECONDS).contains(&req.seconds)) {
        return Err(Error::field(
            "seconds",
            "out_of_range",
            format!("from 0 to {MAX_SECONDS} seconds"),
        ));
    }
    let area = req.area.trim();
    if area.is_empty() {
        return Err(Error::field("area", "required", "a service area code"));
    }
    sweep(app, now).await?;
    let loaded = load(app, area, req.date, now)
        .await?
        .ok_or_else(|| Error::field("area", "unknown_area", format!("no service area `{area}`")))?;
    let (orders, workers) = loaded.size();
    if orders > MAX_ORDERS || workers > MAX_WORKERS {
        return Err(Error::field(
            "area",
            "too_large",
            format!(
                "the day has {orders} orders and {workers} workers; the planner takes at most {MAX_ORDERS} and {MAX_WORKERS}"
            ),
        ));
    }
    let id = Uuid::now_v7();
    let Some(place) = solver.claim(id) else {
        return Ok(Start::Busy);
    };
    let db = app.store.db();
    let date = req.date.to_string();
    let committed = match route_plans::committed(db, area, &date).await? {
        Some(p) => Some(route_plans::stops(db, p.id).await?),
        None => None,
    };
    let row = route_plans::insert_solving(
        db,
        NewPlan {
            id,
            area: area.to_string(),
            date,
            params: serde_json::json!({ "seconds": req.seconds }),
            created_by: req.requested_by,
            orders: loaded.day.orders.len(),
            workers,
        },
        now,
    )
    .await?;
    let status = status_of(&row, Some(solver));
    tokio::spawn(run(
        app.clone(),
        place,
        loaded,
        travel.clone(),
        req.seconds,
        committed,
        clock,
    ));
    Ok(Start::Started(Box::new(status)))
}

/// Searches on a blocking thread, beating while it does; then stores the outcome.
async fn run(
    app: App,
    place: Place,
    loaded: Loaded,
    travel: TravelModel,
    seconds: f64,
    committed: Option<Vec<daojia_store::entity::route_plan_stop::Model>>,
    clock: Clock,
) {
    let id = place.id;
    let progress = place.progress.clone();
    let searching = progress.clone();
    let mut search = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            solve_day(
                &loaded,
                &travel,
                seconds,
                1,
                Some(searching),
                committed.as_deref(),
            )
        }))
        .unwrap_or_else(|_| Err("the planner failed".into()))
    });
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    let outcome = loop {
        tokio::select! {
            done = &mut search => break done.unwrap_or_else(|e| Err(format!("the planner failed: {e}"))),
            _ = beat.tick() => {
                let s = progress.snapshot();
                let b = Beat {
                    progress: (s.done * 100.0).clamp(0.0, 99.0) as i32,
                    best_cost: s.cost,
                    left_out: s.left_out,
                };
                match route_plans::heartbeat(app.store.db(), id, b, clock()).await {
                    // Declared interrupted elsewhere: nobody waits for this search.
                    Ok(false) => progress.stop(),
                    Ok(true) => {}
                    Err(e) => tracing::warn!(plan = %id, error = %e, "cannot record the plan's progress"),
                }
            }
        }
    };
    // The search is over: its place is free (storing it is not searching).
    drop(place);
    let stored = match outcome {
        Ok(solved) => store_ready(&app, id, solved, clock()).await,
        Err(e) => {
            tracing::warn!(plan = %id, error = %e, "route planning failed");
            route_plans::finish_failed(app.store.db(), id, &e, clock()).await
        }
    };
    match stored {
        Ok(true) => {}
        Ok(false) => {
            tracing::info!(plan = %id, "plan finished after it was declared interrupted; result dropped")
        }
        Err(e) => {
            tracing::error!(plan = %id, error = %e, "cannot store the plan");
            let _ = route_plans::finish_failed(
                app.store.db(),
                id,
                "the plan could not be stored",
                clock(),
            )
            .await;
        }
    }
}

async fn store_ready(
    app: &App,
    id: Uuid,
    solved: Solved,
    now: DateTime<Utc>,
) -> std::result::Result<bool, sea_orm::DbErr> {
    let r = &solved.result;
    let finished = Finished {
        planned_orders: r
            .routes
            .iter()
            .flat_map(|x| &x.stops)
            .filter(|s| s.kind == "order" && !s.elsewhere)
            .count(),
        left_out: r.unassigned.len(),
        km: r.totals.km,
        hours: r.totals.hours,
        cost: Some(solved.cost),
        result: serde_json::to_value(solved.result.clone().without_personal_data())
            .unwrap_or_default(),
        stops: solved.stops,
    };
    route_plans::finish_ready(app.store.db(), id, finished, now).await
}
