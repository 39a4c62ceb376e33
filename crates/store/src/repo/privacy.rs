//! Personal-information rights (个人信息保护法): consent records, the export of everything
//! an account holds, and erasure at the holder's request.
//!
//! Every read and every erasure of a personal column for export or deletion goes through
//! this module (see [`columns`]), so that a column that changes form (a name that becomes
//! encrypted, say) is changed here once. Orders and money records outlive an erasure, as
//! the bookkeeping law requires, but afterwards no longer identify the person: their
//! contact, address and free text are overwritten, the account's phone, index and nickname
//! are replaced, and everything that only served the person (addresses, sessions, log-in
//! codes, messages, photos) is deleted.

use crate::Store;
use crate::entity::{
    account_erasure, auth_refresh_token, auth_session, consent, customer, customer_address,
    idempotency_key, order_event, order_photo, otp_code, service_order, sms_outbox, upload, worker,
    worker_certificate, worker_credit_event, worker_shift, worker_shift_exception, worker_skill,
};
use crate::pii::VaultError;
use crate::repo::accounts::{self, address_context as ctx};
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use daojia_domain::order::OrderState;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// The documents an account consents to.
pub mod document {
    /// The privacy policy (隐私政策).
    pub const PRIVACY: &str = "privacy";
    /// The terms of service (用户协议).
    pub const TERMS: &str = "terms";
    /// Both, in the order the apps show them.
    pub const ALL: [&str; 2] = [PRIVACY, TERMS];
}

/// What went wrong in an export or an erasure.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// The database.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A stored value could not be decrypted (a missing key): nothing is erased then.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Why an account cannot be erased yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Orders that are not finished (their numbers).
    OpenOrders(Vec<String>),
    /// Finished orders whose money is not settled: a balance due, or a refund not made
    /// (their numbers).
    MoneyOwed(Vec<String>),
}

/// Records that `subject` accepted `version` of `document` (`privacy` or `terms`).
pub async fn record_consent(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
    document: &str,
    version: &str,
    ip: Option<&str>,
    now: DateTime<Utc>,
) -> Result<consent::Model, DbErr> {
    consent::ActiveModel {
        id: Set(Uuid::now_v7()),
        subject_id: Set(subject),
        audience: Set(audience.as_str().into()),
        document: Set(document.into()),
        version: Set(version.into()),
        accepted_at: Set(now),
        ip: Set(ip.map(str::to_string)),
    }
    .insert(db)
    .await
}

/// Every consent of an account, oldest first.
pub async fn consents(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
) -> Result<Vec<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::SubjectId.eq(subject))
        .filter(consent::Column::Audience.eq(audience.as_str()))
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await
}

/// The consent in force for `document` (the newest), if any.
pub async fn accepted(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
    document: &str,
) -> Result<Option<consent::Model>, DbErr> {
    consent::Entity::find()
        .filter(consent::Column::SubjectId.eq(subject))
        .filter(consent::Column::Audience.eq(audience.as_str()))
        .filter(consent::Column::Document.eq(document))
        .order_by_desc(consent::Column::Id)
        .one(db)
        .await
}

/// Whether the account was erased.
pub async fn is_erased(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
) -> Result<bool, DbErr> {
    Ok(account_erasure::Entity::find()
        .filter(account_erasure::Column::Audience.eq(audience.as_str()))
        .filter(account_erasure::Column::SubjectId.eq(subject))
        .one(db)
        .await?
        .is_some())
}

/// The personal columns this module reads and overwrites (names, nickname, notes), through
/// the store's own sealing functions, so encryption is decided in one place.
pub mod columns {
    use super::*;

    /// A customer's nickname as shown to them.
    pub fn customer_nickname(store: &Store, c: &customer::Model) -> Result<String, VaultError> {
        crate::repo::accounts::customer_nickname(store, c)
    }

    /// A worker's name.
    pub fn worker_name(store: &Store, w: &worker::Model) -> Result<String, VaultError> {
        crate::repo::accounts::worker_name(store, w)
    }

