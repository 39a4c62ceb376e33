//! Ranking and explanation: the engine, the baseline, the grab pool and the pool itself.

use super::*;

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
