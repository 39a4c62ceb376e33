//! Configuration: defaults, then `daojia.toml` (or the file named by `--config` /
//! `DAOJIA_CONFIG`), then the secrets file (`.daojia/secrets.toml` unless configured), then
//! `DAOJIA_*` environment variables. [`Config::validate`] refuses bad values with a message
//! that names the setting and what it expects.

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
    /// The privacy policy and terms the apps ask consent to.
    pub privacy: PrivacyConfig,
    /// How long records are kept before the hourly housekeeping deletes them.
    pub retention: RetentionConfig,
    /// Where generated secrets are kept (default `.daojia/secrets.toml`).
    pub secrets_file: Option<PathBuf>,
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
    /// Password log-in attempts per client address per minute.
    pub password_attempts_per_minute: u32,
    /// Trust `X-Forwarded-For` for the client address (only behind your own proxy).
    pub trust_forwarded_for: bool,
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
            password_attempts_per_minute: 10,
            trust_forwarded_for: false,
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
    /// `log` (offline: writes to the log and the outbox) (`DAOJIA_SMS_PROVIDER`).
    pub provider: String,
    /// With the offline provider, return the code in the API response so a demo user can
    /// log in. Never honoured with a real provider.
    pub expose_dev_code: bool,
}

impl Default for SmsConfig {
    fn default() -> Self {
        SmsConfig {
            provider: "log".into(),
            expose_dev_code: false,
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
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig { seed: 20261125 }
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
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let explicit = file
            .map(Path::to_path_buf)
            .or_else(|| env("DAOJIA_CONFIG").map(PathBuf::from));
        let mut cfg = match &explicit {
            Some(p) => Self::from_file(p)?,
            None if Path::new("daojia.toml").exists() => Self::from_file(Path::new("daojia.toml"))?,
            None => Config::default(),
        };
        let secrets = cfg.secrets_path();
        if secrets.exists() {
            cfg.merge_secrets(&Self::read_secrets(&secrets)?);
        }
        cfg.apply_env(env);
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
        self.validate_privacy()?;
        if self.sms.provider != "log" {
            return Err(invalid(
                "sms.provider",
                format!("unknown provider `{}`; available: log", self.sms.provider),
            ));
        }
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
        c.pii.keys = c
            .pii
            .keys
            .iter()
            .map(|k| format!("{}:***", k.split(':').next().unwrap_or("?")))
            .collect();
        c.database.url = daojia_store::redact_url(&c.database.url);
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

    #[test]
    fn a_missing_key_tells_how_to_make_one() {
        let e = Config::default().validate().unwrap_err().to_string();
        assert!(e.contains("daojia demo"), "{e}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        let e = toml::from_str::<Config>("[server]\nadress = \"x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("adress"), "{e}");
    }

    #[test]
    fn the_sqlite_file_is_found_in_the_url() {
        let mut c = Config::default();
        assert_eq!(c.sqlite_path(), Some(PathBuf::from("daojia.db")));
        c.database.url = "sqlite:///tmp/x.db?mode=rwc".into();
        assert_eq!(c.sqlite_path(), Some(PathBuf::from("/tmp/x.db")));
    }
}
