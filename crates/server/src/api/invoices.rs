//! Invoices (发票) over HTTP: a customer asks for one for a completed order, sees its
//! state and downloads the issued file; in the console, the requests (a partner's staff:
//! their orders' only), and finance issues one (the PDF uploaded with its number), rejects
//! one with a reason, or records the red-letter reversal (红冲) of one a refund made wrong.
//! The rules live in `daojia_app::finance::invoices`.

use super::admin_workers::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, CurrentCustomer, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use daojia_app::finance::invoices::{self as inv, Decide, InvoiceView, IssuedFile};
use daojia_domain::access::Permission;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// What a customer asks for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRequest {
    /// `personal` (个人) or `company` (单位).
    pub title_type: String,
    /// The name on the invoice, 2 to 100 characters.
    pub title: String,
    /// A company's unified social credit code (18 characters, check character verified);
    /// none for a person.
    pub tax_id: Option<String>,
    /// Where to send it (optional).
    pub email: Option<String>,
}

/// Asks for an invoice of a completed order; the amount is what the order nets (paid less
/// refunded). 409 `order_not_completed`, `nothing_to_invoice`, `invoice_open`; 422 on
/// `title_type`, `title`, `tax_id`, `email`.
#[utoipa::path(operation_id = "customer_invoice_request", post, path = "/api/v1/customer/orders/{id}/invoices", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")), request_body = InvoiceRequest,
    responses((status = 201, body = InvoiceView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn request(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<InvoiceRequest>,
) -> ApiResult<(StatusCode, axum::Json<InvoiceView>)> {
    let r = inv::Request {
        title_type: req.title_type,
        title: req.title,
        tax_id: req.tax_id,
        email: req.email,
    };
    let v = inv::request(&app(&state), me.id, id, r, state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(v)))
}

/// The invoice requests of the customer's order, newest first.
#[utoipa::path(operation_id = "customer_invoices", get, path = "/api/v1/customer/orders/{id}/invoices", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = Vec<InvoiceView>), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn of_order(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<InvoiceView>>> {
    Ok(axum::Json(inv::of_order(&app(&state), me.id, id).await?))
}

async fn pdf(state: &AppState, upload: Uuid, order_no: &str) -> ApiResult<Response> {
    let bytes = state
        .files
        .get(upload)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("invoice file"))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoice-{order_no}.pdf\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// The customer's issued invoice (PDF).
#[utoipa::path(operation_id = "customer_invoice_file", get, path = "/api/v1/customer/invoices/{id}/file", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    responses((status = 200, description = "The invoice", content_type = "application/pdf"), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_file(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let (upload, no) = inv::customer_file(&app(&state), me.id, id).await?;
    pdf(&state, upload, &no).await
}

/// Which invoices.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InvoicesParams {
    /// `requested`, `issued`, `rejected` or `reversed`.
    pub state: Option<String>,
    /// `true`: only issued invoices a later refund made wrong (to reverse, 红冲).
    pub red_letter: Option<bool>,
    /// At most this many (1 to 500; 100 when absent).
    pub limit: Option<u64>,
}

/// Invoice requests, newest first (a partner's staff: their orders' only). Personal
/// titles and emails are masked for staff without `finance.read` or `pii.read`.
#[utoipa::path(operation_id = "admin_invoices", get, path = "/api/v1/admin/invoices", tag = "admin", security(("bearer" = ["order.read"])),
    params(InvoicesParams),
    responses((status = 200, body = Vec<InvoiceView>), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Query(p): Query<InvoicesParams>,
) -> ApiResult<axum::Json<Vec<InvoiceView>>> {
    let full = who.staff.role.allows(Permission::FinanceRead)
        || who.staff.role.allows(Permission::PiiRead);
    let list = inv::list(
        &app(&state),
        scope_of(&who.staff),
        p.state.as_deref(),
        p.red_letter,
        p.limit.unwrap_or(100),
        full,
    )
    .await?;
    Ok(axum::Json(list))
}

/// An issued invoice's file (PDF).
#[utoipa::path(operation_id = "admin_invoice_file", get, path = "/api/v1/admin/invoices/{id}/file", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    responses((status = 200, description = "The invoice", content_type = "application/pdf"), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn staff_file(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<Response> {
    let (upload, no) = inv::staff_file(&app(&state), scope_of(&who.staff), id).await?;
    pdf(&state, upload, &no).await
}

/// The multipart form of an issue (for the documentation).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct IssueForm {
    /// 发票号码: 8 digits, or 20 for a digital invoice (数电票).
    invoice_no: String,
    /// The invoice as a PDF.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Whether `bytes` are a PDF: the header `%PDF-1.` or `%PDF-2.` and an `%%EOF` marker in
