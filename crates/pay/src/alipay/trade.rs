//! The trade calls: their `biz_content` and the parsing of their (verified) reply members.
//! A reply whose `code` is not `10000` is a business error ([`Error::Channel`] with the
//! `sub_code`, e.g. `ACQ.TRADE_NOT_EXIST`).

use super::amount::{from_yuan, to_yuan};
use crate::error::{Error, Result};
use chrono::NaiveDate;
use daojia_domain::money::Money;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// `alipay.trade.wap.pay`: payment in a mobile browser (a page the browser is sent to).
pub const WAP_PAY: &str = "alipay.trade.wap.pay";
/// `alipay.trade.precreate`: a QR code the payer scans.
pub const PRECREATE: &str = "alipay.trade.precreate";
/// `alipay.trade.query`.
pub const QUERY: &str = "alipay.trade.query";
/// `alipay.trade.close`.
pub const CLOSE: &str = "alipay.trade.close";
/// `alipay.trade.refund`.
pub const REFUND: &str = "alipay.trade.refund";
/// `alipay.trade.fastpay.refund.query`.
pub const REFUND_QUERY: &str = "alipay.trade.fastpay.refund.query";
/// `alipay.data.dataservice.bill.downloadurl.query`.
pub const BILL_URL: &str = "alipay.data.dataservice.bill.downloadurl.query";

/// A payment to create (WAP pay or precreate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayOrder {
    /// Our payment intent's number (≤ 64 characters).
    pub out_trade_no: String,
    /// In fen, at least 1.
    pub amount: Money,
    /// Shown to the payer (≤ 256 characters).
    pub subject: String,
    /// Where the cashier's "back" button goes (WAP pay).
    pub quit_url: Option<String>,
    /// Last moment to pay, `yyyy-MM-dd HH:mm:ss` China time.
    pub time_expire: Option<String>,
}

#[derive(Serialize)]
struct PayBody<'a> {
    out_trade_no: &'a str,
    total_amount: String,
    subject: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quit_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_expire: Option<&'a str>,
}

fn pay_body(order: &PayOrder, product_code: Option<&'static str>) -> Result<String> {
    if order.out_trade_no.is_empty() || order.out_trade_no.len() > 64 {
        return Err(Error::invalid("out_trade_no", "must be 1-64 characters"));
    }
    if order.amount.as_fen() < 1 {
        return Err(Error::invalid("amount", "must be at least 1 fen"));
    }
    if order.subject.is_empty() || order.subject.chars().count() > 256 {
        return Err(Error::invalid("subject", "must be 1-256 characters"));
    }
    Ok(serde_json::to_string(&PayBody {
        out_trade_no: &order.out_trade_no,
        total_amount: to_yuan(order.amount)?,
        subject: &order.subject,
        product_code,
        quit_url: order.quit_url.as_deref(),
        time_expire: order.time_expire.as_deref(),
    })?)
}

/// `biz_content` of a WAP payment (`product_code` `QUICK_WAP_WAY`).
pub fn wap_pay(order: &PayOrder) -> Result<String> {
    pay_body(order, Some("QUICK_WAP_WAY"))
}

/// `biz_content` of a precreate (QR) payment.
pub fn precreate(order: &PayOrder) -> Result<String> {
    pay_body(order, None)
}

/// `biz_content` of query and close: by our number.
pub fn by_out_trade_no(out_trade_no: &str) -> String {
    serde_json::json!({ "out_trade_no": out_trade_no }).to_string()
}

/// A refund to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    /// The payment's number of ours.
    pub out_trade_no: String,
    /// Our refund's number (`out_request_no`): needed for partial refunds; retrying with
    /// the same number is idempotent at Alipay.
    pub out_request_no: String,
    /// In fen, at least 1.
    pub amount: Money,
    /// Shown to the payer.
    pub reason: Option<String>,
}

