//! Structured logs: JSON lines by default (one object per event with the request id of the
//! request it belongs to), or human-readable with `log.format = "pretty"`.
//!
//! With `[telemetry] otlp_endpoint` set, the same spans also leave as OpenTelemetry traces
//! over OTLP/HTTP: a batch processor on its own thread posts them to the collector, so a
//! slow or absent collector never holds up a request (spans beyond the queue are dropped
//! and counted by the SDK, never waited for).

use crate::config::{LogConfig, TelemetryConfig};
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::trace::{Sampler, SdkTracerProvider};
use std::sync::atomic::{AtomicBool, Ordering};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{Layer, fmt};

static EXPORTING: AtomicBool = AtomicBool::new(false);

/// Whether spans leave as OpenTelemetry traces (requests then carry the span names and
/// attributes collectors expect, and join an incoming `traceparent`).
pub fn exporting_traces() -> bool {
    EXPORTING.load(Ordering::Relaxed)
}

/// The trace exporter, to flush when the process ends; nothing when export is off.
#[must_use = "call shutdown() before exiting, or the last spans are lost"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Sends the spans still queued and stops the exporter. Blocks up to the exporter's
    /// timeout: call it from a blocking context (`spawn_blocking`) or after the runtime.
    pub fn shutdown(self) {
        if let Some(p) = self.provider {
            if let Err(e) = p.force_flush() {
                tracing::warn!(error = %e, "cannot send the last spans");
            }
            let _ = p.shutdown();
        }
    }
}

/// Installs the global subscriber. Safe to call once per process; a later call keeps the
/// first subscriber and exports nothing.
pub fn init(cfg: &LogConfig, telemetry: &TelemetryConfig) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&cfg.level).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = if cfg.format == "pretty" {
        fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed()
    } else {
        fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .with_filter(filter)
            .boxed()
    };
    let provider = telemetry
        .traces_url()
        .map(|url| provider(&url, telemetry))
        .transpose()?;
    // Traces keep the spans at info whatever the log level: `log.level = "warn"` quiets
    // the log, not the traces. Debug spans of libraries stay out of both.
    let traces = provider.as_ref().map(|p| {
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("daojia"))
            .with_tracked_inactivity(false)
            .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
    });
    let installed = tracing_subscriber::registry()
        .with(logs)
        .with(traces)
        .try_init()
        .is_ok();
    if !installed {
        if let Some(p) = provider {
            let _ = p.shutdown();
        }
        return Ok(Telemetry { provider: None });
    }
    if provider.is_some() {
        EXPORTING.store(true, Ordering::Relaxed);
        tracing::info!(
            endpoint = telemetry
                .otlp_endpoint
                .as_deref()
                .map(daojia_store::redact_url),
            sample_ratio = telemetry.sample_ratio,
            "exporting traces over OTLP/HTTP"
        );
    }
    Ok(Telemetry { provider })
}

fn provider(url: &str, cfg: &TelemetryConfig) -> anyhow::Result<SdkTracerProvider> {
    use opentelemetry_otlp::{Protocol, WithExportConfig};
    let url = url.to_string();
    // The exporter's blocking HTTP client must not be made on a runtime thread.
    let exporter = std::thread::spawn(move || {
        opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(Protocol::HttpBinary)
            .with_endpoint(url)
            .with_timeout(std::time::Duration::from_secs(5))
            .build()
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the OTLP exporter could not be built"))??;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(cfg.service_name.clone())
        .with_attribute(opentelemetry::KeyValue::new(
            "service.version",
            env!("CARGO_PKG_VERSION"),
        ))
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_sampler(Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(
            cfg.sample_ratio,
        ))))
        .with_resource(resource)
        .build())
}

/// Reads W3C trace context (`traceparent`, `tracestate`) from request headers.
pub(crate) struct HeaderCarrier<'a>(pub &'a axum::http::HeaderMap);

impl opentelemetry::propagation::Extractor for HeaderCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|k| k.as_str()).collect()
    }
}
