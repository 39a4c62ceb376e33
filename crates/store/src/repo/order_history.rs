//! Orders whose whole life lies in the past (the demo's history), written in bulk.
//!
//! [`rows`] plays an order through the domain's state machine exactly as
//! [`super::orders::place_tx`] and [`super::orders::apply_tx`] would, step by step at the
//! steps' own times, and returns the rows they would have written: the order as it ends,
//! its lines, its events (the placement first), its payments and its service record. [`write`] inserts many
//! such orders in batches, which is what makes 90 days of history load in seconds instead
//! of the minutes a transaction per step takes. A test compares one order loaded both ways.
//!
//! What is not written: the follow-up jobs those functions enqueue. Every timer of a past
//! order has long fired and found the order moved on (the unpaid timeout on a paid order,
//! the dispatch deadline on an assigned one), so running them would change nothing.
//! Photos are not attached either; a past order carries none.

use super::accounts::address_context as ctx;
use super::orders::{NewOrder, OrderError, seal_notes};
use crate::Store;
use crate::entity::{
    ledger_entry, ledger_posting, order_event, order_line, order_payment, service_order,
    service_record, visit_record,
};
use crate::repo::ledger;
use chrono::{DateTime, Utc};
use daojia_domain::ids::OrderId;
use daojia_domain::ledger as journal;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, Order, Outcome, PaymentMethod, PaymentPlan};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, TryIntoModel};
use uuid::Uuid;

/// One step of a past order: who did what, when.
#[derive(Debug, Clone)]
pub struct Step {
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: Actor,
    /// What.
    pub action: Action,
}

/// A past order: what was placed, when, and everything that happened to it since.
#[derive(Debug, Clone)]
pub struct PastOrder {
    /// The order's id.
    pub id: Uuid,
    /// What the customer ordered (no photos).
    pub new: NewOrder,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// The steps after placement, in time order.
    pub steps: Vec<Step>,
}

