//! Public geocoding: what a customer types into the address box becomes places on the map,
//! and a pin dropped on the map becomes the address there. The configured provider answers
//! (the offline demo city by default, AMap or Tencent by configuration); whatever system
//! the provider draws in, places come back in WGS-84. Lookups are rate-limited per client,
//! since a vendor's quota is the platform's money.

use crate::http::auth::ClientInfo;
use crate::http::error::{ApiError, ApiResult, FieldError};
use crate::http::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use daojia_domain::geo::{CoordSystem, LatLng};
use daojia_geocode::{GeocodeError, Place, PlaceLevel};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// What to find.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GeocodeParams {
    /// An address or place, e.g. `徐汇区漕溪北路88号` (1–100 characters).
    pub q: String,
    /// Only in this city: a name such as `上海`, or an adcode.
    pub city: Option<String>,
}

/// A point to name.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReverseParams {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// The coordinate system of the point: `wgs84` (default), `gcj02` (AMap, Tencent) or
    /// `bd09` (Baidu).
    #[param(value_type = Option<String>)]
    pub coord: Option<CoordSystem>,
}

/// How precisely a place was resolved.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceLevelView {
    /// The provider did not say.
    Unknown,
    /// A city.
    City,
    /// A district (区县).
    District,
    /// A township or sub-district (乡镇、街道).
    Township,
    /// A street or road.
    Street,
    /// A point of interest: a compound, building, landmark.
    Poi,
    /// A house number on a street (门牌号).
    Address,
}

impl From<PlaceLevel> for PlaceLevelView {
    fn from(l: PlaceLevel) -> Self {
        match l {
            PlaceLevel::Unknown => PlaceLevelView::Unknown,
            PlaceLevel::City => PlaceLevelView::City,
            PlaceLevel::District => PlaceLevelView::District,
            PlaceLevel::Township => PlaceLevelView::Township,
            PlaceLevel::Street => PlaceLevelView::Street,
            PlaceLevel::Poi => PlaceLevelView::Poi,
            PlaceLevel::Address => PlaceLevelView::Address,
        }
    }
}

/// A place.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceView {
    /// The address as the provider writes it, e.g. 上海市徐汇区漕溪北路88号.
    pub formatted: String,
    /// City.
    pub city: Option<String>,
    /// District.
    pub district: Option<String>,
    /// Street or road.
    pub street: Option<String>,
    /// House number.
    pub number: Option<String>,
    /// Latitude, WGS-84.
    pub lat: f64,
    /// Longitude, WGS-84.
    pub lng: f64,
    /// How precisely it was resolved.
    pub level: PlaceLevelView,
}

impl From<Place> for PlaceView {
    fn from(p: Place) -> Self {
        PlaceView {
            formatted: p.formatted,
            city: p.city,
            district: p.district,
            street: p.street,
            number: p.number,
            lat: p.location.lat,
            lng: p.location.lng,
            level: p.level.into(),
        }
    }
}

/// Places found, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct GeocodeResult {
    /// The provider that answered: `offline`, `amap` or `tencent`.
    pub provider: String,
    /// The places (none when nothing matched).
    pub places: Vec<PlaceView>,
}

/// Counts the lookup against the client's allowance.
async fn limit(state: &AppState, client: &ClientInfo) -> ApiResult<()> {
    crate::ratelimit::per_ip(
        state,
        &state.limits.geocode_per_ip,
        client.ip.as_deref(),
        "too many address lookups; wait and try again",
    )
    .await
}

/// A provider failure as the client sees it; the cause goes to the log for the operator.
fn provider_failed(state: &AppState, e: GeocodeError) -> ApiError {
    let provider = state.geocoder.name();
    match e {
        GeocodeError::InvalidInput(m) => ApiError::bad_request("invalid_place", m),
        GeocodeError::Timeout { .. } => {
            tracing::warn!(provider, error = %e, "geocoding timed out");
            ApiError::new(
                StatusCode::GATEWAY_TIMEOUT,
                "geocoding_timeout",
                "the map service did not answer in time; try again",
            )
        }
        GeocodeError::Quota { .. } => {
            tracing::error!(provider, error = %e, "geocoding quota exceeded");
            let mut err = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "geocoding_unavailable",
                "address lookup is busy; try again in a minute",
            );
            err.retry_after = Some(60);
            err
        }
        _ => {
            tracing::error!(provider, error = %e, "geocoding failed");
            ApiError::new(
                StatusCode::BAD_GATEWAY,
                "geocoding_failed",
                "the map service failed; quote the request id when reporting it",
            )
        }
    }
}

