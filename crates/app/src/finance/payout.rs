//! Paying a withdrawal out: the [`Payout`] trait, one implementation per channel.
//!
//! Two channels: the bank transfer recorded by hand ([`ManualBank`]: approving leaves the
//! withdrawal `approved` until finance records the transfer's reference or its failure),
//! and WeChat Pay's transfer to the worker's balance ([`WechatTransfer`], 商家转账: the
//! bill waits for the payee to confirm in WeChat; its callback, or the query job, tells the
//! outcome). WeChat is offered only where transfers are configured and to a worker who has
//! bound a payee ([`offered`]).

use super::transfers::{self, Transfers};
use crate::App;
use chrono::{DateTime, Utc};
use daojia_store::entity::withdrawal;
use std::sync::Arc;

/// What the channel said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sent {
    /// Paid, with the channel's reference.
    Paid(String),
    /// Under way (or left to finance): the outcome is recorded later.
    Pending,
    /// Refused or failed, with the reason: the amount goes back.
    Failed(String),
}

/// A payout channel.
#[async_trait::async_trait]
pub trait Payout: Send + Sync {
    /// The channel's code (`bank`, `wechat`).
    fn channel(&self) -> &'static str;
    /// Sends the approved withdrawal `w` (its amount less its fee). Must be idempotent by
    /// the withdrawal's number: a retry after a crash sends nothing twice. `Err` means the
    /// outcome is unknown (the channel could not be reached): the withdrawal stays
    /// approved and is sent again later.
    async fn send(&self, w: &withdrawal::Model, now: DateTime<Utc>) -> Result<Sent, String>;
}

/// A bank transfer made by finance outside the system and recorded by hand.
pub struct ManualBank;

#[async_trait::async_trait]
impl Payout for ManualBank {
    fn channel(&self) -> &'static str {
        "bank"
    }

    async fn send(&self, _w: &withdrawal::Model, _now: DateTime<Utc>) -> Result<Sent, String> {
        Ok(Sent::Pending)
    }
}

/// A transfer to the worker's WeChat balance (商家转账), to the payee the withdrawal was
/// asked for.
pub struct WechatTransfer {
    app: App,
    transfers: Arc<Transfers>,
}

#[async_trait::async_trait]
impl Payout for WechatTransfer {
    fn channel(&self) -> &'static str {
        "wechat"
    }

    async fn send(&self, w: &withdrawal::Model, now: DateTime<Utc>) -> Result<Sent, String> {
        transfers::send(&self.app, &self.transfers, w, now).await
    }
}

/// Every payout channel this code knows.
pub const CHANNELS: [&str; 2] = ["bank", "wechat"];

/// The payout of `channel` on `app` (`wechat` only where transfers are configured).
pub fn of(app: &App, channel: &str) -> Option<Box<dyn Payout>> {
    match channel {
        "bank" => Some(Box::new(ManualBank)),
        "wechat" => app.transfers.clone().map(|transfers| {
            Box::new(WechatTransfer {
                app: app.clone(),
                transfers,
            }) as Box<dyn Payout>
        }),
        _ => None,
    }
}

/// The channels worker `worker` may ask for now: the bank always; WeChat where transfers
/// are configured and the worker has bound a payee under the paying app.
pub async fn offered(app: &App, worker: uuid::Uuid) -> crate::Result<Vec<&'static str>> {
    let mut list = vec!["bank"];
    if let Some(t) = &app.transfers
        && transfers::payee(app, t, worker).await?.is_some()
    {
        list.push("wechat");
    }
    Ok(list)
}
