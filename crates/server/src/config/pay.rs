//! `[pay]`: checks and environment overrides (`DAOJIA_PAY_*`).

use super::{Config, ConfigError, invalid};
use std::path::Path;

fn is_url(u: &str) -> bool {
    u.starts_with("https://") || u.starts_with("http://")
}

fn readable(key: &'static str, path: &Path) -> Result<(), ConfigError> {
    std::fs::metadata(path)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|_| ())
        .ok_or_else(|| invalid(key, format!("cannot read the file {}", path.display())))
}

impl Config {
    pub(super) fn apply_pay_env(&mut self, get: &impl Fn(&str) -> Option<String>) {
        let p = &mut self.pay;
        if let Some(v) = get("DAOJIA_PAY_NOTIFY_BASE_URL") {
            p.notify_base_url = Some(v);
        }
        if let Some(v) = get("DAOJIA_PAY_RETURN_URL") {
            p.return_url = Some(v);
        }
        if let Some(v) = get("DAOJIA_PAY_SIMULATOR") {
            p.simulator = matches!(v.as_str(), "1" | "true" | "yes" | "on");
        }
        if let (Some(v), Some(w)) = (get("DAOJIA_PAY_WECHAT_APIV3_KEY"), p.wechat.as_mut()) {
            w.apiv3_key = daojia_domain::secret::Secret::new(v);
        }
        if let (Some(v), Some(w)) = (get("DAOJIA_PAY_WECHAT_APP_SECRET"), p.wechat.as_mut()) {
            w.app_secret = Some(daojia_domain::secret::Secret::new(v));
        }
    }

