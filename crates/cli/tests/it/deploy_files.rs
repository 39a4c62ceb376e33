//! The files under `deploy/` and the operations guide's configuration reference are checked
//! here, so that what an operator copies works:
//!
//! - `promtool check rules` and `promtool test rules` on the alert rules;
//! - every metric the alert rules and the Grafana dashboard name is one the code emits;
//! - `haproxy -c` on the balancer's configuration;
//! - `daojia config check` accepts the production example and the guide's reference.
//!
//! promtool (Debian's `prometheus`) and haproxy are installed by `scripts/test.sh`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `program args` in `dir`; panics with its output unless it succeeds.
fn run(program: &str, args: &[&str], dir: &Path, env: &[(&str, &str)]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): scripts/test.sh installs it (Debian packages prometheus, haproxy)")
        });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?} failed:\n{text}");
    text
}

#[test]
fn alert_rules_pass_promtool_and_their_unit_tests() {
    let dir = root().join("deploy/prometheus");
    let out = run("promtool", &["check", "rules", "alerts.yml"], &dir, &[]);
    assert!(out.contains("SUCCESS"), "{out}");
    let out = run("promtool", &["test", "rules", "alerts_test.yml"], &dir, &[]);
    assert!(out.contains("SUCCESS"), "{out}");
    run(
        "promtool",
        &["check", "config", "prometheus.yml"],
        &dir,
        &[],
    );
}

/// Metric names the code emits: the literal names given to `counter!`, `gauge!` and
/// `histogram!` anywhere in the crates.
fn emitted() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut stack = vec![root().join("crates")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for mac in ["counter!(", "gauge!(", "histogram!("] {
                    for (i, _) in text.match_indices(mac) {
                        let rest = text[i + mac.len()..].trim_start();
                        if let Some(r) = rest.strip_prefix('"')
                            && let Some(end) = r.find('"')
                        {
                            names.insert(r[..end].to_string());
                        }
                    }
                }
            }
        }
    }
    names
}

/// Metric names a PromQL expression reads: identifiers outside label matchers, grouping
/// clauses, ranges and strings that are not functions, operators or keywords.
fn read_by(expr: &str) -> BTreeSet<String> {
    let mut cleaned = String::new();
    let mut depth_brace = 0;
    let mut depth_bracket = 0;
    let mut in_str = false;
    for c in expr.chars() {
        match c {
            '"' => in_str = !in_str,
            _ if in_str => {}
            '{' => depth_brace += 1,
            '}' => depth_brace -= 1,
            '[' => depth_bracket += 1,
            ']' => depth_bracket -= 1,
            _ if depth_brace > 0 || depth_bracket > 0 => {}
            c => cleaned.push(c),
        }
        if matches!(c, '{' | '}' | '[' | ']' | '"') {
            cleaned.push(' ');
        }
    }
    // `by (a, b)`, `without (...)`, `on (...)`, `ignoring (...)`: label lists.
    let mut text = cleaned;
    for kw in [
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ] {
        let pat = format!("{kw} (");
        while let Some(i) = text.find(&pat) {
            let end = text[i..].find(')').map_or(text.len(), |j| i + j + 1);
            text.replace_range(i..end, " ");
        }
    }
    let keywords = ["and", "or", "unless", "bool", "offset", "le", "inf", "nan"];
    let mut out = BTreeSet::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_alphabetic() || chars[i] == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = chars[i..].iter().find(|c| !c.is_whitespace());
            let is_function = next == Some(&'(');
            let after_digit = start > 0 && chars[start - 1].is_ascii_digit();
            if !is_function && !after_digit && !keywords.contains(&word.as_str()) {
                out.insert(word);
            }
        } else {
            i += 1;
        }
    }
    out
}

