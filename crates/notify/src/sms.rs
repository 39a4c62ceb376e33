//! Text messages. [`SmsProvider`] is what the platform calls; [`LogSms`] is the offline
//! provider for development and the demo: it writes the message to the log (phone masked)
//! and delivers nothing. The platform records every message in its outbox whatever the
//! provider, so staff can see what was sent.

use async_trait::async_trait;
use daojia_domain::phone::Phone;

/// One template parameter. A secret one (a log-in code) is sent to the provider and
/// nowhere else: [`SmsMessage::redacted_text`], [`SmsMessage::public_params`] and `Debug`
/// show it as [`MASK`].
#[derive(Clone, PartialEq, Eq)]
pub struct SmsParam {
    /// Name in the provider's template (e.g. `code`).
    pub name: String,
    /// Value.
    pub value: String,
    /// True for values that must never be stored or logged (log-in codes).
    pub secret: bool,
}

impl SmsParam {
    /// A parameter that may be stored and shown to staff.
    pub fn public(name: &str, value: impl Into<String>) -> SmsParam {
        SmsParam {
            name: name.into(),
            value: value.into(),
            secret: false,
        }
    }

    /// A parameter only the provider may see.
    pub fn secret(name: &str, value: impl Into<String>) -> SmsParam {
        SmsParam {
            name: name.into(),
            value: value.into(),
            secret: true,
        }
    }

    fn shown(&self) -> &str {
        if self.secret { MASK } else { &self.value }
    }
}

impl std::fmt::Debug for SmsParam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsParam")
            .field("name", &self.name)
            .field("value", &self.shown())
            .field("secret", &self.secret)
            .finish()
    }
}

/// What a secret parameter shows as in stored and logged text.
pub const MASK: &str = "******";

/// A message to send: a template with named parameters. The text is rendered from the
/// body pattern, in clear only for the provider ([`SmsMessage::text`]) and masked for
/// everything else ([`SmsMessage::redacted_text`]).
#[derive(Clone)]
pub struct SmsMessage {
    /// Recipient.
    pub phone: Phone,
    /// Template name known to the provider (e.g. `login_code`).
    pub template: String,
    /// Template parameters in order (e.g. the code).
    pub params: Vec<SmsParam>,
    /// The body with `{name}` placeholders for the parameters.
    pub body: String,
}

impl SmsMessage {
    fn render(&self, clear: bool) -> String {
        let mut out = String::with_capacity(self.body.len() + 16);
        let mut rest = self.body.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let param = after
                .find('}')
                .and_then(|close| self.params.iter().find(|p| p.name == after[..close]));
            match param {
                Some(p) => {
                    out.push_str(if clear { &p.value } else { p.shown() });
                    rest = &after[p.name.len() + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The text in clear, for providers that send free text. Never store or log it.
    pub fn text(&self) -> String {
        self.render(true)
    }

    /// The text with every secret parameter masked: what the outbox and the log keep.
    pub fn redacted_text(&self) -> String {
        self.render(false)
    }

    /// The parameters that may be stored, as a JSON object (secret ones are left out).
    pub fn public_params(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.params
                .iter()
                .filter(|p| !p.secret)
                .map(|p| (p.name.clone(), serde_json::Value::String(p.value.clone())))
                .collect(),
        )
    }

    /// The value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.value.as_str())
    }
}

impl std::fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("phone", &self.phone)
            .field("template", &self.template)
            .field("params", &self.params)
            .field("text", &self.redacted_text())
            .finish()
    }
}

/// What the provider said.
#[derive(Debug, Clone)]
pub struct SmsReceipt {
    /// The provider's id for the message.
    pub provider_message_id: String,
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The provider refused it (bad template, blocked number, quota).
    #[error("SMS provider refused the message: {0}")]
    Refused(String),
    /// The provider could not be reached.
    #[error("SMS provider unreachable: {0}")]
    Unreachable(String),
}

