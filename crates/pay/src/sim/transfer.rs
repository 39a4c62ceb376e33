//! The simulator's merchant transfers (商家转账, `/v3/fund-app/mch-transfer/transfer-bills`):
//! bills kept by `out_bill_no`, the payee's confirmation page, and the signed, encrypted
//! `MCHTRANSFER.BILL.FINISHED` callback.
//!
//! A created bill waits for the payee (`WAIT_USER_CONFIRM`, with a `package_info`). The payee
//! confirms on the page (`/transfer/{out_bill_no}`, or `/wechat/transfer/confirm?mchId&appId&
//! package` as WeChat's `requestMerchantTransfer` opens it) and the bill is `SUCCESS`, or the
//! page fails it with a reason (`FAIL`); the merchant may cancel before that (`CANCELLED`).
//! Each end is told by a callback, queued once, twice or not at all on request.
//!
//! As WeChat does, a repeated create with the same content answers the bill as it stands,
//! and one with different content under the same number is refused (`INVALID_REQUEST`, the
//! wording WeChat's merchant transfers use). The payee's name is compared decrypted, since
//! its ciphertext differs on every attempt. An unknown bill is `NOT_FOUND` and a
//! cancellation after the payee confirmed is `INVALID_REQUEST`: the simulator's reading of
//! the documentation, not captured replies.

use super::wechat::{callback, china, error};
use super::{Delivery, SimError, Simulator, header, random_alnum, random_digits, text};
use crate::alipay::amount::to_yuan;
use crate::alipay::notify::parse_form;
use crate::channel::HttpResponse;
use crate::http::Method;
use crate::wechat::transfer::{
    EVENT_FINISHED, NAME_ALLOWED_FROM, NAME_REQUIRED_FROM, ORIGINAL_TYPE, PATH, PayeeName,
    REMARK_MAX_CHARS, TransferState,
};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;
use serde_json::{Value, json};

/// Where the payee's WeChat opens a bill's confirmation (`mchId`, `appId`, `package`), as
/// `wx.requestMerchantTransfer` does.
pub const TRANSFER_CONFIRM_PATH: &str = "/wechat/transfer/confirm";

/// The fail reason used when none is asked for.
pub const DEFAULT_FAIL_REASON: &str = "PAYEE_ACCOUNT_ABNORMAL";

/// A transfer bill the simulator holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimTransfer {
    /// The merchant's number.
    pub out_bill_no: String,
    /// WeChat's number.
    pub transfer_bill_no: String,
    /// The app.
    pub appid: String,
    /// The scene.
    pub transfer_scene_id: String,
    /// The payee.
    pub openid: String,
    /// The payee's name, decrypted.
    pub user_name: Option<PayeeName>,
    /// In fen.
    pub amount: Money,
    /// Shown to the payee.
    pub remark: String,
    /// Where the callback goes, if anywhere.
    pub notify_url: Option<String>,
    /// Its state.
    pub state: TransferState,
    /// Why it failed.
    pub fail_reason: Option<String>,
    /// What opens the confirmation.
    pub package_info: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its state last changed.
    pub updated_at: DateTime<Utc>,
}

impl Simulator {
    /// The transfer bill numbered `out_bill_no` by the merchant.
    pub fn transfer(&self, out_bill_no: &str) -> Option<SimTransfer> {
        self.lock().transfers.get(out_bill_no).cloned()
    }

    /// Every transfer bill it holds.
    pub fn transfers(&self) -> Vec<SimTransfer> {
        self.lock().transfers.values().cloned().collect()
    }

    /// The payee's confirmation page of bill `out_bill_no`.
    pub fn transfer_page_url(&self, out_bill_no: &str) -> String {
        format!("{}/transfer/{}", self.config.base_url, out_bill_no)
    }

    /// The payee confirms bill `out_bill_no` at `now`: it succeeds, and its callback is
    /// queued as `delivery` says.
    pub fn confirm_transfer(
        &self,
        out_bill_no: &str,
        delivery: Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        self.finish(out_bill_no, TransferState::Success, None, delivery, now)
    }

    /// Bill `out_bill_no` fails at `now` for `reason` (e.g. `PAYEE_ACCOUNT_ABNORMAL`,
    /// `NAME_NOT_CORRECT`); its callback is queued as `delivery` says.
    pub fn fail_transfer(
        &self,
        out_bill_no: &str,
        reason: &str,
        delivery: Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let reason = if reason.is_empty() {
            DEFAULT_FAIL_REASON
        } else {
            reason
        };
        self.finish(
            out_bill_no,
            TransferState::Fail,
            Some(reason.to_owned()),
            delivery,
            now,
        )
    }

