//! Configuration: defaults, then `daojia.toml` (or the file named by `--config` /
//! `DAOJIA_CONFIG`), then `DAOJIA_*` environment variables, then the secrets file
//! (`.daojia/secrets.toml` unless `secrets_file` or `DAOJIA_SECRETS_FILE` names another),
//! which only fills secrets that neither the file nor the environment set.
//! [`Config::validate`] refuses bad values with a message that names the setting and what
//! it expects.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
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
    /// `[visit.door]`: `digits`, `max_attempts`).
    pub visit: VisitConfig,
    /// Online payment: WeChat Pay, Alipay, or the channel simulator (`[pay]`, see
    /// `crate::pay`).
    pub pay: crate::pay::PayConfig,
    /// Where generated secrets are kept (default `.daojia/secrets.toml`).
    pub secrets_file: Option<PathBuf>,
}

/// The visit at the door (`[visit]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitConfig {
    /// Where and when a check-in needs no reason (default 300 m, from 60 minutes before
    /// the window to 120 minutes after it).
    pub check_in: daojia_domain::visit::CheckInRules,
    /// The door check code (default 6 digits, 5 entries).
    pub door: daojia_domain::visit::door::DoorRules,
}

/// Worker management settings (`[workers]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkersConfig {
    /// How credit events move a worker's score (`[workers.credit]`: `no_show`,
    /// `late_cancel`, `upheld_complaint`, `grab_floor`, `suspension_days`, `start`).
    pub credit: daojia_domain::worker::CreditRules,
    /// Position reports (`PUT /api/v1/worker/me/position`) a worker may send per minute,
    /// counted in the shared state (all at once, then one per interval).
    pub position_reports_per_minute: u32,
}

impl Default for WorkersConfig {
    fn default() -> Self {
        WorkersConfig {
            credit: Default::default(),
            position_reports_per_minute: 12,
        }
    }
}

/// HTTP server settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Listen address (`DAOJIA_ADDR`).
    pub addr: String,
    /// Largest request body accepted, in bytes (`DAOJIA_BODY_LIMIT`).
    pub body_limit_bytes: usize,
    /// A request running longer than this is answered 503.
    pub request_timeout_secs: u64,
    /// In development, forward web-app requests to this Vite dev server instead of serving
    /// the embedded build (`DAOJIA_DEV_PROXY`, e.g. `http://127.0.0.1:5173`).
    pub dev_proxy: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: "127.0.0.1:8080".into(),
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            dev_proxy: None,
        }
    }
}

/// Database settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://daojia.db` (default), `postgres://...` or `mysql://...` (`DATABASE_URL`).
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://daojia.db".into(),
            max_connections: 16,
        }
    }
}

/// Tokens and log-in limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Secret that signs access tokens: base64 of at least 32 bytes (`DAOJIA_TOKEN_SECRET`).
    pub token_secret: Option<String>,
    /// Access-token lifetime in seconds.
    pub access_ttl_secs: i64,
    /// Session (refresh) lifetime in days.
    pub refresh_ttl_days: i64,
    /// Log-in code lifetime in seconds.
    pub otp_ttl_secs: i64,
    /// Seconds before another code may be sent to the same phone.
    pub otp_resend_secs: i64,
    /// Codes per phone per hour.
    pub otp_per_phone_per_hour: u64,
    /// Codes per client address per hour.
    pub otp_per_ip_per_hour: u64,
    /// Wrong guesses before a code is burnt.
    pub otp_max_attempts: i32,
    /// Consecutive wrong passwords that lock a staff account (also counted for names that
    /// match no account, so answers do not tell which exist).
    pub staff_lockout_after: i32,
    /// Seconds of the first staff lockout; each further one doubles.
    pub staff_lockout_secs: i64,
    /// The longest staff lockout, in seconds.
    pub staff_lockout_max_secs: i64,
    /// Password log-in attempts per client address per minute.
    pub password_attempts_per_minute: u32,
    /// Code verifications per client address per minute.
    pub otp_verify_per_ip_per_minute: u32,
    /// Code verifications per minute over all clients (bounds guessing from many
    /// addresses at once).
    pub otp_verify_global_per_minute: u32,
    /// Proxies and load balancers in front of Daojia, as addresses or blocks (`10.0.0.0/8`,
    /// `2001:db8::/32`). A request from one of them has its client address taken from
    /// `X-Forwarded-For` (the right-most entry that is not one of them); empty (the
    /// default): the header is ignored (`DAOJIA_TRUSTED_PROXIES`, comma-separated).
    pub trusted_proxies: Vec<String>,
    /// The removed `trust_forwarded_for` switch, read only to say what replaces it.
    #[serde(rename = "trust_forwarded_for", skip_serializing)]
    removed_trust_forwarded_for: Option<toml::Value>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            token_secret: None,
            access_ttl_secs: 15 * 60,
            refresh_ttl_days: 30,
            otp_ttl_secs: 5 * 60,
            otp_resend_secs: 60,
            otp_per_phone_per_hour: 5,
            otp_per_ip_per_hour: 30,
            otp_max_attempts: 5,
            staff_lockout_after: 5,
            staff_lockout_secs: 60,
            staff_lockout_max_secs: 3600,
            password_attempts_per_minute: 10,
            otp_verify_per_ip_per_minute: 20,
            otp_verify_global_per_minute: 600,
            trusted_proxies: Vec::new(),
            removed_trust_forwarded_for: None,
        }
    }
}

/// Encryption of personal information at rest.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct PiiConfig {
    /// Data keys as `ID:BASE64` (32 bytes); the first encrypts new values, the others still
    /// decrypt old ones (`DAOJIA_PII_KEYS`, comma-separated).
    pub keys: Vec<String>,
    /// Blind-index key, base64 of at least 32 bytes (`DAOJIA_PII_INDEX_KEY`).
    pub index_key: Option<String>,
}

