//! The shared worker positions, the same checks on both back ends: in process, and in the
//! Redis of the tests (`DAOJIA_TEST_REDIS_URL`, default 127.0.0.1:6379) under a key prefix
//! of each test's own.

use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::{PositionSource, Presence};
use daojia_shared::positions::POSITIONS_TTL;
use daojia_shared::testing::TestRedis;
use daojia_shared::{Filter, WorkerPositions};
use uuid::Uuid;

const CENTRE: LatLng = LatLng::new(31.2304, 121.4737);

fn worker(n: u128) -> WorkerId {
    WorkerId(Uuid::from_u128(n))
}

fn presence(dlat: f64, dlng: f64, online: bool, seen_at: i64) -> Presence {
    Presence {
        at: LatLng::new(CENTRE.lat + dlat, CENTRE.lng + dlng),
        source: PositionSource::Live,
        online,
        accepting: true,
        seen_at,
    }
}

async fn both(redis: &TestRedis) -> Vec<WorkerPositions> {
    vec![
        WorkerPositions::in_process(CENTRE.lat),
        WorkerPositions::redis(&redis.url, &redis.prefix)
            .await
            .expect("connect to the test Redis"),
    ]
}

#[tokio::test]
async fn workers_near_a_point_come_nearest_first_with_their_state() {
    let redis = TestRedis::new();
    for pos in both(&redis).await {
        let b = pos.backend();
        // About 1.1 km, 2.2 km and 5.6 km north; one offline at 0.5 km.
        pos.upsert(worker(1), presence(0.02, 0.0, true, 10))
            .await
            .unwrap();
        pos.upsert(worker(2), presence(0.01, 0.0, true, 10))
            .await
            .unwrap();
        pos.upsert(worker(3), presence(0.05, 0.0, true, 10))
            .await
            .unwrap();
        pos.upsert(worker(4), presence(0.0045, 0.0, false, 10))
            .await
            .unwrap();
        assert_eq!(pos.count().await.unwrap(), 4, "{b}");
        let near: Vec<_> = pos
            .within(CENTRE, 3_000.0, Filter::all())
            .await
            .unwrap()
            .iter()
            .map(|n| n.worker)
            .collect();
        assert_eq!(near, vec![worker(4), worker(2), worker(1)], "{b}");
        let available = pos
            .within(CENTRE, 3_000.0, Filter::available())
            .await
            .unwrap();
        assert_eq!(available.len(), 2, "{b}");
        assert!(
            (available[0].distance_m - 1_112.0).abs() < 5.0,
            "{b}: {available:?}"
        );
        let k: Vec<_> = pos
            .nearest(CENTRE, 2, Filter::available())
            .await
            .unwrap()
            .iter()
            .map(|n| n.worker)
            .collect();
        assert_eq!(k, vec![worker(2), worker(1)], "{b}");
        let all = pos.nearest(CENTRE, 10, Filter::all()).await.unwrap();
        assert_eq!(all.len(), 4, "{b}");
    }
}

#[tokio::test]
async fn a_worker_who_moves_or_goes_offline_is_seen_so_by_every_node() {
    let redis = TestRedis::new();
    let one = WorkerPositions::redis(&redis.url, &redis.prefix)
        .await
        .unwrap();
    let other = WorkerPositions::redis(&redis.url, &redis.prefix)
        .await
        .unwrap();
    one.upsert(worker(1), presence(0.0, 0.0, true, 1))
        .await
        .unwrap();
    one.upsert(worker(1), presence(0.2, 0.0, false, 2))
        .await
        .unwrap();
    assert!(
        other
            .within(CENTRE, 5_000.0, Filter::all())
            .await
            .unwrap()
            .is_empty()
    );
    let got = other.get(worker(1)).await.unwrap().expect("recorded");
    assert_eq!(
        got,
        presence(0.2, 0.0, false, 2),
        "exact position and state"
    );
    assert!(other.remove(worker(1)).await.unwrap());
    assert!(!other.remove(worker(1)).await.unwrap());
    assert_eq!(one.get(worker(1)).await.unwrap(), None);
    assert_eq!(one.count().await.unwrap(), 0);
}

