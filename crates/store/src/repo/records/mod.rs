//! Each order's tamper-evident service record (服务记录存证, issue 11): a hash chain of
//! entries (see `daojia_domain::record`), appended in the transaction of the change each
//! entry records: every step of the order (its event), the check-in at the door, the
//! photos attached when it was placed. Daily anchors over the chains' heads are in
//! [`anchor`].
//!
//! Appending reads the order's newest entry and inserts the next one. Callers append after
//! the order row's update (which holds its lock until the commit) or to an order their own
//! transaction placed, so appends to one order are serialised; should two still meet, the
//! unique `(order_id, seq)` index refuses the second and its transaction is retried: a
//! chain never forks.
//!
//! Personal values (who acted, what they wrote, where the worker stood) enter an entry
//! only as salted hashes; the salt sits in its own column, outside the hash, and
//! [`forget_salts`] deletes it when the person is erased.

pub mod anchor;

use crate::entity::{order_event, service_record, upload, visit_check_in};
use chrono::{DateTime, Utc};
use daojia_domain::record::{self, Entry};
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// What an entry records, before it is placed in its chain.
#[derive(Debug, Clone)]
pub struct Content {
    /// `event`, `check_in` or `photo`.
    pub kind: &'static str,
    /// The content (personal values already salted-hashed with `salt`).
    pub body: Value,
    /// The salt of its salted hashes.
    pub salt: String,
}

/// A fresh salt: 16 random bytes, hex.
pub fn new_salt() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    hex::encode(b)
}

/// The entry of an order's step (its `order_event` row): the action, the states, the money
/// after it, who acted (their kind in clear, their id salted) and the step's detail
/// (salted: it may hold what a person wrote).
pub fn of_event(e: &order_event::Model) -> Content {
    let salt = new_salt();
    let body = json!({
        "event_seq": e.seq,
        "action": e.action,
        "from": e.from_state,
        "to": e.to_state,
        "actor_type": e.actor_type,
        "actor": e.actor_id.map(|a| record::salted(&salt, &a.to_string())),
        "detail": record::salted(&salt, &e.detail),
        "paid_fen": e.paid_fen,
        "refunded_fen": e.refunded_fen,
        "fee_fen": e.fee_fen,
    });
    Content {
        kind: "event",
        body,
        salt,
    }
}

/// The entry of a check-in at the door: the fence's verdict in clear, the worker, their
/// position and reason salted, and the SHA-256 of the photo's file (`photo`).
pub fn of_check_in(
    c: &visit_check_in::Model,
    position: (f64, f64),
    photo: Option<&upload::Model>,
    selfie: Option<&upload::Model>,
) -> Content {
    let salt = new_salt();
    let mut body = json!({
        "check_in_id": c.id,
        "worker": record::salted(&salt, &c.worker_id.to_string()),
        "position": record::salted(&salt, &format!("{:.6},{:.6}", position.0, position.1)),
        "accuracy_m": c.accuracy_m,
        "distance_m": c.distance_m,
        "radius_m": c.radius_m,
        "inside_radius": c.inside_radius,
        "on_time": c.on_time,
        "flagged": c.flagged,
        "outside": serde_json::from_str::<Value>(&c.outside).unwrap_or(Value::Null),
        "reason": c.reason.as_deref().map(|r| record::salted(&salt, r)),
        "photo_sha256": photo.map(|u| u.sha256.clone()),
    });
    // The worker's photo of themselves for the customer to check (kept out of entries
    // made before it existed, so their content is unchanged).
    if let Some(s) = selfie {
        body["selfie_sha256"] = json!(s.sha256);
    }
    Content {
        kind: "check_in",
        body,
        salt,
    }
}

/// The entry of a no-show (客户不在家): the worker and their position salted, the distance,
/// the calls tried, the photo's SHA-256, the worker's note salted, the fee kept and the
/// refund in clear.
pub fn of_no_show(
    n: &crate::entity::visit_no_show::Model,
    position: (f64, f64),
    photo: Option<&upload::Model>,
) -> Content {
    let salt = new_salt();
    let body = json!({
        "no_show_id": n.id,
        "worker": record::salted(&salt, &n.worker_id.to_string()),
        "position": record::salted(&salt, &format!("{:.6},{:.6}", position.0, position.1)),
        "accuracy_m": n.accuracy_m,
        "distance_m": n.distance_m,
        "call_attempts": n.call_attempts,
        "photo_sha256": photo.map(|u| u.sha256.clone()),
        "note": n.note.as_deref().map(|r| record::salted(&salt, r)),
        "fee_fen": n.fee_fen,
        "refunded_fen": n.refunded_fen,
    });
    Content {
        kind: "no_show",
        body,
        salt,
    }
}

/// The entry of a photo attached to the order: its purpose and the SHA-256 of its file.
pub fn of_photo(purpose: &str, u: &upload::Model) -> Content {
    Content {
        kind: "photo",
        body: json!({
            "purpose": purpose,
            "upload_id": u.id,
            "sha256": u.sha256,
            "content_type": u.content_type,
            "size_bytes": u.size_bytes,
        }),
        salt: new_salt(),
    }
}