/// Text messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmsConfig {
    /// `log` (offline: writes to the log and the outbox), `aliyun` or `tencent`
    /// (`DAOJIA_SMS_PROVIDER`).
    pub provider: String,
    /// The other vendor, used when the provider has an outage, a quota or credential
    /// problem (`DAOJIA_SMS_FALLBACK`).
    pub fallback: Option<String>,
    /// With the offline provider, return the code in the API response so a demo user can
    /// log in. Never honoured with a real provider.
    pub expose_dev_code: bool,
    /// Seconds one vendor request may take (each provider, when failing over).
    pub timeout_secs: u64,
    /// Aliyun SMS (阿里云短信).
    pub aliyun: AliyunSmsConfig,
    /// Tencent Cloud SMS (腾讯云短信).
    pub tencent: TencentSmsConfig,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            provider: "log".into(),
            fallback: None,
            expose_dev_code: false,
            timeout_secs: 5,
            aliyun: AliyunSmsConfig::default(),
            tencent: TencentSmsConfig::default(),
        }
    }
}

/// An Aliyun SMS account.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct AliyunSmsConfig {
    /// AccessKey ID of a RAM user allowed to send (`DAOJIA_SMS_ALIYUN_ACCESS_KEY_ID`).
    /// Printed masked.
    pub access_key_id: Option<String>,
    /// Its AccessKey secret (`DAOJIA_SMS_ALIYUN_ACCESS_KEY_SECRET`). Printed masked.
    pub access_key_secret: Option<daojia_domain::secret::Secret<String>>,
    /// The approved sign name, e.g. `到家` (`DAOJIA_SMS_ALIYUN_SIGN_NAME`).
    pub sign_name: Option<String>,
    /// Another address for the service (a proxy); the vendor's own by default.
    pub endpoint: Option<String>,
    /// Our template name → `{ id = "SMS_…", params = [...] }`.
    pub templates: daojia_notify::vendor::Templates,
}

/// A Tencent Cloud SMS application.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TencentSmsConfig {
    /// API key SecretId (`DAOJIA_SMS_TENCENT_SECRET_ID`). Printed masked.
    pub secret_id: Option<String>,
    /// API key SecretKey (`DAOJIA_SMS_TENCENT_SECRET_KEY`). Printed masked.
    pub secret_key: Option<daojia_domain::secret::Secret<String>>,
    /// The SMS application's SdkAppId, `1400…` (`DAOJIA_SMS_TENCENT_SDK_APP_ID`).
    pub sdk_app_id: Option<String>,
    /// The API region (`DAOJIA_SMS_TENCENT_REGION`, default `ap-guangzhou`).
    pub region: String,
    /// The approved sign name (`DAOJIA_SMS_TENCENT_SIGN_NAME`).
    pub sign_name: Option<String>,
    /// Another address for the service (a proxy); the vendor's own by default.
    pub endpoint: Option<String>,
    /// Our template name → `{ id = "123456", params = [...] }` (parameters in the
    /// template's order).
    pub templates: daojia_notify::vendor::Templates,
}

impl Default for TencentSmsConfig {
    fn default() -> Self {
        TencentSmsConfig {
            secret_id: None,
            secret_key: None,
            sdk_app_id: None,
            region: "ap-guangzhou".into(),
            sign_name: None,
            endpoint: None,
            templates: Default::default(),
        }
    }
}

/// Geocoding: which provider turns addresses into points and points into addresses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GeocodingConfig {
    /// `offline` (the demo city's streets and addresses, no network), `amap` or `tencent`
    /// (`DAOJIA_GEOCODING_PROVIDER`).
    pub provider: String,
    /// The vendor's web-service key (`DAOJIA_GEOCODING_KEY`).
    pub key: Option<String>,
    /// The signing secret when the key has signatures switched on: AMap's 私钥, Tencent's
    /// SK (`DAOJIA_GEOCODING_SECRET`). Printed masked.
    pub secret: Option<daojia_domain::secret::Secret<String>>,
    /// Another address for the vendor's service (a proxy); the vendor's own by default.
    pub base_url: Option<String>,
    /// Seconds a vendor request may take.
    pub timeout_secs: u64,
    /// Lookups per client address per minute (per node).
    pub per_ip_per_minute: u32,
}

impl Default for GeocodingConfig {
    fn default() -> Self {
        GeocodingConfig {
            provider: "offline".into(),
            key: None,
            secret: None,
            base_url: None,
            timeout_secs: 5,
            per_ip_per_minute: 60,
        }
    }
}

/// Logging.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `json` (default) or `pretty` (`DAOJIA_LOG_FORMAT`).
    pub format: String,
    /// A tracing filter such as `info` or `daojia=debug` (`DAOJIA_LOG` or `RUST_LOG`).
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "json".into(),
            level: "info".into(),
        }
    }
}

/// The demo city.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemoConfig {
    /// Seed of the generated city; the same seed gives the same city.
    pub seed: u64,
    /// Days of history loaded (once) before the first start's date: completed orders with
    /// reviews, complaints and cancellations. 0 loads none.
    pub history_days: u32,
    /// Orders booked for today and for tomorrow on every start (once per date), at most;
    /// slot search may take fewer. 0 books none.
    pub booked_per_day: u32,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            seed: 20261125,
            history_days: 90,
            booked_per_day: 110,
        }
    }
}

/// Map tiles the apps draw under pins and areas.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MapConfig {
    /// Tile URL template with `{z}`, `{x}`, `{y}` (and optionally `{s}`); none: the apps draw
    /// the offline base map or the service areas' outlines.
    pub tile_url: Option<String>,
    /// `wgs84` (OpenStreetMap and most) or `gcj02` (AMap, Tencent tiles).
    pub tile_coord: String,
    /// Attribution shown with the tiles (required by most tile licences).
    pub attribution: Option<String>,
    /// AMap JS API (Web 端) key: when set, the apps draw maps with AMap's own JS map instead
    /// of Leaflet. It is a browser key, visible to every visitor; restrict it to your
    /// domains in AMap's console.
    pub amap_js_key: Option<String>,
    /// The AMap JS security code (安全密钥) paired with the key. AMap recommends serving it
    /// through a proxy in production; here it is handed to the browser with the key.
    pub amap_security_code: Option<String>,
}

