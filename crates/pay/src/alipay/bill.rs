//! Alipay's trade bill (`bill_type` `trade`): the URL from
//! `alipay.data.dataservice.bill.downloadurl.query` serves a zip holding two GBK-encoded
//! CSV files, `{pid}_{yyyyMMdd}_业务明细.csv` (one line per payment 交易 or refund 退款,
//! between `#` comment lines, the last of which give the counts) and
//! `{pid}_{yyyyMMdd}_业务明细(汇总).csv` (totals). Amounts are signed as money to the
//! merchant: a refund's are negative, and so is the 服务费 (fee) Alipay takes on a payment;
//! the fee it gives back on a refund is positive.

use super::amount::{from_yuan, to_signed_yuan};
use crate::channel::bill::{BillLine, BillLineKind};
use crate::error::{Error, Result};
use chrono::{NaiveDate, NaiveDateTime};
use daojia_domain::money::Money;
use std::io::{Cursor, Read, Write};

/// The detail file's columns, as Alipay publishes them.
pub const DETAIL_HEADER: &str = "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注";
const RULE: &str = "#-----------------------------------------";
const TIME: &str = "%Y-%m-%d %H:%M:%S";

fn yuan(m: Money) -> String {
    to_signed_yuan(m)
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// Writes the trade bill of `lines` for `date` as Alipay serves it: a zip of the GBK
/// detail and summary files of merchant `pid`, exported at `exported` (China time).
/// (The simulator's bill; also the golden form the parser is tested against.)
pub fn render_trade_bill(
    pid: &str,
    date: NaiveDate,
    lines: &[BillLine],
    exported: NaiveDateTime,
) -> Result<Vec<u8>> {
    let day = date.format("%Y年%m月%d日");
    let next = (date + chrono::Days::new(1)).format("%Y年%m月%d日");
    let mut d = String::new();
    d.push_str("#支付宝业务明细查询\r\n");
    d.push_str(&format!("#账号：[{pid}]\r\n"));
    d.push_str(&format!(
        "#起始日期：[{day} 00:00:00]   终止日期：[{next} 00:00:00]\r\n"
    ));
    d.push_str(&format!(
        "{RULE}业务明细列表----------------------------------------\r\n"
    ));
    d.push_str(DETAIL_HEADER);
    d.push_str("\r\n");
    let (mut pays, mut refunds) = (0, 0);
    let (mut paid, mut refunded) = (Money::ZERO, Money::ZERO);
    for l in lines {
        let (kind, order, received, batch) = match l.kind {
            BillLineKind::Payment => {
                pays += 1;
                paid = paid + l.amount;
                ("交易", l.amount, l.amount, String::new())
            }
            BillLineKind::Refund => {
                refunds += 1;
                refunded = refunded + l.amount;
                (
                    "退款",
                    -l.amount,
                    -l.amount,
                    l.refund.clone().unwrap_or_default(),
                )
            }
        };
        let at = l.at.format(TIME).to_string();
        let fields = [
            format!("{}\t", l.channel_trade_no),
            format!("{}\t", l.intent),
            kind.to_owned(),
            "daojia".to_owned(),
            at.clone(),
            at,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "sim***@example.com".to_owned(),
            yuan(order),
            yuan(received),
            "0.00".to_owned(),
            "0.00".to_owned(),
            "0.00".to_owned(),
            "0.00".to_owned(),
            "0.00".to_owned(),
            String::new(),
            "0.00".to_owned(),
            "0.00".to_owned(),
            format!("{batch}\t"),
            yuan(-l.fee),
            "0.00".to_owned(),
            String::new(),
        ];
        d.push_str(&fields.join(","));
        d.push_str("\r\n");
    }
    d.push_str(&format!(
        "{RULE}业务明细列表结束------------------------------------\r\n"
    ));
    d.push_str(&format!("#交易合计：{pays}笔，退款合计：{refunds}笔\r\n"));
    d.push_str(&format!(
        "#导出时间：[{}]\r\n",
        exported.format("%Y年%m月%d日 %H:%M:%S")
    ));
    let s = format!(
        "#支付宝业务汇总查询\r\n门店编号,门店名称,交易订单总笔数,退款订单总笔数,订单金额（元）,商家实收（元）\r\n,合计,{pays},{refunds},{},{}\r\n#导出时间：[{}]\r\n",
        yuan(paid - refunded),
        yuan(paid - refunded),
        exported.format("%Y年%m月%d日 %H:%M:%S")
    );
    let stamp = date.format("%Y%m%d");
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, text) in [
        (format!("{pid}_{stamp}_业务明细.csv"), d),
        (format!("{pid}_{stamp}_业务明细(汇总).csv"), s),
    ] {
        zip.start_file(name, options).map_err(zip_error)?;
        zip.write_all(&gbk(&text))
            .map_err(|e| Error::invalid("bill", e.to_string()))?;
    }
    Ok(zip.finish().map_err(zip_error)?.into_inner())
}

fn zip_error(e: zip::result::ZipError) -> Error {
    Error::invalid("bill", format!("not a readable zip: {e}"))
}

/// Reads the trade bill zip: finds the detail file (`…业务明细.csv`, its name in UTF-8 or
/// GBK), decodes it from GBK, finds the columns by name, reads each 交易 / 退款 line and
/// checks the counts in its closing comment line, so that a truncated file is refused.
pub fn parse_trade_bill(file: &[u8]) -> Result<Vec<BillLine>> {
    let mut zip = zip::ZipArchive::new(Cursor::new(file)).map_err(zip_error)?;
    let mut detail = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(zip_error)?;
        let raw = entry.name_raw().to_vec();
        let name = match std::str::from_utf8(&raw) {
            Ok(n) => n.to_owned(),
            Err(_) => encoding_rs::GBK.decode(&raw).0.into_owned(),
        };
        if name.ends_with("业务明细.csv") {
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| Error::invalid("bill", e.to_string()))?;
            detail = Some(bytes);
        }
    }
    let bytes = detail.ok_or(Error::Missing("the bill's 业务明细.csv"))?;
    let (text, _, bad) = encoding_rs::GBK.decode(&bytes);
    if bad {
        return Err(Error::invalid("bill", "the detail file is not GBK text"));
    }
    parse_detail(&text)
}

