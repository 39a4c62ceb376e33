//! The day's demand, drawn from the seed before any policy runs: when each order arrives
//! (a morning and an evening peak over an even background, 07:00–23:00 local), who orders
//! (synthetic customers clustered around busy spots of the districts, the rest spread
//! evenly), what (categories by the service mix, an item of the category evenly), and for
//! when (today at least the area's lead time ahead, or one of the next six days, at a
//! preferred start in the area's hours).
//!
//! Why a week: a visit takes 2 h 20 min on average with the demo's catalogue and mix, so a
//! worker does about three a day; 150 workers (one day off in seven) serve some 380 visits
//! a day, and 2,000 orders booked for today and the next two days could not fit whatever
//! the dispatcher did. Booked over the week, as households book home services, they do.

use crate::{SimError, normal, unit};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use daojia_demo::City;

/// The shape of the demand.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// The simulated day (local date in the city).
    pub date: NaiveDate,
    /// Share of orders in the morning peak, in the evening peak (the rest arrive evenly
    /// between 07:00 and 23:00).
    pub peaks: (f64, f64),
    /// Centres of the peaks, minutes after local midnight.
    pub peak_minutes: (i32, i32),
    /// Spread of each peak, minutes (one standard deviation).
    pub peak_sd_min: f64,
    /// Share of customers living around a district's busy spots (the rest anywhere).
    pub clustered: f64,
    /// Share of orders for today, tomorrow, … (relative weights, one per day ahead; an
    /// order for today that cannot start within the area's hours moves to tomorrow).
    pub ahead: Vec<f64>,
    /// Service mix: relative weight per category code (empty: the demo's popularity).
    pub mix: Vec<(String, u64)>,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            // A Monday: each worker's day off is spread over the week.
            date: NaiveDate::from_ymd_opt(2026, 12, 7).expect("a valid date"),
            peaks: (0.4, 0.35),
            peak_minutes: (9 * 60 + 30, 20 * 60),
            peak_sd_min: 90.0,
            clustered: 0.7,
            ahead: vec![0.15, 0.25, 0.20, 0.15, 0.10, 0.08, 0.07],
            mix: vec![],
        }
    }
}

impl Profile {
    /// Checks the values; the message names the setting.
    pub fn validate(&self) -> Result<(), String> {
        let share = |x: f64| (0.0..=1.0).contains(&x);
        if !share(self.peaks.0) || !share(self.peaks.1) || self.peaks.0 + self.peaks.1 > 1.0 {
            return Err("peak shares: each 0–1, together at most 1".into());
        }
        if !(self.peak_sd_min > 0.0 && self.peak_sd_min <= 600.0) {
            return Err("peak spread: 1 to 600 minutes".into());
        }
        if !share(self.clustered) {
            return Err("--clustered: between 0 and 1".into());
        }
        if self.ahead.is_empty()
            || self.ahead.len() > 14
            || self.ahead.iter().any(|x| !(x.is_finite() && *x >= 0.0))
            || self.ahead.iter().sum::<f64>() <= 0.0
        {
            return Err("days ahead: 1 to 14 weights ≥ 0, not all 0".into());
        }
        if !self.mix.is_empty() && self.mix.iter().all(|(_, w)| *w == 0) {
            return Err("--mix: at least one category with a weight above 0".into());
        }
        Ok(())
    }
}

/// One order as the customer wants it.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Its number in the day (the key of its draws).
    pub n: usize,
    /// When the customer books.
    pub arrive: DateTime<Utc>,
    /// Index of the customer in the synthetic customers (one per order).
    pub customer: usize,
    /// The item's code.
    pub item: String,
    /// The preferred window start.
    pub prefer: DateTime<Utc>,
}

