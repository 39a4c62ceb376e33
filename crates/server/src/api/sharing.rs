//! Profit sharing at WeChat Pay over HTTP (分账, service-provider mode): WeChat's
//! `PROFITSHARING.*` callbacks, and each partner's receiver (the partner's own merchant,
//! which its share is paid to), set by finance. The rules live in
//! `daojia_app::payments::sharing`.

use super::admin_workers::{actor, app};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use daojia_app::payments::sharing::{self, ReceiverView};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// WeChat Pay's profit-sharing callbacks (`PROFITSHARING.SUCCESS` / `.RETURN`, signed; the
/// movement encrypted with the APIv3 key). The sharing it names is asked about and its
/// outcome applied once. 204 when applied or already applied; 400 with
/// `{"code":"FAIL","message":...}` when refused (it does not verify, or names no sharing
/// of ours); 500 with the same when it could not be applied on our side.
#[utoipa::path(operation_id = "pay_notify_wechat_sharing", post, path = "/api/v1/pay/notify/wechat-sharing", tag = "public",
    request_body(content = String, content_type = "application/json"),
    responses((status = 204, description = "Applied (or a duplicate)"),
        (status = 400, description = "Refused: it does not verify, or names no sharing of ours", content_type = "application/json", body = super::payments::ChannelFailure),
        (status = 404, description = "Profit sharing is not configured", body = crate::http::error::Problem),
        (status = 500, description = "Not applied; send again", content_type = "application/json", body = super::payments::ChannelFailure)))]
pub async fn notify_wechat_sharing(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let configured = state
        .app
        .payments
        .as_ref()
        .is_some_and(|p| p.sharing.is_some());
    if !configured {
        return ApiError::from(daojia_app::Error::NotFound("profit sharing")).into_response();
    }
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let (outcome, refused) = match std::str::from_utf8(&body) {
        Ok(text) => {
            match sharing::apply_notification(&state.app, &headers, text, state.now()).await {
                Ok(()) => (Ok(()), false),
                Err(e) => {
                    let ours = !matches!(e, daojia_app::Error::Conflict { .. });
                    (Err(e.to_string()), !ours)
                }
            }
        }
        Err(_) => (Err("the body is not UTF-8".to_owned()), true),
    };
    match outcome {
        Ok(()) => axum::http::StatusCode::NO_CONTENT.into_response(),
        Err(why) => {
            tracing::warn!(reason = %why, "sharing notification not applied");
            super::payments::channel_answer(
                500,
                refused,
                "application/json",
                daojia_pay::wechat::notify::failure_answer(&why),
            )
        }
    }
}

/// A partner's receiver.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiverRequest {
    /// The partner's own WeChat Pay merchant id (8 to 32 digits).
    pub mchid: String,
    /// Its full name as registered with WeChat Pay (商户全称), 1 to 128 characters.
    pub name: String,
}

/// A partner's receiver for profit sharing (`null` when none is set). Platform staff
/// only.
#[utoipa::path(operation_id = "admin_partner_sharing_receiver", get, path = "/api/v1/admin/partners/{id}/sharing-receiver", tag = "admin", security(("bearer" = ["finance.read"])),
    params(("id" = Uuid, Path, description = "Partner id")),
    responses((status = 200, body = Option<ReceiverView>), (status = 403, body = crate::http::error::Problem)))]
pub async fn get_receiver(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Option<ReceiverView>>> {
    actor(&who.staff, &client).scope.require_platform()?;
    Ok(axum::Json(sharing::receiver_of(&app(&state), id).await?))
}

/// Sets a partner's receiver for profit sharing (分账接收方: the partner's own merchant id
/// and full name; audited `partner.sharing_receiver`). Platform staff only. Orders settled
/// from now on share the partner's part to it.
#[utoipa::path(operation_id = "admin_partner_sharing_receiver_set", put, path = "/api/v1/admin/partners/{id}/sharing-receiver", tag = "admin", security(("bearer" = ["finance.write"])),
    params(("id" = Uuid, Path, description = "Partner id")), request_body = ReceiverRequest,
    responses((status = 200, body = ReceiverView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_receiver(
    State(state): State<AppState>,
    who: Can<perm::FinanceWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ReceiverRequest>,
) -> ApiResult<axum::Json<ReceiverView>> {
    let a = actor(&who.staff, &client);
    a.scope.require_platform()?;
    Ok(axum::Json(
        sharing::set_receiver(&app(&state), &a, id, &req.mchid, &req.name, state.now()).await?,
    ))
}
