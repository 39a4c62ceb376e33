//! Merchant transfers (商家转账) through the WeChat channel against the crate's simulator:
//! every call signed with the merchant key and checked by the simulator, every reply and
//! callback signed with its platform key and verified by the channel, the payee's name
//! sealed with RSA-OAEP and opened by the simulator.
//!
//! [`channel`]: a transfer's life (waiting for the payee, success, failure, cancellation,
//! repeats) and its callbacks; [`request`]: what is refused before or by WeChat, and the
//! payee's name.

mod channel;
mod request;

use crate::common::*;

use chrono::Utc;
use daojia_domain::money::Money;
use daojia_pay::channel::wechat::{TransferConfig, WechatChannel};
use daojia_pay::http::Method;
use daojia_pay::sim::{Callback, Delivery, SimConfig, SimKeys, SimTransport, Simulator};
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::oauth;
use daojia_pay::wechat::transfer::{PayeeName, ReportInfo, TransferOrder, TransferState};
use daojia_pay::wechat::verify::PlatformKeys;
use daojia_pay::wechat::{Merchant, verify::sign_as_platform};
use daojia_pay::{Error, PrivateKey};
use std::sync::Arc;

const APIV3: &str = SIM_APIV3;
const BASE: &str = SIM_BASE;
const SERIAL: &str = SIM_SERIAL;
const MCHID: &str = "1900000001";
const APPID: &str = "wx0000000000000001";
const SECRET: &str = "simulatorAppSecret00000000000001";
const NOTIFY: &str = "http://shop.test/api/v1/pay/notify/wechat-transfer";

fn simulator(mchid: &str) -> Arc<Simulator> {
    let merchant = PrivateKey::from_pem(MERCHANT_KEY).unwrap();
    Arc::new(Simulator::new(
        SimConfig {
            base_url: BASE.into(),
            wechat_mchid: mchid.into(),
            wechat_appid: APPID.into(),
            wechat_app_secret: SECRET.into(),
            wechat_merchant_key: merchant.public_key(),
            apiv3_key: ApiV3Key::new(APIV3).unwrap(),
            alipay_app_id: "2021000000000001".into(),
            alipay_app_key: PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap().public_key(),
            alipay_seller_id: "2088000000000001".into(),
        },
        SimKeys {
            wechat_platform: PrivateKey::from_pem(PLATFORM_KEY).unwrap(),
            wechat_serial: SERIAL.into(),
            alipay: PrivateKey::from_pem(ALIPAY_APP_KEY).unwrap(),
        },
    ))
}

fn channel_with(
    sim: &Arc<Simulator>,
    merchant: Merchant,
    signing_key: &str,
    platform: PlatformKeys,
    encryption_serial: &str,
) -> WechatChannel<SimTransport> {
    sim_wechat_channel(sim, merchant, signing_key, platform).with_transfers(TransferConfig {
        notify_url: Some(NOTIFY.into()),
        encryption_serial: Some(encryption_serial.into()),
    })
}

fn direct() -> Merchant {
    Merchant::Direct {
        appid: APPID.into(),
        mchid: MCHID.into(),
    }
}

fn platform_of(sim: &Simulator) -> PlatformKeys {
    let mut keys = PlatformKeys::new();
    keys.insert(sim.wechat_serial(), sim.wechat_platform_key());
    keys
}

fn channel(sim: &Arc<Simulator>) -> WechatChannel<SimTransport> {
    channel_with(sim, direct(), MERCHANT_KEY, platform_of(sim), SERIAL)
}

/// A payee the simulated official account knows: its web authorisation hands out the openid.
fn payee(sim: &Simulator) -> String {
    let now = Utc::now();
    let url = oauth::authorize_url(
        &format!("{BASE}/wechat/open"),
        APPID,
        "http://shop.test/worker/back",
        "w1",
    )
    .unwrap();
    let r = sim.handle(Method::Get, url.strip_prefix(BASE).unwrap(), &[], "", now);
    let location = r
        .headers
        .iter()
        .find(|(k, _)| k == "Location")
        .map(|(_, v)| v.clone())
        .expect("a redirect");
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    let path = oauth::access_token_request(APPID, SECRET, code).unwrap();
    let r = sim.handle(Method::Get, &format!("/wechat{path}"), &[], "", now);
    oauth::parse_access_token(std::str::from_utf8(&r.body).unwrap())
        .unwrap()
        .openid
}

fn order(no: &str, openid: &str, fen: i64) -> TransferOrder {
    TransferOrder {
        out_bill_no: no.into(),
        transfer_scene_id: "1005".into(),
        openid: openid.into(),
        user_name: None,
        transfer_amount: Money::fen(fen),
        transfer_remark: "到家服务收入提现".into(),
        notify_url: None,
        user_recv_perception: Some("劳务报酬".into()),
        transfer_scene_report_infos: vec![
            ReportInfo {
                info_type: "岗位类型".into(),
                info_content: "家政服务人员".into(),
            },
            ReportInfo {
                info_type: "报酬说明".into(),
                info_content: "服务收入提现".into(),
            },
        ],
    }
}

fn headers(c: &Callback) -> Vec<(String, String)> {
    c.headers.clone()
}

fn code_of<T: std::fmt::Debug>(r: daojia_pay::Result<T>) -> String {
    match r {
        Err(Error::Channel { code, .. }) => code,
        other => panic!("expected WeChat's refusal, got {other:?}"),
    }
}

/// The payee clicks on the simulator's page of bill `no`.
fn click(sim: &Simulator, no: &str, form: &str) -> u16 {
    sim.handle(
        Method::Post,
        &format!("/transfer/{no}"),
        &[],
        form,
        Utc::now(),
    )
    .status
}
