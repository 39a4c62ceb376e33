//! Orders: placing one (order, lines and its first event in one transaction) and moving it
//! through the state machine of `daojia_domain::order::machine`, where every transition
//! writes the order, its event and any payment together, or nothing.
//!
//! Concurrency: the order row carries a version; a transition updates it only if the version
//! is still the one it read, and `(order_id, seq)` is unique on events. A writer that loses
//! the race reads again and re-applies its action to the new state, which either succeeds,
//! finds the effect already there, or is refused with the state as it now is.

use super::accounts::address_context as ctx;
use super::audit::AuditEntry;
use crate::entity::{order_event, order_line, order_payment, service_order};
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, OrderId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{
    Action, Actor, Amounts, Event, Order, Outcome, PaymentMethod, PaymentPlan, TransitionError,
    Window,
};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::pricing::Selection;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};
use uuid::Uuid;

/// A priced line of a new order.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// Item code.
    pub item_code: String,
    /// Item name as shown when ordered.
    pub item_name: String,
    /// Units.
    pub quantity: u32,
    /// Price per unit.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub total: Money,
    /// Working time, minutes.
    pub duration_min: u32,
    /// Options chosen (defaults filled in).
    pub selections: Vec<Selection>,
}

/// What placing an order needs. Prices come from the server's own pricing, never a client.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Who orders.
    pub customer: CustomerId,
    /// The service area of the address.
    pub area_code: Option<String>,
    /// The saved address it came from, if any.
    pub address_id: Option<Uuid>,
    /// Contact at the door.
    pub contact_name: String,
    /// Their phone.
    pub contact_phone: Phone,
    /// Street address.
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
    /// Position (WGS-84).
    pub at: LatLng,
    /// The start window.
    pub window: Window,
    /// Payment plan.
    pub plan: PaymentPlan,
    /// Policy at the time of ordering.
    pub policy: Policy,
    /// Notes for the worker.
    pub notes: String,
    /// The lines (at least one).
    pub lines: Vec<NewLine>,
    /// Working time of the visit including packing up, minutes (what capacity counts).
    pub duration_min: u32,
    /// Skills the worker needs.
    pub skills: Vec<String>,
    /// The customer's uploaded photos of the problem.
    pub photos: Vec<Uuid>,
}

/// The capacity check of a booking: the area whose booking lock is taken in the transaction
/// that writes, and the travel times slot search uses. Without one, an order is written
/// whatever the workers' days hold (staff's decision).
#[derive(Clone, Copy)]
pub struct SlotClaim<'a> {
    /// The order's service area.
    pub area: &'a crate::entity::service_area::Model,
    /// The areas sharing its workers ([`super::slots::pool_of`]).
    pub pool: &'a [String],
    /// Travel times between visits.
    pub travel: &'a dyn daojia_domain::travel::TravelTime,
    /// How far from home a worker is sent, metres.
    pub reach_m: f64,
}

impl std::fmt::Debug for SlotClaim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotClaim")
            .field("area", &self.area.code)
            .finish_non_exhaustive()
    }
}

