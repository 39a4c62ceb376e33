//! The outbox consumer that turns every committed order change into realtime messages
//! (`order.changed` on the order's, its area board's and its worker's topics), and every
//! SOS raised during a visit (`safety.sos`) into a `safety.sos` message on the order's area
//! board, where the console's safety alerts page (安全警报) and the dispatch board listen.
//!
//! One relay in the cluster delivers each event to it; with Redis the hub fans the message
//! out to every node, so each connected client hears of a change once. It publishes the
//! order as it is when the event is handled (a later version than the event's when more
//! changes followed): the message id `{order}:{version}` lets clients drop repeats.

use crate::state::AppState;
use daojia_app::outbox::{Consumer, Event, HandleError};
use daojia_store::repo::orders;

/// The outbox topic (and realtime event) of an SOS.
pub const SOS: &str = "safety.sos";

/// Publishes order changes to the realtime hub.
pub struct OrderFeed {
    state: AppState,
}

impl OrderFeed {
    /// A feed over `state`'s store and hub.
    pub fn new(state: AppState) -> OrderFeed {
        OrderFeed { state }
    }
}

#[async_trait::async_trait]
impl Consumer for OrderFeed {
    fn name(&self) -> &'static str {
        "realtime.order_changed"
    }

    fn wants(&self, topic: &str) -> bool {
        topic.starts_with("order.") || topic == SOS
    }

    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        if event.topic == SOS {
            // The alert's facts only (no position, no note): the console fetches the alert.
            if let Some(area) = event.payload["area_code"].as_str() {
                super::publish::publish(
                    self.state.shared.hub(),
                    &super::topics::board(area),
                    SOS,
                    &event.id.to_string(),
                    &event.payload,
                )
                .await?;
            }
            return Ok(());
        }
        let Some(row) = orders::get(self.state.store.db(), event.aggregate_id).await? else {
            return Ok(());
        };
        super::publish_order_changed(self.state.shared.hub(), &row).await?;
        Ok(())
    }
}
