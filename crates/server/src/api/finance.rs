//! Earnings and withdrawals over HTTP: the worker's 我的收入 (summary, history, a
//! withdrawal request with `Idempotency-Key`), and finance in the console (提现审核: list,
//! approve, reject, record a bank transfer paid or failed; commission rules and partners'
//! shares). The rules live in `daojia_app::finance`; these handlers translate HTTP. A
//! partner's staff see their workers' withdrawals only (any other is 404); commission
//! rules and shares are the platform's.

use super::admin_workers::{actor, app, scope_of};
use crate::http::auth::{Can, ClientInfo, CurrentWorker, perm};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use daojia_app::finance::rules::{self, RuleInput, RuleView};
use daojia_app::finance::withdrawals::{self, Decide, WithdrawalView};
use daojia_app::finance::{self as finance, Summary};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The worker's earnings: pending (in the dispute window), withdrawable, in flight and
/// withdrawn, with the latest earnings (each order's split).
#[utoipa::path(operation_id = "worker_earnings", get, path = "/api/v1/worker/earnings", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Summary), (status = 401, body = crate::http::error::Problem)))]
pub async fn earnings(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Summary>> {
    Ok(axum::Json(finance::summary(&app(&state), me.id).await?))
}

/// A withdrawal request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalRequest {
    /// How much, in fen (the fee is withheld from it).
    pub amount_fen: i64,
    /// The payout channel: `bank` (a transfer finance makes and records, the default) or
    /// `wechat` (a transfer to the worker's WeChat balance, once a payee is bound: see
    /// `GET /api/v1/worker/payee`; without one, 422 on `channel`).
    #[serde(default = "bank")]
    pub channel: String,
}

fn bank() -> String {
    "bank".into()
}

/// Asks for a withdrawal. `Idempotency-Key` is required: a retry returns the same
/// request. More than the withdrawable balance is 409 `insufficient_balance` on `amount`;
/// below the minimum, above the day's limit or all fee is 422 on `amount`; `wechat` where
/// transfers are not configured or no payee is bound is 422 on `channel`, and from 2,000
/// yuan without a name in the worker's profile (WeChat requires the payee's real name) 422
/// `payee_name_missing` on `amount`.
#[utoipa::path(operation_id = "worker_withdraw", post, path = "/api/v1/worker/withdrawals", tag = "worker", security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "A UUID per request; a retry with the same key returns the same withdrawal")),
    request_body = WithdrawalRequest,
    responses((status = 201, body = WithdrawalView), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    me: CurrentWorker,
    Json(req): Json<WithdrawalRequest>,
) -> ApiResult<(StatusCode, axum::Json<WithdrawalView>)> {
    let w = withdrawals::request(
        &app(&state),
        me.id,
        req.amount_fen,
        &req.channel,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(w)))
}

/// The worker's withdrawals, newest first.
#[utoipa::path(operation_id = "worker_withdrawals", get, path = "/api/v1/worker/withdrawals", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<WithdrawalView>), (status = 401, body = crate::http::error::Problem)))]
pub async fn my_withdrawals(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Vec<WithdrawalView>>> {
    Ok(axum::Json(
        withdrawals::of_worker(&app(&state), me.id).await?,
    ))
}

/// Which withdrawals.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WithdrawalsParams {
    /// `requested`, `approved`, `paid`, `rejected` or `failed`.
    pub state: Option<String>,
    /// At most this many (1 to 500; 100 when absent).
    pub limit: Option<u64>,
}

/// Withdrawals for review (提现审核), newest first (a partner's staff: their workers').
#[utoipa::path(operation_id = "admin_withdrawals", get, path = "/api/v1/admin/withdrawals", tag = "admin", security(("bearer" = ["finance.read"])),
    params(WithdrawalsParams),
    responses((status = 200, body = Vec<WithdrawalView>), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<WithdrawalsParams>,
) -> ApiResult<axum::Json<Vec<WithdrawalView>>> {
    let list = withdrawals::list(
        &app(&state),
        scope_of(&who.staff),
        p.state.as_deref(),
        p.limit.unwrap_or(100),
    )
    .await?;
    Ok(axum::Json(list))
}

/// A reason or a reference.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// 1 to 200 characters.
    pub text: String,
}

async fn decide(
    state: &AppState,
    who: &Can<perm::FinanceWrite>,
    client: &ClientInfo,
    id: Uuid,
    d: Decide,
) -> ApiResult<axum::Json<WithdrawalView>> {
    let a = actor(&who.staff, client);
    let w = withdrawals::decide(&app(state), &a, id, d, state.now()).await?;
    Ok(axum::Json(w))
}

