//! The demo city's past: the visits of the days before today, deterministic from the seed
//! and the date (each day draws from its own generator, so a day's visits do not depend on
//! how many days are loaded).
//!
//! Each day has 24 to 32 visits (30 to 40 at the weekend), each given to a worker who has
//! the skills, works that weekday, and is free then (a visit holds the worker from 45
//! minutes before its window to 45 minutes after its latest possible end). Most end
//! completed and paid, with a check-in time (some late), the customer's confirmation or the
//! automatic one, often a review (mostly four or five stars; late or careless visits get
//! fewer, with tags), and now and then an after-sales complaint, upheld with a partial
//! refund or declined. Some are cancelled: by the customer (free early, with the late fee
//! close to the start once a worker is committed), or because the worker cancelled late or
//! did not come (recorded by the dispatcher, so the worker's credit has data).
//!
//! Everything is relative to the window's local date and start minute; the loader turns it
//! into times in the area's time zone.

use crate::rng::Rng;
use crate::{City, Item};
use chrono::{Datelike, NaiveDate};

/// How the worker came to the visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// The platform offered it and the worker accepted a few minutes later.
    Offered,
    /// A dispatcher assigned it.
    Assigned,
    /// The worker claimed it from the grab pool.
    Grabbed,
}

/// A customer's review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// Stars, 1 to 5.
    pub rating: u8,
    /// Tag codes.
    pub tags: Vec<&'static str>,
    /// Minutes after completion it was written.
    pub after_minutes: i64,
    /// What the customer wrote, if anything.
    pub text: Option<&'static str>,
}

/// What demo customers write, by how happy they are.
const GOOD_TEXTS: [&str; 6] = [
    "师傅很准时，做得很仔细，下次还约。",
    "干活利索，收拾得很干净。",
    "态度很好，还教了我日常保养的办法。",
    "专业，工具带得齐全，推荐！",
    "比预想的快，效果不错。",
    "Very tidy and on time, thank you!",
];
const MIXED_TEXTS: [&str; 3] = [
    "还可以，就是来得有点晚。",
    "整体一般，有些角落没顾到。",
    "OK overall, a little late.",
];
const BAD_TEXTS: [&str; 3] = [
    "迟到了很久，也没提前说一声。",
    "做得太马虎，还要我自己返工。",
    "不太满意，希望平台跟进一下。",
];

/// An after-sales complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    /// What the customer said.
    pub reason: &'static str,
    /// Hours after completion it was opened.
    pub after_hours: i64,
    /// Upheld (a partial refund) or declined.
    pub upheld: bool,
    /// The refund when upheld, percent of the total.
    pub refund_percent: i64,
    /// Hours after opening customer service decided.
    pub decided_after_hours: i64,
    /// The decision's note.
    pub note: &'static str,
}

/// A visit that took place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visited {
    /// Check-in, minutes after the window starts (more than the window's length: late).
    pub arrival_minute: i64,
    /// Minutes after the service ended that the customer confirmed; `None`: nobody
    /// confirmed and the order completed by itself after the confirmation window.
    pub confirmed_after_minutes: Option<i64>,
    /// The review, if the customer wrote one.
    pub review: Option<Review>,
    /// The complaint, if there was one.
    pub complaint: Option<Complaint>,
}

/// How a past visit ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Served, paid and completed.
    Completed(Visited),
    /// The customer cancelled this many minutes before the window.
    CustomerCancelled {
        /// Minutes before the window start.
        minutes_before: i64,
    },
    /// The worker cancelled late (this many minutes before the window, under two hours);
    /// the dispatcher cancelled the order and refunded it.
    WorkerCancelled {
        /// Minutes before the window start.
        minutes_before: i64,
    },
    /// The worker did not come; the dispatcher cancelled the order after the window.
    NoShow,
}

/// One visit of the demo's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastVisit {
    /// Index into [`City::customers`].
    pub customer: usize,
    /// Index into that customer's addresses.
    pub address: usize,
    /// Index into [`City::items`].
    pub item: usize,
    /// The local date of the window.
    pub date: NaiveDate,
    /// The window's start, minutes after local midnight.
    pub start_minute: i32,
    /// Index into [`City::workers`]: who served it (or was to).
    pub worker: usize,
    /// Minutes before the window start the order was placed.
    pub placed_minutes_before: i64,
    /// Minutes after placing it was paid.
    pub paid_after_minutes: i64,
    /// How the worker came to it.
    pub dispatch: Dispatch,
    /// Minutes before the window start the worker was found.
    pub dispatch_minutes_before: i64,
    /// How it ended.
    pub outcome: Outcome,
}

