//! Bills for reconciliation: the trade bill (交易账单) and the fund flow bill (资金账单).
//! The call returns a short-lived `download_url` and the file's hash; fetching the file is a
//! signed GET of that URL.

use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use chrono::NaiveDate;
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
        let url: BillUrl = serde_json::from_str(body)?;
        if !url.download_url.starts_with("https://") {
            return Err(Error::invalid("download_url", "not an https URL"));
        }
        Ok(url)
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
