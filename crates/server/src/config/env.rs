//! Environment overrides (`DAOJIA_*`).

use super::Config;
use std::path::PathBuf;

impl Config {
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
        if let Some(v) = get("DAOJIA_DRAIN_SECS") {
            self.server.drain_secs = v.parse().unwrap_or(u64::MAX);
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
        if let Some(v) = get("DAOJIA_CACHE_PUBLIC_TTL_MS") {
            self.cache.public_ttl_ms = v.parse().unwrap_or(u64::MAX);
        }
        self.broker.apply_env(&get);
        self.push.apply_env(&get);
        self.telemetry.apply_env(&get);
        self.storage.apply_env(&get);
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
        self.apply_pay_env(&get);
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
}