impl Default for MapConfig {
    fn default() -> Self {
        MapConfig {
            tile_url: None,
            tile_coord: "wgs84".into(),
            attribution: None,
            amap_js_key: None,
            amap_security_code: None,
        }
    }
}

/// Redis: with a URL, rate limits and other shared state live there, so that several API
/// nodes behave as one; without, they live in this process.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedisConfig {
    /// `redis://[:password@]host:6379[/db]` or `redis+unix:///path` (`REDIS_URL` or
    /// `DAOJIA_REDIS_URL`). Printed masked.
    pub url: Option<String>,
    /// Prefix of every key, so several installations (or tests) can share one Redis
    /// (`DAOJIA_REDIS_PREFIX`).
    pub prefix: String,
}

impl Default for RedisConfig {
    fn default() -> Self {
        RedisConfig {
            url: None,
            prefix: "daojia:".into(),
        }
    }
}

/// Booking settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BookingConfig {
    /// Mark every order paid when it is placed (a `demo` payment), so that the demo can be
    /// walked without a payment channel. Unset: on when serving the demo, off otherwise.
    /// Never turn it on for a real business.
    pub demo_autopay: Option<bool>,
    /// Where uploaded photos are kept (default `.daojia/uploads`).
    pub uploads_dir: Option<PathBuf>,
    /// Largest photo accepted, bytes.
    pub upload_max_bytes: usize,
    /// How far from home a worker is sent, km (straight line). Workers of every area of
    /// the city count for a visit within this distance of their home.
    pub reach_km: f64,
}

impl Default for BookingConfig {
    fn default() -> Self {
        BookingConfig {
            demo_autopay: None,
            uploads_dir: None,
            upload_max_bytes: 8 * 1024 * 1024,
            reach_km: 15.0,
        }
    }
}

/// The privacy policy and the terms of service. The apps show them at log-in and record
/// the versions accepted; raising a version makes every app ask again.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// Version of the privacy policy in force, e.g. `2026-12-01`.
    pub policy_version: String,
    /// Version of the terms of service in force.
    pub terms_version: String,
    /// A folder with the operator's own texts (`privacy.zh-CN.md`, `privacy.en.md`,
    /// `terms.zh-CN.md`, `terms.en.md`); a file that is missing falls back to the built-in
    /// text. Raise the version when a text changes.
    pub documents_dir: Option<PathBuf>,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            policy_version: "2026-12-01".into(),
            terms_version: "2026-12-01".into(),
            documents_dir: None,
        }
    }
}

/// Retention periods, in days (see docs/privacy.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// SMS outbox messages, from sending.
    pub sms_outbox_days: i64,
    /// Sessions, from their end (expiry or log-out).
    pub sessions_days: i64,
    /// Log-in codes, from their expiry.
    pub otp_days: i64,
    /// Photos of cancelled orders, from the cancellation.
    pub cancelled_uploads_days: i64,
    /// Finished background jobs.
    pub jobs_days: i64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        let d = daojia_store::repo::housekeeping::Retention::default();
        RetentionConfig {
            sms_outbox_days: d.sms_outbox_days,
            sessions_days: d.sessions_days,
            otp_days: d.otp_days,
            cancelled_uploads_days: d.cancelled_uploads_days,
            jobs_days: d.jobs_days,
        }
    }
}

