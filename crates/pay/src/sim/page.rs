//! The simulator's payment page: what the payer sees after scanning the QR code or being
//! sent to the H5 / WAP page, with buttons to pay (once, with a duplicated callback, or with
//! the callback lost) or to fail.

use super::{Delivery, Simulator, TradeState, Vendor, text};
use crate::alipay::amount::to_yuan;
use crate::alipay::notify::parse_form;
use crate::channel::HttpResponse;
use chrono::{DateTime, Utc};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The page of trade `no`, with a line saying what just happened.
pub(super) fn show(sim: &Simulator, no: &str, said: Option<&str>) -> HttpResponse {
    let Some(t) = sim.trade(no) else {
        return text(404, "text/plain; charset=utf-8", "no such trade");
    };
    let vendor = match t.vendor {
        Vendor::Wechat => "微信支付 WeChat Pay",
        Vendor::Alipay => "支付宝 Alipay",
    };
    let state = match t.state {
        TradeState::Open => "待支付 waiting for payment",
        TradeState::Paid => "已支付 paid",
        TradeState::Failed => "支付失败 failed",
        TradeState::Closed => "已关闭 closed",
    };
    let amount = to_yuan(t.amount).unwrap_or_default();
    let action = escape(&sim.page_url(no));
    let buttons = if t.state == TradeState::Open {
        format!(
            r#"<form method="post" action="{action}">
<button name="action" value="pay" data-test="pay">确认支付 Pay</button>
<button name="action" value="fail" data-test="fail">支付失败 Fail</button>
<details><summary>Simulator options</summary>
<button name="action" value="pay_twice" data-test="pay-twice">Pay, callback sent twice</button>
<button name="action" value="pay_silent" data-test="pay-lost">Pay, callback lost</button>
</details></form>"#
        )
    } else {
        String::new()
    };
    // The vendors' cashiers send the payer back whatever happened: paid, failed, or given up.
    let back = match &t.return_url {
        Some(url) => {
            let label = match t.state {
                TradeState::Open => "放弃支付，返回商户 Give up and go back",
                _ => "返回商户 Back to the merchant",
            };
            format!(
                r#"<p><a href="{}" data-test="return">{label}</a></p>"#,
                escape(url)
            )
        }
        None => String::new(),
    };
    let said = said
        .map(|s| format!(r#"<p class="said" data-test="said">{}</p>"#, escape(s)))
        .unwrap_or_default();
    let html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{vendor} · 支付模拟器</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}
button{{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1rem}}
.amount{{font-size:2rem;font-weight:bold}}</style></head><body>
<h1>{vendor}</h1><p>支付模拟器 Payment simulator — no real money moves.</p>
<p>{desc}</p><p class="amount" data-test="amount">¥{amount}</p>
<p>订单号 {no} · <span data-test="state">{state}</span></p>{said}{buttons}{back}
</body></html>"#,
        desc = escape(&t.description),
        no = escape(no),
    );
    text(200, "text/html; charset=utf-8", &html)
}

/// The payer's click on the page of trade `no` (`action=...` form body).
pub(super) fn act(sim: &Simulator, no: &str, body: &str, now: DateTime<Utc>) -> HttpResponse {
    let action = parse_form(body)
        .ok()
        .and_then(|p| p.get("action").cloned())
        .unwrap_or_default();
    let done = match action.as_str() {
        "pay" => sim.pay(no, Delivery::Once, now).map(|_| "paid"),
        "pay_twice" => sim
            .pay(no, Delivery::Twice, now)
            .map(|_| "paid; callback sent twice"),
        "pay_silent" => sim
            .pay(no, Delivery::Lost, now)
            .map(|_| "paid; callback lost"),
        "fail" => sim.fail(no).map(|_| "failed"),
        _ => return text(400, "text/plain; charset=utf-8", "unknown action"),
    };
    match done {
        Ok(said) => show(sim, no, Some(said)),
        Err(e) => text(409, "text/plain; charset=utf-8", &e.to_string()),
    }
}
