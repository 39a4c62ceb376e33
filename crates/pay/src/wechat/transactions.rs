//! Orders (JSAPI, H5, Native), their query and close, for a direct merchant
//! (`/v3/pay/transactions/…`) or a service provider's sub-merchant
//! (`/v3/pay/partner/transactions/…`). Amounts are integer fen.

use super::Merchant;
use crate::error::{Error, Result};
use crate::http::{ApiRequest, Method, percent_encode};
use chrono::{DateTime, FixedOffset};
use daojia_domain::money::Money;
use serde::{Deserialize, Serialize};

/// What is being paid for, independent of how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayOrder {
    /// Shown to the payer (商品描述), at most 127 characters.
    pub description: String,
    /// Our payment intent's number (商户订单号): 6–32 letters, digits, `_-|*`.
    pub out_trade_no: String,
    /// Amount in fen, at least 1.
    pub amount: Money,
    /// Where WeChat sends the payment callback (https, no query).
    pub notify_url: String,
    /// When the order stops being payable.
    pub time_expire: Option<DateTime<FixedOffset>>,
    /// Opaque data returned in query and callback.
    pub attach: Option<String>,
    /// Whether the payment will be shared (分账): sent as `settle_info.profit_sharing =
    /// true`, which freezes its funds at WeChat until a sharing or unfreeze order releases
    /// them (see [`super::profitsharing`]). A payment created without it cannot be shared.
    pub profit_sharing: bool,
}

/// How the payer pays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scene {
    /// Inside WeChat (official account page or mini-program) with the payer's openid.
    Jsapi {
        /// The payer's openid under the paying app.
        openid: String,
    },
    /// A mobile browser outside WeChat.
    H5 {
        /// The payer's IP address, as our server saw it.
        payer_client_ip: String,
    },
    /// A QR code shown by us (console, on-site payment).
    Native,
}

impl Scene {
    fn segment(&self) -> &'static str {
        match self {
            Scene::Jsapi { .. } => "jsapi",
            Scene::H5 { .. } => "h5",
            Scene::Native => "native",
        }
    }
}

#[derive(Serialize)]
struct Amount {
    total: Money,
    currency: &'static str,
}

#[derive(Serialize, Default)]
struct PayerOut<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_openid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_openid: Option<&'a str>,
}

#[derive(Serialize)]
struct SettleInfo {
    profit_sharing: bool,
}

#[derive(Serialize)]
struct H5Info {
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct SceneInfo<'a> {
    payer_client_ip: &'a str,
    h5_info: H5Info,
}

/// The body of a create-order call; field order is WeChat's documentation order.
#[derive(Serialize)]
struct CreateBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sp_mchid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_appid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sub_mchid: Option<&'a str>,
    description: &'a str,
    out_trade_no: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_expire: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    attach: Option<&'a str>,
    notify_url: &'a str,
    amount: Amount,
    #[serde(skip_serializing_if = "Option::is_none")]
    payer: Option<PayerOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scene_info: Option<SceneInfo<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_info: Option<SettleInfo>,
}

fn check_out_no(field: &'static str, value: &str) -> Result<()> {
    let ok_chars = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'|' | b'*'));
    if !(6..=32).contains(&value.len()) || !ok_chars {
        return Err(Error::invalid(
            field,
            format!("`{value}` must be 6-32 letters, digits or _-|*"),
        ));
    }
    Ok(())
}