impl RetentionConfig {
    /// The periods as the store takes them.
    pub fn periods(&self) -> daojia_store::repo::housekeeping::Retention {
        daojia_store::repo::housekeeping::Retention {
            otp_days: self.otp_days,
            sessions_days: self.sessions_days,
            sms_outbox_days: self.sms_outbox_days,
            cancelled_uploads_days: self.cancelled_uploads_days,
            jobs_days: self.jobs_days,
        }
    }
}

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

    /// Applies environment overrides; `get` reads one variable (injected for tests).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("DAOJIA_ADDR") {
            self.server.addr = v;
        }
        if let Some(v) = get("DAOJIA_DATABASE_URL").or_else(|| get("DATABASE_URL")) {
            self.database.url = v;
        }
        if let Some(v) = get("DAOJIA_BODY_LIMIT") {
            // Kept as text until validate() so a bad number is reported, not ignored.
            self.server.body_limit_bytes = v.parse().unwrap_or(0);
        }
        if let Some(v) = get("DAOJIA_DEV_PROXY") {
            self.server.dev_proxy = Some(v);
        }
        if let Some(v) = get("DAOJIA_REDIS_URL").or_else(|| get("REDIS_URL")) {
            self.redis.url = Some(v);
        }
        if let Some(v) = get("DAOJIA_REDIS_PREFIX") {
            self.redis.prefix = v;
        }
        if let Some(v) = get("DAOJIA_TRUSTED_PROXIES") {
            self.auth.trusted_proxies = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = get("DAOJIA_TOKEN_SECRET") {
            self.auth.token_secret = Some(v);
        }
        if let Some(v) = get("DAOJIA_PII_KEYS") {
            self.pii.keys = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
        }
        if let Some(v) = get("DAOJIA_PII_INDEX_KEY") {
            self.pii.index_key = Some(v);
        }
        if let Some(v) = get("DAOJIA_SMS_PROVIDER") {
            self.sms.provider = v;
        }
        self.apply_sms_env(&get);
        if let Some(v) = get("DAOJIA_GEOCODING_PROVIDER") {
            self.geocoding.provider = v;
        }
        if let Some(v) = get("DAOJIA_MAP_AMAP_JS_KEY") {
            self.map.amap_js_key = Some(v);
        }
        if let Some(v) = get("DAOJIA_MAP_AMAP_SECURITY_CODE") {
            self.map.amap_security_code = Some(v);
        }
        if let Some(v) = get("DAOJIA_MAP_TILE_URL") {
            self.map.tile_url = Some(v);
        }
        if let Some(v) = get("DAOJIA_GEOCODING_KEY") {
            self.geocoding.key = Some(v);
        }
        if let Some(v) = get("DAOJIA_GEOCODING_SECRET") {
            self.geocoding.secret = Some(daojia_domain::secret::Secret::new(v));
        }
        if let Some(v) = get("DAOJIA_LOG_FORMAT") {
            self.log.format = v;
        }
        if let Some(v) = get("DAOJIA_LOG").or_else(|| get("RUST_LOG")) {
            self.log.level = v;
        }
        if let Some(v) = get("DAOJIA_SECRETS_FILE") {
            self.secrets_file = Some(PathBuf::from(v));
        }
    }

    /// Checks every value; the first problem is returned.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.server.addr.parse::<SocketAddr>().map_err(|_| {
            invalid(
                "server.addr",
                format!(
                    "`{}` is not an address like 127.0.0.1:8080",
                    self.server.addr
                ),
            )
        })?;
        if !(1024..=512 * 1024 * 1024).contains(&self.server.body_limit_bytes) {
            return Err(invalid(
                "server.body_limit_bytes",
                "expected a number of bytes between 1024 and 536870912",
            ));
        }
        if let Err(e) = self.travel.validate() {
            return Err(invalid("travel", e.to_string()));
        }
        if self.demo.history_days > 366 {
            return Err(invalid("demo.history_days", "at most 366 days"));
        }
        if self.demo.booked_per_day > 1000 {
            return Err(invalid("demo.booked_per_day", "at most 1000 orders a day"));
        }
        if let Err((field, e)) = self.workers.credit.validate() {
            return Err(invalid("workers.credit", format!("{field}: {e}")));
        }
        if let Err((field, e)) = self.visit.check_in.validate() {
            return Err(invalid("visit.check_in", format!("{field}: {e}")));
        }
        if let Err((field, e)) = self.visit.door.validate() {
            return Err(invalid("visit.door", format!("{field}: {e}")));
        }
        if let Err(e) = self.dispatch.validate() {
            return Err(invalid("dispatch", e));
        }
        if self.map.amap_security_code.is_some() && self.map.amap_js_key.is_none() {
            return Err(invalid(
                "map.amap_security_code",
                "is set without map.amap_js_key",
            ));
        }
        if self
            .map
            .amap_js_key
            .as_deref()
            .is_some_and(|k| k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(invalid(
                "map.amap_js_key",
                "letters and digits, as AMap issues them",
            ));
        }
        if !matches!(self.map.tile_coord.as_str(), "wgs84" | "gcj02") {
            return Err(invalid("map.tile_coord", "`wgs84` or `gcj02`"));
        }
        if let Some(u) = &self.map.tile_url
            && !(u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
        {
            return Err(invalid("map.tile_url", "an http(s) URL template or a path"));
        }
        if !(0.5..=200.0).contains(&self.booking.reach_km) {
            return Err(invalid("booking.reach_km", "expected 0.5 to 200 km"));
        }
        if !(16 * 1024..=64 * 1024 * 1024).contains(&self.booking.upload_max_bytes) {
            return Err(invalid(
                "booking.upload_max_bytes",
                "expected a number of bytes between 16384 and 67108864",
            ));
        }
        if self.server.request_timeout_secs == 0 {
            return Err(invalid("server.request_timeout_secs", "must be at least 1"));
        }
        if daojia_store::DbKind::of_url(&self.database.url).is_none() {
            return Err(invalid(
                "database.url",
                "must start with sqlite:, postgres: or mysql:",
            ));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        match &self.auth.token_secret {
            None => return Err(invalid("auth.token_secret", missing_secret_hint())),
            Some(s) if decoded_len(s) < 32 => {
                return Err(invalid(
                    "auth.token_secret",
                    "must be base64 of at least 32 random bytes",
                ));
            }
            _ => {}
        }
        if self.auth.access_ttl_secs < 60 || self.auth.access_ttl_secs > 24 * 3600 {
            return Err(invalid(
                "auth.access_ttl_secs",
                "expected 60 to 86400 seconds",
            ));
        }
        if self.auth.refresh_ttl_days < 1 || self.auth.refresh_ttl_days > 365 {
            return Err(invalid("auth.refresh_ttl_days", "expected 1 to 365 days"));
        }
        if self.auth.otp_ttl_secs < 60 || self.auth.otp_ttl_secs > 3600 {
            return Err(invalid("auth.otp_ttl_secs", "expected 60 to 3600 seconds"));
        }
        if self.auth.otp_max_attempts < 1 {
            return Err(invalid("auth.otp_max_attempts", "must be at least 1"));
        }
        self.validate_limits_and_proxies()?;
        if !(1..=100).contains(&self.auth.staff_lockout_after) {
            return Err(invalid("auth.staff_lockout_after", "expected 1 to 100"));
        }
        if !(1..=86_400).contains(&self.auth.staff_lockout_secs) {
            return Err(invalid(
                "auth.staff_lockout_secs",
                "expected 1 to 86400 seconds",
            ));
        }
        if self.auth.staff_lockout_max_secs < self.auth.staff_lockout_secs
            || self.auth.staff_lockout_max_secs > 7 * 86_400
        {
            return Err(invalid(
                "auth.staff_lockout_max_secs",
                "expected at least auth.staff_lockout_secs and at most 604800 seconds",
            ));
        }
        if self.pii.keys.is_empty() {
            return Err(invalid("pii.keys", missing_secret_hint()));
        }
        for k in &self.pii.keys {
            daojia_store::pii::DataKey::parse(k).map_err(|e| invalid("pii.keys", e.to_string()))?;
        }
        match &self.pii.index_key {
            None => return Err(invalid("pii.index_key", missing_secret_hint())),
            Some(k) if decoded_len(k) < 32 => {
                return Err(invalid(
                    "pii.index_key",
                    "must be base64 of at least 32 random bytes",
                ));
            }
            _ => {}
        }
        self.validate_geocoding()?;
        self.validate_sms()?;
        self.validate_privacy()?;
        if !matches!(self.log.format.as_str(), "json" | "pretty") {
            return Err(invalid("log.format", "expected `json` or `pretty`"));
        }
        if let Some(p) = &self.server.dev_proxy
            && !(p.starts_with("http://") || p.starts_with("https://"))
        {
            return Err(invalid(
                "server.dev_proxy",
                "expected a URL such as http://127.0.0.1:5173",
            ));
        }
        Ok(())
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
        c.database.url = daojia_store::redact_url(&c.database.url);
        c.redis.url = c.redis.url.as_deref().map(daojia_store::redact_url);
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

impl Config {
    fn validate_limits_and_proxies(&self) -> Result<(), ConfigError> {
        let a = &self.auth;
        if a.removed_trust_forwarded_for.is_some() {
            return Err(invalid(
                "auth.trust_forwarded_for",
                "was removed: it believed the left-most X-Forwarded-For entry, which the client writes. List the addresses of your load balancers and proxies instead, e.g. `trusted_proxies = [\"10.0.0.0/8\"]` (DAOJIA_TRUSTED_PROXIES); see docs/operations.md",
            ));
        }
        if let Err(e) = crate::http::client_ip::TrustedProxies::parse(&a.trusted_proxies) {
            return Err(invalid("auth.trusted_proxies", e.to_string()));
        }
        for (key, v) in [
            (
                "auth.password_attempts_per_minute",
                a.password_attempts_per_minute,
            ),
            (
                "auth.otp_verify_per_ip_per_minute",
                a.otp_verify_per_ip_per_minute,
            ),
            (
                "auth.otp_verify_global_per_minute",
                a.otp_verify_global_per_minute,
            ),
            (
                "workers.position_reports_per_minute",
                self.workers.position_reports_per_minute,
            ),
        ] {
            if v == 0 {
                return Err(invalid(key, "must be at least 1"));
            }
        }
        if let Some(url) = &self.redis.url
            && let Err(e) = daojia_shared::check_url(url)
        {
            return Err(invalid("redis.url", e.to_string()));
        }
        let p = &self.redis.prefix;
        if p.is_empty() || p.len() > 64 || p.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "redis.prefix",
                "1 to 64 characters without spaces, e.g. `daojia:`",
            ));
        }
        Ok(())
    }

    fn validate_privacy(&self) -> Result<(), ConfigError> {
        let version_ok = |v: &str| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        };
        if !version_ok(&self.privacy.policy_version) {
            return Err(invalid(
                "privacy.policy_version",
                "letters, digits, `-`, `.` or `_`, at most 64 (e.g. 2026-12-01)",
            ));
        }
        if !version_ok(&self.privacy.terms_version) {
            return Err(invalid(
                "privacy.terms_version",
                "letters, digits, `-`, `.` or `_`, at most 64 (e.g. 2026-12-01)",
            ));
        }
        let r = &self.retention;
        for (key, days) in [
            ("retention.sms_outbox_days", r.sms_outbox_days),
            ("retention.sessions_days", r.sessions_days),
            ("retention.otp_days", r.otp_days),
            ("retention.cancelled_uploads_days", r.cancelled_uploads_days),
            ("retention.jobs_days", r.jobs_days),
        ] {
            if !(1..=3650).contains(&days) {
                return Err(invalid(key, "expected 1 to 3650 days"));
            }
        }
        Ok(())
    }

    fn validate_geocoding(&self) -> Result<(), ConfigError> {
        let g = &self.geocoding;
        match g.provider.as_str() {
            "offline" => {}
            "amap" | "tencent" => {
                if g.key.as_deref().is_none_or(|k| k.trim().is_empty()) {
                    return Err(invalid(
                        "geocoding.key",
                        format!(
                            "the `{}` provider needs the web-service key from the vendor's console",
                            g.provider
                        ),
                    ));
                }
                if g.secret.as_ref().is_some_and(|s| s.expose().is_empty()) {
                    return Err(invalid(
                        "geocoding.secret",
                        "is empty; leave it out when the key is not signed",
                    ));
                }
            }
            other => {
                return Err(invalid(
                    "geocoding.provider",
                    format!("unknown provider `{other}`; available: offline, amap, tencent"),
                ));
            }
        }
        if let Some(u) = &g.base_url
            && !(u.starts_with("http://") || u.starts_with("https://"))
        {
            return Err(invalid(
                "geocoding.base_url",
                "expected a URL such as https://restapi.amap.com",
            ));
        }
        if !(1..=60).contains(&g.timeout_secs) {
            return Err(invalid(
                "geocoding.timeout_secs",
                "expected 1 to 60 seconds",
            ));
        }
        if g.per_ip_per_minute == 0 {
            return Err(invalid("geocoding.per_ip_per_minute", "must be at least 1"));
        }
        Ok(())
    }
}

