//! The merchant a partner's share is paid to at WeChat Pay (分账接收方): the partner's own
//! merchant id and full name.

use sea_orm::entity::prelude::*;

/// A row of `partner_receiver`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partner_receiver")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub partner_id: Uuid,
    /// The partner's WeChat Pay merchant id (a `MERCHANT_ID` receiver).
    pub mchid: String,
    /// The merchant's full name (商户全称), which WeChat checks when it is added.
    pub name: String,
    /// When it was added as a receiver at WeChat (`None` until the first sharing adds it).
    pub added_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
