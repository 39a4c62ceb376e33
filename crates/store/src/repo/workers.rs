//! Worker management's reads that more than one place needs: the encrypted ID number, a
//! worker's skills with levels, their certificates, their shift exceptions, the
//! certificate kinds items require, and from those the skills a worker may be dispatched
//! for on a date (the rule itself is `daojia_domain::worker::dispatchable_skills`).

use crate::Store;
use crate::entity::{
    item_certificate, service_item, worker, worker_certificate, worker_shift,
    worker_shift_exception, worker_skill,
};
use crate::pii::VaultError;
use chrono::NaiveDate;
use daojia_domain::worker::{Certificate, CertificateStatus, DayShift, ShiftException, day_shift};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Encryption context of a worker's ID number (身份证号).
pub const WORKER_ID_NUMBER: &str = "worker.id_number";

/// A worker's ID number, decrypted (`None` when none is on file).
pub fn id_number(store: &Store, w: &worker::Model) -> Option<Result<String, VaultError>> {
    w.id_number_enc
        .as_deref()
        .map(|enc| store.vault().decrypt(WORKER_ID_NUMBER, enc))
}

/// An ID number encrypted for `worker.id_number_enc`.
pub fn seal_id_number(store: &Store, id_number: &str) -> String {
    store.vault().encrypt(WORKER_ID_NUMBER, id_number)
}

/// A worker's skills with levels, by skill code.
pub async fn skills(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
) -> Result<Vec<worker_skill::Model>, DbErr> {
    worker_skill::Entity::find()
        .filter(worker_skill::Column::WorkerId.eq(worker_id))
        .order_by_asc(worker_skill::Column::Skill)
        .all(db)
        .await
}

/// A worker's certificates, newest first.
pub async fn certificates(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
) -> Result<Vec<worker_certificate::Model>, DbErr> {
    worker_certificate::Entity::find()
        .filter(worker_certificate::Column::WorkerId.eq(worker_id))
        .order_by_desc(worker_certificate::Column::Id)
        .all(db)
        .await
}

