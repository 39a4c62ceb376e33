//! Where and when: the service area serving a point, the customer's saved address and its
//! area, the window checks (hours, lead time, horizon), the areas sharing workers, and the
//! capacity claim a booking takes.

use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Timelike, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::machine::Window;
use daojia_store::entity::{customer_address, service_area, service_order};
use daojia_store::repo::catalog_rows::{self, CatalogRows};
use daojia_store::repo::{accounts, catalog, orders, slots, versions};
use std::sync::Arc;

/// Length of an appointment window when the area sets none, minutes.
pub const WINDOW_MINUTES: i64 = 60;

/// Checks the window against the area's hours, lead time and horizon, and returns it with
/// the area's window length. Errors concern `window_start` (`window_unavailable`).
pub fn check_window(
    area: &service_area::Model,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Window> {
    let bad = |msg: String| Err(Error::field("window_start", "window_unavailable", msg));
    let tz = slots::zone(area);
    let local = start.with_timezone(&tz);
    if local.second() != 0 || local.nanosecond() != 0 || !local.minute().is_multiple_of(30) {
        return bad("a window starts on the hour or the half hour".into());
    }
    if start < now + Duration::minutes(i64::from(area.lead_minutes)) {
        return bad(format!(
            "the earliest start in this area is {} minutes from now",
            area.lead_minutes
        ));
    }
    if start > now + Duration::days(i64::from(area.horizon_days)) {
        return bad(format!(
            "this area takes bookings up to {} days ahead",
            area.horizon_days
        ));
    }
    let minute = i64::from(local.hour() * 60 + local.minute());
    let length = window_minutes(area);
    if minute < i64::from(area.open_minute) || minute + length > i64::from(area.close_minute) {
        return bad(format!(
            "this area is served from {:02}:{:02} to {:02}:{:02}",
            area.open_minute / 60,
            area.open_minute % 60,
            area.close_minute / 60,
            area.close_minute % 60
        ));
    }
    Ok(Window {
        start,
        end: start + Duration::minutes(length),
    })
}

/// The area's appointment window length, minutes (30 to 240; [`WINDOW_MINUTES`] when unset).
pub fn window_minutes(area: &service_area::Model) -> i64 {
    match area.window_minutes {
        m @ 30..=240 => i64::from(m),
        _ => WINDOW_MINUTES,
    }
}

/// The service area containing a point, if any.
pub async fn area_at(app: &App, at: LatLng) -> Result<Option<service_area::Model>> {
    area_in(&catalog::areas(app.store.db()).await?, at)
}

/// Of `areas`, the one containing a point, if any.
fn area_in(areas: &[service_area::Model], at: LatLng) -> Result<Option<service_area::Model>> {
    for a in areas {
        let g: daojia_domain::geo::GeoJsonPolygon =
            serde_json::from_str(&a.polygon).map_err(Error::internal)?;
        if daojia_domain::geo::Polygon::from_geojson(&g)
            .map_err(Error::internal)?
            .contains(at)
        {
            return Ok(Some(a.clone()));
        }
    }
    Ok(None)
}

/// A customer's saved address with where it is served from.
#[derive(Debug)]
pub struct Located {
    /// The address.
    pub address: customer_address::Model,
    /// The area serving it.
    pub area: service_area::Model,
    /// The areas whose workers may serve it ([`pool`]).
    pub pool: Vec<String>,
    /// The catalog rows the area was found in, current for this request (for pricing:
    /// [`super::pricing::price_on`]).
    pub catalog: Arc<CatalogRows>,
    /// The `staff` counter, read with the catalog's (for the workers' rows:
    /// `Staff::load_at`).
    pub staff_counter: Option<(uuid::Uuid, i64)>,
    /// The `catalog` counter the rows were found under.
    pub catalog_counter: Option<(uuid::Uuid, i64)>,
}

/// The customer's saved address `id`, the area serving it and the areas whose workers may
/// serve it, from the node's current copy of the catalog rows (errors concern
/// `address_id`). `counters`: the counters this request already read (with its session
/// check, `versions::read_for_request`), else they are read here.
pub async fn address_and_area(
    app: &App,
    customer: uuid::Uuid,
    id: uuid::Uuid,
    counters: Option<versions::RequestCounters>,
) -> Result<Located> {
    let address = accounts::addresses(app.store.db(), customer)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| {
            Error::field(
                "address_id",
                "unknown_address",
                "not one of your saved addresses",
            )
        })?;
    // Both counters in one statement: the catalog's for the rows here, the staff's for
    // the workers' rows of the capacity check (read by the request's session check, when
    // it read them: a moment earlier, before anything of the placement).
    let [staff_counter, catalog] = match counters {
        Some(c) => [c.staff, c.catalog],
        None => versions::read_many(app.store.db(), [versions::STAFF, versions::CATALOG]).await?,
    };
    let rows = catalog_rows::at(app.store.db(), catalog).await?;
    let areas = &rows.areas;
    let area = area_in(areas, LatLng::new(address.lat, address.lng))?.ok_or_else(|| {
        Error::field(
            "address_id",
            "out_of_area",
            "we do not serve this address yet",
        )
    })?;
    let pool = slots::pool_of(areas, &area);
    Ok(Located {
        address,
        area,
        pool,
        catalog: rows,
        staff_counter,
        catalog_counter: catalog,
    })
}

/// The area an order was placed in, if it still exists.
pub async fn area_of(app: &App, m: &service_order::Model) -> Result<Option<service_area::Model>> {
    Ok(match &m.area_code {
        Some(code) => catalog::areas(app.store.db())
            .await?
            .into_iter()
            .find(|a| &a.code == code),
        None => None,
    })
}

/// The areas whose workers may serve `area` (its city's).
pub async fn pool(app: &App, area: &service_area::Model) -> Result<Vec<String>> {
    Ok(slots::pool_of(&catalog::areas(app.store.db()).await?, area))
}

/// The capacity claim of a booking in `area` whose workers come from `pool`.
pub fn claim<'a>(
    app: &'a App,
    area: &'a service_area::Model,
    pool: &'a [String],
) -> orders::SlotClaim<'a> {
    orders::SlotClaim {
        area,
        pool,
        travel: app.travel.as_ref(),
        reach_m: app.settings.reach_m,
        plans: Some(&app.day_plans),
        staff: None,
        recent: None,
    }
}
