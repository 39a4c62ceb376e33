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
