//! Online payment's configuration (`[pay]`, `[pay.wechat]`, `[pay.alipay]`) and wiring:
//! the channels built from merchant ids, key files and endpoints, or, with
//! `pay.simulator = true`, the channel simulator inside this process (its HTTP front under
//! `/paysim`, its callbacks posted to this server's own notification routes).
//!
//! ```toml
//! [pay]
//! notify_base_url = "https://daojia.example.com"   # where the channels post callbacks
//! return_url = "https://daojia.example.com/orders/{order}?payment={payment}"
//!
//! [pay.wechat]                      # obviously fake values: use your merchant's
//! mchid = "1900000001"
//! appid = "wx0000000000000001"
//! serial_no = "0000000000000000000000000000000000000001"
//! private_key_file = "/etc/daojia/wechat-merchant.key.pem"
//! platform_serial = "PUB_KEY_ID_0000000000000000000000000001"
//! platform_public_key_file = "/etc/daojia/wechat-platform.pub.pem"
//! apiv3_key = "exampleApiV3Key0123456789abcdefg"
//! app_secret = "the official account's AppSecret"   # paying inside WeChat (JSAPI)
//!
//! # sub_mchid = "1900000109"       # service-provider mode: mchid/appid are the provider's
//!
//! [pay.wechat.profit_sharing]       # service-provider mode: partners' shares at the channel (分账)
//! # enabled = true
//! # description = "服务商分成"
//! # encryption_serial = "PUB_KEY_ID_…"  # the platform key that encrypts receivers' names (default: platform_serial)
//!
//! [pay.wechat.transfers]            # workers' withdrawals to their WeChat balance (商家转账)
//! app_secret = "the official account's AppSecret"   # exchanges the payee's web authorisation code
//! scene_id = "1005"                 # the transfer scene granted to the merchant (佣金报酬)
//! # notify_url = "https://daojia.example.com/api/v1/pay/notify/wechat-transfer"  (the default)
//! # encryption_serial = "PUB_KEY_ID_…"  # the platform key that encrypts payee names (default: see below)
//!
//! [pay.alipay]
//! app_id = "2021000000000001"
//! private_key_file = "/etc/daojia/alipay-app.key.pem"
//! alipay_public_key_file = "/etc/daojia/alipay.pub.pem"
//! ```

use anyhow::Context;
use daojia_app::finance::transfers::Transfers;
use daojia_app::payments::jsapi::Jsapi;
use daojia_app::payments::sharing::Sharing;
use daojia_app::payments::{PaySettings, Payments};
use daojia_domain::secret::Secret;
use daojia_pay::alipay::sign::AppKey;
use daojia_pay::channel::alipay::{AlipayChannel, AlipayConfig};
use daojia_pay::channel::http_client::ReqwestTransport;
use daojia_pay::channel::wechat::{
    CodeExchange, SharingConfig, TransferConfig, WechatChannel, WechatConfig,
};
use daojia_pay::channel::{Channel, HttpRequest, HttpResponse, PlatformCertificates, Transport};
use daojia_pay::sim::{SimConfig, SimKeys, SimTransport, Simulator};
use daojia_pay::wechat::Merchant;
use daojia_pay::wechat::aead::ApiV3Key;
use daojia_pay::wechat::sign::MerchantKey;
use daojia_pay::wechat::transfer::ReportInfo;
use daojia_pay::wechat::verify::PlatformKeys;
use daojia_pay::{PrivateKey, PublicKey};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// `[pay]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PayConfig {
    /// This server's public base URL, to which the channels post notifications
    /// (`{notify_base_url}/api/v1/pay/notify/wechat`, `.../alipay`).
    pub notify_base_url: Option<String>,
    /// Where the payer's browser returns after an H5 payment; `{order}` is the order id,
    /// `{payment}` the payment intent's. With the simulator and no value, the customer
    /// app's order page on this server (`{base}/orders/{order}?payment={payment}`).
    pub return_url: Option<String>,
    /// Where the payer's browser returns after an H5 top-up of the wallet; `{top_up}` is
    /// the top-up's id (e.g. `https://daojia.example.com/h5/me/wallet?top_up={top_up}`).
    pub top_up_return_url: Option<String>,
    /// Where the worker's browser returns after paying a deposit lodging on the channel's
    /// page; `{lodging}` is the lodging's id. With the simulator and no value, the worker
    /// app's deposit page on this server (`{base}/worker/deposit?lodging={lodging}`).
    pub deposit_return_url: Option<String>,
    /// How long a payment intent stays payable, minutes.
    pub intent_minutes: i64,
    /// When an unconfirmed payment is first queried, seconds after it was opened.
    pub first_query_secs: i64,
    /// Run the channel simulator in this process (the demo): both channels are simulated,
    /// with keys generated at start, and served under `/paysim`.
    pub simulator: bool,
    /// With `simulator`: WeChat is simulated as a service provider (服务商) for a
    /// sub-merchant, with profit sharing (分账) on and WeChat transfers off (they are a
    /// direct merchant's product here). For trying and testing profit sharing.
    pub simulator_profit_sharing: bool,
    /// WeChat Pay, direct merchant.
    pub wechat: Option<WechatPayConfig>,
    /// Alipay.
    pub alipay: Option<AlipayPayConfig>,
}