fn count(state: &AppState, kind: &'static str, outcome: &'static str) {
    metrics::counter!(
        "geocode_lookups_total",
        "provider" => state.geocoder.name(),
        "kind" => kind,
        "outcome" => outcome
    )
    .increment(1);
}

/// Finds places matching an address, best first. Nothing found is an empty list.
#[utoipa::path(get, path = "/api/v1/public/geocode", tag = "public", operation_id = "geocode", params(GeocodeParams),
    responses((status = 200, body = GeocodeResult), (status = 422, body = crate::http::error::Problem),
        (status = 429, body = crate::http::error::Problem), (status = 502, body = crate::http::error::Problem),
        (status = 503, body = crate::http::error::Problem), (status = 504, body = crate::http::error::Problem)))]
pub async fn geocode(
    State(state): State<AppState>,
    client: ClientInfo,
    Query(p): Query<GeocodeParams>,
) -> ApiResult<axum::Json<GeocodeResult>> {
    let q = p.q.trim();
    let mut errors = Vec::new();
    if q.is_empty() {
        errors.push(FieldError::new(
            "q",
            "required",
            "type an address to look up",
        ));
    } else if q.chars().count() > MAX_QUERY_CHARS {
        errors.push(FieldError::new(
            "q",
            "too_long",
            format!("at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let city = p.city.as_deref().map(str::trim).filter(|c| !c.is_empty());
    if city.is_some_and(|c| c.chars().count() > 32) {
        errors.push(FieldError::new("city", "too_long", "at most 32 characters"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    limit(&state, &client).await?;
    let places = match state.geocoder.geocode(q, city).await {
        Ok(p) => p,
        Err(e) => {
            count(&state, "geocode", "error");
            return Err(provider_failed(&state, e));
        }
    };
    count(
        &state,
        "geocode",
        if places.is_empty() { "empty" } else { "found" },
    );
    Ok(axum::Json(GeocodeResult {
        provider: state.geocoder.name().to_string(),
        places: places.into_iter().map(PlaceView::from).collect(),
    }))
}

/// Names the place at a point (a pin dropped on the map); 404 `no_place` when the provider
/// knows nothing there.
#[utoipa::path(get, path = "/api/v1/public/geocode/reverse", tag = "public", operation_id = "reverse_geocode", params(ReverseParams),
    responses((status = 200, body = PlaceView), (status = 404, body = crate::http::error::Problem),
        (status = 422, body = crate::http::error::Problem), (status = 429, body = crate::http::error::Problem),
        (status = 502, body = crate::http::error::Problem), (status = 503, body = crate::http::error::Problem),
        (status = 504, body = crate::http::error::Problem)))]
pub async fn reverse(
    State(state): State<AppState>,
    client: ClientInfo,
    Query(p): Query<ReverseParams>,
) -> ApiResult<axum::Json<PlaceView>> {
    let mut errors = Vec::new();
    if !(p.lat.is_finite() && (-90.0..=90.0).contains(&p.lat)) {
        errors.push(FieldError::new(
            "lat",
            "out_of_range",
            "latitude between -90 and 90",
        ));
    }
    if !(p.lng.is_finite() && (-180.0..=180.0).contains(&p.lng)) {
        errors.push(FieldError::new(
            "lng",
            "out_of_range",
            "longitude between -180 and 180",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let at = p
        .coord
        .unwrap_or(CoordSystem::Wgs84)
        .to_wgs84(LatLng::new(p.lat, p.lng));
    limit(&state, &client).await?;
    match state.geocoder.reverse(at).await {
        Ok(Some(place)) => {
            count(&state, "reverse", "found");
            Ok(axum::Json(place.into()))
        }
        Ok(None) => {
            count(&state, "reverse", "empty");
            Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no_place",
                "no known address at this point",
            ))
        }
        Err(e) => {
            count(&state, "reverse", "error");
            Err(provider_failed(&state, e))
        }
    }
}
