//! Profit sharing (分账, `/v3/profitsharing/...`): adding a receiver, sharing a paid order's
//! frozen funds with receivers (`unfreeze_unsplit` giving the rest back to the merchant),
//! querying a sharing order, returning a share before a refund (分账回退), unfreezing what
//! is left (解冻剩余资金), the amount still to share, and the decrypted resource of the
//! `PROFITSHARING.*` callback.
//!
//! A payment can be shared only when it was created with `settle_info.profit_sharing =
//! true` (see [`super::transactions::PayOrder::profit_sharing`]): its funds are then frozen
//! at WeChat until a sharing order with `unfreeze_unsplit = true`, or an unfreeze order,
//! releases them. A service provider names the sub-merchant who pays out (`sub_mchid`, the
//! 出资商户); a direct merchant names nobody. The same `out_order_no` sent again is the same
//! request (WeChat answers the order it holds), so a retry after a crash never shares twice.
//!
//! Field names, paths and states follow WeChat Pay's documentation of 添加分账接收方, 请求分账,
//! 查询分账结果, 请求分账回退, 查询分账回退结果, 解冻剩余资金, 查询剩余待分金额 and 分账动账通知
//! (service provider and direct merchant editions).

use super::Merchant;
use super::transfer::EncryptedName;
use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use chrono::{DateTime, FixedOffset};
use daojia_domain::money::Money;
use serde::{Deserialize, Serialize};

/// Where sharing orders are created and queried.
pub const ORDERS_PATH: &str = "/v3/profitsharing/orders";
/// Where unfreeze orders are created.
pub const UNFREEZE_PATH: &str = "/v3/profitsharing/orders/unfreeze";
/// Where return orders are created and queried.
pub const RETURN_PATH: &str = "/v3/profitsharing/return-orders";
/// Where receivers are added.
pub const RECEIVERS_ADD_PATH: &str = "/v3/profitsharing/receivers/add";

/// The callback's `event_type` when a share reached a receiver.
pub const EVENT_SUCCESS: &str = "PROFITSHARING.SUCCESS";
/// The callback's `event_type` when a share was returned.
pub const EVENT_RETURN: &str = "PROFITSHARING.RETURN";
/// The callback resource's `original_type` (and associated data).
pub const ORIGINAL_TYPE: &str = "profitsharing";

/// Who receives a share (分账接收方类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReceiverType {
    /// A merchant, by its merchant id (`account` = 商户号; `name` = its full name).
    MerchantId,
    /// A person, by their openid under the service provider's (or merchant's) app.
    PersonalOpenid,
    /// A person, by their openid under the sub-merchant's app.
    PersonalSubOpenid,
}

impl ReceiverType {
    /// The name WeChat uses.
    pub fn as_str(self) -> &'static str {
        match self {
            ReceiverType::MerchantId => "MERCHANT_ID",
            ReceiverType::PersonalOpenid => "PERSONAL_OPENID",
            ReceiverType::PersonalSubOpenid => "PERSONAL_SUB_OPENID",
        }
    }
}

/// The receiver's relation to the sharer (与分账方的关系类型).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RelationType {
    /// 服务商.
    ServiceProvider,
    /// 门店.
    Store,
    /// 员工.
    Staff,
    /// 店主.
    StoreOwner,
    /// 合作伙伴 (a partner company: our 服务商 / 门店 partners).
    Partner,
    /// 总部.
    Headquarter,
    /// 品牌方.
    Brand,
    /// 分销商.
    Distributor,
    /// 用户.
    User,
    /// 供应商.
    Supplier,
    /// 自定义 (with `custom_relation`).
    Custom,
}

/// A receiver to add to the sharer's list (a receiver must be on it before any share).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReceiver {
    /// Its type.
    pub kind: ReceiverType,
    /// Merchant id or openid.
    pub account: String,
    /// Its relation to the sharer.
    pub relation_type: RelationType,
    /// With [`RelationType::Custom`]: the relation in words (at most 10 characters).
    pub custom_relation: Option<String>,
}

/// One receiver's share in a sharing order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    /// Its type.
    pub kind: ReceiverType,
    /// Merchant id or openid.
    pub account: String,
    /// In fen, at least 1.
    pub amount: Money,
    /// Why (分账描述, at most 80 characters), returned in queries and bills.
    pub description: String,
}

