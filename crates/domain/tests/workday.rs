//! The one model of a worker's day: the break rule, where the break goes, the insertion the
//! dispatch engine asks for, and the two-label check against brute force over every place
//! of the break.

use daojia_domain::geo::LatLng;
use daojia_domain::travel::TravelTime;
use daojia_domain::workday::{
    BREAK_DELAY, BreakRule, DayTravel, NewVisit, Shift, Stop, Visit, Workday, insertion,
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
    // 9:00–15:00 without a pause: the break would start past 14:00.
    let day = Workday::new(
        p(0.0),
        lunch(8 * H, 18 * H),
        vec![visit(1, 0.0, 9 * H, 9 * H, 6 * H)],
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
    // A 3-hour job at 11:30 would end 14:30, past the break's latest start: the break
    // comes first (12:00–13:00 at the first visit's place), then the leg, so it starts
    // at 13:33:20 and its window must allow that.
    let long = NewVisit {
        at: p(2.0),
        duration: 3 * H,
    };
    assert_eq!(
        insertion(&day, &long, (12 * H + 30 * M, 13 * H), &travel()),
        None
    );
    let ins = insertion(&day, &long, (12 * H + 30 * M, 14 * H), &travel()).unwrap();
    assert!(ins.after_break);
    assert_eq!(ins.arrive, 13 * H + 2000);
    assert_eq!(ins.start, 13 * H + 2000);
    // The new visit inserted, the day keeps every rule.
    let mut day = day;
    day.insert(
        ins.position,
        visit(3, 2.0, 12 * H + 30 * M, 14 * H, 3 * H),
        &travel(),
    );
    assert!(day.is_feasible());
}

/// Brute force: the schedule with the break before visit `g` (`g == n`: after the last),
/// or no break at all when the shift has none; true when one of them keeps every rule.
fn brute_feasible(home: LatLng, shift: Shift, visits: &[Visit]) -> bool {
    let rule = shift.break_rule();
    let n = visits.len();
    if n == 0 {
        return true;
    }
    let gaps: Vec<Option<usize>> = match rule {
        None => vec![None],
        Some(_) => (0..=n).map(Some).collect(),
    };
    gaps.into_iter().any(|gap| {
        let (mut ready, mut at) = (shift.start, home);
        let rest = |ready: i64| {
            let b = rule.expect("a rule");
            let start = ready.max(b.earliest);
            (start <= b.latest).then_some(start + b.duration)
        };
        for (k, v) in visits.iter().enumerate() {
            if gap == Some(k) {
                match rest(ready) {
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
        }
        gap != Some(n) || rest(ready).is_some()
    })
}

fn arb_visit() -> impl Strategy<Value = (f64, i64, i64, i64)> {
    (0.0..6.0f64, 7 * 4..19 * 4i64, 0..9i64, 1..14i64)
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
