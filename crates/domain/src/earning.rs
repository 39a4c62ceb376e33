//! Commissions (平台抽成) and the revenue split of a completed order: platform → partner →
//! worker, exact to the fen; and the journal entries that recognise, adjust and settle
//! that split (see `docs/ledger.md`, "Commissions and settlement").
//!
//! A [`Rule`] is scoped by any of category, area, worker level and campaign; the rule that
//! applies to an order is the most specific one that matches (see [`choose`]). Its
//! [`Terms`] are copied onto the order's earning when the order completes, so editing a
//! rule later changes no recorded split, and a refund after completion re-splits with the
//! terms the order was completed with.

use crate::ids::{PartnerId, WorkerId};
use crate::ledger::{Account, Entry, Invalid, Posting};
use crate::money::Money;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Basis points in a whole (100%).
pub const WHOLE_BP: u32 = 10_000;

/// The platform's share when no rule matches (20%).
pub const DEFAULT_BP: u32 = 2_000;

/// How the platform's share is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Share {
    /// A share of the earned amount, in basis points (1/100 of a percent).
    Percent {
        /// Basis points, 0..=10000.
        bp: u32,
    },
    /// A fixed amount per order.
    Fixed {
        /// The amount.
        fen: Money,
    },
}

/// The terms an order is split with: the platform's share with its minimum, and the
/// partner's share of what the platform leaves (zero for a worker without a partner).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    /// The platform's share.
    pub share: Share,
    /// The least the platform takes (never more than the earned amount).
    pub minimum: Money,
    /// The partner's share of what remains after the platform's, in basis points.
    pub partner_bp: u32,
}

/// Why a rule or terms are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A share above 100%.
    #[error("a share is at most 10000 basis points (100%)")]
    ShareTooLarge,
    /// A negative amount.
    #[error("amounts cannot be negative")]
    Negative,
    /// A window that ends before it starts.
    #[error("the rule must end after it starts")]
    Window,
    /// A worker level outside 1..=5.
    #[error("a worker level is 1 to 5")]
    Level,
}

impl Terms {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), RuleError> {
        match self.share {
            Share::Percent { bp } if bp > WHOLE_BP => return Err(RuleError::ShareTooLarge),
            Share::Fixed { fen } if fen.is_negative() => return Err(RuleError::Negative),
            _ => {}
        }
        if self.minimum.is_negative() {
            return Err(RuleError::Negative);
        }
        if self.partner_bp > WHOLE_BP {
            return Err(RuleError::ShareTooLarge);
        }
        Ok(())
    }

    /// The platform's commission on `earned`: the share (rounded half up to the fen), at
    /// least the minimum, never more than `earned`, never below zero.
    pub fn commission(&self, earned: Money) -> Money {
        if earned <= Money::ZERO {
            return Money::ZERO;
        }
        let share = match self.share {
            Share::Percent { bp } => part(earned, bp),
            Share::Fixed { fen } => fen,
        };
        share.max(self.minimum).min(earned).max(Money::ZERO)
    }

    /// The split of `earned` (what the customer paid and kept paid): the platform's
    /// commission, the partner's share of the rest (rounded half up), the worker the
    /// remainder. The three always sum to `earned` exactly.
    pub fn split(&self, earned: Money) -> Split {
        let earned = earned.max(Money::ZERO);
        let platform = self.commission(earned);
        let rest = earned - platform;
        let partner = part(rest, self.partner_bp.min(WHOLE_BP));
        Split {
            gross: earned,
            platform,
            partner,
            worker: rest - partner,
        }
    }
}

/// `bp` basis points of `amount`, rounded half up (for a non-negative amount).
pub fn part(amount: Money, bp: u32) -> Money {
    let v = (i128::from(amount.as_fen()) * i128::from(bp) + 5_000) / i128::from(WHOLE_BP);
    Money::fen(v.clamp(0, i128::from(i64::MAX)) as i64)
}

/// Who gets what of an order's earned amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Split {
    /// What the customer paid and kept paid.
    pub gross: Money,
    /// The platform's commission (平台抽成).
    pub platform: Money,
    /// The partner's share (服务商分成).
    pub partner: Money,
    /// The worker's earning (师傅收入).
    pub worker: Money,
}

impl Split {
    /// `self - other`, part by part.
    pub fn minus(&self, other: &Split) -> Split {
        Split {
            gross: self.gross - other.gross,
            platform: self.platform - other.platform,
            partner: self.partner - other.partner,
            worker: self.worker - other.worker,
        }
    }
}

/// A commission rule (抽成规则). Every scope it names must match the order; a rule that
/// names none is a default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Its id (newer ids win ties).
    pub id: Uuid,
    /// The service category's code.
    pub category: Option<String>,
    /// The service area's code.
    pub area: Option<String>,
    /// The least worker level (1..=5) it applies to.
    pub min_level: Option<u8>,
    /// A campaign's name: the rule wins over every other while it runs.
    pub campaign: Option<String>,
    /// From when it applies.
    pub starts_at: Option<DateTime<Utc>>,
    /// Until when it applies (exclusive).
    pub ends_at: Option<DateTime<Utc>>,
    /// The platform's share.
    pub share: Share,
    /// The least the platform takes.
    pub minimum: Money,
    /// Switched off rules match nothing.
    pub active: bool,
}

/// What a rule is matched against.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The order's category (its first line's item's).
    pub category: Option<&'a str>,
    /// That category's parent: a rule naming the parent applies to its children.
    pub parent_category: Option<&'a str>,
    /// The order's area.
    pub area: Option<&'a str>,
    /// The worker's level: their highest skill level (1..=5).
    pub level: u8,
    /// When the order completed.
    pub at: DateTime<Utc>,
}

