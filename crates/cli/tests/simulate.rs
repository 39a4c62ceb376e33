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
