//! The application layer's one error type. Each variant says what a caller can do about
//! it; the HTTP layer maps them to statuses and problem documents.

use daojia_domain::order::machine::TransitionError;

/// A use case's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a use case did not happen. Nothing was changed when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing named does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// One input field is wrong.
    #[error("{field}: {message}")]
    Field {
        /// JSON path of the field (`items[0].item`).
        field: String,
        /// Stable code (`unknown_item`).
        code: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// Several input fields are wrong: every one found, so a form can mark them all.
    #[error("{}", issues_text(.0))]
    Invalid(Vec<FieldIssue>),
    /// The request is valid but conflicts with the current state.
    #[error("{message}")]
    Conflict {
        /// Stable code (`offer_expired`, `order_taken`).
        code: &'static str,
        /// What happened and what to do.
        message: String,
    },
    /// The request is valid but conflicts with the current state, because of one field
    /// (`slot_unavailable` on `items[1]`: that item's trade can no longer be served;
    /// `edit_conflict` on `updated_at`; `duplicate_code` on `code`).
    #[error("{field}: {message}")]
    ConflictAt {
        /// Stable code.
        code: &'static str,
        /// JSON path of the field.
        field: String,
        /// What happened and what to do.
        message: String,
    },
    /// The caller may not do this.
    #[error("{message}")]
    Forbidden {
        /// Stable code.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// The order's state machine refused the step.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// Something this needs does not answer now (shared state in Redis); nothing was
    /// changed, and the same call may succeed after `retry_after_secs`.
    #[error("{message}")]
    Unavailable {
        /// Stable code (`positions_unavailable`).
        code: &'static str,
        /// What is unavailable.
        message: String,
        /// Seconds to wait before trying again.
        retry_after_secs: u64,
    },
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// Anything else that is our fault (a row we cannot read, a broken invariant).
    #[error("internal: {0}")]
    Internal(String),
}

/// One wrong input field, among others ([`Error::Invalid`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIssue {
    /// JSON path of the field (`polygon.coordinates[0][3]`).
    pub field: String,
    /// Stable code (`invalid`, `out_of_range`).
    pub code: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

impl FieldIssue {
    /// An issue with `field`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        FieldIssue {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

impl From<daojia_domain::catalog::Invalid> for FieldIssue {
    fn from(e: daojia_domain::catalog::Invalid) -> Self {
        FieldIssue {
            field: e.field,
            code: e.code,
            message: e.message,
        }
    }
}

fn issues_text(list: &[FieldIssue]) -> String {
    list.iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// The issues found, if any, as an error.
    pub fn check(issues: Vec<FieldIssue>) -> Result<()> {
        if issues.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(issues))
        }
    }

    /// A field error.
    pub fn field(
        field: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Error {
        Error::Field {
            field: field.into(),
            code,
            message: message.into(),
        }
    }

    /// A conflict with the current state.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Error {
        Error::Conflict {
            code,
            message: message.into(),
        }
    }

    /// An internal fault, from anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> Error {
        Error::Internal(e.to_string())
    }
}

impl From<daojia_store::repo::orders::OrderError> for Error {
    fn from(e: daojia_store::repo::orders::OrderError) -> Error {
        use daojia_store::repo::orders::OrderError as E;
        match e {
            E::NotFound => Error::NotFound("order"),
            E::Busy => Error::conflict("order_busy", e.to_string()),
            E::Photo(p) => Error::field(
                "photo_ids",
                "unknown_photo",
                format!("photo {p} is not one of yours"),
            ),
            E::SlotUnavailable | E::TradeUnavailable(_) => Error::conflict(
                SLOT_UNAVAILABLE,
                "this window is no longer available; please choose another",
            ),
            E::Transition(t) => Error::Transition(t),
            E::Db(e) => Error::Db(e),
            E::Corrupt(..) => Error::internal(e),
        }
    }
}

/// The conflict code of a window nobody can take any more; it concerns `window_start`.
pub const SLOT_UNAVAILABLE: &str = "slot_unavailable";
