//! Configuration: defaults, then `daojia.toml` (or the file named by `--config` /
//! `DAOJIA_CONFIG`), then `DAOJIA_*` environment variables, then the secrets file
//! (`.daojia/secrets.toml` unless `secrets_file` or `DAOJIA_SECRETS_FILE` names another),
//! which only fills secrets that neither the file nor the environment set.
//! [`Config::validate`] refuses bad values with a message that names the setting and what
//! it expects.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP server.
    pub server: ServerConfig,
    /// Database.
    pub database: DatabaseConfig,
    /// Tokens, codes and log-in limits.
    pub auth: AuthConfig,
    /// Encryption of personal information.
    pub pii: PiiConfig,
    /// Text messages.
    pub sms: SmsConfig,
    /// Addresses to points and back.
    pub geocoding: GeocodingConfig,
    /// Logging.
    pub log: LogConfig,
    /// The demo city.
    pub demo: DemoConfig,
    /// Booking: payment on placement in the demo, photo uploads.
    pub booking: BookingConfig,
    /// The built-in travel model (detour factor, speeds by time of day).
    pub travel: daojia_domain::travel::TravelModel,
    /// Map tiles for the apps.
    pub map: MapConfig,
    /// Redis, for state shared by several API nodes.
    pub redis: RedisConfig,
    /// Each node's cached copies of public reads (`[cache]`: `public_ttl_ms`; ADR 0013).
    pub cache: CacheConfig,
    /// RabbitMQ for the outbox's events (`[broker]`: `amqp_url`, `exchange`,
    /// `queue_prefix`, `prefetch`, `consumers`).
    pub broker: BrokerConfig,
    /// OpenTelemetry traces over OTLP/HTTP, off by default (`[telemetry]`:
    /// `otlp_endpoint`, `service_name`, `sample_ratio`).
    pub telemetry: TelemetryConfig,
    /// The privacy policy and terms the apps ask consent to.
    pub privacy: PrivacyConfig,
    /// How long records are kept before the hourly housekeeping deletes them.
    pub retention: RetentionConfig,
    /// Worker management: the credit rules.
    pub workers: WorkersConfig,
    /// Automatic dispatch (`[dispatch]`: `mode`, `offer_timeout_secs`, `max_offers`,
    /// `horizon_hours`, `grab_pool`, `exceptions`, `grab_radius_km`, and per area
    /// `[dispatch.areas.<code>]` with `mode` and `[dispatch.areas.<code>.weights]`).
    pub dispatch: daojia_app::dispatch::DispatchSettings,
    /// The visit at the door (`[visit.check_in]`: `radius_m`, `early_min`, `late_min`;
    /// `[visit.door]`: `digits`, `max_attempts`; `[visit.device_time]`: `max_age_min`,
    /// `max_ahead_secs`; `[visit.calls]`: `provider`, `ttl_min`, `per_order_per_hour`;
    /// `[visit.navigation]`: `app_name`, `tencent_key`).
    pub visit: VisitConfig,
    /// Reviews (`[reviews]`: `post_days`, `edit_hours`, `max_text_chars`, `max_photos`,
    /// `max_reply_chars`, `prior_tenths`, `prior_weight`; docs/reviews.md).
    pub reviews: daojia_domain::review::ReviewRules,
    /// Location tracks (`[tracks]`: `max_batch`, `max_speed_kmh`, `max_age_hours`,
    /// `max_ahead_secs`, `max_accuracy_m`, `raw_days`, `job_days`, `epsilon_m`;
    /// docs/location.md).
    pub tracks: daojia_domain::track::TrackRules,
    /// Online payment: WeChat Pay, Alipay, or the channel simulator (`[pay]`, see
    /// `crate::pay`).
    pub pay: crate::pay::PayConfig,
    /// Commissions, settlement and withdrawals (`[finance]`: `dispute_window_hours`,
    /// `withdrawal_min_fen`, `withdrawal_max_per_day_fen`, `withdrawal_fee_bp`,
    /// `withdrawal_fee_min_fen`).
    pub finance: finance::FinanceConfig,
    /// The customer wallet's top-up limits (`[wallet]`: `top_up_min_fen`,
    /// `top_up_max_fen`, `max_balance_fen`).
    pub wallet: wallet::WalletConfig,
    /// Worker deposits (`[deposit]`: `hold_hours`, `lodge_min_fen`, `lodge_max_fen`, and
    /// `[[deposit.tiers]]` with `code`, `name`, `required_fen`, `max_order_fen`,
    /// `categories`; docs/deposits.md). No tiers: no deposit is required (the demo then
    /// runs with its own tiers).
    pub deposit: daojia_domain::deposit::DepositRules,
    /// Push channels (`[push]`: `webpush`, `vapid_private_key`, `vapid_subject`,
    /// `allow_http_endpoints`, `ttl_secs`, `timeout_secs`, `[push.jpush]`, `[push.getui]`, `[push.wechat]`;
    /// docs/notifications.md).
    pub push: push::PushConfig,
    /// Notifications (`[notifications]`: `sms_kinds`, `push`, `max_attempts`,
    /// `backoff_secs`, `backoff_cap_secs`, `tomorrow_hour`, `soon_minutes`;
    /// docs/notifications.md).
    pub notifications: daojia_domain::notification::NotifyRules,
    /// Where uploaded photos are kept (`[storage]`: `kind` = `local` or `s3`,
    /// `[storage.s3]`: `endpoint`, `region`, `bucket`, `path_style`, `access_key_id`,
    /// `secret_access_key`, `prefix`, `timeout_secs`; docs/operations.md).
    pub storage: storage::StorageConfig,
    /// Where generated secrets are kept (default `.daojia/secrets.toml`).
    pub secrets_file: Option<PathBuf>,
}

