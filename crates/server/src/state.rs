//! The application state shared by every handler: store, configuration, providers.

use crate::config::Config;
use crate::ratelimit::RateLimiter;
use crate::token::TokenSigner;
use chrono::{DateTime, Utc};
use daojia_geocode::Geocoder;
use daojia_notify::sms::SmsProvider;
use daojia_store::Store;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

/// Reads the current time; tests substitute a movable clock.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// Shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

/// The state's contents.
pub struct Inner {
    /// Database and vault.
    pub store: Store,
    /// Effective configuration.
    pub config: Config,
    /// SMS provider.
    pub sms: Arc<dyn SmsProvider>,
    /// Source of log-in codes.
    pub codes: Arc<dyn crate::codes::CodeSource>,
    /// Geocoding provider.
    pub geocoder: Arc<dyn Geocoder>,
    /// Geocoding lookups per client.
    pub geocode_limiter: RateLimiter,
    /// Access-token signer.
    pub tokens: TokenSigner,
    /// Current time.
    pub clock: Clock,
    /// Password log-in attempts per client.
    pub password_limiter: RateLimiter,
    /// Prometheus scrape handle (`None` when metrics are not installed, e.g. in tests).
    pub metrics: Option<PrometheusHandle>,
    /// Whether this process serves the demo.
    pub demo: bool,
    /// Uploaded files.
    pub files: Arc<dyn crate::files::FileStore>,
    /// Travel times for slot search and planning.
    pub travel: Arc<dyn daojia_domain::travel::TravelTime>,
    /// Route plans made in this process (kept in memory, a few at a time).
    pub plans: Arc<crate::planning::Plans>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Now, from the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        (self.clock)()
    }
}

/// The geocoding provider `config.geocoding` names; the offline one knows the demo city of
/// `config.demo.seed`.
pub fn geocoder(config: &Config) -> anyhow::Result<Arc<dyn Geocoder>> {
    use daojia_geocode::{VendorConfig, amap, offline, tencent};
    let g = &config.geocoding;
    let vendor = |default_url: &str| {
        let mut v = VendorConfig::new(
            g.base_url.as_deref().unwrap_or(default_url),
            g.key.clone().unwrap_or_default(),
        )
        .with_timeout(std::time::Duration::from_secs(g.timeout_secs));
        v.secret = g.secret.clone();
        v
    };
    Ok(match g.provider.as_str() {
        "offline" => Arc::new(offline::OfflineGeocoder::demo(config.demo.seed)),
        "amap" => Arc::new(amap::AmapGeocoder::new(vendor(amap::DEFAULT_BASE_URL))?),
        "tencent" => Arc::new(tencent::TencentGeocoder::new(vendor(
            tencent::DEFAULT_BASE_URL,
        ))?),
        other => anyhow::bail!("geocoding.provider `{other}` is not available"),
    })
}
