//! The customer's side of the visit: the door check code (上门校验码) of their order, shown
//! in their app while the worker is on the way or at the door, for them to tell the worker
//! who has come. Nobody else reads it: not the worker, not staff.

use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::order::OrderState;
use daojia_store::repo::{orders, visits};
use uuid::Uuid;

/// The states in which the customer's app shows the code.
pub const SHOWN_IN: [OrderState; 2] = [OrderState::EnRoute, OrderState::Arrived];

/// An order's door check code for its customer.
#[derive(Debug, Clone)]
pub struct DoorCode {
    /// The order (visit).
    pub order_id: Uuid,
    /// The code.
    pub code: String,
    /// The order's state.
    pub state: OrderState,
    /// Entries the worker has left.
    pub attempts_left: u32,
}

/// The door check code of the customer's order `id` (a visit of theirs), made now if the
/// worker's departure did not make it. Someone else's order is "not found"; outside
/// [`SHOWN_IN`] it is a conflict `door_code_not_available`.
pub async fn door_code(
    app: &App,
    customer: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<DoorCode> {
    let row = orders::get(app.store.db(), id)
        .await?
        .filter(|r| r.customer_id == customer)
        .ok_or(Error::NotFound("order"))?;
    let state = orders::to_domain(&row)?.state;
    if !SHOWN_IN.contains(&state) {
        return Err(Error::conflict(
            "door_code_not_available",
            "the door check code is shown while the worker is on the way or at the door",
        ));
    }
    let rules = app.settings.visit.door.clamped();
    let (code, stored) = visits::door_code(&app.store, id, &rules, now).await?;
    Ok(DoorCode {
        order_id: id,
        code,
        state,
        attempts_left: rules
            .max_attempts
            .saturating_sub(stored.attempts.max(0) as u32),
    })
}

/// The states in which the customer's app shows who has come.
pub const ARRIVAL_SHOWN_IN: [OrderState; 2] = [OrderState::Arrived, OrderState::InService];

/// Who checked in at the customer's door (请核对服务人员).
#[derive(Debug, Clone)]
pub struct Arrival {
    /// The order (visit).
    pub order_id: Uuid,
    /// Its state.
    pub state: OrderState,
    /// The worker's name.
    pub worker_name: String,
    /// When they checked in.
    pub checked_in_at: Option<DateTime<Utc>>,
    /// The photo they took of themselves at check-in, if they did.
    pub selfie: Option<daojia_store::entity::upload::Model>,
}

/// Who is at the door of the customer's order `id`: the worker's name and the photo they
/// took of themselves when checking in, while they are at the door or serving; otherwise
/// a conflict `arrival_not_available`. Someone else's order is "not found".
pub async fn arrival(app: &App, customer: Uuid, id: Uuid) -> Result<Arrival> {
    let db = app.store.db();
    let row = orders::get(db, id)
        .await?
        .filter(|r| r.customer_id == customer)
        .ok_or(Error::NotFound("order"))?;
    let state = orders::to_domain(&row)?.state;
    if !ARRIVAL_SHOWN_IN.contains(&state) {
        return Err(Error::conflict(
            "arrival_not_available",
            "who has come is shown while the worker is at the door or serving",
        ));
    }
    let worker_name = match row.worker_id {
        Some(w) => match daojia_store::repo::accounts::worker(db, w).await? {
            Some(w) => daojia_store::repo::accounts::worker_name(&app.store, &w)
                .unwrap_or_else(|_| "•••".into()),
            None => String::new(),
        },
        None => String::new(),
    };
    let check_in = visits::of_order(db, id).await?.pop();
    let selfie = match check_in.as_ref().and_then(|c| c.selfie_upload_id) {
        Some(u) => daojia_store::repo::uploads::get(db, u).await?,
        None => None,
    };
    Ok(Arrival {
        order_id: id,
        state,
        worker_name,
        checked_in_at: check_in.map(|c| c.at),
        selfie,
    })
}
