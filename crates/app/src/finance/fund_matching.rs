//! Matching WeChat Pay's fund flow bill (资金账单) of a day against the postings to our
//! clearing account `clearing:wechat` that day (pure). The bill says how the merchant's
//! balance moved; the clearing account is our record of the same money: a payment in
//! (Dr, source `intent`), a refund out (Cr, `refund`), a withdrawal paid by transfer out
//! (Cr, `withdrawal_paid`). Each movement is matched by the merchant's number the bill
//! carries (`业务凭证号`: the intent's, refund's or withdrawal's number) and its kind; the
//! day's fees, which WeChat takes per payment and gives back per refund, are compared as
//! one sum with what our books posted as channel fees (`channel_fee` entries).
//!
//! Differences use the trade bill's kinds: `missing_ours` (a movement of theirs our
//! clearing account does not have that day), `missing_theirs` (a posting of ours the bill
//! does not have), `amount_mismatch` (both, with other amounts). Amounts are shown without
//! sign: `line_kind` (`payment` in, `refund`/`transfer` out, `fee`, `other`) says which way.

use super::matching::{Kind, Matched};
use daojia_pay::wechat::fund_bill::{FundKind, FundLine};
use daojia_store::repo::reconciliation::NewDifference;
use std::collections::BTreeMap;

/// The source type of a ledger entry booking a channel's fees against its clearing
/// account (posted when the day's trade bill is reconciled: [`super::fees`]).
pub const CHANNEL_FEE_SOURCE: &str = daojia_store::repo::ledger::CHANNEL_FEE;

/// One posting to the clearing account, as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OurPosting {
    /// What it was, by its entry's source.
    pub kind: FundKind,
    /// Our number (intent, refund or withdrawal); for another source, `type:id`.
    pub number: String,
    /// Debit (money in) positive, credit negative, in fen.
    pub amount_fen: i64,
}

/// What a posting's entry source makes it.
pub fn kind_of_source(source_type: &str) -> FundKind {
    match source_type {
        daojia_store::repo::ledger::INTENT => FundKind::Payment,
        daojia_store::repo::ledger::REFUND => FundKind::Refund,
        daojia_store::repo::withdrawals::WITHDRAWAL_PAID => FundKind::Transfer,
        CHANNEL_FEE_SOURCE => FundKind::Fee,
        _ => FundKind::Other,
    }
}

fn difference(
    kind: Kind,
    fund: FundKind,
    subject: &str,
    wechat_no: Option<&str>,
    ours: Option<i64>,
    theirs: Option<i64>,
) -> NewDifference {
    NewDifference {
        kind: kind.code().into(),
        subject: subject.to_owned(),
        line_kind: fund.code().into(),
        intent_no: (fund == FundKind::Payment).then(|| subject.to_owned()),
        refund_no: (fund == FundKind::Refund).then(|| subject.to_owned()),
        channel_trade_no: wechat_no.map(str::to_owned),
        ours_fen: ours.map(i64::abs),
        theirs_fen: theirs.map(i64::abs),
        our_state: ours.map(|_| "posted".to_owned()),
        their_state: theirs.map(|t| if t >= 0 { "收入" } else { "支出" }.to_owned()),
    }
}

