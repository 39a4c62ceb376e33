//! Reviews (评价与反馈, docs/reviews.md): the customer reviews a completed order, or one in
//! after-sales (stars, tags, text, photos), once, within `post_days` of completion, and may
//! edit it once within `edit_hours` of posting; the worker replies once; staff hide an
//! abusive review with a reason (audited) and may show it again. Each write rewrites the
//! rating of the workers concerned (`worker.rating_tenths`, the Bayesian average of their
//! visible reviews) in the same transaction, so dispatch scores with it at once.
//!
//! An order of several trades (docs/adr/0008) is one order to its customer: one review,
//! stored as one row per served visit (each with its worker) with the same content, so
//! that every worker's rating counts it and each replies to their own.
//!
//! Here: the customer's side; `staff` holds moderation, `worker` the worker's list and
//! reply and the public list of a worker's reviews.

pub mod staff;
pub mod worker;

use crate::error::FieldIssue;
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::bundle;
use daojia_domain::order::OrderState;
use daojia_domain::review::{self as rules, ReviewRules};
use daojia_store::entity::{order_photo, review, service_order};
use daojia_store::repo::reviews::{self, NewReview, ReviewError};
use daojia_store::repo::{bundles, orders, uploads};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter,
};
use uuid::Uuid;

/// The upload purpose and `order_photo` purpose of a review's photos.
pub const PHOTO_PURPOSE: &str = "review";

/// The states of an order (and of each visit counted) that may be reviewed: completed, or
/// completed and then taken to after-sales (a customer who complains may rate too).
pub const REVIEWABLE: [OrderState; 2] = [OrderState::Completed, OrderState::AfterSales];

/// What the customer writes.
#[derive(Debug, Clone, Default)]
pub struct ReviewInput {
    /// Stars, 1 to 5.
    pub rating: i64,
    /// Tag codes ([`rules::TAGS`]).
    pub tags: Vec<String>,
    /// Text (trimmed; empty is none).
    pub text: Option<String>,
    /// Their uploads with the purpose `review`.
    pub photo_ids: Vec<Uuid>,
}

/// A worker's reply as the customer sees it.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The worker who replied.
    pub worker_id: Uuid,
    /// What they wrote.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// A review of an order, as its customer sees it.
#[derive(Debug, Clone)]
pub struct CustomerReview {
    /// The review (of the order's first served visit).
    pub id: Uuid,
    /// The order (the one the customer sees).
    pub order_id: Uuid,
    /// Stars.
    pub rating: i16,
    /// Tag codes.
    pub tags: Vec<String>,
    /// Text.
    pub text: Option<String>,
    /// Photo upload ids.
    pub photo_ids: Vec<Uuid>,
    /// Posted.
    pub created_at: DateTime<Utc>,
    /// Edited (once), if it was.
    pub edited_at: Option<DateTime<Utc>>,
    /// Until when an edit is accepted (none once edited or past the window).
    pub editable_until: Option<DateTime<Utc>>,
    /// Staff hid it (it no longer counts nor shows publicly).
    pub hidden: bool,
    /// The workers' replies.
    pub replies: Vec<Reply>,
}

/// An order's review state for its customer.
#[derive(Debug, Clone)]
pub struct ReviewStatus {
    /// The review, once written.
    pub review: Option<CustomerReview>,
    /// Whether a review may be posted now.
    pub can_post: bool,
    /// Until when it may be posted (for a completed order).
    pub post_until: Option<DateTime<Utc>>,
}

/// The customer's order `id` (any of its visits) and its served visits; someone else's
/// order is "not found".
async fn order_of(
    db: &impl ConnectionTrait,
    customer: Uuid,
    id: Uuid,
) -> Result<(Uuid, Vec<service_order::Model>)> {
    let row = orders::get(db, id)
        .await?
        .filter(|r| r.customer_id == customer)
        .ok_or(Error::NotFound("order"))?;
    let head = row.bundle_id.unwrap_or(row.id);
    let visits = bundles::siblings(db, row).await?;
    Ok((head, visits))
}

