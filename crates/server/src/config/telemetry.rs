//! `[telemetry]`: OpenTelemetry traces sent to a collector over OTLP/HTTP (protobuf). Off
//! unless an endpoint is set; with one, every request, background job and outbox delivery
//! is a span, requests join the trace named by an incoming W3C `traceparent` header, and
//! logs are unchanged (docs/operations.md, "Traces").

use serde::{Deserialize, Serialize};

/// Trace export settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// The collector's OTLP/HTTP base URL, e.g. `http://127.0.0.1:4318`; spans are posted
    /// to `<endpoint>/v1/traces` (`DAOJIA_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`).
    /// Headers a collector needs (an API key) come from `OTEL_EXPORTER_OTLP_HEADERS`.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of every span (`OTEL_SERVICE_NAME`).
    pub service_name: String,
    /// Share of new traces kept, 0 to 1; a request that arrives with a sampled
    /// `traceparent` is always kept, so one trace is never cut in half
    /// (`DAOJIA_OTLP_SAMPLE_RATIO`).
    pub sample_ratio: f64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            otlp_endpoint: None,
            service_name: "daojia".into(),
            sample_ratio: 1.0,
        }
    }
}

impl TelemetryConfig {
    /// The URL spans are posted to, when export is on.
    pub fn traces_url(&self) -> Option<String> {
        self.otlp_endpoint
            .as_deref()
            .map(|base| format!("{}/v1/traces", base.trim_end_matches('/')))
    }

    pub(super) fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("DAOJIA_OTLP_ENDPOINT").or_else(|| get("OTEL_EXPORTER_OTLP_ENDPOINT"))
        {
            self.otlp_endpoint = Some(v).filter(|v| !v.is_empty());
        }
        if let Some(v) = get("OTEL_SERVICE_NAME") {
            self.service_name = v;
        }
        if let Some(v) = get("DAOJIA_OTLP_SAMPLE_RATIO") {
            // Kept as NaN until validate() so a bad number is reported, not ignored.
            self.sample_ratio = v.parse().unwrap_or(f64::NAN);
        }
    }

    /// The first problem, as (setting, what is expected).
    pub(super) fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(url) = &self.otlp_endpoint {
            let scheme_ok = url.starts_with("http://") || url.starts_with("https://");
            let parses = url
                .parse::<axum::http::Uri>()
                .is_ok_and(|u| u.host().is_some_and(|h| !h.is_empty()) && u.query().is_none());
            if !scheme_ok || !parses {
                return Some((
                    "telemetry.otlp_endpoint",
                    format!("`{url}` is not an OTLP/HTTP base URL such as http://127.0.0.1:4318"),
                ));
            }
        }
        if self.service_name.trim().is_empty() || self.service_name.len() > 100 {
            return Some(("telemetry.service_name", "1 to 100 characters".into()));
        }
        if !(0.0..=1.0).contains(&self.sample_ratio) {
            return Some((
                "telemetry.sample_ratio",
                "expected a number from 0 to 1 (1 keeps every trace)".into(),
            ));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_the_url_gets_the_traces_path() {
        let mut t = TelemetryConfig::default();
        assert_eq!(t.traces_url(), None);
        assert_eq!(t.problem(), None);
        t.otlp_endpoint = Some("http://collector:4318/".into());
        assert_eq!(
            t.traces_url().as_deref(),
            Some("http://collector:4318/v1/traces")
        );
        assert_eq!(t.problem(), None);
    }

    #[test]
    fn bad_values_are_named() {
        let mut t = TelemetryConfig {
            otlp_endpoint: Some("collector:4318".into()),
            ..Default::default()
        };
        assert_eq!(t.problem().unwrap().0, "telemetry.otlp_endpoint");
        t.otlp_endpoint = Some("grpc://collector:4317".into());
        assert_eq!(t.problem().unwrap().0, "telemetry.otlp_endpoint");
        t.otlp_endpoint = None;
        let env = |k: &str| (k == "DAOJIA_OTLP_SAMPLE_RATIO").then(|| "half".to_string());
        t.apply_env(&env);
        assert_eq!(t.problem().unwrap().0, "telemetry.sample_ratio");
        t.sample_ratio = 1.5;
        assert_eq!(t.problem().unwrap().0, "telemetry.sample_ratio");
    }

    #[test]
    fn the_standard_variable_is_read_and_ours_wins() {
        let mut t = TelemetryConfig::default();
        let env = |k: &str| match k {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://standard:4318".to_string()),
            "OTEL_SERVICE_NAME" => Some("daojia-canary".to_string()),
            _ => None,
        };
        t.apply_env(&env);
        assert_eq!(t.otlp_endpoint.as_deref(), Some("http://standard:4318"));
        assert_eq!(t.service_name, "daojia-canary");
        let env = |k: &str| match k {
            "OTEL_EXPORTER_OTLP_ENDPOINT" => Some("http://standard:4318".to_string()),
            "DAOJIA_OTLP_ENDPOINT" => Some("http://ours:4318".to_string()),
            _ => None,
        };
        t.apply_env(&env);
        assert_eq!(t.otlp_endpoint.as_deref(), Some("http://ours:4318"));
    }
}
