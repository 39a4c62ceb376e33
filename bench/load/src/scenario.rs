//! The scenarios: which request the n-th call sends, and how its answer counts. Requests
//! go to the nodes in turn (round robin), as a balancer would send them.

use crate::stats::Outcome;
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rand::Rng;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use uuid::Uuid;

/// What a scenario exercises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// The catalog and its search (public, no token): two searches per listing.
    Browse,
    /// Booking windows for a customer's address, one day at a time.
    Slots,
    /// Order placement with a fresh `Idempotency-Key` per attempt; a 409 `slot_unavailable`
    /// (someone took the last place in the window) is intended.
    Place,
    /// The console's order list and order detail, in turn.
    Staff,
    /// Staff password log-in bursts; 429 (the per-address limit, an account lockout) is
    /// intended: the limits must hold under load.
    Login,
    /// Workers' position batches (`POST /worker/locations`, `--batch` points each, ten a
    /// second 0.5 m apart per worker): location ingest.
    Locations,
}

impl Scenario {
    /// The name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Browse => "browse",
            Scenario::Slots => "slots",
            Scenario::Place => "place",
            Scenario::Staff => "staff",
            Scenario::Login => "login",
            Scenario::Locations => "locations",
        }
    }

    /// How an answer counts for this scenario.
    pub fn classify(self, status: u16, code: &str) -> Outcome {
        match (self, status, code) {
            (_, 200..=299, _) => Outcome::Ok,
            (Scenario::Place, 409, "slot_unavailable") => Outcome::Intended,
            (Scenario::Login, 429, _) => Outcome::Intended,
            _ => Outcome::Error,
        }
    }
}

/// The tokens file written by `daojia admin bench-tokens`.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Tokens {
    /// Bench customers.
    #[serde(default)]
    pub customers: Vec<Customer>,
    /// Bench staff.
    #[serde(default)]
    pub staff: Vec<Staff>,
    /// Bench workers (the city's own).
    #[serde(default)]
    pub workers: Vec<Worker>,
}

/// A bench worker.
#[derive(Debug, Clone, Deserialize)]
pub struct Worker {
    /// Bearer token.
    pub access_token: String,
}

/// A bench customer.
#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    /// Bearer token.
    pub access_token: String,
    /// Their address in a service area.
    pub address_id: Uuid,
    /// That area.
    pub area_code: String,
}

/// A bench staff member.
#[derive(Debug, Clone, Deserialize)]
pub struct Staff {
    /// Log-in name.
    pub username: String,
    /// Password (replaced on every `bench-tokens` run).
    pub password: String,
    /// Bearer token.
    pub access_token: String,
}

impl Tokens {
    /// Reads a tokens file.
    pub fn read(path: &Path) -> anyhow::Result<Tokens> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the tokens file {}", path.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a tokens file", path.display()))
    }
}

/// An area's booking hours, from `/api/v1/public/areas`.
#[derive(Debug, Clone, Deserialize)]
pub struct Area {
    /// Area code.
    pub code: String,
    /// Opening, minutes after local midnight.
    pub open_minute: i32,
    /// Closing, minutes after local midnight.
    pub close_minute: i32,
    /// Days ahead bookings are taken.
    pub horizon_days: i32,
}

/// Search words for the browse scenario (the demo catalog's trades).
const QUERIES: [&str; 6] = ["保洁", "空调", "家电", "维修", "搬家", "cleaning"];

/// Everything the requests need, fetched once before the run.
pub struct Plan {
    /// The scenario.
    pub scenario: Scenario,
    /// Base URLs of the nodes.
    pub bases: Vec<String>,
    /// The tokens.
    pub tokens: Tokens,
    /// Areas by code.
    pub areas: HashMap<String, Area>,
    /// Order ids the staff scenario opens.
    pub order_ids: Vec<Uuid>,
    /// The item booked in slots and place.
    pub item: String,
    /// Hours the area's local time is ahead of UTC (the demo city: Shanghai, +8).
    pub utc_offset_hours: i64,
    /// Points per location batch.
    pub batch: usize,
    /// Per worker, the tenths of a second after [`Plan::track_start`] of their next point.
    clocks: Vec<AtomicU64>,
    /// When the bench workers' tracks begin: old enough that a long run stays behind the
    /// server's clock (it refuses points from the future).
    track_start: DateTime<Utc>,
}

