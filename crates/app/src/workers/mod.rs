//! Worker management (服务人员管理): onboarding and profiles, certificates and their
//! review, shifts and calendars, presence and positions, performance, credit, partners,
//! and a worker's own day of jobs ([`jobs`]).
//!
//! Staff calls take an [`Actor`]: who acts (for the audit log) and what they may see. A
//! partner's staff see and change only their partner's workers; a worker of another
//! partner is "not found" to them, as if it did not exist.

pub mod certificates;
pub mod credit;
pub mod jobs;
pub mod partners;
pub mod performance;
pub mod positions;
pub mod presence;
pub mod profile;
pub mod shifts;

use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::access::Role;
use daojia_store::entity::worker;
use daojia_store::repo::audit::{self, AuditEntry};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Select,
};
use uuid::Uuid;

/// Which workers a staff member may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every worker.
    All,
    /// Only the workers of this partner (none when the staff member's account names no
    /// partner).
    Partner(Option<Uuid>),
}

impl Scope {
    /// The scope of a staff member: a partner's staff (the partner role, or anyone attached
    /// to a partner) see their partner's rows only; the platform's staff see every row.
    pub fn of_staff(role: Role, partner_id: Option<Uuid>) -> Scope {
        if role == Role::Partner || partner_id.is_some() {
            Scope::Partner(partner_id)
        } else {
            Scope::All
        }
    }

    /// Refuses partner staff what concerns the whole platform (plans of an area, partners).
    pub fn require_platform(&self) -> Result<()> {
        match self {
            Scope::All => Ok(()),
            Scope::Partner(_) => Err(Error::Forbidden {
                code: "platform_only",
                message: "only platform staff may do this".into(),
            }),
        }
    }

    /// Whether `w` is visible.
    pub fn sees(&self, w: &worker::Model) -> bool {
        match self {
            Scope::All => true,
            Scope::Partner(p) => p.is_some() && w.partner_id == *p,
        }
    }

    /// Restricts a worker query to the scope.
    pub fn filter(&self, q: Select<worker::Entity>) -> Select<worker::Entity> {
        match self {
            Scope::All => q,
            Scope::Partner(Some(p)) => q.filter(worker::Column::PartnerId.eq(*p)),
            // Matches nothing: no worker has the nil id.
            Scope::Partner(None) => q.filter(worker::Column::Id.eq(Uuid::nil())),
        }
    }
}

/// A staff member acting in the console.
#[derive(Debug, Clone)]
pub struct Actor {
    /// Their id.
    pub staff_id: Uuid,
    /// Their display name (for the audit log).
    pub name: String,
    /// What they may see.
    pub scope: Scope,
    /// Whether they may see decrypted personal data (the ID number).
    pub sees_pii: bool,
    /// The request, for the audit log.
    pub request_id: Option<String>,
    /// The client address, for the audit log.
    pub ip: Option<String>,
}

impl Actor {
    /// Records an audit entry in `db` (the transaction of the write it describes). The
    /// target's type is the action's first word (`worker_certificate.review` →
    /// `worker_certificate`).
    pub(crate) async fn audit(
        &self,
        app: &App,
        db: &impl ConnectionTrait,
        action: &str,
        target: impl ToString,
        (before, after): (Option<serde_json::Value>, Option<serde_json::Value>),
        now: DateTime<Utc>,
    ) -> Result<()> {
        let target_type = action.split('.').next().unwrap_or(action);
        audit::record(
            &app.store,
            db,
            AuditEntry {
                actor_type: "staff".into(),
                actor_id: Some(self.staff_id),
                actor_name: Some(self.name.clone()),
                action: action.into(),
                target_type: target_type.into(),
                target_id: Some(target.to_string()),
                before,
                after,
                request_id: self.request_id.clone(),
                ip: self.ip.clone(),
            },
            now,
        )
        .await?;
        Ok(())
    }
}

/// Ends a transaction: commits when `r` is a success, rolls back explicitly otherwise (a
/// transaction merely dropped leaves its connection inside it until reused, holding
/// MySQL's metadata locks meanwhile).
pub(crate) async fn settle<T>(txn: DatabaseTransaction, r: Result<T>) -> Result<T> {
    match r {
        Ok(v) => {
            txn.commit().await?;
            Ok(v)
        }
        Err(e) => {
            txn.rollback().await?;
            Err(e)
        }
    }
}

/// The worker `id` if `scope` sees it; [`Error::NotFound`] otherwise.
pub async fn visible(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> Result<worker::Model> {
    match worker::Entity::find_by_id(id).one(db).await? {
        Some(w) if scope.sees(&w) => Ok(w),
        _ => Err(Error::NotFound("worker")),
    }
}

/// A short free text (a reason, a note): trimmed, not empty when `required`, at most `max`
/// characters.
pub(crate) fn text(
    field: &str,
    value: Option<&str>,
    required: bool,
    max: usize,
) -> Result<Option<String>> {
    let v = value.map(str::trim).filter(|v| !v.is_empty());
    match v {
        None if required => Err(Error::field(
            field,
            "required",
            "give a reason (it goes in the record)",
        )),
        Some(v) if v.chars().count() > max => Err(Error::field(
            field,
            "too_long",
            format!("at most {max} characters"),
        )),
        v => Ok(v.map(str::to_string)),
    }
}

/// A code (skill, certificate kind): 1 to 32 lower-case letters, digits or `_`.
pub(crate) fn code(field: &str, value: &str) -> Result<String> {
    let v = value.trim();
    if v.is_empty()
        || v.len() > 32
        || !v
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(Error::field(
            field,
            "bad_code",
            "1 to 32 lower-case letters, digits or `_`",
        ));
    }
    Ok(v.to_string())
}
