//! A channel notification that was applied, by the channel's own id: the record that makes
//! the same notification delivered twice change nothing the second time.

use sea_orm::entity::prelude::*;

/// A row of `payment_notification`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_notification")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `wechat` or `alipay`.
    pub provider: String,
    /// The channel's id of the notification (unique per provider).
    pub notification_id: String,
    /// `payment` or `refund`.
    pub kind: String,
    /// The intent's or refund's number it was about.
    pub subject_no: String,
    pub received_at: DateTimeUtc,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