fn parse_detail(text: &str) -> Result<Vec<BillLine>> {
    let mut rows = text.lines().map(|l| l.trim_end_matches('\r'));
    let header: Vec<&str> = rows
        .by_ref()
        .find(|r| !r.starts_with('#'))
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
    let (trade_no, out_no, kind_c, done) = (
        col("支付宝交易号")?,
        col("商户订单号")?,
        col("业务类型")?,
        col("完成时间")?,
    );
    let (order_c, received_c, batch_c, fee_c) = (
        col("订单金额（元）")?,
        col("商家实收（元）")?,
        col("退款批次号/请求号")?,
        col("服务费（元）")?,
    );
    let mut lines = Vec::new();
    let mut counts = None;
    for row in rows {
        if let Some(rest) = row.strip_prefix("#交易合计：") {
            counts = Some(rest.to_owned());
            continue;
        }
        if row.starts_with('#') || row.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = row.split(',').map(str::trim).collect();
        let get = |i: usize| {
            f.get(i)
                .copied()
                .ok_or_else(|| Error::invalid("bill line", "fewer fields than the header"))
        };
        let at = NaiveDateTime::parse_from_str(get(done)?, TIME)
            .map_err(|_| Error::invalid("bill line", "完成时间 is not a time"))?;
        let state = get(kind_c)?.to_owned();
        let signed = |i: usize| -> Result<Money> {
            let v = get(i)?;
            match v.strip_prefix('-') {
                Some(p) => Ok(-from_yuan(p)?),
                None => from_yuan(v),
            }
        };
        let (kind, amount, refund) = match state.as_str() {
            "交易" => (BillLineKind::Payment, signed(order_c)?, None),
            "退款" => (
                BillLineKind::Refund,
                -signed(received_c)?,
                Some(get(batch_c)?.to_owned()),
            ),
            other => {
                return Err(Error::invalid(
                    "bill line",
                    format!("业务类型 `{other}` is neither 交易 nor 退款"),
                ));
            }
        };
        lines.push(BillLine {
            kind,
            intent: get(out_no)?.to_owned(),
            channel_trade_no: get(trade_no)?.to_owned(),
            channel_refund_no: refund.clone(),
            refund,
            amount,
            at,
            state,
            fee: -signed(fee_c)?,
        });
    }
    let counts = counts.ok_or(Error::Missing("the bill's closing counts (#交易合计)"))?;
    let numbers: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect();
    let n = |k: BillLineKind| lines.iter().filter(|l| l.kind == k).count();
    if numbers != [n(BillLineKind::Payment), n(BillLineKind::Refund)] {
        return Err(Error::invalid(
            "bill counts",
            "the closing counts do not match the lines (truncated or altered file)",
        ));
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trade_bill_zip_reads_back_as_written_in_gbk() {
        let at = NaiveDate::from_ymd_opt(2026, 12, 2)
            .unwrap()
            .and_hms_opt(9, 8, 7)
            .unwrap();
        let lines = vec![
            BillLine {
                kind: BillLineKind::Payment,
                intent: "PI1".into(),
                channel_trade_no: "2026120222001".into(),
                refund: None,
                channel_refund_no: None,
                amount: Money::fen(14900),
                at,
                state: "交易".into(),
                fee: Money::fen(89),
            },
            BillLine {
                kind: BillLineKind::Refund,
                intent: "PI1".into(),
                channel_trade_no: "2026120222001".into(),
                refund: Some("RF1".into()),
                channel_refund_no: Some("RF1".into()),
                amount: Money::fen(4900),
                at,
                state: "退款".into(),
                fee: Money::fen(-29),
            },
        ];
        let day = at.date();
        let zip = render_trade_bill("2088000000000001", day, &lines, at).unwrap();
        assert_eq!(parse_trade_bill(&zip).unwrap(), lines);
        // The file inside is GBK, not UTF-8.
        let mut archive = zip::ZipArchive::new(Cursor::new(&zip[..])).unwrap();
        let mut raw = Vec::new();
        archive
            .by_name("2088000000000001_20261202_业务明细.csv")
            .unwrap()
            .read_to_end(&mut raw)
            .unwrap();
        assert!(std::str::from_utf8(&raw).is_err());
        let text = encoding_rs::GBK.decode(&raw).0;
        assert!(text.contains("2026120222001\t,PI1\t,交易,"));
        assert!(text.contains(",退款,") && text.contains("-49.00,-49.00"));
        // The fee taken is negative (money to the merchant), the fee given back positive.
        assert!(text.contains("\t,-0.89,0.00,") && text.contains("RF1\t,0.29,0.00,"));
        assert!(text.contains("#交易合计：1笔，退款合计：1笔"));
        // A line dropped from the detail is refused by the counts.
        let cut = text.replacen(",退款,", ",XX,", 1);
        assert!(parse_detail(&cut).is_err());
        let dropped: String = text
            .split_inclusive("\r\n")
            .filter(|l| !l.contains(",退款,"))
            .collect();
        assert!(parse_detail(&dropped).is_err());
        assert!(parse_trade_bill(b"not a zip").is_err());
    }
}
