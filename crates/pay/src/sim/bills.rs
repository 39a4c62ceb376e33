//! The simulator's daily trade bills: every payment and refund it made on a China date,
//! served in each vendor's published format (WeChat: `GET /v3/bill/tradebill` → a
//! download URL and the file's SHA1, then the CSV; Alipay:
//! `alipay.data.dataservice.bill.downloadurl.query` → a URL to the GBK zip), with the
//! differences a test or an operator planted for that day applied.

use super::{Simulator, TradeState, Vendor, random_alnum, random_digits, text};
use crate::channel::HttpResponse;
use crate::channel::bill::{BillLine, BillLineKind, fee_on};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};
use daojia_domain::money::Money;
use serde::Deserialize;
use serde_json::{Value, json};
use sha1::{Digest, Sha1};

/// Where the Alipay bill file is served (relative to the simulator).
pub(super) const ALIPAY_DOWNLOAD: &str = "/alipay/downloadBillFile.resource?token=";
/// Where differences are planted over HTTP: `POST` a [`PlantRequest`] as JSON.
pub(super) const PLANT_PATH: &str = "/admin/bills/plant";

/// A difference planted into one day's bill of one vendor.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plant {
    /// The vendor's bill leaves this payment out (missing on their side).
    DropPayment {
        /// Our intent's number.
        out_trade_no: String,
    },
    /// The vendor's bill has a payment we never took (missing on our side).
    ExtraPayment {
        /// The number it carries (unknown to the merchant).
        out_trade_no: String,
        /// In fen.
        amount_fen: i64,
    },
    /// The vendor's bill shows this payment with another amount.
    PaymentAmount {
        /// Our intent's number.
        out_trade_no: String,
        /// In fen.
        amount_fen: i64,
    },
    /// The vendor's bill shows this refund with another amount.
    RefundAmount {
        /// Our refund's number.
        refund_no: String,
        /// In fen.
        amount_fen: i64,
    },
}

#[derive(Deserialize)]
struct PlantRequest {
    vendor: String,
    date: NaiveDate,
    #[serde(flatten)]
    plant: Plant,
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&china()).naive_local()
}

impl Simulator {
    /// Plants `plant` into `vendor`'s bill of `date` (China date); it applies to every bill
    /// of that day served afterwards.
    pub fn plant(&self, vendor: Vendor, date: NaiveDate, plant: Plant) {
        self.lock()
            .plants
            .entry((vendor, date))
            .or_default()
            .push(plant);
    }

    /// The lines of `vendor`'s trade bill of `date` (China date): each trade paid and each
    /// refund made that day, in time order, with the planted differences applied.
    pub fn bill_lines(&self, vendor: Vendor, date: NaiveDate) -> Vec<BillLine> {
        let st = self.lock();
        let on_day = |t: DateTime<Utc>| local(t).date() == date;
        let mut lines: Vec<BillLine> = st
            .trades
            .values()
            .filter(|t| t.vendor == vendor && t.state == TradeState::Paid)
            .filter_map(|t| t.paid_at.filter(|p| on_day(*p)).map(|p| (t, p)))
            .map(|(t, p)| BillLine {
                kind: BillLineKind::Payment,
                intent: t.out_trade_no.clone(),
                channel_trade_no: t.trade_no.clone(),
                refund: None,
                channel_refund_no: None,
                amount: t.amount,
                at: local(p),
                state: state(vendor, BillLineKind::Payment),
                fee: fee_on(t.amount),
            })
            .collect();
        for r in st.refunds.values().filter(|r| on_day(r.at)) {
            let Some(t) = st
                .trades
                .get(&r.out_trade_no)
                .filter(|t| t.vendor == vendor)
            else {
                continue;
            };
            lines.push(BillLine {
                kind: BillLineKind::Refund,
                intent: t.out_trade_no.clone(),
                channel_trade_no: t.trade_no.clone(),
                refund: Some(r.refund_no.clone()),
                channel_refund_no: Some(r.refund_id.clone()),
                amount: r.amount,
                at: local(r.at),
                state: state(vendor, BillLineKind::Refund),
                fee: -fee_on(r.amount),
            });
        }
        for p in st.plants.get(&(vendor, date)).into_iter().flatten() {
            apply(&mut lines, p, vendor, date);
        }
        lines.sort_by(|a, b| a.at.cmp(&b.at).then(a.kind.cmp(&b.kind)));
        lines
    }

    pub(super) fn keep_bill(&self, file: Vec<u8>) -> String {
        let token = random_alnum(24);
        self.lock().bills.insert(token.clone(), file);
        token
    }
}

fn state(vendor: Vendor, kind: BillLineKind) -> String {
    match (vendor, kind) {
        (Vendor::Wechat, BillLineKind::Payment) => "SUCCESS",
        (Vendor::Wechat, BillLineKind::Refund) => "REFUND",
        (Vendor::Alipay, BillLineKind::Payment) => "交易",
        (Vendor::Alipay, BillLineKind::Refund) => "退款",
    }
    .to_owned()
}

