//! Online payments of an order: the payment intent (one attempt to collect an amount through
//! one channel) and the refund (money sent back through the channel it came from), each a
//! small state machine.
//!
//! ```text
//! intent:  created ──open──► pending ──succeed──► succeeded
//!             │                 │ ──fail──► failed
//!             └──────close──────┴──close──► closed
//! refund:  requested ──submit──► processing ──succeed──► succeeded
//!             └───────────────────────┴──fail──► failed
//! ```
//!
//! A transition that is already in place (a notification delivered twice, a query that
//! finds what a callback already said) changes nothing ([`Change::Unchanged`]); one that
//! would rewrite history (a paid intent "failing", a refund of more than is left) is refused
//! with a reason ([`Refused`]). Amounts are integer fen.

use crate::money::Money;
use crate::order::OrderState;
use crate::order::machine::Order;
use serde::{Deserialize, Serialize};
use std::fmt;

/// How the payer pays: one channel and one way of paying through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PayChannel {
    /// WeChat Pay Native: a QR code (`code_url`).
    WechatNative,
    /// WeChat Pay H5: a mobile browser page (`h5_url`).
    WechatH5,
    /// WeChat Pay JSAPI: inside WeChat's browser, with the payer's openid under the app;
    /// the page calls `WeixinJSBridge` with the signed parameters.
    WechatJsapi,
    /// Alipay precreate: a QR code.
    AlipayPrecreate,
    /// Alipay WAP pay: a mobile browser page.
    AlipayWap,
}

/// Which payment provider carries a [`PayChannel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provider {
    /// WeChat Pay.
    Wechat,
    /// Alipay.
    Alipay,
}

impl Provider {
    /// The stable code (`wechat`, `alipay`), also the callback path's last segment.
    pub fn code(self) -> &'static str {
        match self {
            Provider::Wechat => "wechat",
            Provider::Alipay => "alipay",
        }
    }

    /// The provider of a code.
    pub fn parse(code: &str) -> Option<Provider> {
        match code {
            "wechat" => Some(Provider::Wechat),
            "alipay" => Some(Provider::Alipay),
            _ => None,
        }
    }
}

impl PayChannel {
    /// Every channel.
    pub const ALL: [PayChannel; 5] = [
        PayChannel::WechatNative,
        PayChannel::WechatH5,
        PayChannel::WechatJsapi,
        PayChannel::AlipayPrecreate,
        PayChannel::AlipayWap,
    ];

    /// The stable code (`wechat_native`…).
    pub fn code(self) -> &'static str {
        match self {
            PayChannel::WechatNative => "wechat_native",
            PayChannel::WechatH5 => "wechat_h5",
            PayChannel::WechatJsapi => "wechat_jsapi",
            PayChannel::AlipayPrecreate => "alipay_precreate",
            PayChannel::AlipayWap => "alipay_wap",
        }
    }

    /// The channel of a code.
    pub fn parse(code: &str) -> Option<PayChannel> {
        PayChannel::ALL.into_iter().find(|c| c.code() == code)
    }

    /// Who carries it.
    pub fn provider(self) -> Provider {
        match self {
            PayChannel::WechatNative | PayChannel::WechatH5 | PayChannel::WechatJsapi => {
                Provider::Wechat
            }
            PayChannel::AlipayPrecreate | PayChannel::AlipayWap => Provider::Alipay,
        }
    }

    /// True for a QR code, false for a browser page.
    pub fn is_qr(self) -> bool {
        matches!(self, PayChannel::WechatNative | PayChannel::AlipayPrecreate)
    }

    /// True when the payer is named by their openid (JSAPI): the payment is opened only
    /// for a customer whose openid under the paying app is known.
    pub fn needs_openid(self) -> bool {
        matches!(self, PayChannel::WechatJsapi)
    }
}

/// State of a payment intent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntentState {
    /// Written, not yet accepted by the channel.
    Created,
    /// The channel has it; the payer has not paid (yet).
    Pending,
    /// Paid (final).
    Succeeded,
    /// The channel refused it or the payment failed (final).
    Failed,
    /// Closed unpaid: expired or replaced (final).
    Closed,
}

