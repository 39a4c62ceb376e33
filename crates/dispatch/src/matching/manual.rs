//! A dispatcher putting an order on a worker by hand: everything that would go wrong,
//! shown before the change is committed. Unlike an automatic decision, which stops at the
//! first reason, this lists every conflict, and the schedule is simulated with the order
//! in it, however late that makes things.

use super::feasibility::{deposit_holds, skills_hold};
use super::model::{OrderRequest, WorkerSnapshot, WorkerStatus};
use super::schedule::Day;
use chrono::{DateTime, Utc};
use daojia_domain::travel::TravelTime;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One thing wrong with putting an order on a worker. The `code` of each is stable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Conflict {
    /// The worker is not active (onboarding, suspended or gone).
    NotActive {
        /// Their status.
        status: WorkerStatus,
    },
    /// The worker does not work in the order's area.
    OutsideArea,
    /// The worker's deposit (保证金) is below the tier the order needs. Unlike the other
    /// conflicts, no override reason lifts it: the deposit rules are the platform's.
    DepositTooLow {
        /// The deposit the order needs, minor units.
        required: i64,
        /// What the worker has lodged (usable), minor units.
        lodged: i64,
    },
    /// A skill, level or certificate is missing (the reason's code and details).
    Qualification {
        /// What is missing.
        reason: super::explain::Reason,
    },
    /// The worker already took as many jobs today as they may.
    DailyLimit {
        /// Jobs today.
        jobs: u32,
        /// The limit.
        limit: u32,
    },
    /// The worker has no shift that day.
    NoShift,
    /// The worker would arrive after the window.
    LateArrival {
        /// The earliest start, Unix seconds.
        start: i64,
        /// Seconds after the window's end.
        late_by_s: i64,
    },
    /// The order's window overlaps a job the worker already has.
    Overlap {
        /// That job (its order).
        order: Uuid,
    },
    /// A later job of the day would start after its window.
    DelaysJob {
        /// That job (its order).
        order: Uuid,
        /// Seconds after its window's end.
        late_by_s: i64,
    },
    /// The order would end after the shift.
    PastShiftEnd {
        /// Seconds after the shift's end.
        over_by_s: i64,
    },
    /// Every job would keep its window, but the worker's break would no longer fit.
    NoBreak,
}

impl Conflict {
    /// The stable code, as serialised.
    pub fn code(&self) -> &'static str {
        match self {
            Conflict::NotActive { .. } => "not_active",
            Conflict::OutsideArea => "outside_area",
            Conflict::DepositTooLow { .. } => "deposit_too_low",
            Conflict::Qualification { .. } => "qualification",
            Conflict::DailyLimit { .. } => "daily_limit",
            Conflict::NoShift => "no_shift",
            Conflict::LateArrival { .. } => "late_arrival",
            Conflict::Overlap { .. } => "overlap",
            Conflict::DelaysJob { .. } => "delays_job",
            Conflict::PastShiftEnd { .. } => "past_shift_end",
            Conflict::NoBreak => "no_break",
        }
    }
}

/// Every conflict of putting `order` on `w`; empty when it fits. Presence (online,
/// accepting) and earlier rejections are no conflicts: a dispatcher may assign anyway.
pub fn conflicts(
    w: &WorkerSnapshot,
    order: &OrderRequest,
    tt: &dyn TravelTime,
    now: DateTime<Utc>,
) -> Vec<Conflict> {
    let mut out = Vec::new();
    if w.status != WorkerStatus::Active {
        out.push(Conflict::NotActive { status: w.status });
    }
    if !w.areas.contains(&order.area) {
        out.push(Conflict::OutsideArea);
    }
    if let Err(super::explain::Reason::DepositTooLow { required, lodged }) = deposit_holds(w, order)
    {
        out.push(Conflict::DepositTooLow { required, lodged });
    }
    if let Err(reason) = skills_hold(w, order, now) {
        out.push(Conflict::Qualification { reason });
    }
    if let Some(limit) = w.daily_limit
        && w.jobs_today >= limit
    {
        out.push(Conflict::DailyLimit {
            jobs: w.jobs_today,
            limit,
        });
    }
    let Some(shift) = w.shift else {
        out.push(Conflict::NoShift);
        return out;
    };
    let visit = order.visit();
    let day = Day::new(tt, shift, w.home, w.presence.at, &w.jobs, now.timestamp());
    // Overlap: the order's earliest possible service meets a job's scheduled time.
    let (o_start, o_end) = (order.window_start, order.window_end + order.duration);
    for (v, t) in day.visits().iter().zip(day.times()) {
        let (s, f) = (t.start, t.finish);
        // The order cannot be fitted around this job: it must start before the job
        // starts and end after it, or start after the job ends, within its window.
        let before = order.window_start + order.duration <= s;
        let after = f <= order.window_end;
        if !before && !after && o_start < f && s < o_end {
            out.push(Conflict::Overlap { order: v.key });
        }
    }
    let forced = day.with(tt, &visit);
    let (pos, times) = (forced.position, &forced.times);
    let mine = times[pos];
    if mine.start > order.window_end {
        out.push(Conflict::LateArrival {
            start: mine.start,
            late_by_s: mine.start - order.window_end,
        });
    }
    for (j, (v, base)) in day.visits().iter().zip(day.times()).enumerate().skip(pos) {
        let t = times[j + 1];
        if t.start > v.window_end.max(base.start) {
            out.push(Conflict::DelaysJob {
                order: v.key,
                late_by_s: t.start - v.window_end,
            });
        }
    }
    let end = times.iter().map(|t| t.finish).max().unwrap_or(mine.finish);
    let base_end = day
        .times()
        .iter()
        .map(|t| t.finish)
        .max()
        .unwrap_or(i64::MIN);
    if end > shift.end && end > base_end {
        out.push(Conflict::PastShiftEnd {
            over_by_s: end - shift.end,
        });
    }
    if !forced.break_holds && day.break_holds() {
        out.push(Conflict::NoBreak);
    }
    out
}
