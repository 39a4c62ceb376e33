//! Worker positions, the geo index of dispatch: where each worker is and whether they take
//! work, fed from any source and read by dispatch, offers, the grab pool and the board.
//!
//! Sources today: the worker app's reports ([`report`], `live`), the job's place when a
//! visit step puts the worker there ([`at_job`], `last_job`), and the home base when a
//! worker comes online and nothing is recorded yet ([`presence_changed`], `home_base`).
//! The index keeps one presence per worker, replaced by the next; no trail is kept here
//! (location history is the visit work's).
//!
//! The index is the node's `WorkerPositions`: in this process, or in Redis shared by every
//! node. When it does not answer, readers fall back to what the database knows (home
//! base, last job's place) and dispatch goes on; a report is refused as unavailable (the
//! app reports again); a presence change or a visit step goes through without it; the
//! erasure of a worker is retried by the job queue until the index forgets them.

use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::presence::{PositionSource, Presence, best_position};
use daojia_domain::worker::WorkerStatus;
use daojia_shared::SharedError;
use daojia_store::entity::worker;
use daojia_store::repo::jobs;
use sea_orm::EntityTrait;
use std::collections::HashMap;
use uuid::Uuid;

/// The least accurate report taken, metres (a fix worse than this says little about which
/// worker is nearest).
pub const MAX_ACCURACY_M: f64 = 500.0;

/// How far ahead of the server's clock a report's time may be (the phone's clock skew).
pub const MAX_AHEAD: Duration = Duration::seconds(60);

/// How old a report may be when it arrives (one sent late from a queue says where the
/// worker was, not where they are).
pub const MAX_AGE: Duration = Duration::minutes(10);

/// How long a recorded position stands for where the worker is; after that dispatch goes
/// by the database again (home base, the last job's place).
pub const FRESH: Duration = Duration::hours(2);

/// The job kind that retries forgetting an erased worker while the index does not answer.
pub const FORGET_JOB: &str = "positions.forget";

/// Redis's GEO sets index latitudes up to this (Web Mercator's limit).
const MAX_LAT: f64 = 85.05;

/// A position reported by the worker's device.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Report {
    /// Latitude, degrees (WGS-84).
    pub lat: f64,
    /// Longitude, degrees (WGS-84).
    pub lng: f64,
    /// Radius of the fix's uncertainty, metres.
    pub accuracy_m: f64,
    /// When the device measured it (the server's clock when absent).
    pub measured_at: Option<DateTime<Utc>>,
}

impl Report {
    /// The position and its time, or the field that is wrong.
    fn check(&self, now: DateTime<Utc>) -> Result<(LatLng, DateTime<Utc>)> {
        if !self.lat.is_finite() || self.lat.abs() > MAX_LAT {
            return Err(Error::field(
                "lat",
                "out_of_range",
                format!("a latitude between -{MAX_LAT} and {MAX_LAT} degrees"),
            ));
        }
        if !self.lng.is_finite() || self.lng.abs() > 180.0 {
            return Err(Error::field(
                "lng",
                "out_of_range",
                "a longitude between -180 and 180 degrees",
            ));
        }
        if !self.accuracy_m.is_finite() || self.accuracy_m < 0.0 {
            return Err(Error::field(
                "accuracy_m",
                "out_of_range",
                "the fix's accuracy in metres, 0 or more",
            ));
        }
        if self.accuracy_m > MAX_ACCURACY_M {
            return Err(Error::field(
                "accuracy_m",
                "too_inaccurate",
                format!(
                    "the fix is too rough ({:.0} m); send one accurate to {MAX_ACCURACY_M:.0} m",
                    self.accuracy_m
                ),
            ));
        }
        let at = self.measured_at.unwrap_or(now);
        if at > now + MAX_AHEAD {
            return Err(Error::field(
                "measured_at",
                "in_the_future",
                "after the server's clock: check the phone's time",
            ));
        }
        if at < now - MAX_AGE {
            return Err(Error::field(
                "measured_at",
                "too_old",
                format!(
                    "measured more than {} minutes ago; send where you are now",
                    MAX_AGE.num_minutes()
                ),
            ));
        }
        // A little ahead is the phone's clock: the report counts as made now.
        Ok((LatLng::new(self.lat, self.lng), at.min(now)))
    }
}

fn unavailable(e: &SharedError) -> Error {
    Error::Unavailable {
        code: "positions_unavailable",
        message: format!("positions cannot be recorded now ({e}); report again shortly"),
        retry_after_secs: 30,
    }
}

async fn worker_row(app: &App, worker_id: Uuid) -> Result<worker::Model> {
    worker::Entity::find_by_id(worker_id)
        .one(app.store.db())
        .await?
        .ok_or(Error::NotFound("worker"))
}

