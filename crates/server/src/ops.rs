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
    if state.draining.load(std::sync::atomic::Ordering::SeqCst) {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "draining",
            "this node is shutting down; it finishes what it has",
        )
        .into_response();
    }
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

/// Installs this process's metrics recorder: latency figures are histograms with fixed
/// buckets, so that a dashboard can add nodes up and take quantiles over them (a summary's
/// quantiles cannot be combined). `None` when one is installed already.
pub fn install_metrics_recorder() -> Option<metrics_exporter_prometheus::PrometheusHandle> {
    use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
    const REQUEST: &[f64] = &[
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ];
    const WORK: &[f64] = &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0];
    PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("http_request_duration_seconds".into()),
            REQUEST,
        )
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full("dispatch_decision_seconds".into()), REQUEST)
        })
        .and_then(|b| b.set_buckets_for_metric(Matcher::Full("job_run_seconds".into()), WORK))
        .ok()?
        .install_recorder()
        .ok()
}

/// `/metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    record_pool_gauges(&state);
    record_queue_gauges(&state).await;
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
    // Day plans this node used again (inputs unchanged) and built, since it started.
    let (kept, built) = state.app.day_plans.counts();
    metrics::counter!("day_plans_total", "result" => "kept").absolute(kept);
    metrics::counter!("day_plans_total", "result" => "built").absolute(built);
    // Placement pre-checks answered from a recent copy of the day, and those that read it.
    let (copy, read) = state.app.recent_days.counts();
    metrics::counter!("day_prechecks_total", "answer" => "copy").absolute(copy);
    metrics::counter!("day_prechecks_total", "answer" => "read").absolute(read);
}

/// Job kinds and outbox consumers seen at an earlier scrape: one that has emptied since is
/// reported as 0 rather than left at its last value.
static SEEN_KINDS: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// The durable queues as the database holds them (the same figures on every node; dashboards
/// take the maximum over nodes): `job_queue_depth{kind}`, `job_queue_oldest_seconds{kind}`,
/// `jobs_failed{kind}`, `outbox_lag_events{consumer}`, `outbox_lag_seconds{consumer}`,
/// `outbox_consumer_attempts{consumer}`. A database that does not answer leaves the last
/// values and counts `metrics_scrape_errors_total`.
async fn record_queue_gauges(state: &AppState) {
    use daojia_store::repo::queue_stats;
    let db = state.store.db();
    let now = state.now();
    match queue_stats::job_queues(db, now).await {
        Ok(queues) => {
            let mut seen = SEEN_KINDS.lock().unwrap_or_else(|p| p.into_inner());
            for kind in seen.iter() {
                if !queues.iter().any(|q| &q.kind == kind) {
                    let k = kind.clone();
                    metrics::gauge!("job_queue_depth", "kind" => k.clone()).set(0.0);
                    metrics::gauge!("job_queue_oldest_seconds", "kind" => k.clone()).set(0.0);
                    metrics::gauge!("jobs_failed", "kind" => k).set(0.0);
                }
            }
            for q in queues {
                metrics::gauge!("job_queue_depth", "kind" => q.kind.clone()).set(q.due as f64);
                metrics::gauge!("job_queue_oldest_seconds", "kind" => q.kind.clone())
                    .set(q.oldest_secs);
                metrics::gauge!("jobs_failed", "kind" => q.kind.clone()).set(q.failed as f64);
                if !seen.contains(&q.kind) {
                    seen.push(q.kind);
                }
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the job queue");
            metrics::counter!("metrics_scrape_errors_total", "source" => "jobs").increment(1);
        }
    }
    // A consumer fed from the broker keeps its old relay row, which no longer moves: its
    // lag is the broker's queue, not the outbox's.
    let by_broker = |name: &str| {
        state.config.broker.amqp_url.is_some()
            && state.config.broker.consumers.iter().any(|c| c == name)
    };
    match queue_stats::outbox_lag(db, now).await {
        Ok(lags) => {
            for l in lags.into_iter().filter(|l| !by_broker(&l.name)) {
                metrics::gauge!("outbox_lag_events", "consumer" => l.name.clone())
                    .set(l.events as f64);
                metrics::gauge!("outbox_lag_seconds", "consumer" => l.name.clone()).set(l.secs);
                metrics::gauge!("outbox_consumer_attempts", "consumer" => l.name)
                    .set(f64::from(l.attempts));
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the outbox");
            metrics::counter!("metrics_scrape_errors_total", "source" => "outbox").increment(1);
        }
    }
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
