//! The customer wallet (余额) over HTTP: the balance and its movements, top-ups through a
//! channel (followed like an order's payment), and finance's view of a customer's wallet.
//! Paying an order from the wallet is `POST /api/v1/orders/{id}/payments`
//! `{"channel": "wallet"}` (see `payments`).

use super::admin::page_request;
use super::admin_workers::scope_of;
use crate::http::auth::{Can, ClientInfo, CurrentCustomer, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_app::wallet::{self as cases, TopUpView, WalletView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A top-up to open.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTopUp {
    /// How much, in fen (within the configured least and most per top-up, and the most a
    /// wallet may hold).
    pub amount_fen: i64,
    /// `wechat_native`, `wechat_h5`, `wechat_jsapi` (inside WeChat, once authorised),
    /// `alipay_precreate` or `alipay_wap`.
    pub channel: String,
}

/// A top-up: a payment intent that credits the wallet when it succeeds.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopUp {
    /// Id.
    pub id: Uuid,
    /// Our number (the channel's `out_trade_no`).
    pub intent_no: String,
    /// The channel.
    pub channel: String,
    /// `created`, `pending`, `succeeded` (the wallet is credited), `failed` or `closed`.
    pub state: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// What to show as a QR code (the QR channels).
    pub code_url: Option<String>,
    /// Where to send the browser (`wechat_h5`, `alipay_wap`; `wechat_jsapi` with the
    /// simulator: its stand-in for WeChat's cashier).
    pub pay_url: Option<String>,
    /// `wechat_jsapi`: the object to pass to
    /// `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`.
    pub jsapi: Option<super::customer_wechat::BridgeParams>,
    /// When it stops being payable.
    pub expires_at: DateTime<Utc>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Paid.
    pub succeeded_at: Option<DateTime<Utc>>,
}

impl From<TopUpView> for TopUp {
    fn from(v: TopUpView) -> Self {
        TopUp {
            id: v.id,
            intent_no: v.intent_no,
            channel: v.channel,
            state: v.state,
            amount_fen: v.amount_fen,
            code_url: v.code_url,
            pay_url: v.pay_url,
            jsapi: v.jsapi.map(Into::into),
            expires_at: v.expires_at,
            created_at: v.created_at,
            succeeded_at: v.succeeded_at,
        }
    }
}

/// One movement of a wallet.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletMovement {
    /// Id (of its ledger posting).
    pub id: Uuid,
    /// `top_up` (in), `payment` (out, for an order), `refund` (in, from an order) or
    /// `other`.
    pub kind: String,
    /// What it did to the balance, fen: positive in, negative out.
    pub amount_fen: i64,
    /// The order it concerns (a payment or a refund).
    pub order_id: Option<Uuid>,
    /// For people (`余额充值`, `余额支付`, `退回余额`).
    pub memo: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The top-up limits in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct WalletLimits {
    /// The least one top-up may be, fen.
    pub top_up_min_fen: i64,
    /// The most one top-up may be, fen.
    pub top_up_max_fen: i64,
    /// The most a wallet may hold, fen.
    pub max_balance_fen: i64,
}

/// A wallet: the balance and a page of movements, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct Wallet {
    /// The balance, fen.
    pub balance_fen: i64,
    /// The top-up limits.
    pub limits: WalletLimits,
    /// Movements of this page.
    pub movements: Vec<WalletMovement>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Paging of movements.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WalletParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Movements per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
}

fn wallet_of(state: &AppState, v: WalletView) -> Wallet {
    let l = cases::limits(&state.app);
    Wallet {
        balance_fen: v.balance_fen,
        limits: WalletLimits {
            top_up_min_fen: l.top_up_min.as_fen(),
            top_up_max_fen: l.top_up_max.as_fen(),
            max_balance_fen: l.max_balance.as_fen(),
        },
        movements: v
            .movements
            .into_iter()
            .map(|m| WalletMovement {
                id: m.id,
                kind: match (m.source_type.as_str(), m.order_id) {
                    ("intent", None) => "top_up",
                    ("intent", Some(_)) => "payment",
                    ("refund", _) => "refund",
                    _ => "other",
                }
                .into(),
                amount_fen: m.amount_fen,
                order_id: m.order_id,
                memo: m.memo,
                at: m.at,
            })
            .collect(),
        next_cursor: v.next_cursor,
    }
}

