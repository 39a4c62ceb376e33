//! Invoices (发票): a customer asks for one for a completed order (the title, a company's
//! unified social credit code, an email if they like); the amount is what the order nets
//! (paid less refunded), never typed. Finance issues it (the PDF uploaded, its number) or
//! rejects it with a reason; a refund after issue flags it for a red-letter reversal
//! (红冲), which finance records, after which the order may be invoiced again. See
//! `docs/invoices.md`.

use crate::workers::{Actor, Scope, settle, text};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::invoice::{self as domain, State, Title};
use daojia_store::entity::{invoice, service_order};
use daojia_store::repo::invoices::{self as repo, Decision, NewInvoice};
use daojia_store::repo::{orders, uploads};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

/// An invoice request as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    /// Its id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// The order's number.
    pub order_no: String,
    /// `personal` or `company`.
    pub title_type: String,
    /// The name on the invoice (a person's is masked for staff who may not read it).
    pub title: String,
    /// A company's unified social credit code.
    pub tax_id: Option<String>,
    /// Where to send it (masked like the title).
    pub email: Option<String>,
    /// The invoiced amount: what the order netted when asked, in fen.
    pub amount_fen: i64,
    /// What the order nets now (paid less refunded), in fen.
    pub net_paid_fen: i64,
    /// `requested`, `issued`, `rejected` or `reversed`.
    pub state: String,
    /// 发票号码, once issued.
    pub invoice_no: Option<String>,
    /// Whether the issued file can be downloaded.
    pub has_file: bool,
    /// Why it was rejected, or the note of its reversal.
    pub reason: Option<String>,
    /// Issued, and a refund since leaves the order netting less than the invoice: it
    /// wants a red-letter reversal (红冲).
    pub red_letter: bool,
    /// When it was asked for.
    pub requested_at: DateTime<Utc>,
    /// When finance acted.
    pub decided_at: Option<DateTime<Utc>>,
}

/// What a customer asks for.
#[derive(Debug, Clone)]
pub struct Request {
    /// `personal` or `company`.
    pub title_type: String,
    /// The name on the invoice.
    pub title: String,
    /// A company's unified social credit code.
    pub tax_id: Option<String>,
    /// Where to send it.
    pub email: Option<String>,
}

fn mask(s: &str) -> String {
    daojia_domain::secret::mask_text(s)
}

fn view(
    app: &App,
    m: invoice::Model,
    order: &service_order::Model,
    full: bool,
) -> Result<InvoiceView> {
    let title = repo::title(&app.store, &m).map_err(Error::internal)?;
    let email = repo::email(&app.store, &m)
        .transpose()
        .map_err(Error::internal)?;
    let personal = m.title_type == "personal";
    let (title, email) = if full {
        (title, email)
    } else {
        (
            if personal { mask(&title) } else { title },
            email.map(|e| mask(&e)),
        )
    };
    let state = State::parse(&m.state)
        .ok_or_else(|| Error::internal(format!("invoice state `{}`", m.state)))?;
    let net = order.paid_fen - order.refunded_fen;
    Ok(InvoiceView {
        id: m.id,
        order_id: m.order_id,
        order_no: order.order_no.clone(),
        title_type: m.title_type,
        title,
        tax_id: m.tax_id,
        email,
        amount_fen: m.amount_fen,
        net_paid_fen: net,
        state: m.state,
        invoice_no: m.invoice_no,
        has_file: m.upload_id.is_some(),
        reason: m.reason,
        red_letter: domain::needs_red_letter(state, m.amount_fen, net),
        requested_at: m.requested_at,
        decided_at: m.decided_at,
    })
}

async fn own_order(app: &App, customer: Uuid, order_id: Uuid) -> Result<service_order::Model> {
    orders::get(app.store.db(), order_id)
        .await?
        .filter(|o| o.customer_id == customer)
        .ok_or(Error::NotFound("order"))
}