/// A sharing order to request (请求分账).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingOrder {
    /// WeChat's number of the paid order being shared (微信订单号).
    pub transaction_id: String,
    /// Ours (商户分账单号): 1-64 of letters, digits and `_-|*@`; the same number again is the
    /// same request.
    pub out_order_no: String,
    /// At most 50.
    pub receivers: Vec<Share>,
    /// `true`: what is not shared now goes back to the merchant, and the order cannot be
    /// shared again.
    pub unfreeze_unsplit: bool,
}

/// A return to request (请求分账回退): a receiver gives a share back, before the payment is
/// refunded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnOrder {
    /// Our number of the sharing order whose share is returned.
    pub out_order_no: String,
    /// Ours for this return (商户回退单号): 1-64 of letters, digits and `_-|*@`.
    pub out_return_no: String,
    /// The receiver merchant that gives back (回退商户号); only merchant receivers can.
    pub return_mchid: String,
    /// In fen, at most what it received.
    pub amount: Money,
    /// Why (at most 80 characters).
    pub description: String,
}

/// A built call that may carry encrypted fields: the request and the `Wechatpay-Serial` it
/// must carry when it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharingCall {
    /// What is signed and sent.
    pub request: ApiRequest,
    /// The serial of the platform key that sealed the names, if any.
    pub wechatpay_serial: Option<String>,
}

fn check_no(field: &'static str, value: &str) -> Result<()> {
    let ok = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*' | b'@'));
    if value.is_empty() || value.len() > 64 || !ok {
        return Err(Error::invalid(
            field,
            "must be 1-64 letters, digits or _-|*@",
        ));
    }
    Ok(())
}

fn check_text(field: &'static str, value: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n == 0 || n > max {
        return Err(Error::invalid(
            field,
            format!("must be 1-{max} characters ({n} given)"),
        ));
    }
    Ok(())
}

fn check_account(kind: ReceiverType, account: &str) -> Result<()> {
    if account.is_empty() || account.len() > 64 {
        return Err(Error::invalid("account", "must be 1-64 characters"));
    }
    if kind == ReceiverType::MerchantId && !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid(
            "account",
            "a MERCHANT_ID receiver is a merchant id (digits)",
        ));
    }
    Ok(())
}

mod replies;
mod requests;