/// the last kilobyte.
pub fn is_pdf(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    (bytes.starts_with(b"%PDF-1.") || bytes.starts_with(b"%PDF-2."))
        && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Issues a requested invoice: the PDF (multipart `file`) and its number (`invoice_no`)
/// (audited). 415 `not_a_pdf`; 409 `invoice_state` when it is no longer requested.
#[utoipa::path(operation_id = "admin_invoice_issue", post, path = "/api/v1/admin/invoices/{id}/issue", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Invoice id")),
    request_body(content = IssueForm, content_type = "multipart/form-data"),
    responses((status = 200, body = InvoiceView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 413, body = crate::http::error::Problem), (status = 415, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn issue(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    mut form: Multipart,
) -> ApiResult<axum::Json<InvoiceView>> {
    let max = state.config.booking.upload_max_bytes;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "file_too_large",
            format!("a file may be at most {} MB", max / (1024 * 1024)),
        )
    };
    let mut no = String::new();
    let mut file: Option<Vec<u8>> = None;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(e) => return Err(ApiError::bad_request("bad_multipart", e.body_text())),
        };
        match field.name() {
            Some("invoice_no") => {
                no = field
                    .text()
                    .await
                    .map_err(|e| ApiError::bad_request("bad_multipart", e.body_text()))?;
            }
            Some("file") => {
                let mut field = field;
                let mut buf = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            if buf.len() + c.len() > max {
                                return Err(too_large());
                            }
                            buf.extend_from_slice(&c);
                        }
                        Ok(None) => break,
                        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                            return Err(too_large());
                        }
                        Err(e) => {
                            return Err(ApiError::bad_request("bad_multipart", e.body_text()));
                        }
                    }
                }
                file = Some(buf);
            }
            _ => {}
        }
    }
    let bytes =
        file.ok_or_else(|| ApiError::field("file", "required", "attach the PDF as `file`"))?;
    if !is_pdf(&bytes) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_a_pdf",
            "the invoice must be a PDF file",
        ));
    }
    let upload_id = Uuid::now_v7();
    state
        .files
        .put(upload_id, &bytes)
        .await
        .map_err(ApiError::internal)?;
    let f = IssuedFile {
        upload_id,
        size_bytes: bytes.len() as i64,
        sha256: hex::encode(Sha256::digest(&bytes)),
    };
    let a = actor(&who.staff, &client);
    match inv::decide(&app(&state), &a, id, Decide::Issue(f, no), state.now()).await {
        Ok(v) => Ok(axum::Json(v)),
        Err(e) => {
            // Not issued: the file stored for it goes.
            let _ = state.files.delete(upload_id).await;
            Err(e.into())
        }
    }
}

/// A reason or a note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceNote {
    /// 1 to 500 characters.
    pub reason: String,
}

/// Rejects a requested invoice with a reason (audited); the customer may ask again.
#[utoipa::path(operation_id = "admin_invoice_reject", post, path = "/api/v1/admin/invoices/{id}/reject", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Invoice id")), request_body = InvoiceNote,
    responses((status = 200, body = InvoiceView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<InvoiceNote>,
) -> ApiResult<axum::Json<InvoiceView>> {
    let a = actor(&who.staff, &client);
    let v = inv::decide(
        &app(&state),
        &a,
        id,
        Decide::Reject(req.reason),
        state.now(),
    )
    .await?;
    Ok(axum::Json(v))
}

/// Records that an issued invoice was reversed by a red-letter invoice (红冲), with a note
/// (audited); the order may then be invoiced again for what it nets.
#[utoipa::path(operation_id = "admin_invoice_reverse", post, path = "/api/v1/admin/invoices/{id}/reverse", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Invoice id")), request_body = InvoiceNote,
    responses((status = 200, body = InvoiceView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reverse(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<InvoiceNote>,
) -> ApiResult<axum::Json<InvoiceView>> {
    let a = actor(&who.staff, &client);
    let v = inv::decide(
        &app(&state),
        &a,
        id,
        Decide::Reverse(req.reason),
        state.now(),
    )
    .await?;
    Ok(axum::Json(v))
}

#[cfg(test)]
mod tests {
    use super::is_pdf;

    #[test]
    fn a_pdf_is_known_by_its_header_and_end() {
        assert!(is_pdf(b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"));
        assert!(!is_pdf(b"%PDF-1.7\nno end"));
        assert!(!is_pdf(b"\x89PNG\r\n\x1a\n%%EOF"));
        assert!(!is_pdf(b""));
    }
}
