//! The report's table from the JSON lines of a whole run (`run --out`), so that the README
//! shows exactly what the script printed.

use anyhow::Context;
use serde_json::Value;
use std::path::PathBuf;

/// Arguments of `daojia-load table`.
#[derive(clap::Args, Debug)]
pub struct TableArgs {
    /// The JSON lines written by `daojia-load run --out`.
    #[arg(long)]
    results: PathBuf,
    /// pgbench's transactions per second on the same database, for the placement ratio.
    #[arg(long)]
    pgbench_tps: Option<f64>,
}

/// Prints the table.
pub fn print(args: &TableArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.results)
        .with_context(|| format!("cannot read {}", args.results.display()))?;
    let rows: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()
        .with_context(|| format!("{} holds a line that is not JSON", args.results.display()))?;
    print!("{}", render(&rows, args.pgbench_tps));
    Ok(())
}

/// The markdown of `rows`, with the placement ratio when pgbench's tps is known.
pub fn render(rows: &[Value], pgbench_tps: Option<f64>) -> String {
    let mut out = String::new();
    out.push_str("| nodes | scenario | load | requests | req/s | req/s per node | p50 ms | p99 ms | CPU ms/req | intended 409/429 | errors |\n");
    out.push_str("|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let nodes = r["nodes"].as_u64().unwrap_or(1).max(1);
        let tput = r["throughput"].as_f64().unwrap_or(0.0);
        let bound = r["p99_bound_ms"].as_f64().unwrap_or(50.0);
        let load = match r["mode"].as_str() {
            Some("max_rate") => match r["rate"].as_f64() {
                Some(rate) => format!("highest rate with p99 < {bound:.0} ms: {rate:.0}/s"),
                None => format!(
                    "highest rate with p99 < {bound:.0} ms: none held ({})",
                    r["stopped"].as_str().unwrap_or("?")
                ),
            },
            Some("open") => format!("open loop {}/s", num(&r["rate"])),
            _ => format!("{} clients", num(&r["clients"])),
        };
        let cpu = r["cpu_ms_per_request"]
            .as_f64()
            .map_or("n/a".to_string(), |c| format!("{c:.2}"));
        out.push_str(&format!(
            "| {nodes} | {} | {load} | {} | {tput:.1} | {:.1} | {:.1} | {:.1} | {cpu} | {} | {} |\n",
            r["scenario"].as_str().unwrap_or("?"),
            num(&r["requests"]),
            tput / nodes as f64,
            r["p50_ms"].as_f64().unwrap_or(0.0),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            num(&r["intended"]),
            num(&r["errors"]),
        ));
    }
    let places: Vec<&Value> = rows
        .iter()
        .filter(|r| r["scenario"] == "place" && r["mode"] != "max_rate")
        .collect();
    if let Some(tps) = pgbench_tps {
        out.push('\n');
        out.push_str(&format!("pgbench (TPC-B, -s 10, -c 16 -j 2 -T 20 -M prepared) on the same database: {tps:.0} tps\n\n"));
        for r in places {
            let attempts = r["throughput"].as_f64().unwrap_or(0.0);
            out.push_str(&format!(
                "- {} node(s): {attempts:.1} placement attempts/s (p99 {:.1} ms) = {:.2} × pgbench (target ≥ 0.5)\n",
                num(&r["nodes"]),
                r["p99_ms"].as_f64().unwrap_or(0.0),
                attempts / tps.max(1e-9)
            ));
        }
    }
    out
}

fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => n.to_string(),
        Value::Null => "?".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_table_has_a_row_per_run_and_the_placement_ratio() {
        let rows = [
            json!({"scenario": "place", "nodes": 2, "mode": "closed", "clients": 16,
                   "requests": 4000, "throughput": 200.0, "p50_ms": 40.0, "p99_ms": 120.5,
                   "cpu_ms_per_request": 3.25, "intended": 10, "errors": 0}),
            json!({"scenario": "browse", "nodes": 1, "mode": "max_rate", "rate": 800.0,
                   "p99_bound_ms": 50.0, "requests": 6400, "throughput": 799.0,
                   "p50_ms": 2.0, "p99_ms": 30.0, "cpu_ms_per_request": null,
                   "intended": 0, "errors": 0}),
        ];
        let md = render(&rows, Some(2000.0));
        assert!(
            md.contains(
                "| 2 | place | 16 clients | 4000 | 200.0 | 100.0 | 40.0 | 120.5 | 3.25 | 10 | 0 |"
            ),
            "{md}"
        );
        assert!(md.contains("highest rate with p99 < 50 ms: 800/s"), "{md}");
        assert!(md.contains("| n/a |"), "{md}");
        assert!(
            md.contains("2 node(s): 200.0 placement attempts/s (p99 120.5 ms) = 0.10 × pgbench"),
            "{md}"
        );
    }
}
