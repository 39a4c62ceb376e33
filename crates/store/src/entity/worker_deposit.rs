//! A worker's kept deposit (保证金): the balance fines take with a guarded update, kept
//! equal to the ledger's `worker_deposit:<id>` (checked by `ledger check`), and where it
//! stands.

use sea_orm::entity::prelude::*;

/// A row of `worker_deposit`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "worker_deposit")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub worker_id: Uuid,
    /// Lodged less fined less refunded, fen.
    pub balance_fen: i64,
    /// Every lodging so far, fen.
    pub lodged_fen: i64,
    /// Every fine so far, fen.
    pub fined_fen: i64,
    /// Every refund so far, fen.
    pub refunded_fen: i64,
    /// `active`, `held` or `refunded`.
    pub state: String,
    /// When the hold ends (`held`).
    pub hold_until: Option<DateTimeUtc>,
    /// The id the pending refund posts its ledger entry under (`held`; kept afterwards).
    pub refund_id: Option<Uuid>,
    pub refund_requested_at: Option<DateTimeUtc>,
    pub refunded_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
