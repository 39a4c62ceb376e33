//! [`Config::validate`]: every value checked, the first problem named.

use super::{Config, ConfigError, decoded_len, invalid, missing_secret_hint};
use std::net::SocketAddr;

impl Config {
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
        if let Some((key, why)) = self.finance.problems().into_iter().next() {
            return Err(invalid(key, why));
        }
        if let Some((key, why)) = self.wallet.problems().into_iter().next() {
            return Err(invalid(key, why));
        }
        if let Some((key, why)) = self.deposit.problems().into_iter().next() {
            return Err(invalid(key, why));
        }
        if let Some((key, why)) = self.broker.problem() {
            return Err(invalid(key, why));
        }
        if let Some((key, why)) = self.telemetry.problem() {
            return Err(invalid(key, why));
        }
        if let Some((key, why)) = self.push.problem() {
            return Err(invalid(key, why));
        }
        if let Some((key, why)) = self.storage.problem() {
            return Err(invalid(key, why));
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
        if let Err((field, e)) = self.visit.device_time.validate() {
            return Err(invalid("visit.device_time", format!("{field}: {e}")));
        }
        let calls = &self.visit.calls;
        if !(1..=1440).contains(&calls.ttl_min) {
            return Err(invalid("visit.calls", "ttl_min: 1 to 1440 minutes"));
        }
        if !(1..=100).contains(&calls.per_order_per_hour) {
            return Err(invalid("visit.calls", "per_order_per_hour: 1 to 100"));
        }
        let name = &self.visit.navigation.app_name;
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            return Err(invalid(
                "visit.navigation",
                "app_name: 1-64 letters, digits, `.`, `_` or `-`",
            ));
        }
        if let Err((field, e)) = self.visit.no_show.validate() {
            return Err(invalid("visit.no_show", format!("{field}: {e}")));
        }
        if let Err((field, e)) = self.reviews.validate() {
            return Err(invalid("reviews", format!("{field}: {e}")));
        }
        if let Err((field, e)) = self.tracks.validate() {
            return Err(invalid("tracks", format!("{field}: {e}")));
        }
        if let Err((field, e)) = self.notifications.validate() {
            return Err(invalid("notifications", format!("{field}: {e}")));
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
        if self.server.drain_secs > 300 {
            return Err(invalid(
                "server.drain_secs",
                "expected a number of seconds from 0 to 300",
            ));
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
        self.validate_pay()?;
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
        if self.cache.public_ttl_ms > 60_000 {
            return Err(invalid(
                "cache.public_ttl_ms",
                "at most 60000 (it bounds how long a catalog change may go unseen; 1000 is the default, 0 turns the cache off)",
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
