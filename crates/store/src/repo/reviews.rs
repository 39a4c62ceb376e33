//! Reviews (评价): a customer's stars, tags and text for a completed visit, one per visit;
//! the worker's reply; staff hiding an abusive one. The rules are
//! `daojia_domain::review`; this module stores and lists.
//!
//! A worker's rating is derived from their reviews and stored: `worker.rating_tenths` is the
//! Bayesian average of their visible (not hidden) reviews with the configured prior
//! ([`ReviewRules::rating_tenths`]), rewritten in the same transaction as every review
//! written, edited, hidden or shown again through here. Dispatch reads that column.

use super::{Page, PageRequest, page_from};
use crate::entity::{review, worker};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
pub use daojia_domain::review::{MAX_TAGS, ReviewRules, TAGS};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// A review to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    /// The order (visit) reviewed.
    pub order_id: Uuid,
    /// Who wrote it (the order's customer).
    pub customer_id: Uuid,
    /// The worker who served the order.
    pub worker_id: Uuid,
    /// Stars, 1 to 5.
    pub rating: u8,
    /// Tag codes from [`TAGS`], at most [`MAX_TAGS`].
    pub tags: Vec<String>,
    /// The customer's text, already checked against the configured length.
    pub body: Option<String>,
}

/// Why a review was not written.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// A field out of range; `field` names it, `code` is stable.
    #[error("{field}: {message}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Stable code.
        code: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The order has a review already.
    #[error("this order has been reviewed already")]
    Exists,
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl NewReview {
    /// Checks the rating and the tags (the text's length is the caller's, by its settings).
    pub fn validate(&self) -> Result<(), ReviewError> {
        let rules = ReviewRules::default();
        match daojia_domain::review::check(&rules, i64::from(self.rating), &self.tags, None)
            .into_iter()
            .next()
        {
            Some((field, code, message)) => Err(ReviewError::Invalid {
                field,
                code,
                message,
            }),
            None => Ok(()),
        }
    }

    fn row(&self, id: Uuid, at: DateTime<Utc>) -> review::ActiveModel {
        review::ActiveModel {
            id: Set(id),
            order_id: Set(self.order_id),
            customer_id: Set(self.customer_id),
            worker_id: Set(self.worker_id),
            rating: Set(i16::from(self.rating)),
            tags: Set(tags_json(&self.tags)),
            created_at: Set(at),
            body: Set(self.body.clone()),
            edited_at: Set(None),
            reply: Set(None),
            replied_at: Set(None),
            hidden_at: Set(None),
            hidden_reason: Set(None),
            hidden_by: Set(None),
        }
    }
}

/// Tags as stored: a JSON array of codes.
pub fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).expect("strings serialise")
}

/// The tags of a stored review (an unreadable value reads as none).
pub fn tags_of(m: &review::Model) -> Vec<String> {
    serde_json::from_str(&m.tags).unwrap_or_default()
}

/// Writes a review and brings the worker's rating up to date. Call it in a transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: &NewReview,
    rules: &ReviewRules,
    now: DateTime<Utc>,
) -> Result<review::Model, ReviewError> {
    new.validate()?;
    let row = new.row(Uuid::now_v7(), now);
    match review::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(ReviewError::Exists),
        Err(e) => return Err(e.into()),
    }
    refresh_ratings(db, &[new.worker_id], rules).await?;
    of_order(db, new.order_id)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("review".into()).into())
}

/// Writes many reviews at once (each with its id and time), in batches, without touching
/// ratings: the caller runs [`refresh_ratings`] for the workers afterwards, in the same
/// transaction.
pub async fn insert_many(
    db: &impl ConnectionTrait,
    rows: &[(Uuid, DateTime<Utc>, NewReview)],
) -> Result<(), ReviewError> {
    for (_, _, r) in rows {
        r.validate()?;
    }
    for chunk in rows.chunks(100) {
        match review::Entity::insert_many(chunk.iter().map(|(id, at, r)| r.row(*id, *at)))
            .exec_without_returning(db)
            .await
        {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => return Err(ReviewError::Exists),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The review of an order (visit), if it has one.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<review::Model>, DbErr> {
    review::Entity::find()
        .filter(review::Column::OrderId.eq(order_id))
        .one(db)
        .await
}

/// The reviews of these orders (the visits of one order), oldest first.
pub async fn of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[Uuid],
) -> Result<Vec<review::Model>, DbErr> {
    review::Entity::find()
        .filter(review::Column::OrderId.is_in(order_ids.to_vec()))
        .order_by_asc(review::Column::Id)
        .all(db)
        .await
}

/// One review by id.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<review::Model>, DbErr> {
    review::Entity::find_by_id(id).one(db).await
}

/// A worker's latest reviews, newest first (hidden ones included).
pub async fn of_worker(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
    limit: u64,
) -> Result<Vec<review::Model>, DbErr> {
    review::Entity::find()
        .filter(review::Column::WorkerId.eq(worker_id))
        .order_by_desc(review::Column::CreatedAt)
        .order_by_desc(review::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Filters of a review list; all optional.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    /// Only these workers (`Some(vec![])` matches nothing: a partner without workers).
    pub workers: Option<Vec<Uuid>>,
    /// Only this many stars.
    pub rating: Option<i16>,
    /// Only hidden (`true`) or only visible (`false`) ones.
    pub hidden: Option<bool>,
}

/// Reviews newest first (by id), a page at a time.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &ReviewFilter,
    page: PageRequest,
) -> Result<Page<review::Model>, DbErr> {
    let mut q = review::Entity::find()
        .order_by_desc(review::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(review::Column::Id.lt(after));
    }
    if let Some(ws) = &f.workers {
        q = q.filter(review::Column::WorkerId.is_in(ws.clone()));
    }
    if let Some(r) = f.rating {
        q = q.filter(review::Column::Rating.eq(r));
    }
    match f.hidden {
        Some(true) => q = q.filter(review::Column::HiddenAt.is_not_null()),
        Some(false) => q = q.filter(review::Column::HiddenAt.is_null()),
        None => {}
    }
    Ok(page_from(q.all(db).await?, page.limit, |m| m.id))
}

/// A worker's rating from their visible reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    /// The rating in tenths of a star with the prior (47 = 4.7): what dispatch reads.
    pub tenths: i32,
    /// The plain average in tenths of a star, rounded half up.
    pub average_tenths: i32,
    /// How many reviews it counts.
    pub count: u32,
}

