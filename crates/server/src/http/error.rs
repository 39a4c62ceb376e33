//! Errors as RFC 9457 `application/problem+json`.
//!
//! Every failure a client can see is an [`ApiError`] with a stable `code` (what a client
//! program branches on), a human `title`/`detail` (what a developer reads), and, for bad
//! input, field errors naming the JSON path. Server faults are logged with their cause and
//! answered with a generic 500 that names only the request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

tokio::task_local! {
    /// The id of the request being handled, for error bodies.
    pub static REQUEST_ID: String;
}

/// The current request's id, if inside a request.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// One problem with one input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON path of the field (`phone`, `items[0].quantity`) or query parameter name.
    pub field: String,
    /// Stable code: `required`, `invalid`, `too_long`, `unknown_field`, `out_of_range`, ...
    pub code: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`about:blank` or a `urn:daojia:problem:` URN).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What happened in this case and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code.
    pub code: String,
    /// Field-level errors for invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request id, to quote to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// An error answered to the client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable code.
    pub code: String,
    /// Details for the developer.
    pub detail: Option<String>,
    /// Field errors.
    pub errors: Vec<FieldError>,
    /// Seconds to wait, for 429 and 503.
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// An error with a status, code and detail.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        ApiError {
            status,
            code: code.to_string(),
            detail: Some(detail.into()),
            errors: vec![],
            retry_after: None,
        }
    }

    /// 422 with field errors.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed".into(),
            detail: Some(detail),
            errors,
            retry_after: None,
        }
    }

    /// 422 for one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError::new(field, code, message)])
    }

    /// 400.
    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    /// 401: not logged in, or the token is no good.
    pub fn unauthorized(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    /// 403: logged in but not allowed.
    pub fn forbidden(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, detail)
    }

    /// 404.
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// 409.
    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    /// 429 with `Retry-After`.
    pub fn too_many(detail: impl Into<String>, retry_after_secs: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", detail);
        e.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 500. The cause is logged here; the client sees only the request id.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed to handle this request; quote the request id when reporting it",
        )
    }

    /// Attaches the field the error is about (for a 409 on a unique value, say).
    pub fn with_field(mut self, field: &str) -> Self {
        let message = self.detail.clone().unwrap_or_default();
        self.errors
            .push(FieldError::new(field, self.code.clone(), message));
        self
    }

    /// The problem document this error becomes.
    pub fn problem(&self) -> Problem {
        Problem {
            type_: if self.status == StatusCode::UNPROCESSABLE_ENTITY || self.code != "http_error" {
                format!("urn:daojia:problem:{}", self.code)
            } else {
                "about:blank".into()
            },
            title: self
                .status
                .canonical_reason()
                .unwrap_or("Error")
                .to_string(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.clone(),
            errors: self.errors.clone(),
            request_id: current_request_id(),
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        if connection_lost(&e) {
            // The database went away under the request (a restart, a failover, a killed
            // session): nothing of it was committed, and the pool reconnects, so the
            // client is told to try again rather than that the server is broken.
            tracing::warn!(error = %e, "database connection lost");
            let mut p = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database connection was interrupted; try again",
            );
            p.retry_after = Some(1);
            return p;
        }
        ApiError::internal(format!("database: {e}"))
    }
}

/// Whether `e` says the connection failed rather than the statement: no connection to
/// be had, the socket closed, or the server ending the session (PostgreSQL class 08 and
/// 57P01-57P03; MySQL and MariaDB report a lost link as an I/O error or SQLSTATE 08S01).
pub fn connection_lost(e: &sea_orm::DbErr) -> bool {
    use sea_orm::sqlx::Error as X;
    use sea_orm::{DbErr, RuntimeErr};
    let sqlx = match e {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(x))
        | DbErr::Exec(RuntimeErr::SqlxError(x))
        | DbErr::Query(RuntimeErr::SqlxError(x)) => x,
        DbErr::Conn(_) => return true,
        _ => return false,
    };
    match sqlx.as_ref() {
        X::Io(_) | X::PoolTimedOut | X::PoolClosed | X::WorkerCrashed | X::Tls(_) => true,
        X::Database(d) => {
            let code = d.code().unwrap_or_default();
            code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03")
        }
        _ => false,
    }
}

/// The application layer's errors, with the codes and fields clients know.
impl From<daojia_app::Error> for ApiError {
    fn from(e: daojia_app::Error) -> Self {
        use daojia_app::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(what),
            E::Field {
                field,
                code,
                message,
            } => ApiError::field(&field, code, message),
            E::Invalid(issues) => ApiError::invalid(
                issues
                    .into_iter()
                    .map(|i| FieldError::new(i.field, i.code, i.message))
                    .collect(),
            ),
            E::Conflict { code, message } => {
                let mut p = ApiError::conflict(code, message);
                if code == daojia_app::error::SLOT_UNAVAILABLE {
                    p.errors.push(FieldError::new(
                        "window_start",
                        code,
                        "nobody can come in this window any more",
                    ));
                }
                p
            }
            E::ConflictAt {
                code,
                field,
                message,
            } => ApiError::conflict(code, message).with_field(&field),
            E::Forbidden { code, message } => ApiError::forbidden(code, message),
            E::Transition(t) => crate::api::orders::transition_error(t),
            E::Unavailable {
                code,
                message,
                retry_after_secs,
            } => {
                let mut p = ApiError::new(StatusCode::SERVICE_UNAVAILABLE, code, message);
                p.retry_after = Some(retry_after_secs.max(1));
                p
            }
            E::Db(e) => e.into(),
            E::Internal(cause) => ApiError::internal(cause),
        }
    }
}

/// The media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::to_vec(&self.problem()).expect("a problem serializes");
        let mut res = (self.status, body).into_response();
        res.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}

/// Handlers' result type.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod connection_tests {
    use super::*;
    use sea_orm::sqlx::Error as X;
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};
    use std::sync::Arc;

    fn status(e: DbErr) -> (StatusCode, String) {
        let p = ApiError::from(e);
        (p.status, p.code.clone())
    }

    #[test]
    fn a_lost_connection_is_503_and_a_failed_statement_500() {
        let io = || X::Io(std::io::Error::from(std::io::ErrorKind::ConnectionReset));
        for e in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            DbErr::Query(RuntimeErr::SqlxError(Arc::new(io()))),
            DbErr::Exec(RuntimeErr::SqlxError(Arc::new(io()))),
            DbErr::Exec(RuntimeErr::SqlxError(Arc::new(X::PoolClosed))),
        ] {
            assert_eq!(
                status(e),
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable".into()
                )
            );
        }
        for e in [
            DbErr::RecordNotFound("order".into()),
            DbErr::Query(RuntimeErr::SqlxError(Arc::new(X::RowNotFound))),
            DbErr::Custom("bad".into()),
        ] {
            assert_eq!(status(e).0, StatusCode::INTERNAL_SERVER_ERROR);
        }
    }
}
