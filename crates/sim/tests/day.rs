//! A small simulated day through the real application layer: deterministic, sound, and a
//! fair contest that the engine wins.

use daojia_sim::{Options, Report, run};

fn small(seed: u64) -> Options {
    Options {
        seed,
        orders: 150,
        workers: 15,
        ..Options::default()
    }
}

async fn day(seed: u64) -> Report {
    run(&small(seed)).await.expect("the day runs")
}

#[tokio::test(flavor = "current_thread")]
async fn the_same_seed_repeats_the_day_to_the_last_digit() {
    let mut o = small(1);
    o.orders = 60;
    o.workers = 8;
    let a = run(&o).await.expect("the day runs");
    let b = run(&o).await.expect("the day runs");
    assert_eq!(
        serde_json::to_string(&a).expect("json"),
        serde_json::to_string(&b).expect("json")
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_small_day_is_sound_and_the_engine_drives_less() {
    let a = day(1).await;
    assert_eq!(a.policies.len(), 2);
    let (engine, nearest) = (&a.policies[0], &a.policies[1]);
    assert_eq!(
        (engine.name.as_str(), nearest.name.as_str()),
        ("engine", "nearest")
    );
    for p in &a.policies {
        for x in [p.assigned_share, p.on_time_rate, p.utilisation] {
            assert!((0.0..=1.0).contains(&x), "{p:?}");
        }
        assert!(p.km_per_job > 0.0 && p.wait_p95_min >= 0.0 && p.jobs_per_worker_sd >= 0.0);
        // No worker ever serves two visits at once, and the day has work in it.
        assert_eq!(p.overlaps, 0, "{p:?}");
        assert!(p.visits >= 60, "{p:?}");
        assert!(p.placed + p.refused == 150, "{p:?}");
    }
    // The engine plans the day as a route; the baseline does not. (On-time arrival is not
    // asserted at this size: with 15 workers the days are light, the baseline's blindness
    // to travel rarely bites, and at seed 1 it is on time for all of its 97 visits against
    // the engine's 96 of 98; see docs/operations.md for the larger runs.)
    assert!(
        engine.km_per_job < nearest.km_per_job,
        "{engine:?} vs {nearest:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_different_seed_is_a_different_day() {
    let mut o = small(2);
    o.orders = 40;
    o.workers = 6;
    o.policies = vec![daojia_app::dispatch::PolicyChoice::Engine];
    let a = run(&o).await.expect("the day runs");
    o.seed = 3;
    let b = run(&o).await.expect("the day runs");
    assert_ne!(a.policies, b.policies);
}

#[tokio::test(flavor = "current_thread")]
async fn bad_options_are_refused_with_the_flag_named() {
    let mut o = small(1);
    o.orders = 0;
    let e = run(&o).await.expect_err("no orders is refused");
    assert!(e.to_string().contains("--orders"), "{e}");
    let mut o = small(1);
    o.demand.mix = vec![("gardening".into(), 3)];
    let e = run(&o).await.expect_err("an unknown category is refused");
    assert!(e.to_string().contains("gardening"), "{e}");
}
