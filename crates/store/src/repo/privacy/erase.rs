//! Erasure at the holder's request (删除权): what only served the person is deleted, what
//! the law keeps (orders, money) stops identifying them.

use crate::Store;
use crate::entity::{
    account_erasure, auth_refresh_token, auth_session, consent, customer_address, idempotency_key,
    order_event, order_photo, otp_code, review, service_order, sms_outbox, upload, withdrawal,
    worker_certificate, worker_credit_event, worker_payee, worker_shift, worker_shift_exception,
    worker_skill,
};
use crate::repo::accounts::{self, address_context as ctx};
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::Value;
use uuid::Uuid;

use super::export::customer_orders;
use super::{PrivacyError, Refusal, columns, refusal};

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
    /// Invoice requests withdrawn or stripped of their title or email address.
    pub invoices: u64,
}

/// The marker that replaces an erased account's phone index: unique, never a real index
/// (those are hex), so the phone can register again as a new, empty account.
fn erased_index(id: Uuid) -> String {
    format!("erased:{}", id.simple())
}

/// Replaces free text a person typed (cancellation and after-sales reasons, notes) in an
/// order event's detail.
pub(super) fn redact_detail(detail: &str) -> Option<String> {
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
    // In the erasure's transaction: no node accepts these sessions once it commits.
    crate::repo::versions::bump(db, crate::repo::versions::SESSIONS).await?;
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
                .is_in(indexes.iter().map(|i| crate::repo::otp::phone_subject(i))),
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
/// orders' contact phones, their notifications (inbox, sends, preferences), idempotency
/// records, uploads and photo links. Invoices: see [`crate::repo::invoices::erase_customer`]
/// (an issued one keeps its title: a tax record).
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
    // The orders' service records stay verifiable; the salts of their hashed personal
    // values go, so nothing can be tried against those hashes any more.
    let ids: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    crate::repo::records::forget_salts(&txn, &ids).await?;
    crate::repo::visit_records::forget_notes(&txn, &ids).await?;
    crate::repo::safety::erase_raiser(store, &txn, "customer", id).await?;
    // What they wrote in reviews goes (their photos went with the orders' photos); the
    // stars and tags stay, anonymous, in the workers' ratings.
    review::Entity::update_many()
        .col_expr(review::Column::Body, Expr::value(Option::<String>::None))
        .filter(review::Column::CustomerId.eq(id))
        .exec(&txn)
        .await?;
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
    erased.invoices = crate::repo::invoices::erase_customer(store, &txn, id, now).await?;
    crate::repo::notifications::erase_recipient(&txn, "customer", id).await?;
    crate::repo::customer_wechat::erase_customer(&txn, id).await?;
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
    crate::repo::versions::bump(&txn, crate::repo::versions::STAFF).await?;
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
    crate::repo::notifications::erase_recipient(&txn, "worker", id).await?;
    drop_idempotency(&txn, id).await?;
    // Where they went: raw points, batches and visit tracks.
    crate::repo::tracks::erase_worker(&txn, id).await?;
    // The WeChat account their payouts went to, and the payee (openid, real name) copied
    // onto their finished withdrawals; a withdrawal still requested or approved keeps its
    // payee, so that the transfer it may be waiting for is sent to the same bill.
    worker_payee::Entity::delete_many()
        .filter(worker_payee::Column::WorkerId.eq(id))
        .exec(&txn)
        .await?;
    withdrawal::Entity::update_many()
        .col_expr(
            withdrawal::Column::PayeeEnc,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            withdrawal::Column::PayeeNameEnc,
            Expr::value(Option::<String>::None),
        )
        .filter(withdrawal::Column::WorkerId.eq(id))
        .filter(withdrawal::Column::State.is_not_in(["requested", "approved"]))
        .exec(&txn)
        .await?;
    // Their orders' service records keep their hashes, without the salts.
    let served: Vec<Uuid> = orders.iter().map(|o| o.id).collect();
    crate::repo::records::forget_salts(&txn, &served).await?;
    crate::repo::visit_records::forget_notes(&txn, &served).await?;
    // Check-ins stay with their orders, without where the worker was, their words or photo.
    {
        use crate::entity::visit_check_in as ci;
        ci::Entity::update_many()
            .col_expr(
                ci::Column::PositionEnc,
                Expr::value(v.encrypt(crate::repo::visits::POSITION, "")),
            )
            .col_expr(ci::Column::AccuracyM, Expr::value(Option::<f64>::None))
            .col_expr(ci::Column::Reason, Expr::value(Option::<String>::None))
            .col_expr(ci::Column::PhotoUploadId, Expr::value(Option::<Uuid>::None))
            .col_expr(
                ci::Column::SelfieUploadId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(ci::Column::WorkerId.eq(id))
            .exec(&txn)
            .await?;
        use crate::entity::visit_no_show as ns;
        ns::Entity::update_many()
            .col_expr(
                ns::Column::PositionEnc,
                Expr::value(v.encrypt(crate::repo::visits::POSITION, "")),
            )
            .col_expr(ns::Column::AccuracyM, Expr::value(Option::<f64>::None))
            .col_expr(ns::Column::Note, Expr::value(Option::<String>::None))
            .filter(ns::Column::WorkerId.eq(id))
            .exec(&txn)
            .await?;
        crate::repo::safety::erase_raiser(store, &txn, "worker", id).await?;
    }
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
