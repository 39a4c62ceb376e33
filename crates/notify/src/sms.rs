//! Text messages. [`SmsProvider`] is what the platform calls; [`LogSms`] is the offline
//! provider for development and the demo: it writes the message to the log (phone masked)
//! and delivers nothing. The platform records every message in its outbox whatever the
//! provider, so staff can see what was sent.

use async_trait::async_trait;
use daojia_domain::phone::Phone;

/// A message to send.
#[derive(Debug, Clone)]
pub struct SmsMessage {
    /// Recipient.
    pub phone: Phone,
    /// Template name known to the provider (e.g. `login_code`).
    pub template: String,
    /// Template parameters in order (e.g. the code).
    pub params: Vec<(String, String)>,
    /// The rendered text, for the outbox and for providers that send free text.
    pub text: String,
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

/// The offline provider: logs the message with the phone masked, sends nothing.
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
        tracing::info!(phone = %msg.phone, template = %msg.template, message_id = %id, text = %msg.text, "sms (offline provider, not delivered)");
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
            ("code".into(), code.to_string()),
            ("minutes".into(), minutes.to_string()),
        ],
        text: format!("【到家】您的登录验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。"),
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
            ("service".into(), what.to_string()),
            ("start".into(), start.to_string()),
            ("end".into(), end.to_string()),
            ("order_no".into(), order_no.to_string()),
        ],
        text: format!(
            "【到家】提醒：您预约的{what}将于 {start}–{end} 上门服务，订单号 {order_no}。如需改约请在订单页操作。"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_offline_provider_accepts_every_message() {
        let msg = login_code_message(Phone::parse("13800138000").unwrap(), "123456", 5);
        assert!(msg.text.contains("123456"));
        let r = LogSms.send(&msg).await.unwrap();
        assert!(!r.provider_message_id.is_empty());
        assert!(LogSms.is_offline());
    }
}
