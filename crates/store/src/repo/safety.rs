//! SOS alerts (紧急求助) raised during a visit by its worker or its customer: stored with
//! the position (encrypted) and an outbox event `safety.sos` in one transaction; one open
//! alert per order and raiser (a second press answers the open one); acknowledged and
//! resolved by staff.

use crate::entity::sos_alert;
use crate::repo::{Page, PageRequest, outbox};
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Encryption context of an alert's position.
pub const POSITION: &str = "safety.position";

/// Statuses.
pub mod status {
    /// Raised, nobody has answered yet.
    pub const OPEN: &str = "open";
    /// Staff are on it.
    pub const ACKNOWLEDGED: &str = "acknowledged";
    /// Closed with a note.
    pub const RESOLVED: &str = "resolved";
}

/// An alert to raise.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// The order.
    pub order_id: Uuid,
    /// Its area.
    pub area_code: Option<String>,
    /// Its worker.
    pub worker_id: Option<Uuid>,
    /// `worker` or `customer`.
    pub raised_by_type: &'static str,
    /// Who.
    pub raised_by_id: Uuid,
    /// Where (WGS-84), when known.
    pub position: Option<LatLng>,
    /// Its accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// `caller`, `last_known` or `none`.
    pub position_source: &'static str,
    /// When the position was taken.
    pub position_at: Option<DateTime<Utc>>,
    /// What the raiser wrote.
    pub note: Option<String>,
    /// The order's state now.
    pub order_state: String,
}

fn open_key(order: Uuid, kind: &str, who: Uuid) -> String {
    format!("{}:{}:{}", order.simple(), kind, who.simple())
}

/// Raises an alert with its outbox event `safety.sos`; when the raiser already has one
/// open on the order, answers that one (`false`) and writes nothing.
pub async fn raise(
    store: &Store,
    new: &NewAlert,
    now: DateTime<Utc>,
) -> Result<(sos_alert::Model, bool), DbErr> {
    let key = open_key(new.order_id, new.raised_by_type, new.raised_by_id);
    for _ in 0..3 {
        if let Some(open) = sos_alert::Entity::find()
            .filter(sos_alert::Column::OpenKey.eq(key.as_str()))
            .one(store.db())
            .await?
        {
            return Ok((open, false));
        }
        let tx = crate::begin(store.db()).await?;
        let position_enc = new.position.map(|p| {
            store
                .vault()
                .encrypt(POSITION, &format!("{},{}", p.lat, p.lng))
        });
        let inserted = sos_alert::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(new.order_id),
            area_code: Set(new.area_code.clone()),
            worker_id: Set(new.worker_id),
            raised_by_type: Set(new.raised_by_type.into()),
            raised_by_id: Set(new.raised_by_id),
            position_enc: Set(position_enc),
            accuracy_m: Set(new.accuracy_m),
            position_source: Set(new.position_source.into()),
            position_at: Set(new.position_at),
            note: Set(new.note.clone()),
            order_state: Set(new.order_state.clone()),
            status: Set(status::OPEN.into()),
            open_key: Set(Some(key.clone())),
            raised_at: Set(now),
            acknowledged_at: Set(None),
            acknowledged_by: Set(None),
            resolved_at: Set(None),
            resolved_by: Set(None),
            resolution_note: Set(None),
        }
        .insert(&tx)
        .await;
        let row = match inserted {
            Ok(r) => r,
            Err(e) if is_unique_violation(&e) || crate::is_retryable(&e) => {
                let _ = tx.rollback().await;
                continue;
            }
            Err(e) => return Err(e),
        };
        // No position and no note in the event: the console fetches the alert.
        let payload = serde_json::json!({
            "alert_id": row.id,
            "order_id": row.order_id,
            "area_code": row.area_code,
            "worker_id": row.worker_id,
            "raised_by_type": row.raised_by_type,
            "order_state": row.order_state,
            "at": now,
        });
        outbox::append(&tx, "safety.sos", row.order_id, &payload, now).await?;
        tx.commit().await?;
        return Ok((row, true));
    }
    Err(DbErr::Custom(
        "the alert could not be raised; try again".into(),
    ))
}