/// `biz_content` of a refund.
pub fn refund(order: &RefundOrder) -> Result<String> {
    if order.amount.as_fen() < 1 {
        return Err(Error::invalid("refund_amount", "must be at least 1 fen"));
    }
    if order.out_request_no.is_empty() || order.out_request_no.len() > 64 {
        return Err(Error::invalid("out_request_no", "must be 1-64 characters"));
    }
    let mut body = serde_json::json!({
        "out_trade_no": order.out_trade_no,
        "refund_amount": to_yuan(order.amount)?,
        "out_request_no": order.out_request_no,
    });
    if let Some(reason) = &order.reason {
        body["refund_reason"] = reason.as_str().into();
    }
    Ok(body.to_string())
}

/// `biz_content` of a refund query.
pub fn refund_query(out_trade_no: &str, out_request_no: &str) -> String {
    serde_json::json!({ "out_trade_no": out_trade_no, "out_request_no": out_request_no })
        .to_string()
}

/// Which bill (`trade`: our trades; `signcustomer`: account flows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillType {
    /// Trades (业务账单).
    Trade,
    /// Account flows (账务账单).
    SignCustomer,
}

/// `biz_content` of the bill download URL query for one day.
pub fn bill_url(kind: BillType, date: NaiveDate) -> String {
    let kind = match kind {
        BillType::Trade => "trade",
        BillType::SignCustomer => "signcustomer",
    };
    serde_json::json!({ "bill_type": kind, "bill_date": date.to_string() }).to_string()
}

/// State of an Alipay trade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeStatus {
    /// Created, waiting for the payer.
    WaitBuyerPay,
    /// Closed unpaid, or fully refunded.
    TradeClosed,
    /// Paid; refunds still possible.
    TradeSuccess,
    /// Paid and final; no more refunds.
    TradeFinished,
}

impl TradeStatus {
    /// Reads Alipay's spelling.
    pub fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "WAIT_BUYER_PAY" => TradeStatus::WaitBuyerPay,
            "TRADE_CLOSED" => TradeStatus::TradeClosed,
            "TRADE_SUCCESS" => TradeStatus::TradeSuccess,
            "TRADE_FINISHED" => TradeStatus::TradeFinished,
            other => return Err(Error::invalid("trade_status", format!("unknown `{other}`"))),
        })
    }
}

#[derive(Deserialize)]
struct Head {
    code: String,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    sub_code: Option<String>,
    #[serde(default)]
    sub_msg: Option<String>,
}

/// Parses a verified reply member; a `code` other than `10000` is [`Error::Channel`].
fn parse<T: DeserializeOwned>(member: &str) -> Result<T> {
    let head: Head = serde_json::from_str(member)?;
    if head.code != "10000" {
        return Err(Error::Channel {
            code: head.sub_code.unwrap_or(head.code),
            message: head.sub_msg.unwrap_or(head.msg),
        });
    }
    Ok(serde_json::from_str(member)?)
}

/// The precreate reply: the QR code's content.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Precreated {
    /// Our number.
    pub out_trade_no: String,
    /// Draw this as a QR code.
    pub qr_code: String,
}

/// Parses a verified precreate reply member.
pub fn parse_precreate(member: &str) -> Result<Precreated> {
    parse(member)
}

#[derive(Deserialize)]
struct QueryRaw {
    trade_no: String,
    out_trade_no: String,
    trade_status: String,
    total_amount: String,
    #[serde(default)]
    send_pay_date: Option<String>,
    #[serde(default)]
    buyer_logon_id: Option<String>,
}

/// The query reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    /// Alipay's number.
    pub trade_no: String,
    /// Ours.
    pub out_trade_no: String,
    /// The state.
    pub trade_status: TradeStatus,
    /// In fen.
    pub total_amount: Money,
    /// When it was paid (China time).
    pub send_pay_date: Option<String>,
    /// The payer's masked account.
    pub buyer_logon_id: Option<String>,
}

/// Parses a verified query reply member.
pub fn parse_query(member: &str) -> Result<Trade> {
    let raw: QueryRaw = parse(member)?;
    Ok(Trade {
        trade_status: TradeStatus::parse(&raw.trade_status)?,
        total_amount: from_yuan(&raw.total_amount)?,
        trade_no: raw.trade_no,
        out_trade_no: raw.out_trade_no,
        send_pay_date: raw.send_pay_date,
        buyer_logon_id: raw.buyer_logon_id,
    })
}

