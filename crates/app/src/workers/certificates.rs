//! Certificates (健康证, 电工证...): the worker or staff upload the document with its kind,
//! number and expiry; staff approve or reject it (with a reason). Only an approved
//! certificate that has not expired counts towards the skills an item requires
//! (`daojia_domain::worker::dispatchable_skills`).

use super::profile::upload_input;
use super::{Actor, Scope, code, settle, text, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use daojia_domain::worker::CertificateStatus;
use daojia_store::entity::{worker, worker_certificate};
use daojia_store::repo::workers as repo;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

/// A certificate as uploaded.
#[derive(Debug, Clone, Default)]
pub struct NewCertificate {
    /// Kind (`health`, `electrician`...).
    pub kind: String,
    /// The skill it is for (none: any skill that requires its kind).
    pub skill: Option<String>,
    /// The uploaded document.
    pub upload_id: Uuid,
    /// Its number.
    pub number: Option<String>,
    /// Last valid day.
    pub expires_on: Option<NaiveDate>,
}

/// Who uploads a certificate.
#[derive(Debug, Clone, Copy)]
pub enum Submitter<'a> {
    /// Staff, for a worker they see.
    Staff(&'a Actor),
    /// The worker, for themselves.
    Worker,
}

/// A staff decision on a pending certificate.
#[derive(Debug, Clone)]
pub enum Decision {
    /// The document is good.
    Approve,
    /// It is not, and why.
    Reject(String),
}

/// Most certificates waiting for review one worker may have.
pub const MAX_PENDING: u64 = 10;

fn audit_json(c: &worker_certificate::Model) -> serde_json::Value {
    json!({
        "worker_id": c.worker_id,
        "kind": c.kind,
        "skill": c.skill,
        "upload_id": c.upload_id,
        "expires_on": c.expires_on,
        "status": c.status,
        "reason": c.reason,
    })
}

/// Records a certificate for `worker_id`, pending review.
pub async fn submit(
    app: &App,
    by: Submitter<'_>,
    worker_id: Uuid,
    new: NewCertificate,
    now: DateTime<Utc>,
) -> Result<worker_certificate::Model> {
    let kind = code("kind", &new.kind)?;
    let skill = new.skill.as_deref().map(|s| code("skill", s)).transpose()?;
    let number = text("number", new.number.as_deref(), false, 64)?;
    if let Some(e) = new.expires_on
        && e < now.date_naive()
    {
        return Err(Error::field(
            "expires_on",
            "already_expired",
            "this certificate has already expired; upload a valid one",
        ));
    }
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let scope = match by {
            Submitter::Staff(a) => a.scope,
            Submitter::Worker => Scope::All,
        };
        visible(&txn, scope, worker_id).await?;
        let uploader = matches!(by, Submitter::Worker).then_some(worker_id);
        let upload_id = upload_input(&txn, "upload_id", new.upload_id, uploader, scope).await?;
        let pending = worker_certificate::Entity::find()
            .filter(worker_certificate::Column::WorkerId.eq(worker_id))
            .filter(worker_certificate::Column::Status.eq(CertificateStatus::Pending.as_str()))
            .limit(MAX_PENDING)
            .all(&txn)
            .await?;
        if pending.len() as u64 >= MAX_PENDING {
            return Err(Error::conflict(
                "too_many_pending",
                format!("{MAX_PENDING} certificates already wait for review"),
            ));
        }
        let row = worker_certificate::ActiveModel {
            id: Set(Uuid::now_v7()),
            worker_id: Set(worker_id),
            kind: Set(kind),
            skill: Set(skill),
            upload_id: Set(upload_id),
            number: Set(number),
            expires_on: Set(new.expires_on),
            status: Set(CertificateStatus::Pending.as_str().into()),
            submitted_by: Set(match by {
                Submitter::Staff(_) => "staff".into(),
                Submitter::Worker => "worker".into(),
            }),
            reviewer_id: Set(None),
            reason: Set(None),
            created_at: Set(now),
            reviewed_at: Set(None),
        }
        .insert(&txn)
        .await?;
        if let Submitter::Staff(actor) = by {
            actor
                .audit(
                    app,
                    &txn,
                    "worker_certificate.create",
                    row.id,
                    (None, Some(audit_json(&row))),
                    now,
                )
                .await?;
        }
        Ok::<_, Error>(row)
    }
    .await;
    settle(txn, r).await
}

