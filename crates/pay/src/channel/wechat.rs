//! WeChat Pay v3 behind the channel traits: every call is signed with the merchant key and
//! every successful reply is verified with the platform keys before it is read. Transfers to
//! a user's balance (商家转账) and profit sharing (分账) are methods of their own
//! ([`WechatChannel::create_transfer`], [`WechatChannel::share`] and the next ones).

mod certificates;
mod sharing;
mod transfer;

pub use certificates::PlatformTrust;
pub use sharing::{SharingConfig, SharingNotification};
pub use transfer::{CodeExchange, TransferConfig, TransferNotification};

use super::{
    Answer, Bill, Channel, ChannelKind, Charge, Checkout, HttpRequest, HttpResponse, Notice,
    Notification, Notify, PayMethod, PaymentRequest, PaymentState, PaymentStatus, Refund,
    RefundRequest, RefundState, RefundStatus, Transport, china,
};
use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use crate::wechat::aead::ApiV3Key;
use crate::wechat::bill::{AccountType, BillUrl, TradeBillType, fund_flow_bill, trade_bill};
use crate::wechat::notify::{Notification as WechatNotification, failure_answer};
use crate::wechat::refund::{self, RefundOrder, TradeRef};
use crate::wechat::sign::{MerchantKey, authorization, jsapi_pay_params};
use crate::wechat::transactions::{self, Created, PayOrder, Scene, TradeState, Transaction};
use crate::wechat::verify::{PlatformKeys, SignatureHeaders, verify};
use crate::wechat::{API_BASE, Merchant, check_status, new_nonce};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use sha1::{Digest, Sha1};

/// What a WeChat Pay channel needs to know.
#[derive(Debug, Clone)]
pub struct WechatConfig {
    /// Direct merchant or service provider with sub-merchant.
    pub merchant: Merchant,
    /// The key that signs our requests.
    pub key: MerchantKey,
    /// The platform keys that sign WeChat's replies and callbacks, as configured: the
    /// platform public key (`PUB_KEY_ID_…`), or a first platform certificate that the
    /// downloaded ones then join ([`PlatformTrust`]).
    pub platform: PlatformKeys,
    /// The APIv3 key that decrypts callback resources.
    pub apiv3_key: ApiV3Key,
    /// Where payment callbacks go.
    pub notify_url: String,
    /// Where refund callbacks go (the payment one when `None`).
    pub refund_notify_url: Option<String>,
    /// The API's base URL ([`API_BASE`], or the simulator's).
    pub base_url: String,
}

impl WechatConfig {
    /// The production base URL.
    pub const DEFAULT_BASE: &'static str = API_BASE;
}

/// WeChat Pay over a transport.
pub struct WechatChannel<T> {
    config: WechatConfig,
    transport: T,
    transfers: TransferConfig,
    sharing: SharingConfig,
    trust: PlatformTrust,
}

impl<T: Transport> WechatChannel<T> {
    /// A channel for `config` that sends through `transport`.
    pub fn new(config: WechatConfig, transport: T) -> Self {
        let trust = PlatformTrust::new(config.platform.clone());
        WechatChannel {
            config,
            transport,
            transfers: TransferConfig::default(),
            sharing: SharingConfig::default(),
            trust,
        }
    }

    /// The transport (tests and the simulator inspect it).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// Signs and sends `request`, verifies the reply and turns an error reply into
    /// [`Error::Channel`]. Returns the verified body.
    async fn call(&self, request: ApiRequest, now: DateTime<Utc>) -> Result<String> {
        let reply = self.send(request, now).await?;
        check_status(reply.status, &reply.body)?;
        Ok(reply.body)
    }

    /// Signs and sends `request`. A 2xx reply must carry a valid signature (WeChat signs
    /// them all; one without is forged). An error reply is verified when signed (WeChat signs
    /// those to requests it authenticated) and marked `signed: false` when not, so that no
    /// decision is taken on an unsigned "not found".
    async fn send(&self, request: ApiRequest, now: DateTime<Utc>) -> Result<Reply> {
        self.send_with(request, Vec::new(), now).await
    }

