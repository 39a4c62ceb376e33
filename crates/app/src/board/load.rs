//! The board's own read of a day: the workers of an area's pool with their shift, skills
//! and certificates that day, and the orders they hold that day. Both the board and the
//! conflict check of a manual assignment build dispatch's [`WorkerSnapshot`]s from it, so
//! the board shows the day the check reasons about.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use daojia_dispatch::matching::{Certificate, Skill, WorkerSnapshot, WorkerStatus};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::order::ON_A_ROUTE;
use daojia_domain::order::OrderState;
use daojia_domain::presence::{PositionSource, Presence};
use daojia_domain::slots::{Shift, Visit};
use daojia_domain::worker::DayShift;
use daojia_store::entity::{service_area, service_order, worker, worker_skill};
use daojia_store::repo::slots::{midnight, pool_of, zone};
use daojia_store::repo::workers::Qualifications;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::{App, Result};

/// States of an order the worker already did that day (they count towards the daily
/// limit and place the worker at its address).
const DONE: [OrderState; 4] = [
    OrderState::PendingSettlement,
    OrderState::AwaitingBalance,
    OrderState::Completed,
    OrderState::AfterSales,
];

/// A day of some workers, as stored.
#[derive(Debug)]
pub struct DayRows {
    /// The local date.
    pub date: NaiveDate,
    /// The time zone of the day.
    pub tz: Tz,
    /// Local midnight starting the day.
    pub midnight: DateTime<Utc>,
    /// Every service area (ids and cities).
    pub areas: Vec<service_area::Model>,
    /// The workers.
    pub workers: Vec<worker::Model>,
    /// Each worker's shift that day (none: a day off).
    pub shifts: HashMap<Uuid, Option<DayShift>>,
    /// Each worker's skills with levels.
    pub skills: HashMap<Uuid, Vec<Skill>>,
    /// Certificate requirements and the workers' approved certificates.
    pub quals: Qualifications,
    /// The workers' orders whose window starts that day: to do and done.
    pub orders: Vec<service_order::Model>,
    /// Fresh positions from the positions index (live reports, check-ins), on today's
    /// day only.
    pub recorded: HashMap<Uuid, Presence>,
}

