//! Paying a withdrawal out: the [`Payout`] trait, one implementation per channel.
//!
//! Only the bank transfer recorded by hand ([`ManualBank`]) exists: approving leaves the
//! withdrawal `approved` until finance records the transfer's reference (paid) or its
//! failure. WeChat Pay's transfer to balance (商家转账到零钱) is not implemented in the
//! payment crate yet; a request for it is refused.

use daojia_store::entity::withdrawal;

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
    /// the withdrawal's number: a retry after a crash sends nothing twice.
    async fn send(&self, w: &withdrawal::Model) -> Result<Sent, String>;
}

/// A bank transfer made by finance outside the system and recorded by hand.
pub struct ManualBank;

#[async_trait::async_trait]
impl Payout for ManualBank {
    fn channel(&self) -> &'static str {
        "bank"
    }

    async fn send(&self, _w: &withdrawal::Model) -> Result<Sent, String> {
        Ok(Sent::Pending)
    }
}

/// The channels a worker may ask for.
pub const CHANNELS: [&str; 1] = ["bank"];

/// The payout of `channel`.
pub fn of(channel: &str) -> Option<Box<dyn Payout>> {
    match channel {
        "bank" => Some(Box::new(ManualBank)),
        _ => None,
    }
}
