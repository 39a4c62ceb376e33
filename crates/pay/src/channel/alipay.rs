//! Alipay behind the channel traits: every call is signed with the application key and every
//! reply is verified with the Alipay public key before it is read.

use super::{
    Answer, Bill, Channel, ChannelKind, Charge, Checkout, HttpRequest, Notice, Notification,
    Notify, PayMethod, PaymentRequest, PaymentState, PaymentStatus, Refund, RefundRequest,
    RefundState, RefundStatus, Transport,
};
use crate::alipay::GATEWAY;
use crate::alipay::notify::{SUCCESS_ANSWER, TradeNotification, parse_form};
use crate::alipay::sign::{AppKey, Urls, china_time, encode, page_url, signed_params};
use crate::alipay::trade::{self, BillType, PayOrder, RefundOrder, TradeStatus};
use crate::alipay::verify::{verify_notification, verify_response};
use crate::error::{Error, Result};
use crate::http::Method;
use crate::keys::PublicKey;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// What an Alipay channel needs to know.
#[derive(Debug, Clone)]
pub struct AlipayConfig {
    /// Our application and its private key.
    pub app: AppKey,
    /// Alipay's public key (支付宝公钥), which signs replies and notifications.
    pub alipay_public_key: PublicKey,
    /// Where notifications go.
    pub notify_url: String,
    /// The gateway ([`GATEWAY`], or the simulator's).
    pub gateway: String,
}

impl AlipayConfig {
    /// The production gateway.
    pub const DEFAULT_GATEWAY: &'static str = GATEWAY;
}

/// Alipay over a transport.
pub struct AlipayChannel<T> {
    config: AlipayConfig,
    transport: T,
}

impl<T: Transport> AlipayChannel<T> {
    /// A channel for `config` that sends through `transport`.
    pub fn new(config: AlipayConfig, transport: T) -> Self {
        AlipayChannel { config, transport }
    }

    /// The transport (tests and the simulator inspect it).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    fn urls(&self) -> Urls<'_> {
        Urls {
            notify_url: Some(&self.config.notify_url),
            return_url: None,
        }
    }

    /// Signs and posts a call; verifies the reply and returns its reply member's raw JSON.
    async fn call(&self, method: &str, biz_content: &str, now: DateTime<Utc>) -> Result<String> {
        let params = signed_params(&self.config.app, method, biz_content, &self.urls(), now)?;
        let response = self
            .transport
            .send(HttpRequest {
                method: Method::Post,
                url: format!("{}?charset=utf-8", self.config.gateway),
                headers: vec![(
                    "Content-Type".to_owned(),
                    "application/x-www-form-urlencoded;charset=utf-8".to_owned(),
                )],
                body: encode(&params),
            })
            .await?;
        if !(200..300).contains(&response.status) {
            return Err(Error::Channel {
                code: format!("HTTP_{}", response.status),
                message: "the Alipay gateway refused the call".into(),
            });
        }
        let member = verify_response(&self.config.alipay_public_key, method, response.text()?)?;
        Ok(member.to_owned())
    }
}

fn payment_state(status: TradeStatus) -> PaymentState {
    match status {
        TradeStatus::WaitBuyerPay => PaymentState::Pending,
        TradeStatus::TradeSuccess | TradeStatus::TradeFinished => PaymentState::Succeeded,
        TradeStatus::TradeClosed => PaymentState::Closed,
    }
}

#[async_trait]
impl<T: Transport> Charge for AlipayChannel<T> {
    async fn create(&self, request: &PaymentRequest, now: DateTime<Utc>) -> Result<Checkout> {
        let order = PayOrder {
            out_trade_no: request.intent.clone(),
            amount: request.amount,
            subject: request.description.clone(),
            quit_url: request.return_url.clone(),
            time_expire: request.expires_at.map(china_time),
        };
        match &request.method {
            PayMethod::Jsapi { .. } => Err(Error::Unsupported(
                "JSAPI payment is WeChat's; use H5 or QR with Alipay",
            )),
            PayMethod::H5 { .. } => {
                // A page payment: the browser carries the signed request to the gateway.
                let urls = Urls {
                    notify_url: Some(&self.config.notify_url),
                    return_url: request.return_url.as_deref(),
                };
                let params = signed_params(
                    &self.config.app,
                    trade::WAP_PAY,
                    &trade::wap_pay(&order)?,
                    &urls,
                    now,
                )?;
                Ok(Checkout::Redirect(page_url(&self.config.gateway, &params)))
            }
            PayMethod::Qr => {
                let member = self
                    .call(trade::PRECREATE, &trade::precreate(&order)?, now)
                    .await?;
                Ok(Checkout::QrCode(trade::parse_precreate(&member)?.qr_code))
            }
        }
    }