    /// `[pay]`: limits, URLs, and for each configured channel its ids, key and key files,
    /// so that a mistake is named at start rather than at a customer's first payment.
    pub(super) fn validate_pay(&self) -> Result<(), ConfigError> {
        let p = &self.pay;
        if !(1..=24 * 60).contains(&p.intent_minutes) {
            return Err(invalid(
                "pay.intent_minutes",
                "must be from 1 to 1440 (minutes a payment stays payable)",
            ));
        }
        if !(1..=3600).contains(&p.first_query_secs) {
            return Err(invalid("pay.first_query_secs", "must be from 1 to 3600"));
        }
        for (key, u) in [
            ("pay.notify_base_url", &p.notify_base_url),
            ("pay.return_url", &p.return_url),
            ("pay.top_up_return_url", &p.top_up_return_url),
            ("pay.deposit_return_url", &p.deposit_return_url),
        ] {
            if let Some(u) = u
                && !is_url(u)
            {
                return Err(invalid(
                    key,
                    "expected a URL such as https://daojia.example.com",
                ));
            }
        }
        let channels = p.wechat.is_some() || p.alipay.is_some();
        if channels && p.simulator {
            return Err(invalid(
                "pay.simulator",
                "the simulator replaces both channels: remove [pay.wechat] and [pay.alipay], or set simulator = false",
            ));
        }
        if channels && p.notify_base_url.is_none() {
            return Err(invalid(
                "pay.notify_base_url",
                "required with a channel: this server's public URL, where the channels post their notifications",
            ));
        }
        if p.simulator_profit_sharing && !p.simulator {
            return Err(invalid(
                "pay.simulator_profit_sharing",
                "simulates a service provider's profit sharing: it needs simulator = true",
            ));
        }
        if let Some(w) = &p.wechat {
            if let Some(sub) = &w.sub_mchid
                && (sub.is_empty() || !sub.bytes().all(|b| b.is_ascii_digit()) || *sub == w.mchid)
            {
                return Err(invalid(
                    "pay.wechat.sub_mchid",
                    "expected the sub-merchant's id (digits), not the service provider's mchid",
                ));
            }
            if w.sub_appid.is_some() && w.sub_mchid.is_none() {
                return Err(invalid(
                    "pay.wechat.sub_appid",
                    "only in service-provider mode: set pay.wechat.sub_mchid too",
                ));
            }
            if let Some(s) = w.profit_sharing.as_ref().filter(|s| s.enabled) {
                if w.sub_mchid.is_none() {
                    return Err(invalid(
                        "pay.wechat.profit_sharing",
                        "profit sharing here is the service provider's (分账 of a sub-merchant's payments): set pay.wechat.sub_mchid, or remove [pay.wechat.profit_sharing]",
                    ));
                }
                let n = s.description.chars().count();
                if n == 0 || n > 80 {
                    return Err(invalid(
                        "pay.wechat.profit_sharing.description",
                        "1 to 80 characters (shown in WeChat's sharing records)",
                    ));
                }
                if matches!(&s.encryption_serial, Some(e) if e.trim().is_empty()) {
                    return Err(invalid(
                        "pay.wechat.profit_sharing.encryption_serial",
                        "the serial of a platform key, or leave it out for platform_serial",
                    ));
                }
            }
            if w.transfers.is_some() && w.sub_mchid.is_some() {
                return Err(invalid(
                    "pay.wechat.transfers",
                    "transfers are a direct merchant's here (the service provider's transfer API is not implemented): remove [pay.wechat.transfers] or pay.wechat.sub_mchid",
                ));
            }
            if w.mchid.is_empty() || !w.mchid.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "pay.wechat.mchid",
                    "expected the merchant id (digits)",
                ));
            }
            if w.appid.is_empty() {
                return Err(invalid("pay.wechat.appid", "required"));
            }
            if w.serial_no.is_empty() {
                return Err(invalid("pay.wechat.serial_no", "required"));
            }
            if w.platform_serial.is_empty() {
                return Err(invalid("pay.wechat.platform_serial", "required"));
            }
            if w.apiv3_key.expose().len() != 32 {
                return Err(invalid(
                    "pay.wechat.apiv3_key",
                    "must be exactly 32 characters (the APIv3 key set in the merchant platform)",
                ));
            }
            if let Some(u) = &w.base_url
                && !is_url(u)
            {
                return Err(invalid("pay.wechat.base_url", "expected a URL"));
            }
            if let Some(t) = &w.transfers {
                if t.app_secret.expose().trim().is_empty() {
                    return Err(invalid(
                        "pay.wechat.transfers.app_secret",
                        "required: the official account's AppSecret, which exchanges the payee's authorisation code",
                    ));
                }
                if t.scene_id.is_empty() || t.scene_id.len() > 36 {
                    return Err(invalid(
                        "pay.wechat.transfers.scene_id",
                        "expected the transfer scene granted in the merchant platform (e.g. 1005)",
                    ));
                }
                let remark = t.remark.chars().count();
                if remark == 0 || remark > 32 {
                    return Err(invalid("pay.wechat.transfers.remark", "1 to 32 characters"));
                }
                if t.report.is_empty() {
                    return Err(invalid(
                        "pay.wechat.transfers.report",
                        "the scene's report lines are required (info_type, info_content)",
                    ));
                }
                for (key, u) in [
                    ("pay.wechat.transfers.notify_url", &t.notify_url),
                    ("pay.wechat.transfers.oauth_base_url", &t.oauth_base_url),
                ] {
                    if let Some(u) = u
                        && (!is_url(u) || u.contains('?'))
                    {
                        return Err(invalid(key, "expected a URL without a query string"));
                    }
                }
            }
            readable("pay.wechat.private_key_file", &w.private_key_file)?;
            readable(
                "pay.wechat.platform_public_key_file",
                &w.platform_public_key_file,
            )?;
        }
        if let Some(a) = &p.alipay {
            if a.app_id.is_empty() || !a.app_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "pay.alipay.app_id",
                    "expected the application id (digits)",
                ));
            }
            if let Some(u) = &a.gateway
                && !is_url(u)
            {
                return Err(invalid("pay.alipay.gateway", "expected a URL"));
            }
            readable("pay.alipay.private_key_file", &a.private_key_file)?;
            readable(
                "pay.alipay.alipay_public_key_file",
                &a.alipay_public_key_file,
            )?;
        }
        Ok(())
    }
}
