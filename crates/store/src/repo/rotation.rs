//! Key rotation: re-encrypts every stored personal value that was written under a key other
//! than the active one. Safe to interrupt and run again (each row is rewritten on its own,
//! and a row already under the active key is skipped).

use super::accounts::{
    CUSTOMER_NICKNAME, CUSTOMER_PHONE, STAFF_NAME, STAFF_PHONE, WORKER_NAME, WORKER_PHONE,
    address_context as ctx,
};
use super::audit::ACTOR_NAME;
use super::orders::NOTES;
use super::sms::OUTBOX_PHONE;
use crate::Store;
use crate::entity::{
    audit_log, customer, customer_address, customer_wechat, service_order, sms_outbox, staff,
    withdrawal, worker, worker_payee,
};
use crate::pii::VaultError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

/// Why rotation stopped.
#[derive(Debug, thiserror::Error)]
pub enum RotationError {
    /// A value could not be decrypted with any configured key.
    #[error("{table} {id}: {source}")]
    Decrypt {
        /// Table.
        table: &'static str,
        /// Row id.
        id: String,
        /// Cause.
        source: VaultError,
    },
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn re(
    store: &Store,
    table: &'static str,
    id: &uuid::Uuid,
    context: &str,
    value: &str,
) -> Result<Option<String>, RotationError> {
    if !store.vault().needs_rotation(value) {
        return Ok(None);
    }
    let plain = store
        .vault()
        .decrypt(context, value)
        .map_err(|source| RotationError::Decrypt {
            table,
            id: id.to_string(),
            source,
        })?;
    Ok(Some(store.vault().encrypt(context, &plain)))
}

/// Re-encrypts everything under the active key; returns how many rows changed.
pub async fn reencrypt_all(store: &Store) -> Result<u64, RotationError> {
    let db = store.db();
    let mut changed = 0;
    for c in customer::Entity::find().all(db).await? {
        if let Some(v) = re(store, "customer", &c.id, CUSTOMER_PHONE, &c.phone_enc)? {
            let mut a: customer::ActiveModel = c.into();
            a.phone_enc = Set(v);
            a.update(db).await?;
            changed += 1;
        }
    }
    for r in customer_address::Entity::find().all(db).await? {
        let id = r.id;
        let name = re(
            store,
            "customer_address",
            &id,
            ctx::CONTACT_NAME,
            &r.contact_name_enc,
        )?;
        let phone = re(
            store,
            "customer_address",
            &id,
            ctx::CONTACT_PHONE,
            &r.contact_phone_enc,
        )?;
        let text = re(store, "customer_address", &id, ctx::ADDRESS, &r.address_enc)?;
        let house = re(
            store,
            "customer_address",
            &id,
            ctx::HOUSE_NUMBER,
            &r.house_number_enc,
        )?;
        if name.is_none() && phone.is_none() && text.is_none() && house.is_none() {
            continue;
        }
        let mut a: customer_address::ActiveModel = r.into();
        if let Some(v) = name {
            a.contact_name_enc = Set(v);
        }
        if let Some(v) = phone {
            a.contact_phone_enc = Set(v);
        }
        if let Some(v) = text {
            a.address_enc = Set(v);
        }
        if let Some(v) = house {
            a.house_number_enc = Set(v);
        }
        a.update(db).await?;
        changed += 1;
    }
    // Orders keep their own encrypted snapshot of the address; only the changed columns are
    // written, so a transition running at the same time is not overwritten.
    for r in service_order::Entity::find().all(db).await? {
        let id = r.id;
        let t = "service_order";
        let name = re(store, t, &id, ctx::CONTACT_NAME, &r.contact_name_enc)?;
        let phone = re(store, t, &id, ctx::CONTACT_PHONE, &r.contact_phone_enc)?;
        let text = re(store, t, &id, ctx::ADDRESS, &r.address_enc)?;
        let house = re(store, t, &id, ctx::HOUSE_NUMBER, &r.house_number_enc)?;
        if name.is_none() && phone.is_none() && text.is_none() && house.is_none() {
            continue;
        }
        let mut a: service_order::ActiveModel = r.into();
        if let Some(v) = name {
            a.contact_name_enc = Set(v);
        }
        if let Some(v) = phone {
            a.contact_phone_enc = Set(v);
        }
        if let Some(v) = text {
            a.address_enc = Set(v);
        }
        if let Some(v) = house {
            a.house_number_enc = Set(v);
        }
        a.update(db).await?;
        changed += 1;
    }
    for w in worker::Entity::find().all(db).await? {
        if let Some(v) = re(store, "worker", &w.id, WORKER_PHONE, &w.phone_enc)? {
            let mut a: worker::ActiveModel = w.into();
            a.phone_enc = Set(v);
            a.update(db).await?;
            changed += 1;
        }
    }
    for p in worker_payee::Entity::find().all(db).await? {
        let ctx = super::payees::PAYEE_OPENID;
        if let Some(v) = re(
            store,
            "worker_payee",
            &p.worker_id,
            ctx,
            &p.wechat_openid_enc,
        )? {
            let mut a: worker_payee::ActiveModel = p.into();
            a.wechat_openid_enc = Set(v);
            a.update(db).await?;
            changed += 1;
        }
    }
    for c in customer_wechat::Entity::find().all(db).await? {
        let ctx = super::customer_wechat::CUSTOMER_OPENID;
        if let Some(v) = re(store, "customer_wechat", &c.customer_id, ctx, &c.openid_enc)? {
            let mut a: customer_wechat::ActiveModel = c.into();
            a.openid_enc = Set(v);
            a.update(db).await?;
            changed += 1;
        }
    }
    for w in withdrawal::Entity::find()
        .filter(withdrawal::Column::PayeeEnc.is_not_null())
        .all(db)
        .await?
    {
        let Some(enc) = w.payee_enc.clone() else {
            continue;
        };
        if let Some(v) = re(
            store,
            "withdrawal",
            &w.id,
            super::payees::PAYEE_OPENID,
            &enc,
        )? {
            let mut a: withdrawal::ActiveModel = w.into();
            a.payee_enc = Set(Some(v));
            a.update(db).await?;
            changed += 1;
        }
    }
    for w in withdrawal::Entity::find()
        .filter(withdrawal::Column::PayeeNameEnc.is_not_null())
        .all(db)
        .await?
    {
        let Some(enc) = w.payee_name_enc.clone() else {
            continue;
        };
        if let Some(v) = re(store, "withdrawal", &w.id, super::payees::PAYEE_NAME, &enc)? {
            let mut a: withdrawal::ActiveModel = w.into();
            a.payee_name_enc = Set(Some(v));
            a.update(db).await?;
            changed += 1;
        }
    }
    for s in staff::Entity::find().all(db).await? {
        let Some(enc) = s.phone_enc.clone() else {
            continue;
        };
        if let Some(v) = re(store, "staff", &s.id, STAFF_PHONE, &enc)? {
            let mut a: staff::ActiveModel = s.into();
            a.phone_enc = Set(Some(v));
            a.update(db).await?;
            changed += 1;
        }
    }
    for m in sms_outbox::Entity::find().all(db).await? {
        if let Some(v) = re(store, "sms_outbox", &m.id, OUTBOX_PHONE, &m.phone_enc)? {
            let mut a: sms_outbox::ActiveModel = m.into();
            a.phone_enc = Set(v);
            a.update(db).await?;
            changed += 1;
        }
    }
    // Names, the nickname, the audit log's actor name and order notes (m0008).
    changed += rotate_column(
        store,
        worker::Entity,
        "worker",
        worker::Column::Id,
        worker::Column::NameEnc,
        WORKER_NAME,
    )
    .await?;
    changed += rotate_column(
        store,
        staff::Entity,
        "staff",
        staff::Column::Id,
        staff::Column::NameEnc,
        STAFF_NAME,
    )
    .await?;
    changed += rotate_column(
        store,
        customer::Entity,
        "customer",
        customer::Column::Id,
        customer::Column::NicknameEnc,
        CUSTOMER_NICKNAME,
    )
    .await?;
    changed += rotate_column(
        store,
        audit_log::Entity,
        "audit_log",
        audit_log::Column::Id,
        audit_log::Column::ActorNameEnc,
        ACTOR_NAME,
    )
    .await?;
    changed += rotate_column(
        store,
        service_order::Entity,
        "service_order",
        service_order::Column::Id,
        service_order::Column::NotesEnc,
        NOTES,
    )
    .await?;
    changed += rotate_column(
        store,
        worker::Entity,
        "worker",
        worker::Column::Id,
        worker::Column::IdNumberEnc,
        super::workers::WORKER_ID_NUMBER,
    )
    .await?;
    changed += rotate_column(
        store,
        crate::entity::visit_check_in::Entity,
        "visit_check_in",
        crate::entity::visit_check_in::Column::Id,
        crate::entity::visit_check_in::Column::PositionEnc,
        super::visits::POSITION,
    )
    .await?;
    changed += rotate_column(
        store,
        crate::entity::visit_no_show::Entity,
        "visit_no_show",
        crate::entity::visit_no_show::Column::Id,
        crate::entity::visit_no_show::Column::PositionEnc,
        super::visits::POSITION,
    )
    .await?;
    changed += rotate_column(
        store,
        crate::entity::sos_alert::Entity,
        "sos_alert",
        crate::entity::sos_alert::Column::Id,
        crate::entity::sos_alert::Column::PositionEnc,
        super::safety::POSITION,
    )
    .await?;
    changed += rotate_column(
        store,
        crate::entity::order_door_code::Entity,
        "order_door_code",
        crate::entity::order_door_code::Column::OrderId,
        crate::entity::order_door_code::Column::CodeEnc,
        super::visits::DOOR_CODE,
    )
    .await?;
    changed += rotate_column(
        store,
        crate::entity::invoice::Entity,
        "invoice",
        crate::entity::invoice::Column::Id,
        crate::entity::invoice::Column::TitleEnc,
        super::invoices::TITLE,
    )
    .await?;
    changed += rotate_column(
        store,
        crate::entity::invoice::Entity,
        "invoice",
        crate::entity::invoice::Column::Id,
        crate::entity::invoice::Column::EmailEnc,
        super::invoices::EMAIL,
    )
    .await?;
    changed += super::idempotency::reencrypt(store.db(), store.vault()).await?;
    Ok(changed)
}

/// Re-encrypts one column of one table, row by row, writing only that column and only
/// while it still holds the value read (a concurrent write wins).
async fn rotate_column<E: EntityTrait>(
    store: &Store,
    _: E,
    table: &'static str,
    id: E::Column,
    col: E::Column,
    context: &str,
) -> Result<u64, RotationError> {
    let db = store.db();
    let rows: Vec<(Uuid, Option<String>)> = E::find()
        .select_only()
        .column(id)
        .column(col)
        .into_tuple()
        .all(db)
        .await?;
    let mut changed = 0;
    for (row_id, value) in rows {
        let Some(value) = value else { continue };
        let Some(fresh) = re(store, table, &row_id, context, &value)? else {
            continue;
        };
        E::update_many()
            .col_expr(col, Expr::value(fresh))
            .filter(id.eq(row_id))
            .filter(col.eq(value))
            .exec(db)
            .await?;
        changed += 1;
    }
    Ok(changed)
}
