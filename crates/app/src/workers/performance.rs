//! Performance (绩效): acceptance, on-time, completion, rating, complaints, revenue and
//! utilisation over a range of dates, from the orders' events; per worker and ranked.
//!
//! - acceptance rate: offers accepted / offers made to the worker (the `offer` events that
//!   name them; `accept`/`reject` events they made);
//! - on-time rate: check-ins at or before the end of the appointment window / check-ins;
//! - completion rate: completed / (completed + cancelled) among their orders in the range;
//! - complaints: after-sales cases opened on their orders;
//! - revenue: the totals of their completed orders, 分;
//! - utilisation: minutes of their orders that were served or are under way / minutes of
//!   shift in the range (template and exceptions);
//! - rating: the worker's rating (reviews come with the review table; until then the
//!   rating kept on the worker).

use super::shifts::{calendars, range};
use super::{Scope, visible};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_store::entity::{order_event, service_order, worker};
use daojia_store::repo::slots::midnight;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

/// What the platform counted for one worker.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Offers made to them.
    pub offers: u32,
    /// Offers they accepted.
    pub accepted: u32,
    /// Offers they declined.
    pub rejected: u32,
    /// Their orders in the range.
    pub orders: u32,
    /// Completed.
    pub completed: u32,
    /// Cancelled while theirs.
    pub cancelled: u32,
    /// Check-ins.
    pub checked_in: u32,
    /// Check-ins within the window.
    pub on_time: u32,
    /// After-sales cases opened on their orders.
    pub complaints: u32,
    /// Revenue of completed orders, 分.
    pub revenue_fen: i64,
    /// Minutes of orders served or under way.
    pub served_minutes: i64,
}

/// A worker's performance.
#[derive(Debug, Clone, PartialEq)]
pub struct Performance {
    /// The worker.
    pub worker_id: Uuid,
    /// The counts.
    pub counts: Counts,
    /// Shift minutes in the range.
    pub shift_minutes: i64,
    /// Rating out of 5.
    pub rating: f64,
    /// Credit score.
    pub credit_score: i32,
}

fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

impl Performance {
    /// Accepted / offered.
    pub fn acceptance_rate(&self) -> Option<f64> {
        ratio(self.counts.accepted, self.counts.offers)
    }
    /// On time / checked in.
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.counts.on_time, self.counts.checked_in)
    }
    /// Completed / (completed + cancelled).
    pub fn completion_rate(&self) -> Option<f64> {
        ratio(
            self.counts.completed,
            self.counts.completed + self.counts.cancelled,
        )
    }
    /// Served minutes / shift minutes.
    pub fn utilisation(&self) -> Option<f64> {
        (self.shift_minutes > 0)
            .then(|| self.counts.served_minutes as f64 / self.shift_minutes as f64)
    }
}

/// What a ranking sorts by (highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RankBy {
    /// Completion rate.
    Completion,
    /// On-time rate.
    OnTime,
    /// Acceptance rate.
    Acceptance,
    /// Revenue.
    Revenue,
    /// Rating.
    Rating,
    /// Utilisation.
    Utilisation,
    /// Credit score.
    Credit,
}

impl std::str::FromStr for RankBy {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "completion" => RankBy::Completion,
            "on_time" => RankBy::OnTime,
            "acceptance" => RankBy::Acceptance,
            "revenue" => RankBy::Revenue,
            "rating" => RankBy::Rating,
            "utilisation" => RankBy::Utilisation,
            "credit" => RankBy::Credit,
            _ => {
                return Err(Error::field(
                    "by",
                    "bad_sort",
                    "completion, on_time, acceptance, revenue, rating, utilisation or credit",
                ));
            }
        })
    }
}

impl RankBy {
    fn key(self, p: &Performance) -> Option<f64> {
        match self {
            RankBy::Completion => p.completion_rate(),
            RankBy::OnTime => p.on_time_rate(),
            RankBy::Acceptance => p.acceptance_rate(),
            RankBy::Revenue => Some(p.counts.revenue_fen as f64),
            RankBy::Rating => Some(p.rating),
            RankBy::Utilisation => p.utilisation(),
            RankBy::Credit => Some(f64::from(p.credit_score)),
        }
    }
}

/// Sorts `list` by `by`, highest first; workers without a value (no offers, no orders)
/// last.
pub fn rank(list: &mut [Performance], by: RankBy) {
    list.sort_by(|a, b| {
        let (ka, kb) = (by.key(a), by.key(b));
        kb.partial_cmp(&ka)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.worker_id.cmp(&b.worker_id))
    });
}

