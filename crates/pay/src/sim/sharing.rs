//! The simulator's profit sharing (分账, `/v3/profitsharing/...`): receivers, sharing
//! orders against the frozen part of payments created with `settle_info.profit_sharing`,
//! their query, unfreezing, returns before a refund, the amount left to share, and the
//! `PROFITSHARING.SUCCESS` / `PROFITSHARING.RETURN` callbacks.
//!
//! A shared payment's money is frozen when it is paid. A sharing order takes its shares off
//! the frozen amount (refused when they exceed it); a share to a receiver that was never
//! added is `CLOSED` with `NO_RELATION` and stays with the merchant. `unfreeze_unsplit`, or
//! an unfreeze order, releases the rest and ends sharing for the payment. A refund can take
//! only what was not shared out (or was returned): the merchant must get a share back
//! (return order) before refunding it, as at WeChat. Orders finish at once: the create
//! reply says `PROCESSING`/`PENDING`, a query says how it ended.

use super::wechat::{callback, china, error};
use super::{Simulator, TradeState, Vendor, header, random_digits};
use crate::http::Method;
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use serde_json::{Value, json};

/// A shared payment's money at the simulated WeChat.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frozen {
    /// Still frozen and shareable.
    pub frozen: Money,
    /// Shared out to receivers and not returned.
    pub shared: Money,
    /// Sharing ended (unfrozen): nothing more can be shared.
    pub done: bool,
}

/// One receiver's line of a simulated sharing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimShareLine {
    /// `MERCHANT_ID`, `PERSONAL_OPENID`...
    pub kind: String,
    /// Merchant id or openid.
    pub account: String,
    /// In fen.
    pub amount: Money,
    /// As asked.
    pub description: String,
    /// `SUCCESS` or `CLOSED`.
    pub result: &'static str,
    /// Why it was closed.
    pub fail_reason: Option<&'static str>,
    /// The simulator's number of the line.
    pub detail_id: String,
    /// Given back so far (returns).
    pub returned: Money,
}

/// A sharing (or unfreeze) order the simulator holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimSharing {
    /// The merchant's number.
    pub out_order_no: String,
    /// The simulator's.
    pub order_id: String,
    /// The payment's WeChat number.
    pub transaction_id: String,
    /// The payment's merchant number.
    pub out_trade_no: String,
    /// The lines.
    pub lines: Vec<SimShareLine>,
    /// Whether it was an unfreeze order.
    pub unfreeze: bool,
    /// When.
    pub at: DateTime<Utc>,
}

/// A return the simulator made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimReturn {
    /// The merchant's number.
    pub out_return_no: String,
    /// The simulator's.
    pub return_id: String,
    /// The sharing order returned from.
    pub out_order_no: String,
    /// Its WeChat number.
    pub order_id: String,
    /// The receiver that gave back.
    pub return_mchid: String,
    /// In fen.
    pub amount: Money,
    /// As asked.
    pub description: String,
    /// When.
    pub at: DateTime<Utc>,
}

impl Simulator {
    /// Serves a service provider (服务商) and its sub-merchant `sub_mchid`: the order calls
    /// under `/v3/pay/partner/transactions` with `sp_mchid`/`sp_appid`/`sub_mchid`,
    /// `sub_mchid` on refunds and profit sharing. The configured WeChat merchant and app
    /// are the service provider's.
    pub fn with_sub_merchant(mut self, sub_mchid: impl Into<String>) -> Simulator {
        self.sub_mchid = Some(sub_mchid.into());
        self
    }

    /// The sub-merchant served, in service-provider mode.
    pub fn sub_mchid(&self) -> Option<&str> {
        self.sub_mchid.as_deref()
    }

    /// Where `PROFITSHARING.*` callbacks go (WeChat takes it from the merchant platform's
    /// settings); none are produced without it.
    pub fn set_sharing_notify_url(&self, url: impl Into<String>) {
        self.lock().sharing_notify_url = Some(url.into());
    }

    /// Every sharing and unfreeze order held, by number.
    pub fn sharing_orders(&self) -> Vec<SimSharing> {
        self.lock().sharing_orders.values().cloned().collect()
    }

    /// Every return made.
    pub fn sharing_returns(&self) -> Vec<SimReturn> {
        self.lock().sharing_returns.values().cloned().collect()
    }