impl Default for PayConfig {
    fn default() -> Self {
        PayConfig {
            notify_base_url: None,
            return_url: None,
            top_up_return_url: None,
            deposit_return_url: None,
            intent_minutes: 15,
            first_query_secs: 60,
            simulator: false,
            simulator_profit_sharing: false,
            wechat: None,
            alipay: None,
        }
    }
}

/// `[pay.wechat]`: a direct merchant of WeChat Pay API v3, or a service provider (服务商)
/// collecting for its sub-merchant (`sub_mchid`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatPayConfig {
    /// Merchant id (商户号); the service provider's (`sp_mchid`) with `sub_mchid`.
    pub mchid: String,
    /// The app (official account or mini-program) id; the service provider's (`sp_appid`)
    /// with `sub_mchid`.
    pub appid: String,
    /// Service-provider mode: the sub-merchant (特约商户) the payments are collected for.
    #[serde(default)]
    pub sub_mchid: Option<String>,
    /// Service-provider mode: the sub-merchant's own app, when payers' openids are its.
    #[serde(default)]
    pub sub_appid: Option<String>,
    /// The serial of the merchant's API certificate.
    pub serial_no: String,
    /// The merchant's API private key (PEM).
    pub private_key_file: PathBuf,
    /// The serial (or `PUB_KEY_ID_…`) of WeChat's platform key.
    pub platform_serial: String,
    /// WeChat's platform public key or certificate (PEM).
    pub platform_public_key_file: PathBuf,
    /// The APIv3 key (32 characters). Printed masked.
    pub apiv3_key: Secret<String>,
    /// The API's base URL (WeChat's unless a simulator's).
    pub base_url: Option<String>,
    /// The official account's (`appid`'s) AppSecret: with it the customer app's web
    /// authorisation code (`snsapi_base`) is exchanged for the payer's openid, and payments
    /// inside WeChat (`wechat_jsapi`) are offered. Printed masked; JSAPI is off without it.
    #[serde(default)]
    pub app_secret: Option<Secret<String>>,
    /// Where the code exchange goes (`https://api.weixin.qq.com` unless a test server's).
    #[serde(default)]
    pub oauth_base_url: Option<String>,
    /// Transfers to a worker's WeChat balance for withdrawals (商家转账); off when absent.
    #[serde(default)]
    pub transfers: Option<WechatTransfersConfig>,
    /// Profit sharing of partners' shares at the channel (分账, service-provider mode);
    /// off when absent.
    #[serde(default)]
    pub profit_sharing: Option<WechatSharingConfig>,
}

/// `[pay.wechat.profit_sharing]`: each partner's share of an order paid through WeChat is
/// paid to the partner's own merchant (its receiver, set per partner by staff) when the
/// order's earning settles; the rest is unfrozen for the sub-merchant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatSharingConfig {
    /// On or off (payments opened while on stay shared and are settled either way).
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// The share's description shown in WeChat's records (1 to 80 characters).
    #[serde(default = "default_sharing_description")]
    pub description: String,
    /// The serial of the platform key that encrypts receivers' names; by default
    /// `pay.wechat.platform_serial`.
    pub encryption_serial: Option<String>,
}

fn default_true() -> bool {
    true
}

fn default_sharing_description() -> String {
    "服务商分成".into()
}

