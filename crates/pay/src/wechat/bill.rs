//! Bills for reconciliation: the trade bill (交易账单) and the fund flow bill (资金账单).
//! The call returns a short-lived `download_url` and the file's hash; fetching the file is a
//! signed GET of that URL.

use crate::alipay::amount::{from_yuan, to_signed_yuan};
use crate::channel::bill::{BillLine, BillLineKind};
use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use chrono::{NaiveDate, NaiveDateTime};
use daojia_domain::money::Money;
use serde::{Deserialize, Serialize};

/// Which trades a trade bill lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeBillType {
    /// All (payments and refunds).
    All,
    /// Successful payments.
    Success,
    /// Refunds.
    Refund,
}

/// Which account a fund flow bill covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountType {
    /// The basic account (基本账户).
    Basic,
    /// The operation account (运营账户).
    Operation,
    /// The fees account (手续费账户).
    Fees,
}

/// The trade bill call for `date` (China date; available from 10:00 the next day).
/// `sub_mchid` narrows a service provider's bill to one sub-merchant. `gzip` asks for a
/// compressed file.
pub fn trade_bill(
    date: NaiveDate,
    kind: TradeBillType,
    sub_mchid: Option<&str>,
    gzip: bool,
) -> ApiRequest {
    let kind = match kind {
        TradeBillType::All => "ALL",
        TradeBillType::Success => "SUCCESS",
        TradeBillType::Refund => "REFUND",
    };
    let mut path = format!("/v3/bill/tradebill?bill_date={date}&bill_type={kind}");
    if let Some(sub) = sub_mchid {
        path.push_str(&format!("&sub_mchid={}", percent_encode(sub)));
    }
    if gzip {
        path.push_str("&tar_type=GZIP");
    }
    ApiRequest {
        method: Method::Get,
        path,
        body: String::new(),
    }
}

/// The fund flow bill call for `date`.
pub fn fund_flow_bill(date: NaiveDate, account: AccountType, gzip: bool) -> ApiRequest {
    let account = match account {
        AccountType::Basic => "BASIC",
        AccountType::Operation => "OPERATION",
        AccountType::Fees => "FEES",
    };
    let mut path = format!("/v3/bill/fundflowbill?bill_date={date}&account_type={account}");
    if gzip {
        path.push_str("&tar_type=GZIP");
    }
    ApiRequest {
        method: Method::Get,
        path,
        body: String::new(),
    }
}

/// Where to download a bill, and the hash to check it against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillUrl {
    /// `SHA1`.
    pub hash_type: String,
    /// Hex digest of the file.
    pub hash_value: String,
    /// Short-lived URL (about 30 s).
    pub download_url: String,
}

impl BillUrl {
    /// Parses the bill call's reply.
    pub fn parse(body: &str) -> Result<Self> {
        Self::parse_on(body, None)
    }

    /// Parses the bill call's reply from the API at `base` (which may be a plain-HTTP
    /// stand-in such as the simulator): the URL must be https, or on `base` itself.
    pub fn parse_on(body: &str, base: Option<&str>) -> Result<Self> {
        let url: BillUrl = serde_json::from_str(body)?;
        let on_base = base.is_some_and(|b| url.download_url.starts_with(&format!("{b}/")));
        if !url.download_url.starts_with("https://") && !on_base {
            return Err(Error::invalid("download_url", "not an https URL"));
        }
        Ok(url)
    }

    /// The signed GET that fetches the file from the API at `base`: what follows `base`
    /// when the URL is on it, otherwise the URL's path and query.
    pub fn download_request_on(&self, base: &str) -> Result<ApiRequest> {
        match self.download_url.strip_prefix(base) {
            Some(path) if path.starts_with('/') => Ok(ApiRequest {
                method: Method::Get,
                path: path.to_owned(),
                body: String::new(),
            }),
            _ => self.download_request(),
        }
    }

    /// The signed GET that fetches the file: the path and query of `download_url`.
    pub fn download_request(&self) -> Result<ApiRequest> {
        let rest = self
            .download_url
            .strip_prefix("https://")
            .ok_or_else(|| Error::invalid("download_url", "not an https URL"))?;
        let path = rest
            .find('/')
            .map(|i| &rest[i..])
            .ok_or_else(|| Error::invalid("download_url", "has no path"))?;
        Ok(ApiRequest {
            method: Method::Get,
            path: path.to_owned(),
            body: String::new(),
        })
    }
}

