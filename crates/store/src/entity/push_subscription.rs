//! Where a recipient can be pushed to: a browser's Web Push subscription or an app install
//! registered with JPush or Getui (see migration m0034).

use sea_orm::entity::prelude::*;

/// A row of `push_subscription`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_subscription")]
pub struct Model {
    /// Its id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `customer` or `worker`.
    pub owner_kind: String,
    /// The customer's or worker's id.
    pub owner_id: Uuid,
    /// `webpush`, `jpush` or `getui`.
    pub kind: String,
    /// Hex SHA-256 of `kind:target` (unique).
    pub target_key: String,
    /// Web Push: the push resource URL.
    #[sea_orm(column_type = "Text", nullable)]
    pub endpoint: Option<String>,
    /// Web Push: the browser's P-256 public key (base64url).
    pub p256dh: Option<String>,
    /// Web Push: the authentication secret (base64url).
    pub auth: Option<String>,
    /// JPush registration id or Getui client id.
    pub device_id: Option<String>,
    /// The registering browser's or app's User-Agent, cut to 300 characters.
    pub user_agent: Option<String>,
    /// Registered.
    pub created_at: DateTimeUtc,
    /// Last registered again or changed.
    pub updated_at: DateTimeUtc,
    /// The last push the service accepted.
    pub last_success_at: Option<DateTimeUtc>,
    /// Consecutive failed pushes since the last success.
    pub failures: i32,
    /// The last failure's reason.
    pub last_error: Option<String>,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
