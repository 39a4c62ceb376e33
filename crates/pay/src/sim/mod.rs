//! The channel simulator: a stand-in for WeChat Pay and Alipay that speaks both protocols
//! with keys of its own, so the whole payment flow runs on a laptop and in tests.
//!
//! It checks the signature of every call it receives with the merchant's public key (a
//! wrongly signed call is refused as the vendors refuse it), signs every reply with its own
//! platform key (WeChat) or Alipay key, serves a payment page where the payer clicks pay or
//! fail, and produces the channels' callbacks, signed, and for WeChat with the resource
//! encrypted under the APIv3 key. Callbacks are queued ([`Simulator::take_callbacks`]) for
//! whoever delivers them (the HTTP front end in the server posts them; a test may deliver
//! them twice, late, out of order or tampered with); every callback produced stays
//! available for redelivery ([`Simulator::callbacks_of`]). Refunds are accepted and
//! confirmed at once, with a callback for WeChat's. WeChat's merchant transfers (商家转账)
//! wait for the payee, who confirms (or is failed) on a page of their own
//! (`/transfer/{out_bill_no}`), with a callback at the end.
//!
//! Paths, relative to where the simulator is mounted: `/wechat/v3/...` (WeChat Pay's API),
//! `/alipay/gateway.do` (Alipay's gateway; GET is the WAP payment page), `/pay/{trade}`
//! (the payment page; POST `action=pay|pay_twice|pay_silent|fail`); for paying inside
//! WeChat, the web authorisation (`/wechat/open/connect/oauth2/authorize`,
//! `/wechat/sns/oauth2/access_token`) and the JSAPI cashier (`/wechat/jsapi/cashier`); the
//! payee's page of a transfer (`/transfer/{out_bill_no}`, POST
//! `action=confirm|confirm_twice|confirm_silent|fail`, also opened as
//! `/wechat/transfer/confirm?mchId&appId&package`); WeChat's profit sharing
//! (`/wechat/v3/profitsharing/...`, see `sharing`), for a direct merchant or, with
//! [`Simulator::with_sub_merchant`], a service provider's sub-merchant. Each vendor's daily
//! trade bill is served in its published format from the trades and refunds made, with
//! differences planted on request ([`Simulator::plant`], `POST /admin/bills/plant`); what it
//! holds is listed as JSON at `GET /admin/trades` ([`Simulator::books`]).

mod alipay;
mod bills;
mod certs;
mod fund_bill;
mod inspect;
mod oauth;
mod page;
mod sharing;
mod transfer;

pub use oauth::{ACCESS_TOKEN_PATH, AUTHORIZE_PATH, JSAPI_CASHIER_PATH};

pub use bills::Plant;
pub use certs::{CERTIFICATES_PATH, SimCertificate};
pub use sharing::{Frozen, SimReturn, SimShareLine, SimSharing};
pub use transfer::{DEFAULT_FAIL_REASON, SimTransfer, TRANSFER_CONFIRM_PATH};
mod wechat;

use crate::channel::{HttpRequest, HttpResponse, Transport};
use crate::error::Result;
use crate::http::Method;
use crate::keys::{PrivateKey, PublicKey};
use crate::wechat::aead::ApiV3Key;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use daojia_domain::money::Money;
use rand::Rng;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex};

/// What the simulator must know of the merchant it serves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Where the simulator is reached (page and QR code URLs start with it), without a
    /// trailing slash, e.g. `http://127.0.0.1:8080/paysim`.
    pub base_url: String,
    /// The WeChat Pay merchant id it accepts.
    pub wechat_mchid: String,
    /// The WeChat app id it accepts.
    pub wechat_appid: String,
    /// The official account's app secret, which the web authorisation's code exchange
    /// must carry.
    pub wechat_app_secret: String,
    /// The merchant's public key, which verifies our WeChat Pay requests.
    pub wechat_merchant_key: PublicKey,
    /// The APIv3 key that encrypts callback resources.
    pub apiv3_key: ApiV3Key,
    /// The Alipay application id it accepts.
    pub alipay_app_id: String,
    /// The application's public key, which verifies our Alipay requests.
    pub alipay_app_key: PublicKey,
    /// The seller id (PID) it puts into notifications.
    pub alipay_seller_id: String,
}

