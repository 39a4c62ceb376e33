//! The one model of a worker's day: the break rule, where the break goes, the insertion the
//! dispatch engine asks for, and the two-label check against brute force over every place
//! of the break.

use daojia_domain::geo::LatLng;
use daojia_domain::travel::TravelTime;
use daojia_domain::workday::{
    BREAK_DELAY, BreakRule, DayTravel, LONG_VISIT, NewVisit, Shift, Stop, Visit, Workday,
    holds_break, insertion,
};
use proptest::prelude::*;
use uuid::Uuid;

/// Travel at 1 second per metre north-south, whatever the hour.
struct Straight;
impl TravelTime for Straight {
    fn seconds(&self, from: LatLng, to: LatLng, _depart: i64) -> i64 {
        ((from.lat - to.lat).abs() * 100_000.0).round() as i64
    }
}

const H: i64 = 3600;
const M: i64 = 60;

fn p(km: f64) -> LatLng {
    LatLng::new(31.0 + km / 100.0, 121.4)
}

fn visit(n: u128, km: f64, ws: i64, we: i64, dur: i64) -> Visit {
    Visit {
        key: Uuid::from_u128(n),
        at: p(km),
        window_start: ws,
        window_end: we,
        duration: dur,
    }
}

fn travel() -> DayTravel<'static> {
    DayTravel::new(&Straight, 0)
}

fn lunch(start: i64, end: i64) -> Shift {
    Shift {
        start,
        end,
        rest: Some((12 * H, 13 * H)),
    }
}

#[test]
fn the_break_rule_is_the_set_break_clipped_to_the_shift_and_at_most_two_hours_late() {
    assert_eq!(
        lunch(8 * H, 18 * H).break_rule(),
        Some(BreakRule {
            earliest: 12 * H,
            latest: 12 * H + BREAK_DELAY,
            duration: H
        })
    );
    // It must end by the shift end.
    assert_eq!(
        lunch(8 * H, 14 * H + 30 * M).break_rule().map(|b| b.latest),
        Some(13 * H + 30 * M)
    );
    // A shift ending at 12:30 keeps half an hour of it; one ending at noon none.
    assert_eq!(
        lunch(8 * H, 12 * H + 30 * M)
            .break_rule()
            .map(|b| b.duration),
        Some(30 * M)
    );
    assert_eq!(lunch(8 * H, 12 * H).break_rule(), None);
    assert_eq!(
        Shift {
            start: 8 * H,
            end: 18 * H,
            rest: None
        }
        .break_rule(),
        None
    );
}

#[test]
fn the_break_goes_where_the_worker_waits_anyway() {
    // 9:00–11:30 at home, then 13:30 at home: the break fills the wait.
    let day = Workday::new(
        p(0.0),
        lunch(8 * H, 18 * H),
        vec![
            visit(1, 0.0, 9 * H, 9 * H, 150 * M),
            visit(2, 0.0, 13 * H + 30 * M, 13 * H + 30 * M, H),
        ],
        &travel(),
    );
    assert!(day.is_feasible());
    let s = day.schedule().expect("a day with its break");
    assert_eq!(
        s[1],
        Stop::Break {
            arrive: 11 * H + 30 * M,
            start: 12 * H,
            finish: 13 * H
        }
    );
    assert!(matches!(s[2], Stop::Visit { start, .. } if start == 13 * H + 30 * M));
}

#[test]
fn a_day_whose_break_cannot_fit_refuses_every_insertion() {
    // 9:00–12:00, 12:00–14:15, 14:15–15:15 back to back: the break cannot come before
    // 12:00, after the first it delays the second, after the second (deferred: it
    // started by 14:00) it delays the third, and after the third it would start past
    // 14:00 after a visit that started past 14:00; none is long enough to hold it.
    let day = Workday::new(
        p(0.0),
        lunch(8 * H, 18 * H),
        vec![
            visit(1, 0.0, 9 * H, 9 * H, 3 * H),
            visit(2, 0.0, 12 * H, 12 * H, 2 * H + 15 * M),
            visit(3, 0.0, 14 * H + 15 * M, 14 * H + 15 * M, H),
        ],
        &travel(),
    );
    assert!(!day.is_feasible());
    assert!(day.schedule().is_none());
    let job = NewVisit {
        at: p(0.0),
        duration: 30 * M,
    };
    assert_eq!(insertion(&day, &job, (16 * H, 17 * H), &travel()), None);
}

