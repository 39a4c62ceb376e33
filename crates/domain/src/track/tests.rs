use super::codec::{self, TrackPoint};
use super::*;
use proptest::prelude::*;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn fix(secs_ago: i64, lat: f64, lng: f64) -> Fix {
    Fix {
        at: now() - Duration::seconds(secs_ago),
        lat,
        lng,
        accuracy_m: 10.0,
        speed_mps: None,
        heading_deg: None,
        battery_pct: None,
    }
}

fn codes(issues: &[Issue]) -> Vec<(usize, &'static str, &'static str)> {
    issues.iter().map(|i| (i.index, i.field, i.code)).collect()
}

#[test]
fn hostile_points_are_named_field_by_field() {
    let r = TrackRules::default();
    let mut bad = vec![
        fix(0, f64::NAN, 121.0),
        fix(0, 31.0, 181.0),
        fix(-120, 31.0, 121.0),
        fix(13 * 3600, 31.0, 121.0),
        fix(0, 31.0, 121.0),
        fix(0, 31.0, 121.0),
    ];
    bad[4].accuracy_m = f64::INFINITY;
    bad[5].battery_pct = Some(101.0);
    bad[5].heading_deg = Some(-1.0);
    assert_eq!(
        codes(&check_batch(&r, &bad, now())),
        vec![
            (0, "lat", "not_a_number"),
            (1, "lng", "out_of_range"),
            (2, "at", "in_the_future"),
            (3, "at", "too_old"),
            (4, "accuracy_m", "not_a_number"),
            (5, "heading_deg", "out_of_range"),
            (5, "battery_pct", "out_of_range"),
        ]
    );
    // Within the skew and the age: fine.
    assert!(
        check_batch(
            &r,
            &[fix(-59, 31.0, 121.0), fix(11 * 3600, 31.0, 121.0)],
            now()
        )
        .is_empty()
    );
}

#[test]
fn a_jump_is_dropped_and_the_track_goes_on_from_the_last_kept_point() {
    // 100 m every 10 s (36 km/h), then one point 50 km away, then back on the road.
    let pts = vec![
        fix(40, 31.0, 121.0),
        fix(30, 31.0009, 121.0),
        fix(20, 31.45, 121.0),
        fix(10, 31.0018, 121.0),
        fix(10, 31.0018, 121.0),
    ];
    let (kept, dropped) = drop_jumps(None, pts, 150.0);
    assert_eq!(kept.len(), 3);
    assert_eq!(
        dropped,
        Dropped {
            jumps: 1,
            duplicates: 1
        }
    );
    // Judged against the batch before too.
    let before = fix(60, 40.0, 116.0);
    let (kept, dropped) = drop_jumps(Some(&before), vec![fix(50, 31.0, 121.0)], 150.0);
    assert!(kept.is_empty());
    assert_eq!(dropped.jumps, 1);
}

#[test]
fn settings_are_checked() {
    assert!(TrackRules::default().validate().is_ok());
    let r = TrackRules {
        raw_days: 0,
        ..Default::default()
    };
    assert_eq!(r.validate().unwrap_err().0, "raw_days");
    assert_eq!(
        TrackRules::default().raw_cutoff(now()),
        now() - Duration::days(30)
    );
    assert_eq!(TrackRules::default().job_cutoff(now()), None);
}

#[test]
fn a_straight_line_keeps_its_ends() {
    let line: Vec<LatLng> = (0..50)
        .map(|i| LatLng::new(31.0 + f64::from(i) * 1e-4, 121.0))
        .collect();
    assert_eq!(simplify(&line, 5.0), vec![0, 49]);
    assert_eq!(simplify(&line[..1], 5.0), vec![0]);
    assert!(simplify(&[], 5.0).is_empty());
}

#[test]
fn a_corrupt_track_is_refused() {
    assert_eq!(codec::decode(""), Err(codec::DecodeError::Version));
    assert_eq!(codec::decode("1"), Ok(vec![]));
    assert!(codec::decode("1 ").is_err());
    let s = codec::encode(&[TrackPoint {
        t: 1_800_000_000,
        lat: 31.2,
        lng: 121.4,
    }]);
    assert!(codec::decode(&s[..s.len() - 1]).is_err());
}

