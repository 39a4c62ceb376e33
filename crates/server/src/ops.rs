//! Operator endpoints: liveness, readiness, Prometheus metrics, the OpenAPI document.

use crate::http::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `/healthz`: the process is up and serving.
pub async fn healthz() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// `/readyz`: the database answers and its migrations are current. A load balancer sends
/// traffic only to ready nodes. With Redis configured, the answer says whether it answers
/// too; a node whose Redis is down stays ready (rate limits fall back to the node's own,
/// and the database holds every limit that must not be exceeded). With a broker, it shows
/// the events not yet confirmed by it (`broker.lag`) and the last publishing error; a
/// node whose broker is down stays ready too (the outbox holds the events).
pub async fn readyz(State(state): State<AppState>) -> Response {
    if let Err(e) = state.store.ping().await {
        tracing::warn!(error = %e, "readiness: database unreachable");
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unreachable",
            "the database does not answer",
        )
        .into_response();
    }
    match state.store.pending_migrations().await {
        Ok(p) if p.is_empty() => {
            let mut body = json!({ "status": "ready", "database": state.store.kind().as_str(), "migrations": "current", "shared_state": state.shared.backend() });
            if state.shared.is_redis() {
                let redis = match state.shared.ping().await {
                    Ok(()) => "ok",
                    Err(e) => {
                        tracing::warn!(error = %e, "readiness: Redis unreachable; rate limits are per node until it answers");
                        "unreachable"
                    }
                };
                body["redis"] = json!(redis);
            }
            if state.config.broker.amqp_url.is_some() {
                body["broker"] = broker_status(&state).await;
            }
            axum::Json(body).into_response()
        }
        Ok(p) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "migrations_pending",
            format!("{} migration(s) not applied: run `daojia migrate`", p.len()),
        )
        .into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// The publisher's progress for `/readyz`.
async fn broker_status(state: &AppState) -> serde_json::Value {
    use daojia_app::outbox::broker::publish::NAME;
    match daojia_app::outbox::lag(state.store.db()).await {
        Ok(lags) => match lags.into_iter().find(|l| l.consumer == NAME) {
            Some(l) => {
                json!({ "lag": l.events, "failing": l.attempts > 0, "last_error": l.last_error })
            }
            None => {
                json!({ "lag": null, "failing": false, "last_error": "the publisher has not started yet" })
            }
        },
        Err(e) => json!({ "lag": null, "failing": true, "last_error": e.to_string() }),
    }
}

/// `/metrics`: Prometheus text format. The outbox lag per consumer
/// (`outbox_lag_events{consumer}`) is read from the database at each scrape.
pub async fn metrics(State(state): State<AppState>) -> Response {
    record_pool_gauges(&state);
    match daojia_app::outbox::lag(state.store.db()).await {
        Ok(lags) => {
            for l in lags {
                metrics::gauge!("outbox_lag_events", "consumer" => l.consumer.clone())
                    .set(l.events as f64);
                metrics::gauge!("outbox_consumer_failed_attempts", "consumer" => l.consumer)
                    .set(f64::from(l.attempts));
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: cannot read the outbox lag"),
    }
    let body = state
        .metrics
        .as_ref()
        .map(|h| h.render())
        .unwrap_or_default();
    let mut res = (StatusCode::OK, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}

fn record_pool_gauges(state: &AppState) {
    use daojia_store::DbKind;
    let db = state.store.db();
    let (size, idle) = match state.store.kind() {
        DbKind::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        DbKind::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        DbKind::MySql => {
            let p = db.get_mysql_connection_pool();
            (p.size(), p.num_idle())
        }
    };
    metrics::gauge!("db_pool_connections").set(f64::from(size));
    metrics::gauge!("db_pool_idle_connections").set(idle as f64);
    metrics::gauge!("db_pool_max_connections")
        .set(f64::from(state.config.database.max_connections));
}

/// `/api/openapi.json`.
pub async fn openapi() -> Response {
    let mut res = (StatusCode::OK, crate::api::openapi_json()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}
