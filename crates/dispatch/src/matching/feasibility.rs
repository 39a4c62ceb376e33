//! Whether a worker can take an order: the hard rules, cheapest first, then the day's
//! schedule with travel from the previous job and on to the next. The first rule that
//! fails is the worker's [`Reason`].

use super::explain::Reason;
use super::model::{OrderRequest, WorkerSnapshot, WorkerStatus};
use super::schedule::{Day, Insertion, Miss};
use chrono::{DateTime, Utc};
use daojia_domain::travel::TravelTime;

/// Which flow asks: the rules differ a little between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// An automatic offer: the worker must be taking offers and must not have declined
    /// this order.
    Offer,
    /// The grab pool: the worker must hold grab rights; pausing offers or having let an
    /// offer of this order expire does not keep them from claiming it.
    Grab,
}

/// Where and when a feasible worker would do the order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// The place in their day and the times.
    pub insertion: Insertion,
}

/// The rules that need no schedule: status, presence, exclusions, area, skills and
/// certificates, the daily limit.
pub fn qualifies(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    flow: Flow,
    now: DateTime<Utc>,
) -> Result<(), Reason> {
    match w.status {
        WorkerStatus::Active => {}
        WorkerStatus::Suspended => return Err(Reason::Suspended),
        status @ (WorkerStatus::Onboarding | WorkerStatus::Left) => {
            return Err(Reason::NotActive { status });
        }
    }
    if flow == Flow::Grab && !w.grab_rights {
        return Err(Reason::NoGrabRights);
    }
    if !w.presence.online {
        return Err(Reason::Offline);
    }
    if flow == Flow::Offer {
        if !w.presence.accepting {
            return Err(Reason::NotAccepting);
        }
        if order.excluded.contains(&w.id) {
            return Err(Reason::Declined);
        }
    }
    if !w.areas.contains(&order.area) {
        return Err(Reason::OutsideArea);
    }
    deposit_holds(w, order)?;
    skills_hold(w, order, now)?;
    if let Some(limit) = w.daily_limit
        && w.jobs_today >= limit
    {
        return Err(Reason::DailyLimitReached {
            jobs: w.jobs_today,
            limit,
        });
    }
    Ok(())
}

/// The worker's deposit reaches the tier the order needs (when deposits are required).
pub fn deposit_holds(w: &WorkerSnapshot, order: &OrderRequest) -> Result<(), Reason> {
    match order.deposit_required {
        Some(required) if w.deposit < required => Err(Reason::DepositTooLow {
            required,
            lodged: w.deposit,
        }),
        _ => Ok(()),
    }
}

/// Every required skill at its level, and a certificate valid until the visit's latest
/// end where one is required.
pub fn skills_hold(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    now: DateTime<Utc>,
) -> Result<(), Reason> {
    let until = DateTime::<Utc>::from_timestamp(order.latest_end(), 0).unwrap_or(now);
    for r in &order.requirements {
        match w.level(&r.skill) {
            None => {
                return Err(Reason::MissingSkill {
                    skill: r.skill.clone(),
                });
            }
            Some(level) if level < r.min_level => {
                return Err(Reason::SkillLevelTooLow {
                    skill: r.skill.clone(),
                    level,
                    required: r.min_level,
                });
            }
            Some(_) => {}
        }
        if r.certificate {
            let best = w
                .certificates
                .iter()
                .filter(|c| c.skill == r.skill)
                .map(|c| c.expires_at)
                .max();
            match best {
                None => {
                    return Err(Reason::MissingCertificate {
                        skill: r.skill.clone(),
                    });
                }
                Some(expires_at) if expires_at < until.max(now) => {
                    return Err(Reason::CertificateExpired {
                        skill: r.skill.clone(),
                        expires_at,
                    });
                }
                Some(_) => {}
            }
        }
    }
    Ok(())
}

/// Where the order fits the worker's day with travel, or why it does not.
pub fn fits_day(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Result<Fit, Reason> {
    let Some(shift) = w.shift else {
        return Err(Reason::NoShift);
    };
    let now = now.timestamp();
    let visit = order.visit();
    let day = Day::new(tt, shift, w.home, w.presence.at, &w.jobs, now);
    day.insert(tt, &visit)
        .map(|insertion| Fit { insertion })
        .map_err(|miss| match miss {
            Miss::OutsideShift => Reason::OutsideShift,
            Miss::NoFreeTime => Reason::NoFreeTime,
            Miss::LateArrival { start } => Reason::LateArrival {
                start,
                window_end: order.window_end,
            },
            Miss::PastShiftEnd { finish } => Reason::PastShiftEnd { finish },
            Miss::DelaysNext { key } => Reason::DelaysNext { order: key },
            Miss::NoBreak => Reason::NoBreak,
        })
}

/// All the rules of `flow` for one worker.
pub fn check(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    flow: Flow,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Result<Fit, Reason> {
    qualifies(w, order, flow, now)?;
    fits_day(w, order, tt, now)
}