/// Approves or rejects a pending certificate.
pub async fn review(
    app: &App,
    actor: &Actor,
    worker_id: Uuid,
    certificate_id: Uuid,
    decision: Decision,
    now: DateTime<Utc>,
) -> Result<worker_certificate::Model> {
    let (status, reason) = match &decision {
        Decision::Approve => (CertificateStatus::Approved, None),
        Decision::Reject(r) => (
            CertificateStatus::Rejected,
            text("reason", Some(r), true, 500)?,
        ),
    };
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        visible(&txn, actor.scope, worker_id).await?;
        let Some(before) = worker_certificate::Entity::find_by_id(certificate_id)
            .filter(worker_certificate::Column::WorkerId.eq(worker_id))
            .one(&txn)
            .await?
        else {
            return Err(Error::NotFound("certificate"));
        };
        if before.status != CertificateStatus::Pending.as_str() {
            return Err(Error::conflict(
                "already_reviewed",
                format!("this certificate was already {}", before.status),
            ));
        }
        let mut a = before.clone().into_active_model();
        a.status = Set(status.as_str().into());
        a.reason = Set(reason);
        a.reviewer_id = Set(Some(actor.staff_id));
        a.reviewed_at = Set(Some(now));
        let after = a.update(&txn).await?;
        actor
            .audit(
                app,
                &txn,
                "worker_certificate.review",
                certificate_id,
                (Some(audit_json(&before)), Some(audit_json(&after))),
                now,
            )
            .await?;
        Ok::<_, Error>(after)
    }
    .await;
    settle(txn, r).await
}

/// A worker's certificates, newest first.
pub async fn of_worker(
    app: &App,
    scope: Scope,
    worker_id: Uuid,
) -> Result<Vec<worker_certificate::Model>> {
    visible(app.store.db(), scope, worker_id).await?;
    Ok(repo::certificates(app.store.db(), worker_id).await?)
}

/// Certificates waiting for review among the workers the scope sees, oldest first, with
/// their workers.
pub async fn pending(
    app: &App,
    scope: Scope,
    limit: u64,
) -> Result<Vec<(worker_certificate::Model, worker::Model)>> {
    let db = app.store.db();
    let rows = worker_certificate::Entity::find()
        .filter(worker_certificate::Column::Status.eq(CertificateStatus::Pending.as_str()))
        .order_by_asc(worker_certificate::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|c| c.worker_id).collect();
    let workers = scope
        .filter(worker::Entity::find())
        .filter(worker::Column::Id.is_in(ids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|c| {
            let w = workers.iter().find(|w| w.id == c.worker_id)?.clone();
            Some((c, w))
        })
        .take(limit as usize)
        .collect())
}

/// The certificate kinds an item requires, sorted.
pub async fn required_for_item(app: &App, item_code: &str) -> Result<Vec<String>> {
    use daojia_store::entity::item_certificate;
    let mut kinds: Vec<String> = item_certificate::Entity::find()
        .filter(item_certificate::Column::ItemCode.eq(item_code))
        .all(app.store.db())
        .await?
        .into_iter()
        .map(|r| r.kind)
        .collect();
    kinds.sort();
    Ok(kinds)
}

/// Replaces the certificate kinds an item requires (audited). A worker whose certificate
/// of such a kind is missing, unapproved or expired is not dispatched for the item's
/// skills.
pub async fn set_required_for_item(
    app: &App,
    actor: &Actor,
    item_code: &str,
    kinds: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    use daojia_store::entity::{item_certificate, service_item};
    if kinds.len() > 10 {
        return Err(Error::field("kinds", "too_many", "at most 10 kinds"));
    }
    let mut clean: Vec<String> = vec![];
    for (i, k) in kinds.iter().enumerate() {
        let k = code(&format!("kinds[{i}]"), k)?;
        if !clean.contains(&k) {
            clean.push(k);
        }
    }
    clean.sort();
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        if service_item::Entity::find()
            .filter(service_item::Column::Code.eq(item_code))
            .one(&txn)
            .await?
            .is_none()
        {
            return Err(Error::NotFound("item"));
        }
        let before = item_certificate::Entity::find()
            .filter(item_certificate::Column::ItemCode.eq(item_code))
            .all(&txn)
            .await?;
        item_certificate::Entity::delete_many()
            .filter(item_certificate::Column::ItemCode.eq(item_code))
            .exec(&txn)
            .await?;
        daojia_store::repo::versions::bump(&txn, daojia_store::repo::versions::CATALOG).await?;
        for k in &clean {
            item_certificate::ActiveModel {
                id: Set(Uuid::now_v7()),
                item_code: Set(item_code.to_string()),
                kind: Set(k.clone()),
            }
            .insert(&txn)
            .await?;
        }
        let old: Vec<String> = before.into_iter().map(|r| r.kind).collect();
        actor
            .audit(
                app,
                &txn,
                "service_item.certificates",
                item_code,
                (Some(json!(old)), Some(json!(clean))),
                now,
            )
            .await?;
        Ok::<_, Error>(clean)
    }
    .await;
    settle(txn, r).await
}
