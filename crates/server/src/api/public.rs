//! Public, unauthenticated facts the apps need before log-in.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
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
}

/// Public configuration.
#[utoipa::path(get, path = "/api/v1/public/config", tag = "public", responses((status = 200, body = PublicConfig)))]
pub async fn config(State(state): State<AppState>) -> Json<PublicConfig> {
    Json(PublicConfig {
        app_name: "到家 Daojia".into(),
        demo: state.demo,
        default_locale: "zh-CN".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}
