//! Reader for VRPTW benchmark instances in the VRPLIB/TSPLIB-style text format of the
//! Solomon instances as distributed with LKH-3: `KEY : VALUE` header lines (`NAME`,
//! `VEHICLES`, `CAPACITY`, `SERVICE_TIME`, ...), then `NODE_COORD_SECTION`,
//! `DEMAND_SECTION`, `TIME_WINDOW_SECTION` and `DEPOT_SECTION`, ended by `EOF`.
//! Node 1 (or the one named in `DEPOT_SECTION`) is the depot; distances are unrounded
//! Euclidean and travel time equals distance.

use std::collections::BTreeMap;

use super::model::{Job, Matrix, Problem, TimeWindow, Worker};

/// A benchmark instance: the problem and the node ids of the file.
#[derive(Clone, Debug)]
pub struct Instance {
    /// `NAME` from the header.
    pub name: String,
    /// The problem: one job per customer, `VEHICLES` identical workers.
    pub problem: Problem,
    /// Node id in the file of each job (`problem.jobs[j]` is node `node_ids[j]`).
    pub node_ids: Vec<usize>,
}

/// What is wrong with an instance file, and where.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ParseError {
    /// A line does not have the expected shape.
    #[error("line {line}: expected {expected}, found {found:?}")]
    Line {
        line: usize,
        expected: String,
        found: String,
    },
    /// Something required is missing from the whole file.
    #[error("{0}")]
    Missing(String),
}

fn line_error(line: usize, expected: &str, found: &str) -> ParseError {
    ParseError::Line {
        line,
        expected: expected.to_string(),
        found: found.trim().to_string(),
    }
}

