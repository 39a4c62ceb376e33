//! A web authorisation started by the customer app: its single-use `state`, bound to the
//! log-in session that started it.

use sea_orm::entity::prelude::*;

/// A row of `wechat_oauth_state`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "wechat_oauth_state")]
pub struct Model {
    /// SHA-256 of the state (hex); the state itself is only in the browser's URL.
    #[sea_orm(primary_key, auto_increment = false)]
    pub state_hash: String,
    pub customer_id: Uuid,
    pub session_id: Uuid,
    /// The app the authorisation is for.
    pub wechat_appid: String,
    pub created_at: DateTimeUtc,
    /// When a code came back with it (it is good once).
    pub used_at: Option<DateTimeUtc>,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