/// Records where the worker's device says they are. Only a working worker who is online
/// reports (nobody is followed off duty). A report measured before the report or
/// check-in recorded changes nothing. Returns what is recorded now.
pub async fn report(app: &App, worker_id: Uuid, r: Report, now: DateTime<Utc>) -> Result<Presence> {
    let (at, measured) = r.check(now)?;
    let w = worker_row(app, worker_id).await?;
    if !w
        .status
        .parse::<WorkerStatus>()
        .is_ok_and(WorkerStatus::works)
    {
        return Err(Error::conflict(
            "not_active",
            "only an active worker shares a position",
        ));
    }
    if !w.online {
        return Err(Error::conflict(
            "worker_offline",
            "go online to share your position",
        ));
    }
    let presence = Presence {
        at,
        source: PositionSource::Live,
        online: w.online,
        accepting: w.online && w.accepting,
        seen_at: measured.timestamp(),
    };
    let Some(index) = &app.positions else {
        return Err(Error::Unavailable {
            code: "positions_unavailable",
            message: "this node keeps no positions".into(),
            retry_after_secs: 60,
        });
    };
    // The check and the write are one step in the index: of two reports racing from two
    // nodes, the later measurement stays.
    index
        .report(WorkerId(worker_id), presence)
        .await
        .map_err(|e| {
            if matches!(e, SharedError::Unavailable(_)) {
                unavailable(&e)
            } else {
                Error::internal(e)
            }
        })
}

/// After a presence change (online, 接单/休息) is stored: the index's flags follow. A worker
/// coming online whom the index does not know is recorded at their home base, so that a
/// search of the index finds them. Never fails: the database holds the change.
pub async fn presence_changed(app: &App, w: &worker::Model, now: DateTime<Utc>) {
    let Some(index) = &app.positions else { return };
    let id = WorkerId(w.id);
    let accepting = w.online && w.accepting;
    match index.set_flags(id, w.online, accepting).await {
        Ok(true) => {}
        Ok(false) if w.online => {
            let home = Presence {
                at: LatLng::new(w.home_lat, w.home_lng),
                source: PositionSource::HomeBase,
                online: true,
                accepting,
                seen_at: now.timestamp(),
            };
            if let Err(e) = index.upsert(id, home).await {
                tracing::debug!(worker = %w.id, error = %e, "presence not indexed");
            }
        }
        Ok(false) => {}
        Err(e) => tracing::debug!(worker = %w.id, error = %e, "presence not indexed"),
    }
}

/// A visit step put the worker at the job's place (`at`): recorded as their last job's
/// position as of `now`. Never fails: the order's state in the database says as much.
pub async fn at_job(app: &App, worker_id: Uuid, at: LatLng, now: DateTime<Utc>) {
    let Some(index) = &app.positions else { return };
    let w = match worker_row(app, worker_id).await {
        Ok(w) => w,
        Err(e) => {
            tracing::debug!(worker = %worker_id, error = %e, "job's place not indexed");
            return;
        }
    };
    let p = Presence {
        at,
        source: PositionSource::LastJob,
        online: w.online,
        accepting: w.online && w.accepting,
        seen_at: now.timestamp(),
    };
    if let Err(e) = index.upsert(WorkerId(worker_id), p).await {
        tracing::debug!(worker = %worker_id, error = %e, "job's place not indexed");
    }
}

/// Forgets an erased worker. When the index does not answer, a job retries until it does
/// (a position is personal data: it must not outlive the account).
pub async fn forget(app: &App, worker_id: Uuid, now: DateTime<Utc>) -> Result<()> {
    let Some(index) = &app.positions else {
        return Ok(());
    };
    match index.remove(WorkerId(worker_id)).await {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::warn!(worker = %worker_id, error = %e, "cannot remove an erased worker's position now; retrying from the job queue");
            jobs::enqueue(
                app.store.db(),
                jobs::NewJob {
                    kind: FORGET_JOB.into(),
                    payload: serde_json::json!({ "worker_id": worker_id }),
                    run_at: now + Duration::seconds(30),
                    dedupe_key: Some(format!("{FORGET_JOB}:{worker_id}")),
                    max_attempts: 50,
                },
                now,
            )
            .await?;
            Ok(())
        }
    }
}