#[test]
fn insertion_is_the_cheapest_position_with_the_times_to_promise() {
    // Home at 0 km; a visit at 0 km at 9:00 and one at 4 km in 15:00–17:30, an hour
    // each; shift 8:00–19:00, lunch 12–13.
    let day = Workday::new(
        p(0.0),
        lunch(8 * H, 19 * H),
        vec![
            visit(1, 0.0, 9 * H, 9 * H, H),
            visit(2, 4.0, 15 * H, 17 * H + 30 * M, H),
        ],
        &travel(),
    );
    // A job at 2 km, on the way: between the two, no extra travel.
    let job = NewVisit {
        at: p(2.0),
        duration: H,
    };
    let ins = insertion(&day, &job, (10 * H, 11 * H), &travel()).expect("it fits");
    assert_eq!(ins.position, 1);
    assert_eq!(ins.arrive, 10 * H + 2000);
    assert_eq!(ins.start, 10 * H + 2000);
    assert_eq!(ins.finish, 11 * H + 2000);
    assert_eq!(ins.extra_travel_s, 0);
    assert!(!ins.after_break, "the break comes after it");
    // At 11:30 it would end 12:30; the break at 12:30 is fine, so it stays before it.
    let ins = insertion(&day, &job, (11 * H + 30 * M, 11 * H + 30 * M), &travel()).unwrap();
    assert!(!ins.after_break);
    // A 3-hour job from 12:30 ends at 15:30, past the break's latest start (14:00):
    // started by then, it defers the break to its end (15:30–16:30), and the last visit
    // is still reached inside its window (16:30 and 2,000 s of travel).
    let long = NewVisit {
        at: p(2.0),
        duration: 3 * H,
    };
    let ins = insertion(&day, &long, (12 * H + 30 * M, 14 * H), &travel()).unwrap();
    assert!(!ins.after_break);
    assert_eq!(ins.arrive, 10 * H + 2000);
    assert_eq!(ins.start, 12 * H + 30 * M);
    // The new visit inserted, the day keeps every rule.
    let mut day = day;
    day.insert(
        ins.position,
        visit(3, 2.0, 12 * H + 30 * M, 14 * H, 3 * H),
        &travel(),
    );
    assert!(day.is_feasible());
}

/// The demo's day shift (8:00 to 17:30, lunch 12:00 to 13:00) and its deep clean of
/// 435 minutes: longer than the morning before the break's latest start and than the
/// afternoon, so it is bookable only because it holds the break.
fn demo_day() -> Shift {
    Shift {
        start: 8 * H,
        end: 17 * H + 30 * M,
        rest: Some((12 * H, 13 * H)),
    }
}

#[test]
fn a_deep_clean_of_435_minutes_holds_the_break_and_fits_a_demo_day() {
    let deep = 435 * M;
    assert!(holds_break(deep) && deep >= LONG_VISIT);
    assert!(!holds_break(3 * H + 15 * M));
    let day = Workday::new(p(0.0), demo_day(), vec![], &travel());
    let job = NewVisit {
        at: p(1.0),
        duration: deep,
    };
    // 1 km away: 1,000 s of travel, so an 8:30 start ends at 15:45.
    let ins = insertion(&day, &job, (8 * H + 30 * M, 9 * H + 30 * M), &travel())
        .expect("a deep clean fits a morning window");
    assert_eq!(ins.start, 8 * H + 30 * M);
    assert_eq!(ins.finish, 15 * H + 45 * M);
    assert!(!ins.after_break, "the break is inside the visit");
    // It must still end by the shift end: 10:15 is the last start.
    assert!(insertion(&day, &job, (10 * H + 15 * M, 10 * H + 15 * M), &travel()).is_some());
    assert!(insertion(&day, &job, (10 * H + 16 * M, 10 * H + 30 * M), &travel()).is_none());
    let mut open = [false; 3];
    let windows = [(8 * H, 9 * H), (10 * H, 11 * H), (11 * H, 12 * H)];
    day.mark_windows(&travel(), &job, &windows, &mut open);
    assert_eq!(open, [true, true, false]);

    // Booked, the day has no break stop of its own and still keeps every rule.
    let mut day = day;
    day.insert(
        ins.position,
        visit(1, 1.0, 8 * H + 30 * M, 9 * H + 30 * M, deep),
        &travel(),
    );
    assert!(day.is_feasible());
    let stops = day.schedule().expect("feasible");
    assert_eq!(stops.len(), 1);
    assert!(matches!(stops[0], Stop::Visit { start, .. } if start == 8 * H + 30 * M));
    // After it, a short visit fits without a break (the break was taken inside).
    let short = NewVisit {
        at: p(1.0),
        duration: H,
    };
    let after = insertion(&day, &short, (15 * H + 45 * M, 16 * H), &travel())
        .expect("a visit after the deep clean");
    assert_eq!(after.start, 15 * H + 45 * M);
    assert!(
        after.after_break,
        "the break was taken before it, inside the deep clean"
    );
}

