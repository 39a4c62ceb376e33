//! The visit at the door: check-ins written in the transaction of the order's move to
//! `arrived` (with their outbox event), the door check code made once per order and the
//! entries made against it, and the flagged check-ins operations look at.

use super::orders::{OrderError, get, tokio_free_pause, try_apply_in};
use crate::entity::{order_door_code, visit_check_in, visit_no_show};
use crate::repo::{Page, PageRequest, outbox};
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::machine::{Action, Actor, Order, Outcome};
use daojia_domain::visit::CheckIn;
use daojia_domain::visit::door::{self, DoorRules};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Encryption context of a check-in's position.
pub const POSITION: &str = "visit.position";
/// Encryption context of an order's door check code.
pub const DOOR_CODE: &str = "order.door_code";

/// A check-in to record with the order's move to `arrived`.
#[derive(Debug, Clone)]
pub struct NewCheckIn {
    /// Who.
    pub worker_id: Uuid,
    /// Where the phone said they were (WGS-84).
    pub position: LatLng,
    /// Its accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// The radius in force, metres.
    pub radius_m: u32,
    /// What the rules decided.
    pub decision: CheckIn,
    /// The worker's photo (an upload of theirs), when outside the fence.
    pub photo_upload_id: Option<Uuid>,
    /// The worker's photo of themselves (an upload of theirs) for the customer to check.
    pub selfie_upload_id: Option<Uuid>,
    /// When the worker checked in by the phone's clock, when the app sent it later
    /// (queued offline); recorded in the order event's detail.
    pub device_at: Option<DateTime<Utc>>,
}

/// Moves the order `id` to `arrived` for `actor` and records the check-in with an outbox
/// event `visit.check_in` in the same transaction. A check-in repeated on an order already
/// arrived records nothing and answers `AlreadyDone` with no row.
pub async fn check_in(
    store: &Store,
    id: Uuid,
    actor: Actor,
    new: &NewCheckIn,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(Outcome, Order, Option<visit_check_in::Model>), OrderError> {
    for _ in 0..5 {
        let tx = crate::begin(store.db()).await?;
        let applied = try_apply_in(
            &tx,
            store,
            id,
            actor,
            &Action::CheckIn,
            now,
            request_id,
            None,
            None,
            None,
            new.device_at,
        )
        .await;
        let (outcome, order) = match applied {
            Ok(Some(done)) => done,
            Ok(None) | Err(OrderError::Busy) => {
                let _ = tx.rollback().await;
                tokio_free_pause().await;
                continue;
            }
            Err(OrderError::Db(e)) if crate::is_retryable(&e) || is_unique_violation(&e) => {
                let _ = tx.rollback().await;
                tokio_free_pause().await;
                continue;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        };
        if matches!(outcome, Outcome::AlreadyDone) {
            tx.rollback().await?;
            return Ok((outcome, order, None));
        }
        let row = insert_check_in(&tx, store, id, new, now).await?;
        tx.commit().await?;
        return Ok((outcome, order, Some(row)));
    }
    Err(OrderError::Busy)
}

async fn insert_check_in(
    tx: &sea_orm::DatabaseTransaction,
    store: &Store,
    id: Uuid,
    new: &NewCheckIn,
    now: DateTime<Utc>,
) -> Result<visit_check_in::Model, OrderError> {
    let area_code = get(tx, id).await?.and_then(|o| o.area_code);
    let v = &new.decision.verdict;
    let position = format!("{},{}", new.position.lat, new.position.lng);
    let outside = serde_json::to_string(&v.outside).expect("plain data serialises");
    let row = visit_check_in::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(id),
        worker_id: Set(new.worker_id),
        area_code: Set(area_code),
        at: Set(now),
        position_enc: Set(store.vault().encrypt(POSITION, &position)),
        accuracy_m: Set(new.accuracy_m),
        distance_m: Set(i32::try_from(v.distance_m).unwrap_or(i32::MAX)),
        radius_m: Set(i32::try_from(new.radius_m).unwrap_or(i32::MAX)),
        inside_radius: Set(v.inside_radius),
        on_time: Set(v.on_time),
        flagged: Set(new.decision.flagged),
        outside: Set(outside),
        reason: Set(new.decision.reason.clone()),
        photo_upload_id: Set(new.photo_upload_id),
        selfie_upload_id: Set(new.selfie_upload_id),
    }
    .insert(tx)
    .await?;
    // The service record: the verdict, the position and reason salted, the photo's hash.
    let photo = match new.photo_upload_id {
        Some(p) => crate::repo::uploads::get(tx, p).await?,
        None => None,
    };
    let selfie = match new.selfie_upload_id {
        Some(p) => crate::repo::uploads::get(tx, p).await?,
        None => None,
    };
    let content = crate::repo::records::of_check_in(
        &row,
        (new.position.lat, new.position.lng),
        photo.as_ref(),
        selfie.as_ref(),
    );
    crate::repo::records::append(tx, id, content, now).await?;
    let codes: Vec<&str> = v.outside.iter().map(|o| o.code()).collect();
    let payload = serde_json::json!({
        "order_id": id,
        "check_in_id": row.id,
        "worker_id": new.worker_id,
        "distance_m": v.distance_m,
        "inside_radius": v.inside_radius,
        "on_time": v.on_time,
        "flagged": new.decision.flagged,
        "outside": codes,
        "selfie": new.selfie_upload_id.is_some(),
        "at": now,
    });
    outbox::append(tx, "visit.check_in", id, &payload, now).await?;
    Ok(row)
}

/// A check-in's position, decrypted.
pub fn position(store: &Store, row: &visit_check_in::Model) -> Option<LatLng> {
    let text = store.vault().decrypt(POSITION, &row.position_enc).ok()?;
    let (lat, lng) = text.split_once(',')?;
    Some(LatLng::new(lat.parse().ok()?, lng.parse().ok()?))
}

/// The check-ins of an order, oldest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<visit_check_in::Model>, DbErr> {
    visit_check_in::Entity::find()
        .filter(visit_check_in::Column::OrderId.eq(id))
        .order_by_asc(visit_check_in::Column::At)
        .all(db)
        .await
}

