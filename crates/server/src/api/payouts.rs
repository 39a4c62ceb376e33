//! Withdrawals to the worker's WeChat balance over HTTP (商家转账): the worker binds a
//! WeChat payee with the code of WeChat's web authorisation and, on a withdrawal whose bill
//! waits for them, gets what WeChat's `requestMerchantTransfer` needs; WeChat posts the
//! bill's end to `/api/v1/pay/notify/wechat-transfer` and gets the answer it expects (204,
//! or a 500 with a JSON `code`, and it sends again). The rules live in
//! `daojia_app::finance::transfers`.

use super::admin_workers::app;
use crate::http::auth::CurrentWorker;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use daojia_app::finance::transfers::{self, PayeeView, TransferConfirm};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// The worker's payout channels and WeChat payee.
#[utoipa::path(operation_id = "worker_payee", get, path = "/api/v1/worker/payee", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = PayeeView), (status = 401, body = crate::http::error::Problem)))]
pub async fn get_payee(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<PayeeView>> {
    Ok(axum::Json(
        transfers::payee_view(&app(&state), me.id).await?,
    ))
}

/// The code of WeChat's web authorisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindWechat {
    /// The one-time `code` WeChat appended to the worker app's address after the silent
    /// authorisation (`snsapi_base`) under the paying official account.
    pub code: String,
}

/// Binds (or binds again) the worker's WeChat payee: the server exchanges the code for the
/// openid, kept encrypted. A code WeChat does not know is 422 on `code`; transfers not
/// configured is 422 on `code` (`not_configured`).
#[utoipa::path(operation_id = "worker_payee_bind_wechat", put, path = "/api/v1/worker/payee/wechat", tag = "worker", security(("bearer" = [])),
    request_body = BindWechat,
    responses((status = 200, body = PayeeView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem)))]
pub async fn bind_wechat(
    State(state): State<AppState>,
    me: CurrentWorker,
    Json(req): Json<BindWechat>,
) -> ApiResult<axum::Json<PayeeView>> {
    Ok(axum::Json(
        transfers::bind(&app(&state), me.id, &req.code, state.now()).await?,
    ))
}

/// What the worker's WeChat needs to confirm the transfer of withdrawal `id` (确认收款):
/// `mchId`, `appId`, `package` for `WeixinJSBridge.invoke('requestMerchantTransfer', …)`,
/// and with the demo's simulator the page to confirm on outside WeChat. 409
/// `transfer_not_waiting` when the bill does not wait for the payee.
#[utoipa::path(operation_id = "worker_withdrawal_transfer", get, path = "/api/v1/worker/withdrawals/{id}/transfer", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The withdrawal")),
    responses((status = 200, body = TransferConfirm), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn transfer_confirm(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<TransferConfirm>> {
    Ok(axum::Json(
        transfers::confirm_data(&app(&state), me.id, id).await?,
    ))
}

/// WeChat Pay's transfer callbacks (`MCHTRANSFER.BILL.FINISHED`, signed; the bill
/// encrypted with the APIv3 key). 204 when applied or already applied; 400 with
/// `{"code":"FAIL","message":...}` when refused (it does not verify, or matches no
/// withdrawal of ours); 500 with the same when it could not be applied on our side. WeChat
/// sends it again after either.
#[utoipa::path(operation_id = "pay_notify_wechat_transfer", post, path = "/api/v1/pay/notify/wechat-transfer", tag = "public",
    request_body(content = String, content_type = "application/json"),
    responses((status = 204, description = "Applied (or a duplicate)"),
        (status = 400, description = "Refused: it does not verify", content_type = "application/json", body = super::payments::ChannelFailure),
        (status = 404, description = "WeChat transfers are not configured", body = crate::http::error::Problem),
        (status = 500, description = "Not applied; send again", content_type = "application/json", body = super::payments::ChannelFailure)))]
pub async fn notify_wechat_transfer(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(t) = state.app.transfers.clone() else {
        return ApiError::from(daojia_app::Error::NotFound("WeChat transfers")).into_response();
    };
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    // Refused (it does not verify, names no withdrawal of ours or does not match it): 400.
    // Not applied on our side: 500. WeChat sends both again.
    let (outcome, refused) = match std::str::from_utf8(&body) {
        Ok(text) => {
            match transfers::apply_notification(&state.app, &headers, text, state.now()).await {
                Ok(_) => (Ok(()), false),
                Err(e) => {
                    let ours = matches!(
                        e,
                        daojia_app::Error::Db(_)
                            | daojia_app::Error::Internal(_)
                            | daojia_app::Error::Unavailable { .. }
                    );
                    (Err(e.to_string()), !ours)
                }
            }
        }
        Err(_) => (Err("the body is not UTF-8".to_owned()), true),
    };
    if let Err(why) = &outcome {
        tracing::warn!(reason = %why, "transfer notification not applied");
    }
    let answer = t
        .channel
        .answer_transfer(outcome.as_ref().map(|_| ()).map_err(|e| e.as_str()));
    super::payments::channel_answer(answer.status, refused, answer.content_type, answer.body)
}