    /// Signs and sends `request` with `extra_headers` (`Wechatpay-Serial` for a body with
    /// an encrypted field); the reply as received, its signature not yet checked.
    async fn send_unverified(
        &self,
        request: ApiRequest,
        extra_headers: Vec<(String, String)>,
        now: DateTime<Utc>,
    ) -> Result<HttpResponse> {
        let nonce = new_nonce(&mut rand::rng());
        let auth = authorization(&self.config.key, &request, now.timestamp(), &nonce)?;
        let mut headers = vec![
            ("Authorization".to_owned(), auth),
            ("Accept".to_owned(), "application/json".to_owned()),
        ];
        if request.method == Method::Post {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        headers.extend(extra_headers);
        let response = self
            .transport
            .send(HttpRequest {
                method: request.method,
                url: format!("{}{}", self.config.base_url, request.path),
                headers,
                body: request.body,
            })
            .await?;
        Ok(response)
    }

    /// [`Self::send_unverified`], the reply's signature checked with the platform keys trusted
    /// now.
    async fn send_with(
        &self,
        request: ApiRequest,
        extra_headers: Vec<(String, String)>,
        now: DateTime<Utc>,
    ) -> Result<Reply> {
        let response = self.send_unverified(request, extra_headers, now).await?;
        let body = response.text()?.to_owned();
        let sig = SignatureHeaders::from_headers(
            response
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        let signed = match sig {
            Ok(sig) => {
                match verify(&self.trust.keys(), &sig, &body, now) {
                    // WeChat already signs with a platform certificate this node has not
                    // downloaded yet (a rotation between two refreshes): fetch the list
                    // (verified on its own terms) and try again with it.
                    Err(Error::UnknownSerial(serial)) if !self.trust.public_key_mode() => {
                        match self.download_certificates(now).await {
                            Ok(list) => {
                                self.trust.add(&list, now);
                                verify(&self.trust.keys(), &sig, &body, now)?;
                            }
                            // The list could not be had or does not vouch for it: the
                            // reply stays unverified for the reason it was.
                            Err(_) => return Err(Error::UnknownSerial(serial)),
                        }
                    }
                    other => other?,
                }
                true
            }
            Err(e) if (200..300).contains(&response.status) => return Err(e),
            Err(_) => false,
        };
        Ok(Reply {
            status: response.status,
            body,
            signed,
        })
    }

    /// The app whose openid pays in JSAPI.
    fn paying_app(&self) -> &str {
        match &self.config.merchant {
            Merchant::Direct { appid, .. } => appid,
            Merchant::Partner {
                sub_appid: Some(sub),
                ..
            } => sub,
            Merchant::Partner { sp_appid, .. } => sp_appid,
        }
    }
}

/// A reply whose signature, if it had one, verified.
struct Reply {
    status: u16,
    body: String,
    signed: bool,
}

fn payment_state(state: TradeState) -> PaymentState {
    match state {
        TradeState::Success | TradeState::Refund => PaymentState::Succeeded,
        TradeState::Notpay | TradeState::Userpaying => PaymentState::Pending,
        TradeState::Closed | TradeState::Revoked => PaymentState::Closed,
        TradeState::Payerror => PaymentState::Failed,
    }
}

fn refund_state(status: refund::RefundStatus) -> RefundState {
    match status {
        refund::RefundStatus::Success => RefundState::Succeeded,
        refund::RefundStatus::Processing => RefundState::Processing,
        refund::RefundStatus::Closed | refund::RefundStatus::Abnormal => RefundState::Failed,
    }
}

fn payment_status(t: &Transaction) -> PaymentStatus {
    PaymentStatus {
        intent: t.out_trade_no.clone(),
        state: payment_state(t.trade_state),
        channel_trade_no: t.transaction_id.clone(),
        amount: t.amount.as_ref().map(|a| a.total),
    }
}

#[async_trait]
impl<T: Transport> Charge for WechatChannel<T> {
    async fn create(&self, request: &PaymentRequest, now: DateTime<Utc>) -> Result<Checkout> {
        let scene = match &request.method {
            PayMethod::Jsapi { openid } => Scene::Jsapi {
                openid: openid.clone(),
            },
            PayMethod::H5 { payer_client_ip } => Scene::H5 {
                payer_client_ip: payer_client_ip.clone(),
            },
            PayMethod::Qr => Scene::Native,
        };
        let order = PayOrder {
            description: request.description.clone(),
            out_trade_no: request.intent.clone(),
            amount: request.amount,
            notify_url: self.config.notify_url.clone(),
            time_expire: request.expires_at.map(china),
            attach: None,
            profit_sharing: request.profit_sharing,
        };
        let api = transactions::create(&self.config.merchant, &order, &scene)?;
        let body = self.call(api, now).await?;
        Ok(match transactions::parse_created(&scene, &body)? {
            Created::PrepayId(prepay_id) => Checkout::Jsapi(jsapi_pay_params(
                &self.config.key.private_key,
                self.paying_app(),
                &prepay_id,
                now.timestamp(),
                &new_nonce(&mut rand::rng()),
            )?),
            Created::H5Url(url) => match &request.return_url {
                // WeChat returns the browser to `redirect_url` after the cashier.
                Some(back) => {
                    Checkout::Redirect(format!("{url}&redirect_url={}", percent_encode(back)))
                }
                None => Checkout::Redirect(url),
            },
            Created::CodeUrl(url) => Checkout::QrCode(url),
        })
    }

    async fn query(&self, intent: &str, now: DateTime<Utc>) -> Result<PaymentStatus> {
        let api = transactions::query(&self.config.merchant, intent)?;
        let reply = self.send(api, now).await?;
        if let Err(e) = check_status(reply.status, &reply.body) {
            return match e {
                Error::Channel { code, .. } if code == "ORDER_NOT_EXIST" && reply.signed => {
                    Ok(PaymentStatus {
                        intent: intent.to_owned(),
                        state: PaymentState::NotFound,
                        channel_trade_no: None,
                        amount: None,
                    })
                }
                e => Err(e),
            };
        }
        let t = Transaction::parse(&reply.body)?;
        t.check_merchant(&self.config.merchant)?;
        if t.out_trade_no != intent {
            return Err(Error::Mismatch {
                field: "out_trade_no",
                expected: intent.to_owned(),
                got: t.out_trade_no,
            });
        }
        Ok(payment_status(&t))
    }

    async fn close(&self, intent: &str, now: DateTime<Utc>) -> Result<()> {
        let api = transactions::close(&self.config.merchant, intent)?;
        self.call(api, now).await.map(|_| ())
    }
}

#[async_trait]
impl<T: Transport> Refund for WechatChannel<T> {
    async fn refund(&self, request: &RefundRequest, now: DateTime<Utc>) -> Result<RefundStatus> {
        let order = RefundOrder {
            trade: TradeRef::OutTradeNo(request.intent.clone()),
            out_refund_no: request.refund.clone(),
            reason: request.reason.clone(),
            notify_url: Some(
                self.config
                    .refund_notify_url
                    .clone()
                    .unwrap_or_else(|| self.config.notify_url.clone()),
            ),
            refund: request.amount,
            total: request.paid,
        };
        let api = refund::create(&self.config.merchant, &order)?;
        let body = self.call(api, now).await?;
        let r = refund::Refund::parse(&body)?;
        Ok(RefundStatus {
            refund: r.out_refund_no,
            state: refund_state(r.status),
            amount: Some(r.amount.refund),
        })
    }

    async fn query_refund(
        &self,
        _intent: &str,
        refund_no: &str,
        now: DateTime<Utc>,
    ) -> Result<RefundStatus> {
        let api = refund::query(&self.config.merchant, refund_no);
        let body = self.call(api, now).await?;
        let r = refund::Refund::parse(&body)?;
        Ok(RefundStatus {
            refund: r.out_refund_no,
            state: refund_state(r.status),
            amount: Some(r.amount.refund),
        })
    }
}

impl<T: Transport> Notify for WechatChannel<T> {
    fn verify_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<Notification> {
        let sig =
            SignatureHeaders::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        verify(&self.trust.keys(), &sig, body, now)?;
        let n = WechatNotification::parse(body)?;
        let notice = if n.event_type.starts_with("TRANSACTION.") {
            let t = n.transaction(&self.config.apiv3_key)?;
            t.check_merchant(&self.config.merchant)?;
            Notice::Payment(payment_status(&t))
        } else if n.event_type.starts_with("REFUND.") {
            let r = n.refund(&self.config.apiv3_key)?;
            let (field, expected, got) = match &self.config.merchant {
                Merchant::Direct { mchid, .. } => ("mchid", mchid, &r.mchid),
                Merchant::Partner { sub_mchid, .. } => ("sub_mchid", sub_mchid, &r.sub_mchid),
            };
            if got.as_deref() != Some(expected.as_str()) {
                return Err(Error::Mismatch {
                    field,
                    expected: expected.clone(),
                    got: got.clone().unwrap_or_default(),
                });
            }
            Notice::Refund(RefundStatus {
                refund: r.out_refund_no,
                state: refund_state(r.refund_status),
                amount: Some(r.amount.refund),
            })
        } else {
            return Err(Error::invalid(
                "event_type",
                format!("`{}` is neither a payment nor a refund", n.event_type),
            ));
        };
        Ok(Notification { id: n.id, notice })
    }

    fn answer(&self, outcome: std::result::Result<(), &str>) -> Answer {
        match outcome {
            Ok(()) => Answer {
                status: 204,
                content_type: "application/json",
                body: String::new(),
            },
            Err(reason) => Answer {
                status: 500,
                content_type: "application/json",
                body: failure_answer(reason),
            },
        }
    }
}

#[async_trait]
impl<T: Transport> Bill for WechatChannel<T> {
    async fn download_bill(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<Vec<u8>> {
        let sub = match &self.config.merchant {
            Merchant::Direct { .. } => None,
            Merchant::Partner { sub_mchid, .. } => Some(sub_mchid.as_str()),
        };
        self.download_file(trade_bill(date, TradeBillType::All, sub, false), now)
            .await
    }

    async fn download_fund_bill(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<Vec<u8>> {
        self.download_file(fund_flow_bill(date, AccountType::Basic, false), now)
            .await
    }
}

impl<T: Transport> WechatChannel<T> {
    /// Asks for a bill with `api` (the signed reply names the file and its SHA1), fetches
    /// the file and checks it against the hash.
    async fn download_file(&self, api: ApiRequest, now: DateTime<Utc>) -> Result<Vec<u8>> {
        let body = self.call(api, now).await?;
        let url = BillUrl::parse_on(&body, Some(&self.config.base_url))?;
        if !url.hash_type.eq_ignore_ascii_case("SHA1") {
            return Err(Error::invalid(
                "hash_type",
                format!("`{}` is not SHA1", url.hash_type),
            ));
        }
        // The file itself is not signed; its hash, from the signed reply, vouches for it.
        let api = url.download_request_on(&self.config.base_url)?;
        let nonce = new_nonce(&mut rand::rng());
        let auth = authorization(&self.config.key, &api, now.timestamp(), &nonce)?;
        let response = self
            .transport
            .send(HttpRequest {
                method: Method::Get,
                url: url.download_url.clone(),
                headers: vec![("Authorization".to_owned(), auth)],
                body: String::new(),
            })
            .await?;
        if !(200..300).contains(&response.status) {
            return Err(Error::Channel {
                code: format!("HTTP_{}", response.status),
                message: "bill download failed".into(),
            });
        }
        let digest = hex::encode(Sha1::digest(&response.body));
        if !digest.eq_ignore_ascii_case(&url.hash_value) {
            return Err(Error::Mismatch {
                field: "bill SHA1",
                expected: url.hash_value,
                got: digest,
            });
        }
        Ok(response.body)
    }
}

impl<T: Transport> Channel for WechatChannel<T> {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Wechat
    }
}
