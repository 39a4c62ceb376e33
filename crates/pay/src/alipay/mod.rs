//! The Alipay open platform with RSA2 keys: signed requests to the gateway, verification of
//! its synchronous replies and asynchronous notifications, and the trade calls Daojia uses
//! (WAP pay, precreate, query, close, refund, refund query, bill download URL).
//!
//! A call goes: `trade::*` builds the `biz_content` → [`sign::signed_params`] adds the common
//! parameters and `sign` → send (POST form to the gateway, or redirect the browser for WAP
//! pay) → [`verify::verify_response`] extracts and checks the reply member → `trade::parse_*`.

pub mod amount;
pub mod bill;
pub mod notify;
pub mod sign;
pub mod trade;
pub mod verify;

/// The production gateway.
pub const GATEWAY: &str = "https://openapi.alipay.com/gateway.do";