/// Which flagged check-ins to list.
#[derive(Debug, Clone, Default)]
pub struct FlaggedFilter {
    /// Only this area's.
    pub area_code: Option<String>,
    /// Only check-ins of this partner's workers.
    pub partner: Option<Uuid>,
    /// Only at or after this time.
    pub since: Option<DateTime<Utc>>,
}

/// Flagged check-ins, newest first, a page at a time.
pub async fn flagged(
    db: &impl ConnectionTrait,
    f: &FlaggedFilter,
    page: PageRequest,
) -> Result<Page<visit_check_in::Model>, DbErr> {
    let mut q = visit_check_in::Entity::find().filter(visit_check_in::Column::Flagged.eq(true));
    if let Some(a) = &f.area_code {
        q = q.filter(visit_check_in::Column::AreaCode.eq(a.as_str()));
    }
    if let Some(p) = f.partner {
        q = q.filter(
            visit_check_in::Column::WorkerId.in_subquery(super::orders::partner_workers(p)),
        );
    }
    if let Some(s) = f.since {
        q = q.filter(visit_check_in::Column::At.gte(s));
    }
    if let Some(after) = page.after {
        q = q.filter(visit_check_in::Column::Id.lt(after));
    }
    let mut items = q
        .order_by_desc(visit_check_in::Column::Id)
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

/// The order's door check code in clear, made (from a secure random number) the first time
/// anyone asks: the customer's app, or the worker's first entry.
pub async fn door_code(
    store: &Store,
    order_id: Uuid,
    rules: &DoorRules,
    now: DateTime<Utc>,
) -> Result<(String, order_door_code::Model), DbErr> {
    let db = store.db();
    for _ in 0..3 {
        if let Some(row) = order_door_code::Entity::find_by_id(order_id)
            .one(db)
            .await?
        {
            let code = store
                .vault()
                .decrypt(DOOR_CODE, &row.code_enc)
                .map_err(|e| DbErr::Custom(format!("door code of {order_id}: {e}")))?;
            return Ok((code, row));
        }
        let code = door::make(rules, rand::rng().next_u64());
        let inserted = order_door_code::ActiveModel {
            order_id: Set(order_id),
            code_enc: Set(store.vault().encrypt(DOOR_CODE, &code)),
            attempts: Set(0),
            created_at: Set(now),
            last_attempt_at: Set(None),
            verified_at: Set(None),
        }
        .insert(db)
        .await;
        match inserted {
            Ok(row) => return Ok((code, row)),
            // Made at the same moment by another request: read theirs.
            Err(e) if is_unique_violation(&e) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(DbErr::Custom(format!("door code of {order_id}: busy")))
}

/// Counts one entry against the order's code if fewer than `max` were made; answers the
/// entries made before this one, or `None` when none are left (nothing counted). Two
/// entries at the same moment are both counted: the count is a conditional update.
pub async fn count_attempt(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    max: u32,
    now: DateTime<Utc>,
) -> Result<Option<u32>, DbErr> {
    for _ in 0..10 {
        let Some(row) = order_door_code::Entity::find_by_id(order_id)
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let before = Ord::max(row.attempts, 0) as u32;
        if before >= max {
            return Ok(None);
        }
        let done = order_door_code::Entity::update_many()
            .col_expr(
                order_door_code::Column::Attempts,
                Expr::col(order_door_code::Column::Attempts).add(1),
            )
            .col_expr(order_door_code::Column::LastAttemptAt, Expr::value(now))
            .filter(order_door_code::Column::OrderId.eq(order_id))
            .filter(order_door_code::Column::Attempts.eq(row.attempts))
            .exec(db)
            .await?;
        if done.rows_affected == 1 {
            return Ok(Some(before));
        }
    }
    Err(DbErr::Custom(format!("door code of {order_id}: busy")))
}

/// Records that the code was entered right (the first time).
pub async fn verified(
    db: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    order_door_code::Entity::update_many()
        .col_expr(order_door_code::Column::VerifiedAt, Expr::value(now))
        .filter(order_door_code::Column::OrderId.eq(order_id))
        .filter(order_door_code::Column::VerifiedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The evidence of a no-show (客户不在家) to record with the order's cancellation.
#[derive(Debug, Clone)]
pub struct NewNoShow {
    /// The worker at the door.
    pub worker_id: Uuid,
    /// Where the phone said they were (WGS-84).
    pub position: LatLng,
    /// Its accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// Metres from the order's address.
    pub distance_m: u32,
    /// Calls to the customer tried.
    pub call_attempts: u32,
    /// The worker's photo at the door (an upload of theirs, purpose `no_show`).
    pub photo_upload_id: Uuid,
    /// What the worker added.
    pub note: Option<String>,
    /// The cancellation's reason in the order event.
    pub reason: String,
    /// The phone's time of it (queued offline).
    pub device_at: Option<DateTime<Utc>>,
}

/// Cancels the order `id` for the worker at the door under the no-show policy (the
/// state machine keeps the fee and refunds the rest, exactly as any cancellation) and, in
/// the same transaction, records the evidence (`visit_no_show`), its service record entry
/// and an outbox event `visit.no_show`. A repeat on an order already cancelled records
/// nothing and answers the no-show recorded before (`None` if there is none).
pub async fn no_show(
    store: &Store,
    id: Uuid,
    actor: Actor,
    new: &NewNoShow,
    now: DateTime<Utc>,
) -> Result<(Outcome, Order, Option<visit_no_show::Model>), OrderError> {
    for _ in 0..5 {
        let tx = crate::begin(store.db()).await?;
        let applied = try_apply_in(
            &tx,
            store,
            id,
            actor,
            &Action::Cancel {
                reason: new.reason.clone(),
            },
            now,
            None,
            None,
            None,
            None,
            new.device_at,
        )
        .await;
        let (outcome, order) = match applied {
            Ok(Some(done)) => done,
            Ok(None) | Err(OrderError::Busy) => {
                let _ = tx.rollback().await;
                tokio_free_pause().await;
                continue;
            }
            Err(OrderError::Db(e)) if crate::is_retryable(&e) || is_unique_violation(&e) => {
                let _ = tx.rollback().await;
                tokio_free_pause().await;
                continue;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        };
        let Outcome::Applied(event) = &outcome else {
            tx.rollback().await?;
            let before = no_show_of(store.db(), id).await?;
            return Ok((outcome, order, before));
        };
        let Some(o) = get(&tx, id).await? else {
            tx.rollback().await?;
            return Err(OrderError::NotFound);
        };
        let row = insert_no_show(
            store,
            &tx,
            &o,
            new,
            event.money.fee.as_fen(),
            event.money.refunded.as_fen(),
            now,
        )
        .await?;
        let photo = crate::repo::uploads::get(&tx, new.photo_upload_id).await?;
        let content = crate::repo::records::of_no_show(
            &row,
            (new.position.lat, new.position.lng),
            photo.as_ref(),
        );
        crate::repo::records::append(&tx, id, content, now).await?;
        let payload = serde_json::json!({
            "order_id": id,
            "no_show_id": row.id,
            "worker_id": new.worker_id,
            "distance_m": new.distance_m,
            "call_attempts": new.call_attempts,
            "fee_fen": row.fee_fen,
            "refunded_fen": row.refunded_fen,
            "at": now,
        });
        outbox::append(&tx, "visit.no_show", id, &payload, now).await?;
        tx.commit().await?;
        return Ok((outcome, order, Some(row)));
    }
    Err(OrderError::Busy)
}

/// Inserts the row of a no-show on `order` (cancelled with `fee_fen` kept and
/// `refunded_fen` refunded) in `tx`, the position encrypted.
pub async fn insert_no_show(
    store: &Store,
    tx: &sea_orm::DatabaseTransaction,
    order: &crate::entity::service_order::Model,
    new: &NewNoShow,
    fee_fen: i64,
    refunded_fen: i64,
    now: DateTime<Utc>,
) -> Result<visit_no_show::Model, DbErr> {
    let position = format!("{},{}", new.position.lat, new.position.lng);
    visit_no_show::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(order.id),
        worker_id: Set(new.worker_id),
        area_code: Set(order.area_code.clone()),
        at: Set(now),
        device_at: Set(new.device_at),
        position_enc: Set(store.vault().encrypt(POSITION, &position)),
        accuracy_m: Set(new.accuracy_m),
        distance_m: Set(i32::try_from(new.distance_m).unwrap_or(i32::MAX)),
        call_attempts: Set(i32::try_from(new.call_attempts).unwrap_or(i32::MAX)),
        photo_upload_id: Set(new.photo_upload_id),
        note: Set(new.note.clone()),
        fee_fen: Set(fee_fen),
        refunded_fen: Set(refunded_fen),
    }
    .insert(tx)
    .await
}

/// The no-show recorded on an order, if any.
pub async fn no_show_of(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<visit_no_show::Model>, DbErr> {
    visit_no_show::Entity::find()
        .filter(visit_no_show::Column::OrderId.eq(order_id))
        .one(db)
        .await
}

/// A no-show's position, decrypted.
pub fn no_show_position(store: &Store, row: &visit_no_show::Model) -> Option<LatLng> {
    let text = store.vault().decrypt(POSITION, &row.position_enc).ok()?;
    let (lat, lng) = text.split_once(',')?;
    Some(LatLng::new(lat.parse().ok()?, lng.parse().ok()?))
}

/// No-shows, newest first, a page at a time (filtered like the flagged check-ins).
pub async fn no_shows(
    db: &impl ConnectionTrait,
    f: &FlaggedFilter,
    page: PageRequest,
) -> Result<Page<visit_no_show::Model>, DbErr> {
    let mut q = visit_no_show::Entity::find();
    if let Some(a) = &f.area_code {
        q = q.filter(visit_no_show::Column::AreaCode.eq(a.as_str()));
    }
    if let Some(p) = f.partner {
        q = q
            .filter(visit_no_show::Column::WorkerId.in_subquery(super::orders::partner_workers(p)));
    }
    if let Some(s) = f.since {
        q = q.filter(visit_no_show::Column::At.gte(s));
    }
    if let Some(after) = page.after {
        q = q.filter(visit_no_show::Column::Id.lt(after));
    }
    let mut items = q
        .order_by_desc(visit_no_show::Column::Id)
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
