//! Invoice requests (发票): written when a customer asks, moved by finance with a
//! compare-and-set on the state. At most one open request per order, by the unique
//! `open_key` (the database refuses a second).

use crate::Store;
use crate::entity::invoice;
use crate::pii::VaultError;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Encryption context of an invoice's title.
pub const TITLE: &str = "invoice.title";
/// Encryption context of an invoice's email address.
pub const EMAIL: &str = "invoice.email";

/// A new request.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    /// The order.
    pub order_id: Uuid,
    /// Its customer.
    pub customer_id: Uuid,
    /// `personal` or `company`.
    pub title_type: &'static str,
    /// The name on the invoice (encrypted here).
    pub title: String,
    /// A company's code.
    pub tax_id: Option<String>,
    /// Where to send it (encrypted here).
    pub email: Option<String>,
    /// What the order nets, in fen.
    pub amount_fen: i64,
}

/// Writes a request; `Ok(None)` when the order has an open one already (the unique
/// `open_key`, so two at once cannot both be written).
pub async fn insert(
    store: &Store,
    db: &impl ConnectionTrait,
    n: NewInvoice,
    now: DateTime<Utc>,
) -> Result<Option<invoice::Model>, DbErr> {
    if open_of(db, n.order_id).await?.is_some() {
        return Ok(None);
    }
    let row = invoice::ActiveModel {
        id: Set(Uuid::now_v7()),
        order_id: Set(n.order_id),
        customer_id: Set(n.customer_id),
        open_key: Set(Some(n.order_id)),
        title_type: Set(n.title_type.into()),
        title_enc: Set(store.vault().encrypt(TITLE, &n.title)),
        tax_id: Set(n.tax_id),
        email_enc: Set(n.email.map(|e| store.vault().encrypt(EMAIL, &e))),
        amount_fen: Set(n.amount_fen),
        state: Set("requested".into()),
        invoice_no: Set(None),
        upload_id: Set(None),
        reason: Set(None),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        updated_at: Set(now),
    };
    match row.insert(db).await {
        Ok(m) => Ok(Some(m)),
        Err(e) if is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// The open request of an order (requested or issued).
pub async fn open_of(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<invoice::Model>, DbErr> {
    invoice::Entity::find()
        .filter(invoice::Column::OpenKey.eq(order_id))
        .one(db)
        .await
}

/// One request.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<invoice::Model>, DbErr> {
    invoice::Entity::find_by_id(id).one(db).await
}

/// The requests of an order, newest first.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Vec<invoice::Model>, DbErr> {
    invoice::Entity::find()
        .filter(invoice::Column::OrderId.eq(order_id))
        .order_by_desc(invoice::Column::RequestedAt)
        .order_by_desc(invoice::Column::Id)
        .all(db)
        .await
}

/// A customer's requests, oldest first (their data export).
pub async fn of_customer(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
) -> Result<Vec<invoice::Model>, DbErr> {
    invoice::Entity::find()
        .filter(invoice::Column::CustomerId.eq(customer_id))
        .order_by_asc(invoice::Column::RequestedAt)
        .order_by_asc(invoice::Column::Id)
        .all(db)
        .await
}

/// What erasing a customer does to their invoice requests, in the erasure's transaction;
/// how many rows changed. An invoice finance issued (or reversed) is a tax record the law
/// keeps: its title stays, only the email address goes. A request still open is
/// withdrawn (`rejected`, with the reason), and it and every rejected one lose the title
/// and the email address: nothing was issued on them.
pub async fn erase_customer(
    store: &Store,
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mine =
        || invoice::Entity::update_many().filter(invoice::Column::CustomerId.eq(customer_id));
    let mut n = mine()
        .col_expr(invoice::Column::State, Expr::value("rejected"))
        .col_expr(invoice::Column::OpenKey, Expr::value(Option::<Uuid>::None))
        .col_expr(
            invoice::Column::Reason,
            Expr::value(Some("账户已注销，申请撤回 (the account was deleted)")),
        )
        .col_expr(invoice::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::State.eq("requested"))
        .exec(db)
        .await?
        .rows_affected;
    n += mine()
        .col_expr(
            invoice::Column::TitleEnc,
            Expr::value(store.vault().encrypt(TITLE, "")),
        )
        .col_expr(
            invoice::Column::EmailEnc,
            Expr::value(Option::<String>::None),
        )
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::State.eq("rejected"))
        .exec(db)
        .await?
        .rows_affected;
    n += mine()
        .col_expr(
            invoice::Column::EmailEnc,
            Expr::value(Option::<String>::None),
        )
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::State.ne("rejected"))
        .filter(invoice::Column::EmailEnc.is_not_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok(n)
}