/// Why an order operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such order.
    #[error("no such order")]
    NotFound,
    /// The state machine refused the action.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A photo that is not the customer's own upload for this purpose.
    #[error("photo {0} is not one of yours")]
    Photo(Uuid),
    /// Nobody can take the visit in that window any more (someone booked it meanwhile).
    #[error("this window is no longer available")]
    SlotUnavailable,
    /// Of an order's visits (one per trade), the one at this index can no longer be served
    /// in that window.
    #[error("visit {0} of the order can no longer be served in this window")]
    TradeUnavailable(usize),
    /// Others kept changing the order; try again.
    #[error("the order changed while this was being applied; try again")]
    Busy,
    /// A stored value the domain cannot read.
    #[error("order {0} is not readable: {1}")]
    Corrupt(Uuid, String),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn actor_columns(actor: Actor) -> (&'static str, Option<Uuid>) {
    match actor {
        Actor::Customer { id } => ("customer", Some(id.0)),
        Actor::Worker { id } => ("worker", Some(id.0)),
        Actor::Staff { id, .. } => ("staff", Some(id.0)),
        Actor::System => ("system", None),
    }
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

/// Encryption context of an order's notes (they carry door codes such as `门禁 1201#`).
pub const NOTES: &str = "order.notes";

/// An order's notes, decrypted.
pub fn notes(store: &Store, m: &service_order::Model) -> Result<String, crate::pii::VaultError> {
    store.vault().decrypt(NOTES, &m.notes_enc)
}

/// Notes encrypted for `service_order.notes_enc`.
pub fn seal_notes(store: &Store, notes: &str) -> String {
    store.vault().encrypt(NOTES, notes)
}

/// An order number customers can read out on the phone: `DJ` + date + 8 characters.
fn order_no(id: Uuid, now: DateTime<Utc>) -> String {
    let tail = &id.simple().to_string()[24..];
    format!("DJ{}{}", now.format("%y%m%d"), tail.to_uppercase())
}

/// Places an order: the order, its lines and its first event, in one transaction.
pub async fn place(
    store: &Store,
    new: NewOrder,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: Option<SlotClaim<'_>>,
) -> Result<(service_order::Model, Order), OrderError> {
    let tx = crate::begin(store.db()).await?;
    match place_tx(&tx, store, new, now, request_id, slot).await {
        Ok(row) => {
            tx.commit().await?;
            Ok(row)
        }
        Err(e) => {
            // Explicitly: a dropped transaction keeps its locks (the city's booking lock)
            // until its connection is used again.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Like [`place`], in the caller's transaction `tx`: for a placement that does more before
/// it commits (the demo's payment, completing the request's `Idempotency-Key`), so all of
/// it commits together or not at all. The caller commits, or rolls back on an error.
pub async fn place_tx(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    new: NewOrder,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: Option<SlotClaim<'_>>,
) -> Result<(service_order::Model, Order), OrderError> {
    if let Some(claim) = slot {
        super::slots::lock_pool(tx, claim.pool).await?;
        let job = job_of(&new, claim.reach_m);
        let window = (new.window.start, new.window.end);
        let tz = super::slots::zone(claim.area);
        if !super::slots::fits(tx, claim.pool, tz, claim.travel, &job, window, None).await? {
            return Err(OrderError::SlotUnavailable);
        }
    }
    insert(tx, store, new, Uuid::now_v7(), None, now, request_id).await
}

/// The visit a new order asks slot search about.
pub(crate) fn job_of(new: &NewOrder, reach_m: f64) -> daojia_domain::slots::Job {
    daojia_domain::slots::Job {
        at: new.at,
        duration: i64::from(new.duration_min.max(1)) * 60,
        skills: new.skills.clone(),
        reach_m,
    }
}

/// Writes the order `id` (a visit of the order `bundle`, when it has several): the row, its
/// lines, its first event, its outbox event, its photos and timers. No capacity check.
pub(crate) async fn insert(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    new: NewOrder,
    id: Uuid,
    bundle: Option<Uuid>,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(service_order::Model, Order), OrderError> {
    assert!(!new.lines.is_empty(), "an order has at least one line");
    let total: Money = new.lines.iter().map(|l| l.total).sum();
    let order = Order::placed(
        OrderId(id),
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
    place_in(
        tx, store, new, order, id, total, mode, deposit, now, request_id, bundle,
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn place_in(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    new: NewOrder,
    order: Order,
    id: Uuid,
    total: Money,
    mode: &str,
    deposit: Money,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    bundle: Option<Uuid>,
) -> Result<(service_order::Model, Order), OrderError> {
    let v = store.vault();
    let row = service_order::ActiveModel {
        id: Set(id),
        order_no: Set(order_no(id, now)),
        customer_id: Set(new.customer.0),
        state: Set(order.state.as_str().into()),
        worker_id: Set(None),
        area_code: Set(new.area_code),
        address_id: Set(new.address_id),
        contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, &new.contact_name)),
        contact_phone_enc: Set(v.encrypt(ctx::CONTACT_PHONE, new.contact_phone.expose())),
        address_enc: Set(v.encrypt(ctx::ADDRESS, &new.address)),
        house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, &new.house_number)),
        lat: Set(new.at.lat),
        lng: Set(new.at.lng),
        window_start: Set(new.window.start),
        window_end: Set(new.window.end),
        payment_mode: Set(mode.into()),
        deposit_fen: Set(deposit.as_fen()),
        total_fen: Set(total.as_fen()),
        paid_fen: Set(0),
        refunded_fen: Set(0),
        fee_fen: Set(0),
        policy: Set(json(&order.policy)),
        customer_reschedules: Set(0),
        notes_enc: Set(seal_notes(store, &new.notes)),
        completed_at: Set(None),
        duration_min: Set(new.duration_min.clamp(1, 24 * 60) as i32),
        skills: Set(Some(json(&new.skills))),
        rework_of: Set(None),
        bundle_id: Set(bundle),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(tx)
    .await?;
    let lines: Vec<order_line::ActiveModel> = new
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| order_line::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(id),
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
    order_line::Entity::insert_many(lines)
        .exec_without_returning(tx)
        .await?;
    let (actor_type, actor_id) = actor_columns(Actor::Customer { id: new.customer });
    order_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(id),
        seq: Set(0),
        at: Set(now),
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
        request_id: Set(request_id.map(str::to_string)),
    }
    .insert(tx)
    .await?;
    emit(
        tx,
        &order,
        0,
        "place",
        None,
        Actor::Customer { id: new.customer },
        now,
    )
    .await?;
    if !new.photos.is_empty() {
        let attached = super::uploads::attach(
            tx,
            id,
            "customer",
            new.customer.0,
            &new.photos,
            "problem",
            now,
        )
        .await;
        match attached {
            Ok(()) => {}
            Err(super::uploads::AttachError::NotYours(p)) => return Err(OrderError::Photo(p)),
            Err(super::uploads::AttachError::Db(e)) => return Err(e.into()),
        }
    }
    for j in follow_ups(&order, 0, true, false, now) {
        super::jobs::enqueue(tx, j, now).await?;
    }
    Ok((row, order))
}

/// The rework order (返工) of `original`: a new visit at the same address, free of charge,
/// waiting for a worker in `window`. Made at most once per original (a retry returns the
/// one made); lines are copied at no charge.
pub async fn place_rework(
    store: &Store,
    original: Uuid,
    window: Window,
    actor: Actor,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<service_order::Model, OrderError> {
    let db = store.db();
    let find =
        || service_order::Entity::find().filter(service_order::Column::ReworkOf.eq(original));
    if let Some(existing) = find().one(db).await? {
        return Ok(existing);
    }
    let orig = get(db, original).await?.ok_or(OrderError::NotFound)?;
    let policy: Policy = serde_json::from_str(&orig.policy)
        .map_err(|e| OrderError::Corrupt(orig.id, format!("policy: {e}")))?;
    let id = Uuid::now_v7();
    let order = Order::placed(
        OrderId(id),
        CustomerId(orig.customer_id),
        window,
        Money::ZERO,
        PaymentPlan::Full,
        policy,
    );
    let tx = crate::begin(store.db()).await?;
    let result: Result<service_order::Model, OrderError> = async {
        let row = service_order::ActiveModel {
            id: Set(id),
            order_no: Set(order_no(id, now)),
            customer_id: Set(orig.customer_id),
            state: Set(order.state.as_str().into()),
            worker_id: Set(None),
            area_code: Set(orig.area_code.clone()),
            address_id: Set(orig.address_id),
            contact_name_enc: Set(orig.contact_name_enc.clone()),
            contact_phone_enc: Set(orig.contact_phone_enc.clone()),
            address_enc: Set(orig.address_enc.clone()),
            house_number_enc: Set(orig.house_number_enc.clone()),
            lat: Set(orig.lat),
            lng: Set(orig.lng),
            window_start: Set(window.start),
            window_end: Set(window.end),
            payment_mode: Set("full".into()),
            deposit_fen: Set(0),
            total_fen: Set(0),
            paid_fen: Set(0),
            refunded_fen: Set(0),
            fee_fen: Set(0),
            policy: Set(orig.policy.clone()),
            customer_reschedules: Set(0),
            notes_enc: Set(seal_notes(
                store,
                &format!("返工：原订单 {}", orig.order_no),
            )),
            completed_at: Set(None),
            duration_min: Set(orig.duration_min),
            skills: Set(orig.skills.clone()),
            rework_of: Set(Some(original)),
            bundle_id: Set(None),
            version: Set(0),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&tx)
        .await?;
        let lines: Vec<order_line::ActiveModel> = lines(&tx, original)
            .await?
            .into_iter()
            .map(|l| order_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                order_id: Set(id),
                position: Set(l.position),
                item_code: Set(l.item_code),
                item_name: Set(l.item_name),
                quantity: Set(l.quantity),
                unit_price_fen: Set(0),
                total_fen: Set(0),
                duration_min: Set(l.duration_min),
                selections: Set(l.selections),
            })
            .collect();
        if !lines.is_empty() {
            order_line::Entity::insert_many(lines)
                .exec_without_returning(&tx)
                .await?;
        }
        let (actor_type, actor_id) = actor_columns(actor);
        order_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(id),
            seq: Set(0),
            at: Set(now),
            actor_type: Set(actor_type.into()),
            actor_id: Set(actor_id),
            from_state: Set(None),
            to_state: Set(order.state.as_str().into()),
            action: Set("place".into()),
            detail: Set(json(
                &serde_json::json!({ "rework_of": original, "order_no": orig.order_no }),
            )),
            paid_fen: Set(0),
            refunded_fen: Set(0),
            fee_fen: Set(0),
            request_id: Set(request_id.map(str::to_string)),
        }
        .insert(&tx)
        .await?;
        emit(&tx, &order, 0, "place", None, actor, now).await?;
        for j in follow_ups(&order, 0, true, false, now) {
            super::jobs::enqueue(&tx, j, now).await?;
        }
        Ok(row)
    }
    .await;
    match result {
        Ok(row) => {
            tx.commit().await?;
            Ok(row)
        }
        // Another request made it first.
        Err(OrderError::Db(e)) if is_unique_violation(&e) => {
            let _ = tx.rollback().await;
            find().one(db).await?.ok_or(OrderError::Busy)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// The state machine's view of a stored order.
pub fn to_domain(m: &service_order::Model) -> Result<Order, OrderError> {
    let corrupt = |what: String| OrderError::Corrupt(m.id, what);
    let state: OrderState = m
        .state
        .parse()
        .map_err(|_| corrupt(format!("state {:?}", m.state)))?;
    let plan = match m.payment_mode.as_str() {
        "full" => PaymentPlan::Full,
        "deposit" => PaymentPlan::Deposit {
            deposit: Money::fen(m.deposit_fen),
        },
        other => return Err(corrupt(format!("payment mode {other:?}"))),
    };
    let policy: Policy =
        serde_json::from_str(&m.policy).map_err(|e| corrupt(format!("policy: {e}")))?;
    Ok(Order {
        id: OrderId(m.id),
        customer: CustomerId(m.customer_id),
        state,
        worker: m.worker_id.map(WorkerId),
        window: Window {
            start: m.window_start,
            end: m.window_end,
        },
        plan,
        amounts: Amounts {
            total: Money::fen(m.total_fen),
            paid: Money::fen(m.paid_fen),
            refunded: Money::fen(m.refunded_fen),
            fee: Money::fen(m.fee_fen),
        },
        policy,
        customer_reschedules: m.customer_reschedules.max(0) as u32,
        completed_at: m.completed_at,
        version: m.version.max(0) as u32,
    })
}

/// One order.
pub async fn get(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<service_order::Model>, DbErr> {
    service_order::Entity::find_by_id(id).one(db).await
}

/// An order's lines in order.
pub async fn lines(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await
}

/// An order's events, oldest first (the timeline).
pub async fn events(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<order_event::Model>, DbErr> {
    order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(id))
        .order_by_asc(order_event::Column::Seq)
        .all(db)
        .await
}

/// An order's recorded payments, oldest first.
pub async fn payments(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<order_payment::Model>, DbErr> {
    order_payment::Entity::find()
        .filter(order_payment::Column::OrderId.eq(id))
        .order_by_asc(order_payment::Column::At)
        .all(db)
        .await
}

fn method_code(m: &PaymentMethod) -> String {
    match m {
        PaymentMethod::Cash => "cash".into(),
        PaymentMethod::BankTransfer => "bank_transfer".into(),
        PaymentMethod::Channel { channel } => format!("channel:{channel}"),
        PaymentMethod::Demo => "demo".into(),
    }
}

/// Job kinds the order lifecycle schedules (handled by the server's job runner).
pub mod job_kind {
    /// Cancel an order still unpaid when the policy's payment time is up.
    pub const UNPAID_TIMEOUT: &str = "order.unpaid_timeout";
    /// Cancel an order that has no worker when its window starts.
    pub const DISPATCH_DEADLINE: &str = "order.dispatch_deadline";
    /// Complete an order the customer has not confirmed within the confirmation window.
    pub const AUTO_COMPLETE: &str = "order.auto_complete";
    /// Remind the customer before the visit.
    pub const REMINDER: &str = "order.reminder";
    /// Raise an alarm when nobody has been sent shortly before the window.
    pub const DISPATCH_ALARM: &str = "order.dispatch_alarm";
    /// Raise an alarm when the window has passed and the visit has not started.
    pub const LATE_CHECK: &str = "order.late_check";
}

/// How long before the window the customer is reminded.
pub const REMINDER_BEFORE: chrono::Duration = chrono::Duration::hours(2);
/// How long before the window an order nobody was sent to raises an alarm.
pub const ALARM_BEFORE: chrono::Duration = chrono::Duration::minutes(60);
/// How long after the window's end a visit not started raises an alarm.
pub const LATE_AFTER: chrono::Duration = chrono::Duration::minutes(15);

/// The follow-up jobs a new state calls for; written in the same transaction as the
/// transition, so a crash cannot lose them. Keys include the event number, so a job is
/// enqueued once per step however often a transaction is retried.
fn follow_ups(
    order: &Order,
    seq: u32,
    placed: bool,
    window_changed: bool,
    now: DateTime<Utc>,
) -> Vec<super::jobs::NewJob> {
    use super::jobs::NewJob;
    let id = order.id.0;
    let mut v = Vec::new();
    if placed {
        v.push(NewJob {
            kind: job_kind::UNPAID_TIMEOUT.into(),
            payload: serde_json::json!({ "order_id": id }),
            run_at: now + chrono::Duration::minutes(i64::from(order.policy.unpaid_minutes)),
            dedupe_key: Some(format!("{}:{id}", job_kind::UNPAID_TIMEOUT)),
            max_attempts: 5,
        });
    }
    if (placed || window_changed) && !order.state.is_terminal() {
        let payload = serde_json::json!({ "order_id": id, "window_start": order.window.start });
        let mut timer = |kind: &str, run_at: DateTime<Utc>| {
            v.push(NewJob {
                kind: kind.into(),
                payload: payload.clone(),
                run_at,
                dedupe_key: Some(format!("{kind}:{id}:{seq}")),
                max_attempts: 5,
            })
        };
        timer(job_kind::DISPATCH_DEADLINE, order.window.start);
        // A reminder only when there is time for one.
        if order.window.start - REMINDER_BEFORE > now {
            timer(job_kind::REMINDER, order.window.start - REMINDER_BEFORE);
        }
        timer(
            job_kind::DISPATCH_ALARM,
            (order.window.start - ALARM_BEFORE).max(now),
        );
        timer(job_kind::LATE_CHECK, order.window.end + LATE_AFTER);
    }
    if order.state == OrderState::PendingSettlement {
        v.push(NewJob {
            kind: job_kind::AUTO_COMPLETE.into(),
            payload: serde_json::json!({ "order_id": id }),
            run_at: now + chrono::Duration::hours(i64::from(order.policy.confirm_hours)),
            dedupe_key: Some(format!("{}:{id}:{seq}", job_kind::AUTO_COMPLETE)),
            max_attempts: 5,
        });
    }
    v
}

/// How many times a transition is retried when others change the order meanwhile.
const ATTEMPTS: usize = 5;

/// Applies `action` by `actor` to the order `id`; returns what happened and the order after.
pub async fn apply(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    apply_audited(store, id, actor, action, now, request_id, None).await
}

/// Like [`apply`], and when the order changes, records `audit` (its before and after filled
/// in with the order's state, worker, window and money) in the same transaction.
pub async fn apply_audited(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
) -> Result<(Outcome, Order), OrderError> {
    apply_checked(store, id, actor, action, now, request_id, audit, None).await
}

/// Like [`apply_audited`]; a reschedule with a `slot` claim first takes the area's booking
/// lock and is refused with [`OrderError::SlotUnavailable`] when nobody can take the visit
/// in the new window (the order's own old place does not count against it).
#[allow(clippy::too_many_arguments)]
pub async fn apply_checked(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
) -> Result<(Outcome, Order), OrderError> {
    apply_noted(store, id, actor, action, now, request_id, audit, slot, None).await
}

/// Like [`apply_checked`], with a `note` (a dispatcher's reason for overriding conflicts)
/// recorded as `reason` in the order event's detail and in the audit entry's `after`.
#[allow(clippy::too_many_arguments)]
pub async fn apply_noted(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    for _ in 0..ATTEMPTS {
        match try_apply(
            store,
            id,
            actor,
            &action,
            now,
            request_id,
            audit.clone(),
            slot,
            note,
        )
        .await
        {
            Err(OrderError::Busy) => continue,
            Err(OrderError::Db(e)) if is_unique_violation(&e) => continue,
            Err(OrderError::Db(e)) if crate::is_retryable(&e) => {
                tokio_free_pause().await;
                continue;
            }
            other => return other,
        }
    }
    Err(OrderError::Busy)
}

/// Applies `action` in the caller's transaction `tx` (see [`place_tx`]), once: no retry, as
/// a conflict with another writer fails the transaction. On an order `tx` itself placed,
/// which nobody else can see before it commits, there is no such conflict.
pub async fn apply_tx(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    try_apply_in(
        tx, store, id, actor, &action, now, request_id, None, None, None,
    )
    .await?
    .ok_or(OrderError::Busy)
}

/// A short pause before running a transaction again, without a runtime dependency: yields
/// to the executor a few times (the other transaction needs only to commit).
pub(crate) async fn tokio_free_pause() {
    struct Yield(u8);
    impl std::future::Future for Yield {
        type Output = ();
        fn poll(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<()> {
            if self.0 == 0 {
                return std::task::Poll::Ready(());
            }
            self.0 -= 1;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        }
    }
    Yield(8).await
}

/// What the audit log keeps of an order: no personal data.
fn audit_view(o: &Order) -> serde_json::Value {
    serde_json::json!({
        "state": o.state.as_str(),
        "worker_id": o.worker.map(|w| w.0),
        "window_start": o.window.start,
        "total_fen": o.amounts.total.as_fen(),
        "paid_fen": o.amounts.paid.as_fen(),
        "refunded_fen": o.amounts.refunded.as_fen(),
        "fee_fen": o.amounts.fee.as_fen(),
    })
}

#[allow(clippy::too_many_arguments)]
async fn try_apply(
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: &Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
) -> Result<(Outcome, Order), OrderError> {
    let tx = crate::begin(store.db()).await?;
    match try_apply_in(
        &tx, store, id, actor, action, now, request_id, audit, slot, note,
    )
    .await
    {
        Ok(Some(done)) => {
            tx.commit().await?;
            Ok(done)
        }
        Ok(None) => {
            // The payment is on the order already (a concurrent retry won): report the
            // order as it is now.
            tx.rollback().await?;
            let current = get(store.db(), id).await?.ok_or(OrderError::NotFound)?;
            Ok((Outcome::AlreadyDone, to_domain(&current)?))
        }
        Err(e) => {
            // Explicitly: a dropped transaction keeps its locks (the area's booking lock,
            // the order row) until its connection is used again.
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// The body of [`try_apply`]; `Ok(None)` when a concurrent writer recorded the same payment.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn try_apply_in(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    id: Uuid,
    actor: Actor,
    action: &Action,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    audit: Option<AuditEntry>,
    slot: Option<SlotClaim<'_>>,
    note: Option<&str>,
) -> Result<Option<(Outcome, Order)>, OrderError> {
    // The lock comes first: on SQLite a transaction that has read cannot start writing
    // once another has written.
    let claim = match (slot, action) {
        (Some(c), Action::Reschedule { window }) => {
            super::slots::lock_pool(tx, c.pool).await?;
            Some((c, *window))
        }
        _ => None,
    };
    let row = get(tx, id).await?.ok_or(OrderError::NotFound)?;
    if let Some((c, window)) = claim
        && row.window_start != window.start
    {
        let job = daojia_domain::slots::Job {
            at: LatLng::new(row.lat, row.lng),
            duration: i64::from(row.duration_min.max(1)) * 60,
            skills: row
                .skills
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default(),
            reach_m: c.reach_m,
        };
        let w = (window.start, window.end);
        let tz = super::slots::zone(c.area);
        if !super::slots::fits(tx, c.pool, tz, c.travel, &job, w, Some(id)).await? {
            return Err(OrderError::SlotUnavailable);
        }
    }
    let mut order = to_domain(&row)?;
    let snapshot = order.clone();
    let before = order.version;
    // A payment whose reference is already on the order is that payment again (a retry or
    // a repeated notification), whatever the order's state is by now.
    if let Action::RecordPayment {
        amount,
        method,
        reference,
    } = action
    {
        let existing = order_payment::Entity::find()
            .filter(order_payment::Column::OrderId.eq(id))
            .filter(order_payment::Column::Method.eq(method_code(method)))
            .filter(order_payment::Column::Reference.eq(reference.as_str()))
            .one(tx)
            .await?;
        if let Some(p) = existing {
            if p.amount_fen != amount.as_fen() {
                return Err(TransitionError::Amount(
                    "this reference was already recorded with another amount",
                )
                .into());
            }
            return Ok(Some((Outcome::AlreadyDone, order)));
        }
    }
    let event = match order.apply(actor, action.clone(), now)? {
        Outcome::AlreadyDone => return Ok(Some((Outcome::AlreadyDone, order))),
        Outcome::Applied(e) => e,
    };
    if let Action::RecordPayment {
        amount,
        method,
        reference,
    } = action
    {
        let (t, by) = actor_columns(actor);
        let inserted = order_payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            order_id: Set(id),
            method: Set(method_code(method)),
            reference: Set(reference.clone()),
            amount_fen: Set(amount.as_fen()),
            recorded_by_type: Set(t.into()),
            recorded_by: Set(by),
            at: Set(now),
        }
        .insert(tx)
        .await;
        match inserted {
            Ok(_) => {}
            // This payment (same method and reference) is already on the order.
            Err(e) if is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
    }
    let updated = service_order::Entity::update_many()
        .col_expr(
            service_order::Column::State,
            Expr::value(order.state.as_str()),
        )
        .col_expr(
            service_order::Column::WorkerId,
            Expr::value(order.worker.map(|w| w.0)),
        )
        .col_expr(
            service_order::Column::WindowStart,
            Expr::value(order.window.start),
        )
        .col_expr(
            service_order::Column::WindowEnd,
            Expr::value(order.window.end),
        )
        .col_expr(
            service_order::Column::PaidFen,
            Expr::value(order.amounts.paid.as_fen()),
        )
        .col_expr(
            service_order::Column::RefundedFen,
            Expr::value(order.amounts.refunded.as_fen()),
        )
        .col_expr(
            service_order::Column::FeeFen,
            Expr::value(order.amounts.fee.as_fen()),
        )
        .col_expr(
            service_order::Column::CustomerReschedules,
            Expr::value(order.customer_reschedules as i32),
        )
        .col_expr(
            service_order::Column::CompletedAt,
            Expr::value(order.completed_at),
        )
        .col_expr(
            service_order::Column::Version,
            Expr::value(order.version as i32),
        )
        .col_expr(service_order::Column::UpdatedAt, Expr::value(now))
        .filter(service_order::Column::Id.eq(id))
        .filter(service_order::Column::Version.eq(before as i32))
        .exec(tx)
        .await?;
    if updated.rows_affected != 1 {
        return Err(OrderError::Busy);
    }
    insert_event(tx, id, actor, &event, request_id, note).await?;
    emit(
        tx,
        &order,
        event.seq,
        event.action.name(),
        Some(event.from),
        actor,
        now,
    )
    .await?;
    let rescheduled = matches!(action, Action::Reschedule { .. });
    if event.from != event.to || rescheduled {
        for j in follow_ups(&order, event.seq, false, rescheduled, now) {
            super::jobs::enqueue(tx, j, now).await?;
        }
    }
    if let Some(mut entry) = audit {
        entry.before = Some(audit_view(&snapshot));
        let mut after = audit_view(&order);
        if let (Some(n), Some(obj)) = (note, after.as_object_mut()) {
            obj.insert("reason".into(), n.into());
        }
        entry.after = Some(after);
        super::audit::record(store, tx, entry, now).await?;
    }
    Ok(Some((Outcome::Applied(event), order)))
}

async fn insert_event(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    actor: Actor,
    e: &Event,
    request_id: Option<&str>,
    note: Option<&str>,
) -> Result<(), DbErr> {
    let (actor_type, actor_id) = actor_columns(actor);
    let detail = match note {
        None => json(&e.action),
        Some(n) => {
            let mut v = serde_json::to_value(&e.action).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("reason".into(), n.into());
            }
            v.to_string()
        }
    };
    order_event::ActiveModel {
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
async fn emit(
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
    super::outbox::append(db, &topic(action), order.id.0, &payload, now).await
}

/// Filters for the operations order list; all optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only these states.
    pub states: Vec<OrderState>,
    /// Only this service area.
    pub area_code: Option<String>,
    /// Windows starting at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Windows starting before this.
    pub until: Option<DateTime<Utc>>,
    /// Only this worker's.
    pub worker: Option<Uuid>,
    /// Only this customer's.
    pub customer: Option<Uuid>,
    /// Only orders offered or assigned to a worker of this partner.
    pub partner: Option<Uuid>,
}

/// The ids of the workers of partner `p`, as a subquery.
pub fn partner_workers(p: Uuid) -> sea_orm::sea_query::SelectStatement {
    use crate::entity::worker;
    use sea_orm::sea_query::Query;
    Query::select()
        .column(worker::Column::Id)
        .from(worker::Entity)
        .and_where(worker::Column::PartnerId.eq(p))
        .to_owned()
}

/// Orders matching `f`, newest first, a page at a time.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &OrderFilter,
    page: super::PageRequest,
) -> Result<super::Page<service_order::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut q = service_order::Entity::find()
        .order_by_desc(service_order::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(service_order::Column::Id.lt(after));
    }
    if !f.states.is_empty() {
        q = q.filter(service_order::Column::State.is_in(f.states.iter().map(|s| s.as_str())));
    }
    if let Some(a) = &f.area_code {
        q = q.filter(service_order::Column::AreaCode.eq(a.as_str()));
    }
    if let Some(t) = f.from {
        q = q.filter(service_order::Column::WindowStart.gte(t));
    }
    if let Some(t) = f.until {
        q = q.filter(service_order::Column::WindowStart.lt(t));
    }
    if let Some(w) = f.worker {
        q = q.filter(service_order::Column::WorkerId.eq(w));
    }
    if let Some(c) = f.customer {
        q = q.filter(service_order::Column::CustomerId.eq(c));
    }
    if let Some(p) = f.partner {
        q = q.filter(service_order::Column::WorkerId.in_subquery(partner_workers(p)));
    }
    let rows = q.all(db).await?;
    Ok(super::page_from(rows, page.limit, |r| r.id))
}
