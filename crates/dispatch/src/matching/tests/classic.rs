//! The classic baseline: nearest free worker by booked times, blind to travel.

use super::*;

#[test]
fn the_classic_baseline_takes_the_nearest_free_worker_even_when_travel_makes_them_late() {
    // Worker 1 is nearest but booked 10:00–12:00: not free. Worker 2 ends a job far away at
    // 10:00 exactly: free by the booked times, so the baseline picks them although they
    // cannot be at the door by 11:00; the engine does not.
    let mut booked = worker(1);
    booked.jobs = vec![job(9, HOME, at(10), at(11), 2 * H)];
    let mut far_job = worker(2);
    far_job.presence.at = near(0.005, 0.0);
    far_job.jobs = vec![job(8, near(0.6, 0.6), at(8), at(9), 2 * H)];
    let mut farther = worker(3);
    farther.presence.at = near(0.05, 0.0);
    let p = pool(vec![booked, far_job, farther]);
    let tt = TravelModel::default();
    let d = NearestFree::default().decide(&p, &order(), &tt, now());
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(ids, vec![2, 3]);
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(1))),
        Some(&Reason::NoFreeTime)
    );
    let e = Engine::default().decide(&p, &order(), &tt, now());
    assert!(e.ranked.iter().all(|c| c.worker.0.as_u128() != 2));
}

#[test]
fn the_classic_baseline_keeps_to_the_shift_and_the_hard_rules() {
    let mut early = worker(1);
    early.shift = Some(daojia_domain::slots::Shift {
        start: at(8),
        end: at(11),
        rest: None,
    });
    let mut off = worker(2);
    off.presence.online = false;
    let d = NearestFree::default().decide(
        &pool(vec![early, off]),
        &order(),
        &TravelModel::default(),
        now(),
    );
    assert!(d.ranked.is_empty());
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(1))),
        Some(&Reason::OutsideShift)
    );
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(2))),
        Some(&Reason::Offline)
    );
}