impl Rule {
    /// Checks the values.
    pub fn validate(&self) -> Result<(), RuleError> {
        self.terms(0).validate()?;
        if let (Some(s), Some(e)) = (self.starts_at, self.ends_at)
            && e <= s
        {
            return Err(RuleError::Window);
        }
        if let Some(l) = self.min_level
            && !(1..=5).contains(&l)
        {
            return Err(RuleError::Level);
        }
        Ok(())
    }

    /// Whether it applies to `f`.
    pub fn matches(&self, f: &Facts<'_>) -> bool {
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| Some(w) == have)
        };
        let category = self.category.is_none()
            || same(&self.category, f.category)
            || (f.parent_category.is_some() && same(&self.category, f.parent_category));
        self.active
            && category
            && same(&self.area, f.area)
            && self.min_level.is_none_or(|l| f.level >= l)
            && self.starts_at.is_none_or(|s| f.at >= s)
            && self.ends_at.is_none_or(|e| f.at < e)
    }

    /// How specific it is: a campaign outranks everything, then category, then area, then
    /// worker level (weights 8, 4, 2, 1), so any rule naming a category beats any rule
    /// that does not.
    pub fn specificity(&self) -> u8 {
        8 * u8::from(self.campaign.is_some())
            + 4 * u8::from(self.category.is_some())
            + 2 * u8::from(self.area.is_some())
            + u8::from(self.min_level.is_some())
    }

    /// Its terms with the partner's share `partner_bp`.
    pub fn terms(&self, partner_bp: u32) -> Terms {
        Terms {
            share: self.share,
            minimum: self.minimum,
            partner_bp,
        }
    }
}

/// The rule that applies: among those that match, the most specific
/// ([`Rule::specificity`]); between equals, the higher worker level threshold, then the
/// newest. `None` when nothing matches ([`default_terms`] apply).
pub fn choose<'a>(rules: &'a [Rule], f: &Facts<'_>) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| r.matches(f))
        .max_by_key(|r| (r.specificity(), r.min_level.unwrap_or(0), r.id))
}

/// The terms when no rule matches: [`DEFAULT_BP`], no minimum.
pub fn default_terms(partner_bp: u32) -> Terms {
    Terms {
        share: Share::Percent { bp: DEFAULT_BP },
        minimum: Money::ZERO,
        partner_bp,
    }
}

fn nonzero(postings: Vec<Posting>) -> Result<Option<Entry>, Invalid> {
    let postings: Vec<Posting> = postings
        .into_iter()
        .filter(|p| p.amount != Money::ZERO)
        .collect();
    if postings.is_empty() {
        return Ok(None);
    }
    Entry::new(postings).map(Some)
}

/// The entry recognising a completed order's split: Dr `customer_prepaid` (the gross) /
/// Cr `platform_revenue`, `partner_pending:<p>`, `worker_pending:<w>`. `None` when there is
/// nothing to recognise (nothing was kept paid).
pub fn recognised(
    split: &Split,
    worker: WorkerId,
    partner: Option<PartnerId>,
) -> Result<Option<Entry>, Invalid> {
    let mut postings = vec![
        Posting {
            account: Account::CustomerPrepaid,
            amount: split.gross,
        },
        Posting {
            account: Account::PlatformRevenue,
            amount: -split.platform,
        },
        Posting {
            account: Account::WorkerPending(worker),
            amount: -split.worker,
        },
    ];
    match partner {
        Some(p) => postings.push(Posting {
            account: Account::PartnerPending(p),
            amount: -split.partner,
        }),
        None if split.partner != Money::ZERO => return Err(Invalid::Unbalanced(0)),
        None => {}
    }
    nonzero(postings)
}

/// The entry taking back `less` (what a refund after completion takes off each share):
/// the reversal of [`recognised`] for those amounts.
pub fn taken_back(
    less: &Split,
    worker: WorkerId,
    partner: Option<PartnerId>,
) -> Result<Option<Entry>, Invalid> {
    Ok(recognised(less, worker, partner)?.map(|e| e.reversal()))
}

/// A refund after the earning was settled: the platform bears it (Dr `platform_revenue` /
/// Cr `customer_prepaid`); what the worker and partner were paid is not clawed back.
pub fn borne_by_platform(amount: Money) -> Result<Option<Entry>, Invalid> {
    nonzero(vec![
        Posting {
            account: Account::PlatformRevenue,
            amount,
        },
        Posting {
            account: Account::CustomerPrepaid,
            amount: -amount,
        },
    ])
}

/// The entry settling an earning after the dispute window: pending → withdrawable for
/// the worker and the partner.
pub fn settled(
    worker_share: Money,
    partner_share: Money,
    worker: WorkerId,
    partner: Option<PartnerId>,
) -> Result<Option<Entry>, Invalid> {
    let mut postings = vec![
        Posting {
            account: Account::WorkerPending(worker),
            amount: worker_share,
        },
        Posting {
            account: Account::WorkerWithdrawable(worker),
            amount: -worker_share,
        },
    ];
    if let Some(p) = partner {
        postings.push(Posting {
            account: Account::PartnerPending(p),
            amount: partner_share,
        });
        postings.push(Posting {
            account: Account::PartnerWithdrawable(p),
            amount: -partner_share,
        });
    }
    nonzero(postings)
}

#[cfg(test)]
#[path = "earning_tests.rs"]
mod tests;