/// The city's time zone.
pub fn zone() -> Tz {
    daojia_demo::TIMEZONE
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// `date` at `minute` after local midnight.
pub fn local(date: NaiveDate, minute: i64) -> DateTime<Utc> {
    let midnight = zone()
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .expect("Shanghai has every midnight")
        .with_timezone(&Utc);
    midnight + Duration::minutes(minute)
}

/// The category weights in use.
fn mix(city: &City, p: &Profile) -> Result<Vec<(String, u64)>, SimError> {
    if p.mix.is_empty() {
        return Ok(daojia_demo::synthetic::default_mix(city)
            .into_iter()
            .map(|(c, w)| (c.to_string(), w))
            .collect());
    }
    for (code, _) in &p.mix {
        if !city.categories.iter().any(|c| c.code == code) {
            let known: Vec<&str> = city.categories.iter().map(|c| c.code).collect();
            return Err(SimError::Options(format!(
                "--mix: unknown category `{code}` (one of {})",
                known.join(", ")
            )));
        }
    }
    Ok(p.mix.clone())
}

/// `orders` requests, by arrival time.
pub fn draw(city: &City, seed: u64, orders: usize, p: &Profile) -> Result<Vec<Request>, SimError> {
    let mix = mix(city, p)?;
    let total: u64 = mix.iter().map(|(_, w)| w).sum();
    let area = &city.areas[0];
    let (open, close) = (i64::from(area.open_minute), i64::from(area.close_minute));
    let lead = i64::from(area.lead_minutes);
    let mut out = Vec::with_capacity(orders);
    for n in 0..orders {
        let u = |k: u64| unit(seed, n as u64, 0xD0, k);
        // Arrival: a peak or the background, 07:00 to 23:00.
        let minute = {
            let x = u(1);
            let m = if x < p.peaks.0 {
                f64::from(p.peak_minutes.0) + p.peak_sd_min * normal(u(2), u(3))
            } else if x < p.peaks.0 + p.peaks.1 {
                f64::from(p.peak_minutes.1) + p.peak_sd_min * normal(u(2), u(3))
            } else {
                7.0 * 60.0 + u(2) * 16.0 * 60.0
            };
            m.clamp(7.0 * 60.0, 23.0 * 60.0 - 1.0)
        };
        let arrive = local(p.date, 0) + Duration::seconds((minute * 60.0).round() as i64);
        // What: a category by the mix, then one of its items.
        let mut pick = (u(4) * total as f64) as u64;
        let category = mix
            .iter()
            .find(|(_, w)| {
                if pick < *w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .map_or(mix[mix.len() - 1].0.as_str(), |(c, _)| c.as_str());
        let items: Vec<&daojia_demo::Item> = city
            .items
            .iter()
            .filter(|i| i.category == category)
            .collect();
        let item = items[((u(5) * items.len() as f64) as usize).min(items.len() - 1)];
        // When: the preferred start, on the half hour within the area's hours (a window
        // of an hour must end by closing).
        let half_hours = |from: i64| ((close - 60 - from) / 30).max(0) + 1;
        let offset = {
            let total: f64 = p.ahead.iter().sum();
            let mut x = u(6) * total;
            let mut k = p.ahead.len() - 1;
            for (i, w) in p.ahead.iter().enumerate() {
                if x < *w {
                    k = i;
                    break;
                }
                x -= w;
            }
            k as i64
        };
        let earliest_today = ((minute as i64 + lead + 29) / 30) * 30;
        let prefer = if offset == 0 && earliest_today <= close - 60 {
            let from = earliest_today.max(open);
            let k = (u(7) * half_hours(from) as f64) as i64;
            local(p.date, from + 30 * k.min(half_hours(from) - 1))
        } else {
            // Busier in the morning and the early afternoon, as the demo's bookings.
            let span = if u(7) < 1.0 / 3.0 {
                half_hours(open)
            } else {
                half_hours(open).min(14)
            };
            let k = ((u(8) * span as f64) as i64).min(span - 1);
            local(p.date + Duration::days(offset.max(1)), open + 30 * k)
        };
        out.push(Request {
            n,
            arrive,
            customer: n,
            item: item.code.to_string(),
            prefer,
        });
    }
    out.sort_by_key(|r| (r.arrive, r.n));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demand_is_deterministic_within_hours_and_ahead_of_its_arrival() {
        let city = daojia_demo::city(1);
        let p = Profile::default();
        let a = draw(&city, 1, 500, &p).expect("a demand");
        assert_eq!(a, draw(&city, 1, 500, &p).expect("a demand"));
        assert_ne!(a, draw(&city, 2, 500, &p).expect("a demand"));
        for r in &a {
            assert!(r.prefer >= r.arrive + Duration::minutes(120), "{r:?}");
            let m = r.prefer.with_timezone(&zone()).time();
            assert!(m >= NaiveTime::from_hms_opt(8, 0, 0).unwrap());
            assert!(m <= NaiveTime::from_hms_opt(20, 0, 0).unwrap());
        }
        let today = a
            .iter()
            .filter(|r| r.prefer < local(p.date, 24 * 60))
            .count();
        assert!(today > 20 && today < 150, "{today} for today");
        assert!(a.iter().all(|r| r.prefer < local(p.date, 7 * 24 * 60)));
    }
}
