//! A service area's day loaded for planning: the rows ([`daojia_store::repo::planning`])
//! and the solver's input made from them ([`daojia_dispatch::day`]).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use daojia_dispatch::day::{DayInput, DayOrder, DayWorker, Stage};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_store::entity::service_order;
use daojia_store::repo::planning::{PlanDay, load_day};
use uuid::Uuid;

use crate::App;

/// A day loaded for planning: the rows and the solver's input made from them.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The rows.
    pub day: PlanDay,
    /// The solver's input.
    pub input: DayInput,
    /// The workers' names, decrypted when the day was loaded (the solver runs off the
    /// request path, without the vault).
    pub worker_names: HashMap<Uuid, String>,
}

impl Loaded {
    /// Orders (the area's and the other areas') and workers.
    pub fn size(&self) -> (usize, usize) {
        (self.input.orders.len(), self.input.workers.len())
    }
}

fn skills(text: Option<&str>) -> Vec<String> {
    text.and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default()
}

fn day_order(o: &service_order::Model, elsewhere: bool) -> DayOrder {
    let state: Option<OrderState> = o.state.parse().ok();
    let stage = match (o.worker_id, state) {
        (Some(worker), _) if elsewhere => Stage::Elsewhere { worker },
        (Some(worker), Some(OrderState::EnRoute | OrderState::Arrived | OrderState::InService)) => {
            Stage::UnderWay { worker }
        }
        (Some(worker), _) => Stage::Told { worker },
        (None, _) => Stage::Open,
    };
    DayOrder {
        id: o.id,
        at: LatLng::new(o.lat, o.lng),
        window_start: o.window_start.timestamp(),
        window_end: o.window_end.timestamp(),
        duration: i64::from(o.duration_min.max(1)) * 60,
        skills: skills(o.skills.as_deref()),
        stage,
    }
}

/// The solver's input for a stored day; on the current day nothing starts before `now`.
pub fn day_input(day: &PlanDay, now: DateTime<Utc>) -> DayInput {
    let midnight = day.midnight.timestamp();
    let mut input = DayInput::new(midnight);
    input.orders = day
        .orders
        .iter()
        .map(|o| day_order(o, false))
        .chain(day.elsewhere.iter().map(|o| day_order(o, true)))
        .collect();
    let at = |minute: i32| midnight + i64::from(minute) * 60;
    // The same workers, hours (exceptions included) and dispatchable skills (certificates)
    // as slot search's (`daojia_store::repo::workers::Staff`).
    input.workers = day
        .workers
        .iter()
        .map(|on| DayWorker {
            id: on.worker.id,
            home: LatLng::new(on.worker.home_lat, on.worker.home_lng),
            skills: on.skills.clone(),
            shift_start: at(on.shift.start),
            shift_end: at(on.shift.end),
            rest: on.shift.rest.map(|(a, b)| (at(a), at(b))),
        })
        .collect();
    input.not_before = (now.timestamp() > midnight).then(|| now.timestamp());
    input
}

/// Loads the day `date` of area `area`; `None` when the area does not exist.
pub async fn load(
    app: &App,
    area: &str,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> crate::Result<Option<Loaded>> {
    Ok(load_day(app.store.db(), area, date).await?.map(|day| {
        let worker_names = day
            .workers
            .iter()
            .map(|on| {
                let w = &on.worker;
                let name = daojia_store::repo::accounts::worker_name(&app.store, w)
                    .unwrap_or_else(|_| "•••".into());
                (w.id, name)
            })
            .collect();
        Loaded {
            input: day_input(&day, now),
            day,
            worker_names,
        }
    }))
}
