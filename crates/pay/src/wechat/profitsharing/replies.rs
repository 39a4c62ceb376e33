//! What WeChat answers: sharing and return orders, the amounts, a receiver, and the
//! decrypted resource of the `PROFITSHARING.*` callback.

use super::*;

/// State of a sharing order (分账单状态).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderState {
    /// Accepted; the receivers' results are not all known.
    Processing,
    /// Done: each receiver's `result` says how it went.
    Finished,
}

/// How one receiver's share went (分账结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DetailResult {
    /// Being processed.
    Pending,
    /// The receiver has it.
    Success,
    /// It failed: see `fail_reason`; the amount stays with the sharer (frozen, or
    /// unfrozen when the order said so).
    Closed,
}

/// One receiver's line of a sharing order as WeChat reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareResult {
    /// In fen.
    pub amount: Money,
    /// As asked.
    pub description: String,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// Merchant id or openid.
    pub account: String,
    /// How it went.
    pub result: DetailResult,
    /// Why it failed (`ACCOUNT_ABNORMAL`, `NO_RELATION`, `RECEIVER_HIGH_RISK`,
    /// `RECEIVER_REAL_NAME_NOT_VERIFIED`, `NO_AUTH`, `RECEIVER_RECEIPT_LIMIT`,
    /// `PAYER_ACCOUNT_ABNORMAL`, `INVALID_REQUEST`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// WeChat's number of this line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_id: Option<String>,
    /// When it was created.
    pub create_time: DateTime<FixedOffset>,
    /// When it finished (WeChat sends the creation time while pending).
    pub finish_time: DateTime<FixedOffset>,
}

/// A sharing order (or unfreeze order) as the create, unfreeze and query calls report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingReply {
    /// The sharer, for a service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The payment shared.
    pub transaction_id: String,
    /// Ours.
    pub out_order_no: String,
    /// WeChat's (微信分账单号).
    pub order_id: String,
    /// Its state.
    pub state: OrderState,
    /// The receivers' lines (an unfreeze order lists the sharer's own line, its type
    /// `MERCHANT_ID`, with description `解冻给分账方`).
    #[serde(default)]
    pub receivers: Vec<ShareResult>,
}

impl SharingReply {
    /// Parses a reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// How a return went (回退结果).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReturnResult {
    /// Being processed: query again.
    Processing,
    /// The receiver gave it back.
    Success,
    /// It failed: see `fail_reason` (`ACCOUNT_ABNORMAL`, `TIME_OUT_CLOSED`...).
    Failed,
}

/// A return as WeChat reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnReply {
    /// The sharer, for a service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// WeChat's number of the sharing order.
    pub order_id: String,
    /// Ours.
    pub out_order_no: String,
    /// Ours.
    pub out_return_no: String,
    /// WeChat's (微信回退单号).
    pub return_id: String,
    /// The receiver merchant giving back.
    pub return_mchid: String,
    /// In fen.
    pub amount: Money,
    /// As asked.
    pub description: String,
    /// How it went.
    pub result: ReturnResult,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_reason: Option<String>,
    /// When it was created.
    pub create_time: DateTime<FixedOffset>,
    /// When it finished.
    pub finish_time: DateTime<FixedOffset>,
}

impl ReturnReply {
    /// Parses a reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// What is left to share of a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amounts {
    /// The payment.
    pub transaction_id: String,
    /// Still frozen and shareable, in fen (订单剩余待分金额).
    pub unsplit_amount: Money,
}

impl Amounts {
    /// Parses a reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// A receiver as the add call echoes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiverReply {
    /// The sharer, for a service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// Merchant id or openid.
    pub account: String,
    /// Its relation.
    pub relation_type: RelationType,
}

impl ReceiverReply {
    /// Parses a reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }
}

/// The receiver's line in a sharing callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeReceiver {
    /// Its type.
    #[serde(rename = "type")]
    pub kind: ReceiverType,
    /// Merchant id or openid.
    pub account: String,
    /// In fen.
    pub amount: Money,
    /// As asked.
    pub description: String,
}

/// The decrypted resource of a `PROFITSHARING.SUCCESS` or `PROFITSHARING.RETURN` callback
/// (分账动账通知). A direct merchant's names it `mchid`; a service provider's `sp_mchid` and
/// `sub_mchid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingNotice {
    /// The service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// The sharer, for a service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// The direct merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// The payment.
    pub transaction_id: String,
    /// WeChat's sharing order.
    pub order_id: String,
    /// Ours.
    pub out_order_no: String,
    /// The receiver whose balance moved.
    pub receiver: NoticeReceiver,
    /// When it moved.
    pub success_time: DateTime<FixedOffset>,
}
