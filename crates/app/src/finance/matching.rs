//! Matching a channel's bill against our records, line by line (pure): each bill line is
//! looked up by our number (the intent's `out_trade_no`, the refund's number); each of our
//! succeeded payments and refunds of the bill's day must appear in it.

use daojia_pay::channel::bill::{BillLine, BillLineKind};
use daojia_store::repo::reconciliation::NewDifference;
use std::collections::{HashMap, HashSet};

/// A difference's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// In their bill, not in our records (or not of this channel).
    MissingOurs,
    /// Succeeded here that day, absent from their bill.
    MissingTheirs,
    /// Both have it, with other amounts.
    AmountMismatch,
    /// They settled it; ours is not succeeded.
    StatusMismatch,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 4] = [
        Kind::MissingOurs,
        Kind::MissingTheirs,
        Kind::AmountMismatch,
        Kind::StatusMismatch,
    ];

    /// Its code.
    pub fn code(self) -> &'static str {
        match self {
            Kind::MissingOurs => "missing_ours",
            Kind::MissingTheirs => "missing_theirs",
            Kind::AmountMismatch => "amount_mismatch",
            Kind::StatusMismatch => "status_mismatch",
        }
    }

    /// The kind of `code`.
    pub fn parse(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One of our records as the matcher sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ours {
    /// The intent's number.
    pub intent_no: String,
    /// The refund's number (refunds).
    pub refund_no: Option<String>,
    /// The provider (`wechat`, `alipay`).
    pub provider: String,
    /// In fen.
    pub amount_fen: i64,
    /// Its state.
    pub state: String,
    /// The channel's trade number, when we have it.
    pub channel_trade_no: Option<String>,
}

/// What we hold for one bill.
#[derive(Debug, Clone, Default)]
pub struct OurSide {
    /// Our payments named by the bill, or of its day, by intent number.
    pub payments: HashMap<String, Ours>,
    /// Our refunds named by the bill, or of its day, by refund number.
    pub refunds: HashMap<String, Ours>,
    /// The intent numbers that succeeded on the bill's day with its channel.
    pub paid_that_day: HashSet<String>,
    /// The refund numbers that succeeded on the bill's day with its channel.
    pub refunded_that_day: HashSet<String>,
}

/// The outcome of matching one bill.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Matched {
    /// Bill lines that agree with ours exactly.
    pub matched: usize,
    /// Everything else.
    pub differences: Vec<NewDifference>,
    /// The channel's fees on the lines that agree (a trade bill's; taken positive, given
    /// back negative), in fen: what the ledger books as the day's fees.
    pub fees_fen: i64,
}

fn difference(kind: Kind, line: Option<&BillLine>, ours: Option<&Ours>) -> NewDifference {
    let refund_no = line
        .and_then(|l| l.refund.clone())
        .or_else(|| ours.and_then(|o| o.refund_no.clone()));
    let intent_no = line
        .map(|l| l.intent.clone())
        .or_else(|| ours.map(|o| o.intent_no.clone()));
    NewDifference {
        kind: kind.code().into(),
        subject: refund_no.clone().or(intent_no.clone()).unwrap_or_default(),
        line_kind: if refund_no.is_some() {
            "refund"
        } else {
            "payment"
        }
        .into(),
        intent_no,
        refund_no,
        channel_trade_no: line
            .map(|l| l.channel_trade_no.clone())
            .or_else(|| ours.and_then(|o| o.channel_trade_no.clone())),
        ours_fen: ours.map(|o| o.amount_fen),
        theirs_fen: line.map(|l| l.amount.as_fen()),
        our_state: ours.map(|o| o.state.clone()),
        their_state: line.map(|l| l.state.clone()),
    }
}