/// Visits a weekday has, at least and at most (the weekend has more).
const WEEKDAY_VISITS: (u64, u64) = (24, 32);
const WEEKEND_VISITS: (u64, u64) = (30, 40);
/// A visit holds its worker this long before its window and after its latest end (travel).
const TRAVEL_MIN: i32 = 45;
/// The window's length, minutes (the demo areas').
pub const WINDOW_MIN: i32 = 60;

/// A day's generator: the seed and the date.
pub(crate) fn day_rng(seed: u64, date: NaiveDate, salt: u64) -> Rng {
    Rng::new(
        seed ^ (date.num_days_from_ce() as u64).wrapping_mul(0x2545_F491_4F6C_DD1D)
            ^ salt.wrapping_mul(0x9E37_79B9),
    )
}

/// How popular a category is, relative.
pub(crate) fn category_weight(category: &str) -> u64 {
    match category {
        "cleaning" => 10,
        "appliance_repair" => 5,
        "beauty" => 4,
        "pet_care" => 3,
        "car_care" => 2,
        _ => 2,
    }
}

/// An item drawn by category popularity (items of a category share its weight).
pub(crate) fn weighted_item(rng: &mut Rng, items: &[Item]) -> usize {
    let weight = |i: &Item| category_weight(i.category);
    let total: u64 = items.iter().map(weight).sum();
    let mut x = rng.below(total);
    for (k, i) in items.iter().enumerate() {
        if x < weight(i) {
            return k;
        }
        x -= weight(i);
    }
    items.len() - 1
}

/// The visits of the `days` days before `today`, oldest first.
pub fn history(city: &City, today: NaiveDate, days: u32) -> Vec<PastVisit> {
    let mut out = vec![];
    for back in (1..=i64::from(days)).rev() {
        let date = today - chrono::Duration::days(back);
        out.extend(day(city, date, back));
    }
    out
}

/// The visits of one past day, `days_ago` days before today.
fn day(city: &City, date: NaiveDate, days_ago: i64) -> Vec<PastVisit> {
    let mut rng = day_rng(city.seed, date, 1);
    let weekday = date.weekday().num_days_from_monday() as i16;
    let (lo, hi) = if weekday >= 5 {
        WEEKEND_VISITS
    } else {
        WEEKDAY_VISITS
    };
    let target = lo + rng.below(hi - lo + 1);
    // Busy intervals per worker, minutes after midnight.
    let mut busy: Vec<Vec<(i32, i32)>> = vec![vec![]; city.workers.len()];
    let mut out = vec![];
    let mut attempts = 0;
    while (out.len() as u64) < target && attempts < target * 6 {
        attempts += 1;
        let item_ix = weighted_item(&mut rng, &city.items);
        let item = &city.items[item_ix];
        let able: Vec<usize> = city
            .workers
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                item.skills.iter().all(|s| w.skills.contains(s))
                    && w.shifts.iter().any(|s| s.weekday == weekday)
            })
            .map(|(k, _)| k)
            .collect();
        if able.is_empty() {
            continue;
        }
        let w = *rng.pick(&able);
        let shift = city.workers[w]
            .shifts
            .iter()
            .find(|s| s.weekday == weekday)
            .copied()
            .expect("filtered on the weekday");
        let length = item.base_duration_min + item.buffer_min;
        // Half-hour starts from the later of opening and the shift start plus travel, to
        // the last start whose latest end is in the shift.
        let first = (8 * 60).max(shift.start_minute + 30);
        let last = (20 * 60).min(shift.end_minute - WINDOW_MIN - length);
        if last < first {
            continue;
        }
        let start = first + 30 * rng.below(((last - first) / 30 + 1) as u64) as i32;
        let held = (start - TRAVEL_MIN, start + WINDOW_MIN + length + TRAVEL_MIN);
        let visit = (start, start + WINDOW_MIN + length);
        let overlaps = |a: (i32, i32), b: (i32, i32)| a.0 < b.1 && b.0 < a.1;
        if shift.break_minutes.is_some_and(|b| overlaps(visit, b))
            || busy[w].iter().any(|b| overlaps(*b, held))
        {
            continue;
        }
        busy[w].push(held);
        let customer = rng.below(city.customers.len() as u64) as usize;
        let address = rng.below(city.customers[customer].addresses.len() as u64) as usize;
        out.push(visit_of(
            &mut rng, city, date, days_ago, customer, address, item_ix, start, w,
        ));
    }
    out.sort_by_key(|v| (v.start_minute, v.worker));
    out
}

