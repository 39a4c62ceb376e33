//! Slot search on hand-made days: travel between visits, shift edges to the second, the
//! break, skills, reach, pending visits taking capacity, overbooked days.

use daojia_domain::geo::LatLng;
use daojia_domain::slots::{DayPlan, Job, Pending, Shift, Visit, WorkerDay};
use daojia_domain::travel::TravelTime;
use uuid::Uuid;

/// Travel at a fixed 1 second per metre north-south: easy to reason about.
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

fn worker(
    n: u128,
    home_km: f64,
    shift: (i64, i64),
    rest: Option<(i64, i64)>,
    visits: Vec<Visit>,
) -> WorkerDay {
    WorkerDay {
        worker: Uuid::from_u128(1000 + n),
        home: p(home_km),
        skills: vec!["clean".into()],
        shift: Shift {
            start: shift.0,
            end: shift.1,
            rest,
        },
        visits,
    }
}

fn job(km: f64, dur: i64) -> Job {
    Job {
        at: p(km),
        duration: dur,
        skills: vec!["clean".into()],
        reach_m: f64::INFINITY,
    }
}

fn hourly(from: i64, to: i64) -> Vec<(i64, i64)> {
    (0..)
        .map(|i| from + i * 30 * M)
        .take_while(|s| *s + H <= to)
        .map(|s| (s, s + H))
        .collect()
}

fn avail(plan: &DayPlan, j: &Job, w: &[(i64, i64)]) -> Vec<bool> {
    plan.availability(&Straight, j, w)
        .into_iter()
        .map(|x| x.is_some())
        .collect()
}

#[test]
fn an_empty_day_is_open_from_the_first_reachable_window_until_the_shift_end() {
    // Home 1 km (1000 s = 16:40) away; shift 8:00–18:00; a 2-hour job.
    let plan = DayPlan::build(
        vec![worker(1, 1.0, (8 * H, 18 * H), None, vec![])],
        vec![],
        &Straight,
    );
    let w = hourly(7 * H, 19 * H);
    let a = avail(&plan, &job(0.0, 2 * H), &w);
    for (i, (s, e)) in w.iter().enumerate() {
        // Arrival 8:16:40 must be by the window end; the job must end by 18:00.
        let expect = *e >= 8 * H + 1000 && (*s).max(8 * H + 1000) + 2 * H <= 18 * H;
        assert_eq!(a[i], expect, "window {}:{:02}", s / H, s % H / M);
    }
    // 7:00–8:00 is too early (arrival 8:16), 7:30–8:30 is fine, 16:00 is the last.
    assert!(!a[0] && a[1]);
    assert_eq!(w[a.iter().rposition(|x| *x).unwrap()].0, 16 * H);
    // `fits` agrees with `availability` on every window.
    for (i, (s, e)) in w.iter().enumerate() {
        assert_eq!(
            plan.fits(&Straight, &job(0.0, 2 * H), *s, *e).is_some(),
            a[i]
        );
    }
}

#[test]
fn travel_between_visits_closes_the_windows_around_a_booking() {
    // One booking 5 km away at 12:00–13:00 (exactly 12:00 start), 1 hour.
    let booked = visit(1, 5.0, 12 * H, 12 * H, H);
    let plan = DayPlan::build(
        vec![worker(1, 0.0, (8 * H, 20 * H), None, vec![booked])],
        vec![],
        &Straight,
    );
    let w = hourly(8 * H, 20 * H);
    let j = job(0.0, H);
    let a = avail(&plan, &j, &w);
    let at = |h: i64, m: i64| a[w.iter().position(|x| x.0 == h * H + m * M).unwrap()];
    // Before: the job at 0 km must end and leave 5000 s (1:23:20) to be at 12:00.
    // Start by 9:36:40: the 9:30 window (start at 9:30) works; 10:00 does not.
    assert!(at(9, 30));
    assert!(!at(10, 0));
    assert!(!at(11, 0));
    // After: the booking ends 13:00, travel back 5000 s: arrival 14:23:20.
    // Windows ending before that are closed; 13:30–14:30 is open.
    assert!(!at(13, 0));
    assert!(at(13, 30));
    assert!(at(18, 0));
    assert!(at(19, 0), "ends with the shift");
}

