//! Month-end close (期末结账) in the console: the accounting periods, closing one
//! (`finance.write`), reopening the latest closed one with a reason (`finance.reopen`),
//! and a period's trial balance, as JSON or CSV. Platform finance staff only; the rules
//! live in `daojia_app::finance::periods`.

use super::admin_workers::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::header;
use daojia_app::finance::periods::{self as periods, PeriodView, TrialBalance};
use serde::Deserialize;
use utoipa::ToSchema;

/// The accounting periods (China-time months), oldest first: every month with entries,
/// every month ever closed, and the current one, with state and totals.
#[utoipa::path(operation_id = "admin_finance_periods", get, path = "/api/v1/admin/finance/periods", tag = "admin", security(("bearer" = ["finance.read"])),
    responses((status = 200, body = Vec<PeriodView>), (status = 403, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
) -> ApiResult<axum::Json<Vec<PeriodView>>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(periods::list(&app(&state), state.now()).await?))
}

/// Closes a period (audited): records its trial balance; from then on an entry whose
/// business date falls in it is booked in the first open period. 409 `period_not_over`,
/// `period_closed`, `earlier_period_open` or `ledger_check_failed` (with the problems).
#[utoipa::path(operation_id = "admin_finance_period_close", post, path = "/api/v1/admin/finance/periods/{period}/close", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses((status = 200, body = PeriodView), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn close(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(period): Path<String>,
) -> ApiResult<axum::Json<PeriodView>> {
    let a = actor(&who.staff, &client);
    Ok(axum::Json(
        periods::close(&app(&state), &a, &period, state.now()).await?,
    ))
}

/// Why a period is reopened.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    /// 1 to 500 characters; it goes in the audit log and on the period.
    pub reason: String,
}

/// Reopens the latest closed period with a reason (audited; `finance.reopen`): its
/// recorded trial balance is dropped and entries of its dates are booked in it again
/// until it is closed again. 409 `not_latest_closed` for any other period.
#[utoipa::path(operation_id = "admin_finance_period_reopen", post, path = "/api/v1/admin/finance/periods/{period}/reopen", tag = "admin", security(("bearer" = ["finance.reopen"])),
    params(("period" = String, Path, description = "The month, `YYYY-MM`")), request_body = ReopenRequest,
    responses((status = 200, body = PeriodView), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reopen(
    State(state): State<AppState>,
    who: Can<perm::FinanceReopen>,
    client: ClientInfo,
    Path(period): Path<String>,
    Json(req): Json<ReopenRequest>,
) -> ApiResult<axum::Json<PeriodView>> {
    let a = actor(&who.staff, &client);
    Ok(axum::Json(
        periods::reopen(&app(&state), &a, &period, &req.reason, state.now()).await?,
    ))
}

/// A period's trial balance (试算平衡表): as recorded by its close when closed, from the
/// postings now while open.
#[utoipa::path(operation_id = "admin_finance_trial_balance", get, path = "/api/v1/admin/finance/periods/{period}/trial-balance", tag = "admin", security(("bearer" = ["finance.read"])),
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses((status = 200, body = TrialBalance), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn trial_balance(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Path(period): Path<String>,
) -> ApiResult<axum::Json<TrialBalance>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(
        periods::trial_balance(&app(&state), &period).await?,
    ))
}

/// The same trial balance as CSV (UTF-8 with a byte-order mark; amounts in yuan, debit
/// balances positive, a total line last).
#[utoipa::path(operation_id = "admin_finance_trial_balance_csv", get, path = "/api/v1/admin/finance/periods/{period}/trial-balance.csv", tag = "admin", security(("bearer" = ["finance.read"])),
    params(("period" = String, Path, description = "The month, `YYYY-MM`")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn trial_balance_csv(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Path(period): Path<String>,
) -> ApiResult<impl axum::response::IntoResponse> {
    scope_of(&who.staff).require_platform()?;
    let tb = periods::trial_balance(&app(&state), &period).await?;
    let name = format!("attachment; filename=\"trial-balance-{}.csv\"", tb.period);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        periods::trial_balance_csv(&tb),
    ))
}