fn walk() -> impl Strategy<Value = Vec<(i64, f64, f64)>> {
    // A wandering path: steps of up to ~200 m, 1 to 60 s apart.
    prop::collection::vec((1i64..60, -0.002f64..0.002, -0.002f64..0.002), 0..300)
}

fn points_of(steps: &[(i64, f64, f64)]) -> Vec<TrackPoint> {
    let (mut t, mut lat, mut lng) = (1_800_000_000i64, 31.2, 121.4);
    steps
        .iter()
        .map(|(dt, dla, dlo)| {
            t += dt;
            lat += dla;
            lng += dlo;
            TrackPoint { t, lat, lng }
        })
        .collect()
}

proptest! {
    #[test]
    fn the_compact_form_round_trips_within_half_a_step(steps in walk()) {
        let pts = points_of(&steps);
        let back = codec::decode(&codec::encode(&pts)).unwrap();
        prop_assert_eq!(back.len(), pts.len());
        for (a, b) in pts.iter().zip(&back) {
            prop_assert_eq!(a.t, b.t);
            prop_assert!((a.lat - b.lat).abs() <= 0.5e-5 + 1e-9);
            prop_assert!((a.lng - b.lng).abs() <= 0.5e-5 + 1e-9);
        }
    }

    #[test]
    fn any_coordinate_round_trips(lat in -90.0f64..90.0, lng in -180.0f64..180.0, t in 0i64..4_000_000_000) {
        let p = TrackPoint { t, lat, lng };
        let back = codec::decode(&codec::encode(&[p, p])).unwrap();
        prop_assert!((back[1].lat - lat).abs() <= 0.5e-5 + 1e-9);
        prop_assert!((back[1].lng - lng).abs() <= 0.5e-5 + 1e-9);
        prop_assert_eq!(back[1].t, t);
    }

    #[test]
    fn downsampled_stays_within_epsilon(steps in walk(), eps in 1.0f64..50.0) {
        let pts: Vec<LatLng> = points_of(&steps).iter().map(|p| LatLng::new(p.lat, p.lng)).collect();
        let kept = simplify(&pts, eps);
        if !pts.is_empty() {
            prop_assert_eq!(kept[0], 0);
            prop_assert_eq!(*kept.last().unwrap(), pts.len() - 1);
        }
        prop_assert!(kept.windows(2).all(|w| w[0] < w[1]));
        prop_assert!(max_deviation_m(&pts, &kept) <= eps + 1e-6);
    }

    #[test]
    fn kept_points_are_in_time_order_and_never_jump(steps in walk()) {
        let fixes: Vec<Fix> = points_of(&steps)
            .iter()
            .map(|p| Fix { at: DateTime::from_timestamp(p.t, 0).unwrap(), lat: p.lat, lng: p.lng,
                accuracy_m: 5.0, speed_mps: None, heading_deg: None, battery_pct: None })
            .collect();
        let n = fixes.len();
        let (kept, dropped) = drop_jumps(None, fixes, 30.0);
        prop_assert_eq!(kept.len() + dropped.total(), n);
        prop_assert!(kept.windows(2).all(|w| w[0].at < w[1].at && !is_jump(&w[0], &w[1], 30.0)));
    }
}

#[test]
fn a_track_grows_by_simplified_stretches_and_ignores_late_points() {
    let line = |from: i64, n: i64| -> Vec<Fix> {
        (0..n)
            .map(|i| {
                fix(
                    1000 - (from + i) * 10,
                    31.0 + (from + i) as f64 * 1e-4,
                    121.0,
                )
            })
            .collect()
    };
    let mut track = vec![];
    assert_eq!(extend(&mut track, &line(0, 10), 5.0), 2);
    // The next stretch continues the straight line: its end replaces nothing kept before.
    assert_eq!(extend(&mut track, &line(10, 10), 5.0), 1);
    assert_eq!(track.len(), 3);
    // Points no later than the track's end are not appended.
    assert_eq!(extend(&mut track, &line(5, 3), 5.0), 0);
    assert!(track.windows(2).all(|w| w[0].t < w[1].t));
}