#[test]
fn the_break_comes_between_visits_up_to_two_hours_after_its_set_start() {
    // Break 12:00–13:00, home at the job.
    let plan = DayPlan::build(
        vec![worker(
            1,
            0.0,
            (8 * H, 18 * H),
            Some((12 * H, 13 * H)),
            vec![],
        )],
        vec![],
        &Straight,
    );
    let j = job(0.0, 2 * H);
    let ok = |j: &Job, s: i64| plan.fits(&Straight, j, s, s + H).is_some();
    assert!(ok(&j, 10 * H), "10:00–12:00, then the break");
    // 11:00–13:00 runs into the set break: the break follows, 13:00–14:00.
    assert!(ok(&j, 11 * H));
    // 12:00–14:00, the break at 14:00, the latest it may start.
    assert!(ok(&j, 12 * H));
    // 12:30–14:30 runs past the break's latest start (14:00): started by then, it defers
    // the break to its end (14:30–15:30).
    assert!(ok(&j, 12 * H + 30 * M));
    assert!(ok(&j, 16 * H));
    assert!(!ok(&j, 16 * H + 30 * M), "would end 18:30");
    // No visit is in progress during the break: a visit of 4 h 45 at 9:00 ends at 13:45
    // and the break follows; at 9:30 it ends 14:15, after the break's latest start, and
    // the break follows it there (deferred: it started by 14:00).
    let long = job(0.0, 4 * H + 45 * M);
    assert!(ok(&long, 9 * H));
    assert!(ok(&long, 9 * H + 30 * M));
    assert!(ok(&long, 13 * H), "after the break");
    // Five hours or more hold the break: from 9:30 to 14:30 with no break of its own.
    assert!(ok(&job(0.0, 5 * H), 9 * H + 30 * M));
    // The break ends by the shift end: with the shift ending at 14:30 it starts by 13:30,
    // so 11:30 (ends 13:30) is the last window before it.
    let plan = DayPlan::build(
        vec![worker(
            1,
            0.0,
            (8 * H, 14 * H + 30 * M),
            Some((12 * H, 13 * H)),
            vec![],
        )],
        vec![],
        &Straight,
    );
    assert!(
        plan.fits(&Straight, &j, 11 * H + 30 * M, 12 * H + 30 * M)
            .is_some()
    );
    assert!(
        plan.fits(&Straight, &j, 12 * H, 13 * H).is_none(),
        "the break first, then 13:00–15:00 is past 14:30"
    );
}

#[test]
fn the_break_is_taken_where_the_worker_is_and_travel_follows_it() {
    // A visit at 0 km ends 11:40; the next job is 1 km away (1000 s) and takes 4 h 30,
    // so the break cannot follow it (from 13:00 it ends 17:30, the break would end past
    // the shift end). The worker takes the break after the first visit (12:00–13:00, at
    // 0 km), then travels: arrival 13:16:40.
    let booked = visit(1, 0.0, 10 * H + 40 * M, 10 * H + 40 * M, H);
    let plan = DayPlan::build(
        vec![worker(
            1,
            0.0,
            (8 * H, 18 * H),
            Some((12 * H, 13 * H)),
            vec![booked],
        )],
        vec![],
        &Straight,
    );
    let j = job(1.0, 4 * H + 30 * M);
    assert!(
        plan.fits(&Straight, &j, 13 * H, 13 * H + 5 * M).is_none(),
        "no travel before the break to wait at the door"
    );
    assert!(plan.fits(&Straight, &j, 13 * H, 13 * H + 20 * M).is_some());
}

#[test]
fn the_shift_edges_hold() {
    let plan = DayPlan::build(
        vec![worker(1, 0.0, (9 * H, 17 * H), None, vec![])],
        vec![],
        &Straight,
    );
    let j = job(0.0, 2 * H);
    assert!(
        plan.fits(&Straight, &j, 8 * H, 9 * H).is_some(),
        "starts at 9:00, the window end"
    );
    assert!(
        plan.fits(&Straight, &j, 7 * H, 8 * H).is_none(),
        "before the shift"
    );
    assert!(
        plan.fits(&Straight, &j, 15 * H, 16 * H).is_some(),
        "ends 17:00 exactly"
    );
    assert!(
        plan.fits(&Straight, &j, 15 * H + 1, 16 * H).is_none(),
        "one second too late"
    );
}

#[test]
fn skills_decide_who_counts() {
    let mut w = worker(1, 0.0, (8 * H, 18 * H), None, vec![]);
    w.skills = vec!["repair".into()];
    let plan = DayPlan::build(vec![w], vec![], &Straight);
    assert!(plan.fits(&Straight, &job(0.0, H), 10 * H, 11 * H).is_none());
    let mut j = job(0.0, H);
    j.skills = vec!["repair".into()];
    assert!(plan.fits(&Straight, &j, 10 * H, 11 * H).is_some());
    j.skills.clear();
    assert!(plan.fits(&Straight, &j, 10 * H, 11 * H).is_some());
}

#[test]
fn pending_visits_take_capacity() {
    // One worker, 8:00–12:00; a pending 3-hour visit 9:00–10:00 leaves no room for
    // another 2-hour job in any window.
    let pending = Pending {
        visit: visit(7, 0.0, 9 * H, 10 * H, 3 * H),
        skills: vec!["clean".into()],
    };
    let plan = DayPlan::build(
        vec![worker(1, 0.0, (8 * H, 12 * H), None, vec![])],
        vec![pending.clone()],
        &Straight,
    );
    assert!(plan.unplaced().is_empty());
    assert_eq!(plan.tentative().count(), 1);
    let j = job(0.0, 2 * H);
    assert!(avail(&plan, &j, &hourly(8 * H, 12 * H)).iter().all(|x| !x));
    // A second pending visit that cannot fit is reported, not squeezed in.
    let plan = DayPlan::build(
        vec![worker(1, 0.0, (8 * H, 12 * H), None, vec![])],
        vec![
            pending.clone(),
            Pending {
                visit: visit(8, 0.0, 9 * H, 10 * H, H),
                ..pending
            },
        ],
        &Straight,
    );
    assert_eq!(plan.unplaced(), &[Uuid::from_u128(8)]);
}