/// The columns of the `ALL` trade bill, as WeChat Pay publishes them.
pub const TRADE_BILL_HEADER: &str = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注";
const SUMMARY_HEADER: &str =
    "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额";

/// What the bill needs to know of the merchant.
#[derive(Debug, Clone, Copy)]
pub struct BillMerchant<'a> {
    /// The app id (公众账号ID).
    pub appid: &'a str,
    /// The merchant id (商户号).
    pub mchid: &'a str,
}

fn yuan(m: Money) -> String {
    to_signed_yuan(m)
}

/// A fee as the bill prints it: yuan with five decimals (`0.89000`, `-0.29000`).
fn fee(m: Money) -> String {
    let units = m.as_fen() * 1000;
    let sign = if units < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:05}",
        units.abs() / 100_000,
        units.abs() % 100_000
    )
}

/// A fee column (`手续费`, `手续费总金额`) in 1/100,000 yuan: up to five decimals, signed.
fn fee_units(text: &str) -> Result<i64> {
    let bad = || Error::invalid("手续费", format!("`{text}` is not a fee"));
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty()
        || whole.len() > 12
        || frac.len() > 5
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let whole: i64 = whole.parse().map_err(|_| bad())?;
    let frac: i64 = format!("{frac:0<5}").parse().map_err(|_| bad())?;
    let units = whole * 100_000 + frac;
    Ok(if negative { -units } else { units })
}

/// 1/100,000 yuan to fen, half away from zero (WeChat takes fees to the fen; the bill
/// prints them to five decimals).
fn units_to_fen(units: i64) -> Money {
    let fen = (units.abs() + 500) / 1000;
    Money::fen(if units < 0 { -fen } else { fen })
}

fn backquoted(fields: &[String]) -> String {
    fields
        .iter()
        .map(|f| format!("`{f}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Writes the `ALL` trade bill of `lines` as WeChat Pay serves it: the header, one line
/// per payment or refund with every field behind a backquote, then the two summary rows.
/// (The simulator's bill; also the golden form the parser is tested against.)
pub fn render_trade_bill(merchant: BillMerchant<'_>, lines: &[BillLine]) -> String {
    let mut out = String::new();
    out.push_str(TRADE_BILL_HEADER);
    out.push_str("\r\n");
    let (mut settled, mut refunded, mut fees) = (Money::ZERO, Money::ZERO, Money::ZERO);
    for l in lines {
        let (state, settle, refund) = match l.kind {
            BillLineKind::Payment => ("SUCCESS", l.amount, Money::ZERO),
            BillLineKind::Refund => ("REFUND", Money::ZERO, l.amount),
        };
        settled = settled + settle;
        refunded = refunded + refund;
        fees = fees + l.fee;
        let fields = [
            l.at.format("%Y-%m-%d %H:%M:%S").to_string(),
            merchant.appid.to_owned(),
            merchant.mchid.to_owned(),
            "0".to_owned(),
            String::new(),
            l.channel_trade_no.clone(),
            l.intent.clone(),
            "o-simulated-payer".to_owned(),
            "NATIVE".to_owned(),
            state.to_owned(),
            "OTHERS".to_owned(),
            "CNY".to_owned(),
            yuan(settle),
            "0.00".to_owned(),
            l.channel_refund_no.clone().unwrap_or_else(|| "0".into()),
            l.refund.clone().unwrap_or_else(|| "0".into()),
            yuan(refund),
            "0.00".to_owned(),
            if l.kind == BillLineKind::Refund {
                "ORIGINAL"
            } else {
                ""
            }
            .to_owned(),
            if l.kind == BillLineKind::Refund {
                "SUCCESS"
            } else {
                ""
            }
            .to_owned(),
            "daojia".to_owned(),
            String::new(),
            fee(l.fee),
            "0.60%".to_owned(),
            yuan(settle),
            yuan(refund),
            String::new(),
        ];
        out.push_str(&backquoted(&fields));
        out.push_str("\r\n");
    }
    out.push_str(SUMMARY_HEADER);
    out.push_str("\r\n");
    let totals = [
        lines.len().to_string(),
        yuan(settled),
        yuan(refunded),
        "0.00".to_owned(),
        fee(fees),
        yuan(settled),
        yuan(refunded),
    ];
    out.push_str(&backquoted(&totals));
    out.push_str("\r\n");
    out
}

/// Reads an `ALL` trade bill: the columns are found by name in the header (WeChat may
/// reorder them), each line's backquotes are dropped, and the summary rows are checked
/// against the lines (count, settled, refunded and fee totals), so a truncated or altered
/// file is refused rather than half read. A line's `手续费` (negative on a refund: the fee
/// given back) is read to the fen, half away from zero.
pub fn parse_trade_bill(text: &str) -> Result<Vec<BillLine>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut rows = text.lines().map(|l| l.trim_end_matches('\r'));
    let header: Vec<&str> = rows
        .next()
        .ok_or(Error::Missing("bill header"))?
        .split(',')
        .map(str::trim)
        .collect();
    let col = |name: &'static str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| Error::invalid("bill header", format!("no column `{name}`")))
    };
    let c = Columns {
        time: col("交易时间")?,
        trade_no: col("微信订单号")?,
        out_trade_no: col("商户订单号")?,
        state: col("交易状态")?,
        settle: col("应结订单金额")?,
        refund_id: col("微信退款单号")?,
        refund_no: col("商户退款单号")?,
        refund: col("退款金额")?,
        fee: col("手续费")?,
    };
    let mut lines = Vec::new();
    let mut fee_total = 0i64;
    let mut summary = None;
    while let Some(row) = rows.next() {
        if row.trim().is_empty() {
            continue;
        }
        if row.starts_with("总交易单数") {
            summary = Some(rows.next().ok_or(Error::Missing("bill summary"))?);
            break;
        }
        let fields = unquote(row);
        let (line, units) = c.line(&fields)?;
        fee_total += units;
        lines.push(line);
    }
    let summary = unquote(summary.ok_or(Error::Missing("bill summary"))?);
    let count: usize = summary
        .first()
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| Error::invalid("bill summary", "no trade count"))?;
    let total = |i: usize| {
        summary
            .get(i)
            .ok_or_else(|| Error::invalid("bill summary", "too short"))
            .and_then(|v| from_yuan(v))
    };
    let sum =
        |k: BillLineKind| -> Money { lines.iter().filter(|l| l.kind == k).map(|l| l.amount).sum() };
    if count != lines.len()
        || total(1)? != sum(BillLineKind::Payment)
        || total(2)? != sum(BillLineKind::Refund)
        || fee_units(summary.get(4).map(String::as_str).unwrap_or_default())? != fee_total
    {
        return Err(Error::invalid(
            "bill summary",
            "the totals do not match the lines (truncated or altered file)",
        ));
    }
    Ok(lines)
}