/// Counts per worker from the offer events of the range and the orders of the range with
/// their events.
pub fn tally(
    offer_events: &[order_event::Model],
    orders: &[service_order::Model],
    order_events: &[order_event::Model],
) -> HashMap<Uuid, Counts> {
    let mut out: HashMap<Uuid, Counts> = HashMap::new();
    for e in offer_events {
        match e.action.as_str() {
            "offer" => {
                let to = serde_json::from_str::<serde_json::Value>(&e.detail)
                    .ok()
                    .and_then(|d| d["worker"].as_str().and_then(|w| Uuid::try_parse(w).ok()));
                if let Some(w) = to {
                    out.entry(w).or_default().offers += 1;
                }
            }
            "accept" if e.actor_type == "worker" => {
                if let Some(w) = e.actor_id {
                    out.entry(w).or_default().accepted += 1;
                }
            }
            "reject" if e.actor_type == "worker" => {
                if let Some(w) = e.actor_id {
                    out.entry(w).or_default().rejected += 1;
                }
            }
            _ => {}
        }
    }
    for o in orders {
        let Some(w) = o.worker_id else { continue };
        let c = out.entry(w).or_default();
        c.orders += 1;
        match o.state.as_str() {
            "completed" | "pending_settlement" | "awaiting_balance" | "after_sales" => {
                c.completed += 1;
                c.revenue_fen += o.total_fen;
                c.served_minutes += i64::from(o.duration_min);
            }
            "cancelled" => c.cancelled += 1,
            "in_service" | "arrived" | "en_route" => c.served_minutes += i64::from(o.duration_min),
            _ => {}
        }
        for e in order_events.iter().filter(|e| e.order_id == o.id) {
            match e.action.as_str() {
                "check_in" => {
                    c.checked_in += 1;
                    if e.at <= o.window_end {
                        c.on_time += 1;
                    }
                }
                "open_after_sales" => c.complaints += 1,
                _ => {}
            }
        }
    }
    out
}