/// Matches the fund bill's `lines` against `ours`, the clearing account's postings of the
/// same day.
pub fn compare(lines: &[FundLine], ours: &[OurPosting]) -> Matched {
    let mut out = Matched::default();
    // Signed sums by (kind, number): a number moves once per kind in a day, but summing
    // keeps a split posting or line honest.
    let mut theirs: BTreeMap<(FundKind, String), (i64, String)> = BTreeMap::new();
    let mut their_fees = 0i64;
    let mut fee_lines = 0usize;
    for l in lines {
        match l.kind {
            FundKind::Fee => {
                their_fees += l.signed().as_fen();
                fee_lines += 1;
            }
            FundKind::Other => out.differences.push(difference(
                Kind::MissingOurs,
                FundKind::Other,
                if l.voucher.is_empty() {
                    &l.flow_no
                } else {
                    &l.voucher
                },
                Some(&l.wechat_no),
                None,
                Some(l.signed().as_fen()),
            )),
            k => {
                let e = theirs
                    .entry((k, l.voucher.clone()))
                    .or_insert((0, l.wechat_no.clone()));
                e.0 += l.signed().as_fen();
            }
        }
    }
    let mut mine: BTreeMap<(FundKind, String), i64> = BTreeMap::new();
    let mut our_fees = 0i64;
    for p in ours {
        match p.kind {
            FundKind::Fee => our_fees += p.amount_fen,
            k => *mine.entry((k, p.number.clone())).or_default() += p.amount_fen,
        }
    }
    for ((kind, no), (amount, wechat_no)) in &theirs {
        match mine.remove(&(*kind, no.clone())) {
            None => out.differences.push(difference(
                Kind::MissingOurs,
                *kind,
                no,
                Some(wechat_no),
                None,
                Some(*amount),
            )),
            Some(o) if o != *amount => out.differences.push(difference(
                Kind::AmountMismatch,
                *kind,
                no,
                Some(wechat_no),
                Some(o),
                Some(*amount),
            )),
            Some(_) => out.matched += 1,
        }
    }
    for ((kind, no), amount) in mine {
        out.differences.push(difference(
            Kind::MissingTheirs,
            kind,
            &no,
            None,
            Some(amount),
            None,
        ));
    }
    if fee_lines > 0 || our_fees != 0 {
        if their_fees == our_fees {
            out.matched += fee_lines;
        } else {
            out.differences.push(difference(
                Kind::AmountMismatch,
                FundKind::Fee,
                "fees",
                None,
                Some(our_fees),
                Some(their_fees),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use daojia_domain::money::Money;

    fn line(kind: FundKind, income: bool, fen: i64, voucher: &str) -> FundLine {
        FundLine {
            kind,
            income,
            amount: Money::fen(fen),
            balance: Money::ZERO,
            at: NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            wechat_no: format!("W{voucher}"),
            flow_no: format!("F{voucher}"),
            voucher: voucher.into(),
            remark: String::new(),
        }
    }

    fn posting(kind: FundKind, no: &str, fen: i64) -> OurPosting {
        OurPosting {
            kind,
            number: no.into(),
            amount_fen: fen,
        }
    }

    #[test]
    fn each_movement_matches_by_number_and_kind_and_fees_as_the_days_sum() {
        let lines = vec![
            line(FundKind::Payment, true, 10_000, "P1"),
            line(FundKind::Fee, false, 60, "P1"),
            line(FundKind::Payment, true, 20_000, "P2"),
            line(FundKind::Fee, false, 120, "P2"),
            line(FundKind::Refund, false, 5_000, "R1"),
            line(FundKind::Fee, true, 30, "R1"),
            line(FundKind::Transfer, false, 8_000, "W1"),
            line(FundKind::Payment, true, 900, "X9"),
            line(FundKind::Other, false, 1_000, ""),
        ];
        let ours = vec![
            posting(FundKind::Payment, "P1", 10_000),
            posting(FundKind::Payment, "P2", 19_999),
            posting(FundKind::Refund, "R1", -5_000),
            posting(FundKind::Transfer, "W1", -8_000),
            posting(FundKind::Payment, "P3", 300),
        ];
        let m = compare(&lines, &ours);
        assert_eq!(m.matched, 3);
        let got: Vec<(&str, &str, &str)> = m
            .differences
            .iter()
            .map(|d| (d.kind.as_str(), d.line_kind.as_str(), d.subject.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("missing_ours", "other", "F"),
                ("amount_mismatch", "payment", "P2"),
                ("missing_ours", "payment", "X9"),
                ("missing_theirs", "payment", "P3"),
                ("amount_mismatch", "fee", "fees"),
            ]
        );
        let p2 = &m.differences[1];
        assert_eq!((p2.ours_fen, p2.theirs_fen), (Some(19_999), Some(20_000)));
        assert_eq!(p2.intent_no.as_deref(), Some("P2"));
        // The day's fees: 60 + 120 taken, 30 given back; nothing booked by us.
        let fees = &m.differences[4];
        assert_eq!((fees.ours_fen, fees.theirs_fen), (Some(0), Some(150)));
        // Fees booked as they were taken match.
        let mut booked = ours.clone();
        booked.push(posting(FundKind::Fee, "channel_fee:2026-12-02", -150));
        assert!(
            compare(&lines, &booked)
                .differences
                .iter()
                .all(|d| d.line_kind != "fee")
        );
    }
}
