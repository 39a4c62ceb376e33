//! The text of each kind of notification, in Chinese (the default, and what SMS and push
//! send) and English (for the apps' English locale), with named variables in `{braces}`.
//! Rendering is strict: a variable the template names and the caller did not give is an
//! error, never an empty gap in a message a customer reads.

use super::Kind;
use std::collections::BTreeMap;

/// A language the templates are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// 简体中文 (default).
    #[default]
    ZhCn,
    /// English.
    En,
}

impl Locale {
    /// The locale a tag such as `en`, `en-US` or `zh-CN` asks for (Chinese unless English).
    pub fn from_tag(tag: &str) -> Locale {
        if tag.trim().to_ascii_lowercase().starts_with("en") {
            Locale::En
        } else {
            Locale::ZhCn
        }
    }
}

/// A template's variables by name.
pub type Vars = BTreeMap<String, String>;

/// A rendered notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// A short title (push title, inbox heading).
    pub title: String,
    /// The text.
    pub body: String,
}

/// A template named a variable that was not given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template `{kind}` needs `{var}`")]
pub struct MissingVar {
    /// The kind.
    pub kind: &'static str,
    /// The variable.
    pub var: String,
}

/// The (title, body) patterns of `kind` in `locale`, with `{variable}` placeholders.
pub fn pattern(kind: Kind, locale: Locale) -> (&'static str, &'static str) {
    use Kind::*;
    match (locale, kind) {
        (Locale::ZhCn, Offer) => (
            "新的派单",
            "您有新的派单：{service}，{start} 上门，订单号 {order_no}。请尽快确认。",
        ),
        (Locale::En, Offer) => (
            "New job offer",
            "New job: {service} at {start}, order {order_no}. Please answer soon.",
        ),
        (Locale::ZhCn, Accepted) => (
            "师傅已接单",
            "{worker}师傅已接单，将于 {start} 上门提供{service}，订单号 {order_no}。",
        ),
        (Locale::En, Accepted) => (
            "Your order was accepted",
            "{worker} will come for {service} at {start}, order {order_no}.",
        ),
        (Locale::ZhCn, Departed) => (
            "师傅已出发",
            "{worker}师傅已出发，预计 {eta_min} 分钟后到达，订单号 {order_no}。",
        ),
        (Locale::En, Departed) => (
            "Your worker is on the way",
            "{worker} is on the way and should arrive in about {eta_min} min, order {order_no}.",
        ),
        (Locale::ZhCn, Arrived) => (
            "师傅已到达",
            "{worker}师傅已到达门口，请出示上门校验码，订单号 {order_no}。",
        ),
        (Locale::En, Arrived) => (
            "Your worker has arrived",
            "{worker} is at your door; show them the door check code. Order {order_no}.",
        ),
        (Locale::ZhCn, Completed) => (
            "服务已完成",
            "您的{service}已完成，感谢使用到家，订单号 {order_no}。",
        ),
        (Locale::En, Completed) => (
            "Service completed",
            "Your {service} is complete. Thank you! Order {order_no}.",
        ),
        (Locale::ZhCn, PaymentDue) => (
            "待支付提醒",
            "订单 {order_no} 待支付 {amount}，请在订单页完成支付。",
        ),
        (Locale::En, PaymentDue) => (
            "Payment due",
            "Order {order_no} has {amount} to pay; please pay on the order page.",
        ),
        (Locale::ZhCn, Refund) => (
            "退款通知",
            "订单 {order_no} 的退款 {amount} 已发起，将原路退回。",
        ),
        (Locale::En, Refund) => (
            "Refund issued",
            "A refund of {amount} for order {order_no} is on its way back to how you paid.",
        ),
        (Locale::ZhCn, ReviewRequest) => (
            "邀请您评价",
            "您对本次{service}满意吗？欢迎评价，订单号 {order_no}。",
        ),
        (Locale::En, ReviewRequest) => (
            "How did we do?",
            "Tell us about your {service}: review order {order_no}.",
        ),
        (Locale::ZhCn, VisitTomorrow) => (
            "明日上门提醒",
            "您预约的{service}将于明天 {start} 上门，订单号 {order_no}。如需改约请在订单页操作。",
        ),
        (Locale::En, VisitTomorrow) => (
            "Visit tomorrow",
            "Your {service} is tomorrow at {start}, order {order_no}. Reschedule on the order page if needed.",
        ),
        (Locale::ZhCn, StartingSoon) => (
            "即将上门",
            "您预约的{service}将于 {start} 开始，请留意师傅来电，订单号 {order_no}。",
        ),
        (Locale::En, StartingSoon) => (
            "Visit starting soon",
            "Your {service} starts at {start}; your worker may call you. Order {order_no}.",
        ),
        (Locale::ZhCn, JobSoon) => (
            "工单即将开始",
            "您的下一单{service}将于 {start} 开始，请按时出发，订单号 {order_no}。",
        ),
        (Locale::En, JobSoon) => (
            "Next job soon",
            "Your next job, {service}, starts at {start}; please set off in time. Order {order_no}.",
        ),
    }
}

/// The variables the templates of `kind` use, in the order of the Chinese text (an SMS
/// vendor's template takes them in this order).
pub fn vars(kind: Kind) -> Vec<String> {
    let (title, body) = pattern(kind, Locale::ZhCn);
    let mut out: Vec<String> = vec![];
    for part in [title, body] {
        let mut rest = part;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('}') else { break };
            let name = &after[..close];
            if !out.iter().any(|v| v == name) {
                out.push(name.to_string());
            }
            rest = &after[close + 1..];
        }
    }
    out
}

fn fill(kind: Kind, pattern: &str, vars: &Vars) -> Result<String, MissingVar> {
    let mut out = String::with_capacity(pattern.len() + 32);
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or(after.len());
        let name = &after[..close];
        let value = vars.get(name).ok_or_else(|| MissingVar {
            kind: kind.as_str(),
            var: name.to_string(),
        })?;
        out.push_str(value);
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// Renders `kind` in `locale` with `vars`.
pub fn render(kind: Kind, locale: Locale, vars: &Vars) -> Result<Rendered, MissingVar> {
    let (title, body) = pattern(kind, locale);
    Ok(Rendered {
        title: fill(kind, title, vars)?,
        body: fill(kind, body, vars)?,
    })
}

/// An amount in fen as the templates show it: `¥128.50`.
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let f = fen.unsigned_abs();
    format!("{sign}¥{}.{:02}", f / 100, f % 100)
}
