//! Personal-information rights on the server side: the texts the apps ask consent to, the
//! consent status of an account, and deleting the files an erasure or the retention job
//! released. The rules on data live in `daojia_store::repo::privacy`.

use crate::state::AppState;
use daojia_domain::access::Audience;
use daojia_store::repo::privacy::{self, document};
use uuid::Uuid;

/// The languages the documents come in.
pub const LANGS: [&str; 2] = ["zh-CN", "en"];

/// The built-in text of a document, by (document, language).
fn built_in(document: &str, lang: &str) -> Option<&'static str> {
    Some(match (document, lang) {
        (document::PRIVACY, "zh-CN") => include_str!("../legal/privacy.zh-CN.md"),
        (document::PRIVACY, "en") => include_str!("../legal/privacy.en.md"),
        (document::TERMS, "zh-CN") => include_str!("../legal/terms.zh-CN.md"),
        (document::TERMS, "en") => include_str!("../legal/terms.en.md"),
        _ => return None,
    })
}

/// The version in force of a document.
pub fn current_version<'a>(state: &'a AppState, document: &str) -> &'a str {
    let p = &state.config.privacy;
    if document == document::TERMS {
        &p.terms_version
    } else {
        &p.policy_version
    }
}

/// A document's text in `lang` (`None` for an unknown document or language): the
/// operator's file in `privacy.documents_dir` when there is one, else the built-in text.
pub async fn text(state: &AppState, document: &str, lang: &str) -> Option<String> {
    let fallback = built_in(document, lang)?;
    if let Some(dir) = &state.config.privacy.documents_dir {
        match tokio::fs::read_to_string(dir.join(format!("{document}.{lang}.md"))).await {
            Ok(t) => return Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(error = %e, document, lang, "cannot read a privacy document; serving the built-in one")
            }
        }
    }
    Some(fallback.to_string())
}

/// One document's consent state for an account.
#[derive(Debug, Clone)]
pub struct DocumentConsent {
    /// `privacy` or `terms`.
    pub document: &'static str,
    /// The version in force.
    pub current_version: String,
    /// The version the account accepted last, if any.
    pub accepted_version: Option<String>,
    /// When.
    pub accepted_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl DocumentConsent {
    /// Whether the account must accept (again) before going on.
    pub fn required(&self) -> bool {
        self.accepted_version.as_deref() != Some(self.current_version.as_str())
    }
}

/// The consent state of an account for each document.
pub async fn status(
    state: &AppState,
    audience: Audience,
    subject: Uuid,
) -> Result<Vec<DocumentConsent>, sea_orm::DbErr> {
    let mut out = Vec::with_capacity(document::ALL.len());
    for d in document::ALL {
        let accepted = privacy::accepted(state.store.db(), audience, subject, d).await?;
        out.push(DocumentConsent {
            document: d,
            current_version: current_version(state, d).to_string(),
            accepted_version: accepted.as_ref().map(|c| c.version.clone()),
            accepted_at: accepted.map(|c| c.accepted_at),
        });
    }
    Ok(out)
}

/// Deletes the files of released uploads. A failure is logged: the row is gone, so the
/// file can no longer be reached through the API, and an operator can sweep it.
pub async fn delete_files(state: &AppState, uploads: &[Uuid]) {
    for id in uploads {
        if let Err(e) = state.files.delete(*id).await {
            tracing::error!(upload = %id, error = %e, "cannot delete the file of an erased upload");
        }
    }
}