/// `[pay.wechat.transfers]`: withdrawals paid to the worker's WeChat balance.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatTransfersConfig {
    /// The official account's (`pay.wechat.appid`'s) AppSecret: the worker app's web
    /// authorisation code (`snsapi_base`) is exchanged with it for the payee's openid.
    /// Printed masked.
    pub app_secret: Secret<String>,
    /// The transfer scene granted to the merchant in WeChat Pay's console (`1005`
    /// 佣金报酬 by default).
    #[serde(default = "default_scene")]
    pub scene_id: String,
    /// The scene's report lines (报备信息) sent with each bill; by default 岗位类型 家政服务人员
    /// and 报酬说明 到家服务收入提现, which scene 1005 asks for.
    #[serde(default = "default_report")]
    pub report: Vec<ReportInfo>,
    /// What the payee is told the money is (用户收款感知), one of the scene's (`劳务报酬`).
    #[serde(default = "default_perception")]
    pub user_recv_perception: Option<String>,
    /// Shown to the payee with the transfer (at most 32 characters).
    #[serde(default = "default_remark")]
    pub remark: String,
    /// Where WeChat posts transfer callbacks; by default
    /// `{pay.notify_base_url}/api/v1/pay/notify/wechat-transfer`.
    pub notify_url: Option<String>,
    /// The serial of the platform key that encrypts payee names (sent from 0.3 yuan on,
    /// required by WeChat from 2,000 yuan). Unset: the platform public key
    /// (`PUB_KEY_ID_…`) when that is the configured mode, otherwise the newest platform
    /// certificate in force.
    pub encryption_serial: Option<String>,
    /// Where the code exchange goes (`https://api.weixin.qq.com` unless a test server's).
    pub oauth_base_url: Option<String>,
}

fn default_scene() -> String {
    "1005".into()
}

fn default_report() -> Vec<ReportInfo> {
    vec![
        ReportInfo {
            info_type: "岗位类型".into(),
            info_content: "家政服务人员".into(),
        },
        ReportInfo {
            info_type: "报酬说明".into(),
            info_content: "到家服务收入提现".into(),
        },
    ]
}

fn default_perception() -> Option<String> {
    Some("劳务报酬".into())
}

fn default_remark() -> String {
    "到家服务收入提现".into()
}

impl WechatTransfersConfig {
    /// The defaults with `app_secret`.
    pub fn with_secret(app_secret: &str) -> Self {
        WechatTransfersConfig {
            app_secret: Secret::new(app_secret.to_owned()),
            scene_id: default_scene(),
            report: default_report(),
            user_recv_perception: default_perception(),
            remark: default_remark(),
            notify_url: None,
            encryption_serial: None,
            oauth_base_url: None,
        }
    }
}

/// `[pay.alipay]`: an Alipay open-platform application (RSA2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlipayPayConfig {
    /// The application id.
    pub app_id: String,
    /// The application private key (PEM or bare base64).
    pub private_key_file: PathBuf,
    /// Alipay's public key (PEM or bare base64).
    pub alipay_public_key_file: PathBuf,
    /// The gateway (Alipay's unless a simulator's).
    pub gateway: Option<String>,
}

fn read(path: &PathBuf, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("{what}: cannot read {}", path.display()))
}

fn settings(c: &PayConfig) -> PaySettings {
    PaySettings {
        intent_lifetime: chrono::Duration::minutes(c.intent_minutes.clamp(1, 24 * 60)),
        first_query_after: chrono::Duration::seconds(c.first_query_secs.clamp(1, 3600)),
        return_url: c.return_url.clone(),
        wallet_return_url: c.top_up_return_url.clone(),
        deposit_return_url: c.deposit_return_url.clone(),
        ..PaySettings::default()
    }
}

fn notify_url(c: &PayConfig, channel: &str) -> anyhow::Result<String> {
    let base = c
        .notify_base_url
        .as_deref()
        .context("pay.notify_base_url: set this server's public URL, where the channels post their notifications")?;
    Ok(format!(
        "{}/api/v1/pay/notify/{channel}",
        base.trim_end_matches('/')
    ))
}

/// The customer app's order page on the server at `base`, naming the payment to follow.
pub fn demo_return_url(base: &str) -> String {
    format!(
        "{}/orders/{{order}}?payment={{payment}}",
        base.trim_end_matches('/')
    )
}

