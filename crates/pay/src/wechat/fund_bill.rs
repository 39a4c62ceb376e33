//! The fund flow bill (资金账单) of the basic account: every movement of the merchant's
//! WeChat Pay balance on a China date, as `GET /v3/bill/fundflowbill?bill_date=…&
//! account_type=BASIC` serves it (a download URL and the file's SHA1, like the trade bill;
//! [`super::bill::fund_flow_bill`] builds the call).
//!
//! The file, UTF-8 CSV: the header `记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,
//! 收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号`, one line per
//! movement with every field behind a backquote, then `资金流水总笔数,收入笔数,收入金额,
//! 支出笔数,支出金额` and its totals line (the counts printed as WeChat prints them,
//! `20.0`). A payment is a `交易` income and its fee (`扣除交易手续费`) an expense; a refund a
//! `退款` expense and the fee given back (`退还交易手续费`) an income; a transfer to a user's
//! balance an expense. `业务凭证号` is the merchant's number (our intent's, refund's or
//! withdrawal's), which is what we match on.

use crate::alipay::amount::{from_yuan, to_signed_yuan};
use crate::error::{Error, Result};
use chrono::NaiveDateTime;
use daojia_domain::money::Money;

/// The columns of the fund flow bill, as WeChat Pay publishes them.
pub const FUND_BILL_HEADER: &str = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),资金变更提交申请人,备注,业务凭证号";
const SUMMARY_HEADER: &str = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额";

/// What a movement was, as we read `业务名称` and `业务类型`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FundKind {
    /// A payment collected (`交易` / `交易`).
    Payment,
    /// A refund paid back (`退款` / `退款`).
    Refund,
    /// A transfer to a user's balance (`商家转账`).
    Transfer,
    /// A fee taken (`扣除交易手续费`) or given back (`退还交易手续费`).
    Fee,
    /// Anything else (the merchant's own withdrawal to its bank, a top-up, a coupon).
    Other,
}

impl FundKind {
    /// Its code (`payment`, `refund`, `transfer`, `fee`, `other`).
    pub fn code(self) -> &'static str {
        match self {
            FundKind::Payment => "payment",
            FundKind::Refund => "refund",
            FundKind::Transfer => "transfer",
            FundKind::Fee => "fee",
            FundKind::Other => "other",
        }
    }

    /// `业务名称` and `业务类型` of a movement of this kind (`income` for fees: taken or
    /// given back).
    fn names(self, income: bool) -> (&'static str, &'static str) {
        match (self, income) {
            (FundKind::Payment, _) => ("交易", "交易"),
            (FundKind::Refund, _) => ("退款", "退款"),
            (FundKind::Transfer, _) => ("商家转账", "商家转账"),
            (FundKind::Fee, false) => ("交易", "扣除交易手续费"),
            (FundKind::Fee, true) => ("退款", "退还交易手续费"),
            (FundKind::Other, _) => ("其他", "其他"),
        }
    }

    fn read(business: &str, kind: &str) -> FundKind {
        if kind.contains("手续费") {
            FundKind::Fee
        } else if business == "交易" && kind == "交易" {
            FundKind::Payment
        } else if business == "退款" && kind == "退款" {
            FundKind::Refund
        } else if business.contains("商家转账") || business.contains("企业付款") {
            FundKind::Transfer
        } else {
            FundKind::Other
        }
    }
}

/// One movement of the balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundLine {
    /// What it was.
    pub kind: FundKind,
    /// Money in (`收入`) or out (`支出`).
    pub income: bool,
    /// How much, in fen (never negative; `income` says the direction).
    pub amount: Money,
    /// The balance after it, in fen.
    pub balance: Money,
    /// When it was booked, China time.
    pub at: NaiveDateTime,
    /// WeChat's number of the business (transaction, refund or transfer bill).
    pub wechat_no: String,
    /// WeChat's number of the movement itself.
    pub flow_no: String,
    /// The merchant's number (`业务凭证号`): our intent's, refund's or withdrawal's.
    pub voucher: String,
    /// `备注`.
    pub remark: String,
}

impl FundLine {
    /// The amount with its direction: positive in, negative out.
    pub fn signed(&self) -> Money {
        if self.income {
            self.amount
        } else {
            Money::ZERO - self.amount
        }
    }
}