/// Builds the create-order call. In partner mode a JSAPI payer's openid is sent as
/// `sub_openid` when the merchant has a `sub_appid`, else as `sp_openid`.
pub fn create(merchant: &Merchant, order: &PayOrder, scene: &Scene) -> Result<ApiRequest> {
    check_out_no("out_trade_no", &order.out_trade_no)?;
    if order.amount.as_fen() < 1 {
        return Err(Error::invalid("amount", "must be at least 1 fen"));
    }
    if order.description.is_empty() || order.description.chars().count() > 127 {
        return Err(Error::invalid("description", "must be 1-127 characters"));
    }
    let mut body = CreateBody {
        appid: None,
        mchid: None,
        sp_appid: None,
        sp_mchid: None,
        sub_appid: None,
        sub_mchid: None,
        description: &order.description,
        out_trade_no: &order.out_trade_no,
        time_expire: order.time_expire.map(|t| t.to_rfc3339()),
        attach: order.attach.as_deref(),
        notify_url: &order.notify_url,
        amount: Amount {
            total: order.amount,
            currency: "CNY",
        },
        payer: None,
        scene_info: None,
        settle_info: order.profit_sharing.then_some(SettleInfo {
            profit_sharing: true,
        }),
    };
    let prefix = match merchant {
        Merchant::Direct { appid, mchid } => {
            body.appid = Some(appid);
            body.mchid = Some(mchid);
            "/v3/pay/transactions"
        }
        Merchant::Partner {
            sp_appid,
            sp_mchid,
            sub_appid,
            sub_mchid,
        } => {
            body.sp_appid = Some(sp_appid);
            body.sp_mchid = Some(sp_mchid);
            body.sub_appid = sub_appid.as_deref();
            body.sub_mchid = Some(sub_mchid);
            "/v3/pay/partner/transactions"
        }
    };
    match scene {
        Scene::Jsapi { openid } => {
            let mut payer = PayerOut::default();
            match merchant {
                Merchant::Direct { .. } => payer.openid = Some(openid),
                Merchant::Partner {
                    sub_appid: Some(_), ..
                } => payer.sub_openid = Some(openid),
                Merchant::Partner {
                    sub_appid: None, ..
                } => payer.sp_openid = Some(openid),
            }
            body.payer = Some(payer);
        }
        Scene::H5 { payer_client_ip } => {
            body.scene_info = Some(SceneInfo {
                payer_client_ip,
                h5_info: H5Info { kind: "Wap" },
            });
        }
        Scene::Native => {}
    }
    Ok(ApiRequest {
        method: Method::Post,
        path: format!("{prefix}/{}", scene.segment()),
        body: serde_json::to_string(&body)?,
    })
}

/// What a successful create-order reply gives the payer's client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// JSAPI: sign it into [`super::sign::JsapiPayParams`] for the page.
    PrepayId(String),
    /// H5: send the browser there (valid five minutes).
    H5Url(String),
    /// Native: draw it as a QR code.
    CodeUrl(String),
}

#[derive(Deserialize)]
struct CreatedBody {
    prepay_id: Option<String>,
    h5_url: Option<String>,
    code_url: Option<String>,
}

/// Parses a create-order reply body for `scene`.
pub fn parse_created(scene: &Scene, body: &str) -> Result<Created> {
    let b: CreatedBody = serde_json::from_str(body)?;
    let created = match scene {
        Scene::Jsapi { .. } => b.prepay_id.map(Created::PrepayId),
        Scene::H5 { .. } => b.h5_url.map(Created::H5Url),
        Scene::Native => b.code_url.map(Created::CodeUrl),
    };
    created.ok_or(Error::Missing("prepay_id, h5_url or code_url in the reply"))
}

/// The query-by-`out_trade_no` call.
pub fn query(merchant: &Merchant, out_trade_no: &str) -> Result<ApiRequest> {
    check_out_no("out_trade_no", out_trade_no)?;
    Ok(ApiRequest {
        method: Method::Get,
        path: format!(
            "{}/out-trade-no/{}?{}",
            prefix(merchant),
            percent_encode(out_trade_no),
            merchant.query()
        ),
        body: String::new(),
    })
}

/// The close call (204 No Content on success). A closed order can no longer be paid.
pub fn close(merchant: &Merchant, out_trade_no: &str) -> Result<ApiRequest> {
    check_out_no("out_trade_no", out_trade_no)?;
    let body = match merchant {
        Merchant::Direct { mchid, .. } => serde_json::json!({ "mchid": mchid }),
        Merchant::Partner {
            sp_mchid,
            sub_mchid,
            ..
        } => serde_json::json!({ "sp_mchid": sp_mchid, "sub_mchid": sub_mchid }),
    };
    Ok(ApiRequest {
        method: Method::Post,
        path: format!(
            "{}/out-trade-no/{}/close",
            prefix(merchant),
            percent_encode(out_trade_no)
        ),
        body: body.to_string(),
    })
}

