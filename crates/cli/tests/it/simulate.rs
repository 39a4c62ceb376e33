//! `daojia simulate --json` prints one object of the documented shape.

use std::process::Command;

#[test]
fn simulate_json_prints_both_policies_in_the_documented_shape() {
    let out = Command::new(env!("CARGO_BIN_EXE_daojia"))
        .args([
            "simulate",
            "--seed",
            "1",
            "--orders",
            "100",
            "--workers",
            "10",
            "--json",
        ])
        .env_remove("DAOJIA_CONFIG")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.trim().lines().count(), 1, "one line: {text}");
    let v: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON object");
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(keys(&v), ["orders", "policies", "seed", "workers"]);
    assert_eq!(
        (
            v["seed"].as_u64(),
            v["orders"].as_u64(),
            v["workers"].as_u64()
        ),
        (Some(1), Some(100), Some(10))
    );
    let policies = v["policies"].as_array().expect("a list");
    let names: Vec<&str> = policies.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["engine", "nearest"]);
    for p in policies {
        assert_eq!(
            keys(p),
            [
                "assigned_share",
                "jobs_per_worker_sd",
                "km_per_job",
                "name",
                "on_time_rate",
                "utilisation",
                "wait_p95_min"
            ]
        );
        for k in ["assigned_share", "on_time_rate", "utilisation"] {
            let x = p[k].as_f64().expect("a number");
            assert!((0.0..=1.0).contains(&x), "{k} = {x}");
        }
    }
}

#[test]
fn simulate_refuses_a_bad_mix_and_says_why() {
    let out = Command::new(env!("CARGO_BIN_EXE_daojia"))
        .args([
            "simulate",
            "--orders",
            "10",
            "--workers",
            "2",
            "--mix",
            "cleaning",
        ])
        .output()
        .expect("the binary runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--mix"), "{err}");
}

fn simulate(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_daojia"))
        .args(args)
        .env_remove("DAOJIA_CONFIG")
        .output()
        .expect("the binary runs")
}

/// A fresh directory of its own for a test's files.
fn scratch() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("daojia-simulate-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn simulate_reads_a_profile_and_the_flags_win_over_it() {
    let dir = scratch();
    let profile = dir.join("day.toml");
    std::fs::write(
        &profile,
        "seed = 3\norders = 60\nworkers = 9\n\n[demand]\nclustered = 0.5\n\
         [demand.mix]\ncleaning = 1\n\n[behaviour]\naccept = 0.9\nreject = 0.05\n",
    )
    .unwrap();
    let p = profile.to_str().unwrap();
    let v = json(&simulate(&[
        "simulate",
        "--profile",
        p,
        "--policy",
        "engine",
        "--json",
    ]));
    assert_eq!(
        (
            v["seed"].as_u64(),
            v["orders"].as_u64(),
            v["workers"].as_u64()
        ),
        (Some(3), Some(60), Some(9)),
        "{v}"
    );
    let v = json(&simulate(&[
        "simulate",
        "--profile",
        p,
        "--orders",
        "40",
        "--policy",
        "engine",
        "--json",
    ]));
    assert_eq!(
        (v["seed"].as_u64(), v["orders"].as_u64()),
        (Some(3), Some(40))
    );

    std::fs::write(&profile, "[demand]\nclusterd = 0.5\n").unwrap();
    let out = simulate(&["simulate", "--profile", p, "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("profile") && err.contains("clusterd"), "{err}");
}

#[test]
fn simulate_dispatches_with_the_configured_settings() {
    // One offer per order and a short answer time: orders whose first worker declines or
    // lets the offer lapse stay unassigned, so fewer are assigned than with the defaults.
    let dir = scratch();
    let config = dir.join("daojia.toml");
    std::fs::write(&config, "[dispatch]\nmax_offers = 1\ngrab_pool = false\n").unwrap();
    let args = [
        "simulate",
        "--seed",
        "2",
        "--orders",
        "80",
        "--workers",
        "8",
        "--policy",
        "engine",
        "--accept",
        "0.6",
        "--reject",
        "0.3",
        "--json",
    ];
    let plain = json(&simulate(&args));
    let mut with = vec!["--config", config.to_str().unwrap()];
    with.extend(args);
    let configured = json(&simulate(&with));
    let share = |v: &serde_json::Value| v["policies"][0]["assigned_share"].as_f64().unwrap();
    assert!(
        share(&configured) < share(&plain),
        "configured {configured} vs default {plain}"
    );
}