fn backquoted(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| format!("`{f}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes the fund flow bill of `lines` as WeChat Pay serves it. (The simulator's bill;
/// also the golden form the parser is tested against.)
pub fn render_fund_bill(lines: &[FundLine]) -> String {
    let mut out = String::new();
    out.push_str(FUND_BILL_HEADER);
    out.push_str("\r\n");
    let (mut n_in, mut n_out, mut sum_in, mut sum_out) = (0u32, 0u32, Money::ZERO, Money::ZERO);
    for l in lines {
        if l.income {
            n_in += 1;
            sum_in = sum_in + l.amount;
        } else {
            n_out += 1;
            sum_out = sum_out + l.amount;
        }
        let (business, kind) = l.kind.names(l.income);
        let fields = [
            l.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            l.wechat_no.clone(),
            l.flow_no.clone(),
            business.to_owned(),
            kind.to_owned(),
            if l.income { "收入" } else { "支出" }.to_owned(),
            to_signed_yuan(l.amount),
            to_signed_yuan(l.balance),
            "system".to_owned(),
            l.remark.clone(),
            l.voucher.clone(),
        ];
        out.push_str(&backquoted(&fields));
        out.push_str("\r\n");
    }
    out.push_str(SUMMARY_HEADER);
    out.push_str("\r\n");
    let totals = [
        format!("{}.0", lines.len()),
        format!("{n_in}.0"),
        to_signed_yuan(sum_in),
        format!("{n_out}.0"),
        to_signed_yuan(sum_out),
    ];
    out.push_str(&backquoted(&totals));
    out.push_str("\r\n");
    out
}

fn unquote(row: &str) -> Vec<String> {
    row.split(',')
        .map(|f| f.trim().trim_start_matches('`').trim().to_owned())
        .collect()
}

/// A count as WeChat prints it in the summary (`20` or `20.0`).
fn count(text: &str) -> Option<usize> {
    text.strip_suffix(".0").unwrap_or(text).parse().ok()
}

/// Reads a fund flow bill: columns found by name, backquotes dropped, and the summary
/// (count, income and expense counts and totals) checked against the lines, so that a
/// truncated or altered file is refused rather than half read.
pub fn parse_fund_bill(text: &str) -> Result<Vec<FundLine>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = text.lines().map(|l| l.trim_end_matches('\r'));
    let header: Vec<&str> = rows
        .next()
        .ok_or(Error::Missing("fund bill header"))?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| Error::invalid("fund bill header", format!("no column `{name}`")))
    };
    let c = [
        col("记账时间")?,
        col("微信支付业务单号")?,
        col("资金流水单号")?,
        col("业务名称")?,
        col("业务类型")?,
        col("收支类型")?,
        col("收支金额(元)")?,
        col("账户结余(元)")?,
        col("备注")?,
        col("业务凭证号")?,
    ];
    let mut lines = Vec::new();
    let mut summary = None;
    while let Some(row) = rows.next() {
        if row.trim().is_empty() {
            continue;
        }
        if row.starts_with("资金流水总笔数") {
            summary = Some(rows.next().ok_or(Error::Missing("fund bill summary"))?);
            break;
        }
        let f = unquote(row);
        let get = |i: usize| {
            f.get(c[i])
                .map(String::as_str)
                .ok_or_else(|| Error::invalid("fund bill line", "fewer fields than the header"))
        };
        let at = NaiveDateTime::parse_from_str(get(0)?, "%Y-%m-%d %H:%M:%S")
            .map_err(|_| Error::invalid("fund bill line", "记账时间 is not a time"))?;
        let income = match get(5)? {
            "收入" => true,
            "支出" => false,
            other => {
                return Err(Error::invalid(
                    "fund bill line",
                    format!("收支类型 `{other}` is neither 收入 nor 支出"),
                ));
            }
        };
        lines.push(FundLine {
            kind: FundKind::read(get(3)?, get(4)?),
            income,
            amount: from_yuan(get(6)?)?,
            balance: from_signed(get(7)?)?,
            at,
            wechat_no: get(1)?.to_owned(),
            flow_no: get(2)?.to_owned(),
            voucher: get(9)?.to_owned(),
            remark: get(8)?.to_owned(),
        });
    }
    let summary = unquote(summary.ok_or(Error::Missing("fund bill summary"))?);
    let field = |i: usize| {
        summary
            .get(i)
            .map(String::as_str)
            .ok_or_else(|| Error::invalid("fund bill summary", "too short"))
    };
    let counted = |i: usize| {
        field(i).and_then(|v| {
            count(v).ok_or_else(|| Error::invalid("fund bill summary", "a count is not a number"))
        })
    };
    let (ins, outs): (Vec<&FundLine>, Vec<&FundLine>) = lines.iter().partition(|l| l.income);
    let sum = |v: &[&FundLine]| -> Money { v.iter().map(|l| l.amount).sum() };
    if counted(0)? != lines.len()
        || counted(1)? != ins.len()
        || from_yuan(field(2)?)? != sum(&ins)
        || counted(3)? != outs.len()
        || from_yuan(field(4)?)? != sum(&outs)
    {
        return Err(Error::invalid(
            "fund bill summary",
            "the totals do not match the lines (truncated or altered file)",
        ));
    }
    Ok(lines)
}