fn prefix(merchant: &Merchant) -> &'static str {
    match merchant {
        Merchant::Direct { .. } => "/v3/pay/transactions",
        Merchant::Partner { .. } => "/v3/pay/partner/transactions",
    }
}

/// State of a WeChat order (`trade_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TradeState {
    /// Paid.
    Success,
    /// Paid, then (partly) refunded.
    Refund,
    /// Not paid yet.
    Notpay,
    /// Closed unpaid.
    Closed,
    /// Revoked (card-present payments).
    Revoked,
    /// The payer is still paying (entering a password).
    Userpaying,
    /// Payment failed.
    Payerror,
}

/// The payer of a transaction, under whichever app they paid in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Payer {
    /// Direct mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openid: Option<String>,
    /// Partner mode, under `sp_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_openid: Option<String>,
    /// Partner mode, under `sub_appid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_openid: Option<String>,
}

/// Amounts of a transaction, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    /// Order total.
    pub total: Money,
    /// What the payer paid (total less WeChat-side discounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<Money>,
    /// `CNY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The payer's currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_currency: Option<String>,
}

/// A transaction as WeChat reports it: the query reply and the payment callback's
/// decrypted resource (both modes; the mode's identifiers are set, the others absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// Direct mode app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appid: Option<String>,
    /// Direct mode merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mchid: Option<String>,
    /// Partner mode: the service provider's app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_appid: Option<String>,
    /// Partner mode: the service provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sp_mchid: Option<String>,
    /// Partner mode: the sub-merchant's app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_appid: Option<String>,
    /// Partner mode: the sub-merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_mchid: Option<String>,
    /// Our payment intent's number.
    pub out_trade_no: String,
    /// WeChat's transaction id (absent until paid).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `JSAPI`, `NATIVE`, `MWEB` (H5)...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// The state.
    pub trade_state: TradeState,
    /// WeChat's description of the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// The payer's bank or `OTHERS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_type: Option<String>,
    /// The `attach` we sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attach: Option<String>,
    /// When it was paid (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<DateTime<FixedOffset>>,
    /// Who paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer: Option<Payer>,
    /// How much.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<TransactionAmount>,
}

impl Transaction {
    /// Parses a query reply body.
    pub fn parse(body: &str) -> Result<Self> {
        Ok(serde_json::from_str(body)?)
    }