/// Loads the day `date` (in `tz`) of `workers` as of `now`.
pub async fn day_rows(
    app: &App,
    workers: Vec<worker::Model>,
    tz: Tz,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Result<DayRows> {
    let db = app.store.db();
    let start = midnight(tz, date);
    let end = midnight(tz, date + Duration::days(1));
    let ids: Vec<Uuid> = workers.iter().map(|w| w.id).collect();
    let shifts = crate::workers::shifts::calendars(app, &workers, date, date)
        .await?
        .into_iter()
        .map(|(id, days)| (id, days.first().and_then(|d| d.shift)))
        .collect();
    let mut skills: HashMap<Uuid, Vec<Skill>> = HashMap::new();
    let mut orders = vec![];
    if !ids.is_empty() {
        for s in worker_skill::Entity::find()
            .filter(worker_skill::Column::WorkerId.is_in(ids.clone()))
            .order_by_asc(worker_skill::Column::Skill)
            .all(db)
            .await?
        {
            skills.entry(s.worker_id).or_default().push(Skill {
                code: s.skill,
                level: u8::try_from(s.level.clamp(1, 9)).unwrap_or(1),
            });
        }
        let states = ON_A_ROUTE.iter().chain(DONE.iter()).map(|s| s.as_str());
        orders = service_order::Entity::find()
            .filter(service_order::Column::WorkerId.is_in(ids.clone()))
            .filter(service_order::Column::State.is_in(states))
            .filter(service_order::Column::WindowStart.gte(start))
            .filter(service_order::Column::WindowStart.lt(end))
            .order_by_asc(service_order::Column::WindowStart)
            .order_by_asc(service_order::Column::Id)
            .all(db)
            .await?;
    }
    // A worker enrolled before levels existed: the JSON list, at level 3 (as the profile).
    for w in &workers {
        skills.entry(w.id).or_insert_with(|| {
            serde_json::from_str::<Vec<String>>(&w.skills)
                .unwrap_or_default()
                .into_iter()
                .map(|code| Skill { code, level: 3 })
                .collect()
        });
    }
    let quals = Qualifications::load(db, &ids).await?;
    let recorded = if now.with_timezone(&tz).date_naive() == date {
        crate::workers::positions::recorded(app, &ids, now).await
    } else {
        HashMap::new()
    };
    Ok(DayRows {
        date,
        tz,
        midnight: start,
        areas: daojia_store::repo::catalog::areas(db).await?,
        workers,
        shifts,
        skills,
        quals,
        orders,
        recorded,
    })
}

/// An order as a visit of a worker's day.
pub fn visit_of(o: &service_order::Model) -> Visit {
    Visit {
        key: o.id,
        at: LatLng::new(o.lat, o.lng),
        window_start: o.window_start.timestamp(),
        window_end: o.window_end.timestamp(),
        duration: i64::from(o.duration_min.max(1)) * 60,
    }
}

/// The skill codes an order needs.
pub fn order_skills(o: &service_order::Model) -> Vec<String> {
    o.skills
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default()
}

fn state_of(o: &service_order::Model) -> Option<OrderState> {
    o.state.parse().ok()
}

/// Whether the order still takes the worker's time (offered, accepted, under way).
pub fn to_do(o: &service_order::Model) -> bool {
    state_of(o).is_some_and(|s| ON_A_ROUTE.contains(&s))
}

impl DayRows {
    /// A worker's shift that day in Unix seconds.
    pub fn shift(&self, worker: Uuid) -> Option<Shift> {
        let s = (*self.shifts.get(&worker)?)?;
        let at = |minute: i32| self.midnight.timestamp() + i64::from(minute) * 60;
        Some(Shift {
            start: at(s.start),
            end: at(s.end),
            rest: s.rest.filter(|(a, b)| b > a).map(|(a, b)| (at(a), at(b))),
        })
    }

    /// A worker's orders that day, by window start.
    pub fn orders_of(&self, worker: Uuid) -> impl Iterator<Item = &service_order::Model> {
        self.orders
            .iter()
            .filter(move |o| o.worker_id == Some(worker))
    }

    /// Where the worker is: the newer of a live report and their last job's place (the
    /// visit under way, else the last one done that day, else one a check-in recorded),
    /// else at home; as dispatch places them (`workers::positions::best`).
    pub fn position(&self, w: &worker::Model) -> (LatLng, PositionSource) {
        let home = LatLng::new(w.home_lat, w.home_lng);
        let mut last = None;
        for o in self.orders_of(w.id) {
            let here = (LatLng::new(o.lat, o.lng), o.window_start.timestamp());
            match state_of(o) {
                Some(OrderState::InService | OrderState::Arrived) => {
                    last = Some(here);
                    break;
                }
                Some(s) if DONE.contains(&s) => last = Some(here),
                _ => {}
            }
        }
        let (at, source, _) = crate::workers::positions::best(self.recorded.get(&w.id), last, home);
        (at, source)
    }

    /// The ids of the areas a worker serves: those of their area's city (the pool slot
    /// search books them in).
    pub fn areas_of(&self, w: &worker::Model) -> Vec<Uuid> {
        let Some(own) = self
            .areas
            .iter()
            .find(|a| Some(&a.code) == w.area_code.as_ref())
        else {
            return vec![];
        };
        let pool = pool_of(&self.areas, own);
        self.areas
            .iter()
            .filter(|a| pool.contains(&a.code))
            .map(|a| a.id)
            .collect()
    }

    /// The certificates of a worker as dispatch sees them: for each skill requiring
    /// certificates, the latest moment every required kind is still proved (none when a
    /// kind is missing).
    pub fn certificates(&self, worker: Uuid) -> Vec<Certificate> {
        let none = vec![];
        let held = self.quals.certificates.get(&worker).unwrap_or(&none);
        let mut out = vec![];
        for (skill, kinds) in &self.quals.required {
            let mut until: Option<DateTime<Utc>> = None;
            let mut all = true;
            for kind in kinds {
                let best = held
                    .iter()
                    .filter(|c| &c.kind == kind && c.skill.as_ref().is_none_or(|s| s == skill))
                    .map(|c| match c.expires_on {
                        Some(d) => midnight(self.tz, d + Duration::days(1)),
                        None => DateTime::<Utc>::MAX_UTC,
                    })
                    .max();
                match best {
                    Some(t) => until = Some(until.map_or(t, |u| u.min(t))),
                    None => all = false,
                }
            }
            if all && let Some(expires_at) = until {
                out.push(Certificate {
                    skill: skill.clone(),
                    expires_at,
                });
            }
        }
        out
    }

    /// Dispatch's snapshot of worker `w` that day, leaving out the order `without` (the
    /// one being placed on them).
    pub fn snapshot(&self, w: &worker::Model, without: Option<Uuid>) -> WorkerSnapshot {
        let (at, source) = self.position(w);
        let mine: Vec<&service_order::Model> = self
            .orders_of(w.id)
            .filter(|o| Some(o.id) != without)
            .collect();
        let status = match w.status.as_str() {
            "active" => WorkerStatus::Active,
            "suspended" => WorkerStatus::Suspended,
            "left" => WorkerStatus::Left,
            _ => WorkerStatus::Onboarding,
        };
        WorkerSnapshot {
            id: WorkerId(w.id),
            home: LatLng::new(w.home_lat, w.home_lng),
            presence: Presence {
                at,
                source,
                online: w.online,
                accepting: w.accepting,
                seen_at: w.presence_at.map_or(0, |t| t.timestamp()),
            },
            skills: self.skills.get(&w.id).cloned().unwrap_or_default(),
            certificates: self.certificates(w.id),
            areas: self.areas_of(w),
            status,
            grab_rights: true,
            credit: u8::try_from(w.credit_score.clamp(0, 100)).unwrap_or(100),
            rating: (w.rating_tenths > 0).then(|| f64::from(w.rating_tenths) / 10.0),
            on_time_rate: None,
            jobs_today: u32::try_from(mine.len()).unwrap_or(u32::MAX),
            earnings_today: 0,
            daily_limit: w.daily_job_limit.and_then(|l| u32::try_from(l.max(0)).ok()),
            partner: w.partner_id,
            // The deposit gate is the caller's to fill in (`check::preview`): the board
            // only times the day.
            deposit: 0,
            shift: self.shift(w.id),
            jobs: mine
                .into_iter()
                .filter(|o| to_do(o))
                .map(visit_of)
                .collect(),
        }
    }

    /// The skills each required certificate kind belongs to (for messages).
    pub fn required(&self) -> &BTreeMap<String, Vec<String>> {
        &self.quals.required
    }
}

/// The area `code` and its time zone.
pub async fn area(app: &App, code: &str) -> Result<Option<(service_area::Model, Tz)>> {
    Ok(daojia_store::repo::catalog::areas(app.store.db())
        .await?
        .into_iter()
        .find(|a| a.code == code)
        .map(|a| {
            let tz = zone(&a);
            (a, tz)
        }))
}
