//! Profit sharing (分账) through the WeChat Pay channel: receivers, sharing orders, their
//! query, returns, unfreezing, the amount left, and the verified, decrypted
//! `PROFITSHARING.*` callback.
//!
//! Every create call is idempotent by our number (`out_order_no`, `out_return_no`): after a
//! crash or a timeout, send the same call again and WeChat answers the order it holds.

use super::WechatChannel;
use crate::channel::Transport;
use crate::error::{Error, Result};
use crate::http::ApiRequest;
use crate::wechat::check_status;
use crate::wechat::notify::Notification as WechatNotification;
use crate::wechat::profitsharing::{
    self, Amounts, NewReceiver, ReceiverReply, ReturnOrder, ReturnReply, SharingNotice,
    SharingOrder, SharingReply,
};
use crate::wechat::transfer::{EncryptedName, PayeeName};
use crate::wechat::verify::{SignatureHeaders, verify};
use crate::wechat::{Merchant, Sharer};
use chrono::{DateTime, Utc};
use daojia_domain::money::Money;

/// What profit sharing needs beyond the channel's [`WechatConfig`](super::WechatConfig).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingConfig {
    /// The serial of the platform key (one of [`WechatConfig::platform`](super::WechatConfig))
    /// that encrypts receivers' names (`PUB_KEY_ID_…` recommended).
    pub encryption_serial: Option<String>,
}

/// A verified profit-sharing callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingNotification {
    /// WeChat's notification id (the same on redelivery).
    pub id: String,
    /// `PROFITSHARING.SUCCESS` or `PROFITSHARING.RETURN`.
    pub event_type: String,
    /// The movement.
    pub notice: SharingNotice,
}

/// WeChat's code for a sharing or return order it does not hold.
const NOT_FOUND: &str = "RESOURCE_NOT_EXISTS";

impl<T: Transport> WechatChannel<T> {
    /// The channel with profit sharing configured.
    pub fn with_sharing(mut self, sharing: SharingConfig) -> Self {
        self.sharing = sharing;
        self
    }

    /// Seals `name` under the configured encryption key, or (none configured) the platform
    /// public key or the newest platform certificate in force, as for transfers.
    fn seal(&self, name: &PayeeName, now: DateTime<Utc>) -> Result<EncryptedName> {
        let (serial, key) = self
            .trust
            .encryption_key(self.sharing.encryption_serial.as_deref(), now)?;
        EncryptedName::seal(&serial, &key, name)
    }

    /// Adds `receiver` to the sharer's receivers; `name` is a merchant receiver's full name
    /// (sealed here with RSA-OAEP under the platform key). Adding one already there is
    /// accepted again.
    pub async fn add_sharing_receiver(
        &self,
        receiver: &NewReceiver,
        name: Option<&PayeeName>,
        now: DateTime<Utc>,
    ) -> Result<ReceiverReply> {
        let sealed = name.map(|n| self.seal(n, now)).transpose()?;
        let call = profitsharing::add_receiver(&self.config.merchant, receiver, sealed.as_ref())?;
        let extra = call
            .wechatpay_serial
            .map(|s| vec![("Wechatpay-Serial".to_owned(), s)])
            .unwrap_or_default();
        let reply = self.send_with(call.request, extra, now).await?;
        check_status(reply.status, &reply.body)?;
        let r = ReceiverReply::parse(&reply.body)?;
        same("account", &receiver.account, &r.account)?;
        Ok(r)
    }

    /// Requests a sharing order (or answers the one held under its number).
    pub async fn share(&self, order: &SharingOrder, now: DateTime<Utc>) -> Result<SharingReply> {
        let api = profitsharing::create(&self.config.merchant, order)?;
        let r = SharingReply::parse(&self.call(api, now).await?)?;
        self.check_reply(&r, &order.out_order_no, &order.transaction_id)?;
        Ok(r)
    }

