//! Transfers to a user's WeChat balance (商家转账) through the WeChat Pay channel: create,
//! query, cancel, and the verified, decrypted `MCHTRANSFER.BILL.FINISHED` callback.
//!
//! Creating is idempotent by `out_bill_no`: after a crash (or a timeout, or any error that
//! is not a clear refusal) send the same order again with the same number and WeChat answers
//! the bill it already holds, in whatever state it has reached; it never pays twice. Change
//! the number only once a query shows the bill `FAIL` or `CANCELLED`. A payee's name is
//! encrypted afresh on each attempt (RSA-OAEP is randomised); WeChat compares the names, not
//! the ciphertexts.

use super::WechatChannel;
use crate::channel::Transport;
use crate::error::{Error, Result};
use crate::wechat::Merchant;
use crate::wechat::check_status;
use crate::wechat::notify::Notification as WechatNotification;
use crate::wechat::transfer::{
    self, CancelReply, Created, EncryptedName, TransferBill, TransferNotice, TransferOrder,
};
use crate::wechat::verify::{SignatureHeaders, verify};
use chrono::{DateTime, Utc};

/// What transfers need beyond the channel's [`WechatConfig`](super::WechatConfig).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransferConfig {
    /// Where transfer callbacks go when an order names no `notify_url`.
    pub notify_url: Option<String>,
    /// The serial of the platform key that encrypts payee names: WeChat recommends its
    /// platform public key (`PUB_KEY_ID_…`). When `None`, the platform public key if one is
    /// configured, otherwise the newest platform certificate in force
    /// ([`PlatformTrust::encryption_key`](super::PlatformTrust::encryption_key)).
    pub encryption_serial: Option<String>,
}

/// A verified transfer callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferNotification {
    /// WeChat's notification id (the same on redelivery).
    pub id: String,
    /// The bill as it ended.
    pub bill: TransferNotice,
}

/// WeChat's code for a bill it does not hold.
const NOT_FOUND: &str = "NOT_FOUND";

impl<T: Transport> WechatChannel<T> {
    /// The channel with transfers configured.
    pub fn with_transfers(mut self, transfers: TransferConfig) -> Self {
        self.transfers = transfers;
        self
    }

    /// Asks WeChat to transfer `order.transfer_amount` to the payee. The reply is normally
    /// `WAIT_USER_CONFIRM` with the `package_info` the payee's WeChat needs to confirm; a
    /// repeated order answers the bill as it stands. Refused before any call when WeChat
    /// would refuse it (see [`transfer::validate`]).
    pub async fn create_transfer(
        &self,
        order: &TransferOrder,
        now: DateTime<Utc>,
    ) -> Result<Created> {
        let appid = self.transfer_appid()?;
        let mut order = order.clone();
        if order.notify_url.is_none() {
            order.notify_url = self.transfers.notify_url.clone();
        }
        transfer::validate(&order)?;
        let sealed = match &order.user_name {
            None => None,
            Some(name) => {
                let (serial, key) = self
                    .trust
                    .encryption_key(self.transfers.encryption_serial.as_deref(), now)?;
                Some(EncryptedName::seal(&serial, &key, name)?)
            }
        };
        let call = transfer::create(appid, &order, sealed.as_ref())?;
        let extra = call
            .wechatpay_serial
            .map(|s| vec![("Wechatpay-Serial".to_owned(), s)])
            .unwrap_or_default();
        let reply = self.send_with(call.request, extra, now).await?;
        check_status(reply.status, &reply.body)?;
        let created = Created::parse(&reply.body)?;
        same("out_bill_no", &order.out_bill_no, &created.out_bill_no)?;
        Ok(created)
    }

