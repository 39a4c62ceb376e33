//! Extra items (加项, issue 11): the worker proposes an item priced from the catalog; the
//! customer confirms it (it becomes an order line and the order's total grows, so what is
//! owed grows with it) or declines it. Each change bumps the order's version (so realtime
//! subscribers hear of it: the outbox event `order.extra_*` is published as the order's
//! change) and appends an entry `extra` to the order's service record, all in one
//! transaction.

use crate::entity::{order_extra, order_line, service_order};
use crate::repo::{outbox, records};
use crate::{Store, is_retryable, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::record;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

/// `proposed`: waiting for the customer.
pub const PROPOSED: &str = "proposed";
/// `confirmed`: on the bill.
pub const CONFIRMED: &str = "confirmed";
/// `declined`: not on the bill.
pub const DECLINED: &str = "declined";

/// The states of an order in which the worker may propose extras (at the door, in service).
pub const PROPOSE_STATES: [&str; 2] = ["arrived", "in_service"];
/// The states in which the customer may still decide (until they confirm the service).
pub const DECIDE_STATES: [&str; 3] = ["arrived", "in_service", "pending_settlement"];

/// Why an extra was not written.
#[derive(Debug, thiserror::Error)]
pub enum ExtraError {
    /// No such order, or no such extra on it.
    #[error("not found")]
    NotFound,
    /// The order is in a state that takes no such change (its state).
    #[error("the order is {0}")]
    State(String),
    /// Decided already, the other way (its status).
    #[error("already {0}")]
    Decided(String),
    /// Others kept changing the order.
    #[error("the order kept changing")]
    Busy,
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// An extra as proposed.
#[derive(Debug, Clone)]
pub struct NewExtra {
    /// The order.
    pub order_id: Uuid,
    /// The worker.
    pub worker_id: Uuid,
    /// The catalog item.
    pub item_code: String,
    /// Its name.
    pub item_name: String,
    /// How many.
    pub quantity: i32,
    /// One unit, 分.
    pub unit_price_fen: i64,
    /// All units, 分.
    pub total_fen: i64,
    /// Minutes it adds.
    pub duration_min: i32,
    /// The priced choices (JSON).
    pub selections: String,
    /// The phone's time, when sent later.
    pub device_at: Option<DateTime<Utc>>,
}

/// The extras of an order, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<order_extra::Model>, DbErr> {
    order_extra::Entity::find()
        .filter(order_extra::Column::OrderId.eq(order_id))
        .order_by_asc(order_extra::Column::ProposedAt)
        .order_by_asc(order_extra::Column::Id)
        .all(db)
        .await
}

/// Bumps the order's version if it is still `version` (and, with `add`, its total and
/// duration): false when someone changed it meanwhile.
async fn bump(
    tx: &DatabaseTransaction,
    o: &service_order::Model,
    add: Option<(i64, i32)>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = service_order::Entity::update_many()
        .col_expr(service_order::Column::Version, Expr::value(o.version + 1))
        .col_expr(service_order::Column::UpdatedAt, Expr::value(now));
    if let Some((fen, min)) = add {
        q = q
            .col_expr(
                service_order::Column::TotalFen,
                Expr::value(o.total_fen + fen),
            )
            .col_expr(
                service_order::Column::DurationMin,
                Expr::value(o.duration_min + min),
            );
    }
    let done = q
        .filter(service_order::Column::Id.eq(o.id))
        .filter(service_order::Column::Version.eq(o.version))
        .exec(tx)
        .await?;
    Ok(done.rows_affected == 1)
}

fn record_of(e: &order_extra::Model) -> records::Content {
    let salt = records::new_salt();
    let body = json!({
        "extra_id": e.id,
        "status": e.status,
        "worker": record::salted(&salt, &e.worker_id.to_string()),
        "item_code": e.item_code,
        "quantity": e.quantity,
        "unit_price_fen": e.unit_price_fen,
        "total_fen": e.total_fen,
        "line_id": e.line_id,
    });
    records::Content {
        kind: "extra",
        body,
        salt,
    }
}

fn event_of(e: &order_extra::Model) -> serde_json::Value {
    json!({
        "order_id": e.order_id,
        "extra_id": e.id,
        "worker_id": e.worker_id,
        "item_code": e.item_code,
        "quantity": e.quantity,
        "total_fen": e.total_fen,
        "status": e.status,
    })
}

/// Runs one attempt's outcome through the transaction: commits a value, rolls back and
/// asks for another attempt (`None`: the order changed meanwhile, or the database said to
/// run it again), or rolls back and returns the error.
async fn settle<T>(
    tx: DatabaseTransaction,
    done: Result<Option<T>, ExtraError>,
) -> Result<Option<T>, ExtraError> {
    match done {
        Ok(Some(v)) => {
            tx.commit().await?;
            Ok(Some(v))
        }
        Ok(None) => {
            let _ = tx.rollback().await;
            crate::repo::orders::tokio_free_pause().await;
            Ok(None)
        }
        Err(ExtraError::Db(e)) if is_retryable(&e) || is_unique_violation(&e) => {
            let _ = tx.rollback().await;
            crate::repo::orders::tokio_free_pause().await;
            Ok(None)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// How many times a write is tried when others change the order meanwhile.
const ATTEMPTS: usize = 5;

/// Records a proposed extra on an order at the door or in service.
pub async fn propose(
    store: &Store,
    new: &NewExtra,
    now: DateTime<Utc>,
) -> Result<order_extra::Model, ExtraError> {
    for _ in 0..ATTEMPTS {
        let tx = crate::begin(store.db()).await?;
        let done = propose_once(&tx, new, now).await;
        if let Some(row) = settle(tx, done).await? {
            return Ok(row);
        }
    }
    Err(ExtraError::Busy)
}

async fn propose_once(
    tx: &DatabaseTransaction,
    new: &NewExtra,
    now: DateTime<Utc>,
) -> Result<Option<order_extra::Model>, ExtraError> {
    let o = crate::repo::orders::get(tx, new.order_id)
        .await?
        .ok_or(ExtraError::NotFound)?;
    if !PROPOSE_STATES.contains(&o.state.as_str()) {
        return Err(ExtraError::State(o.state));
    }
    if !bump(tx, &o, None, now).await? {
        return Ok(None);
    }
    let row = order_extra::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(new.order_id),
        worker_id: Set(new.worker_id),
        item_code: Set(new.item_code.clone()),
        item_name: Set(new.item_name.clone()),
        quantity: Set(new.quantity),
        unit_price_fen: Set(new.unit_price_fen),
        total_fen: Set(new.total_fen),
        duration_min: Set(new.duration_min),
        selections: Set(new.selections.clone()),
        status: Set(PROPOSED.into()),
        proposed_at: Set(now),
        device_at: Set(new.device_at),
        decided_at: Set(None),
        line_id: Set(None),
    }
    .insert(tx)
    .await?;
    outbox::append(tx, "order.extra_proposed", o.id, &event_of(&row), now).await?;
    records::append(tx, o.id, record_of(&row), now).await?;
    Ok(Some(row))
}

/// The customer's decision on an extra: confirmed, it becomes the order's next line and
/// its total grows by it; declined, it stays off the bill. The same decision again changes
/// nothing and answers the extra (`false`); the other one is [`ExtraError::Decided`].
pub async fn decide(
    store: &Store,
    order_id: Uuid,
    extra_id: Uuid,
    confirm: bool,
    now: DateTime<Utc>,
) -> Result<(order_extra::Model, bool), ExtraError> {
    let wanted = if confirm { CONFIRMED } else { DECLINED };
    for _ in 0..ATTEMPTS {
        let tx = crate::begin(store.db()).await?;
        let done = decide_once(&tx, order_id, extra_id, confirm, wanted, now).await;
        if let Some(v) = settle(tx, done).await? {
            return Ok(v);
        }
    }
    Err(ExtraError::Busy)
}

async fn decide_once(
    tx: &DatabaseTransaction,
    order_id: Uuid,
    extra_id: Uuid,
    confirm: bool,
    wanted: &str,
    now: DateTime<Utc>,
) -> Result<Option<(order_extra::Model, bool)>, ExtraError> {
    let e = order_extra::Entity::find_by_id(extra_id)
        .one(tx)
        .await?
        .filter(|e| e.order_id == order_id)
        .ok_or(ExtraError::NotFound)?;
    if e.status == wanted {
        return Ok(Some((e, false)));
    }
    if e.status != PROPOSED {
        return Err(ExtraError::Decided(e.status));
    }
    let o = crate::repo::orders::get(tx, order_id)
        .await?
        .ok_or(ExtraError::NotFound)?;
    if !DECIDE_STATES.contains(&o.state.as_str()) {
        return Err(ExtraError::State(o.state));
    }
    let add = confirm.then_some((e.total_fen, e.duration_min));
    if !bump(tx, &o, add, now).await? {
        return Ok(None);
    }
    let mut line_id = None;
    if confirm {
        let last = order_line::Entity::find()
            .filter(order_line::Column::OrderId.eq(order_id))
            .order_by_desc(order_line::Column::Position)
            .one(tx)
            .await?;
        let id = Uuid::now_v7();
        order_line::ActiveModel {
            id: Set(id),
            order_id: Set(order_id),
            position: Set(last.map_or(0, |l| l.position + 1)),
            item_code: Set(e.item_code.clone()),
            item_name: Set(e.item_name.clone()),
            quantity: Set(e.quantity),
            unit_price_fen: Set(e.unit_price_fen),
            total_fen: Set(e.total_fen),
            duration_min: Set(e.duration_min),
            selections: Set(e.selections.clone()),
        }
        .insert(tx)
        .await?;
        line_id = Some(id);
    }
    let mut row: order_extra::ActiveModel = e.into();
    row.status = Set(wanted.into());
    row.decided_at = Set(Some(now));
    row.line_id = Set(line_id);
    let row = row.update(tx).await?;
    let topic = if confirm {
        "order.extra_confirmed"
    } else {
        "order.extra_declined"
    };
    outbox::append(tx, topic, order_id, &event_of(&row), now).await?;
    records::append(tx, order_id, record_of(&row), now).await?;
    Ok(Some((row, true)))
}
