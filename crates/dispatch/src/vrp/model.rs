//! The problem a route plan answers: jobs, workers and the travel matrix between places.
//!
//! Everything is plain data indexed by position (`usize`): job `j` is `problem.jobs[j]`,
//! worker `w` is `problem.workers[w]`, a location is a row of the matrix. Times and
//! distances are `f64` so that benchmark instances with unrounded Euclidean distances are
//! represented exactly as published; product callers pass seconds and metres.

use std::fmt;

/// A closed interval `[start, end]` in which a service (or a break) may *start*.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TimeWindow {
    /// Earliest start.
    pub start: f64,
    /// Latest start.
    pub end: f64,
}

impl TimeWindow {
    /// A window from `start` to `end` (inclusive).
    pub fn new(start: f64, end: f64) -> Self {
        Self { start, end }
    }

    /// A window that never binds.
    pub fn unbounded() -> Self {
        Self {
            start: f64::NEG_INFINITY,
            end: f64::INFINITY,
        }
    }
}

/// A set of up to 64 skills, one bit each (the caller maps skill names to bits).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Skills(pub u64);

impl Skills {
    /// No skill at all.
    pub const NONE: Skills = Skills(0);

    /// True when every skill in `required` is also in `self`.
    pub fn covers(self, required: Skills) -> bool {
        required.0 & !self.0 == 0
    }
}

/// Travel durations and distances between locations; asymmetric matrices are allowed.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    size: usize,
    durations: Vec<f64>,
    distances: Vec<f64>,
}

/// A matrix whose data does not match its declared size.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("a {size}x{size} matrix needs {expected} entries, got {got}")]
pub struct MatrixSizeError {
    size: usize,
    expected: usize,
    got: usize,
}

impl Matrix {
    /// Builds a matrix from row-major `durations` and `distances`, each `size * size` long.
    pub fn new(
        size: usize,
        durations: Vec<f64>,
        distances: Vec<f64>,
    ) -> Result<Self, MatrixSizeError> {
        let expected = size * size;
        for got in [durations.len(), distances.len()] {
            if got != expected {
                return Err(MatrixSizeError {
                    size,
                    expected,
                    got,
                });
            }
        }
        Ok(Self {
            size,
            durations,
            distances,
        })
    }

    /// Euclidean distances between points, unrounded, with travel time equal to distance
    /// (the convention of the Solomon benchmark).
    pub fn euclidean(points: &[(f64, f64)]) -> Self {
        let size = points.len();
        let mut distances = Vec::with_capacity(size * size);
        for &(xa, ya) in points {
            for &(xb, yb) in points {
                distances.push(((xa - xb).powi(2) + (ya - yb).powi(2)).sqrt());
            }
        }
        Self {
            size,
            durations: distances.clone(),
            distances,
        }
    }

    /// Number of locations.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Travel time from `a` to `b`.
    #[inline]
    pub fn duration(&self, a: usize, b: usize) -> f64 {
        self.durations[a * self.size + b]
    }

    /// Travel distance from `a` to `b`.
    #[inline]
    pub fn distance(&self, a: usize, b: usize) -> f64 {
        self.distances[a * self.size + b]
    }
}

/// A visit to be made by one worker.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Row of the matrix where the job takes place.
    pub location: usize,
    /// Time spent on site.
    pub service: f64,
    /// Windows in which the service may start; empty means any time.
    pub windows: Vec<TimeWindow>,
    /// Skills the worker must have.
    pub skills: Skills,
    /// Higher is more important to serve: leaving the job out weighs `1 + priority`.
    pub priority: u32,
    /// Amount consumed from the worker's capacity, one entry per dimension
    /// (missing entries count as zero).
    pub demand: Vec<i64>,
    /// When set, only this worker may serve the job (it was promised or is under way).
    pub pinned_worker: Option<usize>,
    /// Extra cost of starting the service in window `k` (`window_costs[k]`; missing
    /// entries are zero): e.g. a window other than the time the customer was told.
    pub window_costs: Vec<f64>,
    /// The worker the job was promised to, and what giving it to another one costs.
    pub promise: Option<Promise>,
    /// The worker takes their breaks inside this job (a long visit whose service time
    /// allows for them): a route with such a job has no break stops of its own.
    pub holds_breaks: bool,
}

