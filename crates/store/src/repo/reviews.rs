//! Reviews (评价): a customer's stars and tags for a completed order, one per order.
//!
//! A worker's rating is derived from their reviews and stored: `worker.rating_tenths` is the
//! average of all their reviews in tenths of a star (4.7 → 47), rounded half up, rewritten
//! in the same transaction as every review written here. A worker without reviews keeps the
//! rating they were given when they joined.

use crate::entity::{review, worker};
use crate::is_unique_violation;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::BTreeMap;
use uuid::Uuid;

/// The tags a review may carry: what went well, then what did not.
pub const TAGS: &[&str] = &[
    "punctual",
    "professional",
    "tidy",
    "friendly",
    "careful",
    "late",
    "careless",
    "rude",
    "incomplete",
    "overcharged",
];

/// The most tags one review carries.
pub const MAX_TAGS: usize = 5;

/// A review to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReview {
    /// The order reviewed.
    pub order_id: Uuid,
    /// Who wrote it (the order's customer).
    pub customer_id: Uuid,
    /// The worker who served the order.
    pub worker_id: Uuid,
    /// Stars, 1 to 5.
    pub rating: u8,
    /// Tag codes from [`TAGS`], at most [`MAX_TAGS`].
    pub tags: Vec<String>,
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
        message: &'static str,
    },
    /// The order has a review already.
    #[error("this order has been reviewed already")]
    Exists,
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl NewReview {
    /// Checks the rating and the tags.
    pub fn validate(&self) -> Result<(), ReviewError> {
        let bad = |field, code, message| {
            Err(ReviewError::Invalid {
                field,
                code,
                message,
            })
        };
        if !(1..=5).contains(&self.rating) {
            return bad("rating", "out_of_range", "a rating is 1 to 5 stars");
        }
        if self.tags.len() > MAX_TAGS {
            return bad("tags", "too_many", "at most 5 tags");
        }
        if self.tags.iter().any(|t| !TAGS.contains(&t.as_str())) {
            return bad("tags", "unknown_tag", "a tag is not one of the review tags");
        }
        let mut seen = self.tags.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.tags.len() {
            return bad("tags", "duplicate", "a tag is given twice");
        }
        Ok(())
    }

    fn row(&self, id: Uuid, at: DateTime<Utc>) -> review::ActiveModel {
        review::ActiveModel {
            id: Set(id),
            order_id: Set(self.order_id),
            customer_id: Set(self.customer_id),
            worker_id: Set(self.worker_id),
            rating: Set(i16::from(self.rating)),
            tags: Set(serde_json::to_string(&self.tags).expect("strings serialise")),
            created_at: Set(at),
        }
    }
}

/// Writes a review and brings the worker's rating up to date. Call it in a transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    new: &NewReview,
    now: DateTime<Utc>,
) -> Result<review::Model, ReviewError> {
    new.validate()?;
    let row = new.row(Uuid::now_v7(), now);
    match review::Entity::insert(row).exec_without_returning(db).await {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Err(ReviewError::Exists),
        Err(e) => return Err(e.into()),
    }
    refresh_ratings(db, &[new.worker_id]).await?;
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
        review::Entity::insert_many(chunk.iter().map(|(id, at, r)| r.row(*id, *at)))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The review of an order, if it has one.
pub async fn of_order(
    db: &impl ConnectionTrait,
    order_id: Uuid,
) -> Result<Option<review::Model>, DbErr> {
    review::Entity::find()
        .filter(review::Column::OrderId.eq(order_id))
        .one(db)
        .await
}

/// A worker's latest reviews, newest first.
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

/// A worker's rating from their reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rating {
    /// The average in tenths of a star, rounded half up (47 = 4.7).
    pub tenths: i32,
    /// How many reviews it averages.
    pub count: u32,
}

impl Rating {
    /// The rating of these stars; `None` without any.
    pub fn of(stars: impl IntoIterator<Item = i16>) -> Option<Rating> {
        let (sum, count) = stars
            .into_iter()
            .fold((0i64, 0i64), |(s, n), r| (s + i64::from(r), n + 1));
        (count > 0).then(|| Rating {
            tenths: ((sum * 20 + count) / (2 * count)) as i32,
            count: count as u32,
        })
    }
}

/// The ratings of `workers` from their reviews (those with none are left out).
pub async fn ratings(
    db: &impl ConnectionTrait,
    workers: &[Uuid],
) -> Result<BTreeMap<Uuid, Rating>, DbErr> {
    let mut stars: BTreeMap<Uuid, Vec<i16>> = BTreeMap::new();
    for chunk in workers.chunks(200) {
        let rows: Vec<(Uuid, i16)> = review::Entity::find()
            .select_only()
            .column(review::Column::WorkerId)
            .column(review::Column::Rating)
            .filter(review::Column::WorkerId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (w, r) in rows {
            stars.entry(w).or_default().push(r);
        }
    }
    Ok(stars
        .into_iter()
        .filter_map(|(w, s)| Rating::of(s).map(|r| (w, r)))
        .collect())
}

/// Rewrites `worker.rating_tenths` of `workers` from their reviews; workers without reviews
/// keep theirs.
pub async fn refresh_ratings(db: &impl ConnectionTrait, workers: &[Uuid]) -> Result<(), DbErr> {
    for (w, r) in ratings(db, workers).await? {
        worker::Entity::update_many()
            .col_expr(worker::Column::RatingTenths, Expr::value(r.tenths))
            .filter(worker::Column::Id.eq(w))
            .exec(db)
            .await?;
    }
    Ok(())
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
        }
    }

    #[test]
    fn a_rating_averages_the_stars_in_tenths_rounded_half_up() {
        assert_eq!(Rating::of([]), None);
        assert_eq!(
            Rating::of([5, 4]),
            Some(Rating {
                tenths: 45,
                count: 2
            })
        );
        assert_eq!(Rating::of([5, 5, 4]).map(|r| r.tenths), Some(47));
        assert_eq!(Rating::of([5, 4, 4]).map(|r| r.tenths), Some(43));
        // 4.65 rounds up to 4.7.
        let mut stars = vec![5; 13];
        stars.extend([4; 7]);
        assert_eq!(Rating::of(stars).map(|r| r.tenths), Some(47));
        assert_eq!(Rating::of([1]).map(|r| r.tenths), Some(10));
    }

    #[test]
    fn a_review_needs_one_to_five_stars_and_known_tags_once() {
        assert!(review(5, &["punctual", "tidy"]).validate().is_ok());
        for (r, field) in [
            (review(0, &[]), "rating"),
            (review(6, &[]), "rating"),
            (review(4, &["great"]), "tags"),
            (review(4, &["late", "late"]), "tags"),
            (
                review(
                    4,
                    &["late", "rude", "careless", "incomplete", "tidy", "careful"],
                ),
                "tags",
            ),
        ] {
            match r.validate() {
                Err(ReviewError::Invalid { field: f, .. }) => assert_eq!(f, field, "{r:?}"),
                other => panic!("{r:?}: {other:?}"),
            }
        }
    }
}