/// [`parse_fund_bill`] of the file as downloaded (bytes, which must be UTF-8).
pub fn parse_fund_bill_file(file: &[u8]) -> Result<Vec<FundLine>> {
    let text = std::str::from_utf8(file)
        .map_err(|_| Error::invalid("fund bill", "a WeChat bill is UTF-8 text"))?;
    parse_fund_bill(text)
}

/// A balance, which may be negative.
fn from_signed(text: &str) -> Result<Money> {
    match text.strip_prefix('-') {
        Some(rest) => Ok(Money::ZERO - from_yuan(rest)?),
        None => from_yuan(text),
    }
}

pub use crate::channel::bill::fee_on;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn sample() -> Vec<FundLine> {
        let at = |h, m| {
            NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(h, m, 0)
                .unwrap()
        };
        let line = |kind, income, fen, balance, h, m, voucher: &str| FundLine {
            kind,
            income,
            amount: Money::fen(fen),
            balance: Money::fen(balance),
            at: at(h, m),
            wechat_no: format!("4200{voucher}"),
            flow_no: format!("1900000001{h:02}{m:02}{}", u8::from(income)),
            voucher: voucher.into(),
            remark: String::new(),
        };
        vec![
            line(FundKind::Payment, true, 14_900, 14_900, 10, 3, "PI1"),
            line(FundKind::Fee, false, 89, 14_811, 10, 3, "PI1"),
            line(FundKind::Refund, false, 4_900, 9_911, 11, 0, "RF1"),
            line(FundKind::Fee, true, 29, 9_940, 11, 0, "RF1"),
            line(FundKind::Transfer, false, 5_000, 4_940, 12, 30, "W1"),
        ]
    }

    #[test]
    fn a_fund_bill_reads_back_as_written_and_its_summary_is_checked() {
        let lines = sample();
        let text = render_fund_bill(&lines);
        let mut rows = text.lines();
        assert_eq!(rows.next().unwrap(), FUND_BILL_HEADER);
        assert_eq!(
            rows.next().unwrap(),
            "`2026-12-02 10:03:00,`4200PI1,`190000000110031,`交易,`交易,`收入,`149.00,`149.00,`system,`,`PI1"
        );
        assert!(text.ends_with("`5.0,`2.0,`149.29,`3.0,`99.89\r\n"));
        assert_eq!(parse_fund_bill(&text).unwrap(), lines);
        assert_eq!(
            lines.iter().map(FundLine::signed).sum::<Money>(),
            Money::fen(4_940)
        );
        // A dropped line, an altered amount or a missing summary is refused.
        let dropped: String = text
            .split_inclusive("\r\n")
            .enumerate()
            .filter(|(i, _)| *i != 3)
            .map(|(_, l)| l)
            .collect();
        assert!(parse_fund_bill(&dropped).is_err());
        assert!(parse_fund_bill(&text.replacen("`149.00", "`148.00", 1)).is_err());
        let cut = &text[..text.find("资金流水总笔数").unwrap()];
        assert!(parse_fund_bill(cut).is_err());
    }

    #[test]
    fn movements_are_read_by_business_and_type() {
        assert_eq!(FundKind::read("交易", "交易"), FundKind::Payment);
        assert_eq!(FundKind::read("交易", "扣除交易手续费"), FundKind::Fee);
        assert_eq!(FundKind::read("退款", "退还交易手续费"), FundKind::Fee);
        assert_eq!(FundKind::read("退款", "退款"), FundKind::Refund);
        assert_eq!(FundKind::read("企业付款", "企业付款"), FundKind::Transfer);
        assert_eq!(FundKind::read("充值/提现", "提现"), FundKind::Other);
        assert_eq!(fee_on(Money::fen(14_900)), Money::fen(89));
        assert_eq!(fee_on(Money::fen(4_900)), Money::fen(29));
    }
}
