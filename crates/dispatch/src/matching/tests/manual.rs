//! Conflicts of a manual assignment.

use super::*;

#[test]
fn a_manual_assignment_that_fits_has_no_conflicts() {
    assert!(conflicts(&worker(1), &order(), &TravelModel::default(), now()).is_empty());
}

#[test]
fn a_manual_assignment_lists_overlap_late_arrival_and_missing_skill_together() {
    let mut w = worker(1);
    w.skills.clear();
    w.jobs = vec![job(5, near(0.1, 0.0), at(9), at(9), 3 * H)];
    let found = conflicts(&w, &order(), &TravelModel::default(), now());
    let codes: Vec<&str> = found.iter().map(Conflict::code).collect();
    assert_eq!(codes, vec!["qualification", "overlap", "late_arrival"]);
    assert!(matches!(&found[1], Conflict::Overlap { order } if *order == Uuid::from_u128(5)));
    assert!(matches!(found[2], Conflict::LateArrival { late_by_s, .. } if late_by_s > 3600));
}

#[test]
fn a_manual_assignment_that_delays_a_later_job_names_it() {
    let mut w = worker(1);
    w.shift = Some(Shift {
        start: at(8),
        end: at(20),
        rest: None,
    });
    w.jobs = vec![job(6, near(0.15, 0.0), at(12), at(12), H)];
    let found = conflicts(&w, &order(), &TravelModel::default(), now());
    assert!(
        matches!(found.as_slice(), [Conflict::DelaysJob { order, late_by_s }] if *order == Uuid::from_u128(6) && *late_by_s > 0),
        "{found:?}"
    );
}

#[test]
fn a_manual_assignment_to_a_worker_off_work_and_out_of_area_says_so() {
    let mut w = worker(1);
    w.shift = None;
    w.status = WorkerStatus::Suspended;
    w.areas.clear();
    w.jobs_today = 9;
    let codes: Vec<&str> = conflicts(&w, &order(), &TravelModel::default(), now())
        .iter()
        .map(Conflict::code)
        .collect();
    assert_eq!(
        codes,
        vec!["not_active", "outside_area", "daily_limit", "no_shift"]
    );
}

#[test]
fn a_manual_assignment_that_runs_past_the_shift_end_says_by_how_much() {
    let mut w = worker(1);
    w.shift = Some(Shift {
        start: at(8),
        end: at(11),
        rest: None,
    });
    let found = conflicts(&w, &order(), &TravelModel::default(), now());
    assert_eq!(found, vec![Conflict::PastShiftEnd { over_by_s: H }]);
    assert_eq!(
        serde_json::to_value(&found[0]).expect("serialise")["code"],
        "past_shift_end"
    );
}

#[test]
fn an_assignment_that_keeps_every_window_but_leaves_no_room_for_the_break_says_so() {
    // 12:00-14:00 starts before the break's latest start (14:00) and defers the break to
    // 14:00-15:00; an order 5 km off at 15:00 sharp is reached in time only by skipping
    // the break, and without travel it would fit after the break.
    let mut w = worker(1);
    w.shift = Some(Shift {
        start: at(8),
        end: at(18),
        rest: Some((at(12), at(13))),
    });
    w.jobs = vec![job(7, w.home, at(12), at(12), 2 * H)];
    let mut o = order();
    o.at = near(0.05, 0.0);
    o.window_start = at(15);
    o.window_end = at(15);
    o.duration = H;
    let tt = TravelModel::default();
    let found = conflicts(&w, &o, &tt, now());
    assert_eq!(found, vec![Conflict::NoBreak]);
    assert_eq!(reason(&w, &o), Reason::NoBreak);
}

#[test]
fn a_manual_assignment_to_a_worker_without_the_deposit_lists_it() {
    let w = worker(1);
    let mut o = order();
    o.deposit_required = Some(20_000);
    let found = conflicts(&w, &o, &TravelModel::default(), now());
    assert_eq!(
        found,
        vec![Conflict::DepositTooLow {
            required: 20_000,
            lodged: 0
        }]
    );
    o.deposit_required = None;
    assert!(conflicts(&w, &o, &TravelModel::default(), now()).is_empty());
}
