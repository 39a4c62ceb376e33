//! Reading a visit's track: who may, and what they see. The customer sees it only while
//! the worker is on the way (from departure to check-in), rounded to about 100 m; the
//! worker sees their own; staff who see the order (partner scoping) see it as recorded.
//! With the last position, its age (the customer's ETA degrades to "last seen N minutes
//! ago" when the phone stops sending, say with the screen locked) and, on the way, the
//! travel time from there to the address.

use crate::workers::Scope;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::order::OrderState;
use daojia_domain::track::codec::TrackPoint;
use daojia_store::entity::{service_order, track_point};
use daojia_store::repo::{orders, tracks};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// Who asks.
#[derive(Debug, Clone, Copy)]
pub enum Viewer {
    /// The order's customer.
    Customer(Uuid),
    /// The order's worker.
    Worker(Uuid),
    /// Staff with `order.read`, within their scope.
    Staff(Scope),
}

/// The last recorded position of the visit's worker.
#[derive(Debug, Clone, Copy)]
pub struct LastPosition {
    /// Latitude, degrees (WGS-84).
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Accuracy, metres (at least the rounding for the customer).
    pub accuracy_m: f64,
    /// The device's time of the fix (never after the server received it).
    pub at: DateTime<Utc>,
    /// Seconds since then.
    pub age_secs: i64,
}

/// A visit's track as one viewer sees it.
#[derive(Debug, Clone)]
pub struct TrackView {
    /// The order.
    pub order_id: Uuid,
    /// Its state.
    pub state: String,
    /// The worker.
    pub worker_id: Option<Uuid>,
    /// The downsampled track from departure, in time order.
    pub points: Vec<TrackPoint>,
    /// Raw points the track was made from.
    pub raw_count: i32,
    /// The last position recorded on the way.
    pub last: Option<LastPosition>,
    /// Seconds from the last position to the address, while on the way.
    pub eta_secs: Option<i64>,
}

/// Degrees the customer's view is rounded to (about 100 m).
const COARSE: f64 = 1e3;

fn coarse(v: f64) -> f64 {
    (v * COARSE).round() / COARSE
}

async fn order_for(app: &App, viewer: Viewer, id: Uuid) -> Result<service_order::Model> {
    let row = match viewer {
        Viewer::Staff(scope) => return crate::orders::read::get(app, scope, id).await,
        _ => orders::get(app.store.db(), id).await?,
    };
    match (viewer, row) {
        (Viewer::Customer(c), Some(o)) if o.customer_id == c => Ok(o),
        (Viewer::Worker(w), Some(o)) if o.worker_id == Some(w) => Ok(o),
        _ => Err(Error::NotFound("order")),
    }
}

/// The track of order `id` for `viewer` at `now`. Someone else's order is not found; the
/// customer asking when the worker is not on the way is 409 `not_on_the_way`.
pub async fn of_order(
    app: &App,
    viewer: Viewer,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<TrackView> {
    let order = order_for(app, viewer, id).await?;
    let en_route = order.state == OrderState::EnRoute.as_str();
    let customer = matches!(viewer, Viewer::Customer(_));
    if customer && !en_route {
        return Err(Error::conflict(
            "not_on_the_way",
            "the worker's position is shown only while they are on the way",
        ));
    }
    let db = app.store.db();
    let track = tracks::job_track(db, id).await?;
    let last = track_point::Entity::find()
        .filter(track_point::Column::OrderId.eq(id))
        .order_by_desc(track_point::Column::MeasuredAt)
        .one(db)
        .await?;
    let last = last.map(|p| {
        let at = p.measured_at.min(p.received_at);
        LastPosition {
            lat: p.lat,
            lng: p.lng,
            accuracy_m: p.accuracy_m,
            at,
            age_secs: (now - at).num_seconds().max(0),
        }
    });
    let eta_secs = last.filter(|_| en_route).map(|l| {
        app.travel.seconds(
            LatLng::new(l.lat, l.lng),
            LatLng::new(order.lat, order.lng),
            now.timestamp(),
        )
    });
    let (mut points, raw_count) = match track {
        Some((row, points)) => (points, row.raw_count),
        None => (vec![], 0),
    };
    let mut last = last;
    if customer {
        for p in &mut points {
            p.lat = coarse(p.lat);
            p.lng = coarse(p.lng);
        }
        if let Some(l) = &mut last {
            l.lat = coarse(l.lat);
            l.lng = coarse(l.lng);
            l.accuracy_m = l.accuracy_m.max(100.0);
        }
    }
    Ok(TrackView {
        order_id: order.id,
        state: order.state,
        worker_id: order.worker_id,
        points,
        raw_count,
        last,
        eta_secs,
    })
}