#[test]
fn the_rules_and_the_dashboard_read_only_metrics_the_code_emits() {
    assert_eq!(
        read_by(
            r#"sum by (kind) (rate(jobs_run_total{outcome="x"}[5m])) / clamp_min(max(up), 1e-9) > 0.2 and x_y"#
        ),
        ["jobs_run_total", "up", "x_y"].map(String::from).into(),
        "the expression reader itself"
    );
    let emitted = emitted();
    assert!(emitted.contains("http_requests_total"), "{emitted:?}");
    // Prometheus's own series, and the suffixes of a histogram's series.
    let known = |name: &str| {
        name == "up"
            || emitted.contains(name)
            || ["_bucket", "_sum", "_count"]
                .iter()
                .any(|s| name.strip_suffix(s).is_some_and(|b| emitted.contains(b)))
    };
    let mut exprs = vec![];
    let rules = std::fs::read_to_string(root().join("deploy/prometheus/alerts.yml")).unwrap();
    exprs.extend(rule_exprs(&rules));
    let dash: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("deploy/grafana/daojia.json")).unwrap(),
    )
    .unwrap();
    for p in dash["panels"].as_array().unwrap() {
        for t in p["targets"].as_array().into_iter().flatten() {
            exprs.push(t["expr"].as_str().unwrap().to_string());
        }
    }
    assert!(exprs.len() > 20, "{exprs:?}");
    for e in &exprs {
        for name in read_by(e) {
            assert!(
                known(&name),
                "`{name}` in `{e}` is not a metric the code emits: {emitted:?}"
            );
        }
    }
}

/// The `expr:` values of a Prometheus rules file (block scalars and one-liners), read
/// without a YAML library: promtool has already checked the file's structure.
fn rule_exprs(text: &str) -> Vec<String> {
    {
        let lines: Vec<&str> = text.lines().collect();
        let mut exprs = vec![];
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let trimmed = line.trim_start();
            if let Some(rest) = trimmed.strip_prefix("expr:") {
                let indent = line.len() - trimmed.len();
                let rest = rest.trim();
                if rest == "|" || rest == ">" {
                    let mut body = String::new();
                    i += 1;
                    while i < lines.len() {
                        let l = lines[i];
                        let t = l.trim_start();
                        if !t.is_empty() && l.len() - t.len() <= indent {
                            break;
                        }
                        body.push_str(t);
                        body.push(' ');
                        i += 1;
                    }
                    exprs.push(body);
                    continue;
                }
                exprs.push(rest.to_string());
            }
            i += 1;
        }
        exprs
    }
}

#[test]
fn the_balancer_configuration_is_valid() {
    let dir = root().join("deploy/haproxy");
    run(
        "haproxy",
        &["-c", "-f", "haproxy.cfg"],
        &dir,
        &[
            ("DAOJIA_LISTEN", "127.0.0.1:18080"),
            ("DAOJIA_NODE1", "127.0.0.1:18081"),
            ("DAOJIA_NODE2", "127.0.0.1:18082"),
        ],
    );
}

/// `daojia config check` on `file` with freshly generated secrets.
fn config_check(file: &Path) {
    let tmp = std::env::temp_dir().join(format!("daojia-deploy-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&tmp).unwrap();
    let secrets = tmp.join("secrets.toml");
    let bin = env!("CARGO_BIN_EXE_daojia");
    let s = secrets.to_str().unwrap();
    run(bin, &["config", "gen-secrets", "--out", s], &tmp, &[]);
    let f = file.to_str().unwrap();
    let out = run(
        bin,
        &["--config", f, "config", "check"],
        &tmp,
        &[("DAOJIA_SECRETS_FILE", s)],
    );
    assert!(!out.contains("fake-secret\""), "secrets are masked: {out}");
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn the_production_example_passes_config_check() {
    config_check(&root().join("deploy/daojia.toml"));
}

#[test]
fn the_guides_configuration_reference_passes_config_check() {
    let guide = std::fs::read_to_string(root().join("docs/operations.md")).unwrap();
    let from = guide
        .find("## Configuration reference")
        .expect("the reference section");
    let block = &guide[from..];
    let start = block.find("```toml\n").unwrap() + "```toml\n".len();
    let end = start + block[start..].find("```").unwrap();
    let tmp =
        std::env::temp_dir().join(format!("daojia-ref-{}.toml", uuid::Uuid::new_v4().simple()));
    std::fs::write(&tmp, &block[start..end]).unwrap();
    config_check(&tmp);
    let _ = std::fs::remove_file(&tmp);
}
