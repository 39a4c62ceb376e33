//! Worker certificates in the console: a worker's list, recording one (pending review),
//! the review, and the queue of certificates waiting for it.

use super::{WorkerSummary, actor, app, scope_of, summary};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use daojia_app::workers::certificates::{self, Decision, NewCertificate, Submitter};
use daojia_store::entity::worker_certificate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    /// Id.
    pub id: Uuid,
    /// The worker.
    pub worker_id: Uuid,
    /// Kind (`health`, `electrician`...).
    pub kind: String,
    /// The skill it is for, if one.
    pub skill: Option<String>,
    /// The document (an upload id; staff fetch it at `/api/v1/admin/uploads/{id}`).
    pub upload_id: Uuid,
    /// Its number.
    pub number: Option<String>,
    /// Last valid day.
    pub expires_on: Option<NaiveDate>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// Why it was rejected.
    pub reason: Option<String>,
    /// `worker` or `staff`.
    pub submitted_by: String,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
    /// Reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
}

impl From<worker_certificate::Model> for CertificateView {
    fn from(c: worker_certificate::Model) -> Self {
        CertificateView {
            id: c.id,
            worker_id: c.worker_id,
            kind: c.kind,
            skill: c.skill,
            upload_id: c.upload_id,
            number: c.number,
            expires_on: c.expires_on,
            status: c.status,
            reason: c.reason,
            submitted_by: c.submitted_by,
            created_at: c.created_at,
            reviewed_at: c.reviewed_at,
        }
    }
}

/// A certificate to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateRequest {
    /// Kind: 1 to 32 lower-case letters, digits or `_`.
    pub kind: String,
    /// The skill it is for (none: every skill that requires its kind).
    pub skill: Option<String>,
    /// The uploaded document.
    pub upload_id: Uuid,
    /// Its number.
    pub number: Option<String>,
    /// Last valid day (YYYY-MM-DD).
    pub expires_on: Option<NaiveDate>,
}

impl From<CertificateRequest> for NewCertificate {
    fn from(r: CertificateRequest) -> Self {
        NewCertificate {
            kind: r.kind,
            skill: r.skill,
            upload_id: r.upload_id,
            number: r.number,
            expires_on: r.expires_on,
        }
    }
}

/// A worker's certificates, newest first.
#[utoipa::path(operation_id = "admin_workers_list_certificates", get, path = "/api/v1/admin/workers/{id}/certificates", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Worker id")),
    responses((status = 200, body = Vec<CertificateView>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn list_certificates(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<CertificateView>>> {
    let rows = certificates::of_worker(&app(&state), scope_of(&who.staff), id).await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}

/// Records a certificate for a worker (pending review).
#[utoipa::path(operation_id = "admin_workers_add_certificate", post, path = "/api/v1/admin/workers/{id}/certificates", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = CertificateRequest,
    responses((status = 201, body = CertificateView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn add_certificate(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<CertificateRequest>,
) -> ApiResult<(StatusCode, axum::Json<CertificateView>)> {
    let actor = actor(&who.staff, &client);
    let c = certificates::submit(
        &app(&state),
        Submitter::Staff(&actor),
        id,
        req.into(),
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(c.into())))
}

/// A review decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `approve` or `reject`.
    pub decision: String,
    /// Why (required to reject).
    pub reason: Option<String>,
}

/// Approves or rejects a pending certificate (audited).
#[utoipa::path(operation_id = "admin_workers_review_certificate", post, path = "/api/v1/admin/workers/{id}/certificates/{certificate_id}/review", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id"), ("certificate_id" = Uuid, Path, description = "Certificate id")), request_body = ReviewRequest,
    responses((status = 200, body = CertificateView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn review_certificate(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path((id, certificate_id)): Path<(Uuid, Uuid)>,
    Json(req): Json<ReviewRequest>,
) -> ApiResult<axum::Json<CertificateView>> {
    let decision = match req.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject(req.reason.unwrap_or_default()),
        _ => {
            return Err(ApiError::field(
                "decision",
                "bad_decision",
                "approve or reject",
            ));
        }
    };
    let c = certificates::review(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        certificate_id,
        decision,
        state.now(),
    )
    .await?;
    Ok(axum::Json(c.into()))
}

/// A certificate waiting for review, with its worker.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingCertificate {
    /// The certificate.
    pub certificate: CertificateView,
    /// The worker.
    pub worker: WorkerSummary,
}

/// Certificates waiting for review (oldest first, at most 200) among the caller's workers.
#[utoipa::path(operation_id = "admin_workers_pending_certificates", get, path = "/api/v1/admin/worker-certificates", tag = "admin", security(("bearer" = ["worker.read"])),
    responses((status = 200, body = Vec<PendingCertificate>), (status = 403, body = crate::http::error::Problem)))]
pub async fn pending_certificates(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
) -> ApiResult<axum::Json<Vec<PendingCertificate>>> {
    let rows = certificates::pending(&app(&state), scope_of(&who.staff), 200).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|(c, w)| PendingCertificate {
                certificate: c.into(),
                worker: summary(&state, &w),
            })
            .collect(),
    ))
}
