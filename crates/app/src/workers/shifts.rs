//! Shifts: the weekly template (weekday 0 = Monday … 6 = Sunday, minutes after local
//! midnight, an optional break), exceptions on dates (leave, extra shifts), and the
//! calendar that results, per worker and per area, for a range of dates.

use super::{Actor, Scope, settle, text, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use daojia_domain::worker::{DayShift, ShiftException, day_shift};
use daojia_store::entity::{worker, worker_shift, worker_shift_exception};
use daojia_store::repo::{accounts, slots::template_of, workers as repo};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

/// Longest calendar range, in days.
pub const MAX_RANGE_DAYS: i64 = 62;

/// One weekly shift as entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeeklyShift {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i16,
    /// The hours.
    pub shift: DayShift,
}

/// An exception as entered.
#[derive(Debug, Clone, Default)]
pub struct NewException {
    /// The date.
    pub date: Option<NaiveDate>,
    /// `leave` or `extra`.
    pub kind: String,
    /// Start minute (none for a whole-day leave).
    pub start_minute: Option<i32>,
    /// End minute.
    pub end_minute: Option<i32>,
    /// Break (extra shifts).
    pub rest: Option<(i32, i32)>,
    /// Why.
    pub reason: Option<String>,
}

/// One worker's day in a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    /// The date.
    pub date: NaiveDate,
    /// The shift worked (none: a day off).
    pub shift: Option<DayShift>,
    /// The exceptions that shaped it.
    pub exceptions: Vec<worker_shift_exception::Model>,
}

fn check_shift(field: &str, s: &DayShift) -> Result<()> {
    if !(0..=1440).contains(&s.start) || !(0..=1440).contains(&s.end) || s.end <= s.start {
        return Err(Error::field(
            field,
            "bad_hours",
            "start and end are minutes after midnight (0 to 1440), end after start",
        ));
    }
    if let Some((a, b)) = s.rest
        && (b <= a || a < s.start || b > s.end)
    {
        return Err(Error::field(
            field,
            "bad_break",
            "a break ends after it starts and lies inside the shift",
        ));
    }
    Ok(())
}

/// Replaces a worker's weekly template (at most one shift a weekday).
pub async fn set_template(
    app: &App,
    actor: &Actor,
    worker_id: Uuid,
    week: &[WeeklyShift],
    now: DateTime<Utc>,
) -> Result<Vec<worker_shift::Model>> {
    for (i, s) in week.iter().enumerate() {
        if !(0..=6).contains(&s.weekday) {
            return Err(Error::field(
                format!("shifts[{i}].weekday"),
                "bad_weekday",
                "0 (Monday) to 6 (Sunday)",
            ));
        }
        if week[..i].iter().any(|o| o.weekday == s.weekday) {
            return Err(Error::field(
                format!("shifts[{i}].weekday"),
                "duplicate",
                "one shift per weekday",
            ));
        }
        check_shift(&format!("shifts[{i}]"), &s.shift)?;
    }
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        visible(&txn, actor.scope, worker_id).await?;
        let before = accounts::worker_shifts(&txn, worker_id).await?;
        worker_shift::Entity::delete_many()
            .filter(worker_shift::Column::WorkerId.eq(worker_id))
            .exec(&txn)
            .await?;
        daojia_store::repo::versions::bump(&txn, daojia_store::repo::versions::STAFF).await?;
        let mut rows = vec![];
        for s in week {
            rows.push(
                worker_shift::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    worker_id: Set(worker_id),
                    weekday: Set(s.weekday),
                    start_minute: Set(s.shift.start),
                    end_minute: Set(s.shift.end),
                    break_start_minute: Set(s.shift.rest.map(|r| r.0)),
                    break_end_minute: Set(s.shift.rest.map(|r| r.1)),
                }
                .insert(&txn)
                .await?,
            );
        }
        rows.sort_by_key(|r| r.weekday);
        let as_json = |v: &[worker_shift::Model]| {
            json!(
                v.iter()
                    .map(|s| json!([
                        s.weekday,
                        s.start_minute,
                        s.end_minute,
                        s.break_start_minute,
                        s.break_end_minute
                    ]))
                    .collect::<Vec<_>>()
            )
        };
        actor
            .audit(
                app,
                &txn,
                "worker_shift.template",
                worker_id,
                (Some(as_json(&before)), Some(as_json(&rows))),
                now,
            )
            .await?;
        Ok::<_, Error>(rows)
    }
    .await;
    settle(txn, r).await
}

