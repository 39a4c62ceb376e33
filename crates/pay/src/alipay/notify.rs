//! Alipay's asynchronous notification: a form POST whose fields are verified
//! ([`super::verify::verify_notification`]) and then read as a typed trade notification.
//! Alipay expects the literal answer `success`; anything else makes it redeliver.

use super::amount::from_yuan;
use super::sign::Params;
use super::trade::TradeStatus;
use crate::error::{Error, Result};
use crate::http::form_decode;
use daojia_domain::money::Money;

/// The body to answer a notification that was handled (or was a known duplicate).
pub const SUCCESS_ANSWER: &str = "success";

/// Decodes an `application/x-www-form-urlencoded` body into its fields. A field given twice
/// is refused (one of them would not be covered by what we check).
pub fn parse_form(body: &str) -> Result<Params> {
    let mut params = Params::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = form_decode(k).ok_or_else(|| Error::invalid("notification", "bad escape"))?;
        let v = form_decode(v).ok_or_else(|| Error::invalid("notification", "bad escape"))?;
        if params.insert(k.clone(), v).is_some() {
            return Err(Error::invalid(
                "notification",
                format!("field `{k}` repeated"),
            ));
        }
    }
    Ok(params)
}

/// A verified trade notification (`notify_type` `trade_status_sync`), the fields Daojia acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TradeNotification {
    /// Alipay's id of this notification (the same for redeliveries).
    pub notify_id: String,
    /// Our payment intent's number.
    pub out_trade_no: String,
    /// Alipay's trade number.
    pub trade_no: String,
    /// The trade's state.
    pub trade_status: TradeStatus,
    /// Order total, in fen.
    pub total_amount: Money,
    /// What we receive, in fen (absent before payment).
    pub receipt_amount: Option<Money>,
    /// Refunded so far, in fen (refund notifications).
    pub refund_fee: Option<Money>,
    /// When it was paid (`yyyy-MM-dd HH:mm:ss`, China time).
    pub gmt_payment: Option<String>,
    /// The seller (our merchant PID), to check against configuration.
    pub seller_id: Option<String>,
}

impl TradeNotification {
    /// Reads the fields of a notification that has been verified.
    pub fn from_params(params: &Params) -> Result<Self> {
        let get = |k: &'static str| {
            params
                .get(k)
                .filter(|v| !v.is_empty())
                .cloned()
                .ok_or(Error::Missing(k))
        };
        let opt = |k: &str| params.get(k).filter(|v| !v.is_empty()).cloned();
        let money = |k: &str| opt(k).map(|v| from_yuan(&v)).transpose();
        Ok(TradeNotification {
            notify_id: get("notify_id")?,
            out_trade_no: get("out_trade_no")?,
            trade_no: get("trade_no")?,
            trade_status: TradeStatus::parse(&get("trade_status")?)?,
            total_amount: from_yuan(&get("total_amount")?)?,
            receipt_amount: money("receipt_amount")?,
            refund_fee: money("refund_fee")?,
            gmt_payment: opt("gmt_payment"),
            seller_id: opt("seller_id"),
        })
    }
}