/// Runs a [`FORGET_JOB`]; an error leaves the job to be retried.
pub async fn forget_job(app: &App, payload: &serde_json::Value) -> Result<()> {
    let id: Uuid = payload["worker_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::internal("the payload names no worker_id"))?;
    let Some(index) = &app.positions else {
        return Ok(());
    };
    index
        .remove(WorkerId(id))
        .await
        .map(drop)
        .map_err(Error::internal)
}

/// The recorded positions of `ids` that still stand for where the workers are at `now`
/// (a live report or a job's place within [`FRESH`]; the home base is the database's).
/// Empty when the node keeps no positions or the index does not answer: the caller goes
/// by the database.
pub async fn recorded(app: &App, ids: &[Uuid], now: DateTime<Utc>) -> HashMap<Uuid, Presence> {
    let Some(index) = &app.positions else {
        return HashMap::new();
    };
    let ids: Vec<WorkerId> = ids.iter().copied().map(WorkerId).collect();
    let since = (now - FRESH).timestamp();
    match index.get_many(&ids).await {
        Ok(m) => m
            .into_iter()
            .filter(|(_, p)| p.source != PositionSource::HomeBase && p.seen_at >= since)
            .map(|(w, p)| (w.0, p))
            .collect(),
        Err(e) => {
            tracing::debug!(error = %e, "positions not read; going by the database");
            HashMap::new()
        }
    }
}

/// The recorded position of one worker, as [`recorded`].
pub async fn recorded_one(app: &App, id: Uuid, now: DateTime<Utc>) -> Option<Presence> {
    recorded(app, &[id], now).await.remove(&id)
}

/// Where a worker is: the more recent of a live report and their last job's place (the
/// database's, or one a visit step recorded), else their home base; with the time it was
/// true.
pub fn best(
    recorded: Option<&Presence>,
    last_job: Option<(LatLng, i64)>,
    home: LatLng,
) -> (LatLng, PositionSource, Option<i64>) {
    let mut live = None;
    let mut job = last_job;
    if let Some(p) = recorded {
        match p.source {
            PositionSource::Live => live = Some((p.at, p.seen_at)),
            PositionSource::LastJob if job.is_none_or(|(_, t)| p.seen_at > t) => {
                job = Some((p.at, p.seen_at));
            }
            _ => {}
        }
    }
    best_position(live, job, home)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(lat: f64, lng: f64, accuracy_m: f64, ago_secs: Option<i64>) -> Report {
        Report {
            lat,
            lng,
            accuracy_m,
            measured_at: ago_secs.map(|s| now() - Duration::seconds(s)),
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn field_of(r: Result<(LatLng, DateTime<Utc>)>) -> (String, &'static str) {
        match r {
            Err(Error::Field { field, code, .. }) => (field, code),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_report_is_checked_field_by_field() {
        let ok = report(31.2, 121.4, 20.0, None).check(now()).unwrap();
        assert_eq!(ok, (LatLng::new(31.2, 121.4), now()));
        for (r, field, code) in [
            (report(91.0, 121.4, 20.0, None), "lat", "out_of_range"),
            (report(86.0, 121.4, 20.0, None), "lat", "out_of_range"),
            (report(31.2, -180.5, 20.0, None), "lng", "out_of_range"),
            (
                report(31.2, 121.4, -1.0, None),
                "accuracy_m",
                "out_of_range",
            ),
            (
                report(31.2, 121.4, 501.0, None),
                "accuracy_m",
                "too_inaccurate",
            ),
            (
                report(31.2, 121.4, 20.0, Some(-61)),
                "measured_at",
                "in_the_future",
            ),
            (
                report(31.2, 121.4, 20.0, Some(601)),
                "measured_at",
                "too_old",
            ),
        ] {
            assert_eq!(field_of(r.check(now())), (field.to_string(), code), "{r:?}");
        }
        // Within the skew: counted as now.
        let (_, at) = report(31.2, 121.4, 500.0, Some(-30)).check(now()).unwrap();
        assert_eq!(at, now());
        let (_, at) = report(31.2, 121.4, 0.0, Some(600)).check(now()).unwrap();
        assert_eq!(at, now() - Duration::seconds(600));
    }

    #[test]
    fn the_newest_of_a_report_and_the_last_job_wins_and_home_is_the_fallback() {
        let home = LatLng::new(31.0, 121.0);
        let job = LatLng::new(31.1, 121.1);
        let here = LatLng::new(31.2, 121.2);
        let p = |source, seen_at| Presence {
            at: here,
            source,
            online: true,
            accepting: true,
            seen_at,
        };
        assert_eq!(best(None, None, home).1, PositionSource::HomeBase);
        assert_eq!(
            best(Some(&p(PositionSource::Live, 200)), Some((job, 100)), home),
            (here, PositionSource::Live, Some(200))
        );
        assert_eq!(
            best(Some(&p(PositionSource::Live, 50)), Some((job, 100)), home),
            (job, PositionSource::LastJob, Some(100))
        );
        // A check-in recorded after the database's last job (by window) is the place now.
        assert_eq!(
            best(
                Some(&p(PositionSource::LastJob, 200)),
                Some((job, 100)),
                home
            ),
            (here, PositionSource::LastJob, Some(200))
        );
        // A home base in the index says nothing the database does not.
        assert_eq!(
            best(Some(&p(PositionSource::HomeBase, 200)), None, home),
            (home, PositionSource::HomeBase, None)
        );
    }
}