impl Rating {
    /// The rating of these stars under `rules`; `None` without any.
    pub fn of(stars: impl IntoIterator<Item = i16>, rules: &ReviewRules) -> Option<Rating> {
        let stars: Vec<i16> = stars.into_iter().collect();
        if stars.is_empty() {
            return None;
        }
        let plain = ReviewRules {
            prior_weight: 0,
            ..*rules
        };
        Some(Rating {
            tenths: rules.rating_tenths(stars.iter().copied()),
            average_tenths: plain.rating_tenths(stars.iter().copied()),
            count: stars.len() as u32,
        })
    }
}

/// The ratings of `workers` from their visible reviews (those with none are left out).
pub async fn ratings(
    db: &impl ConnectionTrait,
    workers: &[Uuid],
    rules: &ReviewRules,
) -> Result<BTreeMap<Uuid, Rating>, DbErr> {
    let mut stars: BTreeMap<Uuid, Vec<i16>> = BTreeMap::new();
    for chunk in workers.chunks(200) {
        let rows: Vec<(Uuid, i16)> = review::Entity::find()
            .select_only()
            .column(review::Column::WorkerId)
            .column(review::Column::Rating)
            .filter(review::Column::WorkerId.is_in(chunk.to_vec()))
            .filter(review::Column::HiddenAt.is_null())
            .into_tuple()
            .all(db)
            .await?;
        for (w, r) in rows {
            stars.entry(w).or_default().push(r);
        }
    }
    Ok(stars
        .into_iter()
        .filter_map(|(w, s)| Rating::of(s, rules).map(|r| (w, r)))
        .collect())
}

/// Rewrites `worker.rating_tenths` of `workers` from their visible reviews; a worker left
/// without any gets the prior mean.
pub async fn refresh_ratings(
    db: &impl ConnectionTrait,
    workers: &[Uuid],
    rules: &ReviewRules,
) -> Result<(), DbErr> {
    let found = ratings(db, workers, rules).await?;
    let prior = rules.rating_tenths([]);
    for w in workers {
        let tenths = found.get(w).map_or(prior, |r| r.tenths);
        worker::Entity::update_many()
            .col_expr(worker::Column::RatingTenths, Expr::value(tenths))
            .filter(worker::Column::Id.eq(*w))
            .exec(db)
            .await?;
    }
    super::versions::bump(db, super::versions::STAFF).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(rating: u8, tags: &[&str]) -> NewReview {
        NewReview {
            order_id: Uuid::nil(),
            customer_id: Uuid::nil(),
            worker_id: Uuid::nil(),
            rating,
            tags: tags.iter().map(|t| t.to_string()).collect(),
            body: None,
        }
    }

    #[test]
    fn a_rating_carries_the_prior_and_the_plain_average() {
        let rules = ReviewRules::default();
        assert_eq!(Rating::of([], &rules), None);
        assert_eq!(
            Rating::of([5, 4], &rules),
            Some(Rating {
                tenths: 46,
                average_tenths: 45,
                count: 2
            })
        );
        assert_eq!(Rating::of([1], &rules).map(|r| r.tenths), Some(40));
    }

    #[test]
    fn a_review_needs_one_to_five_stars_and_known_tags_once() {
        assert!(review(5, &["punctual", "tidy"]).validate().is_ok());
        for (r, field) in [
            (review(0, &[]), "rating"),
            (review(6, &[]), "rating"),
            (review(4, &["great"]), "tags"),
            (review(4, &["late", "late"]), "tags"),
        ] {
            match r.validate() {
                Err(ReviewError::Invalid { field: f, .. }) => assert_eq!(f, field, "{r:?}"),
                other => panic!("{r:?}: {other:?}"),
            }
        }
    }
}