    /// The sharing (or unfreeze) order numbered `out_order_no` by us, `None` when WeChat
    /// says (signed) that it holds none.
    pub async fn query_sharing(
        &self,
        out_order_no: &str,
        transaction_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SharingReply>> {
        let api = profitsharing::query(&self.config.merchant, out_order_no, transaction_id)?;
        let Some(body) = self.call_or_none(api, now).await? else {
            return Ok(None);
        };
        let r = SharingReply::parse(&body)?;
        self.check_reply(&r, out_order_no, transaction_id)?;
        Ok(Some(r))
    }

    /// Unfreezes what is left of a payment for the sharer, under our number `out_order_no`.
    pub async fn unfreeze(
        &self,
        transaction_id: &str,
        out_order_no: &str,
        description: &str,
        now: DateTime<Utc>,
    ) -> Result<SharingReply> {
        let api = profitsharing::unfreeze(
            &self.config.merchant,
            transaction_id,
            out_order_no,
            description,
        )?;
        let r = SharingReply::parse(&self.call(api, now).await?)?;
        self.check_reply(&r, out_order_no, transaction_id)?;
        Ok(r)
    }

    /// Asks a merchant receiver to give a share back (before a refund).
    pub async fn return_share(
        &self,
        order: &ReturnOrder,
        now: DateTime<Utc>,
    ) -> Result<ReturnReply> {
        let api = profitsharing::create_return(&self.config.merchant, order)?;
        let r = ReturnReply::parse(&self.call(api, now).await?)?;
        same("out_return_no", &order.out_return_no, &r.out_return_no)?;
        self.check_sharer(r.sub_mchid.as_deref())?;
        Ok(r)
    }

    /// The return numbered `out_return_no`, `None` when WeChat holds none.
    pub async fn query_return(
        &self,
        out_return_no: &str,
        out_order_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ReturnReply>> {
        let api = profitsharing::query_return(&self.config.merchant, out_return_no, out_order_no)?;
        let Some(body) = self.call_or_none(api, now).await? else {
            return Ok(None);
        };
        let r = ReturnReply::parse(&body)?;
        same("out_return_no", out_return_no, &r.out_return_no)?;
        self.check_sharer(r.sub_mchid.as_deref())?;
        Ok(Some(r))
    }

    /// What is left to share of payment `transaction_id`.
    pub async fn unsplit_amount(&self, transaction_id: &str, now: DateTime<Utc>) -> Result<Money> {
        let a = Amounts::parse(
            &self
                .call(profitsharing::amounts(transaction_id)?, now)
                .await?,
        )?;
        same("transaction_id", transaction_id, &a.transaction_id)?;
        Ok(a.unsplit_amount)
    }

    /// Verifies a profit-sharing callback, decrypts it and checks that it is this
    /// merchant's (the service provider and sub-merchant, or the direct merchant).
    pub fn verify_sharing_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<SharingNotification> {
        let sig =
            SignatureHeaders::from_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
        verify(&self.config.platform, &sig, body, now)?;
        let n = WechatNotification::parse(body)?;
        let notice = n.profit_sharing(&self.config.apiv3_key)?;
        match &self.config.merchant {
            Merchant::Direct { mchid, .. } => {
                same("mchid", mchid, notice.mchid.as_deref().unwrap_or(""))?
            }
            Merchant::Partner {
                sp_mchid,
                sub_mchid,
                ..
            } => {
                same(
                    "sp_mchid",
                    sp_mchid,
                    notice.sp_mchid.as_deref().unwrap_or(""),
                )?;
                same(
                    "sub_mchid",
                    sub_mchid,
                    notice.sub_mchid.as_deref().unwrap_or(""),
                )?;
            }
        }
        Ok(SharingNotification {
            id: n.id,
            event_type: n.event_type,
            notice,
        })
    }

    /// The sharer of this channel's payments.
    pub fn sharer(&self) -> Sharer {
        Sharer::of(&self.config.merchant)
    }

    async fn call_or_none(&self, api: ApiRequest, now: DateTime<Utc>) -> Result<Option<String>> {
        let reply = self.send(api, now).await?;
        if let Err(e) = check_status(reply.status, &reply.body) {
            return match e {
                // Only a signed "not found" is taken as WeChat's word.
                Error::Channel { code, .. } if code == NOT_FOUND && reply.signed => Ok(None),
                e => Err(e),
            };
        }
        Ok(Some(reply.body))
    }

    fn check_reply(
        &self,
        r: &SharingReply,
        out_order_no: &str,
        transaction_id: &str,
    ) -> Result<()> {
        same("out_order_no", out_order_no, &r.out_order_no)?;
        same("transaction_id", transaction_id, &r.transaction_id)?;
        self.check_sharer(r.sub_mchid.as_deref())
    }

    fn check_sharer(&self, got: Option<&str>) -> Result<()> {
        match &self.config.merchant {
            Merchant::Partner { sub_mchid, .. } => same("sub_mchid", sub_mchid, got.unwrap_or("")),
            Merchant::Direct { .. } => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl<T: Transport> crate::channel::ProfitShare for WechatChannel<T> {
    fn sharer(&self) -> Sharer {
        WechatChannel::sharer(self)
    }

    async fn add_receiver(
        &self,
        receiver: &NewReceiver,
        name: Option<&PayeeName>,
        now: DateTime<Utc>,
    ) -> Result<ReceiverReply> {
        self.add_sharing_receiver(receiver, name, now).await
    }

    async fn share(&self, order: &SharingOrder, now: DateTime<Utc>) -> Result<SharingReply> {
        WechatChannel::share(self, order, now).await
    }

    async fn query_sharing(
        &self,
        out_order_no: &str,
        transaction_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SharingReply>> {
        WechatChannel::query_sharing(self, out_order_no, transaction_id, now).await
    }

    async fn unfreeze(
        &self,
        transaction_id: &str,
        out_order_no: &str,
        description: &str,
        now: DateTime<Utc>,
    ) -> Result<SharingReply> {
        WechatChannel::unfreeze(self, transaction_id, out_order_no, description, now).await
    }

    async fn return_share(&self, order: &ReturnOrder, now: DateTime<Utc>) -> Result<ReturnReply> {
        WechatChannel::return_share(self, order, now).await
    }

    async fn query_return(
        &self,
        out_return_no: &str,
        out_order_no: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<ReturnReply>> {
        WechatChannel::query_return(self, out_return_no, out_order_no, now).await
    }

    async fn unsplit_amount(&self, transaction_id: &str, now: DateTime<Utc>) -> Result<Money> {
        WechatChannel::unsplit_amount(self, transaction_id, now).await
    }

    fn verify_sharing_notification(
        &self,
        headers: &[(String, String)],
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<SharingNotification> {
        WechatChannel::verify_sharing_notification(self, headers, body, now)
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
