//! What the application layer sees of a channel: a few small capability traits over
//! domain-neutral types (our payment intent's number, amounts in fen, states), implemented
//! for WeChat Pay ([`wechat::WechatChannel`]) and Alipay ([`alipay::AlipayChannel`]) over an
//! HTTP [`Transport`], so that tests and the channel simulator can stand in for the vendors.
//!
//! Each call composes the protocol's pure steps (build, sign, send, verify, parse); the clock
//! is passed in. Nonces come from the operating system's random source.

pub mod alipay;
pub mod bill;
pub mod http_client;
pub mod wechat;

use crate::error::Result;
use crate::http::Method;
use crate::wechat::sign::JsapiPayParams;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use daojia_domain::money::Money;

/// Which channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelKind {
    /// WeChat Pay API v3.
    Wechat,
    /// Alipay open platform.
    Alipay,
}

/// How the payer pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayMethod {
    /// Inside WeChat with the payer's openid (WeChat only).
    Jsapi {
        /// The payer's openid under the paying app.
        openid: String,
    },
    /// A mobile browser.
    H5 {
        /// The payer's IP address (WeChat requires it).
        payer_client_ip: String,
    },
    /// A QR code the payer scans.
    Qr,
}

/// A payment to open at the channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// Our payment intent's number (the channel's `out_trade_no`).
    pub intent: String,
    /// In fen.
    pub amount: Money,
    /// Shown to the payer.
    pub description: String,
    /// How.
    pub method: PayMethod,
    /// Where the browser returns after paying (H5).
    pub return_url: Option<String>,
    /// When the payment stops being payable.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether the payment will be shared at the channel (分账): WeChat then freezes it
    /// until it is shared or unfrozen. Ignored by channels without profit sharing.
    pub profit_sharing: bool,
}

/// What the payer's client needs to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checkout {
    /// Parameters for WeChat's JSAPI (`WeixinJSBridge` / `wx.requestPayment`).
    Jsapi(JsapiPayParams),
    /// Send the browser to this URL.
    Redirect(String),
    /// Show this as a QR code.
    QrCode(String),
}

/// State of a payment at the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentState {
    /// Open; not paid (yet).
    Pending,
    /// Paid (refunds afterwards do not change this).
    Succeeded,
    /// The payment failed.
    Failed,
    /// Closed unpaid.
    Closed,
    /// The channel does not know it (never created, or the payer never opened it).
    NotFound,
}

/// A payment as the channel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStatus {
    /// Our intent's number.
    pub intent: String,
    /// Its state.
    pub state: PaymentState,
    /// The channel's number for it, once it has one.
    pub channel_trade_no: Option<String>,
    /// The amount the channel recorded, in fen (to check against ours).
    pub amount: Option<Money>,
}

/// A refund to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// The intent refunded.
    pub intent: String,
    /// Our refund's number; retrying with it is idempotent at both channels.
    pub refund: String,
    /// Refunded now, in fen.
    pub amount: Money,
    /// What the intent collected, in fen.
    pub paid: Money,
    /// Shown to the payer.
    pub reason: Option<String>,
}

/// State of a refund at the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundState {
    /// Accepted; not confirmed yet (query again later).
    Processing,
    /// The money is back with the payer.
    Succeeded,
    /// Closed or stuck: needs a person.
    Failed,
}

/// A refund as the channel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundStatus {
    /// Our refund's number.
    pub refund: String,
    /// Its state.
    pub state: RefundState,
    /// The amount, in fen, when the channel reports it.
    pub amount: Option<Money>,
}

/// What a verified notification tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A payment changed state.
    Payment(PaymentStatus),
    /// A refund changed state.
    Refund(RefundStatus),
}

/// A verified notification, with the channel's id of it (the same on redelivery, for
/// idempotence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The channel's notification id.
    pub id: String,
    /// What it says.
    pub notice: Notice,
}

/// The HTTP answer a channel expects to a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Status code.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
}

