//! Reconciliation (对账) in the console: runs and their differences, a re-run of one
//! channel's bill of one date (downloaded, or a file finance uploads), resolving a
//! difference with a note, and the differences as CSV. Platform finance staff only
//! (`finance.read` to look, `finance.write` to run and resolve); the rules live in
//! `daojia_app::finance::reconcile`.

use super::admin_workers::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use base64::Engine;
use chrono::NaiveDate;
use daojia_app::Error;
use daojia_app::finance::reconcile::{
    self as rec, BillSource, DifferenceView, Filter, RunView, Statement,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// Which runs.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunsParams {
    /// Of one bill date (`YYYY-MM-DD`, China date).
    pub date: Option<NaiveDate>,
    /// At most this many (1 to 500; 60 when absent).
    pub limit: Option<u64>,
}

/// Reconciliation runs, newest bill date first.
#[utoipa::path(operation_id = "admin_reconciliation_runs", get, path = "/api/v1/admin/finance/reconciliation/runs", tag = "admin", security(("bearer" = ["finance.read"])),
    params(RunsParams),
    responses((status = 200, body = Vec<RunView>), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn runs(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<RunsParams>,
) -> ApiResult<axum::Json<Vec<RunView>>> {
    scope_of(&who.staff).require_platform()?;
    let list = rec::runs(&app(&state), p.date, p.limit.unwrap_or(60)).await?;
    Ok(axum::Json(list))
}

/// A run to start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunRequest {
    /// The bill: `wechat` or `alipay` (the trade bill), `wechat_fund` (WeChat Pay's fund
    /// flow bill of the basic account, 资金账单).
    pub provider: String,
    /// The bill's China date, `YYYY-MM-DD`.
    pub date: NaiveDate,
    /// The bill file as the channel serves it (WeChat's CSV, Alipay's zip), base64; absent:
    /// download it from the channel.
    pub file_base64: Option<String>,
}

/// Reconciles one channel's bill of one date now (audited): downloads it (its hash
/// checked) or reads the uploaded file, matches it line by line and replaces the date's
/// open differences (resolved ones are kept). A bill that cannot be had or read is 409
/// `bill_unavailable` / `bill_unreadable` (the failed run is listed).
#[utoipa::path(operation_id = "admin_reconciliation_run", post, path = "/api/v1/admin/finance/reconciliation/runs", tag = "admin", security(("bearer" = ["finance.write"])),
    request_body = RunRequest,
    responses((status = 201, body = RunView), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn run(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Json(req): Json<RunRequest>,
) -> ApiResult<(StatusCode, axum::Json<RunView>)> {
    scope_of(&who.staff).require_platform()?;
    let statement = Statement::parse(&req.provider)
        .ok_or_else(|| Error::field("provider", "invalid", "wechat, alipay or wechat_fund"))?;
    let source = match req.file_base64 {
        None => BillSource::Download,
        Some(b) => BillSource::Upload(
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .map_err(|_| Error::field("file_base64", "invalid", "not base64"))?,
        ),
    };
    let a = actor(&who.staff, &client);
    let r = rec::reconcile_bill(
        &app(&state),
        statement,
        req.date,
        source,
        Some(&a),
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// Which differences.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DifferencesParams {
    /// Of one bill date (`YYYY-MM-DD`).
    pub date: Option<NaiveDate>,
    /// `wechat`, `alipay` or `wechat_fund`.
    pub provider: Option<String>,
    /// `open` or `resolved`.
    pub state: Option<String>,
    /// `missing_ours`, `missing_theirs`, `amount_mismatch` or `status_mismatch`.
    pub kind: Option<String>,
    /// At most this many (1 to 5000; 500 when absent).
    pub limit: Option<u64>,
}

impl DifferencesParams {
    fn filter(self) -> (Filter, u64) {
        (
            Filter {
                bill_date: self.date,
                provider: self.provider,
                state: self.state,
                kind: self.kind,
            },
            self.limit.unwrap_or(500),
        )
    }
}

/// Differences found by reconciliation, newest bill date first.
#[utoipa::path(operation_id = "admin_reconciliation_differences", get, path = "/api/v1/admin/finance/reconciliation/differences", tag = "admin", security(("bearer" = ["finance.read"])),
    params(DifferencesParams),
    responses((status = 200, body = Vec<DifferenceView>), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn differences(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<DifferencesParams>,
) -> ApiResult<axum::Json<Vec<DifferenceView>>> {
    scope_of(&who.staff).require_platform()?;
    let (f, limit) = p.filter();
    Ok(axum::Json(rec::differences(&app(&state), f, limit).await?))
}

/// The same differences as CSV (UTF-8 with a byte-order mark; amounts in yuan).
#[utoipa::path(operation_id = "admin_reconciliation_differences_csv", get, path = "/api/v1/admin/finance/reconciliation/differences.csv", tag = "admin", security(("bearer" = ["finance.read"])),
    params(DifferencesParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn differences_csv(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<DifferencesParams>,
) -> ApiResult<impl axum::response::IntoResponse> {
    scope_of(&who.staff).require_platform()?;
    let (f, limit) = p.filter();
    let list = rec::differences(&app(&state), f, limit).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"reconciliation-differences.csv\"",
            ),
        ],
        rec::differences_csv(&list),
    ))
}

/// How a difference was settled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveRequest {
    /// What finance found and did, 1 to 500 characters.
    pub note: String,
}

/// Resolves an open difference with a note (audited); 409 `difference_resolved` when it
/// already is.
#[utoipa::path(operation_id = "admin_reconciliation_resolve", post, path = "/api/v1/admin/finance/reconciliation/differences/{id}/resolve", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Difference id")), request_body = ResolveRequest,
    responses((status = 200, body = DifferenceView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn resolve(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ResolveRequest>,
) -> ApiResult<axum::Json<DifferenceView>> {
    scope_of(&who.staff).require_platform()?;
    let a = actor(&who.staff, &client);
    let d = rec::resolve(&app(&state), &a, id, &req.note, state.now()).await?;
    Ok(axum::Json(d))
}
