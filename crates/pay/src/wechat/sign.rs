//! The merchant's request signature and the JSAPI client's pay-sign.
//!
//! A request is signed over `METHOD\nPATH_WITH_QUERY\nTIMESTAMP\nNONCE\nBODY\n` with the
//! merchant's API private key (SHA256withRSA), and the signature travels in
//! `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",
//! timestamp="…",serial_no="…"`. The clock and the nonce are inputs.

use crate::error::Result;
use crate::http::ApiRequest;
use crate::keys::PrivateKey;
use serde::{Deserialize, Serialize};

/// The scheme name at the start of the `Authorization` header.
pub const SCHEME: &str = "WECHATPAY2-SHA256-RSA2048";

/// What signs a merchant's requests: its id, its API certificate's serial and private key.
#[derive(Debug, Clone)]
pub struct MerchantKey {
    /// `mchid` (the service provider's `sp_mchid` in partner mode).
    pub mchid: String,
    /// Serial number of the merchant API certificate (商户API证书序列号).
    pub serial_no: String,
    /// The merchant API private key (`apiclient_key.pem`).
    pub private_key: PrivateKey,
}

/// The string a request signature covers.
pub fn request_message(
    method: &str,
    path_with_query: &str,
    timestamp: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n")
}

/// The `Authorization` header value for `request`, signed at `timestamp` (Unix seconds)
/// with `nonce`.
pub fn authorization(
    key: &MerchantKey,
    request: &ApiRequest,
    timestamp: i64,
    nonce: &str,
) -> Result<String> {
    let message = request_message(
        request.method.as_str(),
        &request.path,
        timestamp,
        nonce,
        &request.body,
    );
    let signature = key.private_key.sign_sha256(message.as_bytes())?;
    Ok(format!(
        r#"{SCHEME} mchid="{}",nonce_str="{nonce}",signature="{signature}",timestamp="{timestamp}",serial_no="{}""#,
        key.mchid, key.serial_no
    ))
}

/// The parameters the JSAPI page (or mini-program) passes to `WeixinJSBridge`'s
/// `getBrandWCPayRequest` / `wx.requestPayment`, field names as WeChat spells them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JsapiPayParams {
    /// The app the payer is in.
    pub app_id: String,
    /// Unix seconds, as a string.
    pub time_stamp: String,
    /// Random string.
    pub nonce_str: String,
    /// `prepay_id=…`.
    pub package: String,
    /// Always `RSA`.
    pub sign_type: String,
    /// SHA256withRSA over `appId\ntimeStamp\nnonceStr\npackage\n`, base64.
    pub pay_sign: String,
}

/// The string the JSAPI pay-sign covers.
pub fn pay_sign_message(app_id: &str, timestamp: i64, nonce: &str, package: &str) -> String {
    format!("{app_id}\n{timestamp}\n{nonce}\n{package}\n")
}

/// Signs the client-side parameters for a JSAPI `prepay_id`. `app_id` is the app whose
/// openid paid (the sub-merchant's `sub_appid` when the payer is under it).
pub fn jsapi_pay_params(
    private_key: &PrivateKey,
    app_id: &str,
    prepay_id: &str,
    timestamp: i64,
    nonce: &str,
) -> Result<JsapiPayParams> {
    let package = format!("prepay_id={prepay_id}");
    let message = pay_sign_message(app_id, timestamp, nonce, &package);
    Ok(JsapiPayParams {
        app_id: app_id.to_owned(),
        time_stamp: timestamp.to_string(),
        nonce_str: nonce.to_owned(),
        package,
        sign_type: "RSA".to_owned(),
        pay_sign: private_key.sign_sha256(message.as_bytes())?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_still_ends_the_message_with_a_newline() {
        assert_eq!(
            request_message("GET", "/v3/certificates", 1, "N", ""),
            "GET\n/v3/certificates\n1\nN\n\n"
        );
    }

    #[test]
    fn pay_params_serialise_with_wechats_field_names() {
        let key = PrivateKey::from_pem(include_str!(
            "../../tests/keys/test-wechat-merchant.key.pem"
        ))
        .unwrap();
        let p = jsapi_pay_params(&key, "wx1", "wx2", 10, "n").unwrap();
        let v = serde_json::to_value(&p).unwrap();
        for field in [
            "appId",
            "timeStamp",
            "nonceStr",
            "package",
            "signType",
            "paySign",
        ] {
            assert!(v.get(field).is_some(), "{field}");
        }
        assert_eq!(v["package"], "prepay_id=wx2");
        assert_eq!(v["timeStamp"], "10");
    }
}
