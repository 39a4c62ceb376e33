//! A worker's reviews: their own list (hidden ones flagged, their text withheld) and their
//! one reply to each; and the public list of a worker's visible reviews with the
//! customers' names masked (`张**`) and the worker's rating.

use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::privacy::mask_name;
use daojia_store::entity::review;
use daojia_store::repo::reviews::{self, ReviewFilter};
use daojia_store::repo::{Page, PageRequest, accounts, orders};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, IntoActiveModel};
use uuid::Uuid;

/// A review in a list.
#[derive(Debug, Clone)]
pub struct ListedReview {
    /// The row.
    pub row: review::Model,
    /// The visit's order number.
    pub order_no: Option<String>,
    /// The customer's nickname, masked.
    pub customer: String,
    /// The worker's name (clear for staff; masked in public lists).
    pub worker: Option<String>,
    /// Photo upload ids (for staff; empty elsewhere).
    pub photo_ids: Vec<Uuid>,
}

/// A worker's rating as shown.
#[derive(Debug, Clone, Copy)]
pub struct RatingSummary {
    /// The rating dispatch uses, tenths of a star.
    pub rating_tenths: i32,
    /// Visible reviews counted.
    pub count: u32,
    /// Their plain average, tenths of a star (none without reviews).
    pub average_tenths: Option<i32>,
}

/// Names and numbers for a page of rows.
pub(crate) async fn listed(
    app: &App,
    db: &impl ConnectionTrait,
    rows: Vec<review::Model>,
    worker_names: WorkerNames,
    with_photos: bool,
) -> Result<Vec<ListedReview>> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let customer = match accounts::customer(db, row.customer_id).await? {
            Some(c) => accounts::customer_nickname(&app.store, &c)
                .map(|n| mask_name(&n))
                .unwrap_or_default(),
            None => String::new(),
        };
        let order = orders::get(db, row.order_id).await?;
        let worker = match worker_names {
            WorkerNames::None => None,
            names => accounts::worker(db, row.worker_id)
                .await?
                .and_then(|w| accounts::worker_name(&app.store, &w).ok())
                .map(|n| {
                    if names == WorkerNames::Masked {
                        mask_name(&n)
                    } else {
                        n
                    }
                }),
        };
        let photo_ids = match (&order, with_photos) {
            (Some(o), true) => super::photos(db, o.bundle_id.unwrap_or(o.id)).await?,
            _ => vec![],
        };
        out.push(ListedReview {
            order_no: order.map(|o| o.order_no),
            customer,
            worker,
            photo_ids,
            row,
        });
    }
    Ok(out)
}

/// How workers' names appear in a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkerNames {
    /// Not at all.
    None,
    /// Masked.
    Masked,
    /// In full (staff).
    Clear,
}

/// A worker's rating summary.
pub async fn summary(app: &App, worker_id: Uuid) -> Result<RatingSummary> {
    let db = app.store.db();
    let w = accounts::worker(db, worker_id)
        .await?
        .filter(|w| w.active)
        .ok_or(Error::NotFound("worker"))?;
    let r = reviews::ratings(db, &[worker_id], &app.settings.reviews)
        .await?
        .remove(&worker_id);
    Ok(RatingSummary {
        rating_tenths: w.rating_tenths,
        count: r.map_or(0, |r| r.count),
        average_tenths: r.map(|r| r.average_tenths),
    })
}

/// The visible reviews of an active worker, newest first, for anyone.
pub async fn public(
    app: &App,
    worker_id: Uuid,
    page: PageRequest,
) -> Result<(RatingSummary, Page<ListedReview>)> {
    let summary = summary(app, worker_id).await?;
    let db = app.store.db();
    let p = reviews::list(
        db,
        &ReviewFilter {
            workers: Some(vec![worker_id]),
            rating: None,
            hidden: Some(false),
        },
        page,
    )
    .await?;
    let items = listed(app, db, p.items, WorkerNames::Masked, false).await?;
    Ok((
        summary,
        Page {
            items,
            next_cursor: p.next_cursor,
        },
    ))
}

/// The worker's own reviews, newest first, hidden ones included (the caller withholds
/// their text).
pub async fn mine(
    app: &App,
    worker_id: Uuid,
    page: PageRequest,
) -> Result<(RatingSummary, Page<ListedReview>)> {
    let summary = summary(app, worker_id).await?;
    let db = app.store.db();
    let p = reviews::list(
        db,
        &ReviewFilter {
            workers: Some(vec![worker_id]),
            ..Default::default()
        },
        page,
    )
    .await?;
    let items = listed(app, db, p.items, WorkerNames::None, false).await?;
    Ok((
        summary,
        Page {
            items,
            next_cursor: p.next_cursor,
        },
    ))
}

/// The worker replies to one of their reviews, once. A hidden review takes no reply.
pub async fn reply(
    app: &App,
    worker_id: Uuid,
    review_id: Uuid,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ListedReview> {
    let rules = app.settings.reviews;
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::field("text", "required", "write a reply"));
    }
    if text.chars().count() > rules.max_reply_chars as usize {
        return Err(Error::field(
            "text",
            "too_long",
            format!("at most {} characters", rules.max_reply_chars),
        ));
    }
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let row = reviews::get(&txn, review_id)
            .await?
            .filter(|r| r.worker_id == worker_id)
            .ok_or(Error::NotFound("review"))?;
        if row.reply.is_some() {
            return Err(Error::conflict(
                "review_already_replied",
                "a review takes one reply",
            ));
        }
        if row.hidden_at.is_some() {
            return Err(Error::conflict(
                "review_hidden",
                "staff hid this review; it takes no reply",
            ));
        }
        let mut a = row.into_active_model();
        a.reply = Set(Some(text.to_string()));
        a.replied_at = Set(Some(now));
        Ok(a.update(&txn).await?)
    }
    .await;
    let row = crate::workers::settle(txn, r).await?;
    Ok(
        listed(app, app.store.db(), vec![row], WorkerNames::None, false)
            .await?
            .remove(0),
    )
}
