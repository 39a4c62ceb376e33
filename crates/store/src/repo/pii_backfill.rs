//! Encrypts personal values that an older version stored in clear (migration m0008 renamed
//! `worker.name`, `staff.name`, `customer.nickname`, `audit_log.actor_name` and
//! `service_order.notes` to `*_enc` columns with their clear values still in them).
//!
//! A schema migration has no keys, so [`crate::Store::migrate`] runs this right after the
//! migrations. A value counts as encrypted only when it decrypts under its column's context
//! with a configured key; anything else (including a note a customer typed that happens to
//! look like `v1:...`) is clear and gets encrypted. Each row is updated on its own, so a
//! start cut in the middle leaves a mix that the next start finishes; when a pass completes
//! it is recorded in `app_meta` and later starts skip the scan.

use super::accounts::{CUSTOMER_NICKNAME, STAFF_NAME, WORKER_NAME, new_nickname};
use super::audit::ACTOR_NAME;
use super::orders::NOTES;
use crate::Store;
use crate::entity::{audit_log, customer, service_order, staff, worker};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// The `app_meta` key recording that the clear values have been encrypted.
pub const DONE_KEY: &str = "pii.m0008_encrypted";

/// Encrypts every clear value in the columns m0008 renamed; returns how many were
/// encrypted (0 when a previous pass already finished).
pub async fn seal_clear_columns(store: &Store) -> Result<u64, DbErr> {
    if super::meta::get(store.db(), DONE_KEY).await?.is_some() {
        return Ok(0);
    }
    let keep = |s: &str| s.to_string();
    let mut n = 0;
    n += seal(
        store,
        worker::Entity,
        worker::Column::Id,
        worker::Column::NameEnc,
        WORKER_NAME,
        keep,
    )
    .await?;
    n += seal(
        store,
        staff::Entity,
        staff::Column::Id,
        staff::Column::NameEnc,
        STAFF_NAME,
        keep,
    )
    .await?;
    n += seal(
        store,
        customer::Entity,
        customer::Column::Id,
        customer::Column::NicknameEnc,
        CUSTOMER_NICKNAME,
        replace_phone_tail_nickname,
    )
    .await?;
    n += seal(
        store,
        audit_log::Entity,
        audit_log::Column::Id,
        audit_log::Column::ActorNameEnc,
        ACTOR_NAME,
        keep,
    )
    .await?;
    n += seal(
        store,
        service_order::Entity,
        service_order::Column::Id,
        service_order::Column::NotesEnc,
        NOTES,
        keep,
    )
    .await?;
    super::meta::set(store.db(), DONE_KEY, "done", chrono::Utc::now()).await?;
    if n > 0 {
        tracing::info!(values = n, "encrypted personal values stored in clear");
    }
    Ok(n)
}

/// Nicknames used to be `用户` and the phone's last four digits: such a nickname is
/// replaced by a random one rather than kept (encrypted) with part of the number in it.
fn replace_phone_tail_nickname(clear: &str) -> String {
    let tail = clear.strip_prefix("用户");
    if tail.is_some_and(|t| t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit())) {
        new_nickname()
    } else {
        clear.to_string()
    }
}

async fn seal<E: EntityTrait>(
    store: &Store,
    _: E,
    id: E::Column,
    col: E::Column,
    context: &str,
    transform: impl Fn(&str) -> String,
) -> Result<u64, DbErr> {
    let db = store.db();
    let rows: Vec<(Uuid, Option<String>)> = E::find()
        .select_only()
        .column(id)
        .column(col)
        .into_tuple()
        .all(db)
        .await?;
    let mut n = 0;
    for (row_id, value) in rows {
        let Some(value) = value else { continue };
        if store.vault().decrypt(context, &value).is_ok() {
            continue;
        }
        let sealed = store.vault().encrypt(context, &transform(&value));
        // Only this column, and only while it still holds the clear value.
        E::update_many()
            .col_expr(col, Expr::value(sealed))
            .filter(id.eq(row_id))
            .filter(col.eq(value))
            .exec(db)
            .await?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nickname_ending_in_phone_digits_is_replaced_and_others_are_kept() {
        let replaced = replace_phone_tail_nickname("用户5678");
        assert!(replaced.starts_with("用户"));
        assert!(!replaced.contains("5678"));
        assert_eq!(replace_phone_tail_nickname("张女士"), "张女士");
        assert_eq!(replace_phone_tail_nickname("用户abc"), "用户abc");
    }
}