/// Matches `lines` of `provider`'s bill against `ours`.
pub fn compare(provider: &str, lines: &[BillLine], ours: &OurSide) -> Matched {
    let mut out = Matched::default();
    let mut seen_payments = HashSet::new();
    let mut seen_refunds = HashSet::new();
    for l in lines {
        let found = match l.kind {
            BillLineKind::Payment => {
                seen_payments.insert(l.intent.clone());
                ours.payments.get(&l.intent)
            }
            BillLineKind::Refund => {
                let no = l.refund.clone().unwrap_or_default();
                let found = ours.refunds.get(&no);
                seen_refunds.insert(no);
                found
            }
        };
        let kind = match found.filter(|o| o.provider == provider) {
            None => Some(Kind::MissingOurs),
            Some(o) if o.state != "succeeded" => Some(Kind::StatusMismatch),
            Some(o) if o.amount_fen != l.amount.as_fen() => Some(Kind::AmountMismatch),
            Some(_) => None,
        };
        match kind {
            None => {
                out.matched += 1;
                out.fees_fen += l.fee.as_fen();
            }
            Some(k) => out.differences.push(difference(k, Some(l), found)),
        }
    }
    let mut missing: Vec<&Ours> = ours
        .paid_that_day
        .iter()
        .filter(|no| !seen_payments.contains(*no))
        .filter_map(|no| ours.payments.get(no))
        .chain(
            ours.refunded_that_day
                .iter()
                .filter(|no| !seen_refunds.contains(*no))
                .filter_map(|no| ours.refunds.get(no)),
        )
        .collect();
    missing.sort_by(|a, b| (&a.intent_no, &a.refund_no).cmp(&(&b.intent_no, &b.refund_no)));
    for o in missing {
        out.differences
            .push(difference(Kind::MissingTheirs, None, Some(o)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use daojia_domain::money::Money;

    fn line(kind: BillLineKind, intent: &str, refund: Option<&str>, fen: i64) -> BillLine {
        BillLine {
            kind,
            intent: intent.into(),
            channel_trade_no: format!("T{intent}"),
            refund: refund.map(Into::into),
            channel_refund_no: None,
            amount: Money::fen(fen),
            at: NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            state: "SUCCESS".into(),
            fee: Money::fen(fen / 100),
        }
    }

    fn ours(intent: &str, refund: Option<&str>, fen: i64, state: &str) -> Ours {
        Ours {
            intent_no: intent.into(),
            refund_no: refund.map(Into::into),
            provider: "wechat".into(),
            amount_fen: fen,
            state: state.into(),
            channel_trade_no: None,
        }
    }

    #[test]
    fn each_kind_of_difference_is_found_once_and_agreeing_lines_match() {
        let mut side = OurSide::default();
        for (no, fen, state) in [
            ("P1", 100, "succeeded"),
            ("P2", 200, "succeeded"),
            ("P3", 300, "succeeded"),
            ("P4", 400, "pending"),
        ] {
            side.payments.insert(no.into(), ours(no, None, fen, state));
        }
        side.paid_that_day = ["P1", "P2", "P3"].map(String::from).into();
        side.refunds
            .insert("R1".into(), ours("P1", Some("R1"), 50, "succeeded"));
        side.refunds
            .insert("R2".into(), ours("P2", Some("R2"), 60, "succeeded"));
        side.refunded_that_day = ["R1", "R2"].map(String::from).into();
        let lines = vec![
            line(BillLineKind::Payment, "P1", None, 100),
            line(BillLineKind::Payment, "P3", None, 301),
            line(BillLineKind::Payment, "P4", None, 400),
            line(BillLineKind::Payment, "X9", None, 900),
            line(BillLineKind::Refund, "P1", Some("R1"), 50),
            line(BillLineKind::Refund, "P2", Some("R2"), 61),
        ];
        let m = compare("wechat", &lines, &side);
        assert_eq!(m.matched, 2);
        // Only the agreeing lines' fees count: P1's (1 fen) and R1's (0).
        assert_eq!(m.fees_fen, 1);
        let got: Vec<(&str, &str)> = m
            .differences
            .iter()
            .map(|d| (d.kind.as_str(), d.subject.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("amount_mismatch", "P3"),
                ("status_mismatch", "P4"),
                ("missing_ours", "X9"),
                ("amount_mismatch", "R2"),
                ("missing_theirs", "P2"),
            ]
        );
        let r2 = &m.differences[3];
        assert_eq!((r2.ours_fen, r2.theirs_fen), (Some(60), Some(61)));
        assert_eq!(r2.line_kind, "refund");
        // Another channel's payment under the number is not ours for this bill.
        assert_eq!(
            compare("alipay", &lines[..1], &side).differences[0].kind,
            "missing_ours"
        );
    }
}