    fn finish(
        &self,
        no: &str,
        state: TransferState,
        fail_reason: Option<String>,
        delivery: Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let bill = {
            let mut st = self.lock();
            let b = st
                .transfers
                .get_mut(no)
                .ok_or_else(|| SimError::UnknownTransfer(no.into()))?;
            if !matches!(
                b.state,
                TransferState::WaitUserConfirm | TransferState::Transfering
            ) {
                return Err(SimError::NotAwaitingPayee(no.into()));
            }
            b.state = state;
            b.fail_reason = fail_reason;
            b.updated_at = now;
            b.clone()
        };
        let times = match delivery {
            Delivery::Once => 1,
            Delivery::Twice => 2,
            Delivery::Lost => 0,
        };
        notify(self, &bill, times, now).map_err(|e| SimError::Protocol(e.to_string()))
    }
}

/// Queues the callback of a bill that reached a final state (when it named a `notify_url`).
fn notify(sim: &Simulator, b: &SimTransfer, times: usize, now: DateTime<Utc>) -> crate::Result<()> {
    let Some(url) = &b.notify_url else {
        return Ok(());
    };
    let mut notice = json!({
        "mch_id": sim.config.wechat_mchid, "out_bill_no": b.out_bill_no,
        "transfer_bill_no": b.transfer_bill_no, "state": b.state.as_str(),
        "transfer_amount": b.amount.as_fen(), "openid": b.openid,
        "create_time": china(b.created_at), "update_time": china(b.updated_at),
    });
    if let Some(r) = &b.fail_reason {
        notice["fail_reason"] = json!(r);
    }
    let cb = callback(
        sim,
        url,
        EVENT_FINISHED,
        ORIGINAL_TYPE,
        "商家转账单据终态通知",
        &notice.to_string(),
        &b.out_bill_no,
        now,
    )?;
    sim.emit(cb, times);
    Ok(())
}

/// Answers the transfer calls (`path` without the query); `None` when `path` is not one.
pub(super) fn route(
    sim: &Simulator,
    method: Method,
    path: &str,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> Option<(u16, String)> {
    let rest = path.strip_prefix(PATH)?;
    Some(match (method, rest) {
        (Method::Post, "") => create(sim, headers, body, now),
        (Method::Get, r) if r.starts_with("/out-bill-no/") => {
            let no = &r["/out-bill-no/".len()..];
            match sim.transfer(no) {
                Some(b) => (200, bill_json(sim, &b).to_string()),
                None => not_found(),
            }
        }
        (Method::Get, r) if r.starts_with("/transfer-bill-no/") => {
            let no = &r["/transfer-bill-no/".len()..];
            let found = sim
                .lock()
                .transfers
                .values()
                .find(|b| b.transfer_bill_no == no)
                .cloned();
            match found {
                Some(b) => (200, bill_json(sim, &b).to_string()),
                None => not_found(),
            }
        }
        (Method::Post, r) => {
            let no = r
                .strip_prefix("/out-bill-no/")
                .and_then(|r| r.strip_suffix("/cancel"))?;
            cancel(sim, no, now)
        }
        _ => return None,
    })
}

fn not_found() -> (u16, String) {
    error(404, "NOT_FOUND", "记录不存在")
}

fn create(
    sim: &Simulator,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> (u16, String) {
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return error(400, "PARAM_ERROR", "the body is not JSON");
    };
    let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
    if s("appid") != sim.config.wechat_appid {
        return error(400, "PARAM_ERROR", "appid和mchid不匹配");
    }
    let no = s("out_bill_no");
    if no.is_empty() || no.len() > 32 || !no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return error(400, "PARAM_ERROR", "商户单号 out_bill_no 格式不正确");
    }
    if s("transfer_scene_id").is_empty() {
        return error(400, "PARAM_ERROR", "transfer_scene_id 不能为空");
    }
    let Some(amount) = v["transfer_amount"].as_i64().filter(|a| *a > 0) else {
        return error(400, "PARAM_ERROR", "transfer_amount 必须为正整数(分)");
    };
    let remark = s("transfer_remark");
    let chars = remark.chars().count();
    if chars == 0 || chars > REMARK_MAX_CHARS {
        return error(400, "PARAM_ERROR", "转账备注 transfer_remark 超过32个字符");
    }
    if v["transfer_scene_report_infos"]
        .as_array()
        .is_none_or(|a| a.is_empty())
    {
        return error(400, "PARAM_ERROR", "需传入转账场景报备信息,请检查");
    }
    let openid = s("openid");
    if !super::oauth::known_openid(sim, &openid) {
        return error(400, "PARAM_ERROR", "openid与appid不匹配");
    }
    let user_name = match v["user_name"].as_str() {
        None => None,
        Some(sealed) => {
            let serial = header(headers, "Wechatpay-Serial").unwrap_or("");
            let Some(key) = sim.decryption_key(serial, now) else {
                return error(
                    400,
                    "PARAM_ERROR",
                    "Wechatpay-Serial 不是微信支付公钥ID或平台证书序列号",
                );
            };
            match key.decrypt_oaep_sha1(sealed) {
                Ok(name) if !name.trim().is_empty() => Some(PayeeName::new(name)),
                _ => return error(400, "PARAM_ERROR", "收款用户姓名 user_name 解密失败"),
            }
        }
    };
    let amount = Money::fen(amount);
    if amount < NAME_ALLOWED_FROM && user_name.is_some() {
        return error(
            400,
            "PARAM_ERROR",
            "转账金额 < 0.3元时, 不允许填写收款用户姓名 user_name",
        );
    }
    if amount >= NAME_REQUIRED_FROM && user_name.is_none() {
        return error(
            400,
            "PARAM_ERROR",
            "转账金额 >= 2,000元时, 收款用户姓名 user_name 必填",
        );
    }
    let bill = SimTransfer {
        out_bill_no: no.clone(),
        transfer_bill_no: format!("1330{}", random_digits(36)),
        appid: s("appid"),
        transfer_scene_id: s("transfer_scene_id"),
        openid,
        user_name,
        amount,
        remark,
        notify_url: v["notify_url"].as_str().map(str::to_owned),
        state: TransferState::WaitUserConfirm,
        fail_reason: None,
        package_info: random_alnum(48),
        created_at: now,
        updated_at: now,
    };
    let mut st = sim.lock();
    if let Some(held) = st.transfers.get(&no) {
        // The same bill again is answered as it stands; other content under its number is
        // refused, whatever state the bill is in.
        let same = held.amount == bill.amount
            && held.openid == bill.openid
            && held.transfer_scene_id == bill.transfer_scene_id
            && held.remark == bill.remark
            && held.user_name == bill.user_name;
        return if same {
            (200, created_json(held).to_string())
        } else {
            error(
                400,
                "INVALID_REQUEST",
                "单号已存在但信息不一致,请查单后比较确认",
            )
        };
    }
    let reply = created_json(&bill);
    st.transfers.insert(no, bill);
    (200, reply.to_string())
}