    /// Refuses a transaction reported for another merchant than `merchant` (a forged or
    /// misrouted callback).
    pub fn check_merchant(&self, merchant: &Merchant) -> Result<()> {
        let (field, expected, got) = match merchant {
            Merchant::Direct { mchid, .. } => ("mchid", mchid, &self.mchid),
            Merchant::Partner { sub_mchid, .. } => ("sub_mchid", sub_mchid, &self.sub_mchid),
        };
        if got.as_deref() != Some(expected.as_str()) {
            return Err(Error::Mismatch {
                field,
                expected: expected.clone(),
                got: got.clone().unwrap_or_default(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partner(sub_appid: Option<&str>) -> Merchant {
        Merchant::Partner {
            sp_appid: "wx8888888888888888".into(),
            sp_mchid: "1230000109".into(),
            sub_appid: sub_appid.map(Into::into),
            sub_mchid: "1900000109".into(),
        }
    }

    fn order() -> PayOrder {
        PayOrder {
            description: "上门维修".into(),
            out_trade_no: "PI20261203000009".into(),
            amount: Money::fen(8800),
            notify_url: "https://daojia.example/api/v1/pay/notify/wechat".into(),
            time_expire: DateTime::parse_from_rfc3339("2026-12-03T14:00:00+08:00").ok(),
            attach: None,
            profit_sharing: false,
        }
    }

    #[test]
    fn a_payment_to_be_shared_says_so_last_and_others_do_not() {
        let shared = PayOrder {
            profit_sharing: true,
            ..order()
        };
        let req = create(&partner(None), &shared, &Scene::Native).unwrap();
        assert!(req.body.ends_with(
            r#""amount":{"total":8800,"currency":"CNY"},"settle_info":{"profit_sharing":true}}"#
        ));
        let req = create(&partner(None), &order(), &Scene::Native).unwrap();
        assert!(!req.body.contains("settle_info"));
    }

    #[test]
    fn a_service_provider_order_names_both_merchants_and_the_sub_apps_openid() {
        let jsapi = Scene::Jsapi {
            openid: "oSub".into(),
        };
        let req = create(&partner(Some("wx0000000000000001")), &order(), &jsapi).unwrap();
        assert_eq!(req.path, "/v3/pay/partner/transactions/jsapi");
        assert_eq!(
            req.body,
            r#"{"sp_appid":"wx8888888888888888","sp_mchid":"1230000109","sub_appid":"wx0000000000000001","sub_mchid":"1900000109","description":"上门维修","out_trade_no":"PI20261203000009","time_expire":"2026-12-03T14:00:00+08:00","notify_url":"https://daojia.example/api/v1/pay/notify/wechat","amount":{"total":8800,"currency":"CNY"},"payer":{"sub_openid":"oSub"}}"#
        );
        let req = create(&partner(None), &order(), &jsapi).unwrap();
        assert!(req.body.ends_with(r#""payer":{"sp_openid":"oSub"}}"#));
    }

    #[test]
    fn h5_and_native_orders_carry_the_scene_or_nothing() {
        let m = Merchant::Direct {
            appid: "wxa".into(),
            mchid: "1900009191".into(),
        };
        let h5 = Scene::H5 {
            payer_client_ip: "203.0.113.7".into(),
        };
        let req = create(&m, &order(), &h5).unwrap();
        assert!(req.body.ends_with(
            r#""scene_info":{"payer_client_ip":"203.0.113.7","h5_info":{"type":"Wap"}}}"#
        ));
        let req = create(&m, &order(), &Scene::Native).unwrap();
        assert_eq!(req.path, "/v3/pay/transactions/native");
        assert!(!req.body.contains("payer") && !req.body.contains("scene_info"));
        assert_eq!(
            parse_created(
                &Scene::Native,
                r#"{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}"#
            )
            .unwrap(),
            Created::CodeUrl("weixin://wxpay/bizpayurl?pr=p4lpSuKzz".into())
        );
        assert!(parse_created(&Scene::Native, r#"{"prepay_id":"x"}"#).is_err());
    }

    #[test]
    fn partner_query_and_close_use_the_partner_paths() {
        let q = query(&partner(None), "PI20261203000009").unwrap();
        assert_eq!(
            q.path,
            "/v3/pay/partner/transactions/out-trade-no/PI20261203000009?sp_mchid=1230000109&sub_mchid=1900000109"
        );
        let c = close(&partner(None), "PI20261203000009").unwrap();
        assert_eq!(
            c.path,
            "/v3/pay/partner/transactions/out-trade-no/PI20261203000009/close"
        );
        assert_eq!(
            c.body,
            r#"{"sp_mchid":"1230000109","sub_mchid":"1900000109"}"#
        );
    }

    #[test]
    fn bad_orders_are_refused_before_anything_is_signed() {
        let m = partner(None);
        let mut o = order();
        o.out_trade_no = "短".into();
        assert!(matches!(
            create(&m, &o, &Scene::Native),
            Err(Error::Invalid {
                field: "out_trade_no",
                ..
            })
        ));
        let mut o = order();
        o.amount = Money::fen(0);
        assert!(create(&m, &o, &Scene::Native).is_err());
        assert!(query(&m, "a/b/../../x").is_err());
    }
}