/// The customer's wallet: the balance, the top-up limits and the movements, newest first
/// (cursor pagination).
#[utoipa::path(operation_id = "wallet_get", get, path = "/api/v1/wallet", tag = "customer", security(("bearer" = [])),
    params(WalletParams),
    responses((status = 200, body = Wallet), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Query(p): Query<WalletParams>,
) -> ApiResult<axum::Json<Wallet>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let v = cases::wallet(&state.app, me.id, page).await?;
    Ok(axum::Json(wallet_of(&state, v)))
}

/// Opens a top-up of the wallet through a channel: 201 with the QR code or the page to pay
/// on; the wallet is credited when the channel confirms the payment (follow it with
/// `GET /api/v1/wallet/top-ups/{id}`). 422 on `amount_fen` (`below_minimum`,
/// `above_maximum`, `over_max_balance`) or `channel`; 409 `payments_unavailable` /
/// `channel_unavailable`, or `openid_required` for `wechat_jsapi` before the customer's
/// WeChat authorisation; 503 `channel_refused`.
#[utoipa::path(operation_id = "wallet_top_up", post, path = "/api/v1/wallet/top-ups", tag = "customer", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A UUID per request; a retry with the same key returns the same top-up")),
    request_body = NewTopUp,
    responses((status = 201, body = TopUp), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn top_up(
    State(state): State<AppState>,
    me: CurrentCustomer,
    client: ClientInfo,
    Json(req): Json<NewTopUp>,
) -> ApiResult<(StatusCode, axum::Json<TopUp>)> {
    let o = super::purpose::opening(
        req.amount_fen,
        &req.channel,
        "`wechat_native`, `wechat_h5`, `wechat_jsapi`, `alipay_precreate` or `alipay_wap`",
        client,
    )?;
    let v = cases::top_up(
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

/// The customer's latest top-ups (20), newest first.
#[utoipa::path(operation_id = "wallet_top_ups", get, path = "/api/v1/wallet/top-ups", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = Vec<TopUp>), (status = 401, body = crate::http::error::Problem)))]
pub async fn top_ups(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<Vec<TopUp>>> {
    let list = cases::top_ups(&state.app, me.id, 20).await?;
    Ok(axum::Json(list.into_iter().map(Into::into).collect()))
}

/// One top-up of the customer: its state (`succeeded` once the channel confirmed it and
/// the wallet was credited).
#[utoipa::path(operation_id = "wallet_top_up_get", get, path = "/api/v1/wallet/top-ups/{id}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Top-up id")),
    responses((status = 200, body = TopUp), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn top_up_get(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<TopUp>> {
    Ok(axum::Json(
        cases::top_up_of(&state.app, me.id, id).await?.into(),
    ))
}

/// A customer's wallet as finance sees it: the balance and the movements (platform staff
/// with `finance.read`).
#[utoipa::path(operation_id = "admin_customer_wallet", get, path = "/api/v1/admin/customers/{id}/wallet", tag = "admin", security(("bearer" = ["finance.read"])),
    params(("id" = Uuid, Path, description = "Customer id"), WalletParams),
    responses((status = 200, body = Wallet), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn for_staff(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Path(id): Path<Uuid>,
    Query(p): Query<WalletParams>,
) -> ApiResult<axum::Json<Wallet>> {
    scope_of(&who.staff).require_platform()?;
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let v = cases::wallet(&state.app, id, page).await?;
    Ok(axum::Json(wallet_of(&state, v)))
}