/// What a worker (and the customer) were told: moving the job to someone else costs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Promise {
    /// The worker who was told.
    pub worker: usize,
    /// Cost added when another worker serves the job.
    pub move_cost: f64,
}

impl Job {
    /// A job at `location` with `service` time, no window, no skill, no demand.
    pub fn at(location: usize, service: f64) -> Self {
        Self {
            location,
            service,
            windows: Vec::new(),
            skills: Skills::NONE,
            priority: 0,
            demand: Vec::new(),
            pinned_worker: None,
            window_costs: Vec::new(),
            promise: None,
            holds_breaks: false,
        }
    }

    /// Extra cost of serving the job by worker `w` starting in window `k`.
    pub fn penalty(&self, w: usize, k: usize) -> f64 {
        let moved = self
            .promise
            .filter(|p| p.worker != w)
            .map_or(0.0, |p| p.move_cost);
        moved + self.window_costs.get(k).copied().unwrap_or(0.0)
    }
}

/// A pause a worker takes once during a non-empty route, where they are at the time (or
/// inside a job that holds the breaks, [`Job::holds_breaks`]). It starts inside its
/// window, or right after a job that started by the window's end (the job in progress
/// at its latest start defers it to the job's end).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Break {
    /// When the break may start.
    pub window: TimeWindow,
    /// How long it lasts.
    pub duration: f64,
}

/// A worker (vehicle) who may serve a route of jobs during a shift.
#[derive(Clone, Debug, PartialEq)]
pub struct Worker {
    /// Where the route starts.
    pub start_location: usize,
    /// Where the route ends (often the same as the start).
    pub end_location: usize,
    /// The route leaves the start no earlier than `shift.start` and reaches the end no later
    /// than `shift.end`.
    pub shift: TimeWindow,
    /// Breaks taken during a non-empty route.
    pub breaks: Vec<Break>,
    /// Skills the worker has.
    pub skills: Skills,
    /// At most this many jobs.
    pub max_jobs: Option<usize>,
    /// At most this long from leaving the start to reaching the end.
    pub max_working_time: Option<f64>,
    /// Capacity per dimension (missing dimensions are unlimited).
    pub capacity: Vec<i64>,
    /// Cost per unit of distance travelled.
    pub cost_per_distance: f64,
    /// Cost per unit of time from leaving the start to reaching the end.
    pub cost_per_time: f64,
    /// Cost of using the worker at all.
    pub fixed_cost: f64,
    /// A job already under way (the worker is on the way to it or serving it): it is the
    /// route's first stop whatever else changes, and only this worker serves it.
    pub first_job: Option<usize>,
}

impl Worker {
    /// A worker based at `depot` for `shift`, paid per distance only, with no other limit.
    pub fn at(depot: usize, shift: TimeWindow) -> Self {
        Self {
            start_location: depot,
            end_location: depot,
            shift,
            breaks: Vec::new(),
            skills: Skills(u64::MAX),
            max_jobs: None,
            max_working_time: None,
            capacity: Vec::new(),
            cost_per_distance: 1.0,
            cost_per_time: 0.0,
            fixed_cost: 0.0,
            first_job: None,
        }
    }
}

/// A routing problem: which worker does which jobs, in which order.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Jobs to plan.
    pub jobs: Vec<Job>,
    /// Workers available; each serves at most one route.
    pub workers: Vec<Worker>,
    /// Travel between locations.
    pub matrix: Matrix,
}

/// A problem that cannot be solved as stated (a location outside the matrix, a pin to a
/// worker that does not exist...).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ProblemError {
    /// A job or worker refers to a matrix row that does not exist.
    #[error("{what} refers to location {location}, but the matrix has {size} locations")]
    LocationOutOfRange {
        what: String,
        location: usize,
        size: usize,
    },
    /// A job is pinned to a worker that does not exist.
    #[error("job {job} is pinned to worker {worker}, but there are {workers} workers")]
    PinOutOfRange {
        job: usize,
        worker: usize,
        workers: usize,
    },
    /// A number is not finite or negative where it must not be.
    #[error("{what} must be a finite non-negative number")]
    BadNumber { what: String },
    /// A worker's first job does not exist, is another worker's first job, or is pinned
    /// to someone else.
    #[error("worker {worker} cannot start with job {job}: {why}")]
    FirstJob {
        worker: usize,
        job: usize,
        why: &'static str,
    },
}

