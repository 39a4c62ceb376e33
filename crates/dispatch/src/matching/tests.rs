//! One test per rejection reason and per conflict, and the ranking's rules.

use super::*;
use chrono::{DateTime, TimeZone, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{OrderId, WorkerId};
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::travel::TravelModel;
use uuid::Uuid;

const H: i64 = 3600;
/// Local midnight, 2026-11-30 in Shanghai.
const DAY0: i64 = 1_795_996_800 - 8 * H;
const HOME: LatLng = LatLng::new(31.2304, 121.4737);

fn area() -> Uuid {
    Uuid::from_u128(77)
}

fn at(h: i64) -> i64 {
    DAY0 + h * H
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(at(7), 0).single().expect("a valid time")
}

fn near(dlat: f64, dlng: f64) -> LatLng {
    LatLng::new(HOME.lat + dlat, HOME.lng + dlng)
}

fn worker(n: u128) -> WorkerSnapshot {
    WorkerSnapshot {
        id: WorkerId(Uuid::from_u128(n)),
        home: HOME,
        presence: Presence {
            at: HOME,
            source: PositionSource::HomeBase,
            online: true,
            accepting: true,
            seen_at: at(7),
        },
        skills: vec![Skill {
            code: "clean".into(),
            level: 2,
        }],
        certificates: vec![Certificate {
            skill: "clean".into(),
            expires_at: Utc.timestamp_opt(at(24 * 30), 0).single().expect("time"),
        }],
        areas: vec![area()],
        status: WorkerStatus::Active,
        grab_rights: true,
        credit: 100,
        rating: Some(4.5),
        on_time_rate: Some(0.9),
        jobs_today: 0,
        earnings_today: 0,
        daily_limit: Some(6),
        partner: None,
        shift: Some(Shift {
            start: at(8),
            end: at(18),
            rest: Some((at(12), at(13))),
        }),
        jobs: vec![],
    }
}

fn order() -> OrderRequest {
    OrderRequest {
        id: OrderId(Uuid::from_u128(1000)),
        at: near(0.01, 0.01),
        area: area(),
        window_start: at(10),
        window_end: at(11),
        duration: 2 * H,
        requirements: vec![Requirement {
            skill: "clean".into(),
            min_level: 1,
            certificate: true,
        }],
        preferred: None,
        previous: vec![],
        excluded: vec![],
    }
}

fn job(key: u128, place: LatLng, ws: i64, we: i64, duration: i64) -> Visit {
    Visit {
        key: Uuid::from_u128(key),
        at: place,
        window_start: ws,
        window_end: we,
        duration,
    }
}

fn reason(w: &WorkerSnapshot, o: &OrderRequest) -> Reason {
    let tt = TravelModel::default();
    match check_worker(w, o, &Settings::default(), &tt, now()) {
        Ok(fit) => panic!("expected a rejection, the worker fits: {fit:?}"),
        Err(r) => r,
    }
}

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
    o.window_end = at(11);
    // Ready at 10:00 some 12 km off: starts near 10:45, ends after 12:10.
    assert!(matches!(reason(&w, &o), Reason::PastShiftEnd { .. }));
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

fn pool(workers: Vec<WorkerSnapshot>) -> Pool {
    Pool::new(workers)
}

#[test]
fn the_engine_prefers_the_nearer_of_two_equal_workers_and_explains_both() {
    let mut far = worker(1);
    far.home = near(0.06, 0.0);
    far.presence.at = far.home;
    let close = worker(2);
    let mut off = worker(3);
    off.presence.online = false;
    let d = Engine::default().decide(
        &pool(vec![far, close, off]),
        &order(),
        &TravelModel::default(),
        now(),
    );
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(ids, vec![2, 1]);
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(3))),
        Some(&Reason::Offline)
    );
    let best = d.best().expect("a candidate");
    let kinds: Vec<TermKind> = best.terms.iter().map(|t| t.kind).collect();
    assert!(kinds.contains(&TermKind::Travel) && kinds.contains(&TermKind::Load));
    let sum: f64 = best.terms.iter().map(|t| t.points).sum();
    assert!((sum - best.score).abs() < 1e-9);
}

#[test]
fn the_customers_preferred_worker_outranks_a_nearer_one() {
    let mut liked = worker(1);
    liked.presence.at = near(0.03, 0.0);
    let mut o = order();
    o.preferred = Some(liked.id);
    let d = Engine::default().decide(
        &pool(vec![liked, worker(2)]),
        &o,
        &TravelModel::default(),
        now(),
    );
    assert_eq!(d.best().map(|c| c.worker.0.as_u128()), Some(1));
}

#[test]
fn fairness_gives_the_order_to_the_worker_with_less_work_today() {
    let mut busy = worker(1);
    busy.jobs_today = 5;
    busy.earnings_today = 60_000;
    let idle = worker(2);
    let d = Engine::default().decide(
        &pool(vec![busy, idle]),
        &order(),
        &TravelModel::default(),
        now(),
    );
    assert_eq!(d.best().map(|c| c.worker.0.as_u128()), Some(2));
}

#[test]
fn equal_scores_are_broken_by_worker_id() {
    let d = Engine::default().decide(
        &pool(vec![worker(9), worker(4), worker(6)]),
        &order(),
        &TravelModel::default(),
        now(),
    );
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(ids, vec![4, 6, 9]);
}

#[test]
fn the_baseline_ranks_feasible_workers_by_distance_alone() {
    let mut near_busy = worker(1);
    near_busy.jobs_today = 5;
    near_busy.rating = Some(1.0);
    let mut farther = worker(2);
    farther.presence.at = near(0.04, 0.0);
    let mut off = worker(3);
    off.presence.online = false;
    let d = NearestAvailable::default().decide(
        &pool(vec![near_busy, farther, off]),
        &order(),
        &TravelModel::default(),
        now(),
    );
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(ids, vec![1, 2]);
    assert_eq!(d.ranked[0].terms[0].kind, TermKind::Distance);
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(3))),
        Some(&Reason::Offline)
    );
}