/// The whole order's state and when its last visit completed.
fn completion(visits: &[service_order::Model]) -> Result<(OrderState, Option<DateTime<Utc>>)> {
    let mut states = vec![];
    for v in visits {
        states.push(orders::to_domain(v)?.state);
    }
    let done = visits.iter().filter_map(|v| v.completed_at).max();
    Ok((bundle::order_state(&states), done))
}

fn post_until(rules: &ReviewRules, completed: DateTime<Utc>) -> DateTime<Utc> {
    completed + Duration::days(i64::from(rules.post_days))
}

/// The photos of a review of order `head`.
async fn photos(db: &impl ConnectionTrait, head: Uuid) -> Result<Vec<Uuid>> {
    Ok(uploads::photos_of(db, head)
        .await?
        .into_iter()
        .filter(|p| p.purpose == PHOTO_PURPOSE)
        .map(|p| p.upload_id)
        .collect())
}

async fn customer_view(
    db: &impl ConnectionTrait,
    rules: &ReviewRules,
    head: Uuid,
    rows: &[review::Model],
    now: DateTime<Utc>,
) -> Result<Option<CustomerReview>> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let until = first.created_at + Duration::hours(i64::from(rules.edit_hours));
    Ok(Some(CustomerReview {
        id: first.id,
        order_id: head,
        rating: first.rating,
        tags: reviews::tags_of(first),
        text: first.body.clone(),
        photo_ids: photos(db, head).await?,
        created_at: first.created_at,
        edited_at: first.edited_at,
        editable_until: (first.edited_at.is_none() && now < until).then_some(until),
        hidden: rows.iter().all(|r| r.hidden_at.is_some()),
        replies: rows
            .iter()
            .filter_map(|r| {
                Some(Reply {
                    worker_id: r.worker_id,
                    text: r.reply.clone()?,
                    at: r.replied_at?,
                })
            })
            .collect(),
    }))
}

/// The review state of the customer's order `id`.
pub async fn status(
    app: &App,
    customer: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<ReviewStatus> {
    let db = app.store.db();
    let rules = &app.settings.reviews;
    let (head, visits) = order_of(db, customer, id).await?;
    let ids: Vec<Uuid> = visits.iter().map(|v| v.id).collect();
    let rows = reviews::of_orders(db, &ids).await?;
    let review = customer_view(db, rules, head, &rows, now).await?;
    let (state, done) = completion(&visits)?;
    let post_until = done
        .filter(|_| REVIEWABLE.contains(&state))
        .map(|d| post_until(rules, d));
    Ok(ReviewStatus {
        can_post: review.is_none() && post_until.is_some_and(|u| now < u),
        review,
        post_until,
    })
}

/// Checks what the customer wrote: every wrong field at once.
fn checked(rules: &ReviewRules, input: &ReviewInput) -> Result<(Option<String>, Vec<Uuid>)> {
    let text = input
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string);
    let mut issues: Vec<FieldIssue> =
        rules::check(rules, input.rating, &input.tags, text.as_deref())
            .into_iter()
            .map(|(f, c, m)| FieldIssue::new(f, c, m))
            .collect();
    let mut photos: Vec<Uuid> = vec![];
    for p in &input.photo_ids {
        if !photos.contains(p) {
            photos.push(*p);
        }
    }
    if photos.len() > rules.max_photos as usize {
        issues.push(FieldIssue::new(
            "photo_ids",
            "too_many",
            format!("at most {} photos", rules.max_photos),
        ));
    }
    Error::check(issues)?;
    Ok((text, photos))
}

