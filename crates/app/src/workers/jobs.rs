//! The worker's own day (今日任务) in the worker app: the jobs they hold that day (accepted,
//! on the way, in service) in route order, with the travel leg before each and the times
//! the schedule model expects, and what each job is: the service, the window, what it
//! pays, and the full address (the worker is assigned, so it is theirs to see).
//!
//! The day is the worker's row of the dispatch board ([`crate::board::row`]) over the same
//! stored day ([`crate::board::load::day_rows`]), so the worker and the dispatcher see one
//! route. Offers still waiting for the worker's answer are left out: they are in the
//! offers list, with the address masked until accepted.
//!
//! Each job is also the card the worker reads at the door (issue 11): the customer's notes,
//! the tools the ordered items need, the customer's phone masked (calls go through
//! [`crate::visits::calls`]) and links that open a route to the address in the worker's
//! map app ([`daojia_domain::navigation`]).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use daojia_domain::geo::LatLng;
use daojia_domain::navigation::{self, NavLinks};
use daojia_domain::order::OrderState;
use daojia_domain::phone::mask_phone;
use daojia_store::entity::{order_line, service_item, service_order, worker};
use daojia_store::repo::accounts::address_context as ctx;
use daojia_store::repo::orders;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
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
    /// What the customer wrote for the worker when ordering (empty when nothing).
    pub notes: String,
    /// The tools the ordered items need, each once, in the order of the items.
    pub tools: Vec<String>,
    /// The customer's contact phone, masked (`138****5678`).
    pub contact_phone_masked: String,
    /// Links that open a route to the address in the map apps.
    pub navigation: NavLinks,
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

/// The tools the `lines`' items need, each once, in the order of the lines (an item no
/// longer in the catalog adds none).
async fn tools(app: &App, lines: &[order_line::Model]) -> Result<Vec<String>> {
    let codes: Vec<&str> = lines.iter().map(|l| l.item_code.as_str()).collect();
    let items = service_item::Entity::find()
        .filter(service_item::Column::Code.is_in(codes.iter().copied()))
        .all(app.store.db())
        .await?;
    let mut out: Vec<String> = vec![];
    for code in codes {
        let Some(item) = items.iter().find(|i| i.code == code) else {
            continue;
        };
        for t in crate::catalog::strings(&item.tools) {
            let t = t.trim().to_string();
            if !t.is_empty() && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    Ok(out)
}

/// Job `o` as the worker's card: `route` with what is ordered, the notes, the tools, the
/// masked phone and the navigation links. The links name the address without the house
/// number, which stays out of the map vendors' apps.
async fn card(app: &App, o: &service_order::Model, route: BoardJob) -> Result<DayJob> {
    let v = app.store.vault();
    let lines = orders::lines(app.store.db(), o.id).await?;
    let notes = orders::notes(&app.store, o).unwrap_or_default();
    let phone = v
        .decrypt(ctx::CONTACT_PHONE, &o.contact_phone_enc)
        .map(|p| mask_phone(&p))
        .unwrap_or_else(|_| "****".into());
    let street = v.decrypt(ctx::ADDRESS, &o.address_enc).unwrap_or_default();
    let navigation = navigation::links(
        LatLng::new(o.lat, o.lng),
        &street,
        &app.settings.job_card.navigation,
    );
    Ok(DayJob {
        route,
        items: lines.iter().map(|l| l.item_name.clone()).collect(),
        duration_min: o.duration_min,
        amount_fen: o.total_fen,
        address: full_address(app, o),
        notes: notes.trim().to_string(),
        tools: tools(app, &lines).await?,
        contact_phone_masked: phone,
        navigation,
    })
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
        jobs.push(card(app, o, job).await?);
    }
    Ok(WorkerDay {
        date,
        timezone: tz.name().into(),
        shift: r.shift,
        jobs,
        done: r.done,
    })
}