/// What `[pay]` configures: the payment channels (`None` when it configures none), the
/// simulator when it runs in this process, and WeChat transfers for withdrawals.
pub struct Wired {
    /// The payment channels.
    pub payments: Option<Arc<Payments>>,
    /// The simulator in this process.
    pub sim: Option<Arc<Simulator>>,
    /// Transfers to a WeChat balance.
    pub transfers: Option<Arc<Transfers>>,
}

/// The transfers of `t` through `channel`, with `oauth` for the payee's code.
fn transfers(
    t: &WechatTransfersConfig,
    channel: Arc<dyn daojia_pay::channel::Transfer>,
    oauth: Arc<dyn daojia_pay::channel::OpenidForCode>,
    (authorize_url, confirm_page): (String, Option<String>),
) -> Arc<Transfers> {
    Arc::new(Transfers {
        channel,
        oauth,
        scene_id: t.scene_id.clone(),
        report: t.report.clone(),
        perception: t.user_recv_perception.clone(),
        remark: t.remark.clone(),
        authorize_url,
        confirm_page,
    })
}

fn transfer_config(c: &PayConfig, t: &WechatTransfersConfig) -> anyhow::Result<TransferConfig> {
    Ok(TransferConfig {
        notify_url: Some(match &t.notify_url {
            Some(u) => u.clone(),
            None => notify_url(c, "wechat-transfer")?,
        }),
        encryption_serial: t.encryption_serial.clone(),
    })
}