/// Attaches the customer's review photos to the order `head`, replacing any before.
async fn set_photos(
    db: &impl ConnectionTrait,
    head: Uuid,
    customer: Uuid,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<()> {
    order_photo::Entity::delete_many()
        .filter(order_photo::Column::OrderId.eq(head))
        .filter(order_photo::Column::Purpose.eq(PHOTO_PURPOSE))
        .exec(db)
        .await?;
    uploads::attach(db, head, "customer", customer, ids, PHOTO_PURPOSE, now)
        .await
        .map_err(|e| match e {
            uploads::AttachError::NotYours(id) => Error::field(
                "photo_ids",
                "not_your_photo",
                format!("photo {id} is not one of your review uploads"),
            ),
            uploads::AttachError::Db(e) => e.into(),
        })
}

/// Posts the review of the customer's completed order `id`: one per order, within
/// `post_days` of its completion.
pub async fn post(
    app: &App,
    customer: Uuid,
    id: Uuid,
    input: ReviewInput,
    now: DateTime<Utc>,
) -> Result<ReviewStatus> {
    let rules = app.settings.reviews;
    let (text, photo_ids) = checked(&rules, &input)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let (head, visits) = order_of(&txn, customer, id).await?;
        let ids: Vec<Uuid> = visits.iter().map(|v| v.id).collect();
        if !reviews::of_orders(&txn, &ids).await?.is_empty() {
            return Err(already());
        }
        let (state, done) = completion(&visits)?;
        let Some(done) = done.filter(|_| REVIEWABLE.contains(&state)) else {
            return Err(Error::conflict(
                "order_not_completed",
                "an order is reviewed once it is completed",
            ));
        };
        if !rules.may_post(done, now) {
            return Err(Error::conflict(
                "review_window_closed",
                format!(
                    "reviews are accepted for {} days after completion",
                    rules.post_days
                ),
            ));
        }
        let mut workers = vec![];
        for v in visits
            .iter()
            .filter(|v| REVIEWABLE.iter().any(|s| s.as_str() == v.state))
        {
            let Some(w) = v.worker_id else { continue };
            let new = NewReview {
                order_id: v.id,
                customer_id: customer,
                worker_id: w,
                rating: input.rating as u8,
                tags: input.tags.clone(),
                body: text.clone(),
            };
            reviews::insert_many(&txn, &[(Uuid::now_v7(), now, new)])
                .await
                .map_err(store_error)?;
            workers.push(w);
        }
        if workers.is_empty() {
            return Err(Error::conflict(
                "order_not_completed",
                "no visit of this order was served",
            ));
        }
        set_photos(&txn, head, customer, &photo_ids, now).await?;
        reviews::refresh_ratings(&txn, &workers, &rules).await?;
        Ok(())
    }
    .await;
    crate::workers::settle(txn, r).await?;
    status(app, customer, id, now).await
}

/// Edits the review of the customer's order `id`: once, within `edit_hours` of posting.
/// Photos are replaced by those given.
pub async fn edit(
    app: &App,
    customer: Uuid,
    id: Uuid,
    input: ReviewInput,
    now: DateTime<Utc>,
) -> Result<ReviewStatus> {
    let rules = app.settings.reviews;
    let (text, photo_ids) = checked(&rules, &input)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        let (head, visits) = order_of(&txn, customer, id).await?;
        let ids: Vec<Uuid> = visits.iter().map(|v| v.id).collect();
        let rows = reviews::of_orders(&txn, &ids).await?;
        let Some(first) = rows.first() else {
            return Err(Error::NotFound("review"));
        };
        match rules.may_edit(first.created_at, first.edited_at, now) {
            Ok(()) => {}
            Err(rules::EditRefusal::AlreadyEdited) => {
                return Err(Error::conflict(
                    "review_already_edited",
                    "a review is edited once",
                ));
            }
            Err(rules::EditRefusal::WindowClosed) => {
                return Err(Error::conflict(
                    "review_edit_window_closed",
                    format!(
                        "a review is edited within {} hours of posting",
                        rules.edit_hours
                    ),
                ));
            }
        }
        let mut workers = vec![];
        for row in rows {
            workers.push(row.worker_id);
            let mut a = row.into_active_model();
            a.rating = Set(input.rating as i16);
            a.tags = Set(reviews::tags_json(&input.tags));
            a.body = Set(text.clone());
            a.edited_at = Set(Some(now));
            a.update(&txn).await?;
        }
        set_photos(&txn, head, customer, &photo_ids, now).await?;
        reviews::refresh_ratings(&txn, &workers, &rules).await?;
        Ok(())
    }
    .await;
    crate::workers::settle(txn, r).await?;
    status(app, customer, id, now).await
}

fn already() -> Error {
    Error::conflict("review_exists", "this order has been reviewed already")
}

fn store_error(e: ReviewError) -> Error {
    match e {
        ReviewError::Invalid {
            field,
            code,
            message,
        } => Error::field(field, code, message),
        ReviewError::Exists => already(),
        ReviewError::Db(e) => e.into(),
    }
}
