//! Refunds (`/v3/refund/domestic/refunds`): the request, its reply and query, and the refund
//! callback's resource. One path for both modes; partner mode adds `sub_mchid`.

use super::Merchant;
use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use chrono::{DateTime, FixedOffset};
use daojia_domain::money::Money;
use serde::{Deserialize, Serialize};

/// Which payment is refunded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TradeRef {
    /// By our payment intent's number.
    OutTradeNo(String),
    /// By WeChat's transaction id.
    TransactionId(String),
}

/// A refund to ask for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundOrder {
    /// The payment refunded.
    pub trade: TradeRef,
    /// Our refund's number (商户退款单号), unique per merchant; retrying with the same
    /// number is idempotent at WeChat.
    pub out_refund_no: String,
    /// Shown to the payer.
    pub reason: Option<String>,
    /// Where WeChat sends the refund callback.
    pub notify_url: Option<String>,
    /// Amount refunded now, in fen.
    pub refund: Money,
    /// The original payment's total, in fen.
    pub total: Money,
}

#[derive(Serialize)]
struct RefundAmountOut {
    refund: Money,
    total: Money,
    currency: &'static str,
}

#[derive(Serialize)]
struct RefundBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    out_trade_no: Option<&'a str>,
    out_refund_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notify_url: Option<&'a str>,
    amount: RefundAmountOut,
}

/// Builds the refund call. Refuses a refund of nothing or of more than the total.
pub fn create(merchant: &Merchant, order: &RefundOrder) -> Result<ApiRequest> {
    if order.refund.as_fen() < 1 {
        return Err(Error::invalid("refund", "must be at least 1 fen"));
    }
    if order.refund > order.total {
        return Err(Error::invalid(
            "refund",
            format!(
                "{} fen is more than the payment's {} fen",
                order.refund.as_fen(),
                order.total.as_fen()
            ),
        ));
    }
    if order.out_refund_no.is_empty() || order.out_refund_no.len() > 64 {
        return Err(Error::invalid("out_refund_no", "must be 1-64 characters"));
    }
    let (transaction_id, out_trade_no) = match &order.trade {
        TradeRef::OutTradeNo(n) => (None, Some(n.as_str())),
        TradeRef::TransactionId(id) => (Some(id.as_str()), None),
    };
    let body = RefundBody {
        sub_mchid: sub_mchid(merchant),
        transaction_id,
        out_trade_no,
        out_refund_no: &order.out_refund_no,
        reason: order.reason.as_deref(),
        notify_url: order.notify_url.as_deref(),
        amount: RefundAmountOut {
            refund: order.refund,
            total: order.total,
            currency: "CNY",
        },
    };
    Ok(ApiRequest {
        method: Method::Post,
        path: "/v3/refund/domestic/refunds".into(),
        body: serde_json::to_string(&body)?,
    })
}

/// The query-refund call, by our refund number.
pub fn query(merchant: &Merchant, out_refund_no: &str) -> ApiRequest {
    let mut path = format!(
        "/v3/refund/domestic/refunds/{}",
        percent_encode(out_refund_no)
    );
    if let Some(sub) = sub_mchid(merchant) {
        path.push_str(&format!("?sub_mchid={}", percent_encode(sub)));
    }
    ApiRequest {
        method: Method::Get,
        path,
        body: String::new(),
    }
}

fn sub_mchid(merchant: &Merchant) -> Option<&str> {
    match merchant {
        Merchant::Direct { .. } => None,
        Merchant::Partner { sub_mchid, .. } => Some(sub_mchid),
    }
}

/// State of a refund (`status` in replies, `refund_status` in callbacks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    /// The money is back with the payer.
    Success,
    /// Closed without refunding.
    Closed,
    /// In progress.
    Processing,
    /// Stuck (e.g. the payer's card was cancelled): needs a person.
    Abnormal,
}

/// Amounts of a refund, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    /// The original payment's total.
    pub total: Money,
    /// Refunded by this refund.
    pub refund: Money,
    /// What the payer paid originally.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<Money>,
    /// What goes back to the payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_refund: Option<Money>,
    /// `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// A refund as WeChat reports it in the refund and query replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// WeChat's refund id.
    pub refund_id: String,
    /// Ours.
    pub out_refund_no: String,
    /// The payment's WeChat id.
    pub transaction_id: String,
    /// The payment's number of ours.
    pub out_trade_no: String,
    /// `ORIGINAL`, `BALANCE`, `OTHER_BALANCE`, `OTHER_BANKCARD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Where the money went, e.g. `招商银行信用卡0403`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_received_account: Option<String>,
    /// When it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<DateTime<FixedOffset>>,
    /// When it was accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<DateTime<FixedOffset>>,
    /// Its state.
    pub status: RefundStatus,
    /// How much.
    pub amount: RefundAmount,
}

impl Refund {
    /// Parses a refund or refund-query reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// The decrypted resource of a refund callback (`REFUND.SUCCESS`, `REFUND.ABNORMAL`,
/// `REFUND.CLOSED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotice {
    /// Direct mode merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// Partner mode: the service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// Partner mode: the sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The payment's number of ours.
    pub out_trade_no: String,
    /// The payment's WeChat id.
    pub transaction_id: String,
    /// Our refund number.
    pub out_refund_no: String,
    /// WeChat's refund id.
    pub refund_id: String,
    /// The refund's state.
    pub refund_status: RefundStatus,
    /// When it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<DateTime<FixedOffset>>,
    /// Where the money went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_received_account: Option<String>,
    /// How much.
    pub amount: RefundAmount,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(refund: i64) -> RefundOrder {
        RefundOrder {
            trade: TradeRef::TransactionId("4200000000202612031234567890".into()),
            out_refund_no: "RF20261203000001".into(),
            reason: None,
            notify_url: None,
            refund: Money::fen(refund),
            total: Money::fen(14900),
        }
    }

    #[test]
    fn a_refund_names_the_payment_and_the_amounts_in_fen() {
        let partner = Merchant::Partner {
            sp_appid: "wx8".into(),
            sp_mchid: "1230000109".into(),
            sub_appid: None,
            sub_mchid: "1900000109".into(),
        };
        let req = create(&partner, &order(4900)).unwrap();
        assert_eq!(req.path, "/v3/refund/domestic/refunds");
        assert_eq!(
            req.body,
            r#"{"sub_mchid":"1900000109","transaction_id":"4200000000202612031234567890","out_refund_no":"RF20261203000001","amount":{"refund":4900,"total":14900,"currency":"CNY"}}"#
        );
        assert_eq!(
            query(&partner, "RF20261203000001").path,
            "/v3/refund/domestic/refunds/RF20261203000001?sub_mchid=1900000109"
        );
    }

    #[test]
    fn refunds_of_nothing_or_of_more_than_was_paid_are_refused() {
        let m = Merchant::Direct {
            appid: "wx".into(),
            mchid: "1900009191".into(),
        };
        assert!(create(&m, &order(14900)).is_ok());
        assert!(matches!(
            create(&m, &order(14901)),
            Err(Error::Invalid {
                field: "refund",
                ..
            })
        ));
        assert!(create(&m, &order(0)).is_err());
    }
}