#[test]
fn an_insertion_may_not_push_a_later_visit_out_of_its_window() {
    // Booking at 10:00 sharp (0 km), 1 h. A 1-hour job at 0 km in 8:30–9:30 fits
    // (starts 8:30, ends 9:30); in 9:30–10:30 it would start 9:30, end 10:30 and push
    // the booking to 10:30, past its window: refused, but after it (11:00) is fine.
    let booked = visit(1, 0.0, 10 * H, 10 * H, H);
    let plan = DayPlan::build(
        vec![worker(1, 0.0, (8 * H, 18 * H), None, vec![booked])],
        vec![],
        &Straight,
    );
    let j = job(0.0, H);
    assert!(
        plan.fits(&Straight, &j, 8 * H + 30 * M, 9 * H + 30 * M)
            .is_some()
    );
    assert!(
        plan.fits(&Straight, &j, 9 * H + 30 * M, 10 * H + 30 * M)
            .is_none()
    );
    assert!(plan.fits(&Straight, &j, 11 * H, 12 * H).is_some());
}

#[test]
fn an_overbooked_day_does_not_block_what_still_fits() {
    // Two bookings staff put at the same time: the second is already late. A job after
    // both still fits; one before them (pushing them later) does not.
    let a = visit(1, 0.0, 10 * H, 10 * H, H);
    let b = visit(2, 0.0, 10 * H, 10 * H, H);
    let plan = DayPlan::build(
        vec![worker(1, 0.0, (8 * H, 18 * H), None, vec![a, b])],
        vec![],
        &Straight,
    );
    let j = job(0.0, H);
    assert!(plan.fits(&Straight, &j, 13 * H, 14 * H).is_some());
    assert!(
        plan.fits(&Straight, &j, 9 * H + 30 * M, 10 * H + 30 * M)
            .is_none()
    );
}

#[test]
fn another_worker_takes_what_one_cannot() {
    let busy = worker(
        1,
        0.0,
        (8 * H, 18 * H),
        None,
        vec![visit(1, 0.0, 8 * H, 8 * H, 10 * H)],
    );
    let free = worker(2, 3.0, (8 * H, 18 * H), None, vec![]);
    let plan = DayPlan::build(vec![busy, free], vec![], &Straight);
    assert_eq!(
        plan.fits(&Straight, &job(0.0, H), 10 * H, 11 * H),
        Some(Uuid::from_u128(1002))
    );
    assert_eq!(plan.workers(), 2);
    // Out of reach: the free worker's home is 3 km away.
    let mut j = job(0.0, H);
    j.reach_m = 2_000.0;
    assert_eq!(plan.fits(&Straight, &j, 10 * H, 11 * H), None);
}

fn skilled(mut w: WorkerDay, skills: &[&str]) -> WorkerDay {
    w.skills = skills.iter().map(|s| s.to_string()).collect();
    w
}

fn trade(skill: &str) -> Job {
    Job {
        skills: vec![skill.into()],
        ..job(1.0, H)
    }
}

#[test]
fn the_visits_of_one_order_each_get_a_different_worker_in_the_window() {
    let day = (8 * H, 18 * H);
    let both = skilled(worker(1, 0.0, day, None, vec![]), &["a", "b"]);
    let only_a = skilled(worker(2, 0.0, day, None, vec![]), &["a"]);
    let only_c = skilled(worker(3, 0.0, day, None, vec![]), &["c"]);
    let jobs = [trade("a"), trade("b"), trade("c")];
    let (ws, we) = (10 * H, 11 * H);

    // The first fitting worker for `a` is the one who alone can do `b`: the matching moves
    // `a` to the other worker rather than give up.
    let plan = DayPlan::build(
        vec![both.clone(), only_a, only_c.clone()],
        vec![],
        &Straight,
    );
    let got = plan.fits_all(&Straight, &jobs, ws, we).unwrap();
    assert_eq!(
        got,
        [1002, 1001, 1003].map(Uuid::from_u128),
        "a: the second, b: the first, c: the third"
    );
    assert_eq!(plan.availability_all(&Straight, &jobs, &[(ws, we)]), [true]);

    // With one worker for both `a` and `b`, `b` is left without one.
    let plan = DayPlan::build(vec![both, only_c], vec![], &Straight);
    assert_eq!(plan.fits_all(&Straight, &jobs, ws, we), Err(1));
    assert_eq!(
        plan.availability_all(&Straight, &jobs, &[(ws, we)]),
        [false]
    );
    // A trade nobody has is named before any matching.
    assert_eq!(
        plan.fits_all(&Straight, &[trade("a"), trade("z")], ws, we),
        Err(1)
    );
}
