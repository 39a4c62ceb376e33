//! Reviews (评价): the rules of a customer's review of a completed order, pure. The fixed
//! tag list, what a review may hold, when it may be posted and edited, and a worker's
//! rating with a Bayesian prior so that a new worker's first review does not swing it to
//! 1 or 5 stars (docs/reviews.md).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// The tags a review may carry: what went well, then what did not. Codes are stable; the
/// apps show 准时/专业/干净整洁/礼貌热情/细心 and 迟到/马虎/态度差/没做完/乱收费.
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

/// The tags that praise (the others complain).
pub const GOOD_TAGS: &[&str] = &["punctual", "professional", "tidy", "friendly", "careful"];

/// The most tags one review carries.
pub const MAX_TAGS: usize = 5;

/// The review settings (`[reviews]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewRules {
    /// Days after completion during which the customer may post a review (default 7).
    pub post_days: u32,
    /// Hours after posting during which the customer may edit it, once (default 24).
    pub edit_hours: u32,
    /// Most characters of the text (default 500).
    pub max_text_chars: u32,
    /// Most photos (default 6; 0 turns photos off).
    pub max_photos: u32,
    /// Most characters of the worker's reply (default 300).
    pub max_reply_chars: u32,
    /// The prior mean of a worker's rating, tenths of a star (default 46 = 4.6).
    pub prior_tenths: u32,
    /// The prior's weight: how many reviews' worth of the prior mean a rating starts with
    /// (default 5; 0 makes the rating the plain average).
    pub prior_weight: u32,
}

impl Default for ReviewRules {
    fn default() -> Self {
        ReviewRules {
            post_days: 7,
            edit_hours: 24,
            max_text_chars: 500,
            max_photos: 6,
            max_reply_chars: 300,
            prior_tenths: 46,
            prior_weight: 5,
        }
    }
}

impl ReviewRules {
    /// Refuses values out of range, naming the setting.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if !(1..=365).contains(&self.post_days) {
            return Err(("post_days", "expected 1 to 365 days"));
        }
        if self.edit_hours > 24 * 30 {
            return Err(("edit_hours", "expected 0 to 720 hours"));
        }
        if !(1..=5000).contains(&self.max_text_chars) {
            return Err(("max_text_chars", "expected 1 to 5000 characters"));
        }
        if self.max_photos > 9 {
            return Err(("max_photos", "expected 0 to 9 photos"));
        }
        if !(1..=2000).contains(&self.max_reply_chars) {
            return Err(("max_reply_chars", "expected 1 to 2000 characters"));
        }
        if !(10..=50).contains(&self.prior_tenths) {
            return Err(("prior_tenths", "expected 10 to 50 (1.0 to 5.0 stars)"));
        }
        if self.prior_weight > 1000 {
            return Err(("prior_weight", "expected 0 to 1000 reviews"));
        }
        Ok(())
    }

    /// Whether a review may still be posted for an order completed at `completed`.
    pub fn may_post(&self, completed: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        now < completed + Duration::days(i64::from(self.post_days))
    }

    /// Whether a review posted at `posted` and edited `edited` may be edited now: once,
    /// within the edit window.
    pub fn may_edit(
        &self,
        posted: DateTime<Utc>,
        edited: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), EditRefusal> {
        if edited.is_some() {
            return Err(EditRefusal::AlreadyEdited);
        }
        if now >= posted + Duration::hours(i64::from(self.edit_hours)) {
            return Err(EditRefusal::WindowClosed);
        }
        Ok(())
    }

    /// A worker's rating in tenths of a star from the stars of their visible reviews: the
    /// Bayesian average `(w·prior + Σ stars) / (w + n)` with the prior mean and weight
    /// above, rounded half up. Without reviews it is the prior mean.
    pub fn rating_tenths(&self, stars: impl IntoIterator<Item = i16>) -> i32 {
        let (sum, n) = stars
            .into_iter()
            .fold((0i64, 0i64), |(s, n), r| (s + i64::from(r) * 10, n + 1));
        let w = i64::from(self.prior_weight);
        let num = w * i64::from(self.prior_tenths) + sum;
        let den = w + n;
        if den == 0 {
            return self.prior_tenths as i32;
        }
        ((2 * num + den) / (2 * den)) as i32
    }
}