/// Sends text messages.
#[async_trait]
pub trait SmsProvider: Send + Sync + 'static {
    /// A short name for the outbox and logs (`log`, `aliyun`, ...).
    fn name(&self) -> &'static str;

    /// True when messages never leave the machine (codes may then be shown to the user
    /// for the demo).
    fn is_offline(&self) -> bool {
        false
    }

    /// Sends one message.
    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError>;
}

/// The offline provider: logs the message with the phone and every secret parameter
/// masked, sends nothing. It never logs a log-in code, not even in the demo with
/// `sms.expose_dev_code`: there the code reaches the user in the API answer, and logs are
/// read (and shipped) far more widely than a log-in page.
#[derive(Debug, Default, Clone)]
pub struct LogSms;

#[async_trait]
impl SmsProvider for LogSms {
    fn name(&self) -> &'static str {
        "log"
    }

    fn is_offline(&self) -> bool {
        true
    }

    async fn send(&self, msg: &SmsMessage) -> Result<SmsReceipt, SmsError> {
        let id = uuid::Uuid::now_v7().to_string();
        tracing::info!(phone = %msg.phone, template = %msg.template, message_id = %id, text = %msg.redacted_text(), "sms (offline provider, not delivered)");
        Ok(SmsReceipt {
            provider_message_id: id,
        })
    }
}

/// Renders the log-in code message.
pub fn login_code_message(phone: Phone, code: &str, minutes: i64) -> SmsMessage {
    SmsMessage {
        phone,
        template: "login_code".into(),
        params: vec![
            SmsParam::secret("code", code),
            SmsParam::public("minutes", minutes.to_string()),
        ],
        body: "【到家】您的登录验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。".into(),
    }
}

/// Renders the reminder before a visit: what, the window (local), the order number.
pub fn visit_reminder_message(
    phone: Phone,
    what: &str,
    start: &str,
    end: &str,
    order_no: &str,
) -> SmsMessage {
    SmsMessage {
        phone,
        template: "visit_reminder".into(),
        params: vec![
            SmsParam::public("service", what),
            SmsParam::public("start", start),
            SmsParam::public("end", end),
            SmsParam::public("order_no", order_no),
        ],
        body: "【到家】提醒：您预约的{service}将于 {start}–{end} 上门服务，订单号 {order_no}。如需改约请在订单页操作。".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_offline_provider_accepts_every_message() {
        let msg = login_code_message(Phone::parse("13800138000").unwrap(), "123456", 5);
        assert!(msg.text().contains("123456"));
        let r = LogSms.send(&msg).await.unwrap();
        assert!(!r.provider_message_id.is_empty());
        assert!(LogSms.is_offline());
    }

    #[test]
    fn a_log_in_code_is_masked_everywhere_but_the_text_for_the_provider() {
        let msg = login_code_message(Phone::parse("13800138000").unwrap(), "482916", 5);
        assert_eq!(
            msg.text(),
            "【到家】您的登录验证码是 482916，5 分钟内有效。请勿告诉他人。"
        );
        assert_eq!(
            msg.redacted_text(),
            "【到家】您的登录验证码是 ******，5 分钟内有效。请勿告诉他人。"
        );
        assert_eq!(msg.public_params(), serde_json::json!({"minutes": "5"}));
        assert_eq!(msg.param("code"), Some("482916"));
        assert!(!format!("{msg:?}").contains("482916"));
    }

    #[test]
    fn a_message_without_secrets_renders_the_same_both_ways() {
        let msg = visit_reminder_message(
            Phone::parse("13800138000").unwrap(),
            "日常保洁",
            "09:00",
            "11:00",
            "DJ{1}",
        );
        assert_eq!(msg.text(), msg.redacted_text());
        assert!(msg.text().contains("日常保洁将于 09:00–11:00"));
        assert!(msg.text().contains("订单号 DJ{1}。"));
    }
}