pub use replies::*;
pub use requests::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn partner() -> Merchant {
        Merchant::Partner {
            sp_appid: "wx8888888888888888".into(),
            sp_mchid: "1900000100".into(),
            sub_appid: None,
            sub_mchid: "1900000109".into(),
        }
    }

    fn direct() -> Merchant {
        Merchant::Direct {
            appid: "wxd678efh567hg6787".into(),
            mchid: "1900009191".into(),
        }
    }

    fn order() -> SharingOrder {
        SharingOrder {
            transaction_id: "4208450740201411110007820472".into(),
            out_order_no: "S1234567890".into(),
            receivers: vec![Share {
                kind: ReceiverType::MerchantId,
                account: "86693852".into(),
                amount: Money::fen(888),
                description: "服务商分成".into(),
            }],
            unfreeze_unsplit: true,
        }
    }

    #[test]
    fn a_partner_body_names_the_sharer_and_a_direct_one_does_not() {
        let p = create(&partner(), &order()).unwrap();
        assert_eq!(p.path, "/v3/profitsharing/orders");
        assert_eq!(
            p.body,
            r#"{"sub_mchid":"1900000109","appid":"wx8888888888888888","transaction_id":"4208450740201411110007820472","out_order_no":"S1234567890","receivers":[{"type":"MERCHANT_ID","account":"86693852","amount":888,"description":"服务商分成"}],"unfreeze_unsplit":true}"#
        );
        let d = create(&direct(), &order()).unwrap();
        assert!(
            d.body
                .starts_with(r#"{"appid":"wxd678efh567hg6787","transaction_id""#)
        );
        let u = unfreeze(
            &partner(),
            "4208450740201411110007820472",
            "U1",
            "解冻全部剩余资金",
        )
        .unwrap();
        assert_eq!(
            u.body,
            r#"{"sub_mchid":"1900000109","transaction_id":"4208450740201411110007820472","out_order_no":"U1","description":"解冻全部剩余资金"}"#
        );
    }

    #[test]
    fn what_wechat_would_refuse_is_refused_before_any_call() {
        let refused = |o: SharingOrder| match create(&partner(), &o) {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let mut o = order();
        o.receivers[0].amount = Money::ZERO;
        assert_eq!(refused(o), "amount");
        let mut o = order();
        o.out_order_no = "S 1".into();
        assert_eq!(refused(o), "out_order_no");
        let mut o = order();
        o.receivers.clear();
        assert_eq!(refused(o), "receivers");
        let mut o = order();
        o.receivers[0].account = "oOpenid".into();
        assert_eq!(refused(o), "account");
        let mut o = order();
        o.receivers[0].description = "一".repeat(81);
        assert_eq!(refused(o), "description");
        let r = ReturnOrder {
            out_order_no: "S1".into(),
            out_return_no: "R1".into(),
            return_mchid: "86693852".into(),
            amount: Money::ZERO,
            description: "用户退款".into(),
        };
        assert!(create_return(&partner(), &r).is_err());
    }

    #[test]
    fn a_merchant_receiver_needs_its_sealed_name_and_the_serial_travels_with_the_call() {
        let r = NewReceiver {
            kind: ReceiverType::MerchantId,
            account: "86693852".into(),
            relation_type: RelationType::Partner,
            custom_relation: None,
        };
        assert!(matches!(
            add_receiver(&partner(), &r, None),
            Err(Error::Missing(_))
        ));
        let sealed = EncryptedName {
            serial: "PUB_KEY_ID_1".into(),
            ciphertext: "c2VhbGVk".into(),
        };
        let call = add_receiver(&partner(), &r, Some(&sealed)).unwrap();
        assert_eq!(call.wechatpay_serial.as_deref(), Some("PUB_KEY_ID_1"));
        assert_eq!(
            call.request.body,
            r#"{"sub_mchid":"1900000109","appid":"wx8888888888888888","type":"MERCHANT_ID","account":"86693852","name":"c2VhbGVk","relation_type":"PARTNER"}"#
        );
        let custom = NewReceiver {
            relation_type: RelationType::Custom,
            ..r
        };
        assert!(matches!(
            add_receiver(&partner(), &custom, Some(&sealed)),
            Err(Error::Missing("custom_relation"))
        ));
    }

    #[test]
    fn query_paths_carry_the_numbers_and_the_sharer() {
        assert_eq!(
            query(&partner(), "S1", "4208").unwrap().path,
            "/v3/profitsharing/orders/S1?sub_mchid=1900000109&transaction_id=4208"
        );
        assert_eq!(
            query(&direct(), "S1", "4208").unwrap().path,
            "/v3/profitsharing/orders/S1?transaction_id=4208"
        );
        assert_eq!(
            query_return(&partner(), "R1", "S1").unwrap().path,
            "/v3/profitsharing/return-orders/R1?sub_mchid=1900000109&out_order_no=S1"
        );
        assert_eq!(
            amounts("4208").unwrap().path,
            "/v3/profitsharing/transactions/4208/amounts"
        );
    }

    #[test]
    fn replies_parse_with_wechats_spellings() {
        let r = SharingReply::parse(
            r#"{"sub_mchid":"1900000109","transaction_id":"4208450740201411110007820472","out_order_no":"P20150806125346","order_id":"3008450740201411110007820472","state":"FINISHED","receivers":[{"amount":100,"description":"分给商户1900000110","type":"MERCHANT_ID","account":"1900000109","result":"CLOSED","fail_reason":"ACCOUNT_ABNORMAL","detail_id":"36011111111111111111111","create_time":"2015-05-20T13:29:35.120+08:00","finish_time":"2015-05-20T13:29:35.120+08:00"}]}"#,
        )
        .unwrap();
        assert_eq!(r.state, OrderState::Finished);
        assert_eq!(r.receivers[0].result, DetailResult::Closed);
        assert_eq!(r.receivers[0].amount, Money::fen(100));
        let ret = ReturnReply::parse(
            r#"{"sub_mchid":"1900000109","order_id":"3008450740201411110007820472","out_order_no":"P20150806125346","out_return_no":"R20190516001","return_id":"3008450740201411110007820472","return_mchid":"86693852","amount":10,"description":"用户退款","result":"SUCCESS","create_time":"2015-05-20T13:29:35.120+08:00","finish_time":"2015-05-20T13:29:35.120+08:00"}"#,
        )
        .unwrap();
        assert_eq!(ret.result, ReturnResult::Success);
        let a = Amounts::parse(r#"{"transaction_id":"4208","unsplit_amount":1000}"#).unwrap();
        assert_eq!(a.unsplit_amount, Money::fen(1000));
    }
}
