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
    /// The provider that accepted the message (with failover, the one that actually sent).
    pub provider: &'static str,
    /// The provider's id for the message.
    pub provider_message_id: String,
}

/// What kind of failure: the caller decides on it (fail over, retry later, tell the user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsErrorKind {
    /// A sending limit or the account's quota: per-number rate limits, the daily limit,
    /// an empty balance or a suspended account.
    Quota,
    /// The template or sign name is unknown, not approved, or does not fit the parameters
    /// (also: a parameter with words the vendor does not allow).
    Template,
    /// The phone number is invalid, or blocked (unsubscribed, on a do-not-disturb list).
    Phone,
    /// The vendor did not accept our credentials: unknown key, bad signature, clock skew,
    /// no permission.
    Auth,
    /// The vendor could not be reached, or answered with a server error.
    Unreachable,
    /// The vendor did not answer in time.
    Timeout,
    /// The vendor answered something we cannot read.
    BadResponse,
    /// The configuration cannot work (no template for this message, an unusable URL).
    Config,
    /// Any other refusal.
    Refused,
}

impl SmsErrorKind {
    /// True when another provider may well succeed where this one failed: an outage, a
    /// credential or quota problem of this vendor's account. A bad phone number, template
    /// or configuration would fail the same way elsewhere, or must be fixed first.
    pub fn fails_over(self) -> bool {
        matches!(
            self,
            SmsErrorKind::Quota
                | SmsErrorKind::Auth
                | SmsErrorKind::Unreachable
                | SmsErrorKind::Timeout
                | SmsErrorKind::BadResponse
        )
    }

    /// A short description for messages.
    pub fn describe(self) -> &'static str {
        match self {
            SmsErrorKind::Quota => "sending limit or quota reached",
            SmsErrorKind::Template => "template or sign name refused",
            SmsErrorKind::Phone => "phone number invalid or blocked",
            SmsErrorKind::Auth => "credentials refused",
            SmsErrorKind::Unreachable => "provider unreachable",
            SmsErrorKind::Timeout => "provider did not answer in time",
            SmsErrorKind::BadResponse => "unreadable answer",
            SmsErrorKind::Config => "not configured for this message",
            SmsErrorKind::Refused => "message refused",
        }
    }
}

/// Why a message was not sent. The detail never holds the phone number or the message's
/// parameters (a vendor's text is scrubbed of long digit runs).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider}: {}: {detail}{}", .kind.describe(), .code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct SmsError {
    /// The provider that failed (with failover, the last one tried).
    pub provider: &'static str,
    /// What kind of failure.
    pub kind: SmsErrorKind,
    /// The vendor's error code, when it gave one (`isv.BUSINESS_LIMIT_CONTROL`).
    pub code: Option<String>,
    /// What happened, for the operator.
    pub detail: String,
}

impl SmsError {
    /// An error of `kind` from `provider`.
    pub fn new(provider: &'static str, kind: SmsErrorKind, detail: impl Into<String>) -> Self {
        SmsError {
            provider,
            kind,
            code: None,
            detail: scrub(&detail.into()),
        }
    }

    /// With the vendor's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(scrub(&code.into()));
        self
    }
}

/// Replaces every run of six or more digits (a phone number, a log-in code a vendor may
/// echo) with `***`, and cuts the text at 300 characters.
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 6 {
            out.push_str("***");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars().take(300) {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Our message templates and their parameters, by name. A vendor's template for one of
/// them is configured with its id and the parameters it takes, in its order.
pub const TEMPLATES: &[(&str, &[&str])] = &[
    ("login_code", &["code", "minutes"]),
    ("visit_reminder", &["service", "start", "end", "order_no"]),
    ("worker_order", &["service", "start", "end", "order_no"]),
    // The notification service's kinds (`daojia_domain::notification`), in the order of
    // each kind's Chinese text; `[notifications] sms_kinds` picks the ones sent.
    ("notify_offer", &["service", "start", "order_no"]),
    (
        "notify_accepted",
        &["worker", "start", "service", "order_no"],
    ),
    ("notify_departed", &["worker", "eta_min", "order_no"]),
    ("notify_arrived", &["worker", "order_no"]),
    ("notify_completed", &["service", "order_no"]),
    ("notify_payment_due", &["order_no", "amount"]),
    ("notify_refund", &["order_no", "amount"]),
    ("notify_review_request", &["service", "order_no"]),
    ("notify_visit_tomorrow", &["service", "start", "order_no"]),
    ("notify_starting_soon", &["service", "start", "order_no"]),
    ("notify_job_soon", &["service", "start", "order_no"]),
];

/// The provider that sent the message, or the last one that failed to: what the outbox
/// records (with failover, not necessarily the configured provider).
pub fn sent_by(result: &Result<SmsReceipt, SmsError>) -> &'static str {
    match result {
        Ok(r) => r.provider,
        Err(e) => e.provider,
    }
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
            provider: "log",
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

/// Renders the message to a worker who was offered or given an order: what, the window
/// (local), the order number.
pub fn worker_order_message(
    phone: Phone,
    what: &str,
    start: &str,
    end: &str,
    order_no: &str,
) -> SmsMessage {
    SmsMessage {
        phone,
        template: "worker_order".into(),
        params: vec![
            SmsParam::public("service", what),
            SmsParam::public("start", start),
            SmsParam::public("end", end),
            SmsParam::public("order_no", order_no),
        ],
        body: "【到家】您有新的派单：{service}，{start}–{end} 上门，订单号 {order_no}。请打开师傅端查看。".into(),
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
        assert_eq!(r.provider, "log");
        assert!(LogSms.is_offline());
    }

    #[test]
    fn every_message_builder_uses_a_catalogued_template_with_its_parameters() {
        let phone = Phone::parse("13800138000").unwrap();
        for msg in [
            login_code_message(phone.clone(), "123456", 5),
            visit_reminder_message(phone.clone(), "保洁", "12-01 09:00", "11:00", "DJ1"),
            worker_order_message(phone, "保洁", "12-01 09:00", "11:00", "DJ1"),
        ] {
            let (_, params) = TEMPLATES
                .iter()
                .find(|(name, _)| *name == msg.template)
                .unwrap();
            let ours: Vec<&str> = msg.params.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(&ours, params, "{}", msg.template);
        }
    }

    #[test]
    fn errors_never_carry_a_phone_number_or_a_code() {
        let e = SmsError::new(
            "aliyun",
            SmsErrorKind::Phone,
            "check mobile 13800138000 failed, param 042917",
        )
        .with_code("isv.MOBILE_NUMBER_ILLEGAL");
        let text = e.to_string();
        assert!(
            !text.contains("13800138000") && !text.contains("042917"),
            "{text}"
        );
        assert_eq!(
            text,
            "aliyun: phone number invalid or blocked: check mobile *** failed, param *** (isv.MOBILE_NUMBER_ILLEGAL)"
        );
        assert!(!SmsErrorKind::Phone.fails_over());
        assert!(SmsErrorKind::Quota.fails_over() && SmsErrorKind::Timeout.fails_over());
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