/// Requests, newest first: of one state, of some orders only (a partner's), at most
/// `limit`.
pub async fn list(
    db: &impl ConnectionTrait,
    state: Option<&str>,
    orders: Option<&[Uuid]>,
    limit: u64,
) -> Result<Vec<invoice::Model>, DbErr> {
    let mut q = invoice::Entity::find();
    if let Some(s) = state {
        q = q.filter(invoice::Column::State.eq(s));
    }
    if let Some(o) = orders {
        q = q.filter(invoice::Column::OrderId.is_in(o.iter().copied()));
    }
    q.order_by_desc(invoice::Column::RequestedAt)
        .order_by_desc(invoice::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// What finance does to a request.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Issued with its file and number.
    Issue {
        /// The uploaded PDF.
        upload_id: Uuid,
        /// 发票号码.
        invoice_no: String,
    },
    /// Refused with a reason.
    Reject(String),
    /// Reversed by a red-letter invoice (红冲), with a note.
    Reverse(String),
}

/// Applies `d` if the request is in the state it needs (requested to issue or reject,
/// issued to reverse): `Ok(false)` when it is not (someone acted first).
pub async fn decide(
    db: &impl ConnectionTrait,
    id: Uuid,
    d: Decision,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let mut q = invoice::Entity::update_many()
        .col_expr(invoice::Column::DecidedBy, Expr::value(Some(by)))
        .col_expr(invoice::Column::DecidedAt, Expr::value(Some(now)))
        .col_expr(invoice::Column::UpdatedAt, Expr::value(now))
        .filter(invoice::Column::Id.eq(id));
    q = match d {
        Decision::Issue {
            upload_id,
            invoice_no,
        } => q
            .col_expr(invoice::Column::State, Expr::value("issued"))
            .col_expr(invoice::Column::UploadId, Expr::value(Some(upload_id)))
            .col_expr(invoice::Column::InvoiceNo, Expr::value(Some(invoice_no)))
            .filter(invoice::Column::State.eq("requested")),
        Decision::Reject(reason) => q
            .col_expr(invoice::Column::State, Expr::value("rejected"))
            .col_expr(invoice::Column::Reason, Expr::value(Some(reason)))
            .col_expr(invoice::Column::OpenKey, Expr::value(Option::<Uuid>::None))
            .filter(invoice::Column::State.eq("requested")),
        Decision::Reverse(note) => q
            .col_expr(invoice::Column::State, Expr::value("reversed"))
            .col_expr(invoice::Column::Reason, Expr::value(Some(note)))
            .col_expr(invoice::Column::OpenKey, Expr::value(Option::<Uuid>::None))
            .filter(invoice::Column::State.eq("issued")),
    };
    Ok(q.exec(db).await?.rows_affected == 1)
}

/// The title, decrypted.
pub fn title(store: &Store, m: &invoice::Model) -> Result<String, VaultError> {
    store.vault().decrypt(TITLE, &m.title_enc)
}

/// The email address, decrypted.
pub fn email(store: &Store, m: &invoice::Model) -> Option<Result<String, VaultError>> {
    m.email_enc
        .as_deref()
        .map(|e| store.vault().decrypt(EMAIL, e))
}