/// A customer asks for an invoice of their completed order. 409 `order_not_completed`,
/// `nothing_to_invoice` (refunded in full), `invoice_open` (one is requested or issued);
/// 422 on the title's fields.
pub async fn request(
    app: &App,
    customer: Uuid,
    order_id: Uuid,
    r: Request,
    now: DateTime<Utc>,
) -> Result<InvoiceView> {
    let order = own_order(app, customer, order_id).await?;
    if order.state != "completed" {
        return Err(Error::conflict(
            "order_not_completed",
            "an invoice can be asked for once the order is completed",
        ));
    }
    let amount = order.paid_fen - order.refunded_fen;
    if amount <= 0 {
        return Err(Error::conflict(
            "nothing_to_invoice",
            "the order nets nothing (refunded in full)",
        ));
    }
    let t = Title::new(
        &r.title_type,
        &r.title,
        r.tax_id.as_deref(),
        r.email.as_deref(),
    )
    .map_err(|b| Error::field(b.field, b.code, b.message))?;
    let n = NewInvoice {
        order_id,
        customer_id: customer,
        title_type: t.kind.code(),
        title: t.name,
        tax_id: t.tax_id.map(|c| c.to_string()),
        email: t.email,
        amount_fen: amount,
    };
    let tx = daojia_store::begin(app.store.db()).await?;
    let result = async {
        repo::insert(&app.store, &tx, n, now).await?.ok_or_else(|| {
            Error::conflict(
                "invoice_open",
                "this order has an invoice requested or issued already",
            )
        })
    }
    .await;
    let m = settle(tx, result).await?;
    view(app, m, &order, true)
}

/// The invoice requests of a customer's order, newest first.
pub async fn of_order(app: &App, customer: Uuid, order_id: Uuid) -> Result<Vec<InvoiceView>> {
    let order = own_order(app, customer, order_id).await?;
    repo::of_order(app.store.db(), order_id)
        .await?
        .into_iter()
        .map(|m| view(app, m, &order, true))
        .collect()
}

/// The file of a customer's issued invoice: (upload id, order number).
pub async fn customer_file(app: &App, customer: Uuid, id: Uuid) -> Result<(Uuid, String)> {
    let m = repo::get(app.store.db(), id)
        .await?
        .filter(|m| m.customer_id == customer)
        .ok_or(Error::NotFound("invoice"))?;
    let order = own_order(app, customer, m.order_id).await?;
    let upload = m.upload_id.ok_or(Error::NotFound("invoice file"))?;
    Ok((upload, order.order_no))
}

async fn visible(
    app: &App,
    scope: Scope,
    id: Uuid,
) -> Result<(invoice::Model, service_order::Model)> {
    let db = app.store.db();
    let m = repo::get(db, id).await?.ok_or(Error::NotFound("invoice"))?;
    // An order the scope does not see makes its invoice unknown too.
    let order = crate::orders::read::get(app, scope, m.order_id)
        .await
        .map_err(|_| Error::NotFound("invoice"))?;
    Ok((m, order))
}

/// Invoice requests for the console, newest first: of one state, only those wanting a
/// red-letter reversal, at most `limit` (1 to 500); a partner's staff see their orders'
/// only. `full`: the staff member may read personal titles and emails (finance, or
/// `pii.read`); others see them masked.
pub async fn list(
    app: &App,
    scope: Scope,
    state: Option<&str>,
    red_letter: Option<bool>,
    limit: u64,
    full: bool,
) -> Result<Vec<InvoiceView>> {
    if let Some(s) = state
        && State::parse(s).is_none()
    {
        return Err(Error::field(
            "state",
            "invalid",
            "requested, issued, rejected or reversed",
        ));
    }
    if !(1..=500).contains(&limit) {
        return Err(Error::field("limit", "out_of_range", "1 to 500"));
    }
    let db = app.store.db();
    let scoped: Option<Vec<Uuid>> = match crate::orders::read::workers_of(app, scope).await? {
        None => None,
        Some(workers) => {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
            Some(
                service_order::Entity::find()
                    .select_only()
                    .column(service_order::Column::Id)
                    .filter(service_order::Column::WorkerId.is_in(workers))
                    .into_tuple::<Uuid>()
                    .all(db)
                    .await?,
            )
        }
    };
    // Red-letter candidates are issued ones; the flag itself needs the order.
    let state = if red_letter == Some(true) {
        Some("issued")
    } else {
        state
    };
    let rows = repo::list(db, state, scoped.as_deref(), limit).await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.order_id).collect();
    let orders: HashMap<Uuid, service_order::Model> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        service_order::Entity::find()
            .filter(service_order::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|o| (o.id, o))
            .collect()
    };
    let mut out = vec![];
    for m in rows {
        let Some(o) = orders.get(&m.order_id) else {
            continue;
        };
        let v = view(app, m, o, full)?;
        if red_letter.is_none_or(|want| v.red_letter == want) {
            out.push(v);
        }
    }
    Ok(out)
}