impl IntentState {
    /// The stable code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            IntentState::Created => "created",
            IntentState::Pending => "pending",
            IntentState::Succeeded => "succeeded",
            IntentState::Failed => "failed",
            IntentState::Closed => "closed",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<IntentState> {
        [
            IntentState::Created,
            IntentState::Pending,
            IntentState::Succeeded,
            IntentState::Failed,
            IntentState::Closed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// True while the payer may still pay it.
    pub fn is_open(self) -> bool {
        matches!(self, IntentState::Created | IntentState::Pending)
    }
}

/// State of a refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Decided, not yet accepted by the channel.
    Requested,
    /// The channel accepted it; the money is on its way.
    Processing,
    /// The money is back with the payer (final).
    Succeeded,
    /// The channel refused or closed it: a person must act (final).
    Failed,
}

impl RefundState {
    /// The stable code stored and shown.
    pub fn code(self) -> &'static str {
        match self {
            RefundState::Requested => "requested",
            RefundState::Processing => "processing",
            RefundState::Succeeded => "succeeded",
            RefundState::Failed => "failed",
        }
    }

    /// The state of a code.
    pub fn parse(code: &str) -> Option<RefundState> {
        [
            RefundState::Requested,
            RefundState::Processing,
            RefundState::Succeeded,
            RefundState::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    /// True until the channel has said the last word.
    pub fn is_open(self) -> bool {
        matches!(self, RefundState::Requested | RefundState::Processing)
    }
}

/// What a transition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// The state changed.
    Changed,
    /// It was already so (a retry or a duplicate): nothing to write.
    Unchanged,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{action} refused in state {from}: {reason}")]
pub struct Refused {
    /// What was asked (`succeed`, `refund`…).
    pub action: &'static str,
    /// The state it was asked in.
    pub from: &'static str,
    /// Why not, for the operator.
    pub reason: &'static str,
}

/// One attempt to collect `amount` through one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    /// Where it stands.
    pub state: IntentState,
    /// What it collects.
    pub amount: Money,
}

impl Intent {
    /// A new intent for `amount` (more than zero).
    pub fn new(amount: Money) -> Result<Intent, Refused> {
        if amount <= Money::ZERO {
            return Err(Refused {
                action: "create",
                from: "none",
                reason: "a payment must be more than zero",
            });
        }
        Ok(Intent {
            state: IntentState::Created,
            amount,
        })
    }

    fn refuse(&self, action: &'static str, reason: &'static str) -> Refused {
        Refused {
            action,
            from: self.state.code(),
            reason,
        }
    }

    /// The channel accepted the order: created → pending.
    pub fn open(&mut self) -> Result<Change, Refused> {
        match self.state {
            IntentState::Created => {
                self.state = IntentState::Pending;
                Ok(Change::Changed)
            }
            IntentState::Pending => Ok(Change::Unchanged),
            _ => Err(self.refuse("open", "the payment is already over")),
        }
    }

    /// The channel says the payer paid `reported` fen. A different amount is refused (a
    /// tampered or misrouted notification); a second success changes nothing. A success
    /// after the intent failed or was closed here is accepted: the channel holds the
    /// money, and only it knows whether the payer paid (the caller refunds what the order
    /// cannot take).
    pub fn succeed(&mut self, reported: Money) -> Result<Change, Refused> {
        if reported != self.amount {
            return Err(self.refuse("succeed", "the amount paid is not the amount asked"));
        }
        match self.state {
            IntentState::Succeeded => Ok(Change::Unchanged),
            _ => {
                self.state = IntentState::Succeeded;
                Ok(Change::Changed)
            }
        }
    }

    /// The payment failed at the channel.
    pub fn fail(&mut self) -> Result<Change, Refused> {
        match self.state {
            IntentState::Created | IntentState::Pending => {
                self.state = IntentState::Failed;
                Ok(Change::Changed)
            }
            IntentState::Failed | IntentState::Closed => Ok(Change::Unchanged),
            IntentState::Succeeded => Err(self.refuse("fail", "a paid payment cannot fail")),
        }
    }

