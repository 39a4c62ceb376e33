//! Worker deposits (保证金) over HTTP: the worker's 保证金 page (the deposit, the tiers
//! and what it unlocks, lodging through a channel followed like a top-up, the movements,
//! asking for it back) and finance in the console (every deposit, one worker's with its
//! fines and movements, a fine). The rules live in `daojia_app::deposits`; these handlers
//! translate HTTP. A partner's staff see their own workers' deposits (like their
//! withdrawals); fining one is the platform's (403 `platform_only`), since the fines are
//! the platform's money.

use super::admin::page_request;
use super::admin_workers::{actor, scope_of};
use crate::http::auth::{Can, ClientInfo, CurrentWorker, perm};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_app::deposits::{self as cases, DepositView, FineView};
use daojia_app::payments::IntentView;
use daojia_domain::money::Money;
use daojia_store::repo::wallet::Movement;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A tier of the configuration.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepositTier {
    /// Stable code.
    pub code: String,
    /// For people.
    pub name: String,
    /// The deposit it needs, fen.
    pub required_fen: i64,
    /// The most an order may be worth at this tier, fen; absent: no limit.
    pub max_order_fen: Option<i64>,
    /// The gated categories it unlocks (besides the lower tiers').
    pub categories: Vec<String>,
}

impl From<&daojia_domain::deposit::Tier> for DepositTier {
    fn from(t: &daojia_domain::deposit::Tier) -> Self {
        DepositTier {
            code: t.code.clone(),
            name: t.name.clone(),
            required_fen: t.required_fen,
            max_order_fen: t.max_order_fen,
            categories: t.categories.clone(),
        }
    }
}

/// A worker's deposit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Deposit {
    /// Whose.
    pub worker_id: Uuid,
    /// Lodged less fines and refunds, fen.
    pub balance_fen: i64,
    /// What counts for the tiers now (0 while held for a refund), fen.
    pub usable_fen: i64,
    /// Every lodging so far, fen.
    pub lodged_fen: i64,
    /// Every fine so far, fen.
    pub fined_fen: i64,
    /// Every refund so far, fen.
    pub refunded_fen: i64,
    /// `active`, `held` (for a refund, until `hold_until`) or `refunded`.
    pub state: String,
    /// When the hold ends.
    pub hold_until: Option<DateTime<Utc>>,
    /// When the refund was asked for (or the worker left).
    pub refund_requested_at: Option<DateTime<Utc>>,
    /// When it was last paid back (into the withdrawable balance).
    pub refunded_at: Option<DateTime<Utc>>,
    /// The highest tier reached.
    pub tier: Option<DepositTier>,
    /// The most an order may be worth for this worker now, fen; absent: no limit.
    pub max_order_fen: Option<i64>,
    /// The gated categories unlocked.
    pub categories: Vec<String>,
    /// Whether deposits are required on this platform (tiers configured).
    pub required: bool,
    /// Whether the deposit unlocks no order at all.
    pub unlocks_nothing: bool,
}

impl From<DepositView> for Deposit {
    fn from(v: DepositView) -> Self {
        Deposit {
            worker_id: v.worker_id,
            balance_fen: v.balance_fen,
            usable_fen: v.usable_fen,
            lodged_fen: v.lodged_fen,
            fined_fen: v.fined_fen,
            refunded_fen: v.refunded_fen,
            state: v.state,
            hold_until: v.hold_until,
            refund_requested_at: v.refund_requested_at,
            refunded_at: v.refunded_at,
            tier: v.tier.as_ref().map(Into::into),
            max_order_fen: v.max_order_fen,
            categories: v.categories,
            required: v.required,
            unlocks_nothing: v.unlocks_nothing,
        }
    }
}

/// The rules as the worker app shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepositRulesView {
    /// The tiers, lowest first.
    pub tiers: Vec<DepositTier>,
    /// How long a deposit is held before it is paid back, hours.
    pub hold_hours: i64,
    /// The least one lodging may be, fen.
    pub lodge_min_fen: i64,
    /// The most one lodging may be, fen.
    pub lodge_max_fen: i64,
}

