//! Merchant transfers to a user's WeChat balance (商家转账, user-confirmation mode,
//! `/v3/fund-app/mch-transfer/transfer-bills`): the transfer bill request, its reply, the
//! bill's states, query by our number or by WeChat's, cancellation, and the decrypted
//! resource of the `MCHTRANSFER.BILL.FINISHED` callback. Direct merchants only (the service
//! provider's variant lives under `/v3/fund-app/mch-transfer/partner/...`).
//!
//! A bill goes `ACCEPTED` → (`PROCESSING`) → `WAIT_USER_CONFIRM`: the payee must then confirm
//! in WeChat (the mini-program's `wx.requestMerchantTransfer`, or `WeixinJSBridge`'s
//! `requestMerchantTransfer` in an official account's page, given `mchId`, `appId` and the
//! reply's `package_info`). After that it is `TRANSFERING` and ends `SUCCESS` or `FAIL`
//! (with a `fail_reason`); before it, the merchant may cancel (`CANCELING` → `CANCELLED`).
//! WeChat posts the callback when the bill reaches `SUCCESS`, `FAIL` or `CANCELLED`.
//!
//! Field names, paths and limits follow WeChat Pay's merchant documentation of 发起转账,
//! 商户单号查询转账单, 微信单号查询转账单, 撤销转账 and 商家转账回调通知 (2025). Where public
//! sources disagree, the choice is noted on the item.

use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use crate::keys::PublicKey;
use chrono::{DateTime, FixedOffset};
use daojia_domain::money::Money;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The path of the transfer bills.
pub const PATH: &str = "/v3/fund-app/mch-transfer/transfer-bills";

/// The callback's `event_type` when a bill reached `SUCCESS`, `FAIL` or `CANCELLED`.
pub const EVENT_FINISHED: &str = "MCHTRANSFER.BILL.FINISHED";

/// The callback resource's `original_type` (and associated data).
pub const ORIGINAL_TYPE: &str = "mch_payment";

/// From this amount (2,000 yuan) on, WeChat requires the payee's real name.
pub const NAME_REQUIRED_FROM: Money = Money::fen(200_000);

/// Below this amount (0.3 yuan) WeChat does not take a payee's name; from it on a name
/// may be sent, and WeChat then checks it against the account that confirms.
pub const NAME_ALLOWED_FROM: Money = Money::fen(30);

/// The longest `transfer_remark`, in characters (UTF-8 text, shown to the payee).
pub const REMARK_MAX_CHARS: usize = 32;

/// The payee's real name (收款用户姓名), personal data: prints as `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct PayeeName(String);

impl PayeeName {
    /// Wraps a name.
    pub fn new(name: impl Into<String>) -> Self {
        PayeeName(name.into())
    }

    /// The name itself (to encrypt it; never to log it).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PayeeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PayeeName(***)")
    }
}

/// The payee's name sealed for WeChat: RSAES-OAEP (SHA-1, MGF1-SHA-1) under a WeChat Pay
/// platform public key, and the serial (`PUB_KEY_ID_…` or a platform certificate's) that
/// names the key, sent as the request's `Wechatpay-Serial` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedName {
    /// The key's serial.
    pub serial: String,
    /// base64 of the ciphertext.
    pub ciphertext: String,
}

impl EncryptedName {
    /// Seals `name` with the platform public key `key` named `serial`.
    pub fn seal(serial: &str, key: &PublicKey, name: &PayeeName) -> Result<Self> {
        Ok(EncryptedName {
            serial: serial.to_owned(),
            ciphertext: key.encrypt_oaep_sha1(name.expose())?,
        })
    }
}

/// One line of the scene's report (转账场景报备信息), e.g. `岗位类型` / `家政服务人员`; each
/// scene has its own required `info_type`s.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportInfo {
    /// The kind of information, as the scene's rules name it (at most 15 characters).
    pub info_type: String,
    /// Its content (at most 32 characters).
    pub info_content: String,
}