    async fn query(&self, intent: &str, now: DateTime<Utc>) -> Result<PaymentStatus> {
        let member = self
            .call(trade::QUERY, &trade::by_out_trade_no(intent), now)
            .await?;
        match trade::parse_query(&member) {
            Ok(t) => {
                if t.out_trade_no != intent {
                    return Err(Error::Mismatch {
                        field: "out_trade_no",
                        expected: intent.to_owned(),
                        got: t.out_trade_no,
                    });
                }
                Ok(PaymentStatus {
                    intent: t.out_trade_no,
                    state: payment_state(t.trade_status),
                    channel_trade_no: Some(t.trade_no),
                    amount: Some(t.total_amount),
                })
            }
            // A page payment the payer never opened does not exist at Alipay.
            Err(Error::Channel { code, .. }) if code == "ACQ.TRADE_NOT_EXIST" => {
                Ok(PaymentStatus {
                    intent: intent.to_owned(),
                    state: PaymentState::NotFound,
                    channel_trade_no: None,
                    amount: None,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn close(&self, intent: &str, now: DateTime<Utc>) -> Result<()> {
        let member = self
            .call(trade::CLOSE, &trade::by_out_trade_no(intent), now)
            .await?;
        trade::parse_close(&member).map(|_| ())
    }
}

#[async_trait]
impl<T: Transport> Refund for AlipayChannel<T> {
    async fn refund(&self, request: &RefundRequest, now: DateTime<Utc>) -> Result<RefundStatus> {
        if request.amount > request.paid {
            return Err(Error::invalid(
                "refund",
                format!(
                    "{} fen is more than the payment's {} fen",
                    request.amount.as_fen(),
                    request.paid.as_fen()
                ),
            ));
        }
        let order = RefundOrder {
            out_trade_no: request.intent.clone(),
            out_request_no: request.refund.clone(),
            amount: request.amount,
            reason: request.reason.clone(),
        };
        let member = self
            .call(trade::REFUND, &trade::refund(&order)?, now)
            .await?;
        let r = trade::parse_refund(&member)?;
        // `fund_change` N: this call moved no money (a retry): confirm with a refund query.
        let state = if r.fund_change {
            RefundState::Succeeded
        } else {
            RefundState::Processing
        };
        Ok(RefundStatus {
            refund: request.refund.clone(),
            state,
            amount: Some(request.amount),
        })
    }

    async fn query_refund(
        &self,
        intent: &str,
        refund_no: &str,
        now: DateTime<Utc>,
    ) -> Result<RefundStatus> {
        let member = self
            .call(
                trade::REFUND_QUERY,
                &trade::refund_query(intent, refund_no),
                now,
            )
            .await?;
        let r = trade::parse_refund_query(&member)?;
        // Without REFUND_SUCCESS the refund has not been made (yet): retrying it with the
        // same number is safe, so it stays in progress rather than failed.
        Ok(RefundStatus {
            refund: refund_no.to_owned(),
            state: if r.succeeded {
                RefundState::Succeeded
            } else {
                RefundState::Processing
            },
            amount: r.refund_amount,
        })
    }
}

impl<T: Transport> Notify for AlipayChannel<T> {
    fn verify_notification(
        &self,
        _headers: &[(String, String)],
        body: &str,
        _now: DateTime<Utc>,
    ) -> Result<Notification> {
        let params = parse_form(body)?;
        verify_notification(
            &self.config.alipay_public_key,
            &params,
            &self.config.app.app_id,
        )?;
        let n = TradeNotification::from_params(&params)?;
        Ok(Notification {
            id: n.notify_id,
            notice: Notice::Payment(PaymentStatus {
                intent: n.out_trade_no,
                state: payment_state(n.trade_status),
                channel_trade_no: Some(n.trade_no),
                amount: Some(n.total_amount),
            }),
        })
    }

    fn answer(&self, outcome: std::result::Result<(), &str>) -> Answer {
        Answer {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            // Anything but `success` makes Alipay send the notification again.
            body: match outcome {
                Ok(()) => SUCCESS_ANSWER.to_owned(),
                Err(_) => "fail".to_owned(),
            },
        }
    }
}

#[async_trait]
impl<T: Transport> Bill for AlipayChannel<T> {
    async fn download_bill(&self, date: NaiveDate, now: DateTime<Utc>) -> Result<Vec<u8>> {
        let member = self
            .call(
                trade::BILL_URL,
                &trade::bill_url(BillType::Trade, date),
                now,
            )
            .await?;
        let url = trade::parse_bill_url(&member)?;
        if !url.starts_with("https://") && !url.starts_with("http://") {
            return Err(Error::invalid("bill_download_url", "not an HTTP URL"));
        }
        let response = self
            .transport
            .send(HttpRequest {
                method: Method::Get,
                url,
                headers: Vec::new(),
                body: String::new(),
            })
            .await?;
        if !(200..300).contains(&response.status) {
            return Err(Error::Channel {
                code: format!("HTTP_{}", response.status),
                message: "bill download failed".into(),
            });
        }
        Ok(response.body)
    }
}

impl<T: Transport> Channel for AlipayChannel<T> {
    fn kind(&self) -> ChannelKind {
        ChannelKind::Alipay
    }
}