fn created_json(b: &SimTransfer) -> Value {
    let mut v = json!({
        "out_bill_no": b.out_bill_no, "transfer_bill_no": b.transfer_bill_no,
        "create_time": china(b.created_at), "state": b.state.as_str(),
    });
    if b.state == TransferState::WaitUserConfirm {
        v["package_info"] = json!(b.package_info);
    }
    if let Some(r) = &b.fail_reason {
        v["fail_reason"] = json!(r);
    }
    v
}

fn bill_json(sim: &Simulator, b: &SimTransfer) -> Value {
    let mut v = json!({
        "mch_id": sim.config.wechat_mchid, "out_bill_no": b.out_bill_no,
        "transfer_bill_no": b.transfer_bill_no, "appid": b.appid, "state": b.state.as_str(),
        "transfer_amount": b.amount.as_fen(), "transfer_remark": b.remark, "openid": b.openid,
        "create_time": china(b.created_at), "update_time": china(b.updated_at),
    });
    if let Some(r) = &b.fail_reason {
        v["fail_reason"] = json!(r);
    }
    v
}

fn cancel(sim: &Simulator, no: &str, now: DateTime<Utc>) -> (u16, String) {
    let bill = {
        let mut st = sim.lock();
        let Some(b) = st.transfers.get_mut(no) else {
            return not_found();
        };
        if b.state == TransferState::Cancelled {
            return (200, cancel_json(b, TransferState::Cancelled).to_string());
        }
        if !b.state.is_cancellable() {
            return error(
                400,
                "INVALID_REQUEST",
                "转账单据当前状态不允许撤销 (the payee has confirmed or it has ended)",
            );
        }
        // Accepted now; the money returns to the merchant and the callback says so.
        b.state = TransferState::Cancelled;
        b.updated_at = now;
        b.clone()
    };
    if let Err(e) = notify(sim, &bill, 1, now) {
        return error(500, "SYSTEM_ERROR", &e.to_string());
    }
    (
        200,
        cancel_json(&bill, TransferState::Canceling).to_string(),
    )
}