/// An alert's position, decrypted.
pub fn position(store: &Store, row: &sos_alert::Model) -> Option<LatLng> {
    let text = store
        .vault()
        .decrypt(POSITION, row.position_enc.as_deref()?)
        .ok()?;
    let (lat, lng) = text.split_once(',')?;
    Some(LatLng::new(lat.parse().ok()?, lng.parse().ok()?))
}

/// One alert.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<sos_alert::Model>, DbErr> {
    sos_alert::Entity::find_by_id(id).one(db).await
}

/// Which alerts to list.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Not resolved only.
    pub open_only: bool,
    /// Only this area's.
    pub area_code: Option<String>,
    /// Only on orders of this partner's workers.
    pub partner: Option<Uuid>,
}

/// Alerts, newest first, a page at a time.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &AlertFilter,
    page: PageRequest,
) -> Result<Page<sos_alert::Model>, DbErr> {
    let mut q = sos_alert::Entity::find();
    if f.open_only {
        q = q.filter(sos_alert::Column::Status.ne(status::RESOLVED));
    }
    if let Some(a) = &f.area_code {
        q = q.filter(sos_alert::Column::AreaCode.eq(a.as_str()));
    }
    if let Some(p) = f.partner {
        q = q.filter(sos_alert::Column::WorkerId.in_subquery(super::orders::partner_workers(p)));
    }
    if let Some(after) = page.after {
        q = q.filter(sos_alert::Column::Id.lt(after));
    }
    let mut items = q
        .order_by_desc(sos_alert::Column::Id)
        .limit(page.limit + 1)
        .all(db)
        .await?;
    let more = items.len() as u64 > page.limit;
    items.truncate(page.limit as usize);
    let next_cursor = more
        .then(|| items.last().map(|r| r.id.to_string()))
        .flatten();
    Ok(Page { items, next_cursor })
}

/// Marks an open alert acknowledged by `staff`; `false` when it was not open.
pub async fn acknowledge(
    db: &impl ConnectionTrait,
    id: Uuid,
    staff: Uuid,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = sos_alert::Entity::update_many()
        .col_expr(sos_alert::Column::Status, Expr::value(status::ACKNOWLEDGED))
        .col_expr(sos_alert::Column::AcknowledgedAt, Expr::value(Some(now)))
        .col_expr(sos_alert::Column::AcknowledgedBy, Expr::value(Some(staff)))
        .col_expr(
            sos_alert::Column::ResolutionNote,
            Expr::value(note.map(str::to_string)),
        )
        .filter(sos_alert::Column::Id.eq(id))
        .filter(sos_alert::Column::Status.eq(status::OPEN))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Resolves an alert not yet resolved, with staff's note; `false` when it was resolved
/// already. The raiser may raise a new one after this.
pub async fn resolve(
    db: &impl ConnectionTrait,
    id: Uuid,
    staff: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = sos_alert::Entity::update_many()
        .col_expr(sos_alert::Column::Status, Expr::value(status::RESOLVED))
        .col_expr(sos_alert::Column::ResolvedAt, Expr::value(Some(now)))
        .col_expr(sos_alert::Column::ResolvedBy, Expr::value(Some(staff)))
        .col_expr(sos_alert::Column::ResolutionNote, Expr::value(note))
        .col_expr(
            sos_alert::Column::OpenKey,
            Expr::value(Option::<String>::None),
        )
        .filter(sos_alert::Column::Id.eq(id))
        .filter(sos_alert::Column::Status.ne(status::RESOLVED))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}

/// How many alerts on `order_id` are not resolved.
pub async fn unresolved_on(db: &impl ConnectionTrait, order_id: Uuid) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    sos_alert::Entity::find()
        .filter(sos_alert::Column::OrderId.eq(order_id))
        .filter(sos_alert::Column::Status.ne(status::RESOLVED))
        .count(db)
        .await
}

/// Empties where a person was and what they wrote in the alerts they raised (erasure).
pub async fn erase_raiser(
    store: &Store,
    db: &impl ConnectionTrait,
    kind: &str,
    id: Uuid,
) -> Result<(), DbErr> {
    sos_alert::Entity::update_many()
        .col_expr(
            sos_alert::Column::PositionEnc,
            Expr::value(Some(store.vault().encrypt(POSITION, ""))),
        )
        .col_expr(sos_alert::Column::Note, Expr::value(Option::<String>::None))
        .filter(sos_alert::Column::RaisedByType.eq(kind))
        .filter(sos_alert::Column::RaisedById.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