/// The worker's deposit with the rules.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyDeposit {
    /// The deposit.
    pub deposit: Deposit,
    /// The rules.
    pub rules: DepositRulesView,
}

fn rules_view(state: &AppState) -> DepositRulesView {
    let r = cases::rules(&state.app);
    DepositRulesView {
        tiers: r.sorted().into_iter().map(Into::into).collect(),
        hold_hours: r.hold_hours,
        lodge_min_fen: r.lodge_min_fen,
        lodge_max_fen: r.lodge_max_fen,
    }
}

/// One movement of a deposit.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepositMovement {
    /// Id (of its ledger posting).
    pub id: Uuid,
    /// `lodging` (in), `fine` (out), `refund` (out, into the withdrawable balance) or
    /// `other`.
    pub kind: String,
    /// What it did to the deposit, fen: positive in, negative out.
    pub amount_fen: i64,
    /// The order concerned (a fine for one).
    pub order_id: Option<Uuid>,
    /// For people (`缴纳保证金`, `保证金罚扣`, `保证金退还`).
    pub memo: String,
    /// When.
    pub at: DateTime<Utc>,
}

fn movement(m: Movement) -> DepositMovement {
    DepositMovement {
        id: m.id,
        kind: match m.source_type.as_str() {
            "intent" => "lodging",
            "deposit_fine" => "fine",
            "deposit_refund" => "refund",
            _ => "other",
        }
        .into(),
        amount_fen: m.amount_fen,
        order_id: m.order_id,
        memo: m.memo,
        at: m.at,
    }
}

/// A page of movements.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepositMovements {
    /// Movements of this page, newest first.
    pub movements: Vec<DepositMovement>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// A lodging to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLodging {
    /// How much, fen (within the configured least and most per lodging).
    pub amount_fen: i64,
    /// `wechat_native`, `wechat_h5`, `alipay_precreate` or `alipay_wap`.
    pub channel: String,
}

/// A lodging: a payment intent that credits the deposit when it succeeds.
#[derive(Debug, Serialize, ToSchema)]
pub struct Lodging {
    /// Id.
    pub id: Uuid,
    /// Our number (the channel's `out_trade_no`).
    pub intent_no: String,
    /// The channel.
    pub channel: String,
    /// `created`, `pending`, `succeeded` (the deposit is credited), `failed` or `closed`.
    pub state: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// What to show as a QR code (the QR channels).
    pub code_url: Option<String>,
    /// Where to send the browser (`wechat_h5`, `alipay_wap`).
    pub pay_url: Option<String>,
    /// When it stops being payable.
    pub expires_at: DateTime<Utc>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Paid.
    pub succeeded_at: Option<DateTime<Utc>>,
}

impl From<IntentView> for Lodging {
    fn from(v: IntentView) -> Self {
        Lodging {
            id: v.id,
            intent_no: v.intent_no,
            channel: v.channel,
            state: v.state,
            amount_fen: v.amount_fen,
            code_url: v.code_url,
            pay_url: v.pay_url,
            expires_at: v.expires_at,
            created_at: v.created_at,
            succeeded_at: v.succeeded_at,
        }
    }
}