impl Config {
    fn apply_sms_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        use daojia_domain::secret::Secret;
        let s = &mut self.sms;
        if let Some(v) = get("DAOJIA_SMS_FALLBACK") {
            s.fallback = Some(v);
        }
        if let Some(v) = get("DAOJIA_SMS_ALIYUN_ACCESS_KEY_ID") {
            s.aliyun.access_key_id = Some(v);
        }
        if let Some(v) = get("DAOJIA_SMS_ALIYUN_ACCESS_KEY_SECRET") {
            s.aliyun.access_key_secret = Some(Secret::new(v));
        }
        if let Some(v) = get("DAOJIA_SMS_ALIYUN_SIGN_NAME") {
            s.aliyun.sign_name = Some(v);
        }
        if let Some(v) = get("DAOJIA_SMS_TENCENT_SECRET_ID") {
            s.tencent.secret_id = Some(v);
        }
        if let Some(v) = get("DAOJIA_SMS_TENCENT_SECRET_KEY") {
            s.tencent.secret_key = Some(Secret::new(v));
        }
        if let Some(v) = get("DAOJIA_SMS_TENCENT_SDK_APP_ID") {
            s.tencent.sdk_app_id = Some(v);
        }
        if let Some(v) = get("DAOJIA_SMS_TENCENT_REGION") {
            s.tencent.region = v;
        }
        if let Some(v) = get("DAOJIA_SMS_TENCENT_SIGN_NAME") {
            s.tencent.sign_name = Some(v);
        }
    }

    fn validate_sms(&self) -> Result<(), ConfigError> {
        let s = &self.sms;
        const VENDORS: [&str; 2] = ["aliyun", "tencent"];
        if s.provider != "log" && !VENDORS.contains(&s.provider.as_str()) {
            return Err(invalid(
                "sms.provider",
                format!(
                    "unknown provider `{}`; available: log, aliyun, tencent",
                    s.provider
                ),
            ));
        }
        if let Some(f) = &s.fallback {
            if !VENDORS.contains(&f.as_str()) {
                return Err(invalid(
                    "sms.fallback",
                    format!("unknown provider `{f}`; available: aliyun, tencent"),
                ));
            }
            if s.provider == "log" {
                return Err(invalid(
                    "sms.fallback",
                    "needs a vendor as sms.provider (the offline provider never fails)",
                ));
            }
            if *f == s.provider {
                return Err(invalid(
                    "sms.fallback",
                    "must be the other vendor, not sms.provider again",
                ));
            }
        }
        if !(1..=30).contains(&s.timeout_secs) {
            return Err(invalid("sms.timeout_secs", "expected 1 to 30 seconds"));
        }
        let used = |v: &str| s.provider == v || s.fallback.as_deref() == Some(v);
        let blank = |o: &Option<String>| o.as_deref().is_none_or(|v| v.trim().is_empty());
        let blank_secret = |o: &Option<daojia_domain::secret::Secret<String>>| {
            o.as_ref().is_none_or(|v| v.expose().trim().is_empty())
        };
        let url = |field: &'static str, u: &Option<String>| match u {
            Some(u) if !(u.starts_with("https://") || u.starts_with("http://")) => Err(invalid(
                field,
                "expected a URL such as https://dysmsapi.aliyuncs.com",
            )),
            _ => Ok(()),
        };
        if used("aliyun") {
            let a = &s.aliyun;
            if blank(&a.access_key_id) {
                return Err(invalid(
                    "sms.aliyun.access_key_id",
                    "the AccessKey ID of a RAM user allowed to send SMS is required",
                ));
            }
            if blank_secret(&a.access_key_secret) {
                return Err(invalid(
                    "sms.aliyun.access_key_secret",
                    "the AccessKey secret is required",
                ));
            }
            if blank(&a.sign_name) {
                return Err(invalid(
                    "sms.aliyun.sign_name",
                    "the approved sign name (签名) is required",
                ));
            }
            url("sms.aliyun.endpoint", &a.endpoint)?;
            daojia_notify::vendor::check_templates(&a.templates)
                .map_err(|e| invalid("sms.aliyun.templates", e))?;
        }
        if used("tencent") {
            let t = &s.tencent;
            if blank(&t.secret_id) {
                return Err(invalid(
                    "sms.tencent.secret_id",
                    "the API key's SecretId is required",
                ));
            }
            if blank_secret(&t.secret_key) {
                return Err(invalid(
                    "sms.tencent.secret_key",
                    "the API key's SecretKey is required",
                ));
            }
            if t.sdk_app_id
                .as_deref()
                .is_none_or(|v| v.is_empty() || !v.chars().all(|c| c.is_ascii_digit()))
            {
                return Err(invalid(
                    "sms.tencent.sdk_app_id",
                    "the SMS application's SdkAppId (digits, such as 1400000000) is required",
                ));
            }
            if t.region.trim().is_empty() {
                return Err(invalid(
                    "sms.tencent.region",
                    "a region such as ap-guangzhou",
                ));
            }
            if blank(&t.sign_name) {
                return Err(invalid(
                    "sms.tencent.sign_name",
                    "the approved sign name (签名) is required",
                ));
            }
            url("sms.tencent.endpoint", &t.endpoint)?;
            daojia_notify::vendor::check_templates(&t.templates)
                .map_err(|e| invalid("sms.tencent.templates", e))?;
        }
        Ok(())
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