/// A transfer to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferOrder {
    /// Our number for the bill (商户单号): 1-32 letters and digits, unique per merchant.
    /// Retrying with the same number and the same content answers the same bill.
    pub out_bill_no: String,
    /// The transfer scene granted to the merchant (e.g. `1005` 佣金报酬).
    pub transfer_scene_id: String,
    /// The payee's openid under the app.
    pub openid: String,
    /// The payee's real name; required from [`NAME_REQUIRED_FROM`] on. WeChat checks it
    /// against the account that confirms.
    pub user_name: Option<PayeeName>,
    /// In fen.
    pub transfer_amount: Money,
    /// Shown to the payee (at most [`REMARK_MAX_CHARS`] characters).
    pub transfer_remark: String,
    /// Where WeChat posts the bill's callback (HTTPS, no query string).
    pub notify_url: Option<String>,
    /// What the payee is told the money is (用户收款感知), one of the scene's; the scene's
    /// default when `None`.
    pub user_recv_perception: Option<String>,
    /// The scene's report.
    pub transfer_scene_report_infos: Vec<ReportInfo>,
}

/// A built transfer call: the request, and the `Wechatpay-Serial` header it must carry
/// when it holds an encrypted field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferCall {
    /// What is signed and sent.
    pub request: ApiRequest,
    /// The serial of the key that sealed `user_name`, if any.
    pub wechatpay_serial: Option<String>,
}

#[derive(Serialize)]
struct CreateBody<'a> {
    appid: &'a str,
    out_bill_no: &'a str,
    transfer_scene_id: &'a str,
    openid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_name: Option<&'a str>,
    transfer_amount: Money,
    transfer_remark: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_recv_perception: Option<&'a str>,
    transfer_scene_report_infos: &'a [ReportInfo],
}

/// Checks `order` the way WeChat does, refusing what it would refuse.
pub fn validate(order: &TransferOrder) -> Result<()> {
    let no = &order.out_bill_no;
    if no.is_empty() || no.len() > 32 || !no.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Error::invalid(
            "out_bill_no",
            "must be 1-32 letters and digits",
        ));
    }
    if order.transfer_scene_id.is_empty() || order.transfer_scene_id.len() > 36 {
        return Err(Error::invalid(
            "transfer_scene_id",
            "must be 1-36 characters",
        ));
    }
    if order.openid.is_empty() || order.openid.len() > 64 {
        return Err(Error::invalid("openid", "must be 1-64 characters"));
    }
    if order.transfer_amount.as_fen() < 1 {
        return Err(Error::invalid("transfer_amount", "must be at least 1 fen"));
    }
    if order.transfer_amount >= NAME_REQUIRED_FROM && order.user_name.is_none() {
        return Err(Error::invalid(
            "user_name",
            format!(
                "WeChat requires the payee's real name from 2,000 yuan on ({} fen asked)",
                order.transfer_amount.as_fen()
            ),
        ));
    }
    if order.user_name.is_some() && order.transfer_amount < NAME_ALLOWED_FROM {
        return Err(Error::invalid(
            "user_name",
            "WeChat takes the payee's name only from 0.3 yuan on",
        ));
    }
    if matches!(&order.user_name, Some(n) if n.expose().trim().is_empty()) {
        return Err(Error::invalid("user_name", "is empty"));
    }
    let remark = order.transfer_remark.chars().count();
    if remark == 0 || remark > REMARK_MAX_CHARS {
        return Err(Error::invalid(
            "transfer_remark",
            format!("must be 1-{REMARK_MAX_CHARS} characters ({remark} given)"),
        ));
    }
    if let Some(url) = &order.notify_url
        && (url.len() > 256 || url.contains('?') || url.is_empty())
    {
        return Err(Error::invalid(
            "notify_url",
            "must be at most 256 characters and carry no query string",
        ));
    }
    if order.transfer_scene_report_infos.is_empty() {
        return Err(Error::invalid(
            "transfer_scene_report_infos",
            "the scene's report is required",
        ));
    }
    for info in &order.transfer_scene_report_infos {
        let (t, c) = (
            info.info_type.chars().count(),
            info.info_content.chars().count(),
        );
        if t == 0 || t > 15 || c == 0 || c > 32 {
            return Err(Error::invalid(
                "transfer_scene_report_infos",
                "info_type must be 1-15 characters and info_content 1-32",
            ));
        }
    }
    Ok(())
}

