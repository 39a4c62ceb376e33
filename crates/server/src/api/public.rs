//! Public, unauthenticated facts the apps need before log-in.

use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use serde::Serialize;
use utoipa::ToSchema;

/// What the apps show before log-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicConfig {
    /// Product name.
    pub app_name: String,
    /// True when serving the demo city.
    pub demo: bool,
    /// Default UI language.
    pub default_locale: String,
    /// Server version.
    pub version: String,
    /// How the apps draw maps.
    pub map: MapView,
    /// The channels an order can be paid through online (`wechat_native`, `wechat_h5`,
    /// `wechat_jsapi` (inside WeChat; with `pay.wechat.app_secret`), `alipay_precreate`,
    /// `alipay_wap` when configured) and `wallet` (the customer's balance, always).
    pub pay_channels: Vec<String>,
}

/// Map settings for the apps.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapView {
    /// Tile URL template (`{z}/{x}/{y}`), when tiles are configured; otherwise the apps
    /// draw the offline base map (`/api/v1/public/basemap`) or the area outlines.
    pub tile_url: Option<String>,
    /// Coordinate system of the tiles: `wgs84` or `gcj02` (AMap, Tencent tiles).
    pub tile_coord: String,
    /// Attribution to show with the tiles.
    pub attribution: Option<String>,
    /// Whether `/api/v1/public/basemap` has an offline base map.
    pub basemap: bool,
    /// AMap JS API key: when present, draw maps with AMap (GCJ-02) instead of Leaflet.
    pub amap_js_key: Option<String>,
    /// The AMap JS security code paired with the key.
    pub amap_security_code: Option<String>,
}

/// Public configuration. It changes only when a node restarts with another configuration:
/// answers `304` to a client that holds the current `ETag`.
#[utoipa::path(get, path = "/api/v1/public/config", tag = "public",
    responses((status = 200, body = PublicConfig), (status = 304, description = "Not modified: the `If-None-Match` tag is current")))]
pub async fn config(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> crate::http::error::ApiResult<axum::response::Response> {
    let config = PublicConfig {
        app_name: "到家 Daojia".into(),
        demo: state.demo,
        default_locale: "zh-CN".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        map: MapView {
            tile_url: state.config.map.tile_url.clone(),
            tile_coord: state.config.map.tile_coord.clone(),
            attribution: state.config.map.attribution.clone(),
            basemap: state.demo,
            amap_js_key: state.config.map.amap_js_key.clone(),
            amap_security_code: state.config.map.amap_security_code.clone(),
        },
        // The channels configured, and the wallet, which needs none.
        pay_channels: state
            .app
            .payments
            .as_ref()
            .map(|p| p.channels())
            .unwrap_or_default()
            .into_iter()
            .chain([daojia_domain::wallet::CHANNEL])
            .map(str::to_owned)
            .collect(),
    };
    Ok(crate::http::etag::Rendered::json(&config)?.respond(&headers))
}

/// The offline base map of the demo city (districts, elevated roads and rings, the river) as
/// a GeoJSON FeatureCollection in WGS-84; 404 when not serving the demo.
#[utoipa::path(get, path = "/api/v1/public/basemap", tag = "public",
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"), (status = 404, body = crate::http::error::Problem)))]
pub async fn basemap(
    State(state): State<AppState>,
) -> crate::http::error::ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    if !state.demo {
        return Err(crate::http::error::ApiError::not_found("basemap"));
    }
    static MAP: std::sync::OnceLock<(u64, String)> = std::sync::OnceLock::new();
    let seed = state.config.demo.seed;
    let (s, body) = MAP.get_or_init(|| (seed, daojia_demo::city(seed).map_geojson().to_string()));
    let body = if *s == seed {
        body.clone()
    } else {
        daojia_demo::city(seed).map_geojson().to_string()
    };
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/geo+json"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response())
}