#[test]
fn a_visit_in_progress_at_the_breaks_latest_start_defers_it_to_its_end() {
    // The demo's daily clean (3 h 15) at 12:00 on a demo day: it cannot end before the
    // break's latest start (14:00) and the break cannot come first (not before 12:00):
    // started by 14:00, it takes the break right after it, at 15:15.
    let day = Workday::new(p(0.0), demo_day(), vec![], &travel());
    let at = |d| NewVisit {
        at: p(0.0),
        duration: d,
    };
    let clean = 3 * H + 15 * M;
    let ins = insertion(&day, &at(clean), (12 * H, 13 * H), &travel()).expect("fits");
    assert_eq!(ins.start, 12 * H);
    let mut day = day;
    // Booked to start at 12:00 sharp, the break comes after it.
    day.insert(0, visit(1, 0.0, 12 * H, 12 * H, clean), &travel());
    let stops = day.schedule().expect("feasible");
    assert_eq!(
        stops[1],
        Stop::Break {
            arrive: 15 * H + 15 * M,
            start: 15 * H + 15 * M,
            finish: 16 * H + 15 * M
        }
    );
    // Then the day is full to 16:15: a visit of an hour fits from then to 17:30 only.
    assert!(insertion(&day, &at(H), (16 * H, 16 * H), &travel()).is_none());
    assert!(insertion(&day, &at(H), (16 * H + 15 * M, 16 * H + 30 * M), &travel()).is_some());
    // Alone, a visit from 14:01 has the break first (12:00 at home): it could not defer it.
    let empty = Workday::new(p(0.0), demo_day(), vec![], &travel());
    let late = insertion(&empty, &at(2 * H), (14 * H + M, 14 * H + M), &travel())
        .expect("break at 12:00 at home, then the visit");
    assert!(late.after_break);
    // And the deferred break must still end by the shift end: a clean from 13:00 ends
    // at 16:15, the break at 17:15 is fine; one of 4 h 30 from 13:00 ends at 17:30 and
    // leaves no room for it, nor before it (12:00–13:00 at home, then it starts 13:00).
    assert!(insertion(&empty, &at(clean), (13 * H, 13 * H), &travel()).is_some());
    let full = insertion(&empty, &at(4 * H + 30 * M), (13 * H, 13 * H), &travel())
        .expect("the break at 12:00 at home, the visit from 13:00");
    assert!(full.after_break);
    assert!(
        insertion(
            &empty,
            &at(4 * H + 31 * M),
            (12 * H + 59 * M, 12 * H + 59 * M),
            &travel()
        )
        .is_none()
    );
}

/// Brute force: the schedule with the break before visit `g` (`g == n`: after the last),
/// or no break at all when the shift has none or a long visit holds it; true when one of
/// them keeps every rule.
fn brute_feasible(home: LatLng, shift: Shift, visits: &[Visit]) -> bool {
    let rule = shift.break_rule();
    let n = visits.len();
    if n == 0 {
        return true;
    }
    let held = visits.iter().any(|v| holds_break(v.duration));
    let gaps: Vec<Option<usize>> = match rule {
        None => vec![None],
        Some(_) if held => vec![None],
        Some(_) => (0..=n).map(Some).collect(),
    };
    gaps.into_iter().any(|gap| {
        let (mut ready, mut at) = (shift.start, home);
        // The start of the visit just done (none at home).
        let mut last_start: Option<i64> = None;
        let rest = |ready: i64, last_start: Option<i64>| {
            let b = rule.expect("a rule");
            let start = ready.max(b.earliest);
            let deferred = last_start.is_some_and(|s| s <= b.latest);
            ((start <= b.latest || deferred) && start + b.duration <= shift.end)
                .then_some(start + b.duration)
        };
        for (k, v) in visits.iter().enumerate() {
            if gap == Some(k) {
                match rest(ready, last_start) {
                    Some(r) => ready = r,
                    None => return false,
                }
            }
            let start = (ready + Straight.seconds(at, v.at, 0)).max(v.window_start);
            if start > v.window_end || start + v.duration > shift.end {
                return false;
            }
            ready = start + v.duration;
            at = v.at;
            last_start = Some(start);
        }
        gap != Some(n) || rest(ready, last_start).is_some()
    })
}