/// Builds the create-transfer call for the app `appid`. `sealed` is `order.user_name`
/// encrypted ([`EncryptedName::seal`]); it must be given exactly when the order names the
/// payee.
pub fn create(
    appid: &str,
    order: &TransferOrder,
    sealed: Option<&EncryptedName>,
) -> Result<TransferCall> {
    validate(order)?;
    if appid.is_empty() {
        return Err(Error::Missing("appid"));
    }
    match (&order.user_name, sealed) {
        (Some(_), None) => return Err(Error::Missing("the encrypted user_name")),
        (None, Some(_)) => {
            return Err(Error::invalid(
                "user_name",
                "an encrypted name was given for an order that names no payee",
            ));
        }
        _ => {}
    }
    let body = CreateBody {
        appid,
        out_bill_no: &order.out_bill_no,
        transfer_scene_id: &order.transfer_scene_id,
        openid: &order.openid,
        user_name: sealed.map(|s| s.ciphertext.as_str()),
        transfer_amount: order.transfer_amount,
        transfer_remark: &order.transfer_remark,
        notify_url: order.notify_url.as_deref(),
        user_recv_perception: order.user_recv_perception.as_deref(),
        transfer_scene_report_infos: &order.transfer_scene_report_infos,
    };
    Ok(TransferCall {
        request: ApiRequest {
            method: Method::Post,
            path: PATH.into(),
            body: serde_json::to_string(&body)?,
        },
        wechatpay_serial: sealed.map(|s| s.serial.clone()),
    })
}

/// The query call by our number (`…/out-bill-no/{out_bill_no}`).
pub fn query(out_bill_no: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: format!("{PATH}/out-bill-no/{}", percent_encode(out_bill_no)),
        body: String::new(),
    }
}

/// The query call by WeChat's number (`…/transfer-bill-no/{transfer_bill_no}`).
pub fn query_by_transfer_bill_no(transfer_bill_no: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Get,
        path: format!(
            "{PATH}/transfer-bill-no/{}",
            percent_encode(transfer_bill_no)
        ),
        body: String::new(),
    }
}

/// The cancel call (`POST …/out-bill-no/{out_bill_no}/cancel`, no body for a direct
/// merchant). Accepted only before the payee confirmed.
pub fn cancel(out_bill_no: &str) -> ApiRequest {
    ApiRequest {
        method: Method::Post,
        path: format!("{PATH}/out-bill-no/{}/cancel", percent_encode(out_bill_no)),
        body: String::new(),
    }
}

/// State of a transfer bill (单据状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransferState {
    /// Accepted; retry with the same number if unsure.
    Accepted,
    /// Locking the funds (stays here when the merchant's balance is short).
    Processing,
    /// Waiting for the payee to confirm (`package_info` opens WeChat's confirm page).
    WaitUserConfirm,
    /// Confirmed; the outcome is not known yet (the confirm page may be opened again).
    /// WeChat's spelling.
    Transfering,
    /// The money is in the payee's balance.
    Success,
    /// Failed: see `fail_reason`.
    Fail,
    /// The merchant's cancellation is under way.
    Canceling,
    /// Cancelled; the money is back with the merchant.
    Cancelled,
}

impl TransferState {
    /// `SUCCESS`, `FAIL` and `CANCELLED` never change again.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TransferState::Success | TransferState::Fail | TransferState::Cancelled
        )
    }

    /// Before the payee confirmed: the merchant may still cancel.
    pub fn is_cancellable(self) -> bool {
        matches!(
            self,
            TransferState::Accepted | TransferState::Processing | TransferState::WaitUserConfirm
        )
    }

    /// The name WeChat uses.
    pub fn as_str(self) -> &'static str {
        match self {
            TransferState::Accepted => "ACCEPTED",
            TransferState::Processing => "PROCESSING",
            TransferState::WaitUserConfirm => "WAIT_USER_CONFIRM",
            TransferState::Transfering => "TRANSFERING",
            TransferState::Success => "SUCCESS",
            TransferState::Fail => "FAIL",
            TransferState::Canceling => "CANCELING",
            TransferState::Cancelled => "CANCELLED",
        }
    }
}

/// The reply to a create call (also to a repeated one: the bill as it stands).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    /// Ours.
    pub out_bill_no: String,
    /// WeChat's number for the bill.
    pub transfer_bill_no: String,
    /// When WeChat created it.
    pub create_time: DateTime<FixedOffset>,
    /// Its state.
    pub state: TransferState,
    /// Why it failed, when `FAIL` (e.g. `PAYEE_ACCOUNT_ABNORMAL`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// What opens WeChat's confirm page, when `WAIT_USER_CONFIRM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package_info: Option<String>,
}

