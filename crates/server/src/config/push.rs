//! `[push]`: the push channels (docs/notifications.md, "Push"). Web Push is on by default;
//! its VAPID key comes from `vapid_private_key` (`DAOJIA_PUSH_VAPID_PRIVATE_KEY`) or, when
//! unset, is derived from `auth.token_secret` (HKDF with its own label), so a demo or a
//! cluster sharing the token secret has one stable key without another secret to keep.
//! JPush, Getui and WeChat subscribe messages are on when their credentials are set.

use daojia_app::push::PushChannels;
use daojia_domain::secret::Secret;
use daojia_notify::push::getui::{self, Getui, GetuiConfig};
use daojia_notify::push::jpush::{self, Jpush, JpushConfig};
use daojia_notify::push::webpush::{SendOptions, Urgency, VapidKey, WebPush};
use daojia_notify::push::wechat::{self, AppKind, Template, Wechat, WechatConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Push settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PushConfig {
    /// Web Push to browsers (the worker PWA), on by default (`DAOJIA_PUSH_WEBPUSH`).
    pub webpush: bool,
    /// The VAPID private key: base64url of the 32-byte scalar, or a PEM private key
    /// (`DAOJIA_PUSH_VAPID_PRIVATE_KEY`). Printed masked. Unset: derived from
    /// `auth.token_secret`. Changing it invalidates every browser subscription.
    pub vapid_private_key: Option<Secret<String>>,
    /// The VAPID `sub` claim, how push services reach the operator: a `mailto:` or
    /// `https:` URL (`DAOJIA_PUSH_VAPID_SUBJECT`).
    pub vapid_subject: String,
    /// Lets Web Push go to `http://` endpoints, for the local push service
    /// (`daojia pushsim`) only; browsers' push services are always `https://`.
    pub allow_http_endpoints: bool,
    /// How long a push service keeps an undelivered message, seconds (`TTL`).
    pub ttl_secs: u32,
    /// Seconds one push request may take.
    pub timeout_secs: u64,
    /// JPush (极光推送).
    pub jpush: JpushSection,
    /// Getui (个推).
    pub getui: GetuiSection,
    /// WeChat subscribe messages (订阅消息).
    pub wechat: WechatSection,
}

impl Default for PushConfig {
    fn default() -> Self {
        PushConfig {
            webpush: true,
            vapid_private_key: None,
            vapid_subject: "mailto:ops@daojia.invalid".into(),
            allow_http_endpoints: false,
            ttl_secs: 24 * 3600,
            timeout_secs: 10,
            jpush: JpushSection::default(),
            getui: GetuiSection::default(),
            wechat: WechatSection::default(),
        }
    }
}

/// A WeChat mini program or official account sending subscribe messages; on when `app_id`
/// and `app_secret` are set. Each notification kind sent there needs a template in
/// `templates` (`[push.wechat.templates.departed]`), with a pattern per field.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WechatSection {
    /// `mini_program` (小程序) or `official_account` (公众号).
    pub app_kind: AppKind,
    /// The AppID (`DAOJIA_PUSH_WECHAT_APP_ID`).
    pub app_id: Option<String>,
    /// The AppSecret (`DAOJIA_PUSH_WECHAT_APP_SECRET`). Printed masked.
    pub app_secret: Option<Secret<String>>,
    /// Another address (a proxy, or the local simulator's `…/wechat`).
    pub endpoint: Option<String>,
    /// Mini program: which version a tap opens: `formal`, `trial` or `developer`.
    pub miniprogram_state: String,
    /// Mini program: `zh_CN`, `en_US`, `zh_HK` or `zh_TW`.
    pub lang: String,
    /// Notification kind → template.
    pub templates: BTreeMap<String, Template>,
}

impl Default for WechatSection {
    fn default() -> Self {
        WechatSection {
            app_kind: AppKind::MiniProgram,
            app_id: None,
            app_secret: None,
            endpoint: None,
            miniprogram_state: "formal".into(),
            lang: "zh_CN".into(),
            templates: BTreeMap::new(),
        }
    }
}

