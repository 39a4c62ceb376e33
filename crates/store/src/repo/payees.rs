//! Where a worker's withdrawals are transferred: the WeChat openid under the paying app,
//! kept encrypted (personal data: decrypted only to send a transfer, never logged).

use crate::entity::worker_payee;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

/// Encryption context of a payee's openid (on `worker_payee` and `withdrawal`).
pub const PAYEE_OPENID: &str = "worker.payee_openid";

/// Encryption context of a payee's real name copied onto a withdrawal (`payee_name_enc`).
pub const PAYEE_NAME: &str = "withdrawal.payee_name";

/// Binds (or binds again) `worker_id`'s WeChat payee: `openid` under the app `appid`.
pub async fn bind(
    store: &crate::Store,
    worker_id: Uuid,
    appid: &str,
    openid: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<worker_payee::Model, DbErr> {
    let enc = store.vault().encrypt(PAYEE_OPENID, openid);
    let db = store.db();
    match worker_payee::Entity::find_by_id(worker_id).one(db).await? {
        Some(row) => {
            let mut a: worker_payee::ActiveModel = row.into();
            a.wechat_appid = Set(appid.into());
            a.wechat_openid_enc = Set(enc);
            a.bound_at = Set(now);
            a.updated_at = Set(now);
            a.update(db).await
        }
        None => {
            worker_payee::ActiveModel {
                worker_id: Set(worker_id),
                wechat_appid: Set(appid.into()),
                wechat_openid_enc: Set(enc),
                bound_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await
        }
    }
}

/// `worker_id`'s binding, as stored.
pub async fn get(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
) -> Result<Option<worker_payee::Model>, DbErr> {
    worker_payee::Entity::find_by_id(worker_id).one(db).await
}

/// `worker_id`'s openid under `appid`, decrypted; `None` when unbound or bound under
/// another app.
pub async fn openid(
    store: &crate::Store,
    worker_id: Uuid,
    appid: &str,
) -> Result<Option<String>, DbErr> {
    let Some(row) = get(store.db(), worker_id).await? else {
        return Ok(None);
    };
    if row.wechat_appid != appid {
        return Ok(None);
    }
    store
        .vault()
        .decrypt(PAYEE_OPENID, &row.wechat_openid_enc)
        .map(Some)
        .map_err(|e| DbErr::Custom(format!("worker_payee: {e}")))
}
