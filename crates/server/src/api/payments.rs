//! Online payment over HTTP: the customer opens a payment intent for what the order owes
//! now and follows it; the channels post their notifications to
//! `/api/v1/pay/notify/{wechat,alipay}` and get the answer each expects (WeChat: 204, or a
//! 5xx with a JSON `code`; Alipay: the plain text `success` or `fail`).

use crate::http::auth::{ClientInfo, CurrentCustomer};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use daojia_app::orders::By;
use daojia_app::payments::{self as cases, IntentView};
use daojia_domain::payment::{PayChannel, Provider};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How the customer wants to pay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPayment {
    /// `wechat_native` (QR code), `wechat_h5` (mobile browser), `wechat_jsapi` (inside
    /// WeChat, for a customer whose WeChat authorisation is kept), `alipay_precreate` (QR
    /// code), `alipay_wap` (mobile browser) or `wallet` (from the customer's balance, paid
    /// at once).
    pub channel: String,
}

/// A payment intent.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentView {
    /// Id.
    pub id: Uuid,
    /// Our number (the channel's `out_trade_no`).
    pub intent_no: String,
    /// The order.
    pub order_id: Uuid,
    /// `wechat_native`, `wechat_h5`, `wechat_jsapi`, `alipay_precreate`, `alipay_wap` or
    /// `wallet`.
    pub channel: String,
    /// `created`, `pending`, `succeeded`, `failed` or `closed`.
    pub state: String,
    /// Amount, fen.
    pub amount_fen: i64,
    /// What to show as a QR code (the QR channels).
    pub code_url: Option<String>,
    /// Where to send the browser (`wechat_h5`: the H5 URL; `alipay_wap`: the pay page;
    /// `wechat_jsapi` with the simulator: its stand-in for WeChat's cashier, for a browser
    /// without `WeixinJSBridge`).
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