/// A JPush application; on when `app_key` and `master_secret` are set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JpushSection {
    /// The AppKey (`DAOJIA_PUSH_JPUSH_APP_KEY`).
    pub app_key: Option<String>,
    /// The Master Secret (`DAOJIA_PUSH_JPUSH_MASTER_SECRET`). Printed masked.
    pub master_secret: Option<Secret<String>>,
    /// Another address (the Beijing zone `https://bjapi.push.jiguang.cn`, a proxy).
    pub endpoint: Option<String>,
    /// iOS pushes to APNs production rather than the sandbox.
    pub apns_production: bool,
    /// How long JPush keeps an offline message, seconds.
    pub time_to_live_secs: u32,
}

impl Default for JpushSection {
    fn default() -> Self {
        JpushSection {
            app_key: None,
            master_secret: None,
            endpoint: None,
            apns_production: true,
            time_to_live_secs: 24 * 3600,
        }
    }
}

/// A Getui application; on when `app_id`, `app_key` and `master_secret` are set.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GetuiSection {
    /// The AppID (`DAOJIA_PUSH_GETUI_APP_ID`).
    pub app_id: Option<String>,
    /// The AppKey (`DAOJIA_PUSH_GETUI_APP_KEY`).
    pub app_key: Option<String>,
    /// The MasterSecret (`DAOJIA_PUSH_GETUI_MASTER_SECRET`). Printed masked.
    pub master_secret: Option<Secret<String>>,
    /// Another address (a proxy).
    pub endpoint: Option<String>,
    /// How long Getui keeps an offline message, milliseconds (at most three days).
    pub ttl_ms: i64,
}

impl Default for GetuiSection {
    fn default() -> Self {
        GetuiSection {
            app_id: None,
            app_key: None,
            master_secret: None,
            endpoint: None,
            ttl_ms: 24 * 3600 * 1000,
        }
    }
}

