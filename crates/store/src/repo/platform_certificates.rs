//! WeChat Pay's platform certificates as the refresh job keeps them: one row per serial,
//! written when a download lists it and read by every node to verify with the same set.

use crate::entity::wechat_platform_certificate as cert;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder,
};

/// A certificate to keep.
#[derive(Debug, Clone)]
pub struct NewCertificate<'a> {
    /// Its serial.
    pub serial_no: &'a str,
    /// Valid from.
    pub effective_at: DateTime<Utc>,
    /// Valid until.
    pub expire_at: DateTime<Utc>,
    /// The certificate, PEM.
    pub certificate_pem: &'a str,
}

/// Keeps `c`, listed by a download at `now`: inserted when new, otherwise its validity
/// and `last_seen_at` brought up to date. Returns whether it was new.
pub async fn upsert(
    db: &impl ConnectionTrait,
    c: &NewCertificate<'_>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let serial = c.serial_no.to_ascii_uppercase();
    match cert::Entity::find_by_id(serial.clone()).one(db).await? {
        Some(row) => {
            let mut a: cert::ActiveModel = row.into();
            a.effective_at = Set(c.effective_at);
            a.expire_at = Set(c.expire_at);
            a.certificate_pem = Set(c.certificate_pem.to_owned());
            a.last_seen_at = Set(now);
            a.update(db).await?;
            Ok(false)
        }
        None => {
            cert::ActiveModel {
                serial_no: Set(serial),
                effective_at: Set(c.effective_at),
                expire_at: Set(c.expire_at),
                certificate_pem: Set(c.certificate_pem.to_owned()),
                first_seen_at: Set(now),
                last_seen_at: Set(now),
            }
            .insert(db)
            .await?;
            Ok(true)
        }
    }
}

/// Every certificate kept (expired ones too), the earliest effective first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<cert::Model>, DbErr> {
    cert::Entity::find()
        .order_by_asc(cert::Column::EffectiveAt)
        .order_by_asc(cert::Column::SerialNo)
        .all(db)
        .await
}
