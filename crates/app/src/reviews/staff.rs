//! Moderation: staff list reviews (by stars, hidden or not, worker) and hide an abusive
//! one with a reason or show it again, each audited (`review.hide`, `review.unhide`) with
//! the worker's rating rewritten in the same transaction. A partner's staff see and
//! moderate only their own workers' reviews; any other is "not found".

use super::worker::{ListedReview, WorkerNames, listed};
use crate::workers::{Actor, Scope, settle, text, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_store::entity::{review, worker};
use daojia_store::repo::reviews::{self, ReviewFilter};
use daojia_store::repo::{Page, PageRequest};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

/// What staff filter by.
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    /// Stars.
    pub rating: Option<i16>,
    /// Hidden or visible only.
    pub hidden: Option<bool>,
    /// One worker.
    pub worker_id: Option<Uuid>,
}

/// The workers a scope sees, as a filter (`None`: all).
async fn scoped_workers(
    db: &impl ConnectionTrait,
    scope: Scope,
    one: Option<Uuid>,
) -> Result<Option<Vec<Uuid>>> {
    if let Some(w) = one {
        return Ok(Some(match visible(db, scope, w).await {
            Ok(_) => vec![w],
            Err(Error::NotFound(_)) => vec![],
            Err(e) => return Err(e),
        }));
    }
    match scope {
        Scope::All => Ok(None),
        s => Ok(Some(
            s.filter(worker::Entity::find())
                .select_only()
                .column(worker::Column::Id)
                .into_tuple()
                .all(db)
                .await?,
        )),
    }
}

/// Reviews newest first, in the actor's scope.
pub async fn list(
    app: &App,
    actor: &Actor,
    f: &StaffFilter,
    page: PageRequest,
) -> Result<Page<ListedReview>> {
    if let Some(r) = f.rating
        && !(1..=5).contains(&r)
    {
        return Err(Error::field("rating", "out_of_range", "1 to 5 stars"));
    }
    let db = app.store.db();
    let p = reviews::list(
        db,
        &ReviewFilter {
            workers: scoped_workers(db, actor.scope, f.worker_id).await?,
            rating: f.rating,
            hidden: f.hidden,
        },
        page,
    )
    .await?;
    Ok(Page {
        items: listed(app, db, p.items, WorkerNames::Clear, true).await?,
        next_cursor: p.next_cursor,
    })
}

/// One review in the actor's scope.
async fn scoped(db: &impl ConnectionTrait, scope: Scope, id: Uuid) -> Result<review::Model> {
    let row = reviews::get(db, id)
        .await?
        .ok_or(Error::NotFound("review"))?;
    match visible(db, scope, row.worker_id).await {
        Ok(_) => Ok(row),
        Err(Error::NotFound(_)) => Err(Error::NotFound("review")),
        Err(e) => Err(e),
    }
}

/// One review, as staff see it.
pub async fn get(app: &App, actor: &Actor, id: Uuid) -> Result<ListedReview> {
    let db = app.store.db();
    let row = scoped(db, actor.scope, id).await?;
    Ok(listed(app, db, vec![row], WorkerNames::Clear, true)
        .await?
        .remove(0))
}

fn audit_json(r: &review::Model) -> serde_json::Value {
    json!({
        "order_id": r.order_id,
        "worker_id": r.worker_id,
        "rating": r.rating,
        "hidden_at": r.hidden_at,
        "hidden_reason": r.hidden_reason,
    })
}

/// Hides (`hide` true, a reason required) or shows again a review; audited, and the
/// worker's rating rewritten without (or with) it.
pub async fn set_hidden(
    app: &App,
    actor: &Actor,
    id: Uuid,
    hide: bool,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ListedReview> {
    let reason = text("reason", reason, hide, 500)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let row = scoped(&txn, actor.scope, id).await?;
        if row.hidden_at.is_some() == hide {
            return Err(if hide {
                Error::conflict("review_hidden", "this review is hidden already")
            } else {
                Error::conflict("review_not_hidden", "this review is not hidden")
            });
        }
        let before = audit_json(&row);
        let mut a = row.into_active_model();
        if hide {
            a.hidden_at = Set(Some(now));
            a.hidden_reason = Set(reason.clone());
            a.hidden_by = Set(Some(actor.staff_id));
        } else {
            a.hidden_at = Set(None);
            a.hidden_reason = Set(None);
            a.hidden_by = Set(None);
        }
        let row = a.update(&txn).await?;
        reviews::refresh_ratings(&txn, &[row.worker_id], &app.settings.reviews).await?;
        let mut after = audit_json(&row);
        if !hide {
            after["reason"] = json!(reason);
        }
        let action = if hide { "review.hide" } else { "review.unhide" };
        actor
            .audit(app, &txn, action, row.id, (Some(before), Some(after)), now)
            .await?;
        Ok(row)
    }
    .await;
    let row = settle(txn, r).await?;
    let db = app.store.db();
    Ok(listed(app, db, vec![row], WorkerNames::Clear, true)
        .await?
        .remove(0))
}