fn unquote(row: &str) -> Vec<String> {
    row.split(',')
        .map(|f| f.trim().trim_start_matches('`').trim().to_owned())
        .collect()
}

struct Columns {
    time: usize,
    trade_no: usize,
    out_trade_no: usize,
    state: usize,
    settle: usize,
    refund_id: usize,
    refund_no: usize,
    refund: usize,
    fee: usize,
}

impl Columns {
    /// The line, and its fee in 1/100,000 yuan as printed.
    fn line(&self, f: &[String]) -> Result<(BillLine, i64)> {
        let get = |i: usize| {
            f.get(i)
                .map(String::as_str)
                .ok_or_else(|| Error::invalid("bill line", "fewer fields than the header"))
        };
        let at = NaiveDateTime::parse_from_str(get(self.time)?, "%Y-%m-%d %H:%M:%S")
            .map_err(|_| Error::invalid("bill line", "交易时间 is not a time"))?;
        let state = get(self.state)?.to_owned();
        let refund_no = get(self.refund_no)?;
        let is_refund = state == "REFUND" || (!refund_no.is_empty() && refund_no != "0");
        let (kind, amount, refund, refund_id) = if is_refund {
            (
                BillLineKind::Refund,
                from_yuan(get(self.refund)?)?,
                Some(refund_no.to_owned()),
                Some(get(self.refund_id)?.to_owned()),
            )
        } else {
            (
                BillLineKind::Payment,
                from_yuan(get(self.settle)?)?,
                None,
                None,
            )
        };
        let fee = fee_units(get(self.fee)?)?;
        Ok((
            BillLine {
                kind,
                intent: get(self.out_trade_no)?.to_owned(),
                channel_trade_no: get(self.trade_no)?.to_owned(),
                refund,
                channel_refund_no: refund_id,
                amount,
                at,
                state,
                fee: units_to_fen(fee),
            },
            fee,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bill_calls_name_the_day_the_kind_and_the_sub_merchant() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(
            trade_bill(day, TradeBillType::Refund, Some("1900000109"), true).path,
            "/v3/bill/tradebill?bill_date=2026-12-02&bill_type=REFUND&sub_mchid=1900000109&tar_type=GZIP"
        );
        assert_eq!(
            fund_flow_bill(day, AccountType::Basic, false).path,
            "/v3/bill/fundflowbill?bill_date=2026-12-02&account_type=BASIC"
        );
    }

    fn line(kind: BillLineKind, no: &str, refund: Option<&str>, fen: i64) -> BillLine {
        BillLine {
            kind,
            intent: no.into(),
            channel_trade_no: format!("4200{no}"),
            refund: refund.map(Into::into),
            channel_refund_no: refund.map(|r| format!("5030{r}")),
            amount: Money::fen(fen),
            at: NaiveDate::from_ymd_opt(2026, 12, 2)
                .unwrap()
                .and_hms_opt(10, 3, 4)
                .unwrap(),
            state: match kind {
                BillLineKind::Payment => "SUCCESS".into(),
                BillLineKind::Refund => "REFUND".into(),
            },
            fee: match kind {
                BillLineKind::Payment => crate::channel::bill::fee_on(Money::fen(fen)),
                BillLineKind::Refund => -crate::channel::bill::fee_on(Money::fen(fen)),
            },
        }
    }

    #[test]
    fn a_trade_bill_reads_back_as_written_and_its_summary_is_checked() {
        let lines = vec![
            line(BillLineKind::Payment, "PI1", None, 14900),
            line(BillLineKind::Payment, "PI2", None, 5),
            line(BillLineKind::Refund, "PI1", Some("RF1"), 4900),
        ];
        let m = BillMerchant {
            appid: "wx0000000000000001",
            mchid: "1900000001",
        };
        let text = render_trade_bill(m, &lines);
        let mut rows = text.lines();
        assert_eq!(rows.next().unwrap(), TRADE_BILL_HEADER);
        assert_eq!(
            rows.next().unwrap(),
            "`2026-12-02 10:03:04,`wx0000000000000001,`1900000001,`0,`,`4200PI1,`PI1,`o-simulated-payer,`NATIVE,`SUCCESS,`OTHERS,`CNY,`149.00,`0.00,`0,`0,`0.00,`0.00,`,`,`daojia,`,`0.89000,`0.60%,`149.00,`0.00,`"
        );
        assert!(text.ends_with("`3,`149.05,`49.00,`0.00,`0.60000,`149.05,`49.00\r\n"));
        assert_eq!(parse_trade_bill(&text).unwrap(), lines);
        // A dropped line, an altered amount or a missing summary is refused.
        let dropped: String = text
            .split_inclusive("\r\n")
            .enumerate()
            .filter(|(i, _)| *i != 2)
            .map(|(_, l)| l)
            .collect();
        assert!(parse_trade_bill(&dropped).is_err());
        assert!(parse_trade_bill(&text.replacen("`149.00", "`148.00", 1)).is_err());
        assert!(parse_trade_bill(&text.replacen("`0.89000", "`0.88000", 1)).is_err());
        // A fee printed to a fraction of a fen is read to the fen, half away from zero.
        assert_eq!(fee_units("-0.29400").unwrap(), -29_400);
        assert_eq!(units_to_fen(-29_500), Money::fen(-30));
        assert_eq!(units_to_fen(894), Money::fen(1));
        assert_eq!(units_to_fen(499), Money::ZERO);
        assert!(fee_units("0.000001").is_err() && fee_units("x").is_err());
        let cut = &text[..text.find("总交易单数").unwrap()];
        assert!(parse_trade_bill(cut).is_err());
    }

    #[test]
    fn the_download_is_a_get_of_the_urls_path_and_query() {
        let url = BillUrl::parse(
            r#"{"hash_type":"SHA1","hash_value":"79bb0f45fc4c42234a918000b2668d689e2bde04","download_url":"https://api.mch.weixin.qq.com/v3/billdownload/file?token=xx"}"#,
        )
        .unwrap();
        assert_eq!(
            url.download_request().unwrap().path,
            "/v3/billdownload/file?token=xx"
        );
        assert!(
            BillUrl::parse(
                r#"{"hash_type":"SHA1","hash_value":"x","download_url":"http://evil/x"}"#
            )
            .is_err()
        );
    }
}
