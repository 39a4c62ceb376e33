//! Tests of the dispatch core: one per rejection reason and per conflict, and the
//! ranking's rules, over the fixtures here.

mod classic;
mod manual;
mod ranking;
mod reasons;

use super::*;
use chrono::{DateTime, TimeZone, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{OrderId, WorkerId};
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::travel::TravelModel;
use uuid::Uuid;

const H: i64 = 3600;
/// Local midnight, 2026-11-30 in Shanghai.
const DAY0: i64 = 1_795_996_800 - 8 * H;
const HOME: LatLng = LatLng::new(31.2304, 121.4737);

fn area() -> Uuid {
    Uuid::from_u128(77)
}

fn at(h: i64) -> i64 {
    DAY0 + h * H
}

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(at(7), 0).single().expect("a valid time")
}

fn near(dlat: f64, dlng: f64) -> LatLng {
    LatLng::new(HOME.lat + dlat, HOME.lng + dlng)
}

fn worker(n: u128) -> WorkerSnapshot {
    WorkerSnapshot {
        id: WorkerId(Uuid::from_u128(n)),
        home: HOME,
        presence: Presence {
            at: HOME,
            source: PositionSource::HomeBase,
            online: true,
            accepting: true,
            seen_at: at(7),
        },
        skills: vec![Skill {
            code: "clean".into(),
            level: 2,
        }],
        certificates: vec![Certificate {
            skill: "clean".into(),
            expires_at: Utc.timestamp_opt(at(24 * 30), 0).single().expect("time"),
        }],
        areas: vec![area()],
        status: WorkerStatus::Active,
        grab_rights: true,
        credit: 100,
        rating: Some(4.5),
        on_time_rate: Some(0.9),
        jobs_today: 0,
        earnings_today: 0,
        daily_limit: Some(6),
        partner: None,
        deposit: 0,
        shift: Some(Shift {
            start: at(8),
            end: at(18),
            rest: Some((at(12), at(13))),
        }),
        jobs: vec![],
    }
}

fn order() -> OrderRequest {
    OrderRequest {
        id: OrderId(Uuid::from_u128(1000)),
        at: near(0.01, 0.01),
        area: area(),
        window_start: at(10),
        window_end: at(11),
        duration: 2 * H,
        requirements: vec![Requirement {
            skill: "clean".into(),
            min_level: 1,
            certificate: true,
        }],
        preferred: None,
        previous: vec![],
        excluded: vec![],
        deposit_required: None,
    }
}

fn job(key: u128, place: LatLng, ws: i64, we: i64, duration: i64) -> Visit {
    Visit {
        key: Uuid::from_u128(key),
        at: place,
        window_start: ws,
        window_end: we,
        duration,
    }
}

fn reason(w: &WorkerSnapshot, o: &OrderRequest) -> Reason {
    let tt = TravelModel::default();
    match check_worker(w, o, &Settings::default(), &tt, now()) {
        Ok(fit) => panic!("expected a rejection, the worker fits: {fit:?}"),
        Err(r) => r,
    }
}

fn pool(workers: Vec<WorkerSnapshot>) -> Pool {
    Pool::new(workers)
}