/// Generated secrets, as kept in the secrets file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    /// See [`AuthConfig::token_secret`].
    pub token_secret: String,
    /// See [`PiiConfig::keys`].
    pub pii_keys: Vec<String>,
    /// See [`PiiConfig::index_key`].
    pub pii_index_key: String,
}

impl Secrets {
    /// Fresh random secrets.
    pub fn generate() -> Secrets {
        use base64::Engine;
        use rand::RngCore;
        let b = |n: usize| {
            let mut v = vec![0u8; n];
            rand::rng().fill_bytes(&mut v);
            base64::engine::general_purpose::STANDARD.encode(v)
        };
        Secrets {
            token_secret: b(32),
            pii_keys: vec![daojia_store::pii::DataKey::generate_text("k1")],
            pii_index_key: b(32),
        }
    }

    /// Writes the secrets to `path` (creating its folder; owner-only permissions on Unix).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let text = format!(
            "# Generated by daojia. Keep this file secret and back it up: without pii_keys the\n# personal data in the database cannot be read.\n{}",
            toml::to_string_pretty(self).expect("secrets serialize")
        );
        std::fs::write(path, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }
}

/// Ensures secrets exist for a demo: returns `Some(path)` when it generated them.
pub fn ensure_demo_secrets(cfg: &mut Config) -> std::io::Result<Option<PathBuf>> {
    if cfg.auth.token_secret.is_some() && !cfg.pii.keys.is_empty() && cfg.pii.index_key.is_some() {
        return Ok(None);
    }
    let path = cfg.secrets_path();
    let s = Secrets::generate();
    s.write(&path)?;
    cfg.merge_secrets(&s);
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> Config {
        let mut c = Config::default();
        let s = Secrets::generate();
        c.merge_secrets(&s);
        c
    }

    #[test]
    fn a_generated_configuration_is_valid() {
        valid().validate().unwrap();
    }

    #[test]
    fn a_bad_address_names_the_setting() {
        let mut c = valid();
        c.apply_env(|k| (k == "DAOJIA_ADDR").then(|| "localhost".to_string()));
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("server.addr:"), "{e}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut c = valid();
        c.apply_env(|k| match k {
            "DATABASE_URL" => Some("postgres://u:pw@h/d".into()),
            "DAOJIA_BODY_LIMIT" => Some("2048".into()),
            _ => None,
        });
        assert_eq!(c.database.url, "postgres://u:pw@h/d");
        assert_eq!(c.server.body_limit_bytes, 2048);
        let shown = c.masked_toml();
        assert!(shown.contains("postgres://u:***@h/d"), "{shown}");
        assert!(!shown.contains(c.auth.token_secret.as_deref().unwrap()));
        assert!(!shown.contains(c.pii.index_key.as_deref().unwrap()));
    }

    #[test]
    fn a_vendor_geocoder_needs_a_key_and_its_secret_is_masked() {
        let mut c = valid();
        assert_eq!(c.geocoding.provider, "offline");
        c.apply_env(|k| (k == "DAOJIA_GEOCODING_PROVIDER").then(|| "amap".to_string()));
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("geocoding.key:"), "{e}");
        c.apply_env(|k| match k {
            "DAOJIA_GEOCODING_KEY" => Some("fake-key-0123".into()),
            "DAOJIA_GEOCODING_SECRET" => Some("fake-secret-4567".into()),
            _ => None,
        });
        c.validate().unwrap();
        let shown = c.masked_toml();
        assert!(shown.contains("[geocoding]"), "{shown}");
        assert!(!shown.contains("fake-secret-4567"), "{shown}");
        assert!(!shown.contains("fake-key-0123"), "{shown}");
        assert!(!format!("{c:?}").contains("fake-secret-4567"));
        c.geocoding.provider = "baidu".into();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.contains("available: offline, amap, tencent"), "{e}");
    }

    const SMS_TOML: &str = r#"
