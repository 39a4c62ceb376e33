//! A customer's request for an invoice (发票) of a completed order, and what finance did
//! with it. At most one is open (requested or issued) per order: `open_key` is the order's
//! id while it is, and unique.

use sea_orm::entity::prelude::*;

/// A row of `invoice`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub customer_id: Uuid,
    /// The order's id while requested or issued; `None` once rejected or reversed.
    pub open_key: Option<Uuid>,
    /// `personal` or `company`.
    pub title_type: String,
    /// The name on the invoice, encrypted (`invoice.title`): a person's name is personal
    /// information.
    pub title_enc: String,
    /// A company's unified social credit code (not personal information).
    pub tax_id: Option<String>,
    /// Where to send it, encrypted (`invoice.email`).
    pub email_enc: Option<String>,
    /// What the customer paid for the order net of refunds when they asked, in fen.
    pub amount_fen: i64,
    /// `requested`, `issued`, `rejected` or `reversed`.
    pub state: String,
    /// The invoice's number (发票号码), when issued.
    pub invoice_no: Option<String>,
    /// The issued file (an `upload` of purpose `invoice`).
    pub upload_id: Option<Uuid>,
    /// Why it was rejected, or the note of its reversal.
    pub reason: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