fn arb_visit() -> impl Strategy<Value = (f64, i64, i64, i64)> {
    // Mostly up to 3 h 15; some long visits (5 h to 7 h 45) that hold the break.
    let quarters = prop_oneof![4 => 1..14i64, 1 => 20..32i64];
    (0.0..6.0f64, 7 * 4..19 * 4i64, 0..9i64, quarters)
        .prop_map(|(km, q, w, d)| (km, q * 15 * M, w * 15 * M, d * 15 * M))
}

proptest! {
    // Cheap cases; the rare ones (the only place left is after the break's latest start)
    // need many.
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn the_two_label_check_agrees_with_trying_every_place_of_the_break(
        home in 0.0..6.0f64,
        start_q in 7 * 4..10 * 4i64,
        len_q in 16..44i64,
        rest in prop::option::of((11 * 4..18 * 4i64, 2..6i64)),
        visits in prop::collection::vec(arb_visit(), 0..6),
        new in arb_visit(),
    ) {
        let shift = Shift {
            start: start_q * 15 * M,
            end: (start_q + len_q) * 15 * M,
            rest: rest.map(|(s, l)| (s * 15 * M, (s + l) * 15 * M)),
        };
        // A feasible day built by insertions, as booking builds it.
        let mut day = Workday::new(p(home), shift, vec![], &travel());
        for (i, (km, ws, w, d)) in visits.iter().enumerate() {
            let job = NewVisit { at: p(*km), duration: *d };
            if let Some(ins) = insertion(&day, &job, (*ws, ws + w), &travel()) {
                day.insert(ins.position, visit(i as u128, *km, *ws, ws + w, *d), &travel());
            }
        }
        prop_assert!(day.is_feasible());
        prop_assert!(brute_feasible(p(home), shift, day.visits()));
        let (km, ws, w, d) = new;
        let job = NewVisit { at: p(km), duration: d };
        let mut anywhere = false;
        for pos in 0..=day.visits().len() {
            let mut with = day.visits().to_vec();
            with.insert(pos, visit(99, km, ws, ws + w, d));
            let expect = brute_feasible(p(home), shift, &with);
            anywhere |= expect;
            prop_assert_eq!(day.fits_at(&travel(), pos, &job, (ws, ws + w)), expect, "position {}", pos);
            prop_assert_eq!(day.insertion_at(&travel(), pos, &job, (ws, ws + w)).is_some(), expect);
            if let Some(ins) = day.insertion_at(&travel(), pos, &job, (ws, ws + w)) {
                // The start told is inside the window, and so is the start in the day's
                // schedule once the visit is inserted.
                prop_assert!(ins.start >= ws && ins.start <= ws + w);
                prop_assert_eq!(ins.finish, ins.start + d);
                let after = Workday::new(p(home), shift, with, &travel());
                let s = after.schedule().expect("feasible");
                let got = s.iter().find_map(|x| match x {
                    Stop::Visit { key, start, .. } if *key == Uuid::from_u128(99) => Some(*start),
                    _ => None,
                });
                prop_assert!(got.is_some_and(|g| g >= ws && g <= ws + w), "schedule {:?}", got);
            }
        }
        // The whole-day answer for windows agrees, for this window among others.
        let windows = [(ws - H, ws - H + w), (ws, ws + w), (ws + H, ws + H + w)];
        let mut open = [false; 3];
        day.mark_windows(&travel(), &job, &windows, &mut open);
        prop_assert_eq!(open[1], anywhere);
    }
}
