//! The simulator's Alipay gateway: precreate, query, close, refund and refund query over
//! signed form posts (verified with the application's public key), replies whose member is
//! signed as sent, the WAP payment page (a signed GET), and signed asynchronous
//! notifications.

use super::{
    Callback, SimRefund, Simulator, Trade, TradeState, Vendor, random_alnum, random_digits,
};
use crate::alipay::amount::{from_yuan, to_yuan};
use crate::alipay::notify::parse_form;
use crate::alipay::sign::{Params, china_time, encode, sign_content};
use crate::alipay::trade;
use crate::alipay::verify::response_member;
use crate::channel::HttpResponse;
use crate::error::Result;
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use serde_json::{Value, json};

/// Checks a call's signature (everything but `sign`, sorted) and `app_id`.
fn verified(sim: &Simulator, params: &Params) -> std::result::Result<(), &'static str> {
    let sign = params.get("sign").ok_or("missing sign")?;
    sim.config
        .alipay_app_key
        .verify_sha256(sign_content(params, &["sign"]).as_bytes(), sign)
        .map_err(|_| "the signature does not verify")?;
    if params.get("app_id") != Some(&sim.config.alipay_app_id) {
        return Err("unknown app_id");
    }
    Ok(())
}

/// Answers a POST to the gateway.
pub(super) fn handle(sim: &Simulator, body: &str, now: DateTime<Utc>) -> HttpResponse {
    let Ok(params) = parse_form(body) else {
        return reply(
            sim,
            "error",
            fail("40002", "isv.invalid-parameter", "bad form"),
        );
    };
    let method = params.get("method").cloned().unwrap_or_default();
    if let Err(why) = verified(sim, &params) {
        return reply(sim, &method, fail("40002", "isv.invalid-signature", why));
    }
    let biz: Value = params
        .get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    let s = |k: &str| biz[k].as_str().unwrap_or("").to_owned();
    let member = match method.as_str() {
        trade::PRECREATE => match open_trade(sim, &params, &biz, "FACE_TO_FACE_PAYMENT") {
            Ok(no) => ok(
                json!({ "out_trade_no": no, "qr_code": format!("{}?via=alipay_precreate", sim.page_url(&no)) }),
            ),
            Err(e) => e,
        },
        trade::QUERY => match sim
            .trade(&s("out_trade_no"))
            .filter(|t| t.vendor == Vendor::Alipay)
        {
            Some(t) => ok(json!({
                "trade_no": t.trade_no, "out_trade_no": t.out_trade_no,
                "trade_status": status(&t), "total_amount": yuan(t.amount),
                "buyer_logon_id": "sim***@example.com"
            })),
            None => not_exist(),
        },
        trade::CLOSE => {
            let no = s("out_trade_no");
            let mut st = sim.lock();
            match st
                .trades
                .get_mut(&no)
                .filter(|t| t.vendor == Vendor::Alipay)
            {
                None => not_exist(),
                Some(t) if t.state == TradeState::Paid => {
                    fail("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
                }
                Some(t) => {
                    t.state = TradeState::Closed;
                    ok(json!({ "out_trade_no": t.out_trade_no, "trade_no": t.trade_no }))
                }
            }
        }
        trade::REFUND => refund(
            sim,
            &s("out_trade_no"),
            &s("out_request_no"),
            &s("refund_amount"),
            now,
        ),
        trade::BILL_URL => super::bills::alipay_bill_url(sim, &biz, now),
        trade::REFUND_QUERY => {
            let st = sim.lock();
            match st.refunds.get(&s("out_request_no")) {
                Some(r) if r.out_trade_no == s("out_trade_no") => ok(json!({
                    "out_trade_no": r.out_trade_no, "out_request_no": r.refund_no,
                    "refund_amount": yuan(r.amount), "refund_status": "REFUND_SUCCESS"
                })),
                // Alipay answers an unknown refund with success and no status.
                _ => ok(json!({ "out_trade_no": s("out_trade_no") })),
            }
        }
        _ => fail(
            "40004",
            "isv.invalid-method",
            "the simulator does not offer this method",
        ),
    };
    reply(sim, &method, member)
}

/// The WAP payment page: a signed GET whose parameters open the trade.
pub(super) fn wap_page(sim: &Simulator, query: &str) -> HttpResponse {
    let Ok(params) = parse_form(query) else {
        return super::text(400, "text/plain; charset=utf-8", "bad query");
    };
    if let Err(why) = verified(sim, &params) {
        return super::text(400, "text/plain; charset=utf-8", why);
    }
    if params.get("method").map(String::as_str) != Some(trade::WAP_PAY) {
        return super::text(400, "text/plain; charset=utf-8", "not alipay.trade.wap.pay");
    }
    let biz: Value = params
        .get("biz_content")
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    match open_trade(sim, &params, &biz, "QUICK_WAP_WAY") {
        Ok(no) => super::page::show(sim, &no, None),
        Err(_) => super::text(
            400,
            "text/plain; charset=utf-8",
            "the trade cannot be opened",
        ),
    }
}

/// Opens (or finds again) the trade of a precreate or WAP call.
fn open_trade(
    sim: &Simulator,
    params: &Params,
    biz: &Value,
    product: &str,
) -> std::result::Result<String, Value> {
    let no = biz["out_trade_no"].as_str().unwrap_or("").to_owned();
    let amount = biz["total_amount"]
        .as_str()
        .and_then(|a| from_yuan(a).ok())
        .filter(|a| *a > Money::ZERO)
        .ok_or_else(|| fail("40004", "ACQ.INVALID_PARAMETER", "total_amount"))?;
    if no.is_empty() || no.len() > 64 {
        return Err(fail("40004", "ACQ.INVALID_PARAMETER", "out_trade_no"));
    }
    let mut st = sim.lock();
    if let Some(t) = st.trades.get(&no) {
        if t.amount != amount {
            return Err(fail("40004", "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改"));
        }
        return Ok(no);
    }
    st.trades.insert(
        no.clone(),
        Trade {
            vendor: Vendor::Alipay,
            out_trade_no: no.clone(),
            trade_no: format!("2026{}", random_digits(24)),
            amount,
            description: biz["subject"].as_str().unwrap_or("").to_owned(),
            notify_url: params.get("notify_url").cloned().unwrap_or_default(),
            return_url: params.get("return_url").cloned(),
            trade_type: product.into(),
            state: TradeState::Open,
            refunded: Money::ZERO,
            paid_at: None,
        },
    );
    Ok(no)
}

fn refund(sim: &Simulator, no: &str, refund_no: &str, amount: &str, now: DateTime<Utc>) -> Value {
    let Ok(amount) = from_yuan(amount) else {
        return fail("40004", "ACQ.INVALID_PARAMETER", "refund_amount");
    };
    let mut st = sim.lock();
    if let Some(r) = st.refunds.get(refund_no).cloned() {
        let total = st
            .trades
            .get(&r.out_trade_no)
            .map(|t| t.refunded)
            .unwrap_or(r.amount);
        // A retry with the same number moves no money again.
        return ok(
            json!({ "trade_no": "", "out_trade_no": r.out_trade_no, "refund_fee": yuan(total), "fund_change": "N" }),
        );
    }
    let Some(t) = st.trades.get_mut(no).filter(|t| t.vendor == Vendor::Alipay) else {
        return not_exist();
    };
    if t.state != TradeState::Paid {
        return fail("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法");
    }
    if amount <= Money::ZERO || t.refunded + amount > t.amount {
        return fail("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限");
    }
    t.refunded = t.refunded + amount;
    let (trade_no, total) = (t.trade_no.clone(), t.refunded);
    st.refunds.insert(
        refund_no.to_owned(),
        SimRefund {
            refund_no: refund_no.to_owned(),
            refund_id: refund_no.to_owned(),
            out_trade_no: no.to_owned(),
            amount,
            at: now,
        },
    );
    ok(
        json!({ "trade_no": trade_no, "out_trade_no": no, "refund_fee": yuan(total), "fund_change": "Y" }),
    )
}

/// The asynchronous notification of a paid trade.
pub(super) fn payment_notification(
    sim: &Simulator,
    t: &Trade,
    now: DateTime<Utc>,
) -> Result<Callback> {
    let id = random_alnum(40);
    let mut params = Params::new();
    let mut put = |k: &str, v: String| {
        params.insert(k.to_owned(), v);
    };
    put("notify_time", china_time(now));
    put("notify_type", "trade_status_sync".into());
    put("notify_id", id.clone());
    put("app_id", sim.config.alipay_app_id.clone());
    put("charset", "utf-8".into());
    put("version", "1.0".into());
    put("sign_type", "RSA2".into());
    put("trade_no", t.trade_no.clone());
    put("out_trade_no", t.out_trade_no.clone());
    put("trade_status", "TRADE_SUCCESS".into());
    put("total_amount", yuan(t.amount));
    put("receipt_amount", yuan(t.amount));
    put("gmt_payment", china_time(now));
    put("seller_id", sim.config.alipay_seller_id.clone());
    put("subject", t.description.clone());
    let sign = sim
        .keys
        .alipay
        .sign_sha256(sign_content(&params, &["sign", "sign_type"]).as_bytes())?;
    params.insert("sign".into(), sign);
    Ok(Callback {
        url: t.notify_url.clone(),
        headers: vec![(
            "Content-Type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        )],
        body: encode(&params),
        id,
        subject: t.out_trade_no.clone(),
    })
}

fn status(t: &Trade) -> &'static str {
    match t.state {
        TradeState::Open => "WAIT_BUYER_PAY",
        TradeState::Paid => "TRADE_SUCCESS",
        TradeState::Failed | TradeState::Closed => "TRADE_CLOSED",
    }
}

fn yuan(m: Money) -> String {
    to_yuan(m).unwrap_or_else(|_| "0.00".into())
}

pub(super) fn ok(mut v: Value) -> Value {
    v["code"] = json!("10000");
    v["msg"] = json!("Success");
    v
}

pub(super) fn fail(code: &str, sub_code: &str, sub_msg: &str) -> Value {
    json!({ "code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg })
}

fn not_exist() -> Value {
    fail("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
}

/// A reply `{"<method>_response": member, "sign": ...}` signed over the member's text.
fn reply(sim: &Simulator, method: &str, member: Value) -> HttpResponse {
    let name = if method.is_empty() || method == "error" {
        "error_response".to_owned()
    } else {
        response_member(method)
    };
    let text = member.to_string();
    let sign = sim
        .keys
        .alipay
        .sign_sha256(text.as_bytes())
        .unwrap_or_default();
    let body = format!(
        "{{{}:{text},\"sign\":{}}}",
        serde_json::to_string(&name).unwrap_or_default(),
        serde_json::to_string(&sign).unwrap_or_default()
    );
    HttpResponse {
        status: 200,
        headers: vec![(
            "Content-Type".into(),
            "application/json; charset=utf-8".into(),
        )],
        body: body.into_bytes(),
    }
}
