use super::*;
use daojia_domain::presence::PositionSource;
use proptest::prelude::*;
use uuid::Uuid;

const CENTRE: LatLng = LatLng::new(31.2304, 121.4737);

fn presence(at: LatLng, online: bool) -> Presence {
    Presence {
        at,
        source: PositionSource::HomeBase,
        online,
        accepting: true,
        seen_at: 0,
    }
}

fn worker(i: u128) -> WorkerId {
    WorkerId(Uuid::from_u128(i + 1))
}

fn indexes() -> Vec<(&'static str, Box<dyn GeoIndex>)> {
    vec![
        ("rtree", Box::new(RTreeIndex::new(CENTRE.lat))),
        ("grid", Box::new(GridIndex::new(CENTRE.lat, 700.0))),
    ]
}

/// Every worker within the radius, by brute force, nearest first.
fn brute(points: &[(WorkerId, Presence)], at: LatLng, radius_m: f64) -> Vec<WorkerId> {
    let mut hits: Vec<Hit> = points
        .iter()
        .map(|(w, p)| hit(at, *w, *p))
        .filter(|h| h.distance_m <= radius_m && h.presence.online)
        .collect();
    sort_hits(&mut hits);
    hits.into_iter().map(|h| h.worker).collect()
}

fn offset(dlat: f64, dlng: f64) -> LatLng {
    LatLng::new(CENTRE.lat + dlat, CENTRE.lng + dlng)
}

#[test]
fn a_moved_worker_is_found_only_at_the_new_place() {
    for (name, mut ix) in indexes() {
        let w = worker(1);
        ix.upsert(w, presence(offset(0.0, 0.0), true));
        ix.upsert(w, presence(offset(0.1, 0.1), true));
        assert_eq!(ix.len(), 1, "{name}");
        assert!(ix.within(CENTRE, 2_000.0, &|_| true).is_empty(), "{name}");
        let near = ix.within(offset(0.1, 0.1), 100.0, &|_| true);
        assert_eq!(near.len(), 1, "{name}");
        assert_eq!(near[0].worker, w);
        assert_eq!(ix.remove(w).map(|p| p.at), Some(offset(0.1, 0.1)), "{name}");
        assert!(ix.is_empty(), "{name}");
        assert!(ix.nearest(CENTRE, 3, &|_| true).is_empty(), "{name}");
    }
}

#[test]
fn a_state_change_in_place_is_seen_by_queries() {
    for (name, mut ix) in indexes() {
        let w = worker(7);
        ix.upsert(w, presence(CENTRE, true));
        ix.upsert(w, presence(CENTRE, false));
        assert_eq!(ix.get(w).map(|p| p.online), Some(false), "{name}");
        assert!(ix.nearest(CENTRE, 1, &|p| p.online).is_empty(), "{name}");
    }
}

#[test]
fn an_area_query_keeps_only_workers_inside_the_polygon() {
    let triangle = Polygon::new(
        vec![offset(0.0, 0.0), offset(0.0, 0.1), offset(0.1, 0.0)],
        vec![],
    )
    .expect("a triangle");
    for (name, mut ix) in indexes() {
        ix.upsert(worker(1), presence(offset(0.01, 0.01), true));
        ix.upsert(worker(2), presence(offset(0.09, 0.09), true));
        ix.upsert(worker(3), presence(offset(-0.01, 0.01), true));
        let inside: Vec<_> = ix
            .in_area(&triangle, &|_| true)
            .iter()
            .map(|h| h.worker)
            .collect();
        assert_eq!(inside, vec![worker(1)], "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn both_indexes_answer_like_brute_force(
        points in prop::collection::vec((-0.15f64..0.15, -0.15f64..0.15, prop::bool::weighted(0.8)), 1..300),
        moves in prop::collection::vec((0usize..300, -0.15f64..0.15, -0.15f64..0.15), 0..40),
        removes in prop::collection::vec(0usize..300, 0..20),
        q in (-0.15f64..0.15, -0.15f64..0.15),
        radius in 100.0f64..20_000.0,
        k in 1usize..25,
    ) {
        let mut truth: Vec<(WorkerId, Presence)> = points
            .iter()
            .enumerate()
            .map(|(i, (a, b, on))| (worker(i as u128), presence(offset(*a, *b), *on)))
            .collect();
        for (i, a, b) in &moves {
            if let Some(t) = truth.get_mut(*i) {
                t.1.at = offset(*a, *b);
            }
        }
        let mut gone = vec![];
        for i in &removes {
            if let Some(t) = truth.get(*i) {
                gone.push(t.0);
            }
        }
        let at = offset(q.0, q.1);
        for (name, mut ix) in indexes() {
            for (i, (a, b, on)) in points.iter().enumerate() {
                ix.upsert(worker(i as u128), presence(offset(*a, *b), *on));
            }
            for (i, a, b) in &moves {
                if let Some(t) = truth.get(*i) {
                    ix.upsert(t.0, presence(offset(*a, *b), t.1.online));
                }
            }
            for w in &gone {
                ix.remove(*w);
            }
            let live: Vec<_> = truth.iter().filter(|t| !gone.contains(&t.0)).copied().collect();
            prop_assert_eq!(ix.len(), live.len(), "{}", name);
            let want = brute(&live, at, radius);
            let got: Vec<_> = ix.within(at, radius, &|p| p.online).iter().map(|h| h.worker).collect();
            prop_assert_eq!(&got, &want, "{} within", name);
            let everyone = live.iter().filter(|(_, p)| haversine_m(at, p.at) <= radius).count();
            prop_assert_eq!(ix.count_within(at, radius), everyone, "{} count", name);
            let all = brute(&live, at, f64::INFINITY);
            let got: Vec<_> = ix.nearest(at, k, &|p| p.online).iter().map(|h| h.worker).collect();
            prop_assert_eq!(&got[..], &all[..k.min(all.len())], "{} nearest", name);
        }
    }
}
