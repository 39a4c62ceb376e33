//! An order's record of its steps: the actor columns, the timeline's events and the
//! outbox event each step emits.

use super::json;
use crate::entity::order_event;
use chrono::{DateTime, Utc};
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Actor, Event, Order};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};
use uuid::Uuid;

pub(super) fn actor_columns(actor: Actor) -> (&'static str, Option<Uuid>) {
    match actor {
        Actor::Customer { id } => ("customer", Some(id.0)),
        Actor::Worker { id } => ("worker", Some(id.0)),
        Actor::Staff { id, .. } => ("staff", Some(id.0)),
        Actor::System => ("system", None),
    }
}

pub(super) async fn insert_event(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    actor: Actor,
    e: &Event,
    request_id: Option<&str>,
    note: Option<&str>,
    device_at: Option<chrono::DateTime<chrono::Utc>>,
) -> Result<(), DbErr> {
    let (actor_type, actor_id) = actor_columns(actor);
    let detail = if note.is_none() && device_at.is_none() {
        json(&e.action)
    } else {
        let mut v = serde_json::to_value(&e.action).unwrap_or_default();
        if let Some(obj) = v.as_object_mut() {
            if let Some(n) = note {
                obj.insert("reason".into(), n.into());
            }
            // The phone's time of a step sent later (offline); the event's `at` is the
            // server's.
            if let Some(d) = device_at {
                obj.insert("device_at".into(), serde_json::json!(d));
            }
        }
        v.to_string()
    };
    let row = order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order_id),
        seq: Set(e.seq as i32),
        at: Set(e.at),
        actor_type: Set(actor_type.into()),
        actor_id: Set(actor_id),
        from_state: Set(Some(e.from.as_str().into())),
        to_state: Set(e.to.as_str().into()),
        action: Set(e.action.name().into()),
        detail: Set(detail),
        paid_fen: Set(e.money.paid.as_fen()),
        refunded_fen: Set(e.money.refunded.as_fen()),
        fee_fen: Set(e.money.fee.as_fen()),
        request_id: Set(request_id.map(str::to_string)),
    }
    .insert(db)
    .await?;
    record_event(db, &row).await
}

/// Appends an order event to the order's service record (its hash chain), in the event's
/// transaction.
pub(super) async fn record_event(
    db: &impl ConnectionTrait,
    row: &order_event::Model,
) -> Result<(), DbErr> {
    let content = crate::repo::records::of_event(row);
    crate::repo::records::append(db, row.order_id, content, row.at).await?;
    Ok(())
}

/// Topic of the outbox event an order action emits: `order.` and the action's name
/// (`order.place`, `order.offer`, `order.assign`, `order.cancel`...).
pub fn topic(action: &str) -> String {
    format!("order.{action}")
}

/// Writes the outbox event of an order's step `seq` in `db` (the step's transaction): who
/// did what, the states before and after, the worker and window after. No personal data:
/// consumers read what they need from the order.
pub(super) async fn emit(
    db: &impl ConnectionTrait,
    order: &Order,
    seq: u32,
    action: &str,
    from: Option<OrderState>,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Uuid, DbErr> {
    let (actor_type, actor_id) = actor_columns(actor);
    let payload = serde_json::json!({
        "order_id": order.id.0,
        "seq": seq,
        "action": action,
        "from": from.map(|s| s.as_str()),
        "to": order.state.as_str(),
        "actor_type": actor_type,
        "actor_id": actor_id,
        "worker_id": order.worker.map(|w| w.0),
        "window_start": order.window.start,
        "window_end": order.window.end,
    });
    crate::repo::outbox::append(db, &topic(action), order.id.0, &payload, now).await
}