    /// An order's notes (may hold a door code).
    pub fn order_notes(store: &Store, o: &service_order::Model) -> Result<String, VaultError> {
        crate::repo::orders::notes(store, o)
    }

    /// The nickname of an erased customer.
    pub const ERASED_NICKNAME: &str = "已注销用户";
    /// The name of an erased worker.
    pub const ERASED_WORKER_NAME: &str = "已注销师傅";

    /// Overwrites a customer's nickname.
    pub fn erase_customer_nickname(store: &Store, a: &mut customer::ActiveModel) {
        a.nickname_enc = Set(crate::repo::accounts::seal_customer_nickname(
            store,
            ERASED_NICKNAME,
        ));
    }

    /// Overwrites a worker's name.
    pub fn erase_worker_name(store: &Store, a: &mut worker::ActiveModel) {
        a.name_enc = Set(crate::repo::accounts::seal_worker_name(
            store,
            ERASED_WORKER_NAME,
        ));
    }

    /// Overwrites an order's notes.
    pub fn erase_order_notes(store: &Store, a: &mut service_order::ActiveModel) {
        a.notes_enc = Set(crate::repo::orders::seal_notes(store, ""));
    }
}

/// The orders that stop an erasure, if any: unfinished ones first, then finished ones
/// whose money is not settled (a completed order not paid in full; a cancelled one where
/// what was paid, less what was refunded, is not the fee kept).
pub fn refusal(orders: &[service_order::Model]) -> Option<Refusal> {
    let open: Vec<String> = orders
        .iter()
        .filter(|o| {
            o.state
                .parse::<OrderState>()
                .map_or(true, |s| !s.is_terminal())
        })
        .map(|o| o.order_no.clone())
        .collect();
    if !open.is_empty() {
        return Some(Refusal::OpenOrders(open));
    }
    let owed: Vec<String> = orders
        .iter()
        .filter(|o| match o.state.parse::<OrderState>() {
            Ok(OrderState::Completed) => o.paid_fen < o.total_fen,
            Ok(OrderState::Cancelled) => o.paid_fen - o.refunded_fen != o.fee_fen,
            _ => false,
        })
        .map(|o| o.order_no.clone())
        .collect();
    (!owed.is_empty()).then_some(Refusal::MoneyOwed(owed))
}

fn open(store: &Store, context: &str, enc: &str) -> Result<String, VaultError> {
    store.vault().decrypt(context, enc)
}