/// The channels `[pay]` configures (see [`Wired`]).
pub fn from_config(c: &PayConfig, server_addr: &str) -> anyhow::Result<Wired> {
    if c.simulator {
        let base = c
            .notify_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{server_addr}"));
        let mut c = c.clone();
        c.notify_base_url = Some(base.clone());
        // The payer comes back to the order page of the customer app this server serves.
        c.return_url.get_or_insert_with(|| demo_return_url(&base));
        // The worker comes back to the worker app's deposit page, following the lodging.
        c.deposit_return_url.get_or_insert_with(|| {
            format!(
                "{}/worker/deposit?lodging={{lodging}}",
                base.trim_end_matches('/')
            )
        });
        let (payments, sim, transfers) =
            simulated(&c, &format!("{}/paysim", base.trim_end_matches('/')))?;
        return Ok(Wired {
            payments: Some(payments),
            sim: Some(sim),
            transfers,
        });
    }
    let mut wired_transfers = None;
    let mut wired_jsapi = None;
    let mut wired_sharing = None;
    let mut certificates = None;
    let wechat: Option<Arc<dyn Channel>> = match &c.wechat {
        None => None,
        Some(w) => {
            let mut platform = PlatformKeys::new();
            platform.insert(
                &w.platform_serial,
                PublicKey::from_pem(&read(
                    &w.platform_public_key_file,
                    "pay.wechat.platform_public_key_file",
                )?)
                .context("pay.wechat.platform_public_key_file")?,
            );
            let merchant = match &w.sub_mchid {
                None => Merchant::Direct {
                    appid: w.appid.clone(),
                    mchid: w.mchid.clone(),
                },
                Some(sub) => Merchant::Partner {
                    sp_appid: w.appid.clone(),
                    sp_mchid: w.mchid.clone(),
                    sub_appid: w.sub_appid.clone(),
                    sub_mchid: sub.clone(),
                },
            };
            let config = WechatConfig {
                merchant,
                key: MerchantKey {
                    mchid: w.mchid.clone(),
                    serial_no: w.serial_no.clone(),
                    private_key: PrivateKey::from_pem(&read(
                        &w.private_key_file,
                        "pay.wechat.private_key_file",
                    )?)
                    .context("pay.wechat.private_key_file")?,
                },
                platform,
                apiv3_key: ApiV3Key::new(w.apiv3_key.expose()).context("pay.wechat.apiv3_key")?,
                notify_url: notify_url(c, "wechat")?,
                refund_notify_url: None,
                base_url: w
                    .base_url
                    .clone()
                    .unwrap_or_else(|| WechatConfig::DEFAULT_BASE.into()),
            };
            let transport = ReqwestTransport::new(std::time::Duration::from_secs(10))?;
            let mut channel = WechatChannel::new(config, transport.clone());
            if let Some(t) = &w.transfers {
                channel = channel.with_transfers(transfer_config(c, t)?);
            }
            let shared = w.profit_sharing.as_ref().filter(|p| p.enabled);
            if let Some(p) = shared {
                channel = channel.with_sharing(SharingConfig {
                    encryption_serial: Some(
                        p.encryption_serial
                            .clone()
                            .unwrap_or_else(|| w.platform_serial.clone()),
                    ),
                });
            }
            let channel = Arc::new(channel);
            certificates = Some(channel.clone() as Arc<dyn PlatformCertificates>);
            if let Some(secret) = &w.app_secret {
                wired_jsapi = Some(Jsapi {
                    appid: w.appid.clone(),
                    oauth: Arc::new(CodeExchange {
                        base_url: w
                            .oauth_base_url
                            .clone()
                            .unwrap_or_else(|| daojia_pay::wechat::oauth::API_BASE.into()),
                        appid: w.appid.clone(),
                        secret: secret.clone(),
                        transport: transport.clone(),
                    }),
                    authorize_base: daojia_pay::wechat::oauth::AUTHORIZE_BASE.into(),
                    cashier_url: None,
                });
            }
            if let Some(p) = shared {
                wired_sharing = Some(Arc::new(Sharing {
                    channel: channel.clone(),
                    description: p.description.clone(),
                }));
            }
            if let Some(t) = &w.transfers {
                let oauth = CodeExchange {
                    base_url: t
                        .oauth_base_url
                        .clone()
                        .unwrap_or_else(|| daojia_pay::wechat::oauth::API_BASE.into()),
                    appid: w.appid.clone(),
                    secret: t.app_secret.clone(),
                    transport,
                };
                let authorize = format!(
                    "{}/connect/oauth2/authorize",
                    daojia_pay::wechat::oauth::AUTHORIZE_BASE
                );
                wired_transfers = Some(transfers(
                    t,
                    channel.clone(),
                    Arc::new(oauth),
                    (authorize, None),
                ));
            }
            Some(channel as Arc<dyn Channel>)
        }
    };
    let alipay: Option<Arc<dyn Channel>> = match &c.alipay {
        None => None,
        Some(a) => {
            let config = AlipayConfig {
                app: AppKey {
                    app_id: a.app_id.clone(),
                    private_key: PrivateKey::from_pem(&read(
                        &a.private_key_file,
                        "pay.alipay.private_key_file",
                    )?)
                    .context("pay.alipay.private_key_file")?,
                },
                alipay_public_key: PublicKey::from_pem(&read(
                    &a.alipay_public_key_file,
                    "pay.alipay.alipay_public_key_file",
                )?)
                .context("pay.alipay.alipay_public_key_file")?,
                notify_url: notify_url(c, "alipay")?,
                gateway: a
                    .gateway
                    .clone()
                    .unwrap_or_else(|| AlipayConfig::DEFAULT_GATEWAY.into()),
            };
            Some(Arc::new(AlipayChannel::new(
                config,
                ReqwestTransport::new(std::time::Duration::from_secs(10))?,
            )))
        }
    };
    if wechat.is_none() && alipay.is_none() {
        return Ok(Wired {
            payments: None,
            sim: None,
            transfers: None,
        });
    }
    Ok(Wired {
        payments: Some(Arc::new(Payments {
            wechat,
            alipay,
            jsapi: wired_jsapi,
            sharing: wired_sharing,
            certificates,
            settings: settings(c),
        })),
        sim: None,
        transfers: wired_transfers,
    })
}

/// The sub-merchant the simulator serves with `pay.simulator_profit_sharing`.
pub const SIM_SUB_MCHID: &str = "1900000109";

/// How often the simulator issues a new platform certificate (each valid twice as long).
pub const SIM_CERTIFICATE_ROTATION: chrono::Duration = chrono::Duration::hours(1);

/// How often the platform certificates are downloaded from the simulator (and how little
/// life left on the newest one is alerted).
pub const SIM_CERTIFICATE_REFRESH: chrono::Duration = chrono::Duration::minutes(10);