/// A worker's shift exceptions from `from` to `to` (inclusive), by date.
pub async fn exceptions(
    db: &impl ConnectionTrait,
    worker_ids: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<worker_shift_exception::Model>, DbErr> {
    if worker_ids.is_empty() {
        return Ok(vec![]);
    }
    worker_shift_exception::Entity::find()
        .filter(worker_shift_exception::Column::WorkerId.is_in(worker_ids.iter().copied()))
        .filter(worker_shift_exception::Column::OnDate.gte(from))
        .filter(worker_shift_exception::Column::OnDate.lte(to))
        .order_by_asc(worker_shift_exception::Column::OnDate)
        .order_by_asc(worker_shift_exception::Column::Id)
        .all(db)
        .await
}

/// A stored exception as the domain sees it (`None` for a row that makes no sense: an
/// extra shift without times).
pub fn exception_of(e: &worker_shift_exception::Model) -> Option<ShiftException> {
    let times = e.start_minute.zip(e.end_minute);
    match e.kind.as_str() {
        "leave" => Some(ShiftException::Leave { during: times }),
        "extra" => times.map(|(start, end)| ShiftException::Extra {
            shift: DayShift {
                start,
                end,
                rest: e.break_start_minute.zip(e.break_end_minute),
            },
        }),
        _ => None,
    }
}

/// A stored certificate as the domain sees it.
pub fn certificate_of(c: &worker_certificate::Model) -> Certificate {
    Certificate {
        kind: c.kind.clone(),
        skill: c.skill.clone(),
        status: c.status.parse().unwrap_or(CertificateStatus::Pending),
        expires_on: c.expires_on,
    }
}

/// The certificate kinds each skill requires: every kind an item requires, for every skill
/// the item needs.
pub async fn required_certificates(
    db: &impl ConnectionTrait,
) -> Result<BTreeMap<String, Vec<String>>, DbErr> {
    let rows = item_certificate::Entity::find().all(db).await?;
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if rows.is_empty() {
        return Ok(out);
    }
    let codes: Vec<String> = rows.iter().map(|r| r.item_code.clone()).collect();
    let items = service_item::Entity::find()
        .filter(service_item::Column::Code.is_in(codes))
        .all(db)
        .await?;
    for item in items {
        let skills: Vec<String> = serde_json::from_str(&item.skills).unwrap_or_default();
        for r in rows.iter().filter(|r| r.item_code == item.code) {
            for s in &skills {
                let kinds = out.entry(s.clone()).or_default();
                if !kinds.contains(&r.kind) {
                    kinds.push(r.kind.clone());
                }
            }
        }
    }
    Ok(out)
}

/// What slot search and planning need to apply certificates to a set of workers: the
/// requirements and each worker's certificates.
#[derive(Debug, Default)]
pub struct Qualifications {
    /// Skill → required certificate kinds.
    pub required: BTreeMap<String, Vec<String>>,
    /// Worker → certificates.
    pub certificates: HashMap<Uuid, Vec<Certificate>>,
}

impl Qualifications {
    /// Loads them for `worker_ids`.
    pub async fn load(db: &impl ConnectionTrait, worker_ids: &[Uuid]) -> Result<Self, DbErr> {
        let required = required_certificates(db).await?;
        Self::with(db, worker_ids, required).await
    }

    /// Like [`Qualifications::load`], with the requirements already read.
    pub async fn with(
        db: &impl ConnectionTrait,
        worker_ids: &[Uuid],
        required: BTreeMap<String, Vec<String>>,
    ) -> Result<Self, DbErr> {
        let mut certificates: HashMap<Uuid, Vec<Certificate>> = HashMap::new();
        if !required.is_empty() && !worker_ids.is_empty() {
            for c in worker_certificate::Entity::find()
                .filter(worker_certificate::Column::WorkerId.is_in(worker_ids.iter().copied()))
                .filter(worker_certificate::Column::Status.eq(CertificateStatus::Approved.as_str()))
                .all(db)
                .await?
            {
                certificates
                    .entry(c.worker_id)
                    .or_default()
                    .push(certificate_of(&c));
            }
        }
        Ok(Qualifications {
            required,
            certificates,
        })
    }

    /// The skills of `worker` (codes `skills`) that may be dispatched on `on`.
    pub fn dispatchable(&self, worker: Uuid, skills: &[String], on: NaiveDate) -> Vec<String> {
        if self.required.is_empty() {
            return skills.to_vec();
        }
        let none = vec![];
        let certs = self.certificates.get(&worker).unwrap_or(&none);
        daojia_domain::worker::dispatchable_skills(skills, certs, &self.required, on)
    }
}

/// A pool's active workers with what decides their days: weekly shifts, shift exceptions
/// (leave, extra shifts) and certificates. Slot search ([`super::slots::load_days`]) and
/// route planning ([`super::planning::load_day`]) both take their workers from here, so
/// that what booking promises and what planning plans is done by the same people in the
/// same hours.
#[derive(Debug)]
pub struct Staff {
    /// The workers, by code.
    pub workers: Vec<worker::Model>,
    shifts: Vec<worker_shift::Model>,
    exceptions: Vec<worker_shift_exception::Model>,
    quals: Qualifications,
}

/// A worker on shift on a date: the hours that date (template and exceptions) and the
/// skills they may be dispatched for then (certificates).
#[derive(Debug, Clone)]
pub struct OnShift {
    /// The worker.
    pub worker: worker::Model,
    /// The shift that date, minutes after local midnight.
    pub shift: DayShift,
    /// The skills that may be dispatched that date.
    pub skills: Vec<String>,
}

impl Staff {
    /// Loads the active workers of the areas `pool` for the dates `from ..= last` (the
    /// node's copies of their rows and of the certificate requirements while current,
    /// [`super::pool_rows`], [`super::catalog_rows`]).
    pub async fn load(
        db: &impl ConnectionTrait,
        pool: &[String],
        from: NaiveDate,
        last: NaiveDate,
    ) -> Result<Self, DbErr> {
        // Both counters in one statement; then, while they stand, no other read.
        let [staff, catalog] =
            super::versions::read_many(db, [super::versions::STAFF, super::versions::CATALOG])
                .await?;
        let rows = super::pool_rows::at(db, staff, pool, from, last).await?;
        let required = super::catalog_rows::at(db, catalog).await?.required.clone();
        Ok(Self::from_rows(&rows, required))
    }

    /// Like [`Staff::load`], with the `staff` counter already read (with the catalog's, in
    /// one statement: [`super::versions::read_many`]) and the requirements of the catalog
    /// rows read at the catalog's counter.
    pub async fn load_at(
        db: &impl ConnectionTrait,
        staff: Option<(Uuid, i64)>,
        required: BTreeMap<String, Vec<String>>,
        pool: &[String],
        from: NaiveDate,
        last: NaiveDate,
    ) -> Result<Self, DbErr> {
        let rows = super::pool_rows::at(db, staff, pool, from, last).await?;
        Ok(Self::from_rows(&rows, required))
    }

    /// The staff of a pool's rows (its active workers), with the certificate requirements
    /// `required` already read.
    pub fn from_rows(
        rows: &super::pool_rows::PoolRows,
        required: BTreeMap<String, Vec<String>>,
    ) -> Self {
        let workers: Vec<worker::Model> =
            rows.workers.iter().filter(|w| w.active).cloned().collect();
        let active: std::collections::HashSet<Uuid> = workers.iter().map(|w| w.id).collect();
        let mut certificates: HashMap<Uuid, Vec<Certificate>> = HashMap::new();
        if !required.is_empty() {
            for c in rows
                .certificates
                .iter()
                .filter(|c| active.contains(&c.worker_id))
            {
                certificates
                    .entry(c.worker_id)
                    .or_default()
                    .push(certificate_of(c));
            }
        }
        Self {
            workers,
            shifts: rows
                .shifts
                .iter()
                .filter(|s| active.contains(&s.worker_id))
                .cloned()
                .collect(),
            exceptions: rows
                .exceptions
                .iter()
                .filter(|e| active.contains(&e.worker_id))
                .cloned()
                .collect(),
            quals: Qualifications {
                required,
                certificates,
            },
        }
    }

    /// The staff made of `workers` (already read, in code order; the active ones count),
    /// with the certificate requirements `required` already read, for `from ..= last`.
    pub async fn of(
        db: &impl ConnectionTrait,
        mut workers: Vec<worker::Model>,
        required: BTreeMap<String, Vec<String>>,
        from: NaiveDate,
        last: NaiveDate,
    ) -> Result<Self, DbErr> {
        workers.retain(|w| w.active);
        let ids: Vec<Uuid> = workers.iter().map(|w| w.id).collect();
        let shifts = if ids.is_empty() {
            vec![]
        } else {
            // Only the weekdays of the dates asked for (one day: a seventh of the rows).
            use chrono::Datelike;
            let weekdays: std::collections::BTreeSet<i16> = from
                .iter_days()
                .take_while(|d| *d <= last)
                .take(7)
                .map(|d| d.weekday().num_days_from_monday() as i16)
                .collect();
            worker_shift::Entity::find()
                .filter(worker_shift::Column::WorkerId.is_in(ids.clone()))
                .filter(worker_shift::Column::Weekday.is_in(weekdays))
                .all(db)
                .await?
        };
        let quals = Qualifications::with(db, &ids, required).await?;
        let exceptions = exceptions(db, &ids, from, last).await?;
        Ok(Self {
            workers,
            shifts,
            exceptions,
            quals,
        })
    }

    /// The certificates of `worker` (approved ones; none without requirements).
    pub fn certificates(&self, worker: Uuid) -> &[Certificate] {
        self.quals
            .certificates
            .get(&worker)
            .map_or(&[], Vec::as_slice)
    }

    /// The skills each worker may be dispatched for on `date` (a date the staff was loaded
    /// for), whether on shift that day or not.
    pub fn skill_sets(&self, date: NaiveDate) -> Vec<Vec<String>> {
        self.workers
            .iter()
            .map(|w| {
                let skills: Vec<String> = serde_json::from_str(&w.skills).unwrap_or_default();
                self.quals.dispatchable(w.id, &skills, date)
            })
            .collect()
    }

    /// The workers on shift on `date` (a date the staff was loaded for), by code.
    pub fn on(&self, date: NaiveDate) -> Vec<OnShift> {
        use chrono::Datelike;
        let weekday = date.weekday().num_days_from_monday() as i16;
        // The first template row of each worker that weekday, and the day's exceptions in
        // their order.
        let mut templates: HashMap<Uuid, &worker_shift::Model> = HashMap::new();
        for s in self.shifts.iter().filter(|s| s.weekday == weekday) {
            templates.entry(s.worker_id).or_insert(s);
        }
        let mut changed: HashMap<Uuid, Vec<ShiftException>> = HashMap::new();
        for e in self.exceptions.iter().filter(|e| e.on_date == date) {
            if let Some(x) = exception_of(e) {
                changed.entry(e.worker_id).or_default().push(x);
            }
        }
        self.workers
            .iter()
            .filter_map(|w| {
                let template = templates.get(&w.id).map(|s| super::slots::template_of(s));
                let changes = changed.remove(&w.id).unwrap_or_default();
                let shift = day_shift(template, &changes)?;
                let skills: Vec<String> = serde_json::from_str(&w.skills).unwrap_or_default();
                Some(OnShift {
                    worker: w.clone(),
                    shift,
                    skills: self.quals.dispatchable(w.id, &skills, date),
                })
            })
            .collect()
    }
}