async fn customer_orders(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<service_order::Model>, DbErr> {
    service_order::Entity::find()
        .filter(service_order::Column::CustomerId.eq(id))
        .order_by_asc(service_order::Column::Id)
        .all(db)
        .await
}

async fn order_json(
    store: &Store,
    o: &service_order::Model,
    contact: bool,
) -> Result<Value, PrivacyError> {
    let db = store.db();
    let lines = super::orders::lines(db, o.id).await?;
    let events = super::orders::events(db, o.id).await?;
    let payments = super::orders::payments(db, o.id).await?;
    let photos = super::uploads::photos_of(db, o.id).await?;
    let mut photo_rows = Vec::with_capacity(photos.len());
    for p in photos {
        let u = upload::Entity::find_by_id(p.upload_id).one(db).await?;
        photo_rows.push(json!({
            "upload_id": p.upload_id,
            "purpose": p.purpose,
            "attached_at": p.created_at,
            "file": u.map(|u| upload_json(&u)),
        }));
    }
    let mut v = json!({
        "id": o.id,
        "order_no": o.order_no,
        "state": o.state,
        "area_code": o.area_code,
        "window_start": o.window_start,
        "window_end": o.window_end,
        "payment_mode": o.payment_mode,
        "total_fen": o.total_fen,
        "deposit_fen": o.deposit_fen,
        "paid_fen": o.paid_fen,
        "refunded_fen": o.refunded_fen,
        "fee_fen": o.fee_fen,
        "created_at": o.created_at,
        "completed_at": o.completed_at,
        "lines": lines.iter().map(|l| json!({
            "item_code": l.item_code,
            "item_name": l.item_name,
            "quantity": l.quantity,
            "unit_price_fen": l.unit_price_fen,
            "total_fen": l.total_fen,
            "duration_min": l.duration_min,
            "selections": serde_json::from_str::<Value>(&l.selections).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "events": events.iter().map(|e| json!({
            "seq": e.seq,
            "at": e.at,
            "actor_type": e.actor_type,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
            "paid_fen": e.paid_fen,
            "refunded_fen": e.refunded_fen,
            "fee_fen": e.fee_fen,
        })).collect::<Vec<_>>(),
        "payments": payments.iter().map(|p| json!({
            "method": p.method,
            "reference": p.reference,
            "amount_fen": p.amount_fen,
            "at": p.at,
        })).collect::<Vec<_>>(),
        "photos": photo_rows,
    });
    if contact {
        v["contact_name"] = open(store, ctx::CONTACT_NAME, &o.contact_name_enc)?.into();
        v["contact_phone"] = open(store, ctx::CONTACT_PHONE, &o.contact_phone_enc)?.into();
        v["address"] = open(store, ctx::ADDRESS, &o.address_enc)?.into();
        v["house_number"] = open(store, ctx::HOUSE_NUMBER, &o.house_number_enc)?.into();
        v["lat"] = o.lat.into();
        v["lng"] = o.lng.into();
        v["notes"] = columns::order_notes(store, o)?.into();
    }
    Ok(v)
}

fn upload_json(u: &upload::Model) -> Value {
    json!({
        "id": u.id,
        "purpose": u.purpose,
        "content_type": u.content_type,
        "size_bytes": u.size_bytes,
        "width": u.width,
        "height": u.height,
        "sha256": u.sha256,
        "created_at": u.created_at,
    })
}

async fn common_json(
    store: &Store,
    audience: Audience,
    subject: Uuid,
    phone_index: &str,
) -> Result<Value, DbErr> {
    let db = store.db();
    let consents = consents(db, audience, subject).await?;
    let sessions = auth_session::Entity::find()
        .filter(auth_session::Column::Audience.eq(audience.as_str()))
        .filter(auth_session::Column::SubjectId.eq(subject))
        .order_by_asc(auth_session::Column::Id)
        .all(db)
        .await?;
    let uploads = upload::Entity::find()
        .filter(upload::Column::OwnerType.eq(audience.as_str()))
        .filter(upload::Column::OwnerId.eq(subject))
        .order_by_asc(upload::Column::Id)
        .all(db)
        .await?;
    let messages = sms_outbox::Entity::find()
        .filter(sms_outbox::Column::PhoneIndex.eq(phone_index))
        .order_by_asc(sms_outbox::Column::Id)
        .all(db)
        .await?;
    Ok(json!({
        "consents": consents.iter().map(|c| json!({
            "document": c.document,
            "version": c.version,
            "accepted_at": c.accepted_at,
            "ip": c.ip,
        })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| json!({
            "id": s.id,
            "created_at": s.created_at,
            "last_used_at": s.last_used_at,
            "expires_at": s.expires_at,
            "revoked_at": s.revoked_at,
            "user_agent": s.user_agent,
            "ip": s.ip,
        })).collect::<Vec<_>>(),
        "uploads": uploads.iter().map(upload_json).collect::<Vec<_>>(),
        // The template and outcome only: a message's text may hold a log-in code.
        "messages": messages.iter().map(|m| json!({
            "created_at": m.created_at,
            "template": m.template,
            "status": m.status,
        })).collect::<Vec<_>>(),
    }))
}

/// Everything the platform holds about a customer, decrypted, as one JSON document.
pub async fn export_customer(
    store: &Store,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Value>, PrivacyError> {
    let db = store.db();
    let Some(c) = accounts::customer(db, id).await? else {
        return Ok(None);
    };
    let addresses = customer_address::Entity::find()
        .filter(customer_address::Column::CustomerId.eq(id))
        .order_by_asc(customer_address::Column::CreatedAt)
        .all(db)
        .await?;
    let mut address_rows = Vec::with_capacity(addresses.len());
    for a in &addresses {
        address_rows.push(json!({
            "id": a.id,
            "label": a.label,
            "contact_name": open(store, ctx::CONTACT_NAME, &a.contact_name_enc)?,
            "contact_phone": open(store, ctx::CONTACT_PHONE, &a.contact_phone_enc)?,
            "address": open(store, ctx::ADDRESS, &a.address_enc)?,
            "house_number": open(store, ctx::HOUSE_NUMBER, &a.house_number_enc)?,
            "lat": a.lat,
            "lng": a.lng,
            "area_code": a.area_code,
            "is_default": a.is_default,
            "created_at": a.created_at,
        }));
    }
    let mut orders = vec![];
    for o in customer_orders(db, id).await? {
        orders.push(order_json(store, &o, true).await?);
    }
    let mut doc = json!({
        "format": "daojia.export.v1",
        "audience": "customer",
        "exported_at": now,
        "profile": {
            "id": c.id,
            "phone": open(store, accounts::CUSTOMER_PHONE, &c.phone_enc)?,
            "nickname": columns::customer_nickname(store, &c)?,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        },
        "addresses": address_rows,
        "orders": orders,
    });
    merge(
        &mut doc,
        common_json(store, Audience::Customer, id, &c.phone_index).await?,
    );
    Ok(Some(doc))
}

/// Everything the platform holds about a worker: profile, shifts, the orders they served
/// (without the customers' contact details, which are not the worker's data), consents,
/// sessions and uploads.
pub async fn export_worker(
    store: &Store,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Value>, PrivacyError> {
    let db = store.db();
    let Some(w) = accounts::worker(db, id).await? else {
        return Ok(None);
    };
    let shifts = accounts::worker_shifts(db, id).await?;
    let served = service_order::Entity::find()
        .filter(service_order::Column::WorkerId.eq(id))
        .order_by_asc(service_order::Column::Id)
        .all(db)
        .await?;
    let mut orders = vec![];
    for o in &served {
        orders.push(order_json(store, o, false).await?);
    }
    let mut doc = json!({
        "format": "daojia.export.v1",
        "audience": "worker",
        "exported_at": now,
        "profile": {
            "id": w.id,
            "code": w.code,
            "phone": open(store, accounts::WORKER_PHONE, &w.phone_enc)?,
            "name": columns::worker_name(store, &w)?,
            "gender": w.gender,
            "skills": serde_json::from_str::<Value>(&w.skills).unwrap_or(Value::Null),
            "rating": f64::from(w.rating_tenths) / 10.0,
            "years_experience": w.years_experience,
            "home_lat": w.home_lat,
            "home_lng": w.home_lng,
            "area_code": w.area_code,
            "active": w.active,
            "created_at": w.created_at,
            "status": w.status,
            "id_number": w
                .id_number_enc
                .as_deref()
                .map(|enc| open(store, super::workers::WORKER_ID_NUMBER, enc))
                .transpose()?,
            "photo_upload_id": w.photo_upload_id,
            "tools": w.tools.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok()),
            "partner_id": w.partner_id,
            "daily_job_limit": w.daily_job_limit,
            "credit_score": w.credit_score,
            "grab_suspended_until": w.grab_suspended_until,
        },
        "skill_levels": super::workers::skills(db, id).await?.iter().map(|s| json!({
            "skill": s.skill,
            "level": s.level,
        })).collect::<Vec<_>>(),
        "certificates": super::workers::certificates(db, id).await?.iter().map(|c| json!({
            "kind": c.kind,
            "skill": c.skill,
            "upload_id": c.upload_id,
            "number": c.number,
            "expires_on": c.expires_on,
            "status": c.status,
            "reason": c.reason,
            "created_at": c.created_at,
            "reviewed_at": c.reviewed_at,
        })).collect::<Vec<_>>(),
        "shift_exceptions": worker_shift_exception::Entity::find()
            .filter(worker_shift_exception::Column::WorkerId.eq(id))
            .order_by_asc(worker_shift_exception::Column::OnDate)
            .all(db)
            .await?
            .iter()
            .map(|e| json!({
                "date": e.on_date,
                "kind": e.kind,
                "start_minute": e.start_minute,
                "end_minute": e.end_minute,
                "reason": e.reason,
            }))
            .collect::<Vec<_>>(),
        "credit_events": worker_credit_event::Entity::find()
            .filter(worker_credit_event::Column::WorkerId.eq(id))
            .order_by_asc(worker_credit_event::Column::At)
            .all(db)
            .await?
            .iter()
            .map(|e| json!({
                "kind": e.kind,
                "delta": e.delta,
                "order_id": e.order_id,
                "reason": e.reason,
                "at": e.at,
                "reversed_at": e.reversed_at,
                "reverse_reason": e.reverse_reason,
            }))
            .collect::<Vec<_>>(),
        "shifts": shifts.iter().map(|s| json!({
            "weekday": s.weekday,
            "start_minute": s.start_minute,
            "end_minute": s.end_minute,
            "break_start_minute": s.break_start_minute,
            "break_end_minute": s.break_end_minute,
        })).collect::<Vec<_>>(),
        "orders": orders,
    });
    merge(
        &mut doc,
        common_json(store, Audience::Worker, id, &w.phone_index).await?,
    );
    Ok(Some(doc))
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

/// What an erasure removed, for the audit log (counts only) and for the caller, who
/// deletes the files of `uploads` from the file store after the commit.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Erased {
    /// Orders kept and anonymised.
    pub orders: u64,
    /// Saved addresses deleted.
    pub addresses: u64,
    /// Sessions ended and deleted.
    pub sessions: u64,
    /// Outbox messages deleted.
    pub messages: u64,
    /// Uploads whose rows were deleted; their files are to go too.
    pub uploads: Vec<Uuid>,
}

/// The marker that replaces an erased account's phone index: unique, never a real index
/// (those are hex), so the phone can register again as a new, empty account.
fn erased_index(id: Uuid) -> String {
    format!("erased:{}", id.simple())
}

/// Replaces free text a person typed (cancellation and after-sales reasons, notes) in an
/// order event's detail.
fn redact_detail(detail: &str) -> Option<String> {
    let mut v: Value = serde_json::from_str(detail).ok()?;
    fn walk(v: &mut Value) -> bool {
        let mut changed = false;
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if matches!(k.as_str(), "reason" | "note" | "notes") && x.is_string() {
                        *x = Value::String(String::new());
                        changed = true;
                    } else {
                        changed |= walk(x);
                    }
                }
            }
            Value::Array(a) => {
                for x in a {
                    changed |= walk(x);
                }
            }
            _ => {}
        }
        changed
    }
    walk(&mut v).then(|| v.to_string())
}

/// Deletes the sessions of an account (with their refresh tokens: every token dies).
async fn drop_sessions(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
) -> Result<u64, DbErr> {
    let ids: Vec<Uuid> = auth_session::Entity::find()
        .filter(auth_session::Column::Audience.eq(audience.as_str()))
        .filter(auth_session::Column::SubjectId.eq(subject))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if ids.is_empty() {
        return Ok(0);
    }
    auth_refresh_token::Entity::delete_many()
        .filter(auth_refresh_token::Column::SessionId.is_in(ids.clone()))
        .exec(db)
        .await?;
    Ok(auth_session::Entity::delete_many()
        .filter(auth_session::Column::Id.is_in(ids))
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes log-in codes, the phones' send throttles (keyed by the phone's blind index, so
/// personal too) and outbox messages for these phone indexes.
async fn drop_messages(db: &impl ConnectionTrait, indexes: &[String]) -> Result<u64, DbErr> {
    otp_code::Entity::delete_many()
        .filter(otp_code::Column::PhoneIndex.is_in(indexes.to_vec()))
        .exec(db)
        .await?;
    crate::entity::sms_throttle::Entity::delete_many()
        .filter(
            crate::entity::sms_throttle::Column::Subject
                .is_in(indexes.iter().map(|i| super::otp::phone_subject(i))),
        )
        .exec(db)
        .await?;
    Ok(sms_outbox::Entity::delete_many()
        .filter(sms_outbox::Column::PhoneIndex.is_in(indexes.to_vec()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Idempotency records of a principal (their replayed responses may hold an address).
/// The scope names the principal by id (`customer:{id} POST /path`); matching the id
/// anywhere in it keeps this right if the scope's layout changes.
async fn drop_idempotency(db: &impl ConnectionTrait, subject: Uuid) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.like(format!("%{subject}%")))
        .exec(db)
        .await?;
    Ok(())
}

async fn mark_erased(
    db: &impl ConnectionTrait,
    audience: Audience,
    subject: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    account_erasure::ActiveModel {
        id: Set(Uuid::now_v7()),
        audience: Set(audience.as_str().into()),
        subject_id: Set(subject),
        erased_at: Set(now),
    }
    .insert(db)
    .await?;
    // The consents stay as the record of what was agreed; where from is personal.
    consent::Entity::update_many()
        .col_expr(consent::Column::Ip, Expr::value(Option::<String>::None))
        .filter(consent::Column::SubjectId.eq(subject))
        .filter(consent::Column::Audience.eq(audience.as_str()))
        .exec(db)
        .await?;
    Ok(())
}

/// Erases a customer, in one transaction, unless an order is open or money is not
/// settled (`Ok(Err(refusal))`; nothing changes then).
///
/// Kept: the customer row (its id, creation time) and the orders with their lines,
/// events, payments and amounts. Overwritten: phone, phone index and nickname; on each
/// order the contact name, phone, address, house number and notes (encrypted empty
/// values), the coordinate rounded to 0.01° (about a kilometre), free text in events.
/// Deleted: addresses, sessions, log-in codes and messages to the account's phone and the
/// orders' contact phones, idempotency records, uploads and photo links.
pub async fn erase_customer(
    store: &Store,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Result<Erased, Refusal>, PrivacyError> {
    let v = store.vault();
    let txn = crate::begin(store.db()).await?;
    let Some(c) = accounts::customer(&txn, id).await? else {
        return Err(DbErr::RecordNotFound("customer".into()).into());
    };
    let orders = customer_orders(&txn, id).await?;
    if let Some(r) = refusal(&orders) {
        return Ok(Err(r));
    }
    let mut erased = Erased::default();
    // Every phone that identifies them: the account's, and each contact phone they gave.
    let mut indexes = vec![c.phone_index.clone()];
    let addresses = customer_address::Entity::find()
        .filter(customer_address::Column::CustomerId.eq(id))
        .all(&txn)
        .await?;
    let contact_phones = addresses
        .iter()
        .map(|a| &a.contact_phone_enc)
        .chain(orders.iter().map(|o| &o.contact_phone_enc));
    for enc in contact_phones {
        let phone = v.decrypt(ctx::CONTACT_PHONE, enc)?;
        if !phone.is_empty() {
            indexes.push(v.blind_index("phone", &phone));
        }
    }
    indexes.sort();
    indexes.dedup();

    let mut uploads: Vec<Uuid> = upload::Entity::find()
        .filter(upload::Column::OwnerType.eq(Audience::Customer.as_str()))
        .filter(upload::Column::OwnerId.eq(id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect();
    for o in &orders {
        let photos = order_photo::Entity::find()
            .filter(order_photo::Column::OrderId.eq(o.id))
            .all(&txn)
            .await?;
        uploads.extend(photos.iter().map(|p| p.upload_id));
        order_photo::Entity::delete_many()
            .filter(order_photo::Column::OrderId.eq(o.id))
            .exec(&txn)
            .await?;
        let mut a = o.clone().into_active_model();
        a.contact_name_enc = Set(v.encrypt(ctx::CONTACT_NAME, ""));
        a.contact_phone_enc = Set(v.encrypt(ctx::CONTACT_PHONE, ""));
        a.address_enc = Set(v.encrypt(ctx::ADDRESS, ""));
        a.house_number_enc = Set(v.encrypt(ctx::HOUSE_NUMBER, ""));
        a.address_id = Set(None);
        a.lat = Set((o.lat * 100.0).round() / 100.0);
        a.lng = Set((o.lng * 100.0).round() / 100.0);
        columns::erase_order_notes(store, &mut a);
        a.version = Set(o.version + 1);
        a.updated_at = Set(now);
        a.update(&txn).await?;
        for e in order_event::Entity::find()
            .filter(order_event::Column::OrderId.eq(o.id))
            .all(&txn)
            .await?
        {
            if let Some(detail) = redact_detail(&e.detail) {
                let mut a = e.into_active_model();
                a.detail = Set(detail);
                a.update(&txn).await?;
            }
        }
        erased.orders += 1;
    }
    uploads.sort();
    uploads.dedup();
    // An upload still attached to another person's order stays (it is theirs too).
    let mut gone = vec![];
    for u in uploads {
        let elsewhere = order_photo::Entity::find()
            .filter(order_photo::Column::UploadId.eq(u))
            .one(&txn)
            .await?;
        if elsewhere.is_none() {
            gone.push(u);
        }
    }
    if !gone.is_empty() {
        upload::Entity::delete_many()
            .filter(upload::Column::Id.is_in(gone.clone()))
            .exec(&txn)
            .await?;
    }
    erased.uploads = gone;
    erased.addresses = customer_address::Entity::delete_many()
        .filter(customer_address::Column::CustomerId.eq(id))
        .exec(&txn)
        .await?
        .rows_affected;
    erased.sessions = drop_sessions(&txn, Audience::Customer, id).await?;
    erased.messages = drop_messages(&txn, &indexes).await?;
    drop_idempotency(&txn, id).await?;
    let mut a = c.clone().into_active_model();
    a.phone_enc = Set(v.encrypt(accounts::CUSTOMER_PHONE, ""));
    a.phone_index = Set(erased_index(id));
    columns::erase_customer_nickname(store, &mut a);
    a.updated_at = Set(now);
    a.update(&txn).await?;
    mark_erased(&txn, Audience::Customer, id, now).await?;
    txn.commit().await?;
    Ok(Ok(erased))
}

/// Erases a worker, unless an order assigned to them is open. The orders they served stay
/// (they are the customers' records) and keep the worker's id, which no longer leads to a
/// name or a phone: the worker row keeps its id and code, its phone, index, name and home
/// are overwritten, it is deactivated; shifts, sessions, codes and messages are deleted.
pub async fn erase_worker(
    store: &Store,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Result<Erased, Refusal>, PrivacyError> {
    let v = store.vault();
    let txn = crate::begin(store.db()).await?;
    let Some(w) = accounts::worker(&txn, id).await? else {
        return Err(DbErr::RecordNotFound("worker".into()).into());
    };
    let orders = service_order::Entity::find()
        .filter(service_order::Column::WorkerId.eq(id))
        .all(&txn)
        .await?;
    if let Some(Refusal::OpenOrders(open)) = refusal(&orders) {
        return Ok(Err(Refusal::OpenOrders(open)));
    }
    let mut erased = Erased {
        orders: orders.len() as u64,
        ..Erased::default()
    };
    worker_shift::Entity::delete_many()
        .filter(worker_shift::Column::WorkerId.eq(id))
        .exec(&txn)
        .await?;
    // Worker management's records (m0012): certificates (their documents too), leave and
    // its reasons, credit events and their reasons, skills.
    let documents: Vec<Uuid> = worker_certificate::Entity::find()
        .filter(worker_certificate::Column::WorkerId.eq(id))
        .all(&txn)
        .await?
        .iter()
        .map(|c| c.upload_id)
        .chain(w.photo_upload_id)
        .collect();
    worker_certificate::Entity::delete_many()
        .filter(worker_certificate::Column::WorkerId.eq(id))
        .exec(&txn)
        .await?;
    worker_shift_exception::Entity::delete_many()
        .filter(worker_shift_exception::Column::WorkerId.eq(id))
        .exec(&txn)
        .await?;
    worker_credit_event::Entity::delete_many()
        .filter(worker_credit_event::Column::WorkerId.eq(id))
        .exec(&txn)
        .await?;
    worker_skill::Entity::delete_many()
        .filter(worker_skill::Column::WorkerId.eq(id))
        .exec(&txn)
        .await?;
    let mut uploads: Vec<Uuid> = upload::Entity::find()
        .filter(upload::Column::OwnerType.eq(Audience::Worker.as_str()))
        .filter(upload::Column::OwnerId.eq(id))
        .all(&txn)
        .await?
        .iter()
        .map(|u| u.id)
        .chain(documents)
        .collect();
    uploads.sort();
    uploads.dedup();
    if !uploads.is_empty() {
        upload::Entity::delete_many()
            .filter(upload::Column::Id.is_in(uploads.clone()))
            .exec(&txn)
            .await?;
    }
    erased.uploads = uploads;
    erased.sessions = drop_sessions(&txn, Audience::Worker, id).await?;
    erased.messages = drop_messages(&txn, std::slice::from_ref(&w.phone_index)).await?;
    drop_idempotency(&txn, id).await?;
    let mut a = w.clone().into_active_model();
    a.phone_enc = Set(v.encrypt(accounts::WORKER_PHONE, ""));
    a.phone_index = Set(erased_index(id));
    columns::erase_worker_name(store, &mut a);
    a.home_lat = Set(0.0);
    a.home_lng = Set(0.0);
    a.active = Set(false);
    a.status = Set("left".into());
    a.id_number_enc = Set(None);
    a.photo_upload_id = Set(None);
    a.online = Set(false);
    a.accepting = Set(false);
    a.updated_at = Set(now);
    a.update(&txn).await?;
    mark_erased(&txn, Audience::Worker, id, now).await?;
    txn.commit().await?;
    Ok(Ok(erased))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(
        no: &str,
        state: &str,
        total: i64,
        paid: i64,
        refunded: i64,
        fee: i64,
    ) -> service_order::Model {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        service_order::Model {
            id: Uuid::now_v7(),
            order_no: no.into(),
            customer_id: Uuid::nil(),
            state: state.into(),
            worker_id: None,
            area_code: None,
            address_id: None,
            contact_name_enc: String::new(),
            contact_phone_enc: String::new(),
            address_enc: String::new(),
            house_number_enc: String::new(),
            lat: 0.0,
            lng: 0.0,
            window_start: t,
            window_end: t,
            payment_mode: "full".into(),
            deposit_fen: 0,
            total_fen: total,
            paid_fen: paid,
            refunded_fen: refunded,
            fee_fen: fee,
            policy: "{}".into(),
            customer_reschedules: 0,
            notes_enc: String::new(),
            completed_at: None,
            duration_min: 60,
            skills: None,
            rework_of: None,
            bundle_id: None,
            version: 1,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn finished_and_settled_orders_do_not_stop_an_erasure() {
        let orders = [
            order("A", "completed", 100, 100, 30, 0),
            order("B", "cancelled", 100, 100, 80, 20),
            order("C", "cancelled", 100, 0, 0, 0),
        ];
        assert_eq!(refusal(&orders), None);
    }

    #[test]
    fn an_unfinished_order_stops_an_erasure_before_money_is_looked_at() {
        let orders = [
            order("A", "completed", 100, 50, 0, 0),
            order("B", "pending_settlement", 100, 100, 0, 0),
        ];
        assert_eq!(
            refusal(&orders),
            Some(Refusal::OpenOrders(vec!["B".into()]))
        );
    }

    #[test]
    fn a_balance_due_or_a_refund_not_made_stops_an_erasure() {
        let orders = [
            order("A", "completed", 100, 50, 0, 0),
            order("B", "cancelled", 100, 100, 0, 20),
            order("C", "cancelled", 100, 100, 80, 20),
        ];
        assert_eq!(
            refusal(&orders),
            Some(Refusal::MoneyOwed(vec!["A".into(), "B".into()]))
        );
    }

    #[test]
    fn free_text_in_event_details_is_blanked_and_the_rest_kept() {
        let d = r#"{"cancel":{"reason":"门禁 1201# 家里有人"},"fee_fen":20}"#;
        let out: Value = serde_json::from_str(&redact_detail(d).unwrap()).unwrap();
        assert_eq!(out, json!({"cancel": {"reason": ""}, "fee_fen": 20}));
        assert_eq!(redact_detail(r#"{"total_fen":1}"#), None);
    }
}