/// A fine.
#[derive(Debug, Serialize, ToSchema)]
pub struct Fine {
    /// Id.
    pub id: Uuid,
    /// Whose deposit.
    pub worker_id: Uuid,
    /// How much, fen.
    pub amount_fen: i64,
    /// Why.
    pub reason: String,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// The upheld complaint (credit event) it came with.
    pub credit_event_id: Option<Uuid>,
    /// Who fined.
    pub staff_id: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<FineView> for Fine {
    fn from(v: FineView) -> Self {
        Fine {
            id: v.id,
            worker_id: v.worker_id,
            amount_fen: v.amount_fen,
            reason: v.reason,
            order_id: v.order_id,
            credit_event_id: v.credit_event_id,
            staff_id: v.staff_id,
            created_at: v.created_at,
        }
    }
}

/// The worker's deposit, the tiers and what it unlocks.
#[utoipa::path(operation_id = "worker_deposit_get", get, path = "/api/v1/worker/deposit", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = MyDeposit), (status = 401, body = crate::http::error::Problem)))]
pub async fn mine(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<MyDeposit>> {
    let d = cases::of_worker(&state.app, me.id).await?;
    Ok(axum::Json(MyDeposit {
        deposit: d.into(),
        rules: rules_view(&state),
    }))
}

/// The movements of the worker's deposit (lodgings, fines, refunds), newest first.
#[utoipa::path(operation_id = "worker_deposit_movements", get, path = "/api/v1/worker/deposit/movements", tag = "worker", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = DepositMovements), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn my_movements(
    State(state): State<AppState>,
    me: CurrentWorker,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<DepositMovements>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let v = cases::movements(&state.app, me.id, page).await?;
    Ok(axum::Json(DepositMovements {
        movements: v.items.into_iter().map(movement).collect(),
        next_cursor: v.next_cursor,
    }))
}

/// Opens a lodging of the deposit through a channel: 201 with the QR code or the page to
/// pay on; the deposit is credited when the channel confirms the payment (follow it with
/// `GET /api/v1/worker/deposit/lodgings/{id}`). 422 on `amount_fen` (`below_minimum`,
/// `above_maximum`) or `channel`; 409 `deposit_held` while held for a refund,
/// `payments_unavailable` / `channel_unavailable`; 503 `channel_refused`.
#[utoipa::path(operation_id = "worker_deposit_lodge", post, path = "/api/v1/worker/deposit/lodgings", tag = "worker", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A UUID per request; a retry with the same key returns the same lodging")),
    request_body = NewLodging,
    responses((status = 201, body = Lodging), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn lodge(
    State(state): State<AppState>,
    me: CurrentWorker,
    client: ClientInfo,
    Json(req): Json<NewLodging>,
) -> ApiResult<(StatusCode, axum::Json<Lodging>)> {
    let o = super::purpose::opening(
        req.amount_fen,
        &req.channel,
        "`wechat_native`, `wechat_h5`, `alipay_precreate` or `alipay_wap`",
        client,
    )?;
    let v = cases::lodge(
        &state.app,
        me.id,
        o.amount,
        o.channel,
        &o.payer_ip,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(v.into())))
}

/// The worker's latest lodgings (20), newest first.
#[utoipa::path(operation_id = "worker_deposit_lodgings", get, path = "/api/v1/worker/deposit/lodgings", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Vec<Lodging>), (status = 401, body = crate::http::error::Problem)))]
pub async fn my_lodgings(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Vec<Lodging>>> {
    let list = cases::lodgings(&state.app, me.id, 20).await?;
    Ok(axum::Json(list.into_iter().map(Into::into).collect()))
}

/// One lodging of the worker: its state (`succeeded` once the channel confirmed it and the
/// deposit was credited).
#[utoipa::path(operation_id = "worker_deposit_lodging", get, path = "/api/v1/worker/deposit/lodgings/{id}", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Lodging id")),
    responses((status = 200, body = Lodging), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn my_lodging(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Lodging>> {
    Ok(axum::Json(
        cases::lodging_of(&state.app, me.id, id).await?.into(),
    ))
}

/// Asks for the deposit back: it is held for the configured period (and unlocks nothing
/// meanwhile), then paid into the withdrawable balance unless an after-sales case on the
/// worker's orders is open. Asking again changes nothing; 409 `nothing_to_refund` when
/// the deposit holds nothing.
#[utoipa::path(operation_id = "worker_deposit_refund", post, path = "/api/v1/worker/deposit/refund", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = Deposit), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn ask_refund(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<Deposit>> {
    let v = cases::refunds::request(&state.app, me.id, state.now()).await?;
    Ok(axum::Json(v.into()))
}

/// Which deposits to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// `active`, `held` or `refunded`; all when absent.
    pub state: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

/// A deposit in the console's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepositRow {
    /// The deposit.
    #[serde(flatten)]
    pub deposit: Deposit,
    /// The worker's code (工号).
    pub worker_code: String,
    /// The worker's status.
    pub worker_status: String,
}

/// A page of deposits.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepositPage {
    /// The rows.
    pub items: Vec<DepositRow>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
    /// The rules in force.
    pub rules: DepositRulesView,
}

/// Every worker's deposit (`finance.read`; a partner's staff: their workers'), a page at a
/// time.
#[utoipa::path(operation_id = "admin_deposits", get, path = "/api/v1/admin/deposits", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ListParams),
    responses((status = 200, body = DepositPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ListParams>,
) -> ApiResult<axum::Json<DepositPage>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let v = cases::list(&state.app, scope_of(&who.staff), p.state.as_deref(), page).await?;
    let mut items = Vec::with_capacity(v.items.len());
    for d in v.items {
        let w = daojia_store::repo::accounts::worker(state.store.db(), d.worker_id).await?;
        items.push(DepositRow {
            worker_code: w.as_ref().map(|w| w.code.clone()).unwrap_or_default(),
            worker_status: w.map(|w| w.status).unwrap_or_default(),
            deposit: d.into(),
        });
    }
    Ok(axum::Json(DepositPage {
        items,
        next_cursor: v.next_cursor,
        rules: rules_view(&state),
    }))
}

/// One worker's deposit as finance sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerDeposit {
    /// The deposit.
    pub deposit: Deposit,
    /// The fines, newest first (50).
    pub fines: Vec<Fine>,
    /// The movements of this page.
    pub movements: Vec<DepositMovement>,
    /// Cursor of the next page of movements.
    pub next_cursor: Option<String>,
}

