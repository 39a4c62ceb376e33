//! The outbox consumer of automatic dispatch: an order event that leaves the order waiting
//! for a worker (paid, an offer rejected or expired, the worker released by a reschedule)
//! runs a dispatch step; any other event that takes the order away from the offer flow
//! (assigned by staff or a plan, claimed, cancelled) withdraws its open offers and takes it
//! out of the grab pool.
//!
//! Delivery is at least once and a step looks at the order as it is now, so an event seen
//! twice or late does no harm: a step on an order that is not waiting does nothing.

use super::auto::step;
use crate::App;
use crate::outbox::{Consumer, Event, HandleError};
use chrono::{DateTime, Utc};
use daojia_store::repo::dispatch as rows;
use std::sync::Arc;

/// The consumer's name (its progress row).
pub const NAME: &str = "dispatch.auto";

/// Runs automatic dispatch from order events.
pub struct AutoDispatch {
    app: App,
    clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
}

impl AutoDispatch {
    /// The consumer over `app`, deciding at `clock`'s time.
    pub fn new(app: App, clock: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>) -> AutoDispatch {
        AutoDispatch { app, clock }
    }
}

#[async_trait::async_trait]
impl Consumer for AutoDispatch {
    fn name(&self) -> &'static str {
        NAME
    }

    fn wants(&self, topic: &str) -> bool {
        topic.starts_with("order.") && self.app.settings.dispatch.any_auto()
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let id = event.aggregate_id;
        let now = (self.clock)();
        match event.payload["to"].as_str() {
            Some("pending_dispatch") => match step(&self.app, id, now).await {
                Ok(s) => {
                    tracing::debug!(order = %id, step = ?s, "dispatch step");
                    Ok(())
                }
                // The database: try again later.
                Err(crate::Error::Db(e)) => Err(e.into()),
                // Anything else would fail the same way again: logged, not retried.
                Err(e) => {
                    tracing::warn!(order = %id, error = %e, "dispatch step failed");
                    Ok(())
                }
            },
            Some("pending_accept") | None => Ok(()),
            Some(_) => {
                // Reads first: most orders have nothing open, and a write would take
                // SQLite's write lock for nothing.
                let db = self.app.store.db();
                let offers = rows::offers_of_order(db, id).await?;
                if offers.iter().any(|o| o.status == rows::status::OPEN) {
                    rows::withdraw_open(db, id, now).await?;
                }
                if rows::grab_entry(db, id).await?.is_some() {
                    rows::leave_grab(db, id).await?;
                }
                Ok(())
            }
        }
    }
}
