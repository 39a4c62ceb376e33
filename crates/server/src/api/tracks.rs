//! Location tracking over HTTP (docs/location.md): the worker app's batches of points and
//! tracking consent, and a visit's track for its customer (on the way only), its worker
//! and staff. The rules live in `daojia_app::tracks`; these handlers translate HTTP, count
//! what was taken, dropped and refused (`location_points_total`,
//! `location_batches_total`), and publish the newest position on the order's topic.

use super::admin_workers::{app, scope_of};
use crate::http::auth::{Can, ClientInfo, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::Json;
use crate::realtime::{publish, topics};
use crate::state::AppState;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use daojia_app::tracks::view::{self, TrackView, Viewer};
use daojia_app::tracks::{self, BatchInput, Ingested};
use daojia_domain::track::Fix;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The event of a worker's newest position on `order:{id}`.
pub const POSITION_EVENT: &str = "order.position";

/// One point as the phone measured it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointRequest {
    /// When the device measured it (the device's clock; the server records its own
    /// receipt time too, which is authoritative).
    pub at: DateTime<Utc>,
    /// Latitude, degrees (WGS-84).
    pub lat: f64,
    /// Longitude, degrees (WGS-84).
    pub lng: f64,
    /// Radius of the fix's uncertainty, metres (at most `[tracks] max_accuracy_m`).
    pub accuracy_m: f64,
    /// Speed over ground, m/s.
    pub speed_mps: Option<f64>,
    /// Direction of travel, degrees clockwise from north.
    pub heading_deg: Option<f64>,
    /// Battery level, percent.
    pub battery_pct: Option<f64>,
}

/// A batch of points.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationBatchRequest {
    /// The app's id of the batch; a batch resent with the same id is stored once.
    pub batch_id: Uuid,
    /// 1 to `[tracks] max_batch` (500) points, in any order.
    pub points: Vec<PointRequest>,
}

/// What became of a batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationBatchView {
    /// The batch.
    pub batch_id: Uuid,
    /// Stored before: this resend changed nothing.
    pub resent: bool,
    /// When the server first received it.
    pub received_at: DateTime<Utc>,
    /// Points sent.
    pub points: usize,
    /// Points kept.
    pub accepted: usize,
    /// Points dropped as impossible jumps from the point before.
    pub dropped_jumps: usize,
    /// Points dropped as doubles (the same time as one kept).
    pub dropped_duplicates: usize,
    /// The visit on the way the points were recorded for, if any.
    pub order_id: Option<Uuid>,
}

impl From<&Ingested> for LocationBatchView {
    fn from(i: &Ingested) -> Self {
        LocationBatchView {
            batch_id: i.batch_id,
            resent: i.resent,
            received_at: i.received_at,
            points: i.sent,
            accepted: i.kept,
            dropped_jumps: i.dropped.jumps,
            dropped_duplicates: i.dropped.duplicates,
            order_id: i.order_id,
        }
    }
}

/// The worker's newest position, as published on `order:{id}` (`order.position`): rounded
/// to about 100 m, no name or phone.
#[derive(Debug, Serialize, ToSchema)]
pub struct PositionEvent {
    /// The order.
    pub order_id: Uuid,
    /// Latitude rounded to 0.001°.
    pub lat: f64,
    /// Longitude rounded to 0.001°.
    pub lng: f64,
    /// When measured.
    pub at: DateTime<Utc>,
}

fn count_rejected(e: &ApiError, points: usize) {
    let reason = e.errors.first().map_or(e.code.clone(), |f| f.code.clone());
    metrics::counter!("location_batches_total", "outcome" => "rejected", "reason" => reason.clone())
        .increment(1);
    metrics::counter!("location_points_total", "outcome" => "rejected", "reason" => reason)
        .increment(points as u64);
}

fn count_taken(i: &Ingested) {
    let outcome = if i.resent { "resent" } else { "stored" };
    metrics::counter!("location_batches_total", "outcome" => outcome, "reason" => "").increment(1);
    if i.resent {
        return;
    }
    for (outcome, n) in [
        ("accepted", i.kept),
        ("dropped_jump", i.dropped.jumps),
        ("dropped_duplicate", i.dropped.duplicates),
    ] {
        if n > 0 {
            metrics::counter!("location_points_total", "outcome" => outcome, "reason" => "")
                .increment(n as u64);
        }
    }
}