impl Plan {
    /// Checks the tokens the scenario needs and fetches the areas (slots, place) or a page
    /// of orders (staff).
    pub async fn prepare(
        http: &reqwest::Client,
        scenario: Scenario,
        bases: Vec<String>,
        tokens: Tokens,
        item: String,
        utc_offset_hours: i64,
        batch: usize,
    ) -> anyhow::Result<Plan> {
        if bases.is_empty() {
            bail!("--base: give at least one node");
        }
        let needs_customers = matches!(scenario, Scenario::Slots | Scenario::Place);
        if needs_customers && tokens.customers.is_empty() {
            bail!(
                "the {} scenario needs customer tokens (--tokens)",
                scenario.name()
            );
        }
        if matches!(scenario, Scenario::Staff | Scenario::Login) && tokens.staff.is_empty() {
            bail!("the {} scenario needs staff (--tokens)", scenario.name());
        }
        if scenario == Scenario::Locations && tokens.workers.is_empty() {
            bail!("the locations scenario needs workers (bench-tokens --workers N)");
        }
        let mut plan = Plan {
            scenario,
            bases,
            tokens,
            areas: HashMap::new(),
            order_ids: vec![],
            item,
            utc_offset_hours,
            batch: batch.max(1),
            clocks: vec![],
            track_start: Utc::now() - Duration::hours(10),
        };
        if scenario == Scenario::Locations {
            plan.clocks = (0..plan.tokens.workers.len())
                .map(|_| AtomicU64::new(0))
                .collect();
            // On duty, accepting, and consenting to be tracked: what the app asks first.
            for w in &plan.tokens.workers {
                for (path, body) in [
                    (
                        "/worker/me/presence",
                        json!({"online": true, "accepting": true}),
                    ),
                    ("/worker/me/tracking-consent", json!({"granted": true})),
                ] {
                    http.put(plan.url(0, path))
                        .bearer_auth(&w.access_token)
                        .json(&body)
                        .send()
                        .await?
                        .error_for_status()
                        .with_context(|| format!("{path} for a bench worker"))?;
                }
            }
        }
        if needs_customers {
            let areas: Vec<Area> = http
                .get(plan.url(0, "/public/areas"))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            plan.areas = areas.into_iter().map(|a| (a.code.clone(), a)).collect();
        }
        if scenario == Scenario::Staff {
            let page: Value = http
                .get(plan.url(0, "/admin/orders?limit=200"))
                .bearer_auth(&plan.tokens.staff[0].access_token)
                .send()
                .await?
                .error_for_status()
                .context("the bench staff cannot list orders")?
                .json()
                .await?;
            plan.order_ids = page["items"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o["id"].as_str()?.parse().ok())
                .collect();
            if plan.order_ids.is_empty() {
                bail!(
                    "the staff scenario needs orders to open; run it after place, or on the demo city"
                );
            }
        }
        Ok(plan)
    }

    fn url(&self, n: u64, path: &str) -> String {
        let base = &self.bases[(n % self.bases.len() as u64) as usize];
        format!("{}/api/v1{path}", base.trim_end_matches('/'))
    }