/// Adds an exception on a date.
pub async fn add_exception(
    app: &App,
    actor: &Actor,
    worker_id: Uuid,
    new: NewException,
    now: DateTime<Utc>,
) -> Result<worker_shift_exception::Model> {
    let date = new
        .date
        .ok_or_else(|| Error::field("date", "required", "the date, YYYY-MM-DD"))?;
    let times = new.start_minute.zip(new.end_minute);
    if new.start_minute.is_some() != new.end_minute.is_some() {
        return Err(Error::field(
            "end_minute",
            "required",
            "give both start and end, or neither",
        ));
    }
    match new.kind.as_str() {
        "leave" => {
            if let Some((start, end)) = times {
                check_shift(
                    "start_minute",
                    &DayShift {
                        start,
                        end,
                        rest: None,
                    },
                )?;
            }
        }
        "extra" => {
            let Some((start, end)) = times else {
                return Err(Error::field(
                    "start_minute",
                    "required",
                    "an extra shift needs its hours",
                ));
            };
            check_shift(
                "start_minute",
                &DayShift {
                    start,
                    end,
                    rest: new.rest,
                },
            )?;
        }
        _ => return Err(Error::field("kind", "bad_kind", "leave or extra")),
    }
    let reason = text("reason", new.reason.as_deref(), false, 500)?;
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
    visible(&txn, actor.scope, worker_id).await?;
    let row = worker_shift_exception::ActiveModel {
        id: Set(Uuid::now_v7()),
        worker_id: Set(worker_id),
        on_date: Set(date),
        kind: Set(new.kind.clone()),
        start_minute: Set(new.start_minute),
        end_minute: Set(new.end_minute),
        break_start_minute: Set(if new.kind == "extra" {
            new.rest.map(|r| r.0)
        } else {
            None
        }),
        break_end_minute: Set(if new.kind == "extra" {
            new.rest.map(|r| r.1)
        } else {
            None
        }),
        reason: Set(reason),
        created_by: Set(Some(actor.staff_id)),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    actor
        .audit(
            app,
            &txn,
            "worker_shift_exception.create",
            row.id,
            (None, Some(json!({"worker_id": worker_id, "date": date, "kind": row.kind, "start_minute": row.start_minute, "end_minute": row.end_minute}))),
            now,
        )
        .await?;
        Ok::<_, Error>(row)
    }
    .await;
    settle(txn, r).await
}

/// Removes an exception.
pub async fn delete_exception(
    app: &App,
    actor: &Actor,
    worker_id: Uuid,
    exception_id: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    let txn = daojia_store::begin(app.store.db()).await?;
    let r = async {
        visible(&txn, actor.scope, worker_id).await?;
        let Some(row) = worker_shift_exception::Entity::find_by_id(exception_id)
            .filter(worker_shift_exception::Column::WorkerId.eq(worker_id))
            .one(&txn)
            .await?
        else {
            return Err(Error::NotFound("shift exception"));
        };
        worker_shift_exception::Entity::delete_by_id(row.id)
            .exec(&txn)
            .await?;
        daojia_store::repo::versions::bump(&txn, daojia_store::repo::versions::STAFF).await?;
        actor
            .audit(
                app,
                &txn,
                "worker_shift_exception.delete",
                row.id,
                (
                    Some(json!({"worker_id": worker_id, "date": row.on_date, "kind": row.kind})),
                    None,
                ),
                now,
            )
            .await?;
        Ok::<_, Error>(())
    }
    .await;
    settle(txn, r).await
}

/// Checks a calendar range: `to` not before `from`, at most [`MAX_RANGE_DAYS`].
pub fn range(from: NaiveDate, to: NaiveDate) -> Result<()> {
    if to < from {
        return Err(Error::field(
            "to",
            "bad_range",
            "`to` is on or after `from`",
        ));
    }
    if (to - from).num_days() >= MAX_RANGE_DAYS {
        return Err(Error::field(
            "to",
            "range_too_long",
            format!("at most {MAX_RANGE_DAYS} days"),
        ));
    }
    Ok(())
}

/// The calendars of `workers` from `from` to `to` inclusive.
pub(crate) async fn calendars(
    app: &App,
    workers: &[worker::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(Uuid, Vec<CalendarDay>)>> {
    let db = app.store.db();
    let ids: Vec<Uuid> = workers.iter().map(|w| w.id).collect();
    let template = if ids.is_empty() {
        vec![]
    } else {
        worker_shift::Entity::find()
            .filter(worker_shift::Column::WorkerId.is_in(ids.clone()))
            .all(db)
            .await?
    };
    let exceptions = repo::exceptions(db, &ids, from, to).await?;
    let mut out = vec![];
    for w in workers {
        let mut days = vec![];
        let mut date = from;
        while date <= to {
            let weekday = date.weekday().num_days_from_monday() as i16;
            let t = template
                .iter()
                .find(|s| s.worker_id == w.id && s.weekday == weekday)
                .map(template_of);
            let ex: Vec<worker_shift_exception::Model> = exceptions
                .iter()
                .filter(|e| e.worker_id == w.id && e.on_date == date)
                .cloned()
                .collect();
            let changes: Vec<ShiftException> = ex.iter().filter_map(repo::exception_of).collect();
            days.push(CalendarDay {
                date,
                shift: day_shift(t, &changes),
                exceptions: ex,
            });
            date += Duration::days(1);
        }
        out.push((w.id, days));
    }
    Ok(out)
}

/// One worker's calendar.
pub async fn worker_calendar(
    app: &App,
    scope: Scope,
    worker_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CalendarDay>> {
    range(from, to)?;
    let w = visible(app.store.db(), scope, worker_id).await?;
    Ok(calendars(app, &[w], from, to)
        .await?
        .pop()
        .map(|(_, d)| d)
        .unwrap_or_default())
}

/// The calendars of an area's active and onboarding workers (those the scope sees).
pub async fn area_calendar(
    app: &App,
    scope: Scope,
    area_code: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(worker::Model, Vec<CalendarDay>)>> {
    range(from, to)?;
    let workers = scope
        .filter(worker::Entity::find())
        .filter(worker::Column::AreaCode.eq(area_code))
        .filter(worker::Column::Status.is_in(["active", "onboarding"]))
        .all(app.store.db())
        .await?;
    let cals = calendars(app, &workers, from, to).await?;
    Ok(workers
        .into_iter()
        .zip(cals)
        .map(|(w, (_, days))| (w, days))
        .collect())
}