/// The simulator's own keys: WeChat's platform key (with its serial) and Alipay's key.
#[derive(Debug, Clone)]
pub struct SimKeys {
    /// Signs WeChat replies and callbacks.
    pub wechat_platform: PrivateKey,
    /// The serial naming it (`Wechatpay-Serial`).
    pub wechat_serial: String,
    /// Signs Alipay replies and notifications.
    pub alipay: PrivateKey,
}

impl SimKeys {
    /// Fresh keys from the operating system's random source.
    pub fn generate() -> SimKeys {
        SimKeys {
            wechat_platform: PrivateKey::generate(),
            wechat_serial: format!("PUB_KEY_ID_SIM{}", random_digits(16)),
            alipay: PrivateKey::generate(),
        }
    }
}

/// Which vendor a trade is with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Vendor {
    /// WeChat Pay.
    Wechat,
    /// Alipay.
    Alipay,
}

/// Where a simulated trade stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TradeState {
    /// Waiting for the payer.
    Open,
    /// Paid.
    Paid,
    /// The payment failed.
    Failed,
    /// Closed unpaid.
    Closed,
}

/// A trade the simulator holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    /// Which vendor.
    pub vendor: Vendor,
    /// The merchant's number (`out_trade_no`).
    pub out_trade_no: String,
    /// The vendor's number.
    pub trade_no: String,
    /// In fen.
    pub amount: Money,
    /// Shown to the payer.
    pub description: String,
    /// Where callbacks go.
    pub notify_url: String,
    /// Where the browser returns after paying, if anywhere.
    pub return_url: Option<String>,
    /// WeChat's trade type (`NATIVE`, `MWEB`, `JSAPI`) or Alipay's product.
    pub trade_type: String,
    /// State.
    pub state: TradeState,
    /// Refunded so far, in fen.
    pub refunded: Money,
    /// When it was paid.
    pub paid_at: Option<DateTime<Utc>>,
}

/// A refund the simulator made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRefund {
    /// The merchant's refund number.
    pub refund_no: String,
    /// The vendor's refund id.
    pub refund_id: String,
    /// The trade refunded.
    pub out_trade_no: String,
    /// In fen.
    pub amount: Money,
    /// When it was made.
    pub at: DateTime<Utc>,
}

/// A callback to deliver: a POST of `body` with `headers` to `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Callback {
    /// Where.
    pub url: String,
    /// Headers (`Content-Type`, WeChat's signature headers).
    pub headers: Vec<(String, String)>,
    /// The body as the vendor sends it.
    pub body: String,
    /// The vendor's notification id.
    pub id: String,
    /// The trade (or, for a refund, the refund number) it is about.
    pub subject: String,
}

/// How the payer's success is told to the merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// One callback.
    Once,
    /// The same callback twice (a redelivery).
    Twice,
    /// No callback at all (lost): the merchant must query.
    Lost,
}

/// Why the simulator refused a payer's action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimError {
    /// No such trade.
    #[error("no trade `{0}`")]
    UnknownTrade(String),
    /// The trade is not open.
    #[error("trade `{0}` is not waiting for payment")]
    NotOpen(String),
    /// No such transfer bill.
    #[error("no transfer bill `{0}`")]
    UnknownTransfer(String),
    /// The transfer bill is not waiting for its payee.
    #[error("transfer bill `{0}` is not waiting for the payee")]
    NotAwaitingPayee(String),
    /// Building a signed callback failed.
    #[error("{0}")]
    Protocol(String),
}

#[derive(Default)]
struct State {
    trades: BTreeMap<String, Trade>,
    refunds: BTreeMap<String, SimRefund>,
    queue: VecDeque<Callback>,
    sent: Vec<Callback>,
    plants: BTreeMap<(Vendor, NaiveDate), Vec<Plant>>,
    bills: BTreeMap<String, Vec<u8>>,
    codes: BTreeMap<String, oauth::Code>,
    openids: BTreeSet<String>,
    prepays: BTreeMap<String, String>,
    transfers: BTreeMap<String, SimTransfer>,
    /// Trades to be shared (`settle_info.profit_sharing`), by `out_trade_no`.
    shared: BTreeMap<String, sharing::Frozen>,
    receivers: BTreeSet<(String, String)>,
    sharing_orders: BTreeMap<String, sharing::SimSharing>,
    sharing_returns: BTreeMap<String, sharing::SimReturn>,
    sharing_notify_url: Option<String>,
    certificates: Vec<SimCertificate>,
    rotation: Option<chrono::Duration>,
}