/// Takes a batch of the worker's points while online, with tracking consent. The batch is
/// all or nothing: a point that is not a number, out of range, ahead of the server's clock
/// or older than `[tracks] max_age_hours` refuses it (422, every point named), as does a
/// batch of more than `max_batch` points; a point implying an impossible speed from the
/// one before is dropped and counted. A resend of a stored batch id answers as the first
/// time with `resent: true` and stores nothing. 409 `tracking_consent_required`,
/// `worker_offline`, `not_active`.
#[utoipa::path(operation_id = "tracks_ingest", post, path = "/api/v1/worker/locations", tag = "worker", security(("bearer" = [])),
    request_body = LocationBatchRequest,
    responses((status = 200, body = LocationBatchView), (status = 400, body = crate::http::error::Problem), (status = 401, body = crate::http::error::Problem),
        (status = 409, body = crate::http::error::Problem), (status = 413, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn ingest(
    State(state): State<AppState>,
    me: CurrentWorker,
    body: Result<Json<LocationBatchRequest>, ApiError>,
) -> ApiResult<axum::Json<LocationBatchView>> {
    let req = match body {
        Ok(Json(r)) => r,
        Err(e) => {
            count_rejected(&e, 0);
            return Err(e);
        }
    };
    let n = req.points.len();
    let input = BatchInput {
        batch_id: req.batch_id,
        points: req
            .points
            .into_iter()
            .map(|p| Fix {
                at: p.at,
                lat: p.lat,
                lng: p.lng,
                accuracy_m: p.accuracy_m,
                speed_mps: p.speed_mps,
                heading_deg: p.heading_deg,
                battery_pct: p.battery_pct,
            })
            .collect(),
    };
    let done = match tracks::ingest(&app(&state), me.id, input, state.now()).await {
        Ok(d) => d,
        Err(e) => {
            let e = ApiError::from(e);
            count_rejected(&e, n);
            return Err(e);
        }
    };
    count_taken(&done);
    if let (Some(order_id), Some(f)) = (done.order_id, done.latest) {
        let event = PositionEvent {
            order_id,
            lat: coarse(f.lat),
            lng: coarse(f.lng),
            at: f.at.min(done.received_at),
        };
        let id = format!("{order_id}:{}", done.batch_id);
        if let Err(e) = publish::publish(
            state.shared.hub(),
            &topics::order(order_id),
            POSITION_EVENT,
            &id,
            &event,
        )
        .await
        {
            tracing::debug!(order = %order_id, error = %e, "position not published");
        }
    }
    Ok(axum::Json((&done).into()))
}

fn coarse(v: f64) -> f64 {
    // 0.001° (about 100 m), as the customer's view.
    (v * 1000.0).round() / 1000.0
}

/// The worker's tracking consent.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackingConsent {
    /// Whether the worker agrees to their position being recorded while online and on the
    /// way to a visit (separate from the privacy policy; withdrawn at any time).
    pub granted: bool,
}

/// Whether the worker agreed to location tracking.
#[utoipa::path(operation_id = "tracks_consent_get", get, path = "/api/v1/worker/me/tracking-consent", tag = "worker", security(("bearer" = [])),
    responses((status = 200, body = TrackingConsent), (status = 401, body = crate::http::error::Problem)))]
pub async fn consent_get(
    State(state): State<AppState>,
    me: CurrentWorker,
) -> ApiResult<axum::Json<TrackingConsent>> {
    let granted = tracks::consented(&app(&state), me.id).await?;
    Ok(axum::Json(TrackingConsent { granted }))
}

