//! A channel's daily bill in domain-neutral terms: one [`BillLine`] per payment or refund
//! the channel settled that day, read from the vendor's file by [`parse_bill`].

use super::ChannelKind;
use crate::error::Result;
use chrono::NaiveDateTime;
use daojia_domain::money::Money;

/// What a bill line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BillLineKind {
    /// A successful payment.
    Payment,
    /// A refund.
    Refund,
}

/// One line of a channel's bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillLine {
    /// Payment or refund.
    pub kind: BillLineKind,
    /// Our payment intent's number (`out_trade_no`; for a refund, the trade refunded).
    pub intent: String,
    /// The channel's trade number.
    pub channel_trade_no: String,
    /// Our refund number (refunds only).
    pub refund: Option<String>,
    /// The channel's refund number (refunds only; Alipay repeats ours).
    pub channel_refund_no: Option<String>,
    /// For a payment what was paid, for a refund what was refunded, in fen.
    pub amount: Money,
    /// When it happened, China time.
    pub at: NaiveDateTime,
    /// The state the channel reports (`SUCCESS`, `REFUND`, `交易`, `退款`, …).
    pub state: String,
    /// The channel's fee on the line, in fen, as the bill states it (WeChat's `手续费`,
    /// Alipay's `服务费（元）`): positive when the channel took it (a payment), negative
    /// when it gave it back (a refund), zero when it charged none.
    pub fee: Money,
}

/// The channel's fee on `amount` at the simulator's rate (0.6%), rounded half up to the
/// fen: what the simulated channels take on a payment and give back on a refund, in both
/// the trade bill and the fund bill.
pub fn fee_on(amount: Money) -> Money {
    let fen = amount.as_fen();
    let fee = (fen.abs() * 6 + 500) / 1000;
    Money::fen(if fen < 0 { -fee } else { fee })
}

/// Reads a bill file as the channel serves it: WeChat's CSV, Alipay's zip.
pub fn parse_bill(kind: ChannelKind, file: &[u8]) -> Result<Vec<BillLine>> {
    match kind {
        ChannelKind::Wechat => {
            let text = std::str::from_utf8(file)
                .map_err(|_| crate::Error::invalid("bill", "a WeChat bill is UTF-8 text"))?;
            crate::wechat::bill::parse_trade_bill(text)
        }
        ChannelKind::Alipay => crate::alipay::bill::parse_trade_bill(file),
    }
}
