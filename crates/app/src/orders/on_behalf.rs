//! Order on behalf (代客下单): customer service places an order for a caller with the same
//! pricing, windows, capacity claim and policies as the app ([`super::place`]), and the
//! placement is recorded in the audit log under the agent's name, in the same transaction.

use super::StaffCall;
use super::place::{self, PlaceOrder, Placing};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_store::repo::accounts;
use daojia_store::repo::audit::{self, AuditEntry};

/// Places `input` for its customer (who must exist: see
/// [`crate::customers::callers::register`]) with the transaction left open, like
/// [`place::begin`].
pub async fn begin(
    app: &App,
    staff: &StaffCall,
    input: PlaceOrder,
    now: DateTime<Utc>,
) -> Result<Placing> {
    if accounts::customer(app.store.db(), input.customer)
        .await?
        .is_none()
    {
        return Err(Error::field(
            "customer_id",
            "unknown_customer",
            "no customer with this id; look the caller up by phone first",
        ));
    }
    let placing = place::begin(app, input, now, staff.request_id.as_deref()).await?;
    let entry = AuditEntry {
        actor_type: "staff".into(),
        actor_id: Some(staff.id),
        actor_name: Some(staff.name.clone()),
        action: "order.place_on_behalf".into(),
        target_type: "order".into(),
        target_id: Some(placing.row.id.to_string()),
        before: None,
        after: Some(serde_json::json!({
            "order_no": placing.row.order_no,
            "customer_id": placing.row.customer_id,
        })),
        request_id: staff.request_id.clone(),
        ip: staff.ip.clone(),
    };
    if let Err(e) = audit::record(&app.store, placing.tx(), entry, now).await {
        placing.rollback().await;
        return Err(e.into());
    }
    Ok(placing)
}
