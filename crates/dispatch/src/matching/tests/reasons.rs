//! Each rejection reason, from the rule that gives it.

use super::*;

#[test]
fn a_free_qualified_worker_nearby_fits_the_order() {
    let tt = TravelModel::default();
    let fit = check_worker(&worker(1), &order(), &Settings::default(), &tt, now()).expect("fits");
    assert_eq!(fit.insertion.position, 0);
    assert_eq!(fit.insertion.times.start, at(10));
    assert!(fit.insertion.travel_to_s > 0);
}

#[test]
fn a_suspended_worker_is_rejected_as_suspended() {
    let mut w = worker(1);
    w.status = WorkerStatus::Suspended;
    assert_eq!(reason(&w, &order()), Reason::Suspended);
}

#[test]
fn a_worker_still_onboarding_is_rejected_as_not_active() {
    let mut w = worker(1);
    w.status = WorkerStatus::Onboarding;
    assert_eq!(
        reason(&w, &order()),
        Reason::NotActive {
            status: WorkerStatus::Onboarding
        }
    );
}

#[test]
fn an_offline_worker_is_rejected_as_offline() {
    let mut w = worker(1);
    w.presence.online = false;
    assert_eq!(reason(&w, &order()), Reason::Offline);
}

#[test]
fn a_worker_pausing_offers_is_rejected_as_not_accepting() {
    let mut w = worker(1);
    w.presence.accepting = false;
    assert_eq!(reason(&w, &order()), Reason::NotAccepting);
}

#[test]
fn a_worker_who_declined_the_order_is_not_offered_it_again() {
    let w = worker(1);
    let mut o = order();
    o.excluded.push(w.id);
    assert_eq!(reason(&w, &o), Reason::Declined);
}

#[test]
fn a_worker_of_another_area_is_rejected_as_outside_the_area() {
    let mut w = worker(1);
    w.areas = vec![Uuid::from_u128(5)];
    assert_eq!(reason(&w, &order()), Reason::OutsideArea);
}

#[test]
fn a_worker_without_the_skill_is_rejected_for_the_missing_skill() {
    let mut w = worker(1);
    w.skills[0].code = "plumbing".into();
    assert_eq!(
        reason(&w, &order()),
        Reason::MissingSkill {
            skill: "clean".into()
        }
    );
}

#[test]
fn a_worker_below_the_level_is_rejected_with_both_levels() {
    let w = worker(1);
    let mut o = order();
    o.requirements[0].min_level = 3;
    assert_eq!(
        reason(&w, &o),
        Reason::SkillLevelTooLow {
            skill: "clean".into(),
            level: 2,
            required: 3
        }
    );
}

#[test]
fn a_worker_without_a_required_certificate_is_rejected() {
    let mut w = worker(1);
    w.certificates.clear();
    assert_eq!(
        reason(&w, &order()),
        Reason::MissingCertificate {
            skill: "clean".into()
        }
    );
}

#[test]
fn a_certificate_that_expires_before_the_visit_ends_does_not_count() {
    let mut w = worker(1);
    let expires = Utc.timestamp_opt(at(12), 0).single().expect("time");
    w.certificates[0].expires_at = expires;
    assert_eq!(
        reason(&w, &order()),
        Reason::CertificateExpired {
            skill: "clean".into(),
            expires_at: expires
        }
    );
    // A skill that needs no certificate does not look at it.
    let mut o = order();
    o.requirements[0].certificate = false;
    assert!(check_worker(&w, &o, &Settings::default(), &TravelModel::default(), now()).is_ok());
}

#[test]
fn a_worker_at_the_daily_limit_is_rejected() {
    let mut w = worker(1);
    w.jobs_today = 6;
    assert_eq!(
        reason(&w, &order()),
        Reason::DailyLimitReached { jobs: 6, limit: 6 }
    );
}

#[test]
fn a_worker_beyond_reach_is_rejected_as_too_far() {
    let mut w = worker(1);
    w.presence.at = near(0.5, 0.0);
    assert!(
        matches!(reason(&w, &order()), Reason::TooFar { distance_m, .. } if distance_m > 50_000.0)
    );
}

#[test]
fn a_worker_off_that_day_is_rejected_for_no_shift() {
    let mut w = worker(1);
    w.shift = None;
    assert_eq!(reason(&w, &order()), Reason::NoShift);
}

