//! What the worker records during the service (服务记录, issue 11): checklist ticks per
//! order line, before and after photos, a note, the materials used. Each save is one new
//! `visit_record` row, the order's version bumped (so its realtime topic says it changed,
//! through the outbox event `order.service_recorded`) and an entry in the order's service
//! record (hash chain), in one transaction; only while the order is `in_service` and
//! assigned to the worker who records.

use crate::entity::{service_order, visit_record};
use crate::repo::records::Content;
use crate::repo::{outbox, records};
use crate::{Store, is_retryable, is_unique_violation};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// The state in which the worker records the service.
pub const RECORD_STATE: &str = "in_service";

/// Why a record was not written.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// No such order, or not the worker's.
    #[error("not found")]
    NotFound,
    /// The order is not in service (its state).
    #[error("the order is {0}")]
    State(String),
    /// Others kept changing the order.
    #[error("the order kept changing")]
    Busy,
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// One save.
#[derive(Debug, Clone)]
pub struct NewRecord {
    /// The order.
    pub order_id: Uuid,
    /// The worker recording.
    pub worker_id: Uuid,
    /// `checklist`, `photo`, `note` or `materials`.
    pub kind: &'static str,
    /// The order line (ticks; a photo may name one).
    pub line_id: Option<Uuid>,
    /// The photo's upload.
    pub upload_id: Option<Uuid>,
    /// What is stored (personal text in clear: the row is the order's data).
    pub body: Value,
    /// Its entry in the chain (personal text salted).
    pub entry: Content,
}

/// The records of an order, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<visit_record::Model>, DbErr> {
    visit_record::Entity::find()
        .filter(visit_record::Column::OrderId.eq(order_id))
        .order_by_asc(visit_record::Column::RecordedAt)
        .order_by_asc(visit_record::Column::Id)
        .all(db)
        .await
}

/// The orders a photo was recorded on.
pub async fn orders_of_upload(
    db: &impl ConnectionTrait,
    upload_id: Uuid,
) -> Result<Vec<Uuid>, DbErr> {
    Ok(visit_record::Entity::find()
        .filter(visit_record::Column::UploadId.eq(upload_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.order_id)
        .collect())
}

const ATTEMPTS: usize = 5;

/// Writes one save; see the module.
pub async fn save(
    store: &Store,
    new: &NewRecord,
    now: DateTime<Utc>,
) -> Result<visit_record::Model, RecordError> {
    for _ in 0..ATTEMPTS {
        let tx = crate::begin(store.db()).await?;
        match save_once(&tx, new, now).await {
            Ok(Some(row)) => {
                tx.commit().await?;
                return Ok(row);
            }
            Ok(None) => {
                let _ = tx.rollback().await;
            }
            Err(RecordError::Db(e)) if is_retryable(&e) || is_unique_violation(&e) => {
                let _ = tx.rollback().await;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        }
        crate::repo::orders::tokio_free_pause().await;
    }
    Err(RecordError::Busy)
}

async fn save_once(
    tx: &DatabaseTransaction,
    new: &NewRecord,
    now: DateTime<Utc>,
) -> Result<Option<visit_record::Model>, RecordError> {
    let o = crate::repo::orders::get(tx, new.order_id)
        .await?
        .filter(|o| o.worker_id == Some(new.worker_id))
        .ok_or(RecordError::NotFound)?;
    if o.state != RECORD_STATE {
        return Err(RecordError::State(o.state));
    }
    let bumped = service_order::Entity::update_many()
        .col_expr(service_order::Column::Version, Expr::value(o.version + 1))
        .col_expr(service_order::Column::UpdatedAt, Expr::value(now))
        .filter(service_order::Column::Id.eq(o.id))
        .filter(service_order::Column::Version.eq(o.version))
        .exec(tx)
        .await?;
    if bumped.rows_affected != 1 {
        return Ok(None);
    }
    let row = visit_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(new.order_id),
        worker_id: Set(new.worker_id),
        kind: Set(new.kind.into()),
        line_id: Set(new.line_id),
        upload_id: Set(new.upload_id),
        body: Set(new.body.to_string()),
        recorded_at: Set(now),
    }
    .insert(tx)
    .await?;
    let event = json!({
        "order_id": o.id,
        "worker_id": new.worker_id,
        "kind": new.kind,
        "record_id": row.id,
    });
    outbox::append(tx, "order.service_recorded", o.id, &event, now).await?;
    records::append(tx, o.id, new.entry.clone(), now).await?;
    Ok(Some(row))
}

/// The chain entry of a line's checklist ticks: the line, its item, the number of steps
/// and the positions ticked.
pub fn checklist_entry(line_id: Uuid, item_code: &str, steps: usize, ticked: &[u32]) -> Content {
    Content {
        kind: "checklist",
        body: json!({
            "line_id": line_id,
            "item_code": item_code,
            "steps": steps,
            "ticked": ticked,
        }),
        salt: records::new_salt(),
    }
}

/// The chain entry of the note: its text salted (a person wrote it), its length.
pub fn note_entry(text: &str) -> Content {
    let salt = records::new_salt();
    Content {
        kind: "note",
        body: json!({
            "text": daojia_domain::record::salted(&salt, text),
            "chars": text.chars().count(),
        }),
        salt,
    }
}

/// The chain entry of the materials used (`materials`: the list as stored), in clear.
pub fn materials_entry(materials: &Value) -> Content {
    Content {
        kind: "materials",
        body: json!({ "materials": materials }),
        salt: records::new_salt(),
    }
}

/// Erasure: the notes recorded on `orders` lose their text (a worker's words about a
/// customer's home); ticks, photos' places and materials stay with the orders.
pub async fn forget_notes(db: &impl ConnectionTrait, orders: &[Uuid]) -> Result<u64, DbErr> {
    if orders.is_empty() {
        return Ok(0);
    }
    let done = visit_record::Entity::update_many()
        .col_expr(
            visit_record::Column::Body,
            Expr::value(json!({ "text": "" }).to_string()),
        )
        .filter(visit_record::Column::Kind.eq("note"))
        .filter(visit_record::Column::OrderId.is_in(orders.iter().copied()))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