/// Both channels, and WeChat transfers, against a simulator reached at `sim_base`, with
/// every key generated now (the merchant's and the simulator's): the demo, and tests.
/// With `simulator_profit_sharing`, WeChat is a service provider's for
/// [`SIM_SUB_MCHID`] with profit sharing, and without transfers.
#[allow(clippy::type_complexity)]
pub fn simulated(
    c: &PayConfig,
    sim_base: &str,
) -> anyhow::Result<(Arc<Payments>, Arc<Simulator>, Option<Arc<Transfers>>)> {
    let provider = c.simulator_profit_sharing;
    const SECRET: &str = "simulatorAppSecret00000000000001";
    let merchant = PrivateKey::generate();
    let app = PrivateKey::generate();
    let apiv3 = "simulatorApiV3Key0123456789abcde";
    let mut sim = Simulator::new(
        SimConfig {
            base_url: sim_base.trim_end_matches('/').to_owned(),
            wechat_mchid: "1900000001".into(),
            wechat_appid: "wx0000000000000001".into(),
            wechat_app_secret: SECRET.into(),
            wechat_merchant_key: merchant.public_key(),
            apiv3_key: ApiV3Key::new(apiv3)?,
            alipay_app_id: "2021000000000001".into(),
            alipay_app_key: app.public_key(),
            alipay_seller_id: "2088000000000001".into(),
        },
        SimKeys::generate(),
    );
    if provider {
        sim = sim.with_sub_merchant(SIM_SUB_MCHID);
        sim.set_sharing_notify_url(notify_url(c, "wechat-sharing")?);
    }
    let sim = Arc::new(sim);
    let transport = DeliveringTransport(SimTransport::new(sim.clone()), sim.clone());
    // The simulator in certificate mode, rotating its platform certificate every hour
    // (each valid two hours): the merchant starts from the first one, as from the one an
    // operator downloads with WeChat's tool, and the refresh job keeps up with the rest.
    sim.rotate_platform_certificates_every(chrono::Utc::now(), SIM_CERTIFICATE_ROTATION);
    let first = sim
        .platform_certificates()
        .pop()
        .context("the simulator issued no platform certificate")?;
    let mut platform = PlatformKeys::new();
    platform.insert(&first.serial_no, first.key.public_key());
    let merchant_ids = if provider {
        Merchant::Partner {
            sp_appid: "wx0000000000000001".into(),
            sp_mchid: "1900000001".into(),
            sub_appid: None,
            sub_mchid: SIM_SUB_MCHID.into(),
        }
    } else {
        Merchant::Direct {
            appid: "wx0000000000000001".into(),
            mchid: "1900000001".into(),
        }
    };
    let wechat = WechatChannel::new(
        WechatConfig {
            merchant: merchant_ids,
            key: MerchantKey {
                mchid: "1900000001".into(),
                serial_no: "SIMULATED0000000000000000000000000000001".into(),
                private_key: merchant,
            },
            platform,
            apiv3_key: ApiV3Key::new(apiv3)?,
            notify_url: notify_url(c, "wechat")?,
            refund_notify_url: None,
            base_url: format!("{}/wechat", sim.config().base_url),
        },
        transport.clone(),
    )
    .with_transfers(transfer_config(
        c,
        &WechatTransfersConfig::with_secret(SECRET),
    )?)
    .with_sharing(SharingConfig {
        // The newest platform certificate in force, as for transfers' payee names.
        encryption_serial: None,
    });
    let wechat = Arc::new(wechat);
    let sharing = provider.then(|| {
        Arc::new(Sharing {
            channel: wechat.clone(),
            description: default_sharing_description(),
        })
    });
    let oauth = CodeExchange {
        base_url: format!("{}/wechat", sim.config().base_url),
        appid: "wx0000000000000001".into(),
        secret: Secret::new(SECRET.into()),
        transport: transport.clone(),
    };
    let transfers = transfers(
        &WechatTransfersConfig::with_secret(SECRET),
        wechat.clone(),
        Arc::new(oauth),
        (
            format!(
                "{}{}",
                sim.config().base_url,
                daojia_pay::sim::AUTHORIZE_PATH
            ),
            Some(format!(
                "{}{}",
                sim.config().base_url,
                daojia_pay::sim::TRANSFER_CONFIRM_PATH
            )),
        ),
    );
    // Paying inside WeChat: the same exchange, the simulator's authorisation page, and its
    // cashier standing in for `WeixinJSBridge` outside a real WeChat.
    let jsapi = Jsapi {
        appid: "wx0000000000000001".into(),
        oauth: Arc::new(CodeExchange {
            base_url: format!("{}/wechat", sim.config().base_url),
            appid: "wx0000000000000001".into(),
            secret: Secret::new(SECRET.into()),
            transport: transport.clone(),
        }),
        authorize_base: format!(
            "{}{}",
            sim.config().base_url,
            daojia_pay::sim::AUTHORIZE_PATH
                .strip_suffix("/connect/oauth2/authorize")
                .expect("the simulator's authorize page is WeChat's path under a prefix")
        ),
        cashier_url: Some(format!(
            "{}{}",
            sim.config().base_url,
            daojia_pay::sim::JSAPI_CASHIER_PATH
        )),
    };
    let alipay = AlipayChannel::new(
        AlipayConfig {
            app: AppKey {
                app_id: "2021000000000001".into(),
                private_key: app,
            },
            alipay_public_key: sim.alipay_key(),
            notify_url: notify_url(c, "alipay")?,
            gateway: format!("{}/alipay/gateway.do", sim.config().base_url),
        },
        transport,
    );
    let mut settings = settings(c);
    settings.certificate_refresh = SIM_CERTIFICATE_REFRESH;
    settings.certificate_warning = SIM_CERTIFICATE_REFRESH;
    let payments = Payments {
        certificates: Some(wechat.clone() as Arc<dyn PlatformCertificates>),
        wechat: Some(wechat as Arc<dyn Channel>),
        alipay: Some(Arc::new(alipay)),
        jsapi: Some(jsapi),
        sharing,
        settings,
    };
    // A service provider's transfers are not implemented: none in that mode.
    let transfers = (!provider).then_some(transfers);
    Ok((Arc::new(payments), sim, transfers))
}