impl Created {
    /// Parses a create reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// A bill as the query calls report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferBill {
    /// The merchant (`mch_id`, as the query reply spells it).
    pub mch_id: String,
    /// Ours.
    pub out_bill_no: String,
    /// WeChat's.
    pub transfer_bill_no: String,
    /// The app.
    pub appid: String,
    /// Its state.
    pub state: TransferState,
    /// In fen.
    pub transfer_amount: Money,
    /// The remark shown to the payee.
    pub transfer_remark: String,
    /// Why it failed, when `FAIL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// The payee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// The payee's name, encrypted, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// When it was created.
    pub create_time: DateTime<FixedOffset>,
    /// When its state last changed.
    pub update_time: DateTime<FixedOffset>,
}

impl TransferBill {
    /// Parses a query reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// The reply to a cancel call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelReply {
    /// Ours.
    pub out_bill_no: String,
    /// WeChat's.
    pub transfer_bill_no: String,
    /// `CANCELING` (or `CANCELLED` once done).
    pub state: TransferState,
    /// When the state changed.
    pub update_time: DateTime<FixedOffset>,
}

impl CancelReply {
    /// Parses a cancel reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// The decrypted resource of a `MCHTRANSFER.BILL.FINISHED` callback.
///
/// The merchant field is `mch_id` in the query reply and in the WxJava SDK's model of this
/// callback, `mchid` in one third-party transcript of it; both are read, `mch_id` is what
/// the simulator sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferNotice {
    /// The merchant.
    #[serde(alias = "mchid")]
    pub mch_id: String,
    /// Ours.
    pub out_bill_no: String,
    /// WeChat's.
    pub transfer_bill_no: String,
    /// `SUCCESS`, `FAIL` or `CANCELLED`.
    pub state: TransferState,
    /// In fen.
    pub transfer_amount: Money,
    /// The payee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// Why it failed, when `FAIL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// When it was created.
    pub create_time: DateTime<FixedOffset>,
    /// When it reached this state.
    pub update_time: DateTime<FixedOffset>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(fen: i64) -> TransferOrder {
        TransferOrder {
            out_bill_no: "WD20261206000001".into(),
            transfer_scene_id: "1005".into(),
            openid: "oSIMpayee".into(),
            user_name: None,
            transfer_amount: Money::fen(fen),
            transfer_remark: "到家服务收入提现".into(),
            notify_url: Some("https://daojia.example/api/v1/pay/notify/wechat-transfer".into()),
            user_recv_perception: Some("劳务报酬".into()),
            transfer_scene_report_infos: vec![ReportInfo {
                info_type: "岗位类型".into(),
                info_content: "家政服务人员".into(),
            }],
        }
    }

    #[test]
    fn the_body_names_every_field_as_wechat_does_and_omits_absent_ones() {
        let mut o = order(12_345);
        o.notify_url = None;
        o.user_recv_perception = None;
        let call = create("wx1", &o, None).unwrap();
        assert_eq!(
            call.request.path,
            "/v3/fund-app/mch-transfer/transfer-bills"
        );
        assert_eq!(call.wechatpay_serial, None);
        assert_eq!(
            call.request.body,
            r#"{"appid":"wx1","out_bill_no":"WD20261206000001","transfer_scene_id":"1005","openid":"oSIMpayee","transfer_amount":12345,"transfer_remark":"到家服务收入提现","transfer_scene_report_infos":[{"info_type":"岗位类型","info_content":"家政服务人员"}]}"#
        );
    }