    /// The frozen, shared and ended state of trade `out_trade_no`, if it is to be shared.
    pub fn frozen(&self, out_trade_no: &str) -> Option<Frozen> {
        self.lock().shared.get(out_trade_no).cloned()
    }

    /// The receivers added, as `(type, account)`.
    pub fn sharing_receivers(&self) -> Vec<(String, String)> {
        self.lock().receivers.iter().cloned().collect()
    }

    /// The sharer's own merchant id (the sub-merchant, or the direct merchant).
    fn sharer(&self) -> &str {
        self.sub_mchid
            .as_deref()
            .unwrap_or(&self.config.wechat_mchid)
    }
}

/// Freezes a shared trade's money when it is paid.
pub(super) fn on_paid(st: &mut super::State, out_trade_no: &str, amount: Money) {
    if let Some(f) = st.shared.get_mut(out_trade_no) {
        f.frozen = amount;
    }
}

/// Answers `/v3/profitsharing/...`, or `None` for other paths.
pub(super) fn route(
    sim: &Simulator,
    method: Method,
    path: &str,
    query: &str,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> Option<(u16, String)> {
    let rest = path.strip_prefix("/v3/profitsharing")?;
    let q = crate::alipay::notify::parse_form(query).unwrap_or_default();
    let v = || serde_json::from_str::<Value>(body).ok();
    Some(match (method, rest) {
        (Method::Post, "/receivers/add") => match v() {
            Some(v) => add_receiver(sim, headers, &v, now),
            None => error(400, "PARAM_ERROR", "the body is not JSON"),
        },
        (Method::Post, "/orders") => match v() {
            Some(v) => share(sim, &v, now),
            None => error(400, "PARAM_ERROR", "the body is not JSON"),
        },
        (Method::Post, "/orders/unfreeze") => match v() {
            Some(v) => unfreeze(sim, &v, now),
            None => error(400, "PARAM_ERROR", "the body is not JSON"),
        },
        (Method::Post, "/return-orders") => match v() {
            Some(v) => return_order(sim, &v, now),
            None => error(400, "PARAM_ERROR", "the body is not JSON"),
        },
        (Method::Get, r) if r.starts_with("/orders/") => {
            if let Err(e) = sharer_in(sim, q.get("sub_mchid").map(String::as_str)) {
                return Some(e);
            }
            let no = &r["/orders/".len()..];
            let tid = q.get("transaction_id").cloned().unwrap_or_default();
            match sim.lock().sharing_orders.get(no) {
                Some(o) if o.transaction_id == tid => (200, order_json(sim, o, false).to_string()),
                _ => error(404, "RESOURCE_NOT_EXISTS", "记录不存在"),
            }
        }
        (Method::Get, r) if r.starts_with("/return-orders/") => {
            if let Err(e) = sharer_in(sim, q.get("sub_mchid").map(String::as_str)) {
                return Some(e);
            }
            let no = &r["/return-orders/".len()..];
            let order = q.get("out_order_no").cloned().unwrap_or_default();
            match sim.lock().sharing_returns.get(no) {
                Some(r) if r.out_order_no == order => (200, return_json(sim, r).to_string()),
                _ => error(404, "RESOURCE_NOT_EXISTS", "记录不存在"),
            }
        }
        (Method::Get, r) if r.starts_with("/transactions/") && r.ends_with("/amounts") => {
            let tid = &r["/transactions/".len()..r.len() - "/amounts".len()];
            let st = sim.lock();
            let f = st
                .trades
                .values()
                .find(|t| t.vendor == Vendor::Wechat && t.trade_no == tid)
                .and_then(|t| st.shared.get(&t.out_trade_no));
            match f {
                Some(f) => (
                    200,
                    json!({ "transaction_id": tid, "unsplit_amount": f.frozen.as_fen() })
                        .to_string(),
                ),
                None => error(404, "RESOURCE_NOT_EXISTS", "记录不存在"),
            }
        }
        _ => error(
            404,
            "NOT_FOUND",
            "no such profit-sharing API in the simulator",
        ),
    })
}

/// The body's (or query's) `sub_mchid` must be the sub-merchant served, and absent for a
/// direct merchant.
fn sharer_in(sim: &Simulator, sub: Option<&str>) -> Result<(), (u16, String)> {
    if sub == sim.sub_mchid.as_deref() {
        Ok(())
    } else {
        Err(error(400, "PARAM_ERROR", "sub_mchid does not match"))
    }
}

fn add_receiver(
    sim: &Simulator,
    headers: &[(String, String)],
    v: &Value,
    now: DateTime<Utc>,
) -> (u16, String) {
    if let Err(e) = sharer_in(sim, v["sub_mchid"].as_str()) {
        return e;
    }
    if v["appid"].as_str() != Some(sim.config.wechat_appid.as_str()) {
        return error(400, "PARAM_ERROR", "appid");
    }
    let kind = v["type"].as_str().unwrap_or("");
    let account = v["account"].as_str().unwrap_or("");
    if !matches!(
        kind,
        "MERCHANT_ID" | "PERSONAL_OPENID" | "PERSONAL_SUB_OPENID"
    ) || account.is_empty()
    {
        return error(400, "PARAM_ERROR", "type or account");
    }
    if let Some(name) = v["name"].as_str() {
        // Sealed under the platform key the header names (our public key or one of our
        // platform certificates).
        let serial = header(headers, "Wechatpay-Serial").unwrap_or("");
        let Some(key) = sim.decryption_key(serial, now) else {
            return error(
                400,
                "PARAM_ERROR",
                "Wechatpay-Serial 与加密所用的公钥不匹配",
            );
        };
        match key.decrypt_oaep_sha1(name) {
            Ok(n) if !n.trim().is_empty() => {}
            _ => return error(400, "PARAM_ERROR", "name 解密失败"),
        }
    } else if kind == "MERCHANT_ID" {
        return error(400, "PARAM_ERROR", "商户类型的接收方须填写商户全称 name");
    }
    if account == sim.sharer() {
        return error(400, "INVALID_REQUEST", "不能添加分账方自己为分账接收方");
    }
    sim.lock()
        .receivers
        .insert((kind.to_owned(), account.to_owned()));
    let mut r = json!({ "type": kind, "account": account,
        "relation_type": v["relation_type"].as_str().unwrap_or("") });
    if let Some(sub) = &sim.sub_mchid {
        r["sub_mchid"] = json!(sub);
    }
    (200, r.to_string())
}

fn share(sim: &Simulator, v: &Value, now: DateTime<Utc>) -> (u16, String) {
    if let Err(e) = sharer_in(sim, v["sub_mchid"].as_str()) {
        return e;
    }
    let tid = v["transaction_id"].as_str().unwrap_or("").to_owned();
    let no = v["out_order_no"].as_str().unwrap_or("").to_owned();
    let Some(unfreeze_unsplit) = v["unfreeze_unsplit"].as_bool() else {
        return error(400, "PARAM_ERROR", "unfreeze_unsplit");
    };
    let Some(asked) = v["receivers"].as_array().filter(|r| !r.is_empty()) else {
        return error(400, "PARAM_ERROR", "receivers");
    };
    let mut st = sim.lock();
    if let Some(o) = st.sharing_orders.get(&no) {
        // The same number again is the same request: answer the order held.
        if o.transaction_id != tid || o.unfreeze {
            return error(400, "INVALID_REQUEST", "商户分账单号重复");
        }
        let o = o.clone();
        drop(st);
        return (200, order_json(sim, &o, false).to_string());
    }
    let Some(trade) = st
        .trades
        .values()
        .find(|t| t.vendor == Vendor::Wechat && t.trade_no == tid)
        .cloned()
    else {
        return error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
    };
    if trade.state != TradeState::Paid {
        return error(400, "INVALID_REQUEST", "订单未支付");
    }
    let mut lines = Vec::new();
    let mut total = Money::ZERO;
    for r in asked {
        let (Some(kind), Some(account), Some(amount), Some(description)) = (
            r["type"].as_str(),
            r["account"].as_str(),
            r["amount"].as_i64().filter(|a| *a > 0),
            r["description"].as_str(),
        ) else {
            return error(400, "PARAM_ERROR", "receivers[]");
        };
        total = total + Money::fen(amount);
        let related = st
            .receivers
            .contains(&(kind.to_owned(), account.to_owned()));
        lines.push(SimShareLine {
            kind: kind.to_owned(),
            account: account.to_owned(),
            amount: Money::fen(amount),
            description: description.to_owned(),
            result: if related { "SUCCESS" } else { "CLOSED" },
            fail_reason: (!related).then_some("NO_RELATION"),
            detail_id: format!("3601{}", random_digits(20)),
            returned: Money::ZERO,
        });
    }
    let Some(f) = st.shared.get_mut(&trade.out_trade_no) else {
        return error(
            400,
            "INVALID_REQUEST",
            "该笔订单不支持分账（下单时未设置 profit_sharing）",
        );
    };
    if f.done {
        return error(400, "INVALID_REQUEST", "订单已解冻，不能再分账");
    }
    if total > f.frozen {
        return error(400, "NOT_ENOUGH", "分账金额超过订单剩余待分金额");
    }
    let moved = lines
        .iter()
        .filter(|l| l.result == "SUCCESS")
        .fold(Money::ZERO, |a, l| a + l.amount);
    f.frozen = f.frozen - moved;
    f.shared = f.shared + moved;
    if unfreeze_unsplit {
        f.frozen = Money::ZERO;
        f.done = true;
    }
    let order = SimSharing {
        out_order_no: no.clone(),
        order_id: format!("3008{}", random_digits(24)),
        transaction_id: tid,
        out_trade_no: trade.out_trade_no.clone(),
        lines,
        unfreeze: false,
        at: now,
    };
    st.sharing_orders.insert(no, order.clone());
    let url = st.sharing_notify_url.clone();
    drop(st);
    if let Some(url) = url {
        for l in order.lines.iter().filter(|l| l.result == "SUCCESS") {
            notify(
                sim,
                &url,
                crate::wechat::profitsharing::EVENT_SUCCESS,
                &order,
                l,
                l.amount,
                now,
            );
        }
    }
    // Accepted; the lines' outcome is for the query (or the callback) to tell.
    (200, order_json(sim, &order, true).to_string())
}

fn unfreeze(sim: &Simulator, v: &Value, now: DateTime<Utc>) -> (u16, String) {
    if let Err(e) = sharer_in(sim, v["sub_mchid"].as_str()) {
        return e;
    }
    let tid = v["transaction_id"].as_str().unwrap_or("").to_owned();
    let no = v["out_order_no"].as_str().unwrap_or("").to_owned();
    if v["description"].as_str().unwrap_or("").is_empty() || no.is_empty() {
        return error(400, "PARAM_ERROR", "out_order_no or description");
    }
    let mut st = sim.lock();
    if let Some(o) = st.sharing_orders.get(&no) {
        if o.transaction_id != tid || !o.unfreeze {
            return error(400, "INVALID_REQUEST", "商户分账单号重复");
        }
        let o = o.clone();
        drop(st);
        return (200, order_json(sim, &o, false).to_string());
    }
    let Some(trade) = st
        .trades
        .values()
        .find(|t| t.vendor == Vendor::Wechat && t.trade_no == tid)
        .cloned()
    else {
        return error(404, "RESOURCE_NOT_EXISTS", "订单不存在");
    };
    let Some(f) = st.shared.get_mut(&trade.out_trade_no) else {
        return error(400, "INVALID_REQUEST", "该笔订单不支持分账");
    };
    if f.done {
        return error(400, "INVALID_REQUEST", "订单已解冻");
    }
    let released = f.frozen;
    f.frozen = Money::ZERO;
    f.done = true;
    let sharer = sim.sharer().to_owned();
    let order = SimSharing {
        out_order_no: no.clone(),
        order_id: format!("3008{}", random_digits(24)),
        transaction_id: tid,
        out_trade_no: trade.out_trade_no,
        lines: (released > Money::ZERO)
            .then(|| SimShareLine {
                kind: "MERCHANT_ID".into(),
                account: sharer,
                amount: released,
                description: "解冻给分账方".into(),
                result: "SUCCESS",
                fail_reason: None,
                detail_id: format!("3601{}", random_digits(20)),
                returned: Money::ZERO,
            })
            .into_iter()
            .collect(),
        unfreeze: true,
        at: now,
    };
    st.sharing_orders.insert(no, order.clone());
    drop(st);
    (200, order_json(sim, &order, true).to_string())
}

fn return_order(sim: &Simulator, v: &Value, now: DateTime<Utc>) -> (u16, String) {
    if let Err(e) = sharer_in(sim, v["sub_mchid"].as_str()) {
        return e;
    }
    let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
    let (order_no, no, mchid) = (s("out_order_no"), s("out_return_no"), s("return_mchid"));
    let Some(amount) = v["amount"].as_i64().filter(|a| *a > 0).map(Money::fen) else {
        return error(400, "PARAM_ERROR", "amount");
    };
    let mut st = sim.lock();
    if let Some(r) = st.sharing_returns.get(&no) {
        if r.out_order_no != order_no || r.amount != amount || r.return_mchid != mchid {
            return error(400, "INVALID_REQUEST", "商户回退单号重复");
        }
        let r = r.clone();
        drop(st);
        return (200, return_json(sim, &r).to_string());
    }
    let Some(order) = st.sharing_orders.get_mut(&order_no) else {
        return error(404, "RESOURCE_NOT_EXISTS", "分账单不存在");
    };
    let Some(line) = order
        .lines
        .iter_mut()
        .find(|l| l.kind == "MERCHANT_ID" && l.account == mchid && l.result == "SUCCESS")
    else {
        return error(400, "INVALID_REQUEST", "回退方不是该分账单的接收方");
    };
    if line.returned + amount > line.amount {
        return error(400, "NOT_ENOUGH", "回退金额超过已分金额");
    }
    line.returned = line.returned + amount;
    let l = line.clone();
    let (order_id, out_trade_no) = (order.order_id.clone(), order.out_trade_no.clone());
    let order = order.clone();
    if let Some(f) = st.shared.get_mut(&out_trade_no) {
        f.shared = f.shared - amount;
    }
    let r = SimReturn {
        out_return_no: no.clone(),
        return_id: format!("3008{}", random_digits(24)),
        out_order_no: order_no,
        order_id,
        return_mchid: mchid,
        amount,
        description: s("description"),
        at: now,
    };
    st.sharing_returns.insert(no, r.clone());
    let url = st.sharing_notify_url.clone();
    drop(st);
    if let Some(url) = url {
        notify(
            sim,
            &url,
            crate::wechat::profitsharing::EVENT_RETURN,
            &order,
            &l,
            amount,
            now,
        );
    }
    (200, return_json(sim, &r).to_string())
}

fn order_json(sim: &Simulator, o: &SimSharing, accepted: bool) -> Value {
    let at = china(o.at);
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let mut j = json!({
                "amount": l.amount.as_fen(), "description": l.description, "type": l.kind,
                "account": l.account,
                "result": if accepted { "PENDING" } else { l.result },
                "detail_id": l.detail_id, "create_time": at, "finish_time": at
            });
            if let (Some(r), false) = (l.fail_reason, accepted) {
                j["fail_reason"] = json!(r);
            }
            j
        })
        .collect();
    let mut v = json!({
        "transaction_id": o.transaction_id, "out_order_no": o.out_order_no,
        "order_id": o.order_id, "state": if accepted { "PROCESSING" } else { "FINISHED" },
        "receivers": lines
    });
    if let Some(sub) = &sim.sub_mchid {
        v["sub_mchid"] = json!(sub);
    }
    v
}