    /// Sends the `n`-th request; returns its status and problem code (empty for a success).
    pub async fn send(&self, http: &reqwest::Client, n: u64) -> reqwest::Result<(u16, String)> {
        let req = match self.scenario {
            Scenario::Browse => match n % 3 {
                0 => http.get(self.url(n, "/public/catalog")),
                _ => http
                    .get(self.url(n, "/public/catalog/search"))
                    .query(&[("q", QUERIES[(n / 3) as usize % QUERIES.len()])]),
            },
            Scenario::Slots => {
                let c = self.customer(n);
                let day = self.local_today() + Duration::days(1 + (n / 7 % 5) as i64);
                http.post(self.url(n, "/customer/slots"))
                    .bearer_auth(&c.access_token)
                    .json(&json!({
                        "items": [{"item": self.item}],
                        "address_id": c.address_id,
                        "from": day,
                        "days": 1,
                    }))
            }
            Scenario::Place => {
                let c = self.customer(n);
                http.post(self.url(n, "/customer/orders"))
                    .bearer_auth(&c.access_token)
                    .header("Idempotency-Key", Uuid::new_v4().to_string())
                    .json(&json!({
                        "items": [{"item": self.item}],
                        "address_id": c.address_id,
                        "window_start": self.random_window(&c.area_code),
                    }))
            }
            Scenario::Staff => {
                let s = &self.tokens.staff[(n % self.tokens.staff.len() as u64) as usize];
                let path = if n.is_multiple_of(2) {
                    "/admin/orders?limit=20".to_string()
                } else {
                    let id = self.order_ids[(n / 2 % self.order_ids.len() as u64) as usize];
                    format!("/admin/orders/{id}")
                };
                http.get(self.url(n, &path)).bearer_auth(&s.access_token)
            }
            Scenario::Login => {
                let s = &self.tokens.staff[(n % self.tokens.staff.len() as u64) as usize];
                http.post(self.url(n, "/public/auth/staff/login"))
                    .json(&json!({"login": s.username, "password": s.password}))
            }
            Scenario::Locations => {
                let i = (n % self.tokens.workers.len() as u64) as usize;
                http.post(self.url(n, "/worker/locations"))
                    .bearer_auth(&self.tokens.workers[i].access_token)
                    .header("content-type", "application/json")
                    .body(self.location_batch(i))
            }
        };
        let r = req.send().await?;
        let status = r.status().as_u16();
        let body = r.bytes().await?;
        let code = if (200..300).contains(&status) {
            String::new()
        } else {
            serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_string))
                .unwrap_or_default()
        };
        Ok((status, code))
    }

    /// Worker `i`'s next batch: a point every 100 ms, 0.5 m north each (5 m/s), from where
    /// the last batch ended. The track starts 10 hours back and must stay within the
    /// server's window (12 hours back, a minute ahead): at a point a second, 40 workers have
    /// only 1.4 million points to send, which a release node takes in seconds and then
    /// refuses as `in_the_future`; ten a second give them 14 million. Written as text:
    /// building JSON trees would cost the generator more CPU than the node spends parsing
    /// them, on the same cores.
    fn location_batch(&self, i: usize) -> String {
        use std::fmt::Write as _;
        let first = self.clocks[i].fetch_add(self.batch as u64, Ordering::Relaxed);
        let mut body = format!(r#"{{"batch_id":"{}","points":["#, Uuid::now_v7());
        for k in 0..self.batch as u64 {
            let s = first + k + 1;
            let at = self.track_start + Duration::milliseconds(s as i64 * 100);
            if k > 0 {
                body.push(',');
            }
            let _ = write!(
                body,
                r#"{{"at":"{}","lat":{:.6},"lng":{:.6},"accuracy_m":8.0,"speed_mps":5.0,"heading_deg":0.0,"battery_pct":80.0}}"#,
                at.format("%Y-%m-%dT%H:%M:%S%.3fZ"),
                31.1 + i as f64 * 1e-3 + s as f64 * 0.0000045,
                121.4 + i as f64 * 1e-4,
            );
        }
        body.push_str("]}");
        body
    }

    fn customer(&self, n: u64) -> &Customer {
        // Skip by a prime so that consecutive requests come from different customers even
        // when the count of customers and of nodes share a factor.
        let i = (n.wrapping_mul(7919)) % self.tokens.customers.len() as u64;
        &self.tokens.customers[i as usize]
    }

    fn local_today(&self) -> NaiveDate {
        (Utc::now() + Duration::hours(self.utc_offset_hours)).date_naive()
    }

    /// A window start on the half hour between tomorrow and the area's horizon, inside its
    /// hours (leaving two hours before closing for the visit).
    fn random_window(&self, area: &str) -> String {
        let (open, close, horizon) = self.areas.get(area).map_or((9 * 60, 18 * 60, 7), |a| {
            (a.open_minute, a.close_minute, a.horizon_days)
        });
        let mut rng = rand::rng();
        let day = self.local_today() + Duration::days(rng.random_range(1..horizon.max(2)) as i64);
        let halves = ((close - 120 - open) / 30).max(1);
        let minute = open + 30 * rng.random_range(0..halves);
        window_start(day, minute, self.utc_offset_hours)
    }
}