#[test]
fn the_grab_pool_shows_qualified_workers_in_the_radius_even_if_they_paused_offers() {
    let mut paused = worker(1);
    paused.presence.accepting = false;
    let mut no_rights = worker(2);
    no_rights.grab_rights = false;
    let mut far = worker(3);
    far.presence.at = near(0.2, 0.0);
    let d = grab_pool(
        &pool(vec![paused, no_rights, far]),
        &order(),
        &Settings::default(),
        &TravelModel::default(),
        now(),
    );
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(ids, vec![1]);
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(2))),
        Some(&Reason::NoGrabRights)
    );
    assert!(
        d.rejection(WorkerId(Uuid::from_u128(3))).is_none(),
        "beyond the radius: not listed"
    );
}

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
fn settings_take_defaults_for_missing_fields() {
    let s: Settings =
        serde_json::from_str(r#"{"weights":{"travel":5.0},"reach_m":8000}"#).expect("settings");
    assert_eq!(s.weights.travel, 5.0);
    assert_eq!(s.weights.rating, Weights::default().rating);
    assert_eq!(s.reach_m, 8000.0);
    assert!(serde_json::from_str::<Settings>(r#"{"wieghts":{}}"#).is_err());
}

#[test]
fn the_day_starts_where_the_worker_is_once_the_shift_has_begun() {
    let mut w = worker(1);
    w.presence.at = near(0.1, 0.0);
    let late = Utc.timestamp_opt(at(9), 0).single().expect("time");
    let tt = TravelModel::default();
    let from_home = check_worker(&w, &order(), &Settings::default(), &tt, now()).expect("fits");
    let from_there = check_worker(&w, &order(), &Settings::default(), &tt, late).expect("fits");
    assert!(from_there.insertion.travel_to_s > from_home.insertion.travel_to_s);
}

#[test]
fn the_preferred_worker_is_examined_even_when_the_walk_stops_before_them() {
    let mut liked = worker(3);
    liked.home = near(0.05, 0.0);
    liked.presence.at = liked.home;
    let mut o = order();
    o.preferred = Some(liked.id);
    o.previous = vec![liked.id];
    let engine = Engine {
        settings: Settings {
            enough_candidates: 1,
            ..Settings::default()
        },
    };
    let d = engine.decide(
        &pool(vec![worker(1), worker(2), liked]),
        &o,
        &TravelModel::default(),
        now(),
    );
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(
        ids,
        vec![3, 1],
        "the walk stops after one; the preferred one is added once"
    );
    assert_eq!(d.unexamined, 1);
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
fn a_decision_serialises_with_terms_and_reason_codes_for_the_console() {
    let mut off = worker(2);
    off.presence.online = false;
    let mut new = worker(1);
    new.rating = None;
    let d = Engine::default().decide(
        &pool(vec![new, off]),
        &order(),
        &TravelModel::default(),
        now(),
    );
    let json = serde_json::to_value(&d).expect("serialise");
    assert_eq!(json["rejected"][0]["reason"]["code"], "offline");
    let terms = json["ranked"][0]["terms"].as_array().expect("terms");
    let rating = terms
        .iter()
        .find(|t| t["kind"] == "rating")
        .expect("a rating term");
    assert!(rating["value"].is_null(), "no rating yet: {rating}");
    assert_eq!(rating["normalised"], Settings::default().unknown_quality);
    let back: Decision = serde_json::from_value(json).expect("deserialise");
    assert_eq!(back, d);
}

#[test]
fn the_grid_index_gives_the_same_decision_as_the_r_tree() {
    let ws: Vec<WorkerSnapshot> = (1..=30u128)
        .map(|i| {
            let mut w = worker(i);
            w.home = near(0.003 * i as f64, -0.002 * i as f64);
            w.presence.at = w.home;
            w.jobs_today = (i % 4) as u32;
            w
        })
        .collect();
    let grid = Pool::with_index(ws.clone(), Box::new(GridIndex::new(HOME.lat, 500.0)));
    let tt = TravelModel::default();
    let a = Engine::default().decide(&pool(ws), &order(), &tt, now());
    let b = Engine::default().decide(&grid, &order(), &tt, now());
    assert_eq!(a, b);
    assert_eq!(a.ranked.len(), 30);
}

#[test]
fn a_worker_taken_out_of_the_pool_is_no_longer_decided_on() {
    let mut p = pool(vec![worker(1), worker(2), worker(3)]);
    assert_eq!(
        p.remove(WorkerId(Uuid::from_u128(1)))
            .map(|w| w.id.0.as_u128()),
        Some(1)
    );
    assert!(p.remove(WorkerId(Uuid::from_u128(1))).is_none());
    assert_eq!(
        p.get(WorkerId(Uuid::from_u128(3)))
            .map(|w| w.id.0.as_u128()),
        Some(3)
    );
    let mut moved = worker(2);
    moved.presence.online = false;
    p.upsert(moved);
    let d = Engine::default().decide(&p, &order(), &TravelModel::default(), now());
    let ids: Vec<u128> = d.ranked.iter().map(|c| c.worker.0.as_u128()).collect();
    assert_eq!(ids, vec![3]);
    assert_eq!(
        d.rejection(WorkerId(Uuid::from_u128(2))),
        Some(&Reason::Offline)
    );
    assert_eq!(p.workers().len(), 2);
    assert_eq!(p.index().len(), 2);
}