fn return_json(sim: &Simulator, r: &SimReturn) -> Value {
    let at = china(r.at);
    let mut v = json!({
        "order_id": r.order_id, "out_order_no": r.out_order_no,
        "out_return_no": r.out_return_no, "return_id": r.return_id,
        "return_mchid": r.return_mchid, "amount": r.amount.as_fen(),
        "description": r.description, "result": "SUCCESS",
        "create_time": at, "finish_time": at
    });
    if let Some(sub) = &sim.sub_mchid {
        v["sub_mchid"] = json!(sub);
    }
    v
}

fn notify(
    sim: &Simulator,
    url: &str,
    event: &str,
    o: &SimSharing,
    l: &SimShareLine,
    amount: Money,
    now: DateTime<Utc>,
) {
    let mut n = match &sim.sub_mchid {
        Some(sub) => json!({ "sp_mchid": sim.config.wechat_mchid, "sub_mchid": sub }),
        None => json!({ "mchid": sim.config.wechat_mchid }),
    };
    for (k, val) in [
        ("transaction_id", json!(o.transaction_id)),
        ("order_id", json!(o.order_id)),
        ("out_order_no", json!(o.out_order_no)),
        (
            "receiver",
            json!({ "type": l.kind, "account": l.account, "amount": amount.as_fen(),
                    "description": l.description }),
        ),
        ("success_time", json!(china(now))),
    ] {
        n[k] = val;
    }
    let summary = if event.ends_with("RETURN") {
        "分账回退"
    } else {
        "分账成功"
    };
    if let Ok(cb) = callback(
        sim,
        url,
        event,
        crate::wechat::profitsharing::ORIGINAL_TYPE,
        summary,
        &n.to_string(),
        &o.out_order_no,
        now,
    ) {
        sim.emit(cb, 1);
    }
}
