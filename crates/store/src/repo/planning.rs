//! What route planning (路线规划) needs from the database: a service area's booked orders
//! of a local day, the workers of its pool on shift that day, and the orders of other
//! areas those workers already hold that day (they take the workers' time).
//!
//! The pool and the day are those of slot search ([`super::slots`]): the areas of the
//! area's city share their workers, and a day runs from local midnight to local midnight
//! in the area's time zone.

use crate::entity::{service_area, service_order};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use daojia_domain::order::OrderState;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::slots::{midnight, pool_of, zone};
use super::workers::{OnShift, Staff};
use daojia_domain::order::ON_A_ROUTE;

/// States of an order that is booked and still to be served (paid, not yet done).
pub const BOOKED: [OrderState; 6] = [
    OrderState::PendingDispatch,
    OrderState::PendingAccept,
    OrderState::Accepted,
    OrderState::EnRoute,
    OrderState::Arrived,
    OrderState::InService,
];

/// A service area's day as stored.
#[derive(Debug, Clone)]
pub struct PlanDay {
    /// The area.
    pub area: service_area::Model,
    /// Its time zone.
    pub tz: Tz,
    /// The local date.
    pub date: NaiveDate,
    /// Local midnight starting the day.
    pub midnight: DateTime<Utc>,
    /// The area's booked orders whose window starts that day, by window start.
    pub orders: Vec<service_order::Model>,
    /// Orders of other areas held that day by the workers below, by window start.
    pub elsewhere: Vec<service_order::Model>,
    /// The pool's active workers on shift that day (weekly shift and exceptions), with
    /// the skills they may be dispatched for (certificates), by code: the workers slot
    /// search books with ([`Staff`]).
    pub workers: Vec<OnShift>,
}

/// Loads the day `date` of the area `code`; `None` when there is no such area.
pub async fn load_day(
    db: &impl ConnectionTrait,
    code: &str,
    date: NaiveDate,
) -> Result<Option<PlanDay>, DbErr> {
    let areas = service_area::Entity::find().all(db).await?;
    let Some(area) = areas.iter().find(|a| a.code == code).cloned() else {
        return Ok(None);
    };
    let pool = pool_of(&areas, &area);
    let tz = zone(&area);
    let start = midnight(tz, date);
    let end = midnight(tz, date + Duration::days(1));
    let orders = service_order::Entity::find()
        .filter(service_order::Column::AreaCode.eq(code))
        .filter(service_order::Column::State.is_in(BOOKED.map(|s| s.as_str())))
        .filter(service_order::Column::WindowStart.gte(start))
        .filter(service_order::Column::WindowStart.lt(end))
        .order_by_asc(service_order::Column::WindowStart)
        .order_by_asc(service_order::Column::Id)
        .all(db)
        .await?;
    let on_shift = Staff::load(db, &pool, date, date).await?.on(date);
    let ids: Vec<uuid::Uuid> = on_shift.iter().map(|o| o.worker.id).collect();
    let elsewhere = if ids.is_empty() {
        vec![]
    } else {
        service_order::Entity::find()
            .filter(service_order::Column::WorkerId.is_in(ids))
            .filter(service_order::Column::State.is_in(ON_A_ROUTE.map(|s| s.as_str())))
            .filter(service_order::Column::WindowStart.gte(start))
            .filter(service_order::Column::WindowStart.lt(end))
            .order_by_asc(service_order::Column::WindowStart)
            .all(db)
            .await?
            .into_iter()
            .filter(|o| o.area_code.as_deref() != Some(code))
            .collect()
    };
    Ok(Some(PlanDay {
        area,
        tz,
        date,
        midnight: start,
        orders,
        elsewhere,
        workers: on_shift,
    }))
}
