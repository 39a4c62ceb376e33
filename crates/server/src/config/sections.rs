//! The sections of [`super::Config`], each with its defaults.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The visit at the door (`[visit]`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitConfig {
    /// Where and when a check-in needs no reason (default 300 m, from 60 minutes before
    /// the window to 120 minutes after it).
    pub check_in: daojia_domain::visit::CheckInRules,
    /// The door check code (default 6 digits, 5 entries).
    pub door: daojia_domain::visit::door::DoorRules,
    /// The device's time of a step the worker app queued offline (default: up to 360
    /// minutes old, at most 120 seconds ahead).
    pub device_time: daojia_domain::visit::device_time::DeviceTimeRules,
    /// The service record kept during the visit (`[visit.record]`).
    pub record: VisitRecordConfig,
    /// Calls from the worker to the customer through a privacy number (`[visit.calls]`).
    pub calls: CallsConfig,
    /// The map apps' links on the job card (`[visit.navigation]`).
    pub navigation: NavigationConfig,
    /// The customer not home (default: 15 minutes' wait after the window started or the
    /// check-in, whichever is later; 2 calls).
    pub no_show: daojia_domain::visit::no_show::NoShowRules,
}

/// Which privacy-number provider (隐私号) binds a worker's call to the customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrivacyNumberKind {
    /// No bridging: the app shows the customer's number masked, and the request is
    /// recorded (the default; the only kind so far).
    #[default]
    Log,
}

/// Calls to the customer (`[visit.calls]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CallsConfig {
    /// The provider: `log`.
    pub provider: PrivacyNumberKind,
    /// Minutes a bound number holds (1–1440).
    pub ttl_min: u32,
    /// Call requests a worker may make per order and hour (1–100), counted in the shared
    /// state (all at once, then one per interval).
    pub per_order_per_hour: u32,
}

impl Default for CallsConfig {
    fn default() -> Self {
        CallsConfig {
            provider: PrivacyNumberKind::Log,
            ttl_min: 30,
            per_order_per_hour: 6,
        }
    }
}

/// The map apps' links (`[visit.navigation]`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NavigationConfig {
    /// The app's name the links give the vendors (AMap's `sourceApplication`, Baidu's and
    /// the web page's `src`): 1–64 letters, digits, `.`, `_` or `-`.
    pub app_name: String,
    /// Tencent Maps' developer key for its `referer`; the app's name when none.
    pub tencent_key: Option<String>,
}

impl Default for NavigationConfig {
    fn default() -> Self {
        NavigationConfig {
            app_name: "daojia".into(),
            tencent_key: None,
        }
    }
}

impl NavigationConfig {
    /// The caller the links name.
    pub fn caller(&self) -> daojia_domain::navigation::Caller {
        daojia_domain::navigation::Caller {
            app_name: self.app_name.clone(),
            tencent_key: self.tencent_key.clone().filter(|k| !k.trim().is_empty()),
        }
    }
}

/// The service record's rules (`[visit.record]`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VisitRecordConfig {
    /// Refuse to finish the service (422 on `checklist[i]` / `after_photo`) until every
    /// checklist step of the order's items is ticked and an after photo is on the record.
    /// Off by default.
    pub require_complete: bool,
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
    /// On SIGTERM, answer `/readyz` with 503 for this many seconds while still serving, so
    /// that a load balancer takes the node out before it closes (`DAOJIA_DRAIN_SECS`; 0:
    /// close at once, as on a laptop). Set it above the balancer's check interval × fall.
    pub drain_secs: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            addr: "127.0.0.1:8080".into(),
            body_limit_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            dev_proxy: None,
            drain_secs: 0,
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
    /// A pooled connection idle for at least this many seconds is pinged before use; one
    /// used more recently is not (the pool tests every connection it takes back). 0 pings
    /// before every use: one more round trip per statement.
    pub ping_idle_after_secs: u64,
    /// On PostgreSQL and MySQL, the statements of one request on the busiest routes share
    /// one pooled connection, taken at the first and given back at the end, instead of one
    /// each: the pool tests every connection it takes back with a round trip.
    pub hold_per_request: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: "sqlite://daojia.db".into(),
            max_connections: 16,
            ping_idle_after_secs: daojia_store::PING_IDLE_AFTER.as_secs(),
            hold_per_request: true,
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
    pub(super) removed_trust_forwarded_for: Option<toml::Value>,
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

/// Each node's cached copies of public reads (the catalog, areas and prices, ADR 0013).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// The longest a node serves its copy of the public catalog, milliseconds
    /// (`DAOJIA_CACHE_PUBLIC_TTL_MS`): the bound on how long a catalog write committed on
    /// another node may go unseen when its message is lost. 0 turns the cache off.
    /// At most 60000.
    pub public_ttl_ms: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            public_ttl_ms: 1000,
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
    /// How old, milliseconds, a node's copy of a day may be and still refuse a placement
    /// whose window the day cannot serve (a promotion's peak refuses most attempts). A
    /// window freed this recently may still be refused; a window is never booked from the
    /// copy. 0 reads the day for every attempt.
    pub recent_day_ms: u64,
}

impl Default for BookingConfig {
    fn default() -> Self {
        BookingConfig {
            demo_autopay: None,
            uploads_dir: None,
            upload_max_bytes: 8 * 1024 * 1024,
            reach_km: 15.0,
            recent_day_ms: daojia_store::repo::recent_days::LIFETIME.as_millis() as u64,
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