#[tokio::test]
async fn stale_positions_can_be_left_out() {
    let redis = TestRedis::new();
    for pos in both(&redis).await {
        pos.upsert(worker(1), presence(0.001, 0.0, true, 100))
            .await
            .unwrap();
        pos.upsert(worker(2), presence(0.002, 0.0, true, 500))
            .await
            .unwrap();
        let fresh = Filter {
            available: true,
            seen_since: Some(300),
        };
        let got: Vec<_> = pos
            .nearest(CENTRE, 5, fresh)
            .await
            .unwrap()
            .iter()
            .map(|n| n.worker)
            .collect();
        assert_eq!(got, vec![worker(2)], "{}", pos.backend());
    }
}

#[tokio::test]
async fn nearest_with_a_filter_reads_past_the_workers_it_leaves_out() {
    let redis = TestRedis::new();
    for pos in both(&redis).await {
        // Forty offline workers nearer than the two online ones.
        for i in 0..40 {
            pos.upsert(worker(100 + i), presence(0.0001 * i as f64, 0.0, false, 0))
                .await
                .unwrap();
        }
        pos.upsert(worker(1), presence(0.03, 0.0, true, 0))
            .await
            .unwrap();
        pos.upsert(worker(2), presence(0.04, 0.0, true, 0))
            .await
            .unwrap();
        let got: Vec<_> = pos
            .nearest(CENTRE, 2, Filter::available())
            .await
            .unwrap()
            .iter()
            .map(|n| n.worker)
            .collect();
        assert_eq!(got, vec![worker(1), worker(2)], "{}", pos.backend());
    }
}

#[tokio::test]
async fn redis_keeps_positions_under_the_prefix_with_a_ttl() {
    let redis = TestRedis::new();
    let pos = WorkerPositions::redis(&redis.url, &redis.prefix)
        .await
        .unwrap();
    pos.upsert(worker(1), presence(0.0, 0.0, true, 0))
        .await
        .unwrap();
    let mut keys = redis.keys();
    keys.sort();
    assert_eq!(keys, vec!["pos:geo", "pos:state"]);
    let ttl = redis.ttl_ms("pos:geo");
    let max = POSITIONS_TTL.as_millis() as i64;
    assert!(ttl > max - 60_000 && ttl <= max, "{ttl}");
}

#[tokio::test]
async fn an_invalid_position_is_refused() {
    let redis = TestRedis::new();
    for pos in both(&redis).await {
        let mut p = presence(0.0, 0.0, true, 0);
        p.at = LatLng::new(f64::NAN, 0.0);
        assert!(pos.upsert(worker(1), p).await.is_err(), "{}", pos.backend());
    }
    let pos = WorkerPositions::redis(&redis.url, &redis.prefix)
        .await
        .unwrap();
    let mut p = presence(0.0, 0.0, true, 0);
    p.at = LatLng::new(89.0, 0.0);
    assert!(pos.upsert(worker(1), p).await.is_err());
}

#[tokio::test]
async fn several_workers_are_read_at_once_and_flags_change_without_moving_anyone() {
    let redis = TestRedis::new();
    for pos in both(&redis).await {
        let b = pos.backend();
        pos.upsert(worker(1), presence(0.01, 0.0, true, 100))
            .await
            .unwrap();
        pos.upsert(worker(2), presence(0.02, 0.0, false, 200))
            .await
            .unwrap();
        let got = pos
            .get_many(&[worker(1), worker(2), worker(3)])
            .await
            .unwrap();
        assert_eq!(got.len(), 2, "{b}: the unknown worker is left out");
        assert_eq!(got[&worker(2)], presence(0.02, 0.0, false, 200), "{b}");

        assert!(pos.set_flags(worker(1), false, false).await.unwrap(), "{b}");
        let mut expected = presence(0.01, 0.0, false, 100);
        expected.accepting = false;
        assert_eq!(
            pos.get(worker(1)).await.unwrap(),
            Some(expected),
            "{b}: the position and its time stay"
        );
        assert!(
            pos.within(CENTRE, 5_000.0, Filter::available())
                .await
                .unwrap()
                .iter()
                .all(|n| n.worker != worker(1)),
            "{b}"
        );
        assert!(!pos.set_flags(worker(9), true, true).await.unwrap(), "{b}");
        assert_eq!(
            pos.get(worker(9)).await.unwrap(),
            None,
            "{b}: nothing written"
        );
    }
}

