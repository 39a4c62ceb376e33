//! What the simulator holds, as JSON: every trade, refund and transfer it made, for a test or
//! an operator to compare with the merchant's records (`GET /admin/trades`). When the
//! simulator runs in a process of its own (`daojia paysim`), this is the vendors' side of
//! the books that a kill test holds the server to.

use super::{Simulator, TradeState, Vendor, text};
use crate::channel::HttpResponse;
use serde_json::{Value, json};

/// Where the trades are listed (relative to the simulator).
pub(super) const TRADES_PATH: &str = "/admin/trades";

fn vendor(v: Vendor) -> &'static str {
    match v {
        Vendor::Wechat => "wechat",
        Vendor::Alipay => "alipay",
    }
}

fn state(s: TradeState) -> &'static str {
    match s {
        TradeState::Open => "open",
        TradeState::Paid => "paid",
        TradeState::Failed => "failed",
        TradeState::Closed => "closed",
    }
}

impl Simulator {
    /// Every trade it holds, by the merchant's number.
    pub fn trades(&self) -> Vec<super::Trade> {
        self.lock().trades.values().cloned().collect()
    }

    /// Its trades, refunds and transfers as JSON: `{"trades": [{"vendor", "out_trade_no",
    /// "trade_no", "amount_fen", "state", "refunded_fen", "paid_at"}], "refunds":
    /// [{"refund_no", "refund_id", "out_trade_no", "amount_fen", "at"}], "transfers":
    /// [{"out_bill_no", "transfer_bill_no", "openid", "amount_fen", "state" (WeChat's, e.g.
    /// `WAIT_USER_CONFIRM`), "fail_reason", "created_at", "updated_at"}]}`.
    pub fn books(&self) -> Value {
        let st = self.lock();
        let trades: Vec<Value> = st
            .trades
            .values()
            .map(|t| {
                json!({
                    "vendor": vendor(t.vendor), "out_trade_no": t.out_trade_no,
                    "trade_no": t.trade_no, "amount_fen": t.amount.as_fen(),
                    "state": state(t.state), "refunded_fen": t.refunded.as_fen(),
                    "paid_at": t.paid_at,
                })
            })
            .collect();
        let refunds: Vec<Value> = st
            .refunds
            .values()
            .map(|r| {
                json!({
                    "refund_no": r.refund_no, "refund_id": r.refund_id,
                    "out_trade_no": r.out_trade_no, "amount_fen": r.amount.as_fen(), "at": r.at,
                })
            })
            .collect();
        let transfers: Vec<Value> = st
            .transfers
            .values()
            .map(|b| {
                json!({
                    "out_bill_no": b.out_bill_no, "transfer_bill_no": b.transfer_bill_no,
                    "openid": b.openid, "amount_fen": b.amount.as_fen(),
                    "state": b.state.as_str(), "fail_reason": b.fail_reason,
                    "created_at": b.created_at, "updated_at": b.updated_at,
                })
            })
            .collect();
        json!({ "trades": trades, "refunds": refunds, "transfers": transfers })
    }
}

/// `GET /admin/trades`.
pub(super) fn trades(sim: &Simulator) -> HttpResponse {
    text(200, "application/json", &sim.books().to_string())
}