    /// The bill numbered `out_bill_no` by us, or `None` when WeChat says (signed) that it
    /// holds none.
    pub async fn query_transfer(
        &self,
        out_bill_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TransferBill>> {
        let bill = self.query_bill(transfer::query(out_bill_no), now).await?;
        if let Some(b) = &bill {
            same("out_bill_no", out_bill_no, &b.out_bill_no)?;
        }
        Ok(bill)
    }

    /// The bill numbered `transfer_bill_no` by WeChat, or `None` when it holds none.
    pub async fn query_transfer_by_bill_no(
        &self,
        transfer_bill_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TransferBill>> {
        let bill = self
            .query_bill(transfer::query_by_transfer_bill_no(transfer_bill_no), now)
            .await?;
        if let Some(b) = &bill {
            same("transfer_bill_no", transfer_bill_no, &b.transfer_bill_no)?;
        }
        Ok(bill)
    }

    /// Cancels a bill the payee has not confirmed yet. The reply says `CANCELING`; the
    /// callback (or a query) tells when it is `CANCELLED`.
    pub async fn cancel_transfer(
        &self,
        out_bill_no: &str,
        now: DateTime<Utc>,
    ) -> Result<CancelReply> {
        self.transfer_appid()?;
        let body = self.call(transfer::cancel(out_bill_no), now).await?;
        let reply = CancelReply::parse(&body)?;
        same("out_bill_no", out_bill_no, &reply.out_bill_no)?;
        Ok(reply)
    }

    /// Verifies a transfer callback (headers and raw body as received), decrypts its bill
    /// and checks that it is this merchant's. Nothing may be done with it before this
    /// succeeds; answer it with [`Notify::answer`](crate::channel::Notify::answer).
    pub fn verify_transfer_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<TransferNotification> {
        let sig =
            SignatureHeaders::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        verify(&self.trust.keys(), &sig, body, now)?;
        let n = WechatNotification::parse(body)?;
        let bill = n.transfer(&self.config.apiv3_key)?;
        same("mch_id", self.config.merchant.signing_mchid(), &bill.mch_id)?;
        Ok(TransferNotification { id: n.id, bill })
    }

    async fn query_bill(
        &self,
        api: crate::http::ApiRequest,
        now: DateTime<Utc>,
    ) -> Result<Option<TransferBill>> {
        self.transfer_appid()?;
        let reply = self.send(api, now).await?;
        if let Err(e) = check_status(reply.status, &reply.body) {
            return match e {
                // Only a signed "not found" is taken as WeChat's word.
                Error::Channel { code, .. } if code == NOT_FOUND && reply.signed => Ok(None),
                e => Err(e),
            };
        }
        let bill = TransferBill::parse(&reply.body)?;
        same("mch_id", self.config.merchant.signing_mchid(), &bill.mch_id)?;
        Ok(Some(bill))
    }

    /// The app the payees' openids belong to (transfers here are a direct merchant's).
    fn transfer_appid(&self) -> Result<&str> {
        match &self.config.merchant {
            Merchant::Direct { appid, .. } => Ok(appid),
            Merchant::Partner { .. } => Err(Error::Unsupported(
                "transfers for a service provider's sub-merchant (the partner API is not implemented)",
            )),
        }
    }
}

#[async_trait::async_trait]
impl<T: Transport> crate::channel::Transfer for WechatChannel<T> {
    fn transfer_ids(&self) -> Result<(String, String)> {
        let appid = self.transfer_appid()?.to_owned();
        Ok((self.config.merchant.signing_mchid().to_owned(), appid))
    }

    async fn create_transfer(&self, order: &TransferOrder, now: DateTime<Utc>) -> Result<Created> {
        WechatChannel::create_transfer(self, order, now).await
    }

    async fn query_transfer(
        &self,
        out_bill_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<TransferBill>> {
        WechatChannel::query_transfer(self, out_bill_no, now).await
    }

    fn verify_transfer_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<TransferNotification> {
        WechatChannel::verify_transfer_notification(self, headers, body, now)
    }

    fn answer_transfer(&self, outcome: std::result::Result<(), &str>) -> crate::channel::Answer {
        crate::channel::Notify::answer(self, outcome)
    }
}

fn same(field: &'static str, expected: &str, got: &str) -> Result<()> {
    if expected == got {
        Ok(())
    } else {
        Err(Error::Mismatch {
            field,
            expected: expected.to_owned(),
            got: got.to_owned(),
        })
    }
}

/// The exchange of a web authorisation code (`snsapi_base`) for the user's openid under the
/// official account, over a [`Transport`]: [`oauth::access_token_request`](crate::wechat::oauth::access_token_request)
/// sent to `base_url` (WeChat's `https://api.weixin.qq.com`, or the simulator's `/wechat`),
/// its answer read by [`oauth::parse_access_token`](crate::wechat::oauth::parse_access_token).
/// Payees of transfers are named by this openid. The request carries the app secret: its
/// URL is never logged.
pub struct CodeExchange<T> {
    /// Where the exchange is sent, without a trailing slash.
    pub base_url: String,
    /// The official account (the paying app).
    pub appid: String,
    /// Its app secret.
    pub secret: daojia_domain::secret::Secret<String>,
    /// How it is sent.
    pub transport: T,
}

#[async_trait::async_trait]
impl<T: Transport> crate::channel::OpenidForCode for CodeExchange<T> {
    async fn openid_for_code(&self, code: &str) -> Result<String> {
        let path =
            crate::wechat::oauth::access_token_request(&self.appid, self.secret.expose(), code)?;
        let reply = self
            .transport
            .send(crate::channel::HttpRequest {
                method: crate::http::Method::Get,
                url: format!("{}{path}", self.base_url.trim_end_matches('/')),
                headers: vec![],
                body: String::new(),
            })
            .await?;
        let body = std::str::from_utf8(&reply.body)
            .map_err(|_| Error::invalid("access_token reply", "not UTF-8"))?;
        Ok(crate::wechat::oauth::parse_access_token(body)?.openid)
    }
}