/// RFC 3339 UTC instant of local `minute` after midnight of `day`, `offset` hours ahead of UTC.
pub fn window_start(day: NaiveDate, minute: i32, offset: i64) -> String {
    let local =
        day.and_hms_opt(0, 0, 0).expect("midnight exists") + Duration::minutes(minute as i64);
    Utc.from_utc_datetime(&(local - Duration::hours(offset)))
        .to_rfc3339()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_workers_batches_go_on_from_where_the_last_ended() {
        let worker = Worker {
            access_token: "t".into(),
        };
        let plan = Plan {
            scenario: Scenario::Locations,
            bases: vec!["http://a".into()],
            tokens: Tokens {
                workers: vec![worker.clone(), worker],
                ..Default::default()
            },
            areas: HashMap::new(),
            order_ids: vec![],
            item: String::new(),
            utc_offset_hours: 8,
            batch: 3,
            clocks: (0..2).map(|_| AtomicU64::new(0)).collect(),
            track_start: "2026-12-06T00:00:00Z".parse().unwrap(),
        };
        let times = |body: &str| -> Vec<String> {
            let v: Value = serde_json::from_str(body).unwrap();
            v["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["at"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            times(&plan.location_batch(0)),
            [
                "2026-12-06T00:00:00.100Z",
                "2026-12-06T00:00:00.200Z",
                "2026-12-06T00:00:00.300Z"
            ]
        );
        assert_eq!(
            times(&plan.location_batch(1))[0],
            "2026-12-06T00:00:00.100Z"
        );
        let next: Value = serde_json::from_str(&plan.location_batch(0)).unwrap();
        assert_eq!(next["points"][0]["at"], "2026-12-06T00:00:00.400Z");
        assert!(next["batch_id"].as_str().unwrap().parse::<Uuid>().is_ok());
        let lat = |i: usize| next["points"][i]["lat"].as_f64().unwrap();
        assert!(lat(1) > lat(0), "walking north");
    }

    #[test]
    fn only_the_promised_refusals_count_as_intended() {
        assert_eq!(Scenario::Place.classify(201, ""), Outcome::Ok);
        assert_eq!(
            Scenario::Place.classify(409, "slot_unavailable"),
            Outcome::Intended
        );
        assert_eq!(Scenario::Place.classify(409, "order_busy"), Outcome::Error);
        assert_eq!(
            Scenario::Login.classify(429, "rate_limited"),
            Outcome::Intended
        );
        assert_eq!(
            Scenario::Browse.classify(429, "rate_limited"),
            Outcome::Error
        );
        assert_eq!(Scenario::Staff.classify(500, "internal"), Outcome::Error);
    }

    #[test]
    fn a_window_is_local_time_in_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(
            window_start(day, 9 * 60 + 30, 8),
            "2026-12-06T01:30:00+00:00"
        );
        assert_eq!(window_start(day, 6 * 60, 8), "2026-12-05T22:00:00+00:00");
    }
}