fn apply(lines: &mut Vec<BillLine>, plant: &Plant, vendor: Vendor, date: NaiveDate) {
    let payment = |l: &BillLine, no: &str| l.kind == BillLineKind::Payment && l.intent == no;
    match plant {
        Plant::DropPayment { out_trade_no } => lines.retain(|l| !payment(l, out_trade_no)),
        Plant::ExtraPayment {
            out_trade_no,
            amount_fen,
        } => lines.push(BillLine {
            kind: BillLineKind::Payment,
            intent: out_trade_no.clone(),
            channel_trade_no: format!("4200{}", random_digits(24)),
            refund: None,
            channel_refund_no: None,
            amount: Money::fen(*amount_fen),
            at: date.and_hms_opt(12, 0, 0).expect("noon exists"),
            state: state(vendor, BillLineKind::Payment),
            fee: fee_on(Money::fen(*amount_fen)),
        }),
        Plant::PaymentAmount {
            out_trade_no,
            amount_fen,
        } => lines
            .iter_mut()
            .filter(|l| payment(l, out_trade_no))
            .for_each(|l| l.amount = Money::fen(*amount_fen)),
        Plant::RefundAmount {
            refund_no,
            amount_fen,
        } => lines
            .iter_mut()
            .filter(|l| l.refund.as_deref() == Some(refund_no.as_str()))
            .for_each(|l| l.amount = Money::fen(*amount_fen)),
    }
}

fn bill_date(v: Option<&str>) -> Option<NaiveDate> {
    v.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// `GET /v3/bill/tradebill?bill_date=…&bill_type=ALL`: renders the bill, keeps it under a
/// token and answers its download URL and SHA1. (The vendors serve a day's bill from the
/// next morning; the simulator serves any day's, the current one as it stands.)
pub(super) fn wechat_bill_url(sim: &Simulator, query: &str) -> (u16, String) {
    let param = |k: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v)
    };
    let Some(date) = bill_date(param("bill_date")) else {
        return super::wechat::error(400, "PARAM_ERROR", "bill_date");
    };
    let lines = sim.bill_lines(Vendor::Wechat, date);
    let csv = crate::wechat::bill::render_trade_bill(
        crate::wechat::bill::BillMerchant {
            appid: &sim.config.wechat_appid,
            mchid: &sim.config.wechat_mchid,
        },
        &lines,
    );
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

/// `GET /v3/billdownload/file?token=…` (signed like every call).
pub(super) fn wechat_download(sim: &Simulator, query: &str) -> (u16, String) {
    let token = query.strip_prefix("token=").unwrap_or("");
    match sim.lock().bills.get(token) {
        Some(file) => (200, String::from_utf8_lossy(file).into_owned()),
        None => super::wechat::error(400, "INVALID_REQUEST", "token"),
    }
}

/// `alipay.data.dataservice.bill.downloadurl.query` with `bill_type` `trade`.
pub(super) fn alipay_bill_url(sim: &Simulator, biz: &Value, now: DateTime<Utc>) -> Value {
    let Some(date) = bill_date(biz["bill_date"].as_str()) else {
        return super::alipay::fail("40004", "isp.bill_date_invalid", "bill_date");
    };
    if biz["bill_type"].as_str() != Some("trade") {
        return super::alipay::fail("40004", "isp.bill_type_invalid", "bill_type");
    }
    let lines = sim.bill_lines(Vendor::Alipay, date);
    let pid = &sim.config.alipay_seller_id;
    let file = match crate::alipay::bill::render_trade_bill(pid, date, &lines, local(now)) {
        Ok(f) => f,
        Err(e) => return super::alipay::fail("20000", "isp.unknow-error", &e.to_string()),
    };
    let token = sim.keep_bill(file);
    super::alipay::ok(json!({
        "bill_download_url": format!("{}{ALIPAY_DOWNLOAD}{token}", sim.config.base_url)
    }))
}

/// `GET /alipay/downloadBillFile.resource?token=…`: the zip.
pub(super) fn alipay_download(sim: &Simulator, token: &str) -> HttpResponse {
    match sim.lock().bills.get(token) {
        Some(file) => HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "application/zip".into())],
            body: file.clone(),
        },
        None => text(404, "text/plain; charset=utf-8", "no such bill"),
    }
}

/// `POST /admin/bills/plant` `{"vendor":"wechat","date":"2026-12-02","kind":"drop_payment",…}`.
pub(super) fn plant_request(sim: &Simulator, body: &str) -> HttpResponse {
    let request: PlantRequest = match serde_json::from_str(body) {
        Ok(r) => r,
        Err(e) => return text(400, "text/plain; charset=utf-8", &e.to_string()),
    };
    let vendor = match request.vendor.as_str() {
        "wechat" => Vendor::Wechat,
        "alipay" => Vendor::Alipay,
        _ => return text(400, "text/plain; charset=utf-8", "vendor: wechat or alipay"),
    };
    sim.plant(vendor, request.date, request.plant);
    text(204, "text/plain; charset=utf-8", "")
}
