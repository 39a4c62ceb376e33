//! The application state shared by every handler: store, configuration, providers.

use crate::config::Config;
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
    /// The channels notifications are delivered through ([`notify_channels`]).
    pub notify: daojia_app::notifications::deliver::Channels,
    /// Source of log-in codes.
    pub codes: Arc<dyn crate::codes::CodeSource>,
    /// Geocoding provider.
    pub geocoder: Arc<dyn Geocoder>,
    /// Access-token signer.
    pub tokens: TokenSigner,
    /// Current time.
    pub clock: Clock,
    /// Rate limits, state shared with the other API nodes (in process without Redis).
    pub shared: daojia_shared::Shared,
    /// The configured rate limits.
    pub limits: crate::ratelimit::Limits,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: crate::http::client_ip::TrustedProxies,
    /// Prometheus scrape handle (`None` when metrics are not installed, e.g. in tests).
    pub metrics: Option<PrometheusHandle>,
    /// Whether this process serves the demo.
    pub demo: bool,
    /// Uploaded files.
    pub files: Arc<dyn crate::files::FileStore>,
    /// Travel times for slot search and planning.
    pub travel: Arc<dyn daojia_domain::travel::TravelTime>,
    /// The route plans searching on this node (a few at a time; plans themselves are in
    /// the database).
    pub plans: Arc<daojia_app::planning::Solver>,
    /// The channel simulator, when `pay.simulator` runs it in this process (served under
    /// `/paysim`).
    pub paysim: Option<Arc<daojia_pay::sim::Simulator>>,
    /// The application layer (use cases) over the same store and travel times.
    pub app: daojia_app::App,
    /// Set on SIGTERM: `/readyz` answers 503 so that balancers stop sending traffic while
    /// the node still serves what reaches it (`server.drain_secs`).
    pub draining: std::sync::atomic::AtomicBool,
    /// This node's copy of the sessions it found live, while the `sessions` counter stands
    /// (the session check of every request: `http::auth`).
    pub sessions: daojia_store::repo::sessions::LiveSessions,
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

/// The channels notifications are delivered through: the SMS provider (the one log-in codes
/// use, with its failover), and the push channels with the subscriptions they push to.
/// The push channels are those `[push]` configures (Web Push, JPush, Getui), and the
/// subscriptions those customers and workers registered (`push_subscription`); a person
/// with none, or a node with no channel of their kind, gets the push delivery recorded as
/// skipped with nowhere to go. `[notifications] push = false` skips them too.
pub fn notify_channels(
    sms: Arc<dyn SmsProvider>,
    push: &daojia_app::push::PushChannels,
    store: &daojia_store::Store,
) -> daojia_app::notifications::deliver::Channels {
    daojia_app::notifications::deliver::Channels {
        sms,
        push: push.all(),
        subscriptions: Arc::new(daojia_app::push::StoredSubscriptions::new(store.clone())),
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

/// The SMS provider `config.sms` names: the offline log, a vendor, or a vendor with the
/// other as its fallback.
pub fn sms(config: &Config) -> anyhow::Result<Arc<dyn SmsProvider>> {
    let s = &config.sms;
    let primary = vendor_sms(config, &s.provider)?;
    Ok(match &s.fallback {
        None => primary,
        Some(f) => Arc::new(daojia_notify::failover::Failover::new(
            primary,
            vendor_sms(config, f)?,
        )),
    })
}

fn vendor_sms(config: &Config, name: &str) -> anyhow::Result<Arc<dyn SmsProvider>> {
    use daojia_notify::{aliyun, tencent};
    let s = &config.sms;
    let timeout = std::time::Duration::from_secs(s.timeout_secs);
    let text = |o: &Option<String>| o.clone().unwrap_or_default();
    let secret = |o: &Option<daojia_domain::secret::Secret<String>>| {
        o.clone()
            .unwrap_or_else(|| daojia_domain::secret::Secret::new(String::new()))
    };
    Ok(match name {
        "log" => Arc::new(daojia_notify::sms::LogSms),
        "aliyun" => {
            let a = &s.aliyun;
            Arc::new(aliyun::AliyunSms::new(aliyun::AliyunConfig {
                endpoint: a
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| aliyun::DEFAULT_ENDPOINT.into()),
                access_key_id: text(&a.access_key_id),
                access_key_secret: secret(&a.access_key_secret),
                sign_name: text(&a.sign_name),
                templates: a.templates.clone(),
                timeout,
            })?)
        }
        "tencent" => {
            let t = &s.tencent;
            Arc::new(tencent::TencentSms::new(tencent::TencentConfig {
                endpoint: t
                    .endpoint
                    .clone()
                    .unwrap_or_else(|| tencent::DEFAULT_ENDPOINT.into()),
                secret_id: text(&t.secret_id),
                secret_key: secret(&t.secret_key),
                sdk_app_id: text(&t.sdk_app_id),
                region: t.region.clone(),
                sign_name: text(&t.sign_name),
                templates: t.templates.clone(),
                timeout,
            })?)
        }
        other => anyhow::bail!("sms.provider `{other}` is not available"),
    })
}
