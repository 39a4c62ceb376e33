//! Booking slots (预约时段): the start windows of the coming days in which a qualified,
//! on-shift worker can reach the address in time, given what they already have booked and
//! the travel between visits; for a new booking and for an order being rescheduled. The
//! same day plans answer the check made when the order is written, so a window shown
//! available is one the booking accepts (unless someone takes it first).
//!
//! The customer app, the console (order on behalf, rescheduling) and the day simulator's
//! customers all choose from this one search.

use super::area::{self, check_window, window_minutes};
use super::bundle;
use super::pricing::{self, LineRequest};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_domain::order::policy::Policy;
use daojia_domain::slots::Job;
use daojia_store::entity::{service_area, service_order};
use daojia_store::repo::{bundles, orders, slots};
use uuid::Uuid;

/// Most days one search may cover.
pub const MAX_DAYS: u32 = 14;

/// Days a search covers when the caller does not say.
pub const DEFAULT_DAYS: u32 = 7;

/// A start window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// Window start.
    pub start: DateTime<Utc>,
    /// Window end (the worker arrives and starts in between).
    pub end: DateTime<Utc>,
    /// Whether someone can come.
    pub available: bool,
}

/// One local day's windows, from the area's opening to its closing.
#[derive(Debug, Clone)]
pub struct Day {
    /// Local date.
    pub date: NaiveDate,
    /// Windows in time order (only those bookable now: hours, lead time, horizon).
    pub windows: Vec<Slot>,
}

/// The answer of a search.
#[derive(Debug, Clone)]
pub struct Slots {
    /// The area of the address.
    pub area: service_area::Model,
    /// Working time of the visit, minutes.
    pub duration_min: u32,
    /// The rules the order would have (cancellation, rescheduling, after-sales).
    pub policy: Policy,
    /// The days searched, from the first.
    pub days: Vec<Day>,
}

/// Of `days`, the available window starting at `start`, or else the available one
/// nearest to it (the earlier on a tie), within `within` either side.
pub fn nearest(days: &[Day], start: DateTime<Utc>, within: Duration) -> Option<&Slot> {
    days.iter()
        .flat_map(|d| d.windows.iter())
        .filter(|w| w.available && (w.start - start).abs() <= within)
        .min_by_key(|w| ((w.start - start).abs(), w.start))
}

/// Which days to search: `from` (default today in the area) and how many (1 to
/// [`MAX_DAYS`], default [`DEFAULT_DAYS`]). Errors concern `from` or `days`.
pub fn range(
    area: &service_area::Model,
    from: Option<NaiveDate>,
    days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<(NaiveDate, u32)> {
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(Error::field(
            "days",
            "out_of_range",
            format!("between 1 and {MAX_DAYS}"),
        ));
    }
    let today = now.with_timezone(&slots::zone(area)).date_naive();
    let from = from.unwrap_or(today);
    if from < today - Duration::days(1) || from > today + Duration::days(366) {
        return Err(Error::field(
            "from",
            "out_of_range",
            "from yesterday to a year ahead",
        ));
    }
    Ok((from, days))
}

/// Every window the area offers on `date` that is bookable now (hours, lead time,
/// horizon), in order.
fn windows_of(
    area: &service_area::Model,
    date: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let m = slots::midnight(slots::zone(area), date);
    let first = (area.open_minute + 29) / 30 * 30;
    (0..)
        .map(|k| m + Duration::minutes(i64::from(first) + k * 30))
        .take_while(|s| {
            *s + Duration::minutes(window_minutes(area))
                <= m + Duration::minutes(i64::from(area.close_minute))
        })
        .filter_map(|s| check_window(area, s, now).ok())
        .map(|w| (w.start, w.end))
        .collect()
}

/// The visit a search asks about.
fn job(app: &App, at: LatLng, duration_min: u32, skills: Vec<String>) -> Job {
    Job {
        at,
        duration: i64::from(duration_min.max(1)) * 60,
        skills,
        reach_m: app.settings.reach_m,
    }
}