fn cancel_json(b: &SimTransfer, state: TransferState) -> Value {
    json!({
        "out_bill_no": b.out_bill_no, "transfer_bill_no": b.transfer_bill_no,
        "state": state.as_str(), "update_time": china(b.updated_at),
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET {TRANSFER_CONFIRM_PATH}?mchId&appId&package`: what `requestMerchantTransfer`
/// checks before showing the confirmation: the merchant, the app, and a `package_info` it
/// issued for a bill still waiting for the payee.
pub(super) fn confirm_entry(sim: &Simulator, query: &str) -> HttpResponse {
    let refuse = |why: &str| text(400, "text/plain; charset=utf-8", why);
    let Ok(q) = parse_form(query) else {
        return refuse("bad query");
    };
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if get("mchId") != sim.config.wechat_mchid || get("appId") != sim.config.wechat_appid {
        return refuse("mchId 或 appId 与转账单不匹配");
    }
    let found = sim
        .lock()
        .transfers
        .values()
        .find(|b| b.package_info == get("package"))
        .map(|b| b.out_bill_no.clone());
    match found {
        Some(no) => page(sim, &no, None),
        None => refuse("package 信息有误"),
    }
}

/// The payee's page of bill `no`, with a line saying what just happened.
pub(super) fn page(sim: &Simulator, no: &str, said: Option<&str>) -> HttpResponse {
    let Some(b) = sim.transfer(no) else {
        return text(404, "text/plain; charset=utf-8", "no such transfer bill");
    };
    let amount = to_yuan(b.amount).unwrap_or_default();
    let action = escape(&sim.transfer_page_url(no));
    let buttons = if b.state == TransferState::WaitUserConfirm {
        format!(
            r#"<form method="post" action="{action}">
<button name="action" value="confirm" data-test="confirm">确认收款 Confirm</button>
<details><summary>Simulator options</summary>
<button name="action" value="confirm_twice" data-test="confirm-twice">Confirm, callback sent twice</button>
<button name="action" value="confirm_silent" data-test="confirm-lost">Confirm, callback lost</button>
<label>Fail reason <input name="reason" value="{DEFAULT_FAIL_REASON}"></label>
<button name="action" value="fail" data-test="fail">转账失败 Fail</button>
</details></form>"#
        )
    } else {
        String::new()
    };
    let said = said
        .map(|s| format!(r#"<p class="said" data-test="said">{}</p>"#, escape(s)))
        .unwrap_or_default();
    let reason = b
        .fail_reason
        .as_deref()
        .map(|r| format!(r#" · <span data-test="reason">{}</span>"#, escape(r)))
        .unwrap_or_default();
    let html = format!(
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>微信支付 商家转账 · 支付模拟器</title>
<style>body{{font-family:sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}}
button{{display:block;width:100%;margin:.5rem 0;padding:.8rem;font-size:1rem}}
.amount{{font-size:2rem;font-weight:bold}}</style></head><body>
<h1>微信支付 商家转账</h1><p>支付模拟器 Payment simulator — no real money moves.</p>
<p>{remark}</p><p class="amount" data-test="amount">¥{amount}</p>
<p>商户单号 {no} · <span data-test="state">{state}</span>{reason}</p>{said}{buttons}
</body></html>"#,
        remark = escape(&b.remark),
        no = escape(no),
        state = b.state.as_str(),
    );
    text(200, "text/html; charset=utf-8", &html)
}

/// The payee's click on the page of bill `no` (`action=...&reason=...` form body).
pub(super) fn act(sim: &Simulator, no: &str, body: &str, now: DateTime<Utc>) -> HttpResponse {
    let form = parse_form(body).unwrap_or_default();
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let done = match get("action").as_str() {
        "confirm" => sim
            .confirm_transfer(no, Delivery::Once, now)
            .map(|_| "confirmed"),
        "confirm_twice" => sim
            .confirm_transfer(no, Delivery::Twice, now)
            .map(|_| "confirmed; callback sent twice"),
        "confirm_silent" => sim
            .confirm_transfer(no, Delivery::Lost, now)
            .map(|_| "confirmed; callback lost"),
        "fail" => sim
            .fail_transfer(no, &get("reason"), Delivery::Once, now)
            .map(|_| "failed"),
        _ => return text(400, "text/plain; charset=utf-8", "unknown action"),
    };
    match done {
        Ok(said) => page(sim, no, Some(said)),
        Err(e) => text(409, "text/plain; charset=utf-8", &e.to_string()),
    }
}