mod broker;
mod env;
mod finance;
mod pay;
mod push;
mod secrets;
mod sections;
mod storage;
mod telemetry;
mod validate;
mod wallet;

pub use broker::BrokerConfig;
pub use finance::FinanceConfig;
pub use push::PushConfig;
pub use secrets::{Secrets, ensure_demo_secrets};
pub use sections::*;
pub use storage::{S3Config, StorageConfig};
pub use telemetry::TelemetryConfig;
pub use wallet::WalletConfig;

/// A configuration problem, naming the setting.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this configuration.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the line and key).
        message: String,
    },
    /// A value is out of range or malformed.
    #[error("{key}: {message}")]
    Invalid {
        /// The setting, e.g. `server.addr`.
        key: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
}

fn invalid(key: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key,
        message: message.into(),
    }
}

impl Config {
    /// Loads the configuration. `file` is the explicit `--config`; without it `daojia.toml`
    /// in the working directory is read when present.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with(file, |k: &str| {
            std::env::var(k).ok().filter(|v| !v.is_empty())
        })
    }

    /// [`Config::load`] with the environment read through `env` (injected for tests).
    ///
    /// The environment is applied before the secrets file is read, because it may name that
    /// file (`DAOJIA_SECRETS_FILE`); the secrets file fills only what is still unset, so a
    /// secret given in `daojia.toml` or the environment still wins over it.
    pub fn load_with(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let explicit = file
            .map(Path::to_path_buf)
            .or_else(|| env("DAOJIA_CONFIG").map(PathBuf::from));
        let mut cfg = match &explicit {
            Some(p) => Self::from_file(p)?,
            None if Path::new("daojia.toml").exists() => Self::from_file(Path::new("daojia.toml"))?,
            None => Config::default(),
        };
        cfg.apply_env(env);
        let secrets = cfg.secrets_path();
        if secrets.exists() {
            cfg.merge_secrets(&Self::read_secrets(&secrets)?);
        }
        Ok(cfg)
    }

    fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string(),
        })
    }

    /// Where generated secrets live.
    pub fn secrets_path(&self) -> PathBuf {
        self.secrets_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(".daojia/secrets.toml"))
    }

    fn read_secrets(path: &Path) -> Result<Secrets, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.into(),
            message: e.to_string(),
        })
    }

    fn merge_secrets(&mut self, s: &Secrets) {
        if self.auth.token_secret.is_none() {
            self.auth.token_secret = Some(s.token_secret.clone());
        }
        if self.pii.keys.is_empty() {
            self.pii.keys = s.pii_keys.clone();
        }
        if self.pii.index_key.is_none() {
            self.pii.index_key = Some(s.pii_index_key.clone());
        }
    }

    /// The configuration as TOML with every secret masked, for `daojia config check`.
    pub fn masked_toml(&self) -> String {
        let mut c = self.clone();
        let mask = |s: &str| format!("*** ({} chars)", s.len());
        c.auth.token_secret = c.auth.token_secret.as_deref().map(mask);
        c.pii.index_key = c.pii.index_key.as_deref().map(mask);
        c.geocoding.key = c.geocoding.key.as_deref().map(mask);
        c.sms.aliyun.access_key_id = c.sms.aliyun.access_key_id.as_deref().map(mask);
        c.sms.tencent.secret_id = c.sms.tencent.secret_id.as_deref().map(mask);
        c.pii.keys = c
            .pii
            .keys
            .iter()
            .map(|k| format!("{}:***", k.split(':').next().unwrap_or("?")))
            .collect();
        c.storage.s3.access_key_id = c.storage.s3.access_key_id.as_deref().map(mask);
        c.database.url = daojia_store::redact_url(&c.database.url);
        c.redis.url = c.redis.url.as_deref().map(daojia_store::redact_url);
        c.broker.amqp_url = c.broker.amqp_url.as_deref().map(daojia_store::redact_url);
        c.telemetry.otlp_endpoint = c
            .telemetry
            .otlp_endpoint
            .as_deref()
            .map(daojia_store::redact_url);
        toml::to_string_pretty(&c).unwrap_or_else(|e| format!("# cannot render: {e}"))
    }

    /// The database file of a SQLite URL, if that is what is configured.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        let rest = self.database.url.strip_prefix("sqlite:")?;
        let rest = rest.trim_start_matches("//");
        let path = rest.split('?').next()?;
        (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
    }
}

fn missing_secret_hint() -> String {
    "not set: run `daojia demo` once (it generates .daojia/secrets.toml), or `daojia config gen-secrets`, or set it in daojia.toml / the environment".into()
}

fn decoded_len(b64: &str) -> usize {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(b64.trim().trim_end_matches('='))
        .map(|v| v.len())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