#[tokio::test]
async fn the_in_process_index_finds_workers_far_north_of_its_reference_latitude() {
    // Referenced at Shanghai, asked about Harbin (45.75° N): a degree of longitude there is
    // 20 % shorter than the plane measures it.
    let pos = WorkerPositions::in_process(CENTRE.lat);
    let harbin = LatLng::new(45.75, 126.63);
    // 1.9 km east.
    let east = LatLng::new(
        45.75,
        126.63 + 1_900.0 / (111_195.08 * 45.75f64.to_radians().cos()),
    );
    let p = Presence {
        at: east,
        source: PositionSource::Live,
        online: true,
        accepting: true,
        seen_at: 0,
    };
    pos.upsert(worker(1), p).await.unwrap();
    let near = pos.within(harbin, 2_000.0, Filter::all()).await.unwrap();
    assert_eq!(near.len(), 1, "{near:?}");
    assert!((near[0].distance_m - 1_900.0).abs() < 5.0, "{near:?}");
    // 1 km north and 900 m east: the plane puts the northern one nearer.
    let pos = WorkerPositions::in_process(CENTRE.lat);
    let north = LatLng::new(45.75 + 1_000.0 / 111_195.08, 126.63);
    let east = LatLng::new(
        45.75,
        126.63 + 900.0 / (111_195.08 * 45.75f64.to_radians().cos()),
    );
    pos.upsert(worker(1), Presence { at: north, ..p })
        .await
        .unwrap();
    pos.upsert(worker(2), Presence { at: east, ..p })
        .await
        .unwrap();
    let k: Vec<_> = pos
        .nearest(harbin, 1, Filter::all())
        .await
        .unwrap()
        .iter()
        .map(|n| n.worker)
        .collect();
    assert_eq!(k, vec![worker(2)]);
}

/// Two reports racing from two nodes: whatever order they arrive in, the later measurement
/// stays, and where the worker is found follows it; a home base gives way to any report.
#[tokio::test]
async fn of_two_reports_the_later_measurement_stays_whatever_the_order_they_arrive_in() {
    let redis = TestRedis::new();
    for pos in both(&redis).await {
        let b = pos.backend();
        let mut home = presence(0.05, 0.0, true, 500);
        home.source = PositionSource::HomeBase;
        pos.upsert(worker(1), home).await.unwrap();
        let early = presence(0.01, 0.0, true, 100);
        let late = presence(0.03, 0.0, true, 200);
        assert_eq!(
            pos.report(worker(1), early).await.unwrap(),
            early,
            "{b}: a report replaces a home base, even one written later"
        );
        assert_eq!(pos.report(worker(1), late).await.unwrap(), late, "{b}");
        assert_eq!(
            pos.report(worker(1), early).await.unwrap(),
            late,
            "{b}: the older report arrives last and is dropped"
        );
        assert_eq!(pos.get(worker(1)).await.unwrap(), Some(late), "{b}");
        let near = pos.within(CENTRE, 2_500.0, Filter::all()).await.unwrap();
        assert!(
            near.iter().all(|n| n.worker != worker(1)),
            "{b}: the search follows the stored position"
        );

        // Many reports at once, shuffled: the latest one is what remains.
        let reports: Vec<Presence> = (0..40)
            .map(|i| presence(0.001 * f64::from(i), 0.0, true, 1_000 + i64::from(i)))
            .collect();
        let mut order: Vec<usize> = (0..reports.len()).collect();
        order.reverse();
        order.swap(3, 17);
        let mut calls = tokio::task::JoinSet::new();
        for &i in &order {
            let (pos, p) = (pos.clone(), reports[i]);
            calls.spawn(async move { pos.report(worker(2), p).await });
        }
        while let Some(r) = calls.join_next().await {
            r.unwrap().unwrap();
        }
        assert_eq!(pos.get(worker(2)).await.unwrap(), Some(reports[39]), "{b}");
    }
}
