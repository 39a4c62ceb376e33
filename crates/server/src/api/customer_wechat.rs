//! Paying inside WeChat over HTTP: the customer app asks for WeChat's silent web
//! authorisation URL (with a `state` bound to its log-in session), sends the browser there,
//! and posts back the `code` and `state` WeChat returns; the server keeps the payer's
//! openid, and `POST /api/v1/orders/{id}/payments` with `wechat_jsapi` then answers the
//! parameters of `WeixinJSBridge.invoke('getBrandWCPayRequest', …)`. The rules live in
//! `daojia_app::payments::jsapi`.

use crate::http::auth::CurrentCustomer;
use crate::http::error::ApiResult;
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::State;
use chrono::{DateTime, Utc};
use daojia_app::payments::jsapi;
use daojia_pay::wechat::sign::JsapiPayParams;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Where WeChat should send the browser back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeRequest {
    /// The customer app's page to return to (absolute http(s) URL, no fragment; its host
    /// must be the official account's authorised domain). WeChat appends `code` and `state`.
    pub redirect_uri: String,
}

/// A started web authorisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Authorization {
    /// WeChat's authorisation page (`snsapi_base`, silent): send the browser there.
    pub url: String,
    /// The state the URL carries; it comes back with the code and is good once, for this
    /// log-in session, for ten minutes.
    pub state: String,
    /// The paying app.
    pub app_id: String,
}

/// Whether the customer can pay inside WeChat (never the openid).
#[derive(Debug, Serialize, ToSchema)]
pub struct WechatBinding {
    /// This server opens payments inside WeChat (`wechat_jsapi`).
    pub available: bool,
    /// The customer's WeChat account under the paying app is known (no authorisation
    /// needed before paying).
    pub bound: bool,
    /// When it became known.
    pub bound_at: Option<DateTime<Utc>>,
    /// The paying app, when available.
    pub app_id: Option<String>,
}

impl From<jsapi::Binding> for WechatBinding {
    fn from(b: jsapi::Binding) -> Self {
        WechatBinding {
            available: b.available,
            bound: b.bound,
            bound_at: b.bound_at,
            app_id: b.app_id,
        }
    }
}

/// The code and state WeChat appended to the return address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindCode {
    /// The one-time `code`.
    pub code: String,
    /// The `state`, as issued by `POST /api/v1/customer/wechat/authorize`.
    pub state: String,
}

/// What `WeixinJSBridge.invoke('getBrandWCPayRequest', …)` takes, field names as WeChat
/// spells them: pass the object as it is.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BridgeParams {
    /// The paying app.
    #[serde(rename = "appId")]
    pub app_id: String,
    /// Unix seconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// Random string.
    #[serde(rename = "nonceStr")]
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// `RSA`.
    #[serde(rename = "signType")]
    pub sign_type: String,
    /// The merchant's signature over `appId\ntimeStamp\nnonceStr\npackage\n`.
    #[serde(rename = "paySign")]
    pub pay_sign: String,
}

impl From<JsapiPayParams> for BridgeParams {
    fn from(p: JsapiPayParams) -> Self {
        BridgeParams {
            app_id: p.app_id,
            time_stamp: p.time_stamp,
            nonce_str: p.nonce_str,
            package: p.package,
            sign_type: p.sign_type,
            pay_sign: p.pay_sign,
        }
    }
}

/// Whether the customer can pay inside WeChat, and whether they must authorise first.
#[utoipa::path(operation_id = "customer_wechat", get, path = "/api/v1/customer/wechat", tag = "customer", security(("bearer" = [])),
    responses((status = 200, body = WechatBinding), (status = 401, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    me: CurrentCustomer,
) -> ApiResult<axum::Json<WechatBinding>> {
    Ok(axum::Json(jsapi::binding(&state.app, me.id).await?.into()))
}

/// Starts WeChat's silent web authorisation (`snsapi_base`) under the paying app: the URL
/// to send the browser to, with a new `state` bound to this log-in session. 409
/// `channel_unavailable` when this server does not pay inside WeChat; 422 on
/// `redirect_uri`.
#[utoipa::path(operation_id = "customer_wechat_authorize", post, path = "/api/v1/customer/wechat/authorize", tag = "customer", security(("bearer" = [])),
    request_body = AuthorizeRequest,
    responses((status = 200, body = Authorization), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn authorize(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Json(req): Json<AuthorizeRequest>,
) -> ApiResult<axum::Json<Authorization>> {
    let a = jsapi::authorize(
        &state.app,
        me.id,
        me.session_id,
        &req.redirect_uri,
        state.now(),
    )
    .await?;
    Ok(axum::Json(Authorization {
        url: a.url,
        state: a.state,
        app_id: a.app_id,
    }))
}

/// Takes back the authorisation: the `state` must be the one this session started (good
/// once, ten minutes: 422 `state_mismatch`, `state_used` or `state_expired` on `state`), and
/// the `code` is exchanged for the payer's openid, kept encrypted (422 `invalid_code` on
/// `code` when WeChat does not know it; 503 when WeChat cannot be asked).
#[utoipa::path(operation_id = "customer_wechat_bind", put, path = "/api/v1/customer/wechat", tag = "customer", security(("bearer" = [])),
    request_body = BindCode,
    responses((status = 200, body = WechatBinding), (status = 401, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn bind(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Json(req): Json<BindCode>,
) -> ApiResult<axum::Json<WechatBinding>> {
    Ok(axum::Json(
        jsapi::bind(
            &state.app,
            me.id,
            me.session_id,
            &req.code,
            &req.state,
            state.now(),
        )
        .await?
        .into(),
    ))
}