/// The simulator. Cheap to share behind an [`Arc`].
pub struct Simulator {
    config: SimConfig,
    keys: SimKeys,
    state: Mutex<State>,
    /// The sub-merchant, when it serves a service provider ([`Simulator::with_sub_merchant`]).
    sub_mchid: Option<String>,
}

impl Simulator {
    /// A simulator for `config` signing with `keys`.
    pub fn new(config: SimConfig, keys: SimKeys) -> Simulator {
        Simulator {
            config,
            keys,
            state: Mutex::new(State::default()),
            sub_mchid: None,
        }
    }

    /// Its configuration.
    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// WeChat's platform public key, for the merchant's configuration.
    pub fn wechat_platform_key(&self) -> PublicKey {
        self.keys.wechat_platform.public_key()
    }

    /// The serial of WeChat's platform public key (`PUB_KEY_ID_…`).
    pub fn wechat_serial(&self) -> &str {
        &self.keys.wechat_serial
    }

    /// Alipay's public key, for the merchant's configuration.
    pub fn alipay_key(&self) -> PublicKey {
        self.keys.alipay.public_key()
    }

    /// The payment page of a trade.
    pub fn page_url(&self, out_trade_no: &str) -> String {
        format!("{}/pay/{}", self.config.base_url, out_trade_no)
    }

    /// The trade numbered `out_trade_no` by the merchant.
    pub fn trade(&self, out_trade_no: &str) -> Option<Trade> {
        self.lock().trades.get(out_trade_no).cloned()
    }

    /// Every refund made.
    pub fn refunds(&self) -> Vec<SimRefund> {
        self.lock().refunds.values().cloned().collect()
    }

    /// Takes the callbacks waiting for delivery, oldest first.
    pub fn take_callbacks(&self) -> Vec<Callback> {
        self.lock().queue.drain(..).collect()
    }

    /// Every callback ever produced about `subject` (a trade or refund number), to deliver
    /// again.
    pub fn callbacks_of(&self, subject: &str) -> Vec<Callback> {
        self.lock()
            .sent
            .iter()
            .filter(|c| c.subject == subject)
            .cloned()
            .collect()
    }

    /// The payer pays trade `out_trade_no` at `now`; its callback is queued as `delivery`
    /// says.
    pub fn pay(
        &self,
        out_trade_no: &str,
        delivery: Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), SimError> {
        let trade = {
            let mut st = self.lock();
            let t = st
                .trades
                .get_mut(out_trade_no)
                .ok_or_else(|| SimError::UnknownTrade(out_trade_no.into()))?;
            if t.state != TradeState::Open {
                return Err(SimError::NotOpen(out_trade_no.into()));
            }
            t.state = TradeState::Paid;
            t.paid_at = Some(now);
            let t = t.clone();
            sharing::on_paid(&mut st, out_trade_no, t.amount);
            t
        };
        let callback = match trade.vendor {
            Vendor::Wechat => wechat::payment_callback(self, &trade, now),
            Vendor::Alipay => alipay::payment_notification(self, &trade, now),
        }
        .map_err(|e| SimError::Protocol(e.to_string()))?;
        let times = match delivery {
            Delivery::Once => 1,
            Delivery::Twice => 2,
            Delivery::Lost => 0,
        };
        self.emit(callback, times);
        Ok(())
    }

    /// Where the payer of WeChat trade `out_trade_no` returns (its H5 page's
    /// `redirect_url`), unless it already has a return URL.
    fn remember_return(&self, out_trade_no: &str, url: &str) {
        let mut st = self.lock();
        if let Some(t) = st
            .trades
            .get_mut(out_trade_no)
            .filter(|t| t.vendor == Vendor::Wechat && t.return_url.is_none())
            && (url.starts_with("https://") || url.starts_with("http://"))
        {
            t.return_url = Some(url.to_owned());
        }
    }