#[allow(clippy::too_many_arguments)]
fn visit_of(
    rng: &mut Rng,
    city: &City,
    date: NaiveDate,
    days_ago: i64,
    customer: usize,
    address: usize,
    item: usize,
    start_minute: i32,
    worker: usize,
) -> PastVisit {
    // Placed between three hours and four days ahead; paid within minutes.
    let placed_minutes_before = 180 + rng.below(4 * 24 * 60 - 180) as i64;
    let paid_after_minutes = 1 + rng.below(8) as i64;
    let dispatch = match rng.below(100) {
        0..55 => Dispatch::Offered,
        55..85 => Dispatch::Assigned,
        _ => Dispatch::Grabbed,
    };
    // Found between two hours ahead and shortly after payment.
    let latest = placed_minutes_before - paid_after_minutes - 25;
    let dispatch_minutes_before = 120 + rng.below((latest - 120).max(1) as u64) as i64;
    let roll = rng.below(1000);
    let outcome = if roll < 50 {
        // Within the time it was booked ahead; some close to the start.
        let minutes_before = if rng.below(3) == 0 {
            15 + rng.below(100) as i64
        } else {
            130 + rng.below((placed_minutes_before - 140).max(1) as u64) as i64
        };
        Outcome::CustomerCancelled { minutes_before }
    } else if roll < 62 {
        Outcome::WorkerCancelled {
            minutes_before: 30 + rng.below(85) as i64,
        }
    } else if roll < 68 {
        Outcome::NoShow
    } else {
        Outcome::Completed(visited(rng, city, days_ago, worker))
    };
    PastVisit {
        customer,
        address,
        item,
        date,
        start_minute,
        worker,
        placed_minutes_before,
        paid_after_minutes,
        dispatch,
        dispatch_minutes_before,
        outcome,
    }
}

const GOOD_TAGS: [&str; 5] = ["punctual", "professional", "tidy", "friendly", "careful"];
const BAD_TAGS: [&str; 3] = ["careless", "incomplete", "rude"];

const COMPLAINTS: [&str; 5] = [
    "清洁不彻底，厨房油污还在",
    "地板上有划痕，怀疑是服务时造成的",
    "维修后第二天问题又出现了",
    "服务时长明显不足",
    "师傅迟到一个多小时，耽误了安排",
];

fn visited(rng: &mut Rng, city: &City, days_ago: i64, worker: usize) -> Visited {
    let late = rng.below(100) < 7;
    let arrival_minute = if late {
        i64::from(WINDOW_MIN) + 5 + rng.below(45) as i64
    } else {
        rng.below(50) as i64
    };
    // The last day's visits are confirmed within the hour, so that nothing lies ahead.
    let confirmed_after_minutes = if days_ago >= 2 && rng.below(100) < 20 {
        None
    } else {
        Some(10 + rng.below(if days_ago >= 2 { 230 } else { 50 }) as i64)
    };
    let review = (rng.below(100) < 72).then(|| review(rng, city, days_ago, worker, late));
    let unhappy = review.as_ref().is_some_and(|r| r.rating <= 2);
    let complaint =
        (days_ago >= 6 && (unhappy && rng.below(2) == 0 || rng.below(1000) < 8)).then(|| {
            let upheld = rng.below(100) < 60;
            Complaint {
                reason: if late {
                    COMPLAINTS[4]
                } else {
                    COMPLAINTS[rng.below(4) as usize]
                },
                after_hours: 2 + rng.below(70) as i64,
                upheld,
                refund_percent: 20 + 10 * rng.below(4) as i64,
                decided_after_hours: 3 + rng.below(27) as i64,
                note: if upheld {
                    "经回访核实情况属实，按比例退款并已提醒师傅"
                } else {
                    "经回访与照片核实，服务符合标准，不予退款"
                },
            }
        });
    Visited {
        arrival_minute,
        confirmed_after_minutes,
        review,
        complaint,
    }
}