/// Transfers to a user's WeChat balance (商家转账, user-confirmation mode): what paying out a
/// worker's withdrawal needs of a channel. WeChat's types are used as they are: no other
/// channel offers this product.
#[async_trait]
pub trait Transfer: Send + Sync {
    /// The merchant id and the app id the payee's WeChat confirms a bill with (`mchId`,
    /// `appId` of `requestMerchantTransfer`); the app is also the one payees' openids
    /// belong to.
    fn transfer_ids(&self) -> Result<(String, String)>;
    /// Creates the bill, or answers the one held under `order.out_bill_no` (idempotent).
    async fn create_transfer(
        &self,
        order: &crate::wechat::transfer::TransferOrder,
        now: DateTime<Utc>,
    ) -> Result<crate::wechat::transfer::Created>;
    /// The bill numbered `out_bill_no` by us, `None` when the channel holds none.
    async fn query_transfer(
        &self,
        out_bill_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::wechat::transfer::TransferBill>>;
    /// Verifies and decrypts a transfer callback.
    fn verify_transfer_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<wechat::TransferNotification>;
    /// The answer the channel expects to a transfer callback.
    fn answer_transfer(&self, outcome: std::result::Result<(), &str>) -> Answer;
}

/// Profit sharing (分账, WeChat Pay): what sharing a partner's part of a payment at the
/// channel needs. WeChat's types are used as they are: no other channel here offers it.
#[async_trait]
pub trait ProfitShare: Send + Sync {
    /// Who pays out (the direct merchant, or the service provider's sub-merchant).
    fn sharer(&self) -> crate::wechat::Sharer;
    /// Adds a receiver (idempotent); `name` is a merchant receiver's full name, sealed by
    /// the channel.
    async fn add_receiver(
        &self,
        receiver: &crate::wechat::profitsharing::NewReceiver,
        name: Option<&crate::wechat::transfer::PayeeName>,
        now: DateTime<Utc>,
    ) -> Result<crate::wechat::profitsharing::ReceiverReply>;
    /// Requests a sharing order, or answers the one held under its number (idempotent).
    async fn share(
        &self,
        order: &crate::wechat::profitsharing::SharingOrder,
        now: DateTime<Utc>,
    ) -> Result<crate::wechat::profitsharing::SharingReply>;
    /// The sharing or unfreeze order under our number, `None` when the channel holds none.
    async fn query_sharing(
        &self,
        out_order_no: &str,
        transaction_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::wechat::profitsharing::SharingReply>>;
    /// Unfreezes what is left of a payment for the sharer (idempotent by number).
    async fn unfreeze(
        &self,
        transaction_id: &str,
        out_order_no: &str,
        description: &str,
        now: DateTime<Utc>,
    ) -> Result<crate::wechat::profitsharing::SharingReply>;
    /// Asks a merchant receiver to give a share back (idempotent by number).
    async fn return_share(
        &self,
        order: &crate::wechat::profitsharing::ReturnOrder,
        now: DateTime<Utc>,
    ) -> Result<crate::wechat::profitsharing::ReturnReply>;
    /// The return under our number, `None` when the channel holds none.
    async fn query_return(
        &self,
        out_return_no: &str,
        out_order_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<crate::wechat::profitsharing::ReturnReply>>;
    /// What is left to share of a payment.
    async fn unsplit_amount(&self, transaction_id: &str, now: DateTime<Utc>) -> Result<Money>;
    /// Verifies and decrypts a profit-sharing callback.
    fn verify_sharing_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<wechat::SharingNotification>;
}

/// Keeping WeChat Pay's platform certificates current: what the application's refresh job
/// needs of the channel. WeChat's types are used as they are.
#[async_trait]
pub trait PlatformCertificates: Send + Sync {
    /// True when the merchant verifies with the platform public key (`PUB_KEY_ID_…`):
    /// nothing to download.
    fn public_key_mode(&self) -> bool;
    /// Downloads, verifies and decrypts the platform certificate list.
    async fn download_certificates(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::wechat::certificates::PlatformCertificate>>;
    /// Verifies with `certificates` (those in force at `now`) and the configured keys from
    /// now on; returns the serials trusted.
    fn trust_certificates(
        &self,
        certificates: &[crate::wechat::certificates::PlatformCertificate],
        now: DateTime<Utc>,
    ) -> Vec<String>;
}

/// The exchange of a WeChat web authorisation code for the user's openid.
#[async_trait]
pub trait OpenidForCode: Send + Sync {
    /// The openid behind `code` (single use, valid five minutes); WeChat's refusal of the
    /// code is [`Error::Channel`](crate::Error::Channel) with its `errcode`.
    async fn openid_for_code(&self, code: &str) -> Result<String>;
}

/// Opening, following and closing payments.
#[async_trait]
pub trait Charge: Send + Sync {
    /// Opens a payment and returns what the payer's client needs.
    async fn create(&self, request: &PaymentRequest, now: DateTime<Utc>) -> Result<Checkout>;
    /// Asks the channel for the payment's state (when a notification is late or lost).
    async fn query(&self, intent: &str, now: DateTime<Utc>) -> Result<PaymentStatus>;
    /// Closes an unpaid payment so that it can no longer be paid.
    async fn close(&self, intent: &str, now: DateTime<Utc>) -> Result<()>;
}

/// Refunding through the channel the money came from.
#[async_trait]
pub trait Refund: Send + Sync {
    /// Asks for a refund.
    async fn refund(&self, request: &RefundRequest, now: DateTime<Utc>) -> Result<RefundStatus>;
    /// Asks for a refund's state.
    async fn query_refund(
        &self,
        intent: &str,
        refund: &str,
        now: DateTime<Utc>,
    ) -> Result<RefundStatus>;
}

/// Receiving the channel's notifications.
pub trait Notify: Send + Sync {
    /// Verifies a notification (headers and raw body as received) and reads it. Nothing
    /// may be done with a notification before this succeeds.
    fn verify_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<Notification>;
    /// The answer that tells the channel the notification was handled (`Ok`) or must be
    /// sent again (`Err`, with a reason for its logs).
    fn answer(&self, outcome: std::result::Result<(), &str>) -> Answer;
}

/// Fetching the channel's daily bill for reconciliation.
#[async_trait]
pub trait Bill: Send + Sync {
    /// The raw bill file for `date` (China date), as the channel serves it.
    async fn download_bill(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<Vec<u8>>;

    /// The raw fund flow bill (资金账单) of the basic account for `date`, where the channel
    /// has one (WeChat Pay); others answer [`Error::Unsupported`](crate::Error::Unsupported).
    async fn download_fund_bill(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<Vec<u8>> {
        let _ = (date, now);
        Err(crate::Error::Unsupported("a fund flow bill"))
    }
}

/// A payment channel: every capability.
pub trait Channel: Charge + Refund + Notify + Bill {
    /// Which one.
    fn kind(&self) -> ChannelKind;
}

/// An HTTP request a channel sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// Absolute URL.
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: String,
}

/// An HTTP response a channel received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as text (channels answer in UTF-8).
    pub fn text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body)
            .map_err(|_| crate::Error::Transport("the reply body is not UTF-8".into()))
    }
}

/// Sends HTTP requests: a real client in production ([`http_client::ReqwestTransport`]),
/// a fake in tests, the simulator in the demo.
#[async_trait]
pub trait Transport: Send + Sync {
    /// Sends one request; a non-2xx status is a response, not an error.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse>;
}

fn china(t: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset"))
}