impl PushConfig {
    /// Environment overrides.
    pub fn apply_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        if let Some(v) = get("DAOJIA_PUSH_WEBPUSH") {
            self.webpush = !matches!(v.as_str(), "0" | "false" | "off" | "no");
        }
        if let Some(v) = get("DAOJIA_PUSH_VAPID_PRIVATE_KEY") {
            self.vapid_private_key = Some(Secret::new(v));
        }
        if let Some(v) = get("DAOJIA_PUSH_VAPID_SUBJECT") {
            self.vapid_subject = v;
        }
        if let Some(v) = get("DAOJIA_PUSH_JPUSH_APP_KEY") {
            self.jpush.app_key = Some(v);
        }
        if let Some(v) = get("DAOJIA_PUSH_JPUSH_MASTER_SECRET") {
            self.jpush.master_secret = Some(Secret::new(v));
        }
        if let Some(v) = get("DAOJIA_PUSH_GETUI_APP_ID") {
            self.getui.app_id = Some(v);
        }
        if let Some(v) = get("DAOJIA_PUSH_GETUI_APP_KEY") {
            self.getui.app_key = Some(v);
        }
        if let Some(v) = get("DAOJIA_PUSH_GETUI_MASTER_SECRET") {
            self.getui.master_secret = Some(Secret::new(v));
        }
        if let Some(v) = get("DAOJIA_PUSH_WECHAT_APP_ID") {
            self.wechat.app_id = Some(v);
        }
        if let Some(v) = get("DAOJIA_PUSH_WECHAT_APP_SECRET") {
            self.wechat.app_secret = Some(Secret::new(v));
        }
    }

    /// What is wrong with the values, naming the setting.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if let Some(k) = &self.vapid_private_key
            && let Err(e) = VapidKey::from_text(k.expose())
        {
            return Some(("push.vapid_private_key", e.0));
        }
        if !(self.vapid_subject.starts_with("mailto:")
            || self.vapid_subject.starts_with("https://"))
        {
            return Some((
                "push.vapid_subject",
                "a mailto: or https: URL where push services can reach you".into(),
            ));
        }
        if self.ttl_secs > 28 * 24 * 3600 {
            return Some(("push.ttl_secs", "at most 28 days (2419200)".into()));
        }
        if !(1..=120).contains(&self.timeout_secs) {
            return Some(("push.timeout_secs", "between 1 and 120".into()));
        }
        if self.jpush.app_key.is_some() != self.jpush.master_secret.is_some() {
            return Some(("push.jpush", "set both app_key and master_secret".into()));
        }
        let g = &self.getui;
        let set = [
            g.app_id.is_some(),
            g.app_key.is_some(),
            g.master_secret.is_some(),
        ];
        if set.iter().any(|s| *s) && !set.iter().all(|s| *s) {
            return Some(("push.getui", "set app_id, app_key and master_secret".into()));
        }
        if !(1..=3 * 24 * 3600 * 1000).contains(&g.ttl_ms) {
            return Some((
                "push.getui.ttl_ms",
                "between 1 and 259200000 (three days)".into(),
            ));
        }
        let w = &self.wechat;
        if w.app_id.is_some() != w.app_secret.is_some() {
            return Some(("push.wechat", "set both app_id and app_secret".into()));
        }
        if !["formal", "trial", "developer"].contains(&w.miniprogram_state.as_str()) {
            return Some((
                "push.wechat.miniprogram_state",
                "formal, trial or developer".into(),
            ));
        }
        if !["zh_CN", "en_US", "zh_HK", "zh_TW"].contains(&w.lang.as_str()) {
            return Some(("push.wechat.lang", "zh_CN, en_US, zh_HK or zh_TW".into()));
        }
        for (kind, t) in &w.templates {
            if kind.parse::<daojia_domain::notification::Kind>().is_err() {
                return Some((
                    "push.wechat.templates",
                    format!("{kind} is not a notification kind"),
                ));
            }
            if t.template_id.trim().is_empty() || t.data.is_empty() {
                return Some((
                    "push.wechat.templates",
                    format!("the template of {kind} needs a template_id and data"),
                ));
            }
            if let Some(k) = t.data.keys().find(|k| wechat::FieldType::of(k).is_none()) {
                return Some((
                    "push.wechat.templates",
                    format!(
                        "{kind}: {k} is no WeChat field type (thing1, time2, amount3, character_string4, …)"
                    ),
                ));
            }
        }
        None
    }

    /// The VAPID key: the configured one, or the one derived from the token secret.
    pub fn vapid_key(&self, token_secret: Option<&str>) -> anyhow::Result<Option<VapidKey>> {
        if let Some(k) = &self.vapid_private_key {
            return Ok(Some(VapidKey::from_text(k.expose()).map_err(|e| {
                anyhow::anyhow!("push.vapid_private_key: {}", e.0)
            })?));
        }
        let Some(secret) = token_secret else {
            return Ok(None);
        };
        Ok(Some(derive_vapid(secret)))
    }

    /// The configured channels.
    pub fn channels(&self, token_secret: Option<&str>) -> anyhow::Result<PushChannels> {
        let timeout = Duration::from_secs(self.timeout_secs);
        let mut out = PushChannels::none();
        if self.webpush
            && let Some(key) = self.vapid_key(token_secret)?
        {
            let opts = SendOptions {
                subject: self.vapid_subject.clone(),
                ttl: self.ttl_secs,
                urgency: Urgency::Normal,
                token_lifetime: 12 * 3600,
            };
            out.webpush = Some(Arc::new(
                WebPush::new(key, opts, timeout, self.allow_http_endpoints)
                    .map_err(|e| anyhow::anyhow!("push: {}", e.0))?,
            ));
        }
        if let (Some(app_key), Some(secret)) = (&self.jpush.app_key, &self.jpush.master_secret) {
            out.jpush = Some(Arc::new(
                Jpush::new(JpushConfig {
                    endpoint: self
                        .jpush
                        .endpoint
                        .clone()
                        .unwrap_or_else(|| jpush::DEFAULT_ENDPOINT.into()),
                    app_key: app_key.clone(),
                    master_secret: secret.clone(),
                    apns_production: self.jpush.apns_production,
                    time_to_live: self.jpush.time_to_live_secs,
                    timeout,
                })
                .map_err(anyhow::Error::msg)?,
            ));
        }
        let g = &self.getui;
        if let (Some(app_id), Some(app_key), Some(secret)) =
            (&g.app_id, &g.app_key, &g.master_secret)
        {
            out.getui = Some(Arc::new(
                Getui::new(GetuiConfig {
                    endpoint: g
                        .endpoint
                        .clone()
                        .unwrap_or_else(|| getui::DEFAULT_ENDPOINT.into()),
                    app_id: app_id.clone(),
                    app_key: app_key.clone(),
                    master_secret: secret.clone(),
                    ttl_ms: g.ttl_ms,
                    timeout,
                })
                .map_err(anyhow::Error::msg)?,
            ));
        }
        let w = &self.wechat;
        if let (Some(app_id), Some(secret)) = (&w.app_id, &w.app_secret) {
            out.wechat = Some(Arc::new(
                Wechat::new(WechatConfig {
                    endpoint: w
                        .endpoint
                        .clone()
                        .unwrap_or_else(|| wechat::DEFAULT_ENDPOINT.into()),
                    app_kind: w.app_kind,
                    app_id: app_id.clone(),
                    app_secret: secret.clone(),
                    miniprogram_state: w.miniprogram_state.clone(),
                    lang: w.lang.clone(),
                    templates: w.templates.clone(),
                    timeout,
                })
                .map_err(anyhow::Error::msg)?,
            ));
        }
        Ok(out)
    }
}