/// The row of an entry.
pub fn row(e: &Entry, salt: String) -> service_record::ActiveModel {
    service_record::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(e.order_id),
        seq: Set(e.seq),
        kind: Set(e.kind.clone()),
        at: Set(e.at),
        body: Set(e.body.clone()),
        salt: Set(Some(salt)),
        prev_hash: Set(e.prev_hash.clone()),
        hash: Set(e.hash.clone()),
    }
}

/// The entry of a row, as hashed.
pub fn entry(m: &service_record::Model) -> Entry {
    Entry {
        order_id: m.order_id,
        seq: m.seq,
        kind: m.kind.clone(),
        at: m.at,
        body: m.body.clone(),
        prev_hash: m.prev_hash.clone(),
        hash: m.hash.clone(),
    }
}

/// The order's newest entry.
pub async fn last(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<service_record::Model>, DbErr> {
    service_record::Entity::find()
        .filter(service_record::Column::OrderId.eq(order_id))
        .order_by_desc(service_record::Column::Seq)
        .one(db)
        .await
}

/// Appends `content` to the order's chain at `at`, in `db` (the transaction of the change
/// it records, after the order row's update).
pub async fn append(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    content: Content,
    at: DateTime<Utc>,
) -> Result<service_record::Model, DbErr> {
    let prev = last(db, order_id).await?;
    let e = record::next(
        order_id,
        prev.as_ref().map(|p| (p.seq, p.hash.as_str())),
        content.kind,
        at,
        &content.body,
    );
    row(&e, content.salt).insert(db).await
}

/// The entries of a past order's events, chained in memory (the demo's bulk history).
pub fn chain_of_events(
    order_id: Uuid,
    events: &[order_event::Model],
) -> Vec<service_record::ActiveModel> {
    chain_of(order_id, events, vec![])
}

/// The entries of a past order's events and of `more` entries (each at its time), chained
/// in memory in time order (an event first when times are equal).
pub fn chain_of(
    order_id: Uuid,
    events: &[order_event::Model],
    more: Vec<(DateTime<Utc>, Content)>,
) -> Vec<service_record::ActiveModel> {
    let mut all: Vec<(DateTime<Utc>, u8, Content)> = events
        .iter()
        .map(|ev| (ev.at, 0, of_event(ev)))
        .chain(more.into_iter().map(|(at, c)| (at, 1, c)))
        .collect();
    // Stable: events keep their order among themselves.
    all.sort_by_key(|(at, rank, _)| (*at, *rank));
    let mut out = Vec::with_capacity(all.len());
    let mut prev: Option<Entry> = None;
    for (at, _, c) in all {
        let e = record::next(
            order_id,
            prev.as_ref().map(|p| (p.seq, p.hash.as_str())),
            c.kind,
            at,
            &c.body,
        );
        out.push(row(&e, c.salt));
        prev = Some(e);
    }
    out
}

/// An order's entries, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<service_record::Model>, DbErr> {
    service_record::Entity::find()
        .filter(service_record::Column::OrderId.eq(order_id))
        .order_by_asc(service_record::Column::Seq)
        .all(db)
        .await
}

/// The entries of these orders, by order then position.
pub async fn of_orders(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> Result<Vec<service_record::Model>, DbErr> {
    service_record::Entity::find()
        .filter(service_record::Column::OrderId.is_in(orders.to_vec()))
        .order_by_asc(service_record::Column::OrderId)
        .order_by_asc(service_record::Column::Seq)
        .all(db)
        .await
}

/// The orders with a chain, in id order, `limit` after `after`.
pub async fn orders_page(
    db: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Uuid>, DbErr> {
    let mut q = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::OrderId)
        .distinct()
        .order_by_asc(service_record::Column::OrderId)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(service_record::Column::OrderId.gt(a));
    }
    q.into_tuple::<Uuid>().all(db).await
}

/// The `(order, seq, action)` of these orders' events, by order then seq.
pub async fn event_seqs(
    db: &impl ConnectionTrait,
    orders: &[Uuid],
) -> Result<Vec<(Uuid, i32, String)>, DbErr> {
    order_event::Entity::find()
        .select_only()
        .column(order_event::Column::OrderId)
        .column(order_event::Column::Seq)
        .column(order_event::Column::Action)
        .filter(order_event::Column::OrderId.is_in(orders.to_vec()))
        .order_by_asc(order_event::Column::OrderId)
        .order_by_asc(order_event::Column::Seq)
        .into_tuple()
        .all(db)
        .await
}

/// Deletes the salts of these orders' entries (an erasure): their salted hashes can no
/// longer be tried against anything, and every chain still verifies.
pub async fn forget_salts(db: &impl ConnectionTrait, orders: &[Uuid]) -> Result<u64, DbErr> {
    if orders.is_empty() {
        return Ok(0);
    }
    let r = service_record::Entity::update_many()
        .col_expr(
            service_record::Column::Salt,
            Expr::value(Option::<String>::None),
        )
        .filter(service_record::Column::OrderId.is_in(orders.to_vec()))
        .exec(db)
        .await?;
    Ok(r.rows_affected)
}