/// The in-process transport to the simulator that also posts the callbacks a call made
/// the simulator send (a refund's).
#[derive(Clone)]
struct DeliveringTransport(SimTransport, Arc<Simulator>);

#[async_trait::async_trait]
impl Transport for DeliveringTransport {
    async fn send(&self, request: HttpRequest) -> daojia_pay::Result<HttpResponse> {
        let reply = self.0.send(request).await;
        deliver(&self.1);
        reply
    }
}

/// Posts the simulator's waiting callbacks, each in a task of its own (a callback must not
/// wait for the request that caused it, which may hold the notified row).
pub fn deliver(sim: &Arc<Simulator>) {
    let callbacks = sim.take_callbacks();
    if callbacks.is_empty() {
        return;
    }
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    handle.spawn(async move {
        let client = reqwest::Client::new();
        for cb in callbacks {
            let mut req = client.post(&cb.url).body(cb.body.clone());
            for (k, v) in &cb.headers {
                req = req.header(k, v);
            }
            match req.send().await {
                Ok(r) => tracing::info!(url = %cb.url, status = %r.status(), "simulator callback delivered"),
                Err(e) => tracing::warn!(url = %cb.url, error = %e, "simulator callback not delivered"),
            }
        }
    });
}

/// The simulator's HTTP front: every path under it goes to [`Simulator::handle`]; the
/// callbacks a request produced are posted afterwards.
pub fn routes(sim: Arc<Simulator>) -> axum::Router {
    use axum::body::Bytes;
    use axum::http::{HeaderMap, Method as HttpMethod, Uri};
    use axum::response::IntoResponse;
    let handler = move |method: HttpMethod, uri: Uri, headers: HeaderMap, body: Bytes| {
        let sim = sim.clone();
        async move {
            let method = if method == HttpMethod::POST {
                daojia_pay::http::Method::Post
            } else {
                daojia_pay::http::Method::Get
            };
            let path = uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let headers: Vec<(String, String)> = headers
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            let body = String::from_utf8_lossy(&body).into_owned();
            let reply = sim.handle(method, &path, &headers, &body, chrono::Utc::now());
            deliver(&sim);
            let mut response = (
                axum::http::StatusCode::from_u16(reply.status)
                    .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                reply.body,
            )
                .into_response();
            for (k, v) in reply.headers {
                if let (Ok(k), Ok(v)) = (
                    axum::http::HeaderName::try_from(k),
                    axum::http::HeaderValue::try_from(v),
                ) {
                    response.headers_mut().insert(k, v);
                }
            }
            response
        }
    };
    axum::Router::new().fallback(handler)
}