/// Parses an instance from the text of a file.
pub fn parse(text: &str) -> Result<Instance, ParseError> {
    let mut header: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut section = String::new();
    let mut coords: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    let mut demands: BTreeMap<usize, i64> = BTreeMap::new();
    let mut windows: BTreeMap<usize, (f64, f64)> = BTreeMap::new();
    let mut services: BTreeMap<usize, f64> = BTreeMap::new();
    let mut depots: Vec<usize> = Vec::new();
    let mut depot_done = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if line == "EOF" {
            break;
        }
        if line.ends_with("SECTION") {
            section = line.to_string();
            continue;
        }
        if let Some((key, value)) = line.split_once(':') {
            header.insert(
                key.trim().to_uppercase(),
                (line_no, value.trim().to_string()),
            );
            continue;
        }
        let fields: Vec<&str> = line.split_whitespace().collect();
        let num = |k: usize, what: &str| -> Result<f64, ParseError> {
            fields
                .get(k)
                .and_then(|s| s.parse::<f64>().ok())
                .filter(|x| x.is_finite())
                .ok_or_else(|| line_error(line_no, what, raw))
        };
        let id = |what: &str| -> Result<usize, ParseError> {
            fields
                .first()
                .and_then(|s| s.parse::<usize>().ok())
                .filter(|&x| x >= 1)
                .ok_or_else(|| line_error(line_no, what, raw))
        };
        match section.as_str() {
            "NODE_COORD_SECTION" => {
                let expected = "a node line `ID X Y`";
                if fields.len() != 3 {
                    return Err(line_error(line_no, expected, raw));
                }
                coords.insert(id(expected)?, (num(1, expected)?, num(2, expected)?));
            }
            "DEMAND_SECTION" => {
                let expected = "a demand line `ID DEMAND` with a whole, non-negative demand";
                let q = fields
                    .get(1)
                    .and_then(|s| s.parse::<i64>().ok())
                    .filter(|&q| q >= 0);
                match (fields.len(), q) {
                    (2, Some(q)) => {
                        demands.insert(id(expected)?, q);
                    }
                    _ => return Err(line_error(line_no, expected, raw)),
                }
            }
            "TIME_WINDOW_SECTION" => {
                let expected = "a time window line `ID READY DUE` with READY <= DUE";
                if fields.len() != 3 {
                    return Err(line_error(line_no, expected, raw));
                }
                let (a, b) = (num(1, expected)?, num(2, expected)?);
                if a > b {
                    return Err(line_error(line_no, expected, raw));
                }
                windows.insert(id(expected)?, (a, b));
            }
            "SERVICE_TIME_SECTION" => {
                let expected = "a service time line `ID TIME`";
                if fields.len() != 2 {
                    return Err(line_error(line_no, expected, raw));
                }
                services.insert(id(expected)?, num(1, expected)?);
            }
            "DEPOT_SECTION" => {
                let expected = "a depot id, or -1 to end the section";
                match fields.first().and_then(|s| s.parse::<i64>().ok()) {
                    Some(-1) => depot_done = true,
                    Some(x) if x >= 1 && !depot_done && fields.len() == 1 => {
                        depots.push(x as usize)
                    }
                    _ => return Err(line_error(line_no, expected, raw)),
                }
            }
            "" => {
                return Err(line_error(
                    line_no,
                    "a `KEY : VALUE` header line or a section name",
                    raw,
                ));
            }
            other => {
                return Err(line_error(
                    line_no,
                    &format!("data of a known section, not {other}"),
                    raw,
                ));
            }
        }
    }
    let get = |key: &str| -> Result<&(usize, String), ParseError> {
        header
            .get(key)
            .ok_or_else(|| ParseError::Missing(format!("header `{key} : ...` is missing")))
    };
    let int = |key: &str| -> Result<i64, ParseError> {
        let (line, value) = get(key)?;
        value
            .parse::<i64>()
            .ok()
            .filter(|&x| x >= 0)
            .ok_or_else(|| line_error(*line, &format!("a whole number for {key}"), value))
    };
    let name = header
        .get("NAME")
        .map_or_else(String::new, |(_, v)| v.clone());
    let dimension = int("DIMENSION")? as usize;
    let vehicles = int("VEHICLES")? as usize;
    let capacity = int("CAPACITY")?;
    let service_time = match header.get("SERVICE_TIME") {
        Some((line, value)) => value
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| line_error(*line, "a number for SERVICE_TIME", value))?,
        None => 0.0,
    };
    if let Some((line, value)) = header.get("EDGE_WEIGHT_TYPE")
        && value != "EXACT_2D"
        && value != "EUC_2D"
    {
        return Err(line_error(*line, "EDGE_WEIGHT_TYPE : EXACT_2D", value));
    }
    let depot = match depots.as_slice() {
        [] => 1,
        [d] => *d,
        _ => return Err(ParseError::Missing("only one depot is supported".into())),
    };
    let mut points = Vec::with_capacity(dimension);
    for node in 1..=dimension {
        for (map_len, what) in [
            (coords.contains_key(&node), "NODE_COORD_SECTION"),
            (windows.contains_key(&node), "TIME_WINDOW_SECTION"),
        ] {
            if !map_len {
                return Err(ParseError::Missing(format!(
                    "node {node} has no line in {what} (DIMENSION is {dimension})"
                )));
            }
        }
        points.push(coords[&node]);
    }
    if let Some(extra) = coords
        .keys()
        .chain(windows.keys())
        .chain(demands.keys())
        .find(|&&k| k > dimension)
    {
        return Err(ParseError::Missing(format!(
            "node {extra} is beyond DIMENSION {dimension}"
        )));
    }
    if depot > dimension {
        return Err(ParseError::Missing(format!(
            "depot {depot} is beyond DIMENSION {dimension}"
        )));
    }
    let (d_start, d_end) = windows[&depot];
    let mut jobs = Vec::new();
    let mut node_ids = Vec::new();
    for node in (1..=dimension).filter(|&n| n != depot) {
        let (a, b) = windows[&node];
        let mut job = Job::at(
            node - 1,
            services.get(&node).copied().unwrap_or(service_time),
        );
        job.windows = vec![TimeWindow::new(a, b)];
        job.demand = vec![demands.get(&node).copied().unwrap_or(0)];
        jobs.push(job);
        node_ids.push(node);
    }
    let mut worker = Worker::at(depot - 1, TimeWindow::new(d_start, d_end));
    worker.capacity = vec![capacity];
    let problem = Problem {
        jobs,
        workers: vec![worker; vehicles],
        matrix: Matrix::euclidean(&points),
    };
    Ok(Instance {
        name,
        problem,
        node_ids,
    })
}