/// The close reply.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Closed {
    /// Ours.
    pub out_trade_no: String,
    /// Alipay's number, when the trade had one.
    #[serde(default)]
    pub trade_no: Option<String>,
}

/// Parses a verified close reply member.
pub fn parse_close(member: &str) -> Result<Closed> {
    parse(member)
}

#[derive(Deserialize)]
struct RefundRaw {
    trade_no: String,
    out_trade_no: String,
    refund_fee: String,
    #[serde(default)]
    fund_change: Option<String>,
}

/// The refund reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// Alipay's number of the payment.
    pub trade_no: String,
    /// Ours.
    pub out_trade_no: String,
    /// Refunded on this trade so far, in fen.
    pub refund_fee: Money,
    /// False when this call moved no money (a retry of a refund already made).
    pub fund_change: bool,
}

/// Parses a verified refund reply member.
pub fn parse_refund(member: &str) -> Result<Refunded> {
    let raw: RefundRaw = parse(member)?;
    Ok(Refunded {
        refund_fee: from_yuan(&raw.refund_fee)?,
        fund_change: raw.fund_change.as_deref() == Some("Y"),
        trade_no: raw.trade_no,
        out_trade_no: raw.out_trade_no,
    })
}

#[derive(Deserialize)]
struct RefundQueryRaw {
    #[serde(default)]
    out_request_no: Option<String>,
    #[serde(default)]
    refund_amount: Option<String>,
    #[serde(default)]
    refund_status: Option<String>,
}

/// The refund query reply. An absent refund (never made, or still being made) has no
/// amount; `REFUND_SUCCESS` is the only success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundState {
    /// Our refund number, when the refund exists.
    pub out_request_no: Option<String>,
    /// In fen, when the refund exists.
    pub refund_amount: Option<Money>,
    /// True when `refund_status` is `REFUND_SUCCESS`.
    pub succeeded: bool,
}

/// Parses a verified refund query reply member.
pub fn parse_refund_query(member: &str) -> Result<RefundState> {
    let raw: RefundQueryRaw = parse(member)?;
    Ok(RefundState {
        refund_amount: raw.refund_amount.as_deref().map(from_yuan).transpose()?,
        succeeded: raw.refund_status.as_deref() == Some("REFUND_SUCCESS"),
        out_request_no: raw.out_request_no,
    })
}

#[derive(Deserialize)]
struct BillRaw {
    bill_download_url: String,
}

/// Parses a verified bill URL reply member: the (short-lived) download URL.
pub fn parse_bill_url(member: &str) -> Result<String> {
    let raw: BillRaw = parse(member)?;
    Ok(raw.bill_download_url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_errors_carry_the_sub_code() {
        let err = parse_query(r#"{"code":"40004","msg":"Business Failed","sub_code":"ACQ.TRADE_NOT_EXIST","sub_msg":"交易不存在"}"#)
            .unwrap_err();
        assert!(matches!(err, Error::Channel { code, .. } if code == "ACQ.TRADE_NOT_EXIST"));
    }

    #[test]
    fn a_query_reply_reads_into_fen_and_a_state() {
        let t = parse_query(r#"{"code":"10000","msg":"Success","trade_no":"T","out_trade_no":"O","trade_status":"TRADE_SUCCESS","total_amount":"88.88"}"#).unwrap();
        assert_eq!(t.total_amount, Money::fen(8888));
        assert_eq!(t.trade_status, TradeStatus::TradeSuccess);
    }

    #[test]
    fn wap_pay_content_uses_yuan_and_the_wap_product() {
        let body = wap_pay(&PayOrder {
            out_trade_no: "PI1".into(),
            amount: Money::fen(14900),
            subject: "保洁".into(),
            quit_url: None,
            time_expire: None,
        })
        .unwrap();
        assert_eq!(
            body,
            r#"{"out_trade_no":"PI1","total_amount":"149.00","subject":"保洁","product_code":"QUICK_WAP_WAY"}"#
        );
    }
}