/// Answers the days for one order: its visit, or its visits (one per trade) all in the
/// same window, each by a different worker. `exclude` leaves the order's own visits out.
async fn search(
    app: &App,
    area: &service_area::Model,
    jobs: Vec<Job>,
    (from, days): (NaiveDate, u32),
    exclude: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Vec<Day>> {
    let pool = area::pool(app, area).await?;
    let loaded = slots::load_days_without(
        app.store.db(),
        &pool,
        slots::zone(area),
        from,
        days,
        exclude,
    )
    .await?;
    let travel = app.travel.clone();
    let plans = app.day_plans.clone();
    let area = area.clone();
    let answer = move || {
        loaded
            .into_iter()
            .map(|(date, workers, pending)| {
                let windows = windows_of(&area, date, now);
                let secs: Vec<(i64, i64)> = windows
                    .iter()
                    .map(|(s, e)| (s.timestamp(), e.timestamp()))
                    .collect();
                let open = if secs.is_empty() {
                    vec![]
                } else {
                    plans
                        .plan(&pool, date, workers, pending, travel.as_ref())
                        .availability_all(travel.as_ref(), &jobs, &secs)
                };
                Day {
                    date,
                    windows: windows
                        .into_iter()
                        .zip(open)
                        .map(|((start, end), available)| Slot {
                            start,
                            end,
                            available,
                        })
                        .collect(),
                }
            })
            .collect()
    };
    // The search is CPU work: off the async workers when there is a multi-threaded
    // runtime to hand it to (the server); in place otherwise (the simulator's).
    match tokio::runtime::Handle::try_current().map(|h| h.runtime_flavor()) {
        Ok(tokio::runtime::RuntimeFlavor::MultiThread) => tokio::task::spawn_blocking(answer)
            .await
            .map_err(Error::internal),
        _ => Ok(answer()),
    }
}

/// What a new booking asks about.
#[derive(Debug, Clone)]
pub struct BookingSearch {
    /// The customer (whose saved address it is).
    pub customer: Uuid,
    /// The items, as when placing.
    pub items: Vec<LineRequest>,
    /// One of the customer's saved addresses.
    pub address_id: Uuid,
    /// First local date (default: today in the area).
    pub from: Option<NaiveDate>,
    /// Number of days (default [`DEFAULT_DAYS`]).
    pub days: Option<u32>,
}

/// The windows for a new booking (the customer's own, or an agent's on their behalf).
pub async fn for_booking(app: &App, q: BookingSearch, now: DateTime<Utc>) -> Result<Slots> {
    let area::Located {
        address,
        area,
        pool: codes,
        catalog,
        ..
    } = area::address_and_area(app, q.customer, q.address_id, None).await?;
    let range = range(&area, q.from, q.days, now)?;
    let priced = pricing::price_on(app, Some(catalog), q.items, &area, None).await?;
    let at = LatLng::new(address.lat, address.lng);
    let jobs = match bundle::trades_on(app, &codes, range.0, &priced).await? {
        None => vec![job(app, at, priced.duration_min, priced.skills.clone())],
        Some(groups) => groups
            .iter()
            .map(|g| {
                let p = priced.part(g);
                job(app, at, p.duration_min, p.skills)
            })
            .collect(),
    };
    let days = search(app, &area, jobs, range, &[], now).await?;
    Ok(Slots {
        area,
        duration_min: priced.duration_min,
        policy: priced.policy,
        days,
    })
}

/// The windows an order (all its open visits) could move to; its own current place does
/// not count.
pub async fn for_order(
    app: &App,
    m: service_order::Model,
    from: Option<NaiveDate>,
    days: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Slots> {
    let area = area::area_of(app, &m).await?.ok_or_else(|| {
        Error::conflict(
            "area_closed",
            "the order's service area no longer takes bookings",
        )
    })?;
    let range = range(&area, from, days, now)?;
    let visits: Vec<service_order::Model> = bundles::siblings(app.store.db(), m.clone())
        .await?
        .into_iter()
        .filter(|v| v.state != OrderState::Cancelled.as_str())
        .collect();
    let jobs = visits
        .iter()
        .map(|v| {
            let skills = v
                .skills
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            job(
                app,
                LatLng::new(v.lat, v.lng),
                v.duration_min.max(1) as u32,
                skills,
            )
        })
        .collect();
    let ids: Vec<Uuid> = visits.iter().map(|v| v.id).chain([m.id]).collect();
    let policy = orders::to_domain(&m).map_err(Error::internal)?.policy;
    let days = search(app, &area, jobs, range, &ids, now).await?;
    Ok(Slots {
        area,
        duration_min: m.duration_min.max(1) as u32,
        policy,
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(h: i64, available: bool) -> Slot {
        let start = DateTime::from_timestamp(h * 1800, 0).unwrap();
        Slot {
            start,
            end: start + Duration::minutes(60),
            available,
        }
    }

    fn day(windows: Vec<Slot>) -> Vec<Day> {
        vec![Day {
            date: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            windows,
        }]
    }

    #[test]
    fn nearest_prefers_the_asked_window_then_the_closest_earlier_on_a_tie() {
        let s = day(vec![
            slot(10, true),
            slot(11, false),
            slot(12, true),
            slot(13, false),
            slot(14, true),
        ]);
        let at = |k: i64| DateTime::from_timestamp(k * 1800, 0).unwrap();
        assert_eq!(
            nearest(&s, at(12), Duration::hours(2)),
            Some(&slot(12, true))
        );
        assert_eq!(
            nearest(&s, at(11), Duration::hours(2)),
            Some(&slot(10, true))
        );
        assert_eq!(
            nearest(&s, at(13), Duration::hours(2)),
            Some(&slot(12, true))
        );
        assert_eq!(
            nearest(&s, at(17), Duration::minutes(90)),
            Some(&slot(14, true))
        );
        assert_eq!(nearest(&s, at(18), Duration::minutes(90)), None);
    }
}