#[test]
fn an_order_after_the_shift_is_rejected_as_outside_the_shift() {
    let mut w = worker(1);
    w.shift = Some(Shift {
        start: at(13),
        end: at(17),
        rest: None,
    });
    let mut o = order();
    o.window_start = at(16);
    o.window_end = at(17);
    assert_eq!(reason(&w, &o), Reason::OutsideShift);
}

#[test]
fn a_day_already_full_in_the_window_leaves_no_free_time() {
    let mut w = worker(1);
    w.jobs = vec![job(1, HOME, at(9), at(9), 4 * H)];
    assert_eq!(reason(&w, &order()), Reason::NoFreeTime);
}

#[test]
fn travel_from_the_previous_job_that_makes_the_start_late_is_a_late_arrival() {
    let mut w = worker(1);
    // A job ending at 10:00 about 20 km away: the order's window ends at 10:10.
    w.jobs = vec![job(1, near(0.18, 0.0), at(8), at(8), 2 * H)];
    let mut o = order();
    o.window_end = at(10) + 600;
    assert!(
        matches!(reason(&w, &o), Reason::LateArrival { window_end, .. } if window_end == o.window_end)
    );
}

#[test]
fn an_order_whose_travel_delays_the_next_job_is_rejected_naming_that_job() {
    let mut w = worker(1);
    // The next job at 12:00 sharp, far away: without travel it would still fit.
    w.shift = Some(Shift {
        start: at(8),
        end: at(18),
        rest: None,
    });
    w.jobs = vec![job(9, near(0.15, 0.0), at(12), at(12), H)];
    assert_eq!(
        reason(&w, &order()),
        Reason::DelaysNext {
            order: Uuid::from_u128(9)
        }
    );
}

#[test]
fn travel_that_pushes_the_end_past_the_shift_is_rejected_as_past_shift_end() {
    let mut w = worker(1);
    w.shift = Some(Shift {
        start: at(8),
        end: at(12) + 600,
        rest: None,
    });
    w.home = near(0.12, 0.0);
    w.jobs = vec![job(3, near(0.12, 0.0), at(8), at(8), 2 * H)];
    let mut o = order();
    o.window_end = at(11) + 1800;
    // Ready at 10:00 some 12 km off: starts near 11:00 (legs timed at the shift's slowest
    // hour), ends after 12:10.
    let r = reason(&w, &o);
    assert!(matches!(r, Reason::PastShiftEnd { .. }), "{r:?}");
}

#[test]
fn a_worker_without_grab_rights_does_not_see_the_grab_pool() {
    let mut w = worker(1);
    w.grab_rights = false;
    let r = can_grab(
        &w,
        &order(),
        &Settings::default(),
        &TravelModel::default(),
        now(),
    );
    assert_eq!(r.map(|_| ()), Err(Reason::NoGrabRights));
}

#[test]
fn reasons_serialise_with_their_stable_codes() {
    let r = Reason::SkillLevelTooLow {
        skill: "clean".into(),
        level: 1,
        required: 2,
    };
    let json = serde_json::to_value(&r).expect("serialise");
    assert_eq!(json["code"], "skill_level_too_low");
    assert_eq!(json["code"], r.code());
    assert_eq!(
        serde_json::to_value(Reason::Declined).expect("serialise")["code"],
        "declined"
    );
    let back: Reason = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, r);
}

#[test]
fn a_worker_whose_deposit_is_below_the_orders_tier_is_rejected_as_deposit_too_low() {
    let mut w = worker(1);
    w.deposit = 49_999;
    let mut o = order();
    o.deposit_required = Some(50_000);
    assert_eq!(
        reason(&w, &o),
        Reason::DepositTooLow {
            required: 50_000,
            lodged: 49_999
        }
    );
    assert_eq!(reason(&w, &o).code(), "deposit_too_low");
    w.deposit = 50_000;
    let tt = TravelModel::default();
    assert!(check_worker(&w, &o, &Settings::default(), &tt, now()).is_ok());
}

#[test]
fn the_grab_pool_refuses_a_worker_whose_deposit_is_too_low() {
    let mut w = worker(1);
    let mut o = order();
    o.deposit_required = Some(1);
    assert_eq!(
        feasibility::qualifies(&w, &o, feasibility::Flow::Grab, now()),
        Err(Reason::DepositTooLow {
            required: 1,
            lodged: 0
        })
    );
    w.deposit = 1;
    assert_eq!(
        feasibility::qualifies(&w, &o, feasibility::Flow::Grab, now()),
        Ok(())
    );
}