/// A worker's deposit with its fines and movements (`finance.read`; a partner's staff:
/// their workers' only, 404 for others).
#[utoipa::path(operation_id = "admin_worker_deposit", get, path = "/api/v1/admin/workers/{id}/deposit", tag = "admin", security(("bearer" = ["finance.read"])),
    params(("id" = Uuid, Path, description = "Worker id"), PageParams),
    responses((status = 200, body = WorkerDeposit), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn for_staff(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Path(id): Path<Uuid>,
    Query(p): Query<PageParams>,
) -> ApiResult<axum::Json<WorkerDeposit>> {
    daojia_app::workers::visible(state.store.db(), scope_of(&who.staff), id).await?;
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let d = cases::of_worker(&state.app, id).await?;
    let fines = cases::fines::of_worker(&state.app, id, 50).await?;
    let m = cases::movements(&state.app, id, page).await?;
    Ok(axum::Json(WorkerDeposit {
        deposit: d.into(),
        fines: fines.into_iter().map(Into::into).collect(),
        movements: m.items.into_iter().map(movement).collect(),
        next_cursor: m.next_cursor,
    }))
}

/// A fine to take.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FineRequest {
    /// How much, fen (at least 1, at most what the deposit holds).
    pub amount_fen: i64,
    /// Why (required; it goes in the record and the audit log).
    pub reason: Option<String>,
    /// The order concerned (one of the worker's).
    pub order_id: Option<Uuid>,
}

/// Fines a worker's deposit (platform staff with `finance.write`; audited). 422 on
/// `amount_fen` (`not_positive`, `above_balance`: never more than the deposit holds, also
/// under concurrent fines), `reason` (`required`) or `order_id` (`not_their_order`).
#[utoipa::path(operation_id = "admin_worker_deposit_fine", post, path = "/api/v1/admin/workers/{id}/deposit/fines", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = FineRequest,
    responses((status = 201, body = Fine), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn fine(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<FineRequest>,
) -> ApiResult<(StatusCode, axum::Json<Fine>)> {
    let a = actor(&who.staff, &client);
    let f = cases::fines::fine(
        &state.app,
        &a,
        id,
        cases::NewFine {
            amount: Money::fen(req.amount_fen),
            reason: req.reason,
            order_id: req.order_id,
        },
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(f.into())))
}