/// Why a review cannot be edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditRefusal {
    /// It was edited once already.
    AlreadyEdited,
    /// The edit window after posting has passed.
    WindowClosed,
}

/// One wrong field of a review: `(field, code, message)`.
pub type Issue = (&'static str, &'static str, String);

/// Checks a review's stars, tags and text against the rules; every issue found.
pub fn check(rules: &ReviewRules, rating: i64, tags: &[String], text: Option<&str>) -> Vec<Issue> {
    let mut out = vec![];
    if !(1..=5).contains(&rating) {
        out.push(("rating", "out_of_range", "a rating is 1 to 5 stars".into()));
    }
    if tags.len() > MAX_TAGS {
        out.push(("tags", "too_many", format!("at most {MAX_TAGS} tags")));
    } else if let Some(t) = tags.iter().find(|t| !TAGS.contains(&t.as_str())) {
        out.push((
            "tags",
            "unknown_tag",
            format!("`{t}` is not a review tag (one of {})", TAGS.join(", ")),
        ));
    } else {
        let mut seen = tags.to_vec();
        seen.sort();
        seen.dedup();
        if seen.len() != tags.len() {
            out.push(("tags", "duplicate", "a tag is given twice".into()));
        }
    }
    if let Some(t) = text
        && t.chars().count() > rules.max_text_chars as usize
    {
        out.push((
            "text",
            "too_long",
            format!("at most {} characters", rules.max_text_chars),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_workers_rating_starts_at_the_prior_and_moves_with_reviews() {
        let r = ReviewRules::default();
        assert_eq!(r.rating_tenths([]), 46);
        // One 1-star review: (5·4.6 + 1) / 6 = 4.0, not 1.0.
        assert_eq!(r.rating_tenths([1]), 40);
        // One 5-star review: (23 + 5) / 6 = 4.67 → 4.7.
        assert_eq!(r.rating_tenths([5]), 47);
        // Many reviews outweigh the prior: 95 fives → (23 + 475) / 100 = 4.98 → 5.0.
        assert_eq!(r.rating_tenths(vec![5; 95]), 50);
        let plain = ReviewRules {
            prior_weight: 0,
            ..r
        };
        assert_eq!(plain.rating_tenths([5, 4]), 45);
        assert_eq!(plain.rating_tenths([]), 46);
        assert_eq!(plain.rating_tenths([5, 4, 4]), 43);
    }

    #[test]
    fn a_review_is_posted_within_days_and_edited_once_within_hours() {
        let r = ReviewRules::default();
        let t = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(r.may_post(t, t + Duration::days(7) - Duration::seconds(1)));
        assert!(!r.may_post(t, t + Duration::days(7)));
        assert_eq!(r.may_edit(t, None, t + Duration::hours(23)), Ok(()));
        assert_eq!(
            r.may_edit(t, None, t + Duration::hours(24)),
            Err(EditRefusal::WindowClosed)
        );
        assert_eq!(
            r.may_edit(t, Some(t), t + Duration::hours(1)),
            Err(EditRefusal::AlreadyEdited)
        );
    }

    #[test]
    fn a_review_needs_one_to_five_stars_known_tags_once_and_short_text() {
        let r = ReviewRules::default();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(check(&r, 5, &s(&["punctual", "tidy"]), Some("很好")).is_empty());
        let fields = |rating, tags: &[&str], text: Option<&str>| {
            check(&r, rating, &s(tags), text)
                .into_iter()
                .map(|i| i.0)
                .collect::<Vec<_>>()
        };
        assert_eq!(fields(0, &[], None), ["rating"]);
        assert_eq!(fields(6, &["great"], None), ["rating", "tags"]);
        assert_eq!(fields(4, &["late", "late"], None), ["tags"]);
        assert_eq!(
            fields(
                4,
                &["late", "rude", "careless", "incomplete", "tidy", "careful"],
                None
            ),
            ["tags"]
        );
        let long = "好".repeat(501);
        assert_eq!(fields(4, &[], Some(&long)), ["text"]);
        assert!(fields(4, &[], Some(&"好".repeat(500))).is_empty());
        assert!(ReviewRules::default().validate().is_ok());
        assert!(
            ReviewRules {
                prior_tenths: 60,
                ..r
            }
            .validate()
            .is_err()
        );
    }
}
