//! The `payments.refunds` outbox consumer: what an order transition means for its money,
//! done from the transition's outbox event, which commits with the transition. It books
//! the refund the transition booked on the order (refund rows through the channels, the
//! rest owed by hand in the ledger) and closes the open intents of a cancelled order.
//!
//! The use cases do the same right after their commit ([`super::refunds::after_transition`]);
//! this consumer is what makes it happen after a crash between that commit and that step.
//! Both are idempotent by transition, so an event delivered twice, or after the use case
//! did it, books nothing twice.

use super::refunds::follow_transition;
use crate::App;
use crate::outbox::{Consumer, Event, HandleError};
use daojia_domain::money::Money;
use daojia_store::repo::orders;
use daojia_store::repo::payments as repo;
use std::sync::Arc;

/// The consumer's name (its progress row).
pub const NAME: &str = "payments.refunds";

/// Books the refunds of order transitions and closes a cancelled order's open intents.
pub struct RefundsConsumer {
    app: App,
    clock: Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
}

impl RefundsConsumer {
    /// The consumer over `app`, stamping what it writes with `clock`.
    pub fn new(
        app: App,
        clock: Arc<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send + Sync>,
    ) -> RefundsConsumer {
        RefundsConsumer { app, clock }
    }
}

#[async_trait::async_trait]
impl Consumer for RefundsConsumer {
    fn name(&self) -> &'static str {
        NAME
    }

    /// The two transitions that move money back: a cancellation (its refund, less any
    /// fee; and the order's open intents) and an after-sales decision (its refund).
    fn wants(&self, topic: &str) -> bool {
        topic == orders::topic("cancel") || topic == orders::topic("resolve_after_sales")
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let Some(seq) = event.payload["seq"].as_u64() else {
            return Ok(());
        };
        let Some(step) =
            repo::order_step(self.app.store.db(), event.aggregate_id, seq as u32).await?
        else {
            return Ok(());
        };
        let cancelled =
            step.to_state == "cancelled" && step.from_state.as_deref() != Some("cancelled");
        if step.refunded_fen <= 0 && !cancelled {
            return Ok(());
        }
        follow_transition(
            &self.app,
            event.aggregate_id,
            seq as u32,
            &step.action,
            Money::fen(step.refunded_fen),
            cancelled,
            (self.clock)(),
        )
        .await?;
        Ok(())
    }
}
