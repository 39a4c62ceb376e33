//! The simulator's fund flow bill (资金账单) of the basic account: what it did with the
//! merchant's WeChat Pay balance on a China date — payments in with their fee out, refunds
//! out with the fee given back, transfers to users' balances out (once they succeeded) —
//! served like WeChat Pay serves it (`GET /v3/bill/fundflowbill` → a download URL and the
//! file's SHA1, then the CSV). The balance runs over everything it ever did. Differences
//! planted for a day's WeChat bill ([`Simulator::plant`]) apply here too: the vendor's books
//! say the same thing in both bills.

use super::bills::Plant;
use super::{Simulator, TradeState, Vendor, random_digits};
use crate::wechat::fund_bill::{FundKind, FundLine, fee_on, render_fund_bill};
use crate::wechat::transfer::TransferState;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use daojia_domain::money::Money;
use serde_json::json;
use sha1::{Digest, Sha1};

/// China time to the second, as the bill prints it.
fn local(t: DateTime<Utc>) -> NaiveDateTime {
    let t = DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t);
    t.with_timezone(&FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"))
        .naive_local()
}

fn line(
    kind: FundKind,
    income: bool,
    amount: Money,
    at: NaiveDateTime,
    wechat_no: &str,
    voucher: &str,
) -> FundLine {
    FundLine {
        kind,
        income,
        amount,
        balance: Money::ZERO,
        at,
        wechat_no: wechat_no.to_owned(),
        flow_no: format!("1900{}", random_digits(24)),
        voucher: voucher.to_owned(),
        remark: String::new(),
    }
}

impl Simulator {
    /// The lines of the basic account's fund flow bill of `date` (China date), with the
    /// balance after each.
    pub fn fund_bill_lines(&self, date: NaiveDate) -> Vec<FundLine> {
        let st = self.lock();
        let mut all = Vec::new();
        for t in st.trades.values() {
            if t.vendor != Vendor::Wechat || t.state != TradeState::Paid {
                continue;
            }
            let Some(paid) = t.paid_at else { continue };
            let at = local(paid);
            all.push(line(
                FundKind::Payment,
                true,
                t.amount,
                at,
                &t.trade_no,
                &t.out_trade_no,
            ));
            all.push(line(
                FundKind::Fee,
                false,
                fee_on(t.amount),
                at,
                &t.trade_no,
                &t.out_trade_no,
            ));
        }
        for r in st.refunds.values() {
            if st
                .trades
                .get(&r.out_trade_no)
                .is_none_or(|t| t.vendor != Vendor::Wechat)
            {
                continue;
            }
            let at = local(r.at);
            all.push(line(
                FundKind::Refund,
                false,
                r.amount,
                at,
                &r.refund_id,
                &r.refund_no,
            ));
            all.push(line(
                FundKind::Fee,
                true,
                fee_on(r.amount),
                at,
                &r.refund_id,
                &r.refund_no,
            ));
        }
        for b in st.transfers.values() {
            if b.state == TransferState::Success {
                all.push(line(
                    FundKind::Transfer,
                    false,
                    b.amount,
                    local(b.updated_at),
                    &b.transfer_bill_no,
                    &b.out_bill_no,
                ));
            }
        }
        for ((vendor, day), plants) in &st.plants {
            if *vendor == Vendor::Wechat {
                for p in plants {
                    apply(&mut all, p, *day);
                }
            }
        }
        all.sort_by(|a, b| a.at.cmp(&b.at).then(b.income.cmp(&a.income)));
        let mut balance = Money::ZERO;
        for l in &mut all {
            balance = balance + l.signed();
            l.balance = balance;
        }
        all.retain(|l| l.at.date() == date);
        all
    }
}

/// A planted difference, as the fund bill shows it (payments and refunds by our number,
/// on the planted day only).
fn apply(lines: &mut Vec<FundLine>, plant: &Plant, day: NaiveDate) {
    let on = |l: &FundLine| l.at.date() == day;
    match plant {
        Plant::DropPayment { out_trade_no } => lines.retain(|l| {
            !(on(l)
                && l.voucher == *out_trade_no
                && matches!(l.kind, FundKind::Payment | FundKind::Fee))
        }),
        Plant::ExtraPayment {
            out_trade_no,
            amount_fen,
        } => lines.push(line(
            FundKind::Payment,
            true,
            Money::fen(*amount_fen),
            day.and_hms_opt(12, 0, 0).expect("noon exists"),
            &format!("4200{}", random_digits(24)),
            out_trade_no,
        )),
        Plant::PaymentAmount {
            out_trade_no,
            amount_fen,
        } => lines
            .iter_mut()
            .filter(|l| on(l) && l.kind == FundKind::Payment && l.voucher == *out_trade_no)
            .for_each(|l| l.amount = Money::fen(*amount_fen)),
        Plant::RefundAmount {
            refund_no,
            amount_fen,
        } => lines
            .iter_mut()
            .filter(|l| on(l) && l.kind == FundKind::Refund && l.voucher == *refund_no)
            .for_each(|l| l.amount = Money::fen(*amount_fen)),
    }
}

/// `GET /v3/bill/fundflowbill?bill_date=…&account_type=BASIC`: renders the bill, keeps it
/// under a token and answers its download URL and SHA1. The simulated merchant has only a
/// basic account: the operation and fees accounts' bills are empty.
pub(super) fn wechat_fund_bill_url(sim: &Simulator, query: &str) -> (u16, String) {
    let param = |k: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v)
    };
    let Some(date) = param("bill_date").and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return super::wechat::error(400, "PARAM_ERROR", "bill_date");
    };
    let lines = match param("account_type").unwrap_or("BASIC") {
        "BASIC" => sim.fund_bill_lines(date),
        "OPERATION" | "FEES" => Vec::new(),
        _ => return super::wechat::error(400, "PARAM_ERROR", "account_type"),
    };
    let csv = render_fund_bill(&lines);
    let hash = hex::encode(Sha1::digest(csv.as_bytes()));
    let token = sim.keep_bill(csv.into_bytes());
    let url = format!(
        "{}/wechat/v3/billdownload/file?token={token}",
        sim.config.base_url
    );
    (
        200,
        json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }).to_string(),
    )
}
