//! OpenTelemetry traces (issue 14, "OpenTelemetry traces (OTLP exporter, off by default)"):
//! a `daojia serve` process with `[telemetry] otlp_endpoint` pointed at a collector in this
//! test, which speaks OTLP/HTTP as the OpenTelemetry Collector does (protobuf
//! `ExportTraceServiceRequest` posted to `/v1/traces`, decoded with the project's own
//! protobuf definitions, not ours).
//!
//! - A request carrying a W3C `traceparent` becomes a server span in that trace, a child of
//!   the caller's span, named after its route, with its status code, from service `daojia`;
//!   it reaches the collector while the node runs (the batch processor's own schedule).
//! - A request answered just before SIGTERM still reaches the collector: the node flushes
//!   its spans on the way out.

use crate::nodes;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use daojia_store::testing::Backend;
use nodes::{Node, shared_app, write_config};
use opentelemetry_proto::tonic::collector::trace::v1::{
    ExportTraceServiceRequest, ExportTraceServiceResponse,
};
use opentelemetry_proto::tonic::common::v1::any_value::Value as AnyValue;
use opentelemetry_proto::tonic::trace::v1::Span;
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use prost::Message;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the collector received: each span with its resource's `service.name`.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(String, Span)>>>);

impl Received {
    fn span_in(&self, trace_id: &[u8]) -> Option<(String, Span)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(_, s)| s.trace_id == trace_id)
            .cloned()
    }
}

async fn export(
    State(received): State<Received>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Vec<u8>) {
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/x-protobuf") {
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, vec![]);
    }
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (StatusCode::BAD_REQUEST, vec![]);
    };
    let mut spans = received.0.lock().unwrap();
    for rs in request.resource_spans {
        let service = rs
            .resource
            .iter()
            .flat_map(|r| &r.attributes)
            .find(|a| a.key == "service.name")
            .and_then(|a| match a.value.as_ref()?.value.as_ref()? {
                AnyValue::StringValue(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        for ss in rs.scope_spans {
            spans.extend(ss.spans.into_iter().map(|s| (service.clone(), s)));
        }
    }
    (
        StatusCode::OK,
        ExportTraceServiceResponse::default().encode_to_vec(),
    )
}

/// An attribute of `span` as text (strings) or a number's digits.
fn attribute(span: &Span, key: &str) -> Option<String> {
    let v = span.attributes.iter().find(|a| a.key == key)?;
    match v.value.as_ref()?.value.as_ref()? {
        AnyValue::StringValue(s) => Some(s.clone()),
        AnyValue::IntValue(i) => Some(i.to_string()),
        other => Some(format!("{other:?}")),
    }
}

async fn wait_for(received: &Received, trace_id: &[u8], limit: Duration) -> (String, Span) {
    let started = Instant::now();
    loop {
        if let Some(found) = received.span_in(trace_id) {
            return found;
        }
        assert!(
            started.elapsed() < limit,
            "no span of trace {} reached the collector in {limit:?}",
            hex(trace_id)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_become_spans_in_the_callers_trace_and_the_last_ones_are_flushed() {
    if let Some(why) = nodes::unreachable() {
        eprintln!("skipped: {why}");
        return;
    }
    let received = Received::default();
    let collector = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let collector_addr = collector.local_addr().unwrap();
    let router = axum::Router::new()
        .route("/v1/traces", axum::routing::post(export))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(collector, router).await.unwrap() });

    let (app, _redis, cfg) = shared_app(Backend::Sqlite).await;
    let dir = std::env::temp_dir().join(format!("daojia-traces-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    write_config(
        &dir,
        &cfg,
        &format!(
            "\n[server]\ndrain_secs = 0\n\n[telemetry]\notlp_endpoint = \"http://{collector_addr}\"\n"
        ),
    );
    let mut node = Node::start(&dir, "traced").await;
    let http = reqwest::Client::new();

    // A request in the caller's trace arrives while the node runs.
    let trace = [0x4b_u8; 16];
    let parent = [0x21_u8; 8];
    let r = http
        .get(format!("{}/api/v1/public/flags", node.base))
        .header(
            "traceparent",
            format!("00-{}-{}-01", hex(&trace), hex(&parent)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (service, span) = wait_for(&received, &trace, Duration::from_secs(30)).await;
    assert_eq!(service, "daojia");
    assert_eq!(span.name, "GET /api/v1/public/flags");
    assert_eq!(span.kind, SpanKind::Server as i32);
    assert_eq!(span.parent_span_id, parent, "a child of the caller's span");
    assert_eq!(
        attribute(&span, "http.route").as_deref(),
        Some("/api/v1/public/flags")
    );
    assert_eq!(
        attribute(&span, "http.response.status_code").as_deref(),
        Some("200")
    );
    assert_eq!(
        attribute(&span, "http.request.method").as_deref(),
        Some("GET")
    );
    assert!(span.end_time_unix_nano >= span.start_time_unix_nano);

    // A request without a caller's trace starts one; one that fails says so.
    let trace2 = [0x5c_u8; 16];
    let r = http
        .get(format!("{}/api/v1/admin/orders", node.base))
        .header(
            "traceparent",
            format!("00-{}-{}-01", hex(&trace2), hex(&parent)),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Answered, then SIGTERM at once: the span leaves before the process ends.
    node.terminate();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = node.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the node did not stop: {}",
            node.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}: {}", node.log_text());
    let (_, span) = received.span_in(&trace2).unwrap_or_else(|| {
        panic!(
            "the last request's span was not flushed: {}",
            node.log_text()
        )
    });
    assert_eq!(span.name, "GET /api/v1/admin/orders");
    assert_eq!(
        attribute(&span, "http.response.status_code").as_deref(),
        Some("401")
    );
    drop(app);
    let _ = std::fs::remove_dir_all(&dir);
}