/// The performance of `workers` over `from ..= to` (dates in the platform's time zone).
async fn measure(
    app: &App,
    workers: &[worker::Model],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Performance>> {
    range(from, to)?;
    let db = app.store.db();
    let tz = chrono_tz::Asia::Shanghai;
    let start: DateTime<Utc> = midnight(tz, from);
    let end: DateTime<Utc> = midnight(tz, to + Duration::days(1));
    let ids: Vec<Uuid> = workers.iter().map(|w| w.id).collect();
    let offer_events = order_event::Entity::find()
        .filter(order_event::Column::Action.is_in(["offer", "accept", "reject"]))
        .filter(order_event::Column::At.gte(start))
        .filter(order_event::Column::At.lt(end))
        .all(db)
        .await?;
    let orders = if ids.is_empty() {
        vec![]
    } else {
        service_order::Entity::find()
            .filter(service_order::Column::WorkerId.is_in(ids.clone()))
            .filter(service_order::Column::WindowStart.gte(start))
            .filter(service_order::Column::WindowStart.lt(end))
            .all(db)
            .await?
    };
    let order_events = if orders.is_empty() {
        vec![]
    } else {
        order_event::Entity::find()
            .filter(order_event::Column::OrderId.is_in(orders.iter().map(|o| o.id)))
            .filter(order_event::Column::Action.is_in(["check_in", "open_after_sales"]))
            .all(db)
            .await?
    };
    let mut counts = tally(&offer_events, &orders, &order_events);
    let cals = calendars(app, workers, from, to).await?;
    Ok(workers
        .iter()
        .zip(cals)
        .map(|(w, (_, days))| {
            let shift_minutes = days
                .iter()
                .filter_map(|d| d.shift)
                .map(|s| {
                    let rest = s.rest.map_or(0, |(a, b)| b - a);
                    i64::from(s.end - s.start - rest)
                })
                .sum();
            Performance {
                worker_id: w.id,
                counts: counts.remove(&w.id).unwrap_or_default(),
                shift_minutes,
                rating: f64::from(w.rating_tenths) / 10.0,
                credit_score: w.credit_score,
            }
        })
        .collect())
}

/// One worker's performance.
pub async fn of_worker(
    app: &App,
    scope: Scope,
    worker_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Performance> {
    let w = visible(app.store.db(), scope, worker_id).await?;
    measure(app, &[w], from, to)
        .await?
        .pop()
        .ok_or_else(|| Error::internal("no performance for the worker"))
}

/// The active workers the scope sees (of one area, if given), ranked by `by`.
pub async fn ranked(
    app: &App,
    scope: Scope,
    area_code: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
    by: RankBy,
) -> Result<Vec<(worker::Model, Performance)>> {
    let mut q = scope
        .filter(worker::Entity::find())
        .filter(worker::Column::Status.eq("active"));
    if let Some(a) = area_code {
        q = q.filter(worker::Column::AreaCode.eq(a));
    }
    let workers = q.all(app.store.db()).await?;
    let mut list = measure(app, &workers, from, to).await?;
    rank(&mut list, by);
    Ok(list
        .into_iter()
        .filter_map(|p| {
            let w = workers.iter().find(|w| w.id == p.worker_id)?.clone();
            Some((w, p))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        order: Uuid,
        action: &str,
        actor: Option<Uuid>,
        detail: &str,
        at: DateTime<Utc>,
    ) -> order_event::Model {
        order_event::Model {
            id: Uuid::now_v7(),
            order_id: order,
            seq: 1,
            at,
            actor_type: if actor.is_some() {
                "worker".into()
            } else {
                "system".into()
            },
            actor_id: actor,
            from_state: None,
            to_state: "x".into(),
            action: action.into(),
            detail: detail.into(),
            paid_fen: 0,
            refunded_fen: 0,
            fee_fen: 0,
            request_id: None,
        }
    }

    #[test]
    fn rates_come_from_offers_check_ins_and_final_states() {
        let w = Uuid::now_v7();
        let t = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        let (o1, o2) = (Uuid::now_v7(), Uuid::now_v7());
        let offer = format!(r#"{{"action":"offer","worker":"{w}"}}"#);
        let offers = [
            event(o1, "offer", None, &offer, t),
            event(o1, "accept", Some(w), "{}", t),
            event(o2, "offer", None, &offer, t),
            event(o2, "reject", Some(w), "{}", t),
        ];
        let order = |id: Uuid, state: &str| service_order::Model {
            id,
            worker_id: Some(w),
            state: state.into(),
            window_start: t,
            window_end: t + Duration::hours(1),
            total_fen: 10_000,
            duration_min: 90,
            ..blank_order()
        };
        let orders = [order(o1, "completed"), order(o2, "cancelled")];
        let evs = [
            event(o1, "check_in", Some(w), "{}", t + Duration::minutes(70)),
            event(o1, "open_after_sales", None, "{}", t + Duration::hours(5)),
        ];
        let c = tally(&offers, &orders, &evs).remove(&w).unwrap();
        assert_eq!((c.offers, c.accepted, c.rejected), (2, 1, 1));
        assert_eq!((c.completed, c.cancelled, c.revenue_fen), (1, 1, 10_000));
        assert_eq!((c.checked_in, c.on_time, c.complaints), (1, 0, 1));
        let p = Performance {
            worker_id: w,
            counts: c,
            shift_minutes: 180,
            rating: 4.5,
            credit_score: 100,
        };
        assert_eq!(p.acceptance_rate(), Some(0.5));
        assert_eq!(p.on_time_rate(), Some(0.0));
        assert_eq!(p.completion_rate(), Some(0.5));
        assert_eq!(p.utilisation(), Some(0.5));
    }

    #[test]
    fn ranking_puts_workers_without_a_value_last() {
        let p = |offers, accepted| Performance {
            worker_id: Uuid::now_v7(),
            counts: Counts {
                offers,
                accepted,
                ..Counts::default()
            },
            shift_minutes: 0,
            rating: 0.0,
            credit_score: 100,
        };
        let mut list = vec![p(0, 0), p(4, 1), p(2, 2)];
        rank(&mut list, RankBy::Acceptance);
        let rates: Vec<_> = list.iter().map(Performance::acceptance_rate).collect();
        assert_eq!(rates, vec![Some(1.0), Some(0.25), None]);
    }

    fn blank_order() -> service_order::Model {
        let t = DateTime::<Utc>::UNIX_EPOCH;
        service_order::Model {
            id: Uuid::nil(),
            order_no: String::new(),
            customer_id: Uuid::nil(),
            state: String::new(),
            worker_id: None,
            area_code: None,
            address_id: None,
            contact_name_enc: String::new(),
            contact_phone_enc: String::new(),
            address_enc: String::new(),
            house_number_enc: String::new(),
            lat: 0.0,
            lng: 0.0,
            window_start: t,
            window_end: t,
            payment_mode: "full".into(),
            deposit_fen: 0,
            total_fen: 0,
            paid_fen: 0,
            refunded_fen: 0,
            fee_fen: 0,
            policy: "{}".into(),
            customer_reschedules: 0,
            notes_enc: String::new(),
            completed_at: None,
            duration_min: 60,
            skills: None,
            rework_of: None,
            bundle_id: None,
            version: 1,
            created_at: t,
            updated_at: t,
        }
    }
}