fn review(rng: &mut Rng, city: &City, days_ago: i64, worker: usize, late: bool) -> Review {
    // A better-rated worker gets more five-star reviews.
    let skill = i64::from(city.workers[worker].rating_tenths) - 46;
    let x = rng.below(100) as i64;
    let rating = if late {
        match x {
            0..15 => 5,
            15..45 => 4,
            45..80 => 3,
            _ => 2,
        }
    } else {
        let five = 70 + 4 * skill;
        match x {
            x if x < five => 5,
            x if x < five + 22 => 4,
            x if x < five + 26 => 3,
            x if x < five + 28 => 2,
            _ => 1,
        }
    };
    let mut tags = vec![];
    if late {
        tags.push("late");
    }
    if rating >= 4 {
        for _ in 0..rng.below(if rating == 5 { 3 } else { 2 }) {
            let t = *rng.pick(&GOOD_TAGS);
            if !(tags.contains(&t) || (late && t == "punctual")) {
                tags.push(t);
            }
        }
    } else if !late || rng.below(2) == 0 {
        let t = *rng.pick(&BAD_TAGS);
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let after_minutes = if days_ago >= 2 {
        5 + rng.below(36 * 60) as i64
    } else {
        5 + rng.below(50) as i64
    };
    // Chosen from what was already drawn, so the demo's random stream (and every figure
    // built on it) stays as it was before texts existed.
    let k = after_minutes as usize + tags.len();
    let texts: &[&'static str] = match rating {
        5 | 4 => &GOOD_TEXTS,
        3 => &MIXED_TEXTS,
        _ => &BAD_TEXTS,
    };
    let text = (!k.is_multiple_of(3) || rating <= 3).then(|| texts[k % texts.len()]);
    Review {
        rating,
        tags,
        after_minutes,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[test]
    fn the_same_seed_and_date_give_the_same_history() {
        let city = crate::city(4);
        let a = history(&city, today(), 10);
        assert_eq!(a, history(&city, today(), 10));
        // A day does not depend on how many days are loaded.
        let longer = history(&city, today(), 20);
        assert_eq!(&longer[longer.len() - a.len()..], &a[..]);
        assert_ne!(a, history(&crate::city(5), today(), 10));
    }

    #[test]
    fn every_day_has_a_realistic_number_of_visits_by_able_free_workers() {
        let city = crate::city(7);
        let all = history(&city, today(), 90);
        for back in 1..=90 {
            let date = today() - chrono::Duration::days(back);
            let n = all.iter().filter(|v| v.date == date).count();
            assert!((20..=40).contains(&n), "{date}: {n} visits");
        }
        for v in &all {
            let item = &city.items[v.item];
            let w = &city.workers[v.worker];
            assert!(item.skills.iter().all(|s| w.skills.contains(s)), "{v:?}");
            let weekday = v.date.weekday().num_days_from_monday() as i16;
            let shift = w.shifts.iter().find(|s| s.weekday == weekday).unwrap();
            assert!(v.start_minute >= shift.start_minute && v.start_minute % 30 == 0);
            assert!(
                v.start_minute + WINDOW_MIN + item.base_duration_min + item.buffer_min
                    <= shift.end_minute
            );
            assert!(v.customer < city.customers.len());
            assert!(v.address < city.customers[v.customer].addresses.len());
            assert!(v.dispatch_minutes_before >= 120);
            assert!(v.dispatch_minutes_before < v.placed_minutes_before - v.paid_after_minutes);
        }
        // No worker has two visits at once on a day.
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                if a.date == b.date && a.worker == b.worker {
                    let end = |v: &PastVisit| {
                        let it = &city.items[v.item];
                        v.start_minute + WINDOW_MIN + it.base_duration_min + it.buffer_min
                    };
                    assert!(end(a) <= b.start_minute || end(b) <= a.start_minute);
                }
            }
        }
    }

    #[test]
    fn the_history_has_mostly_good_ratings_some_complaints_and_cancellations_of_each_kind() {
        let city = crate::city(20261125);
        let all = history(&city, today(), 90);
        let visited: Vec<&Visited> = all
            .iter()
            .filter_map(|v| match &v.outcome {
                Outcome::Completed(x) => Some(x),
                _ => None,
            })
            .collect();
        let reviews: Vec<&Review> = visited.iter().filter_map(|v| v.review.as_ref()).collect();
        let good = reviews.iter().filter(|r| r.rating >= 4).count();
        assert!(
            good * 100 >= reviews.len() * 80,
            "{good} of {}",
            reviews.len()
        );
        assert!(reviews.iter().any(|r| r.rating <= 2 && !r.tags.is_empty()));
        let complaints: Vec<&Complaint> = visited
            .iter()
            .filter_map(|v| v.complaint.as_ref())
            .collect();
        assert!(complaints.iter().any(|c| c.upheld) && complaints.iter().any(|c| !c.upheld));
        assert!(complaints.len() * 50 < visited.len(), "a few complaints");
        assert!(
            visited
                .iter()
                .any(|v| v.arrival_minute > i64::from(WINDOW_MIN))
        );
        let count = |f: fn(&Outcome) -> bool| all.iter().filter(|v| f(&v.outcome)).count();
        assert!(count(|o| matches!(o, Outcome::CustomerCancelled { .. })) > 20);
        assert!(count(|o| matches!(o, Outcome::WorkerCancelled { .. })) > 5);
        assert!(count(|o| matches!(o, Outcome::NoShow)) > 3);
        assert!(visited.len() * 10 > all.len() * 8, "most are completed");
    }
}