/// The rows of one past order.
#[derive(Debug, Clone)]
pub struct Rows {
    /// The order as it ends.
    pub order: service_order::ActiveModel,
    /// Its lines.
    pub lines: Vec<order_line::ActiveModel>,
    /// Its events, the placement first.
    pub events: Vec<order_event::ActiveModel>,
    /// Its payments.
    pub payments: Vec<order_payment::ActiveModel>,
    /// Its service record: one entry per event, chained (see [`crate::repo::records`]).
    pub records: Vec<service_record::ActiveModel>,
    /// What the worker recorded during the service (服务记录), when the caller adds it
    /// (see [`with_visit_record`]).
    pub visit_records: Vec<visit_record::ActiveModel>,
    /// The ledger entries of its payments and of the refunds it booked (all offline: a
    /// past order has no channel intents), with their postings.
    pub ledger: Vec<(ledger_entry::ActiveModel, Vec<ledger_posting::ActiveModel>)>,
    /// The order as the state machine ends it.
    pub domain: Order,
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

/// The same number [`super::orders::place`] gives: `DJ` + date + 8 characters of the id.
fn order_no(id: Uuid, at: DateTime<Utc>) -> String {
    let tail = &id.simple().to_string()[24..];
    format!("DJ{}{}", at.format("%y%m%d"), tail.to_uppercase())
}

fn actor_columns(actor: Actor) -> (&'static str, Option<Uuid>) {
    match actor {
        Actor::Customer { id } => ("customer", Some(id.0)),
        Actor::Worker { id } => ("worker", Some(id.0)),
        Actor::Staff { id, .. } => ("staff", Some(id.0)),
        Actor::System => ("system", None),
    }
}

fn method_code(m: &PaymentMethod) -> String {
    match m {
        PaymentMethod::Cash => "cash".into(),
        PaymentMethod::BankTransfer => "bank_transfer".into(),
        PaymentMethod::Channel { channel } => format!("channel:{channel}"),
        PaymentMethod::Demo => "demo".into(),
    }
}

/// Plays `past` through the state machine and returns its rows; `id` gives the id of each
/// new row (line, event, payment) from the time it is written. A step the machine refuses
/// fails the order with the machine's reason.
pub fn rows(
    store: &Store,
    past: &PastOrder,
    mut id: impl FnMut(DateTime<Utc>) -> Uuid,
) -> Result<Rows, OrderError> {
    let new = &past.new;
    assert!(!new.lines.is_empty(), "an order has at least one line");
    let v = store.vault();
    let total: Money = new.lines.iter().map(|l| l.total).sum();
    let mut order = Order::placed(
        OrderId(past.id),
        new.customer,
        new.window,
        total,
        new.plan,
        new.policy,
    );
    let (mode, deposit) = match order.plan {
        PaymentPlan::Full => ("full", Money::ZERO),
        PaymentPlan::Deposit { deposit } => ("deposit", deposit),
    };
    let placed = past.placed_at;
    let lines = new
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| order_line::ActiveModel {
            id: Set(id(placed)),
            order_id: Set(past.id),
            position: Set(i as i32),
            item_code: Set(l.item_code.clone()),
            item_name: Set(l.item_name.clone()),
            quantity: Set(l.quantity as i32),
            unit_price_fen: Set(l.unit_price.as_fen()),
            total_fen: Set(l.total.as_fen()),
            duration_min: Set(l.duration_min as i32),
            selections: Set(json(&l.selections)),
        })
        .collect();
    let (actor_type, actor_id) = actor_columns(Actor::Customer { id: new.customer });
    let mut events = vec![order_event::ActiveModel {
        id: Set(id(placed)),
        order_id: Set(past.id),
        seq: Set(0),
        at: Set(placed),
        actor_type: Set(actor_type.into()),
        actor_id: Set(actor_id),
        from_state: Set(None),
        to_state: Set(order.state.as_str().into()),
        action: Set("place".into()),
        detail: Set(json(
            &serde_json::json!({ "total_fen": total.as_fen(), "lines": new.lines.len() }),
        )),
        paid_fen: Set(0),
        refunded_fen: Set(0),
        fee_fen: Set(0),
        request_id: Set(None),
    }];
    let mut payments = vec![];
    let mut entries = vec![];
    let mut updated = placed;
    for step in &past.steps {
        let e = match order.apply(step.actor, step.action.clone(), step.at)? {
            Outcome::Applied(e) => e,
            Outcome::AlreadyDone => {
                return Err(OrderError::Corrupt(
                    past.id,
                    format!("{} at {} changes nothing", step.action.name(), step.at),
                ));
            }
        };
        if let Action::RecordPayment {
            amount,
            method,
            reference,
        } = &step.action
        {
            let (t, by) = actor_columns(step.actor);
            let payment_id = id(step.at);
            let code = method_code(method);
            let entry = journal::payment_received(ledger::clearing_of_method(&code), *amount)
                .map_err(|e| OrderError::Corrupt(past.id, e.to_string()))?;
            let source = ledger::Source {
                kind: ledger::ORDER_PAYMENT,
                id: payment_id.to_string(),
                order_id: Some(past.id),
                memo: "收款",
            };
            entries.push(ledger::rows(&source, &entry, step.at, step.at));
            payments.push(order_payment::ActiveModel {
                id: Set(payment_id),
                order_id: Set(past.id),
                method: Set(method_code(method)),
                reference: Set(reference.clone()),
                amount_fen: Set(amount.as_fen()),
                recorded_by_type: Set(t.into()),
                recorded_by: Set(by),
                at: Set(step.at),
            });
        }
        if e.money.refunded > Money::ZERO {
            // No channel carries a past order's refund: it is owed (and was returned) by hand.
            let entry = journal::refund_owed(e.money.refunded)
                .map_err(|err| OrderError::Corrupt(past.id, err.to_string()))?;
            let source = ledger::Source {
                kind: ledger::OFFLINE_REFUND,
                id: ledger::transition_source(past.id, e.seq),
                order_id: Some(past.id),
                memo: "应退款（线下退回）",
            };
            entries.push(ledger::rows(&source, &entry, step.at, step.at));
        }
        let (actor_type, actor_id) = actor_columns(step.actor);
        events.push(order_event::ActiveModel {
            id: Set(id(step.at)),
            order_id: Set(past.id),
            seq: Set(e.seq as i32),
            at: Set(e.at),
            actor_type: Set(actor_type.into()),
            actor_id: Set(actor_id),
            from_state: Set(Some(e.from.as_str().into())),
            to_state: Set(e.to.as_str().into()),
            action: Set(e.action.name().into()),
            detail: Set(json(&e.action)),
            paid_fen: Set(e.money.paid.as_fen()),
            refunded_fen: Set(e.money.refunded.as_fen()),
            fee_fen: Set(e.money.fee.as_fen()),
            request_id: Set(None),
        });
        updated = step.at;
    }
    let row = service_order::ActiveModel {
        id: Set(past.id),
        order_no: Set(order_no(past.id, placed)),
        customer_id: Set(new.customer.0),
        state: Set(order.state.as_str().into()),
        worker_id: Set(order.worker.map(|w| w.0)),
        area_code: Set(new.area_code.clone()),
        address_id: Set(new.address_id),
        contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, &new.contact_name)),
        contact_phone_enc: Set(v.encrypt(ctx::CONTACT_PHONE, new.contact_phone.expose())),
        address_enc: Set(v.encrypt(ctx::ADDRESS, &new.address)),
        house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, &new.house_number)),
        lat: Set(new.at.lat),
        lng: Set(new.at.lng),
        window_start: Set(order.window.start),
        window_end: Set(order.window.end),
        payment_mode: Set(mode.into()),
        deposit_fen: Set(deposit.as_fen()),
        total_fen: Set(total.as_fen()),
        paid_fen: Set(order.amounts.paid.as_fen()),
        refunded_fen: Set(order.amounts.refunded.as_fen()),
        fee_fen: Set(order.amounts.fee.as_fen()),
        policy: Set(json(&order.policy)),
        customer_reschedules: Set(order.customer_reschedules as i32),
        notes_enc: Set(seal_notes(store, &new.notes)),
        completed_at: Set(order.completed_at),
        duration_min: Set(new.duration_min.clamp(1, 24 * 60) as i32),
        skills: Set(Some(json(&new.skills))),
        rework_of: Set(None),
        bundle_id: Set(None),
        version: Set(order.version as i32),
        created_at: Set(placed),
        updated_at: Set(updated),
    };
    let mut models = Vec::with_capacity(events.len());
    for e in &events {
        models.push(e.clone().try_into_model()?);
    }
    let records = crate::repo::records::chain_of_events(past.id, &models);
    Ok(Rows {
        order: row,
        lines,
        events,
        records,
        visit_records: vec![],
        payments,
        ledger: entries,
        domain: order,
    })
}

