//! The Solomon reader: good files parse, bad ones are rejected with the line and what was
//! expected; a few benchmark instances solve to feasible plans within their fleet.

use std::path::PathBuf;
use std::time::Duration;

use daojia_dispatch::vrp::cli::solve_solomon_file;
use daojia_dispatch::vrp::solomon::{ParseError, parse};
use daojia_dispatch::vrp::{SolveOptions, check, solve};

/// The instances the tests need, carried with the crate (see `data/solomon/README.md`).
fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/solomon")
}

const TINY: &str = "NAME : TINY
TYPE : CVRPTW
DIMENSION : 4
VEHICLES : 2
CAPACITY : 10
SERVICE_TIME : 5
EDGE_WEIGHT_TYPE : EXACT_2D
NODE_COORD_SECTION
1 0 0
2 3 4
3 -3 4
4 0 10
DEMAND_SECTION
1 0
2 4
3 4
4 4
TIME_WINDOW_SECTION
1 0 100
2 0 50
3 0 50
4 20 60
DEPOT_SECTION
1
-1
EOF
";

#[test]
fn a_small_instance_parses_and_solves() {
    let instance = parse(TINY).expect("valid file");
    assert_eq!(instance.name, "TINY");
    assert_eq!(instance.node_ids, vec![2, 3, 4]);
    assert_eq!(instance.problem.workers.len(), 2);
    assert_eq!(instance.problem.matrix.distance(0, 1), 5.0);
    assert_eq!(instance.problem.jobs[0].service, 5.0);
    let options = SolveOptions {
        max_iterations: Some(100),
        ..SolveOptions::default()
    };
    let solution = solve(&instance.problem, &options).expect("valid problem");
    assert_eq!(check(&instance.problem, &solution), vec![]);
    assert!(solution.unassigned.is_empty());
}

fn error_for(from: &str, to: &str) -> ParseError {
    parse(&TINY.replace(from, to)).expect_err("malformed file")
}

#[test]
fn a_malformed_line_is_reported_with_its_number_and_what_was_expected() {
    let e = error_for("2 3 4\n", "2 3 x\n");
    assert!(matches!(&e, ParseError::Line { line: 10, .. }), "{e}");
    assert!(
        e.to_string()
            .contains("line 10: expected a node line `ID X Y`"),
        "{e}"
    );

    let e = error_for("4 20 60", "4 60 20");
    assert!(
        e.to_string().contains("line 22") && e.to_string().contains("READY <= DUE"),
        "{e}"
    );

    let e = error_for("3 4\n4 4", "3 -4\n4 4");
    assert!(
        e.to_string().contains("line 16") && e.to_string().contains("demand"),
        "{e}"
    );

    let e = error_for("VEHICLES : 2", "VEHICLES : two");
    assert!(
        e.to_string().contains("line 4") && e.to_string().contains("VEHICLES"),
        "{e}"
    );
}

#[test]
fn missing_parts_are_named() {
    let e = error_for("4 20 60\n", "");
    assert!(
        e.to_string()
            .contains("node 4 has no line in TIME_WINDOW_SECTION"),
        "{e}"
    );
    let e = error_for("CAPACITY : 10\n", "");
    assert!(e.to_string().contains("CAPACITY"), "{e}");
}

#[test]
fn benchmark_instances_solve_to_feasible_plans_within_their_fleet() {
    for name in ["C101", "R201", "RC105"] {
        let path = data_dir().join(format!("{name}.vrptw"));
        let text = std::fs::read_to_string(&path).expect("benchmark data carried with the tests");
        let instance = parse(&text).expect("valid instance");
        assert_eq!(instance.problem.jobs.len(), 100);
        let options = SolveOptions {
            time_limit: Duration::from_millis(1500),
            ..SolveOptions::default()
        };
        let solution = solve(&instance.problem, &options).expect("valid problem");
        assert_eq!(check(&instance.problem, &solution), vec![], "{name}");
        assert!(
            solution.routes.len() <= instance.problem.workers.len(),
            "{name}"
        );
    }
}

/// A small instance with room to spare: any search serves everyone at once, so the test
/// checks the reporting, not the speed of the machine.
const SMALL: &str = "NAME : SMALL8
TYPE : CVRPTW
DIMENSION : 9
VEHICLES : 3
CAPACITY : 50
SERVICE_TIME : 10
EDGE_WEIGHT_TYPE : EXACT_2D
NODE_COORD_SECTION
1 50 50
2 60 50
3 70 50
4 50 60
5 50 70
6 40 50
7 30 50
8 50 40
9 50 30
DEMAND_SECTION
1 0
2 10
3 10
4 10
5 10
6 10
7 10
8 10
9 10
TIME_WINDOW_SECTION
1 0 1000
2 0 500
3 0 500
4 0 500
5 0 500
6 0 500
7 0 500
8 0 500
9 0 500
DEPOT_SECTION
1
-1
EOF
";

#[test]
fn the_command_line_helper_reports_node_ids_of_the_file() {
    let dir = std::env::temp_dir().join(format!("daojia-vrp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("small8.vrptw");
    std::fs::write(&path, SMALL).unwrap();
    let report = solve_solomon_file(&path, 1.0, 1, 1).expect("a roomy instance is solved");
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(report.instance, "SMALL8");
    assert!(report.vehicles <= 3);
    let mut served: Vec<usize> = report.routes.iter().flatten().copied().collect();
    served.sort();
    assert_eq!(
        served,
        (2..=9).collect::<Vec<_>>(),
        "node ids as in the file"
    );
    // Four out-and-back spokes of length 20 each is the optimum: 80.
    assert!(
        report.distance >= 80.0 - 1e-9 && report.distance < 200.0,
        "{}",
        report.distance
    );
    assert!(report.to_text().starts_with("instance SMALL8\n"));
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let e =
        solve_solomon_file(&data_dir().join("NOPE.vrptw"), 0.1, 1, 1).expect_err("no such file");
    assert!(e.to_string().contains("NOPE.vrptw"), "{e}");
}