impl Problem {
    /// Checks the references and numbers in the problem.
    pub fn validate(&self) -> Result<(), ProblemError> {
        let size = self.matrix.size();
        let loc = |what: String, location: usize| {
            if location < size {
                Ok(())
            } else {
                Err(ProblemError::LocationOutOfRange {
                    what,
                    location,
                    size,
                })
            }
        };
        for (j, job) in self.jobs.iter().enumerate() {
            loc(format!("job {j}"), job.location)?;
            if !(job.service.is_finite() && job.service >= 0.0) {
                return Err(ProblemError::BadNumber {
                    what: format!("service time of job {j}"),
                });
            }
            if let Some(w) = job.pinned_worker
                && w >= self.workers.len()
            {
                return Err(ProblemError::PinOutOfRange {
                    job: j,
                    worker: w,
                    workers: self.workers.len(),
                });
            }
            if job.window_costs.len() > job.windows.len()
                || job
                    .window_costs
                    .iter()
                    .chain(job.promise.as_ref().map(|p| &p.move_cost))
                    .any(|c| !(c.is_finite() && *c >= 0.0))
            {
                return Err(ProblemError::BadNumber {
                    what: format!("window or move costs of job {j}"),
                });
            }
            if let Some(p) = job.promise
                && p.worker >= self.workers.len()
            {
                return Err(ProblemError::PinOutOfRange {
                    job: j,
                    worker: p.worker,
                    workers: self.workers.len(),
                });
            }
        }
        let mut first_of = vec![None; self.jobs.len()];
        for (w, worker) in self.workers.iter().enumerate() {
            let Some(job) = worker.first_job else {
                continue;
            };
            let why = if job >= self.jobs.len() {
                "there is no such job"
            } else if first_of[job].is_some() {
                "it is another worker's first job"
            } else if self.jobs[job].pinned_worker.is_some_and(|p| p != w) {
                "it is pinned to another worker"
            } else {
                first_of[job] = Some(w);
                continue;
            };
            return Err(ProblemError::FirstJob {
                worker: w,
                job,
                why,
            });
        }
        for (w, worker) in self.workers.iter().enumerate() {
            loc(format!("start of worker {w}"), worker.start_location)?;
            loc(format!("end of worker {w}"), worker.end_location)?;
            if worker
                .breaks
                .iter()
                .any(|b| !(b.duration.is_finite() && b.duration >= 0.0))
            {
                return Err(ProblemError::BadNumber {
                    what: format!("break duration of worker {w}"),
                });
            }
        }
        Ok(())
    }

    /// The worker whose first job `j` is, if any.
    pub fn first_job_of(&self, j: usize) -> Option<usize> {
        self.workers.iter().position(|w| w.first_job == Some(j))
    }

    /// Number of capacity dimensions used by any job or worker.
    pub fn dimensions(&self) -> usize {
        let jobs = self.jobs.iter().map(|j| j.demand.len());
        let workers = self.workers.iter().map(|w| w.capacity.len());
        jobs.chain(workers).max().unwrap_or(0)
    }
}

/// Why a job is left out of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnassignedReason {
    /// No worker (or not the pinned one) has every skill the job needs.
    NoWorkerWithSkills,
    /// The job's demand exceeds the capacity of every worker able to do it.
    Capacity,
    /// No able worker can reach the job inside any of its windows.
    WindowUnreachable,
    /// A worker can start the job in time, but then cannot get back before the shift ends
    /// (or within the maximum working time, or around the breaks).
    ShiftTooShort,
    /// No able worker may take any job (maximum of zero jobs).
    MaxJobs,
    /// The job fits into an empty route, but not beside the other jobs within the time
    /// searched: the workers are fully booked.
    FleetFull,
}

impl fmt::Display for UnassignedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NoWorkerWithSkills => "no worker has the skills",
            Self::Capacity => "demand exceeds every able worker's capacity",
            Self::WindowUnreachable => "no worker can arrive inside a time window",
            Self::ShiftTooShort => "shift too short to do the job and return",
            Self::MaxJobs => "every able worker has a maximum of zero jobs",
            Self::FleetFull => "workers fully booked",
        })
    }
}
