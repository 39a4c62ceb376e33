//! A customer's WeChat identity for paying inside WeChat (JSAPI): the openid under each
//! app, kept encrypted (personal data: decrypted only to open a payment, never logged), and
//! the single-use `state` of each web authorisation the customer app starts, bound to the
//! log-in session that started it (only its hash is stored).

use crate::entity::{customer_wechat, wechat_oauth_state};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Encryption context of a customer's openid.
pub const CUSTOMER_OPENID: &str = "customer.wechat_openid";

/// How long a started authorisation may take to come back.
pub const STATE_TTL: Duration = Duration::minutes(10);

fn hash(state: &str) -> String {
    hex::encode(Sha256::digest(state.as_bytes()))
}

/// Binds (or binds again) `customer_id`'s openid under the app `appid`.
pub async fn bind(
    store: &crate::Store,
    customer_id: Uuid,
    appid: &str,
    openid: &str,
    now: DateTime<Utc>,
) -> Result<customer_wechat::Model, DbErr> {
    let enc = store.vault().encrypt(CUSTOMER_OPENID, openid);
    let db = store.db();
    match get(db, customer_id, appid).await? {
        Some(row) => {
            let mut a: customer_wechat::ActiveModel = row.into();
            a.openid_enc = Set(enc);
            a.bound_at = Set(now);
            a.updated_at = Set(now);
            a.update(db).await
        }
        None => {
            customer_wechat::ActiveModel {
                customer_id: Set(customer_id),
                wechat_appid: Set(appid.into()),
                openid_enc: Set(enc),
                bound_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
        }
    }
}

/// `customer_id`'s binding under `appid`, as stored.
pub async fn get(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    appid: &str,
) -> Result<Option<customer_wechat::Model>, DbErr> {
    customer_wechat::Entity::find_by_id((customer_id, appid.to_owned()))
        .one(db)
        .await
}

/// `customer_id`'s openid under `appid`, decrypted; `None` when none is bound.
pub async fn openid(
    store: &crate::Store,
    customer_id: Uuid,
    appid: &str,
) -> Result<Option<String>, DbErr> {
    let Some(row) = get(store.db(), customer_id, appid).await? else {
        return Ok(None);
    };
    store
        .vault()
        .decrypt(CUSTOMER_OPENID, &row.openid_enc)
        .map(Some)
        .map_err(|e| DbErr::Custom(format!("customer_wechat: {e}")))
}

/// Forgets `customer_id`'s openid under `appid` (WeChat no longer takes it).
pub async fn unbind(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    appid: &str,
) -> Result<(), DbErr> {
    customer_wechat::Entity::delete_by_id((customer_id, appid.to_owned()))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a started authorisation: `state` (kept as its hash) for `customer_id` in
/// session `session_id` under `appid`. Old ones (past [`STATE_TTL`]) are swept meanwhile.
pub async fn issue_state(
    db: &impl ConnectionTrait,
    state: &str,
    customer_id: Uuid,
    session_id: Uuid,
    appid: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    wechat_oauth_state::Entity::delete_many()
        .filter(wechat_oauth_state::Column::CreatedAt.lt(now - STATE_TTL * 6))
        .exec(db)
        .await?;
    wechat_oauth_state::ActiveModel {
        state_hash: Set(hash(state)),
        customer_id: Set(customer_id),
        session_id: Set(session_id),
        wechat_appid: Set(appid.into()),
        created_at: Set(now),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// What a state brought back with a code is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateCheck {
    /// Ours, for this customer and session, in time, and now spent: the app it was for.
    Good(String),
    /// Never issued, or issued to another customer or session.
    Unknown,
    /// Issued more than [`STATE_TTL`] ago.
    Expired,
    /// Already spent (a replay).
    Used,
}

/// Spends `state` for `customer_id` in session `session_id`: good once, within
/// [`STATE_TTL`]. The spending is a compare-and-set, so two requests racing with the same
/// state cannot both pass.
pub async fn take_state(
    db: &impl ConnectionTrait,
    state: &str,
    customer_id: Uuid,
    session_id: Uuid,
    now: DateTime<Utc>,
) -> Result<StateCheck, DbErr> {
    let h = hash(state);
    let Some(row) = wechat_oauth_state::Entity::find_by_id(h.clone())
        .one(db)
        .await?
        .filter(|r| r.customer_id == customer_id && r.session_id == session_id)
    else {
        return Ok(StateCheck::Unknown);
    };
    if row.used_at.is_some() {
        return Ok(StateCheck::Used);
    }
    if now - row.created_at > STATE_TTL {
        return Ok(StateCheck::Expired);
    }
    let done = wechat_oauth_state::Entity::update_many()
        .col_expr(wechat_oauth_state::Column::UsedAt, Expr::value(now))
        .filter(wechat_oauth_state::Column::StateHash.eq(h))
        .filter(wechat_oauth_state::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(if done.rows_affected == 1 {
        StateCheck::Good(row.wechat_appid)
    } else {
        StateCheck::Used
    })
}

/// Deletes everything kept of `customer_id`'s WeChat identity (erasure).
pub async fn erase_customer(db: &impl ConnectionTrait, customer_id: Uuid) -> Result<u64, DbErr> {
    wechat_oauth_state::Entity::delete_many()
        .filter(wechat_oauth_state::Column::CustomerId.eq(customer_id))
        .exec(db)
        .await?;
    Ok(customer_wechat::Entity::delete_many()
        .filter(customer_wechat::Column::CustomerId.eq(customer_id))
        .exec(db)
        .await?
        .rows_affected)
}
