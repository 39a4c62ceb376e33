//! A plan as the console shows it: routes with times and distances, orders left out with
//! the reason, totals against the current assignment. Stored as JSON with the plan, without
//! personal data: the workers' names (kept encrypted), their homes and the visits'
//! positions (which erasing an account clears or rounds in their own tables) are left out,
//! and [`fill_personal_data`] reads them from their rows when the plan is shown.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

/// A point (WGS-84).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct Point {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
}

/// One stop of a planned route.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanStop {
    /// `order` or `break`.
    pub kind: String,
    /// The order (orders only).
    pub order_id: Option<Uuid>,
    /// Its number.
    pub order_no: Option<String>,
    /// True for an order of another area this worker already holds (shown, not planned).
    pub elsewhere: bool,
    /// Where (orders only).
    pub at: Option<Point>,
    /// The appointment window (orders only).
    pub window_start: Option<DateTime<Utc>>,
    /// The appointment window's end.
    pub window_end: Option<DateTime<Utc>>,
    /// Arrival.
    pub arrival: DateTime<Utc>,
    /// Start of the service or break (the ETA).
    pub start: DateTime<Utc>,
    /// End of the service or break.
    pub finish: DateTime<Utc>,
    /// Kilometres driven to get here.
    pub km: f64,
}

/// One worker's planned day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanRoute {
    /// The worker.
    pub worker_id: Uuid,
    /// Employee code.
    pub worker_code: String,
    /// Name.
    pub worker_name: String,
    /// Home, where the day starts and ends.
    pub home: Point,
    /// Leaves home.
    pub departure: DateTime<Utc>,
    /// Back home.
    pub back: DateTime<Utc>,
    /// Kilometres, the way home included.
    pub km: f64,
    /// Hours from leaving home to being back.
    pub hours: f64,
    /// Orders served.
    pub orders: usize,
    /// Stops in order.
    pub stops: Vec<PlanStop>,
}

/// An order the plan leaves out.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanLeftOut {
    /// The order.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: String,
    /// Where.
    pub at: Point,
    /// The appointment window.
    pub window_start: DateTime<Utc>,
    /// Its end.
    pub window_end: DateTime<Utc>,
    /// True for an order of another area held by a worker of this plan.
    pub elsewhere: bool,
    /// Why: `no_worker_with_skills`, `capacity`, `window_unreachable`, `shift_too_short`,
    /// `max_jobs` or `fleet_full`.
    pub reason: String,
    /// The reason in words (English).
    pub message: String,
}

/// Totals of a plan or of the current assignment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanTotals {
    /// Orders served.
    pub orders: usize,
    /// Workers with orders.
    pub workers: usize,
    /// Kilometres driven.
    pub km: f64,
    /// Working hours (leaving home to being back), summed.
    pub hours: f64,
    /// Hours driving.
    pub travel_hours: f64,
    /// Visits starting after their window.
    pub late: usize,
}

/// One worker's plan against their current assignment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanWorker {
    /// The worker.
    pub worker_id: Uuid,
    /// Employee code.
    pub worker_code: String,
    /// Name.
    pub worker_name: String,
    /// Orders in the plan.
    pub plan_orders: usize,
    /// Kilometres in the plan.
    pub plan_km: f64,
    /// Hours in the plan.
    pub plan_hours: f64,
    /// Orders assigned now.
    pub current_orders: usize,
    /// Kilometres now.
    pub current_km: f64,
    /// Hours now.
    pub current_hours: f64,
    /// Late visits now.
    pub current_late: usize,
}

/// A finished plan of a day.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanResult {
    /// Orders considered (the area's booked orders of the day).
    pub orders: usize,
    /// Orders of other areas the workers hold, kept on their routes.
    pub elsewhere: usize,
    /// Workers on shift in the area's pool.
    pub workers_on_shift: usize,
    /// Seconds the search took.
    pub seconds: f64,
    /// Whether the search started from the committed plan of the day (a re-plan that keeps
    /// to its promises) rather than from scratch.
    #[serde(default)]
    pub from_committed: bool,
    /// Routes of the workers with orders.
    pub routes: Vec<PlanRoute>,
    /// Orders left out, with the reason.
    pub unassigned: Vec<PlanLeftOut>,
    /// The plan's totals.
    pub totals: PlanTotals,
    /// The current assignment's totals (orders' workers, in window order).
    pub current: PlanTotals,
    /// Per worker with orders in either: plan against now.
    pub workers: Vec<PlanWorker>,
}

impl PlanResult {
    /// The plan without personal data (to store): no names, homes or positions.
    pub fn without_personal_data(mut self) -> PlanResult {
        const NOWHERE: Point = Point { lat: 0.0, lng: 0.0 };
        for r in &mut self.routes {
            r.worker_name.clear();
            r.home = NOWHERE;
            r.stops.iter_mut().for_each(|s| s.at = None);
        }
        self.unassigned.iter_mut().for_each(|u| u.at = NOWHERE);
        self.workers.iter_mut().for_each(|w| w.worker_name.clear());
        self
    }
}

/// Fills in the workers' names and homes and the visits' positions of a stored plan from
/// their rows, as they are now.
pub async fn fill_personal_data(app: &App, plan: &mut PlanResult) -> crate::Result<()> {
    use daojia_store::entity::{service_order, worker};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let mut ids: Vec<Uuid> = plan
        .routes
        .iter()
        .map(|r| r.worker_id)
        .chain(plan.workers.iter().map(|w| w.worker_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names = HashMap::new();
    let mut homes = HashMap::new();
    for chunk in ids.chunks(500) {
        for w in worker::Entity::find()
            .filter(worker::Column::Id.is_in(chunk.to_vec()))
            .all(app.store.db())
            .await?
        {
            let name = daojia_store::repo::accounts::worker_name(&app.store, &w)
                .unwrap_or_else(|_| "•••".into());
            names.insert(w.id, name);
            let home = Point {
                lat: w.home_lat,
                lng: w.home_lng,
            };
            homes.insert(w.id, home);
        }
    }
    let orders: Vec<Uuid> = plan
        .routes
        .iter()
        .flat_map(|r| r.stops.iter().filter_map(|s| s.order_id))
        .chain(plan.unassigned.iter().map(|u| u.order_id))
        .collect();
    let mut places = HashMap::new();
    for chunk in orders.chunks(500) {
        for o in service_order::Entity::find()
            .filter(service_order::Column::Id.is_in(chunk.to_vec()))
            .all(app.store.db())
            .await?
        {
            places.insert(
                o.id,
                Point {
                    lat: o.lat,
                    lng: o.lng,
                },
            );
        }
    }
    let name = |id: &Uuid| names.get(id).cloned().unwrap_or_default();
    for r in &mut plan.routes {
        r.worker_name = name(&r.worker_id);
        if let Some(home) = homes.get(&r.worker_id) {
            r.home = *home;
        }
        for s in &mut r.stops {
            s.at = s.order_id.and_then(|o| places.get(&o).copied());
        }
    }
    for u in &mut plan.unassigned {
        if let Some(at) = places.get(&u.order_id) {
            u.at = *at;
        }
    }
    for w in &mut plan.workers {
        w.worker_name = name(&w.worker_id);
    }
    Ok(())
}
