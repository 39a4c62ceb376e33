//! Placing orders: a new order (its row, lines, first event, outbox event, photos and
//! timers in one transaction, after the booking's capacity check), and the rework order
//! (返工) of a completed one.

use super::timeline::{actor_columns, emit, record_event};
use super::timers::follow_ups;
use super::{NewOrder, OrderError, SlotClaim, get, json, lines, seal_notes};
use crate::entity::{order_event, order_line, service_order};
use crate::repo::accounts::address_context as ctx;
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::ids::{CustomerId, OrderId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Actor, Order, PaymentPlan, Window};
use daojia_domain::order::policy::Policy;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

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
            // Explicitly: a dropped transaction keeps its locks (the day's booking lock)
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
        let tz = crate::repo::slots::zone(claim.area);
        let day = crate::repo::slots::day_of(tz, new.window.start);
        crate::repo::slots::lock_day(tx, claim.pool, day).await?;
        let job = job_of(&new, claim.reach_m);
        let window = (new.window.start, new.window.end);
        if !crate::repo::slots::fits(tx, &claim, &job, window, None).await? {
            return Err(OrderError::SlotUnavailable);
        }
    }
    insert(tx, store, new, Uuid::now_v7(), None, now, request_id).await
}

/// Refuses, before any lock, visits that cannot be served in their window as the day stands
/// now: [`OrderError::SlotUnavailable`] for one visit, [`OrderError::TradeUnavailable`] for
/// several (one order of several trades, one window). The day's visits are read in one
/// statement, so the refusal is true of one committed state of the day (the window was
/// full at that instant) and needs no transaction. An `Ok` promises nothing: the booking
/// checks again under the day's lock (`place_tx`), which is what keeps the last place
/// exact (ADR 0012, addendum).
pub async fn refuse_unservable(
    db: &impl sea_orm::ConnectionTrait,
    claim: &SlotClaim<'_>,
    visits: &[&NewOrder],
) -> Result<(), OrderError> {
    let Some(first) = visits.first() else {
        return Ok(());
    };
    let window = (first.window.start, first.window.end);
    if let [one] = visits {
        let job = job_of(one, claim.reach_m);
        if !crate::repo::slots::fits(db, claim, &job, window, None).await? {
            return Err(OrderError::SlotUnavailable);
        }
        return Ok(());
    }
    let jobs: Vec<_> = visits.iter().map(|v| job_of(v, claim.reach_m)).collect();
    crate::repo::slots::fits_all(db, claim, &jobs, window, &[])
        .await?
        .map_err(OrderError::TradeUnavailable)?;
    Ok(())
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
    let placed = order_event::ActiveModel {
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
    record_event(tx, &placed).await?;
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
        let attached = crate::repo::uploads::attach(
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
            Ok(()) => record_photos(tx, id, now).await?,
            Err(crate::repo::uploads::AttachError::NotYours(p)) => {
                return Err(OrderError::Photo(p));
            }
            Err(crate::repo::uploads::AttachError::Db(e)) => return Err(e.into()),
        }
    }
    for j in follow_ups(&order, 0, true, false, now) {
        crate::repo::jobs::enqueue(tx, j, now).await?;
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
        let placed = order_event::ActiveModel {
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
        record_event(&tx, &placed).await?;
        emit(&tx, &order, 0, "place", None, actor, now).await?;
        for j in follow_ups(&order, 0, true, false, now) {
            crate::repo::jobs::enqueue(&tx, j, now).await?;
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

/// Appends the photos attached to a new order to its service record (the SHA-256 of each
/// file), in the placement's transaction.
async fn record_photos(
    tx: &sea_orm::DatabaseTransaction,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), sea_orm::DbErr> {
    for p in crate::repo::uploads::photos_of(tx, id).await? {
        if let Some(u) = crate::repo::uploads::get(tx, p.upload_id).await? {
            let content = crate::repo::records::of_photo(&p.purpose, &u);
            crate::repo::records::append(tx, id, content, now).await?;
        }
    }
    Ok(())
}