    /// The payment of trade `out_trade_no` fails (no callback: the vendors do not send one).
    pub fn fail(&self, out_trade_no: &str) -> Result<(), SimError> {
        let mut st = self.lock();
        let t = st
            .trades
            .get_mut(out_trade_no)
            .ok_or_else(|| SimError::UnknownTrade(out_trade_no.into()))?;
        if t.state != TradeState::Open {
            return Err(SimError::NotOpen(out_trade_no.into()));
        }
        t.state = match t.vendor {
            Vendor::Wechat => TradeState::Failed,
            // Alipay closes a trade the payer gave up on.
            Vendor::Alipay => TradeState::Closed,
        };
        Ok(())
    }

    /// Answers one HTTP request addressed to the simulator: `path` is relative to where it
    /// is mounted, with the query.
    pub fn handle(
        &self,
        method: Method,
        path: &str,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> HttpResponse {
        let (bare, query) = path.split_once('?').unwrap_or((path, ""));
        match (method, bare) {
            (Method::Get, oauth::AUTHORIZE_PATH) => return oauth::authorize(self, query, now),
            (Method::Get, oauth::ACCESS_TOKEN_PATH) => {
                return oauth::access_token(self, query, now);
            }
            (Method::Get, oauth::JSAPI_CASHIER_PATH) => return oauth::cashier(self, query, now),
            (Method::Get, transfer::TRANSFER_CONFIRM_PATH) => {
                return transfer::confirm_entry(self, query);
            }
            _ => {}
        }
        if let Some(rest) = path.strip_prefix("/wechat") {
            return wechat::handle(self, method, rest, headers, body, now);
        }
        if let Some(rest) = path.strip_prefix("/alipay/gateway.do") {
            let query = rest.strip_prefix('?').unwrap_or("");
            return match method {
                Method::Post => alipay::handle(self, body, now),
                Method::Get => alipay::wap_page(self, query),
            };
        }
        if let Some(rest) = path.strip_prefix(bills::ALIPAY_DOWNLOAD) {
            return bills::alipay_download(self, rest);
        }
        if path == inspect::TRADES_PATH && method == Method::Get {
            return inspect::trades(self);
        }
        if path == bills::PLANT_PATH && method == Method::Post {
            return bills::plant_request(self, body);
        }
        if let Some(no) = bare.strip_prefix("/transfer/") {
            return match method {
                Method::Get => transfer::page(self, no, None),
                Method::Post => transfer::act(self, no, body, now),
            };
        }
        if let Some(rest) = path.strip_prefix("/pay/") {
            let (no, query) = rest.split_once('?').unwrap_or((rest, ""));
            return match method {
                Method::Get => {
                    // WeChat's H5 cashier returns the payer to the `redirect_url` the
                    // merchant appended to the `h5_url`.
                    if let Some(url) = crate::alipay::notify::parse_form(query)
                        .ok()
                        .and_then(|q| q.get("redirect_url").cloned())
                    {
                        self.remember_return(no, &url);
                    }
                    page::show(self, no, None)
                }
                Method::Post => page::act(self, no, body, now),
            };
        }
        text(404, "text/plain; charset=utf-8", "not a simulator path")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn emit(&self, callback: Callback, times: usize) {
        let mut st = self.lock();
        for _ in 0..times {
            st.queue.push_back(callback.clone());
        }
        st.sent.push(callback);
    }
}

/// An in-process transport to a simulator: the channels send to it as to the vendors,
/// without a network (tests, and a demo whose simulator runs in the same process).
#[derive(Clone)]
pub struct SimTransport {
    sim: Arc<Simulator>,
}

impl SimTransport {
    /// A transport to `sim`.
    pub fn new(sim: Arc<Simulator>) -> SimTransport {
        SimTransport { sim }
    }
}

#[async_trait]
impl Transport for SimTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse> {
        let base = &self.sim.config.base_url;
        let path = request.url.strip_prefix(base.as_str()).ok_or_else(|| {
            crate::Error::Transport(format!("{} is not the simulator's", request.url))
        })?;
        Ok(self.sim.handle(
            request.method,
            path,
            &request.headers,
            &request.body,
            Utc::now(),
        ))
    }
}

fn text(status: u16, content_type: &str, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("Content-Type".into(), content_type.into())],
        body: body.as_bytes().to_vec(),
    }
}

fn random_digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn random_alnum(n: usize) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| CHARS[rng.random_range(0..CHARS.len())] as char)
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_certs;