    #[test]
    fn what_wechat_would_refuse_is_refused_before_any_call() {
        let refused = |o: TransferOrder| match create("wx1", &o, None) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(refused(order(0)), "transfer_amount");
        assert_eq!(refused(order(-5)), "transfer_amount");
        // 2,000 yuan needs the payee's name; 1 fen less does not.
        assert_eq!(refused(order(200_000)), "user_name");
        assert!(create("wx1", &order(199_999), None).is_ok());
        // A name is not taken below 0.3 yuan; from it on it is.
        let named = |fen| {
            let mut o = order(fen);
            o.user_name = Some(PayeeName::new("张三"));
            validate(&o)
        };
        assert!(matches!(
            named(29),
            Err(Error::Invalid {
                field: "user_name",
                ..
            })
        ));
        assert!(named(30).is_ok());
        let mut o = order(100);
        o.transfer_remark = "一".repeat(33);
        assert_eq!(refused(o.clone()), "transfer_remark");
        o.transfer_remark = "一".repeat(32);
        assert!(create("wx1", &o, None).is_ok());
        o.out_bill_no = "WD-1".into();
        assert_eq!(refused(o.clone()), "out_bill_no");
        o.out_bill_no = "W".repeat(33);
        assert_eq!(refused(o), "out_bill_no");
        let mut o = order(100);
        o.notify_url = Some("https://d.example/n?x=1".into());
        assert_eq!(refused(o), "notify_url");
        let mut o = order(100);
        o.transfer_scene_report_infos.clear();
        assert_eq!(refused(o), "transfer_scene_report_infos");
    }

    #[test]
    fn a_named_payee_needs_the_sealed_name_and_its_serial_travels_with_the_call() {
        let mut o = order(250_000);
        o.user_name = Some(PayeeName::new("张三"));
        assert!(matches!(create("wx1", &o, None), Err(Error::Missing(_))));
        let sealed = EncryptedName {
            serial: "PUB_KEY_ID_1".into(),
            ciphertext: "c2VhbGVk".into(),
        };
        let call = create("wx1", &o, Some(&sealed)).unwrap();
        assert_eq!(call.wechatpay_serial.as_deref(), Some("PUB_KEY_ID_1"));
        assert!(
            call.request
                .body
                .contains(r#""user_name":"c2VhbGVk","transfer_amount":250000"#)
        );
        assert!(create("wx1", &order(100), Some(&sealed)).is_err());
        assert_eq!(format!("{:?}", o.user_name), "Some(PayeeName(***))");
    }

    #[test]
    fn query_and_cancel_paths_carry_the_numbers() {
        assert_eq!(
            query("WD1").path,
            "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/WD1"
        );
        assert_eq!(
            query_by_transfer_bill_no("1330000071100999991182020050700019480001").path,
            "/v3/fund-app/mch-transfer/transfer-bills/transfer-bill-no/1330000071100999991182020050700019480001"
        );
        let c = cancel("WD1");
        assert_eq!(
            (c.method, c.path.as_str(), c.body.as_str()),
            (
                Method::Post,
                "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/WD1/cancel",
                ""
            )
        );
    }

    #[test]
    fn replies_and_the_callback_resource_parse_with_wechats_spellings() {
        let c = Created::parse(
            r#"{"out_bill_no":"plfk2020042013","transfer_bill_no":"1330000071100999991182020050700019480001","create_time":"2015-05-20T13:29:35.120+08:00","state":"WAIT_USER_CONFIRM","package_info":"affffddafdfafddffda=="}"#,
        )
        .unwrap();
        assert_eq!(c.state, TransferState::WaitUserConfirm);
        assert_eq!(c.package_info.as_deref(), Some("affffddafdfafddffda=="));
        let n: TransferNotice = serde_json::from_str(
            r#"{"mchid":"1900001109","out_bill_no":"plfk2020042013","transfer_bill_no":"1330000071100999991182020050700019480001","state":"FAIL","transfer_amount":400000,"fail_reason":"PAYEE_ACCOUNT_ABNORMAL","openid":"o-MYE42l80oelYMDE34nYD456Xoy","create_time":"2015-05-20T13:29:35.120+08:00","update_time":"2015-05-20T13:29:36+08:00"}"#,
        )
        .unwrap();
        assert_eq!(n.mch_id, "1900001109");
        assert_eq!(n.transfer_amount, Money::fen(400_000));
        assert!(n.state.is_final() && !n.state.is_cancellable());
        assert!(TransferState::WaitUserConfirm.is_cancellable());
        assert!(!TransferState::Transfering.is_cancellable());
        for s in [
            "ACCEPTED",
            "PROCESSING",
            "TRANSFERING",
            "CANCELING",
            "CANCELLED",
        ] {
            let st: TransferState = serde_json::from_str(&format!("\"{s}\"")).unwrap();
            assert_eq!(st.as_str(), s);
        }
    }
}
