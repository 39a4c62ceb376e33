//! The demo city's messages: the first customers and workers (the sample accounts among
//! them) get the notifications their latest orders' steps make, through the same
//! [`super::consumer::notices`] and [`super::notify`] as live events, stamped at each
//! step's time; all but the newest two of each person are marked read, so the apps show a
//! list with an unread badge. The demo's past is written without outbox events, so each
//! step of the order's timeline stands for the event its transition would have written.
//! Idempotent: a notice's dedupe key is its step's id, so a second start writes nothing.

use super::consumer::notices;
use super::notify;
use crate::outbox::Event;
use crate::{App, Result};
use chrono::{DateTime, Utc};
use daojia_domain::notification::Audience;
use daojia_store::entity::{customer, notification, order_event, service_order, worker};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// People of each audience seeded, and orders per person.
const PEOPLE: u64 = 5;
const ORDERS: u64 = 3;

/// Seeds the demo's messages at `now`; how many notifications were written.
pub async fn seed(app: &App, now: DateTime<Utc>) -> Result<usize> {
    let db = app.store.db();
    let customers: Vec<Uuid> = customer::Entity::find()
        .select_only()
        .column(customer::Column::Id)
        .order_by_asc(customer::Column::CreatedAt)
        .order_by_asc(customer::Column::Id)
        .limit(PEOPLE)
        .into_tuple()
        .all(db)
        .await?;
    let workers: Vec<Uuid> = worker::Entity::find()
        .select_only()
        .column(worker::Column::Id)
        .filter(worker::Column::Active.eq(true))
        .order_by_asc(worker::Column::CreatedAt)
        .order_by_asc(worker::Column::Id)
        .limit(PEOPLE)
        .into_tuple()
        .all(db)
        .await?;
    let mut made = 0;
    let people = customers
        .into_iter()
        .map(|c| (Audience::Customer, c))
        .chain(workers.into_iter().map(|w| (Audience::Worker, w)));
    for (audience, who) in people {
        let mut q = service_order::Entity::find()
            .filter(service_order::Column::CreatedAt.lte(now))
            .order_by_desc(service_order::Column::WindowStart)
            .limit(ORDERS);
        q = match audience {
            Audience::Customer => q.filter(service_order::Column::CustomerId.eq(who)),
            Audience::Worker => q.filter(service_order::Column::WorkerId.eq(who)),
        };
        let mut orders = q.all(db).await?;
        orders.reverse();
        for o in orders {
            let steps = order_event::Entity::find()
                .filter(order_event::Column::OrderId.eq(o.id))
                .filter(order_event::Column::At.lte(now))
                .order_by_asc(order_event::Column::Seq)
                .all(db)
                .await?;
            for step in steps {
                let event = as_event(&o, step);
                for n in notices(app, &event, event.created_at).await? {
                    if n.audience == audience && n.recipient_id == who {
                        let at = event.created_at;
                        if notify(app, n, at).await?.is_some() {
                            made += 1;
                        }
                    }
                }
            }
        }
        // All but the newest two read.
        let keep: Vec<Uuid> = notification::Entity::find()
            .select_only()
            .column(notification::Column::Id)
            .filter(notification::Column::Audience.eq(audience.as_str()))
            .filter(notification::Column::RecipientId.eq(who))
            .order_by_desc(notification::Column::Id)
            .limit(2)
            .into_tuple()
            .all(db)
            .await?;
        notification::Entity::update_many()
            .col_expr(
                notification::Column::ReadAt,
                Expr::col(notification::Column::CreatedAt),
            )
            .filter(notification::Column::Audience.eq(audience.as_str()))
            .filter(notification::Column::RecipientId.eq(who))
            .filter(notification::Column::ReadAt.is_null())
            .filter(notification::Column::Id.is_not_in(keep))
            .exec(db)
            .await?;
    }
    Ok(made)
}

/// The outbox event the transition of `step` writes (`order.<action>` with the payload of
/// `daojia_store::repo::orders::topic`'s events); the worker is the one the step names
/// (an offer's or an assignment's), else the order's.
fn as_event(order: &service_order::Model, step: order_event::Model) -> Event {
    let detail: serde_json::Value = serde_json::from_str(&step.detail).unwrap_or_default();
    let worker = named_worker(&detail).or(order.worker_id);
    Event {
        position: 0,
        id: step.id,
        topic: format!("order.{}", step.action),
        aggregate_id: order.id,
        payload: serde_json::json!({
            "order_id": order.id,
            "seq": step.seq,
            "action": step.action,
            "from": step.from_state,
            "to": step.to_state,
            "actor_type": step.actor_type,
            "actor_id": step.actor_id,
            "worker_id": worker,
            "window_start": order.window_start,
            "window_end": order.window_end,
        }),
        created_at: step.at,
    }
}

/// The worker an action's detail names (`{"offer": {"worker": "…"}}`), at any depth.
fn named_worker(v: &serde_json::Value) -> Option<Uuid> {
    match v {
        serde_json::Value::Object(m) => m
            .get("worker")
            .and_then(|w| w.as_str())
            .and_then(|s| s.parse().ok())
            .or_else(|| m.values().find_map(named_worker)),
        serde_json::Value::Array(a) => a.iter().find_map(named_worker),
        _ => None,
    }
}