[sms]
provider = "aliyun"
fallback = "tencent"

[sms.aliyun]
access_key_id = "FAKE-ALIYUN-KEY-ID"
access_key_secret = "fake-aliyun-secret-0001"
sign_name = "到家"
templates.login_code = { id = "SMS_000000001", params = ["code", "minutes"] }
templates.visit_reminder = { id = "SMS_000000002", params = ["service", "start", "end", "order_no"] }

[sms.tencent]
secret_id = "FAKE-TENCENT-SECRET-ID"
secret_key = "fake-tencent-secret-0002"
sdk_app_id = "1400000000"
sign_name = "到家"
templates.login_code = { id = "1000001", params = ["code"] }
"#;

    #[test]
    fn vendor_sms_with_a_fallback_is_validated_and_its_secrets_masked() {
        let file: Config = toml::from_str(SMS_TOML).unwrap();
        let mut c = valid();
        c.sms = file.sms;
        c.validate().unwrap();
        let shown = c.masked_toml();
        for secret in [
            "FAKE-ALIYUN-KEY-ID",
            "fake-aliyun-secret-0001",
            "FAKE-TENCENT-SECRET-ID",
            "fake-tencent-secret-0002",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
            assert!(
                !format!("{c:?}").contains("secret-000"),
                "Debug shows a secret"
            );
        }
        assert!(shown.contains("SMS_000000001"), "{shown}");
        // The provider builds (both vendors) from this configuration.
        let p = crate::state::sms(&c).unwrap();
        assert_eq!(p.name(), "aliyun");

        let check = |f: &dyn Fn(&mut Config), key: &str| {
            let mut bad = c.clone();
            f(&mut bad);
            let e = bad.validate().unwrap_err().to_string();
            assert!(e.starts_with(key), "{key}: {e}");
        };
        check(
            &|c: &mut Config| c.sms.provider = "twilio".into(),
            "sms.provider:",
        );
        check(
            &|c: &mut Config| c.sms.fallback = Some("aliyun".into()),
            "sms.fallback:",
        );
        check(
            &|c: &mut Config| {
                c.sms.provider = "log".into();
            },
            "sms.fallback:",
        );
        check(
            &|c: &mut Config| c.sms.aliyun.access_key_secret = None,
            "sms.aliyun.access_key_secret:",
        );
        check(
            &|c: &mut Config| c.sms.aliyun.sign_name = None,
            "sms.aliyun.sign_name:",
        );
        check(
            &|c: &mut Config| {
                c.sms.aliyun.templates.remove("login_code");
            },
            "sms.aliyun.templates:",
        );
        check(
            &|c: &mut Config| c.sms.tencent.sdk_app_id = Some("app".into()),
            "sms.tencent.sdk_app_id:",
        );
        check(
            &|c: &mut Config| c.sms.tencent.endpoint = Some("sms.tencentcloudapi.com".into()),
            "sms.tencent.endpoint:",
        );
        check(
            &|c: &mut Config| c.sms.timeout_secs = 0,
            "sms.timeout_secs:",
        );
        // Without a fallback, the other vendor's section is not needed.
        let mut only = c.clone();
        only.sms.fallback = None;
        only.sms.tencent = TencentSmsConfig::default();
        only.validate().unwrap();
    }

    #[test]
    fn sms_credentials_come_from_the_environment_too() {
        let mut c = valid();
        c.sms.tencent.templates = toml::from_str::<Config>(SMS_TOML)
            .unwrap()
            .sms
            .tencent
            .templates;
        c.apply_env(|k| {
            Some(
                match k {
                    "DAOJIA_SMS_PROVIDER" => "tencent",
                    "DAOJIA_SMS_TENCENT_SECRET_ID" => "FAKE-ID",
                    "DAOJIA_SMS_TENCENT_SECRET_KEY" => "fake-key",
                    "DAOJIA_SMS_TENCENT_SDK_APP_ID" => "1400000001",
                    "DAOJIA_SMS_TENCENT_REGION" => "ap-beijing",
                    "DAOJIA_SMS_TENCENT_SIGN_NAME" => "到家",
                    _ => return None,
                }
                .to_string(),
            )
        });
        c.validate().unwrap();
        assert_eq!(c.sms.tencent.region, "ap-beijing");
        assert_eq!(
            c.sms.tencent.secret_key.as_ref().unwrap().expose(),
            "fake-key"
        );
        assert_eq!(crate::state::sms(&c).unwrap().name(), "tencent");
    }

    #[test]
    fn a_missing_key_tells_how_to_make_one() {
        let e = Config::default().validate().unwrap_err().to_string();
        assert!(e.contains("daojia demo"), "{e}");
    }

    #[test]
    fn a_secrets_file_named_in_the_environment_is_read() {
        let dir = std::env::temp_dir().join(format!("daojia-cfg-{}", uuid::Uuid::now_v7()));
        let secrets = dir.join("elsewhere.toml");
        let generated = Secrets::generate();
        generated.write(&secrets).unwrap();
        let config = dir.join("daojia.toml");
        std::fs::write(&config, "").unwrap();
        let path = secrets.to_string_lossy().into_owned();
        let c = Config::load_with(Some(&config), |k| {
            (k == "DAOJIA_SECRETS_FILE").then(|| path.clone())
        })
        .unwrap();
        assert_eq!(c.secrets_path(), secrets);
        assert_eq!(c.pii.keys, generated.pii_keys, "keys from the named file");
        assert_eq!(c.auth.token_secret, Some(generated.token_secret.clone()));
        // A secret set in the environment still wins over the file.
        let c = Config::load_with(Some(&config), |k| match k {
            "DAOJIA_SECRETS_FILE" => Some(path.clone()),
            "DAOJIA_TOKEN_SECRET" => Some("from-the-environment".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.auth.token_secret.as_deref(), Some("from-the-environment"));
        assert_eq!(c.pii.keys, generated.pii_keys);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let e = toml::from_str::<Config>("[server]\nadress = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("adress"), "{e}");
    }

    #[test]
    fn the_removed_forwarded_for_switch_points_to_trusted_proxies() {
        let mut c: Config = toml::from_str("[auth]\ntrust_forwarded_for = true\n").unwrap();
        c.merge_secrets(&Secrets::generate());
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("auth.trust_forwarded_for:"), "{e}");
        assert!(e.contains("trusted_proxies"), "{e}");
        assert!(!c.masked_toml().contains("trust_forwarded_for"));
    }

    #[test]
    fn trusted_proxies_come_from_the_file_or_the_environment_and_are_checked() {
        let mut c: Config =
            toml::from_str("[auth]\ntrusted_proxies = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n")
                .unwrap();
        c.merge_secrets(&Secrets::generate());
        c.validate().unwrap();
        c.apply_env(|k| {
            (k == "DAOJIA_TRUSTED_PROXIES").then(|| "10.1.0.0/16, 172.16.0.0/12,".into())
        });
        assert_eq!(c.auth.trusted_proxies, ["10.1.0.0/16", "172.16.0.0/12"]);
        c.validate().unwrap();
        c.apply_env(|k| (k == "DAOJIA_TRUSTED_PROXIES").then(|| "10.1.0.0/16,10.0.0.300".into()));
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("auth.trusted_proxies:"), "{e}");
        assert!(e.contains("10.0.0.300"), "{e}");
    }

    #[test]
    fn the_redis_url_comes_from_either_variable_is_checked_and_is_printed_masked() {
        let mut c = valid();
        assert_eq!(c.redis.url, None);
        c.apply_env(|k| (k == "REDIS_URL").then(|| "redis://:s3cret@cache:6379/2".into()));
        c.validate().unwrap();
        let shown = c.masked_toml();
        assert!(shown.contains("[redis]"), "{shown}");
        assert!(!shown.contains("s3cret"), "{shown}");
        c.apply_env(|k| match k {
            "DAOJIA_REDIS_URL" => Some("redis://other:6379".into()),
            "REDIS_URL" => Some("redis://ignored:6379".into()),
            _ => None,
        });
        assert_eq!(c.redis.url.as_deref(), Some("redis://other:6379"));
        c.redis.url = Some("http://cache:6379".into());
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("redis.url:"), "{e}");
        c.redis.url = None;
        c.apply_env(|k| (k == "DAOJIA_REDIS_PREFIX").then(|| "has space".into()));
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("redis.prefix:"), "{e}");
    }

    #[test]
    fn the_sqlite_file_is_found_in_the_url() {
        let mut c = Config::default();
        assert_eq!(c.sqlite_path(), Some(PathBuf::from("daojia.db")));
        c.database.url = "sqlite:///tmp/x.db?mode=rwc".into();
        assert_eq!(c.sqlite_path(), Some(PathBuf::from("/tmp/x.db")));
    }
}