/// Rows per INSERT: inside every backend's limit on bound parameters.
const BATCH: usize = 60;

async fn insert<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(BATCH).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Writes the rows of many past orders in batches. Call it in a transaction.
pub async fn write(db: &impl ConnectionTrait, all: Vec<Rows>) -> Result<(), DbErr> {
    let mut orders = Vec::with_capacity(all.len());
    let mut lines = vec![];
    let mut events = vec![];
    let mut payments = vec![];
    let mut records = vec![];
    let mut visit_records = vec![];
    let mut entries = vec![];
    let mut postings = vec![];
    let closed = ledger::closed_through(db).await?;
    for r in all {
        orders.push(r.order);
        lines.extend(r.lines);
        events.extend(r.events);
        payments.extend(r.payments);
        records.extend(r.records);
        visit_records.extend(r.visit_records);
        for (mut e, mut p) in r.ledger {
            ledger::rebook(&mut e, &mut p, closed);
            entries.push(e);
            postings.extend(p);
        }
    }
    insert(db, orders).await?;
    insert(db, lines).await?;
    insert(db, events).await?;
    insert(db, payments).await?;
    insert(db, records).await?;
    insert(db, visit_records).await?;
    insert(db, entries).await?;
    insert(db, postings).await
}

/// One save of a past service's record: its time, kind, line and content (as stored), and
/// its entry in the chain.
pub type PastSave = (
    DateTime<Utc>,
    &'static str,
    Option<Uuid>,
    serde_json::Value,
    crate::repo::records::Content,
);

/// Adds what the worker recorded during a past service to `rows` (of an order with a
/// worker): the `visit_record` rows, and the order's chain rebuilt with their entries among
/// its events' in time order.
pub fn with_visit_record(
    rows: &mut Rows,
    worker_id: Uuid,
    saves: Vec<PastSave>,
) -> Result<(), DbErr> {
    let order_id = match &rows.order.id {
        sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) => *id,
        sea_orm::ActiveValue::NotSet => {
            return Err(DbErr::Custom("an order without its id".into()));
        }
    };
    let mut models = Vec::with_capacity(rows.events.len());
    for e in &rows.events {
        models.push(e.clone().try_into_model()?);
    }
    let mut more = vec![];
    for (i, (at, kind, line_id, body, entry)) in saves.into_iter().enumerate() {
        rows.visit_records.push(visit_record::ActiveModel {
            id: Set(Uuid::from_u128(
                order_id.as_u128() ^ (0x5245_434f_5244_0000 + i as u128),
            )),
            order_id: Set(order_id),
            worker_id: Set(worker_id),
            kind: Set(kind.into()),
            line_id: Set(line_id),
            upload_id: Set(None),
            body: Set(body.to_string()),
            recorded_at: Set(at),
        });
        more.push((at, entry));
    }
    rows.records = crate::repo::records::chain_of(order_id, &models, more);
    Ok(())
}