impl PaymentView {
    /// The view of intent `v` of order `order_id`.
    fn of(v: IntentView, order_id: Uuid) -> Self {
        PaymentView {
            id: v.id,
            intent_no: v.intent_no,
            order_id: v.order_id.unwrap_or(order_id),
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

fn customer(me: &CurrentCustomer) -> By {
    By::Customer {
        id: me.id,
        request_id: crate::http::error::current_request_id(),
    }
}

/// Opens a payment of what the order owes now (the deposit or full price before dispatch,
/// the balance afterwards) through a channel: 201 with the QR code or page to pay on; 200
/// with the same intent when an open one for that channel and amount exists (a second
/// click; an `Idempotency-Key` makes a retried request answer the same). 409 `nothing_owed` when the order owes nothing, `channel_unavailable` when the
/// channel is not configured; 503 `channel_refused` when the channel did not accept it.
/// With `"channel": "wallet"` the customer's balance pays at once: 201 with the intent
/// `succeeded` and the order credited, or 409 `insufficient_balance`. With
/// `"channel": "wechat_jsapi"` the answer carries `jsapi`, the bridge's signed parameters;
/// 409 `openid_required` (on `channel`) while the customer's WeChat authorisation is not
/// kept (`POST /api/v1/customer/wechat/authorize` first).
#[utoipa::path(operation_id = "order_payment_create", post, path = "/api/v1/orders/{id}/payments", tag = "customer", security(("bearer" = [])), request_body = NewPayment,
    params(("id" = Uuid, Path, description = "Order id"), ("Idempotency-Key" = Option<String>, Header, description = "A UUID per press of the pay button; a retry (or a double click) with the same key returns the same answer")),
    responses((status = 201, body = PaymentView), (status = 200, body = PaymentView), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn create(
    State(state): State<AppState>,
    me: CurrentCustomer,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<NewPayment>,
) -> ApiResult<Response> {
    if req.channel == daojia_domain::wallet::CHANNEL {
        let paid = daojia_app::wallet::pay_order(&state.app, me.id, id, state.now()).await?;
        return Ok((StatusCode::CREATED, axum::Json(PaymentView::of(paid, id))).into_response());
    }
    let channel = PayChannel::parse(&req.channel).ok_or_else(|| {
        ApiError::from(daojia_app::Error::field(
            "channel",
            "unknown_channel",
            "`wechat_native`, `wechat_h5`, `wechat_jsapi`, `alipay_precreate`, `alipay_wap` or `wallet`",
        ))
    })?;
    let ip = client.ip.unwrap_or_else(|| "127.0.0.1".into());
    let created = cases::create_intent(&state.app, me.id, id, channel, &ip, state.now()).await?;
    let status = match created {
        cases::Created::New(_) => StatusCode::CREATED,
        cases::Created::Existing(_) => StatusCode::OK,
    };
    let view = PaymentView::of(created.view().clone(), id);
    Ok((status, axum::Json(view)).into_response())
}

/// The order's payment intents, oldest first.
#[utoipa::path(operation_id = "order_payment_list", get, path = "/api/v1/orders/{id}/payments", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = Vec<PaymentView>), (status = 404, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<PaymentView>>> {
    let views = cases::intents_of(&state.app, &customer(&me), id).await?;
    Ok(axum::Json(
        views.into_iter().map(|v| PaymentView::of(v, id)).collect(),
    ))
}

/// One payment intent of the order: its state (`succeeded` once the channel confirmed it).
#[utoipa::path(operation_id = "order_payment_get", get, path = "/api/v1/orders/{id}/payments/{payment_id}", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id"), ("payment_id" = Uuid, Path, description = "Payment intent id")),
    responses((status = 200, body = PaymentView), (status = 404, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path((id, payment_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<axum::Json<PaymentView>> {
    let views = cases::intents_of(&state.app, &customer(&me), id).await?;
    views
        .into_iter()
        .find(|v| v.id == payment_id)
        .map(|v| axum::Json(PaymentView::of(v, id)))
        .ok_or_else(|| daojia_app::Error::NotFound("payment").into())
}

async fn notify(state: AppState, provider: Provider, headers: HeaderMap, body: Bytes) -> Response {
    let Some(channel) = state
        .app
        .payments
        .as_ref()
        .and_then(|p| p.channel(provider).ok().cloned())
    else {
        // Not a channel's call we can answer in its terms: a problem document.
        return ApiError::from(daojia_app::Error::NotFound("payment channel")).into_response();
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    // Refused (it does not verify, or names what is not ours): the caller's fault, 400.
    // Not applied on our side (the database, say): 500. WeChat sends both again.
    let (outcome, refused) = match std::str::from_utf8(&body) {
        Ok(text) => {
            match cases::apply_notification(&state.app, provider, &headers, text, state.now()).await
            {
                Ok(_) => (Ok(()), false),
                Err(e) => {
                    let refused = matches!(e, cases::apply::NotifyError::Rejected(_));
                    (Err(e.to_string()), refused)
                }
            }
        }
        Err(_) => (Err("the body is not UTF-8".to_owned()), true),
    };
    if let Err(why) = &outcome {
        tracing::warn!(channel = provider.code(), reason = %why, "payment notification not applied");
    }
    let answer = channel.answer(outcome.as_ref().map(|_| ()).map_err(|e| e.as_str()));
    channel_answer(answer.status, refused, answer.content_type, answer.body)
}

/// A channel's answer to its notification as an HTTP response. A channel that answers a
/// failure with a 5xx (WeChat Pay, which accepts 4xx or 5xx with `{"code":"FAIL"}`) answers
/// a refused notification with 400 instead: 5xx is kept for what failed on our side.
pub(crate) fn channel_answer(
    status: u16,
    refused: bool,
    content_type: &'static str,
    body: String,
) -> Response {
    let status = match StatusCode::from_u16(status) {
        Ok(s) if refused && s.is_server_error() => StatusCode::BAD_REQUEST,
        Ok(s) => s,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        body,
    )
        .into_response()
}

/// WeChat Pay's answer to a notification it must send again.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelFailure {
    /// `FAIL`.
    pub code: String,
    /// Why.
    pub message: String,
}

/// WeChat Pay's payment and refund notifications (signed; the resource encrypted with the
/// APIv3 key). 204 when applied or already applied; 400 with `{"code":"FAIL","message":...}`
/// when refused (it does not verify, or is not for this merchant); 500 with the same when
/// it could not be applied on our side. WeChat sends it again after either.
#[utoipa::path(operation_id = "pay_notify_wechat", post, path = "/api/v1/pay/notify/wechat", tag = "public",
    request_body(content = String, content_type = "application/json"),
    responses((status = 204, description = "Applied (or a duplicate)"),
        (status = 400, description = "Refused: it does not verify", content_type = "application/json", body = ChannelFailure),
        (status = 404, description = "WeChat Pay is not configured", body = crate::http::error::Problem),
        (status = 500, description = "Not applied; send again", content_type = "application/json", body = ChannelFailure)))]
pub async fn notify_wechat(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    notify(state, Provider::Wechat, headers, body).await
}

/// The form Alipay posts (documentation only: the handler verifies the raw body's
/// signature over every field it holds, these and any others).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct AlipayNotification {
    /// When Alipay sent it, `yyyy-MM-dd HH:mm:ss`.
    notify_time: Option<String>,
    /// `trade_status_sync`.
    notify_type: Option<String>,
    /// The notification's id.
    notify_id: Option<String>,
    /// The application's id.
    app_id: Option<String>,
    /// `utf-8`.
    charset: Option<String>,
    /// `1.0`.
    version: Option<String>,
    /// `RSA2`.
    sign_type: Option<String>,
    /// The signature (base64) over the other fields, sorted.
    sign: Option<String>,
    /// Alipay's trade number.
    trade_no: Option<String>,
    /// Our intent number.
    out_trade_no: Option<String>,
    /// For a refund: our refund number.
    out_biz_no: Option<String>,
    /// `WAIT_BUYER_PAY`, `TRADE_SUCCESS`, `TRADE_FINISHED` or `TRADE_CLOSED`.
    trade_status: Option<String>,
    /// Yuan with two decimals.
    total_amount: Option<String>,
    /// For a refund: the amount refunded so far, yuan.
    refund_fee: Option<String>,
    /// When the payer paid.
    gmt_payment: Option<String>,
}

/// Alipay's asynchronous notifications (a signed form). `success` when applied or already
/// applied, `fail` otherwise (Alipay sends it again).
#[utoipa::path(operation_id = "pay_notify_alipay", post, path = "/api/v1/pay/notify/alipay", tag = "public",
    request_body(content = AlipayNotification, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "`success` or `fail`, as plain text", body = String), (status = 404, description = "Alipay is not configured", body = crate::http::error::Problem)))]
pub async fn notify_alipay(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    notify(state, Provider::Alipay, headers, body).await
}