/// A VAPID key derived from the token secret: HMAC-SHA256 under a label of its own,
/// counted up until the result is a valid P-256 scalar (almost always the first).
fn derive_vapid(token_secret: &str) -> VapidKey {
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    for counter in 0u32.. {
        let mut mac = Hmac::<Sha256>::new_from_slice(token_secret.as_bytes()).expect("any key");
        mac.update(b"daojia vapid key v1");
        mac.update(&counter.to_be_bytes());
        let d = mac.finalize().into_bytes();
        let text = daojia_notify::push::webpush::b64_encode(&d);
        if let Ok(k) = VapidKey::from_text(&text) {
            return k;
        }
    }
    unreachable!("a valid scalar is found")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_derived_key_is_stable_and_a_configured_one_wins() {
        let c = PushConfig::default();
        let a = c.vapid_key(Some("secret-one")).unwrap().unwrap();
        let b = c.vapid_key(Some("secret-one")).unwrap().unwrap();
        let other = c.vapid_key(Some("secret-two")).unwrap().unwrap();
        assert_eq!(a.public_base64url(), b.public_base64url());
        assert_ne!(a.public_base64url(), other.public_base64url());
        let own = VapidKey::generate();
        let c = PushConfig {
            vapid_private_key: Some(Secret::new(own.private_base64url())),
            ..PushConfig::default()
        };
        assert_eq!(
            c.vapid_key(Some("secret-one"))
                .unwrap()
                .unwrap()
                .public_base64url(),
            own.public_base64url()
        );
        assert!(c.channels(None).unwrap().webpush.is_some());
        assert!(
            PushConfig::default()
                .channels(None)
                .unwrap()
                .webpush
                .is_none()
        );
    }

    #[test]
    fn problems_name_the_setting() {
        let bad = PushConfig {
            vapid_private_key: Some(Secret::new("nope".into())),
            ..PushConfig::default()
        };
        assert_eq!(bad.problem().unwrap().0, "push.vapid_private_key");
        let bad = PushConfig {
            vapid_subject: "ops@example.com".into(),
            ..PushConfig::default()
        };
        assert_eq!(bad.problem().unwrap().0, "push.vapid_subject");
        let mut half = PushConfig::default();
        half.jpush.app_key = Some("k".into());
        assert_eq!(half.problem().unwrap().0, "push.jpush");
        let mut half = PushConfig::default();
        half.wechat.app_id = Some("wx1".into());
        assert_eq!(half.problem().unwrap().0, "push.wechat");
        let mut bad = PushConfig::default();
        bad.wechat.templates.insert(
            "departed".into(),
            Template {
                template_id: "t".into(),
                page: None,
                data: [("colour1".to_string(), "{worker}".to_string())].into(),
            },
        );
        assert!(bad.problem().unwrap().1.contains("colour1"));
        let mut bad = PushConfig::default();
        bad.wechat.templates.insert(
            "party".into(),
            Template {
                template_id: "t".into(),
                page: None,
                data: [("thing1".to_string(), "{worker}".to_string())].into(),
            },
        );
        assert!(bad.problem().unwrap().1.contains("party"));
        assert!(PushConfig::default().problem().is_none());
    }
}
