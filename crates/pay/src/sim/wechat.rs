//! The simulator's WeChat Pay API v3: orders (Native, H5, JSAPI), query, close, refund and
//! refund query, each call's `Authorization` verified with the merchant's public key and
//! each reply signed with the platform key; payment and refund callbacks with their
//! resource encrypted under the APIv3 key. Merchant transfers are in `super::transfer`.

use super::{
    Callback, SimRefund, Simulator, Trade, TradeState, Vendor, header, random_alnum, random_digits,
};
use crate::channel::HttpResponse;
use crate::error::Result;
use crate::http::Method;
use crate::wechat::notify::Resource;
use crate::wechat::sign::{SCHEME, request_message};
use crate::wechat::verify::sign_as_platform;
use chrono::{DateTime, FixedOffset, Utc};
use daojia_domain::money::Money;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(super) fn china(t: DateTime<Utc>) -> String {
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The `Authorization` header's fields, if it is WeChat's scheme.
fn authorization(value: &str) -> Option<BTreeMap<String, String>> {
    let rest = value.strip_prefix(SCHEME)?.trim_start();
    Some(
        rest.split(',')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
            .collect(),
    )
}

/// Answers one call to `/v3/...`.
pub(super) fn handle(
    sim: &Simulator,
    method: Method,
    path: &str,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> HttpResponse {
    let Some(fields) = header(headers, "Authorization").and_then(authorization) else {
        return unsigned(401, "SIGN_ERROR", "missing or foreign Authorization");
    };
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    let Ok(ts) = get("timestamp").parse::<i64>() else {
        return unsigned(401, "SIGN_ERROR", "bad timestamp");
    };
    let message = request_message(method.as_str(), path, ts, get("nonce_str"), body);
    if sim
        .config
        .wechat_merchant_key
        .verify_sha256(message.as_bytes(), get("signature"))
        .is_err()
    {
        return unsigned(401, "SIGN_ERROR", "the signature does not verify");
    }
    if get("mchid") != sim.config.wechat_mchid {
        return unsigned(401, "SIGN_ERROR", "unknown merchant");
    }
    // Replies are signed at the request's time, which the merchant checks against its clock.
    let (status, reply) = route(sim, method, path, headers, body, now);
    signed(sim, status, reply, ts)
}

fn route(
    sim: &Simulator,
    method: Method,
    path: &str,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> (u16, String) {
    let (p, query) = path.split_once('?').unwrap_or((path, ""));
    if let Some(answer) = super::transfer::route(sim, method, p, headers, body, now) {
        return answer;
    }
    if let Some(answer) = super::sharing::route(sim, method, p, query, headers, body, now) {
        return answer;
    }
    let parsed = || serde_json::from_str::<Value>(body).ok();
    // A service provider's calls live under `/v3/pay/partner/transactions`; a direct
    // merchant's under `/v3/pay/transactions`. The simulator serves one kind of merchant.
    let tx = p.strip_prefix(transactions_prefix(sim)).unwrap_or("");
    if p.starts_with("/v3/pay/") && tx.is_empty() {
        return error(
            404,
            "NOT_FOUND",
            "no such API for this merchant in the simulator",
        );
    }
    match (method, tx, p) {
        (Method::Get, _, super::certs::CERTIFICATES_PATH) => super::certs::list(sim, now),
        (Method::Post, "/native" | "/h5" | "/jsapi", _) => match parsed() {
            Some(v) => create(sim, &tx[1..], &v),
            None => error(400, "PARAM_ERROR", "the body is not JSON"),
        },
        (Method::Get, t, _) if t.starts_with("/out-trade-no/") => {
            let no = &t["/out-trade-no/".len()..];
            if !query.contains(&merchant_query(sim)) {
                return error(400, "PARAM_ERROR", "mchid");
            }
            match sim.trade(no).filter(|t| t.vendor == Vendor::Wechat) {
                Some(t) => (200, transaction(sim, &t).to_string()),
                None => error(404, "ORDER_NOT_EXIST", "订单不存在"),
            }
        }
        (Method::Post, t, _) if t.starts_with("/out-trade-no/") => {
            let no = t["/out-trade-no/".len()..].trim_end_matches("/close");
            let mut st = sim.lock();
            match st.trades.get_mut(no).filter(|t| t.vendor == Vendor::Wechat) {
                None => error(404, "ORDER_NOT_EXIST", "订单不存在"),
                Some(t) if t.state == TradeState::Paid => error(400, "ORDERPAID", "订单已支付"),
                Some(t) => {
                    t.state = TradeState::Closed;
                    (204, String::new())
                }
            }
        }
        (Method::Post, _, "/v3/refund/domestic/refunds") => match parsed() {
            Some(v) => refund(sim, &v, now),
            None => error(400, "PARAM_ERROR", "the body is not JSON"),
        },
        (Method::Get, _, p) if p.starts_with("/v3/refund/domestic/refunds/") => {
            let no = &p["/v3/refund/domestic/refunds/".len()..];
            let found = {
                let st = sim.lock();
                st.refunds
                    .get(no)
                    .cloned()
                    .and_then(|r| st.trades.get(&r.out_trade_no).cloned().map(|t| (t, r)))
            };
            match found {
                Some((t, r)) => (200, refund_json(sim, &t, r, "SUCCESS").to_string()),
                None => error(404, "RESOURCE_NOT_EXISTS", "退款单不存在"),
            }
        }
        (Method::Get, _, "/v3/bill/tradebill") => super::bills::wechat_bill_url(sim, query),
        (Method::Get, _, "/v3/bill/fundflowbill") => {
            super::fund_bill::wechat_fund_bill_url(sim, query)
        }
        (Method::Get, _, "/v3/billdownload/file") => super::bills::wechat_download(sim, query),
        _ => error(404, "NOT_FOUND", "no such API in the simulator"),
    }
}

/// Where the merchant's order calls live.
fn transactions_prefix(sim: &Simulator) -> &'static str {
    match sim.sub_mchid {
        Some(_) => "/v3/pay/partner/transactions",
        None => "/v3/pay/transactions",
    }
}

/// The query string naming the merchant on GET calls.
fn merchant_query(sim: &Simulator) -> String {
    match &sim.sub_mchid {
        Some(sub) => format!("sp_mchid={}&sub_mchid={sub}", sim.config.wechat_mchid),
        None => format!("mchid={}", sim.config.wechat_mchid),
    }
}

/// Whether a body names this simulator's merchant (and app, when `with_app`).
fn names_merchant(sim: &Simulator, v: &Value, with_app: bool) -> bool {
    let s = |k: &str| v[k].as_str().unwrap_or("");
    match &sim.sub_mchid {
        Some(sub) => {
            s("sp_mchid") == sim.config.wechat_mchid
                && s("sub_mchid") == sub
                && (!with_app || s("sp_appid") == sim.config.wechat_appid)
        }
        None => {
            s("mchid") == sim.config.wechat_mchid
                && (!with_app || s("appid") == sim.config.wechat_appid)
        }
    }
}

/// The merchant's fields in a transaction or refund notice.
fn merchant_fields(sim: &Simulator, with_app: bool) -> Value {
    match &sim.sub_mchid {
        Some(sub) => {
            let mut v = json!({ "sp_mchid": sim.config.wechat_mchid, "sub_mchid": sub });
            if with_app {
                v["sp_appid"] = json!(sim.config.wechat_appid);
            }
            v
        }
        None => {
            let mut v = json!({ "mchid": sim.config.wechat_mchid });
            if with_app {
                v["appid"] = json!(sim.config.wechat_appid);
            }
            v
        }
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}

fn create(sim: &Simulator, kind: &str, v: &Value) -> (u16, String) {
    let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
    if !names_merchant(sim, v, true) {
        return error(400, "PARAM_ERROR", "appid and mchid do not match");
    }
    let no = s("out_trade_no");
    let Some(total) = v["amount"]["total"].as_i64().filter(|t| *t > 0) else {
        return error(400, "PARAM_ERROR", "amount.total");
    };
    if no.is_empty() || no.len() > 32 {
        return error(400, "PARAM_ERROR", "out_trade_no");
    }
    let trade_type = match kind {
        "native" => "NATIVE",
        "h5" => "MWEB",
        _ => "JSAPI",
    };
    if kind == "jsapi" {
        // WeChat refuses a payer who is not a user of the paying app.
        let openid = ["openid", "sp_openid", "sub_openid"]
            .iter()
            .find_map(|k| v["payer"][*k].as_str())
            .unwrap_or("");
        if !super::oauth::known_openid(sim, openid) {
            return error(400, "PARAM_ERROR", "appid和openid不匹配");
        }
    }
    let shared = v["settle_info"]["profit_sharing"].as_bool() == Some(true);
    let mut st = sim.lock();
    if let Some(t) = st.trades.get(&no) {
        // The same order again is answered again; another one under the number is refused.
        if t.amount != Money::fen(total) || t.trade_type != trade_type {
            return error(400, "OUT_TRADE_NO_USED", "商户订单号重复");
        }
    } else {
        st.trades.insert(
            no.clone(),
            Trade {
                vendor: Vendor::Wechat,
                out_trade_no: no.clone(),
                trade_no: format!("4200{}", random_digits(24)),
                amount: Money::fen(total),
                description: s("description"),
                notify_url: s("notify_url"),
                return_url: None,
                trade_type: trade_type.into(),
                state: TradeState::Open,
                refunded: Money::ZERO,
                paid_at: None,
            },
        );
        if shared {
            st.shared
                .insert(no.clone(), super::sharing::Frozen::default());
        }
    }
    drop(st);
    let page = sim.page_url(&no);
    let reply = match kind {
        "native" => json!({ "code_url": format!("{page}?via=wechat_native") }),
        "h5" => json!({ "h5_url": format!("{page}?via=wechat_h5") }),
        _ => {
            // One prepay id per trade: the same order again gets the same one.
            let mut st = sim.lock();
            let prepay = match st.prepays.iter().find(|(_, n)| **n == no) {
                Some((p, _)) => p.clone(),
                None => {
                    let p = format!("wx{}", random_digits(24));
                    st.prepays.insert(p.clone(), no.clone());
                    p
                }
            };
            json!({ "prepay_id": prepay })
        }
    };
    (200, reply.to_string())
}

fn trade_state(t: &Trade) -> &'static str {
    match t.state {
        TradeState::Open => "NOTPAY",
        TradeState::Paid if t.refunded > Money::ZERO => "REFUND",
        TradeState::Paid => "SUCCESS",
        TradeState::Failed => "PAYERROR",
        TradeState::Closed => "CLOSED",
    }
}

fn transaction(sim: &Simulator, t: &Trade) -> Value {
    let mut v = merchant_fields(sim, true);
    merge(
        &mut v,
        json!({
            "out_trade_no": t.out_trade_no, "trade_type": t.trade_type,
            "trade_state": trade_state(t), "trade_state_desc": trade_state(t),
            "amount": { "total": t.amount.as_fen(), "currency": "CNY" }
        }),
    );
    if t.state == TradeState::Paid {
        v["transaction_id"] = json!(t.trade_no);
        v["bank_type"] = json!("OTHERS");
        v["payer"] = json!({ "openid": "o-simulated-payer" });
        v["amount"]["payer_total"] = json!(t.amount.as_fen());
        v["amount"]["payer_currency"] = json!("CNY");
    }
    v
}

fn refund(sim: &Simulator, v: &Value, now: DateTime<Utc>) -> (u16, String) {
    let no = v["out_trade_no"].as_str().unwrap_or("").to_owned();
    let refund_no = v["out_refund_no"].as_str().unwrap_or("").to_owned();
    let (Some(amount), Some(total)) = (
        v["amount"]["refund"].as_i64(),
        v["amount"]["total"].as_i64(),
    ) else {
        return error(400, "PARAM_ERROR", "amount");
    };
    let notify_url = v["notify_url"].as_str().map(str::to_owned);
    if let Some(sub) = &sim.sub_mchid
        && v["sub_mchid"].as_str() != Some(sub.as_str())
    {
        return error(400, "PARAM_ERROR", "sub_mchid");
    }
    let mut st = sim.lock();
    if let Some(r) = st.refunds.get(&refund_no).cloned() {
        let t = st.trades.get(&r.out_trade_no).cloned();
        drop(st);
        return match t {
            Some(t) => (200, refund_json(sim, &t, r, "SUCCESS").to_string()),
            None => error(404, "RESOURCE_NOT_EXISTS", "订单不存在"),
        };
    }
    let Some(t) = st
        .trades
        .get_mut(&no)
        .filter(|t| t.vendor == Vendor::Wechat)
    else {
        return error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
    };
    if t.state != TradeState::Paid {
        return error(400, "INVALID_REQUEST", "订单未支付");
    }
    if total != t.amount.as_fen() {
        return error(400, "PARAM_ERROR", "amount.total is not the order's total");
    }
    if amount <= 0 || t.refunded + Money::fen(amount) > t.amount {
        return error(403, "NOT_ENOUGH", "退款金额超过可退金额");
    }
    let trade = t.clone();
    // What was shared out and not returned is no longer the merchant's to refund.
    if let Some(f) = st.shared.get_mut(&no) {
        if trade.refunded + Money::fen(amount) + f.shared > trade.amount {
            return error(403, "NOT_ENOUGH", "基本账户余额不足，请先请求分账回退");
        }
        f.frozen = (f.frozen - Money::fen(amount)).max(Money::ZERO);
    }
    let Some(t) = st.trades.get_mut(&no) else {
        return error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
    };
    t.refunded = t.refunded + Money::fen(amount);
    let trade = t.clone();
    let r = SimRefund {
        refund_no: refund_no.clone(),
        refund_id: format!("5030{}", random_digits(25)),
        out_trade_no: no,
        amount: Money::fen(amount),
        at: now,
    };
    st.refunds.insert(refund_no, r.clone());
    drop(st);
    // Accepted now, confirmed by a callback (the money reaches the payer later).
    if let Some(url) = notify_url
        && let Ok(cb) = refund_callback(sim, &trade, &r, &url, Utc::now())
    {
        sim.emit(cb, 1);
    }
    (200, refund_json(sim, &trade, r, "PROCESSING").to_string())
}

fn refund_json(sim: &Simulator, t: &Trade, r: SimRefund, status: &str) -> Value {
    let mut v = match &sim.sub_mchid {
        Some(sub) => json!({ "sub_mchid": sub }),
        None => json!({}),
    };
    merge(
        &mut v,
        json!({
            "refund_id": r.refund_id, "out_refund_no": r.refund_no,
            "transaction_id": t.trade_no, "out_trade_no": t.out_trade_no,
            "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
            "status": status,
            "amount": { "total": t.amount.as_fen(), "refund": r.amount.as_fen(),
                        "payer_total": t.amount.as_fen(), "payer_refund": r.amount.as_fen(), "currency": "CNY" }
        }),
    );
    v
}

/// The payment callback of a paid trade.
pub(super) fn payment_callback(sim: &Simulator, t: &Trade, now: DateTime<Utc>) -> Result<Callback> {
    let mut tx = transaction(sim, t);
    tx["success_time"] = json!(china(now));
    callback(
        sim,
        &t.notify_url,
        "TRANSACTION.SUCCESS",
        "transaction",
        "支付成功",
        &tx.to_string(),
        &t.out_trade_no,
        now,
    )
}

fn refund_callback(
    sim: &Simulator,
    t: &Trade,
    r: &SimRefund,
    url: &str,
    now: DateTime<Utc>,
) -> Result<Callback> {
    let mut notice = merchant_fields(sim, false);
    merge(
        &mut notice,
        json!({
            "out_trade_no": t.out_trade_no,
            "transaction_id": t.trade_no, "out_refund_no": r.refund_no, "refund_id": r.refund_id,
            "refund_status": "SUCCESS", "success_time": china(now),
            "user_received_account": "支付用户零钱",
            "amount": { "total": t.amount.as_fen(), "refund": r.amount.as_fen(),
                        "payer_total": t.amount.as_fen(), "payer_refund": r.amount.as_fen() }
        }),
    );
    callback(
        sim,
        url,
        "REFUND.SUCCESS",
        "refund",
        "退款成功",
        &notice.to_string(),
        &r.refund_no,
        now,
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn callback(
    sim: &Simulator,
    url: &str,
    event_type: &str,
    original_type: &str,
    summary: &str,
    plaintext: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<Callback> {
    let resource = Resource::encrypt(
        &sim.config.apiv3_key,
        original_type,
        original_type,
        &random_alnum(12),
        plaintext,
    )?;
    let id = format!(
        "{}-{}-{}-{}-{}",
        random_alnum(8),
        random_alnum(4),
        random_alnum(4),
        random_alnum(4),
        random_alnum(12)
    );
    let body = json!({
        "id": id, "create_time": china(now), "event_type": event_type,
        "resource_type": "encrypt-resource", "resource": resource, "summary": summary
    })
    .to_string();
    let nonce = random_alnum(32);
    let ts = now.timestamp();
    let (serial, key) = sim.signer(now);
    let signature = sign_as_platform(&key, ts, &nonce, &body)?;
    Ok(Callback {
        url: url.to_owned(),
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Wechatpay-Timestamp".into(), ts.to_string()),
            ("Wechatpay-Nonce".into(), nonce),
            ("Wechatpay-Signature".into(), signature),
            ("Wechatpay-Serial".into(), serial),
        ],
        body,
        id,
        subject: subject.to_owned(),
    })
}

pub(super) fn error(status: u16, code: &str, message: &str) -> (u16, String) {
    (
        status,
        json!({ "code": code, "message": message }).to_string(),
    )
}

/// An error to a call the simulator could not authenticate: unsigned, as WeChat's are.
fn unsigned(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: error(status, code, message).1.into_bytes(),
    }
}

fn signed(sim: &Simulator, status: u16, body: String, ts: i64) -> HttpResponse {
    let nonce = random_alnum(32);
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    let at = DateTime::from_timestamp(ts, 0).unwrap_or_else(Utc::now);
    let (serial, key) = sim.signer(at);
    if let Ok(signature) = sign_as_platform(&key, ts, &nonce, &body) {
        headers.extend([
            ("Wechatpay-Timestamp".to_owned(), ts.to_string()),
            ("Wechatpay-Nonce".to_owned(), nonce),
            ("Wechatpay-Signature".to_owned(), signature),
            ("Wechatpay-Serial".to_owned(), serial),
        ]);
    }
    HttpResponse {
        status,
        headers,
        body: body.into_bytes(),
    }
}
