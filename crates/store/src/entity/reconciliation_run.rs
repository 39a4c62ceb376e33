//! One reconciliation run: one channel's bill of one China date matched against our
//! payments and refunds.

use sea_orm::entity::prelude::*;

/// A row of `reconciliation_run`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "reconciliation_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `wechat` or `alipay`.
    pub provider: String,
    /// The bill's China date, `YYYY-MM-DD`.
    pub bill_date: String,
    /// `download` (from the channel) or `upload` (a file finance imported).
    pub source: String,
    /// `succeeded` or `failed` (the bill could not be had or read; see `error`).
    pub state: String,
    /// SHA-1 of the bill file, hex.
    pub bill_sha1: Option<String>,
    /// Lines in the bill.
    pub bill_lines: i32,
    /// Lines that matched ours exactly.
    pub matched: i32,
    /// Differences found by this run.
    pub differences: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub error: Option<String>,
    /// The staff member who started it (none: the daily job).
    pub started_by: Option<Uuid>,
    pub started_at: DateTimeUtc,
    pub finished_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