/// Approves a requested withdrawal (audited) and pays it out through its channel; a bank
/// transfer stays `approved` until recorded paid or failed.
#[utoipa::path(operation_id = "admin_withdrawal_approve", post, path = "/api/v1/admin/withdrawals/{id}/approve", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Withdrawal id")),
    responses((status = 200, body = WithdrawalView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<WithdrawalView>> {
    decide(&state, &who, &client, id, Decide::Approve).await
}

/// Rejects a requested withdrawal with a reason (audited); the amount goes back to the
/// worker's withdrawable balance.
#[utoipa::path(operation_id = "admin_withdrawal_reject", post, path = "/api/v1/admin/withdrawals/{id}/reject", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Withdrawal id")), request_body = NoteRequest,
    responses((status = 200, body = WithdrawalView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<NoteRequest>,
) -> ApiResult<axum::Json<WithdrawalView>> {
    decide(&state, &who, &client, id, Decide::Reject(req.text)).await
}

/// Records the bank transfer of an approved withdrawal as made, with its reference
/// (audited).
#[utoipa::path(operation_id = "admin_withdrawal_paid", post, path = "/api/v1/admin/withdrawals/{id}/paid", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Withdrawal id")), request_body = NoteRequest,
    responses((status = 200, body = WithdrawalView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn paid(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<NoteRequest>,
) -> ApiResult<axum::Json<WithdrawalView>> {
    decide(&state, &who, &client, id, Decide::MarkPaid(req.text)).await
}

/// Records that the payout of an approved withdrawal failed, with the reason (audited);
/// the amount goes back to the worker's withdrawable balance.
#[utoipa::path(operation_id = "admin_withdrawal_failed", post, path = "/api/v1/admin/withdrawals/{id}/failed", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Withdrawal id")), request_body = NoteRequest,
    responses((status = 200, body = WithdrawalView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn failed(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<NoteRequest>,
) -> ApiResult<axum::Json<WithdrawalView>> {
    decide(&state, &who, &client, id, Decide::MarkFailed(req.text)).await
}

/// The commission rules (抽成规则). Platform staff only.
#[utoipa::path(operation_id = "admin_commission_rules", get, path = "/api/v1/admin/commission-rules", tag = "admin", security(("bearer" = ["finance.read"])),
    responses((status = 200, body = Vec<RuleView>), (status = 403, body = crate::http::error::Problem)))]
pub async fn list_rules(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
) -> ApiResult<axum::Json<Vec<RuleView>>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(rules::list(&app(&state)).await?))
}

async fn save_rule(
    state: &AppState,
    who: &Can<perm::FinanceWrite>,
    client: &ClientInfo,
    id: Option<Uuid>,
    input: RuleInput,
) -> ApiResult<RuleView> {
    let a = actor(&who.staff, client);
    a.scope.require_platform()?;
    Ok(rules::save(&app(state), &a, id, input, state.now()).await?)
}

/// Adds a commission rule (audited). Platform staff only.
#[utoipa::path(operation_id = "admin_commission_rule_create", post, path = "/api/v1/admin/commission-rules", tag = "admin", security(("bearer" = ["finance.write"])),
    request_body = RuleInput,
    responses((status = 201, body = RuleView), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn create_rule(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Json(input): Json<RuleInput>,
) -> ApiResult<(StatusCode, axum::Json<RuleView>)> {
    let r = save_rule(&state, &who, &client, None, input).await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// Replaces a commission rule (audited; orders completed before keep their split).
/// Platform staff only.
#[utoipa::path(operation_id = "admin_commission_rule_update", put, path = "/api/v1/admin/commission-rules/{id}", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Rule id")), request_body = RuleInput,
    responses((status = 200, body = RuleView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn update_rule(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(input): Json<RuleInput>,
) -> ApiResult<axum::Json<RuleView>> {
    Ok(axum::Json(
        save_rule(&state, &who, &client, Some(id), input).await?,
    ))
}

/// A partner's share.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareRequest {
    /// The partner's share of what the platform leaves of its workers' orders, in basis
    /// points (0 to 10000).
    pub share_bp: i64,
}

/// Sets a partner's share (服务商分成) of its workers' orders (audited). Platform staff
/// only; applies to orders completed from now on.
#[utoipa::path(operation_id = "admin_partner_share", put, path = "/api/v1/admin/partners/{id}/share", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Partner id")), request_body = ShareRequest,
    responses((status = 204), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_share(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ShareRequest>,
) -> ApiResult<StatusCode> {
    let a = actor(&who.staff, &client);
    a.scope.require_platform()?;
    rules::set_partner_share(&app(&state), &a, id, req.share_bp, state.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
