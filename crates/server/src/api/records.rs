//! An order's tamper-evident service record for staff: its hash chain, entry by entry, and
//! whether it verifies (the chain and the daily anchors naming it).

use super::admin_workers::{app, scope_of};
use crate::http::auth::{Can, perm};
use crate::http::error::ApiResult;
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use daojia_app::records::{self, OrderRecord};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One entry of the chain.
#[derive(Serialize, ToSchema)]
pub struct RecordEntryBody {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// `event`, `check_in` or `photo`.
    pub kind: String,
    /// When (server time).
    pub at: DateTime<Utc>,
    /// The content as hashed (personal values only as salted hashes `s256:…`).
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// The previous entry's hash (hex SHA-256; zeros for the first).
    pub prev_hash: String,
    /// This entry's hash (hex SHA-256).
    pub hash: String,
}

/// An order's service record.
#[derive(Serialize, ToSchema)]
pub struct OrderRecordBody {
    /// The order.
    pub order_id: Uuid,
    /// The chain and the anchors naming it verify.
    pub verified: bool,
    /// What does not match (empty when verified).
    pub problems: Vec<String>,
    /// The entries, oldest first.
    pub entries: Vec<RecordEntryBody>,
}

impl From<OrderRecord> for OrderRecordBody {
    fn from(r: OrderRecord) -> Self {
        OrderRecordBody {
            order_id: r.order_id,
            verified: r.verified,
            problems: r.problems,
            entries: r
                .entries
                .into_iter()
                .map(|e| RecordEntryBody {
                    seq: e.seq,
                    kind: e.kind,
                    at: e.at,
                    content: serde_json::from_str(&e.body)
                        .unwrap_or(serde_json::Value::String(e.body)),
                    prev_hash: e.prev_hash,
                    hash: e.hash,
                })
                .collect(),
        }
    }
}

/// An order's service record (服务记录存证), verified now, for staff who see the order (a
/// partner's staff: their workers' orders only; any other is 404).
#[utoipa::path(operation_id = "admin_order_record", get, path = "/api/v1/admin/orders/{id}/record", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = OrderRecordBody), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn admin_record(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<OrderRecordBody>> {
    let r = records::of_order(&app(&state), scope_of(&who.staff), id).await?;
    Ok(axum::Json(r.into()))
}
