//! The worker's own day (今日任务) in the worker app: the jobs they hold that day (accepted,
//! on the way, in service) in route order, with the travel leg before each and the times
//! the schedule model expects, and what each job is: the service, the window, what it
//! pays, and the full address (the worker is assigned, so it is theirs to see).
//!
//! The day is the worker's row of the dispatch board ([`crate::board::row`]) over the same
//! stored day ([`crate::board::load::day_rows`]), so the worker and the dispatcher see one
//! route. Offers still waiting for the worker's answer are left out: they are in the
//! offers list, with the address masked until accepted.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use daojia_domain::order::OrderState;
use daojia_store::entity::{service_order, worker};
use daojia_store::repo::accounts::address_context as ctx;
use daojia_store::repo::orders;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::board::{self, BoardJob, BoardShift, load};
use crate::{App, Error, Result};

/// A job of the worker's day.
#[derive(Debug, Clone)]
pub struct DayJob {
    /// Where it stands in the route: state, window, travel leg, expected times.
    pub route: BoardJob,
    /// What is ordered (item names).
    pub items: Vec<String>,
    /// Working time, minutes.
    pub duration_min: i32,
    /// What the order pays, 分.
    pub amount_fen: i64,
    /// The address with the house number, in full.
    pub address: String,
}

/// The worker's day.
#[derive(Debug, Clone)]
pub struct WorkerDay {
    /// The local date.
    pub date: NaiveDate,
    /// The time zone of the worker's area.
    pub timezone: String,
    /// The shift (none: a day off).
    pub shift: Option<BoardShift>,
    /// Jobs still to do, in route order.
    pub jobs: Vec<DayJob>,
    /// Jobs done that day.
    pub done: u32,
}

/// The time zone of the worker's area (Shanghai when they have none).
async fn zone_of(app: &App, w: &worker::Model) -> Result<Tz> {
    Ok(match &w.area_code {
        Some(code) => load::area(app, code).await?.map(|(_, tz)| tz),
        None => None,
    }
    .unwrap_or(chrono_tz::Asia::Shanghai))
}

/// The order's address and house number in clear.
fn full_address(app: &App, o: &service_order::Model) -> String {
    let v = app.store.vault();
    let dec = |c: &str, s: &str| v.decrypt(c, s).unwrap_or_else(|_| "•••".into());
    let house = dec(ctx::HOUSE_NUMBER, &o.house_number_enc);
    let text = dec(ctx::ADDRESS, &o.address_enc);
    format!("{text} {house}").trim().to_string()
}

/// Worker `worker_id`'s jobs on `date` (their area's today when absent), in route order,
/// timed from `now`.
pub async fn day(
    app: &App,
    worker_id: Uuid,
    date: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<WorkerDay> {
    let db = app.store.db();
    let w = worker::Entity::find_by_id(worker_id)
        .one(db)
        .await?
        .ok_or(Error::NotFound("worker"))?;
    let tz = zone_of(app, &w).await?;
    let date = date.unwrap_or_else(|| now.with_timezone(&tz).date_naive());
    let mut rows = load::day_rows(app, vec![w.clone()], tz, date, now).await?;
    // An offer is not theirs until they accept it: it takes no place in their route.
    rows.orders
        .retain(|o| o.state != OrderState::PendingAccept.as_str());
    // The row's name is the board's label; the worker's own day does not show it.
    let r = board::row(app, &rows, &w, String::new(), now);
    let mut jobs = Vec::with_capacity(r.jobs.len());
    for job in r.jobs {
        let Some(o) = rows.orders.iter().find(|o| o.id == job.order_id) else {
            continue;
        };
        let items = orders::lines(db, o.id)
            .await?
            .into_iter()
            .map(|l| l.item_name)
            .collect();
        jobs.push(DayJob {
            items,
            duration_min: o.duration_min,
            amount_fen: o.total_fen,
            address: full_address(app, o),
            route: job,
        });
    }
    Ok(WorkerDay {
        date,
        timezone: tz.name().into(),
        shift: r.shift,
        jobs,
        done: r.done,
    })
}