/// Gives or withdraws the worker's consent to location tracking (recorded with the time
/// and address like other consents). Without it `POST /api/v1/worker/locations` is 409.
#[utoipa::path(operation_id = "tracks_consent_put", put, path = "/api/v1/worker/me/tracking-consent", tag = "worker", security(("bearer" = [])),
    request_body = TrackingConsent,
    responses((status = 200, body = TrackingConsent), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn consent_put(
    State(state): State<AppState>,
    me: CurrentWorker,
    client: ClientInfo,
    Json(req): Json<TrackingConsent>,
) -> ApiResult<axum::Json<TrackingConsent>> {
    let granted = tracks::set_consent(
        &app(&state),
        me.id,
        req.granted,
        client.ip.as_deref(),
        state.now(),
    )
    .await?;
    Ok(axum::Json(TrackingConsent { granted }))
}

/// A point of a track.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackPointView {
    /// When (device time, whole seconds).
    pub at: DateTime<Utc>,
    /// Latitude, degrees (WGS-84).
    pub lat: f64,
    /// Longitude, degrees (WGS-84).
    pub lng: f64,
}

/// The last position recorded on the way.
#[derive(Debug, Serialize, ToSchema)]
pub struct LastPositionView {
    /// Latitude, degrees (WGS-84).
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// Accuracy, metres.
    pub accuracy_m: f64,
    /// When measured.
    pub at: DateTime<Utc>,
    /// Seconds since then: the app shows "N minutes ago" when it grows (a phone with the
    /// screen locked sends nothing).
    pub age_secs: i64,
}

/// A visit's track.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrackViewBody {
    /// The order.
    pub order_id: Uuid,
    /// Its state.
    pub state: String,
    /// The worker.
    pub worker_id: Option<Uuid>,
    /// The track from departure, downsampled, in time order.
    pub points: Vec<TrackPointView>,
    /// Raw points it was made from.
    pub raw_count: i32,
    /// The last position recorded on the way.
    pub last: Option<LastPositionView>,
    /// Seconds from the last position to the address by the travel model, while on the
    /// way.
    pub eta_secs: Option<i64>,
}

impl From<TrackView> for TrackViewBody {
    fn from(v: TrackView) -> Self {
        TrackViewBody {
            order_id: v.order_id,
            state: v.state,
            worker_id: v.worker_id,
            points: v
                .points
                .iter()
                .map(|p| TrackPointView {
                    at: p.at(),
                    lat: p.lat,
                    lng: p.lng,
                })
                .collect(),
            raw_count: v.raw_count,
            last: v.last.map(|l| LastPositionView {
                lat: l.lat,
                lng: l.lng,
                accuracy_m: l.accuracy_m,
                at: l.at,
                age_secs: l.age_secs,
            }),
            eta_secs: v.eta_secs,
        }
    }
}

/// Where the worker is on the way to the customer's order: the track and the last
/// position rounded to about 100 m, its age and the travel time to the address. Only while
/// the worker is on the way (409 `not_on_the_way` before departure and after check-in);
/// another customer's order is 404.
#[utoipa::path(operation_id = "tracks_customer", get, path = "/api/v1/customer/orders/{id}/track", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = TrackViewBody), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn customer_track(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<TrackViewBody>> {
    let v = view::of_order(&app(&state), Viewer::Customer(me.id), id, state.now()).await?;
    Ok(axum::Json(v.into()))
}

/// The worker's own track of a visit of theirs.
#[utoipa::path(operation_id = "tracks_worker", get, path = "/api/v1/worker/jobs/{id}/track", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = TrackViewBody), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn worker_track(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<TrackViewBody>> {
    let v = view::of_order(&app(&state), Viewer::Worker(me.id), id, state.now()).await?;
    Ok(axum::Json(v.into()))
}

/// A visit's track as recorded, for staff who see the order (a partner's staff: their
/// workers' orders only; any other is 404).
#[utoipa::path(operation_id = "tracks_admin", get, path = "/api/v1/admin/orders/{id}/track", tag = "admin", security(("bearer" = ["order.read"])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = TrackViewBody), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn admin_track(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<TrackViewBody>> {
    let v = view::of_order(
        &app(&state),
        Viewer::Staff(scope_of(&who.staff)),
        id,
        state.now(),
    )
    .await?;
    Ok(axum::Json(v.into()))
}