    /// Closed unpaid (expired, replaced, or the channel closed it).
    pub fn close(&mut self) -> Result<Change, Refused> {
        match self.state {
            IntentState::Created | IntentState::Pending => {
                self.state = IntentState::Closed;
                Ok(Change::Changed)
            }
            IntentState::Closed | IntentState::Failed => Ok(Change::Unchanged),
            IntentState::Succeeded => Err(self.refuse("close", "a paid payment cannot be closed")),
        }
    }

    /// What may still be refunded of it, given the refunds already made or under way
    /// (`committed`: succeeded, requested and processing; failed ones gave nothing back).
    pub fn refundable(&self, committed: Money) -> Money {
        if self.state != IntentState::Succeeded {
            return Money::ZERO;
        }
        let left = self.amount - committed;
        if left.is_negative() {
            Money::ZERO
        } else {
            left
        }
    }

    /// A refund of `amount` from this intent, given `committed` as in [`Intent::refundable`].
    /// Never more than was paid and not yet refunded.
    pub fn refund(&self, amount: Money, committed: Money) -> Result<Refund, Refused> {
        if self.state != IntentState::Succeeded {
            return Err(self.refuse("refund", "only a paid payment can be refunded"));
        }
        if amount <= Money::ZERO {
            return Err(self.refuse("refund", "a refund must be more than zero"));
        }
        if amount > self.refundable(committed) {
            return Err(self.refuse(
                "refund",
                "the refund is more than what was paid and not yet refunded",
            ));
        }
        Ok(Refund {
            state: RefundState::Requested,
            amount,
        })
    }
}

/// Money going back to the payer through the channel it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refund {
    /// Where it stands.
    pub state: RefundState,
    /// How much.
    pub amount: Money,
}

impl Refund {
    fn refuse(&self, action: &'static str, reason: &'static str) -> Refused {
        Refused {
            action,
            from: self.state.code(),
            reason,
        }
    }

    /// The channel accepted it: requested → processing.
    pub fn submit(&mut self) -> Result<Change, Refused> {
        match self.state {
            RefundState::Requested => {
                self.state = RefundState::Processing;
                Ok(Change::Changed)
            }
            RefundState::Processing | RefundState::Succeeded => Ok(Change::Unchanged),
            RefundState::Failed => Err(self.refuse("submit", "the refund failed; make a new one")),
        }
    }

    /// The money is back with the payer.
    pub fn succeed(&mut self) -> Result<Change, Refused> {
        match self.state {
            RefundState::Requested | RefundState::Processing => {
                self.state = RefundState::Succeeded;
                Ok(Change::Changed)
            }
            RefundState::Succeeded => Ok(Change::Unchanged),
            RefundState::Failed => Err(self.refuse("succeed", "the refund has failed already")),
        }
    }

    /// The channel refused or closed it.
    pub fn fail(&mut self) -> Result<Change, Refused> {
        match self.state {
            RefundState::Requested | RefundState::Processing => {
                self.state = RefundState::Failed;
                Ok(Change::Changed)
            }
            RefundState::Failed => Ok(Change::Unchanged),
            RefundState::Succeeded => {
                Err(self.refuse("fail", "the money is back with the payer already"))
            }
        }
    }

    /// True while it counts against what the intent may still refund.
    pub fn commits(&self) -> bool {
        self.state != RefundState::Failed
    }
}

/// What `order` owes now, to be paid online: before dispatch the rest of what is due then
/// (the full price or the deposit), afterwards the rest of the price while the order can
/// still take a payment. Zero when nothing is owed or the order is over.
pub fn owed_now(order: &Order) -> Money {
    use OrderState::*;
    let owed = match order.state {
        PendingPayment => order.due_before_dispatch() - order.amounts.paid,
        PendingDispatch | PendingAccept | Accepted | EnRoute | Arrived | InService
        | PendingSettlement | AwaitingBalance => order.amounts.outstanding(),
        _ => Money::ZERO,
    };
    if owed.is_negative() {
        Money::ZERO
    } else {
        owed
    }
}

impl fmt::Display for PayChannel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
#[path = "payment_tests.rs"]
mod tests;