/// The file of an invoice the scope sees: (upload id, order number).
pub async fn staff_file(app: &App, scope: Scope, id: Uuid) -> Result<(Uuid, String)> {
    let (m, order) = visible(app, scope, id).await?;
    let upload = m.upload_id.ok_or(Error::NotFound("invoice file"))?;
    Ok((upload, order.order_no))
}

/// The issued file, checked by the caller (a PDF), stored in the file store under `id`.
#[derive(Debug, Clone)]
pub struct IssuedFile {
    /// The file store key.
    pub upload_id: Uuid,
    /// Its size.
    pub size_bytes: i64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// What finance does.
#[derive(Debug, Clone)]
pub enum Decide {
    /// Issue with the file and the invoice's number (8 or 20 digits).
    Issue(IssuedFile, String),
    /// Reject with a reason.
    Reject(String),
    /// Record the red-letter reversal (红冲) with a note.
    Reverse(String),
}

/// Finance issues, rejects or reverses an invoice (audited `invoice.issue`, `.reject`,
/// `.reverse`, in the transaction of the change). 409 `invoice_state` when the request is
/// not in the state the decision needs.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: Uuid,
    d: Decide,
    now: DateTime<Utc>,
) -> Result<InvoiceView> {
    actor.scope.require_platform()?;
    let (before, order) = visible(app, actor.scope, id).await?;
    let (action, decision, file) = match d {
        Decide::Issue(file, no) => {
            let no = no.trim().to_string();
            if !(no.len() == 8 || no.len() == 20) || !no.chars().all(|c| c.is_ascii_digit()) {
                return Err(Error::field(
                    "invoice_no",
                    "invalid",
                    "the invoice's number: 8 digits, or 20 for a digital invoice (数电票)",
                ));
            }
            (
                "invoice.issue",
                Decision::Issue {
                    upload_id: file.upload_id,
                    invoice_no: no,
                },
                Some(file),
            )
        }
        Decide::Reject(reason) => (
            "invoice.reject",
            Decision::Reject(text("reason", Some(&reason), true, 500)?.unwrap_or_default()),
            None,
        ),
        Decide::Reverse(note) => (
            "invoice.reverse",
            Decision::Reverse(text("reason", Some(&note), true, 500)?.unwrap_or_default()),
            None,
        ),
    };
    let tx = daojia_store::begin(app.store.db()).await?;
    let result = async {
        if let Some(f) = &file {
            uploads::insert(
                &tx,
                uploads::NewUpload {
                    id: f.upload_id,
                    owner_type: "staff",
                    owner_id: actor.staff_id,
                    purpose: "invoice".into(),
                    content_type: "application/pdf".into(),
                    size_bytes: f.size_bytes,
                    sha256: f.sha256.clone(),
                    width: 0,
                    height: 0,
                },
                now,
            )
            .await?;
        }
        if !repo::decide(&tx, id, decision, actor.staff_id, now).await? {
            return Err(Error::conflict(
                "invoice_state",
                format!("the invoice is {}: that cannot be done now", before.state),
            ));
        }
        let after = repo::get(&tx, id).await?.ok_or(Error::NotFound("invoice"))?;
        actor
            .audit(
                app,
                &tx,
                action,
                id,
                (
                    Some(serde_json::json!({ "state": before.state, "amount_fen": before.amount_fen })),
                    Some(serde_json::json!({ "state": after.state, "invoice_no": after.invoice_no, "reason": after.reason })),
                ),
                now,
            )
            .await?;
        Ok(after)
    }
    .await;
    let after = settle(tx, result).await?;
    view(app, after, &order, true)
}
