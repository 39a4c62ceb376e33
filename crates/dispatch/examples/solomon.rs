//! Solves every Solomon instance of a directory and prints distance, fleet, feasibility and
//! the gap to the best known solutions (`bks.csv` beside or above the directory).
//!
//! `cargo run --release -p daojia-dispatch --example solomon -- DIR [--seconds S]
//! [--seed N] [--threads T] [--parallel P] [--filter PREFIX] [--iterations N]`
//!
//! `--iterations N` stops each search after N ruin-and-recreate steps (the time limit
//! still applies): a fixed budget that compares two versions of the search on a loaded
//! machine; `--seeds A,B,..` runs every instance once per seed and averages.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use daojia_dispatch::vrp::{SolveOptions, check, solomon, solve};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut dir = None;
    let (mut seconds, mut seeds, mut threads, mut parallel, mut filter) =
        (1.0, vec![1u64], 1usize, 1usize, String::new());
    let mut iterations = None;
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).cloned().expect("option needs a value");
        match args[i].as_str() {
            "--seconds" => seconds = value().parse().expect("seconds"),
            "--seed" | "--seeds" => {
                seeds = value()
                    .split(',')
                    .map(|x| x.parse().expect("seed"))
                    .collect()
            }
            "--iterations" => iterations = Some(value().parse().expect("iterations")),
            "--threads" => threads = value().parse().expect("threads"),
            "--parallel" => parallel = value().parse().expect("parallel"),
            "--filter" => filter = value(),
            other => {
                dir = Some(PathBuf::from(other));
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    let dir =
        dir.expect("usage: solomon DIR [--seconds S] [--seed N] [--threads T] [--parallel P]");
    let bks = read_bks(&dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("readable directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "vrptw" || x == "txt"))
        .filter(|p| {
            p.file_name().is_some_and(|n| {
                filter
                    .split(',')
                    .any(|f| n.to_string_lossy().starts_with(f))
            })
        })
        .collect();
    files.sort();
    let runs: Vec<(PathBuf, u64)> = files
        .iter()
        .flat_map(|f| seeds.iter().map(|&s| (f.clone(), s)))
        .collect();
    let queue = Mutex::new(runs.into_iter());
    let results = Mutex::new(BTreeMap::new());
    std::thread::scope(|scope| {
        for _ in 0..parallel.max(1) {
            scope.spawn(|| {
                loop {
                    let Some((path, seed)) = queue.lock().unwrap().next() else {
                        break;
                    };
                    let budget = (seconds, iterations);
                    let row = run(&path, budget, seed, threads, &bks);
                    println!("{} seed {seed}", row.1);
                    results.lock().unwrap().insert((row.0.clone(), seed), row);
                }
            });
        }
    });
    let results = results.into_inner().unwrap();
    let mut families: BTreeMap<String, Vec<Option<f64>>> = BTreeMap::new();
    for ((name, _), (_, _, gap)) in &results {
        let family: String = name
            .chars()
            .take_while(|c| c.is_alphabetic())
            .collect::<String>()
            + &name[name.len() - 3..name.len() - 2];
        families.entry(family).or_default().push(*gap);
        families.entry("all".into()).or_default().push(*gap);
    }
    for (family, gaps) in families {
        let ok: Vec<f64> = gaps.iter().flatten().copied().collect();
        let mean = ok.iter().sum::<f64>() / ok.len().max(1) as f64;
        println!(
            "{family:>4}: feasible {}/{}  mean gap {:.3}%",
            ok.len(),
            gaps.len(),
            mean * 100.0
        );
    }
}

fn read_bks(dir: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for candidate in [dir.join("bks.csv"), dir.join("../bks.csv")] {
        if let Ok(text) = std::fs::read_to_string(candidate) {
            for line in text.lines().skip(1) {
                let f: Vec<&str> = line.split(',').collect();
                if let [name, _, best] = f.as_slice()
                    && let Ok(best) = best.parse()
                {
                    out.insert(name.to_string(), best);
                }
            }
            break;
        }
    }
    out
}

fn run(
    path: &Path,
    (seconds, iterations): (f64, Option<u64>),
    seed: u64,
    threads: usize,
    bks: &BTreeMap<String, f64>,
) -> (String, String, Option<f64>) {
    let text = std::fs::read_to_string(path).expect("readable file");
    let instance = solomon::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let started = Instant::now();
    let options = SolveOptions {
        time_limit: Duration::from_secs_f64(seconds),
        seed,
        threads,
        max_iterations: iterations,
        ..SolveOptions::default()
    };
    let solution = solve(&instance.problem, &options).expect("valid problem");
    let used = started.elapsed().as_secs_f64();
    let violations = check(&instance.problem, &solution);
    let totals = solution.totals(&instance.problem);
    let feasible = violations.is_empty() && solution.unassigned.is_empty();
    let best = bks.get(&instance.name).copied();
    let gap = best.map(|b| (totals.distance - b) / b);
    let line = format!(
        "{:<6} routes {:>2}/{:<2} distance {:>9.3} bks {:>9.3} gap {:>7.3}% missing {:>2} {} {:.2}s",
        instance.name,
        totals.routes,
        instance.problem.workers.len(),
        totals.distance,
        best.unwrap_or(f64::NAN),
        gap.unwrap_or(f64::NAN) * 100.0,
        solution.unassigned.len(),
        if violations.is_empty() {
            "ok"
        } else {
            "VIOLATION"
        },
        used
    );
    if !violations.is_empty() {
        eprintln!(
            "{}: {:?}",
            instance.name,
            &violations[..violations.len().min(3)]
        );
    }
    (instance.name, line, if feasible { gap } else { None })
}
