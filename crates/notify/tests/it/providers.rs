//! The Aliyun and Tencent Cloud SMS providers against local simulators that check every
//! request as the vendor does (signature recomputed from the raw request), and the
//! failover between them: success, each kind of error, timeouts, outages.

use crate::sim;

use daojia_domain::phone::Phone;
use daojia_domain::secret::Secret;
use daojia_notify::aliyun::{AliyunConfig, AliyunSms};
use daojia_notify::failover::Failover;
use daojia_notify::sms::{
    SmsErrorKind, SmsMessage, SmsProvider, login_code_message, visit_reminder_message,
};
use daojia_notify::tencent::{TencentConfig, TencentSms};
use daojia_notify::vendor::{Templates, VendorTemplate};
use sim::{Behaviour, Sim, Vendor};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn templates(list: &[(&str, &str, &[&str])]) -> Templates {
    list.iter()
        .map(|(name, id, params)| {
            (
                name.to_string(),
                VendorTemplate {
                    id: id.to_string(),
                    params: params.iter().map(|p| p.to_string()).collect(),
                },
            )
        })
        .collect()
}

fn aliyun_config(endpoint: &str) -> AliyunConfig {
    AliyunConfig {
        endpoint: endpoint.into(),
        access_key_id: sim::ALI_KEY_ID.into(),
        access_key_secret: Secret::new(sim::ALI_SECRET.into()),
        sign_name: sim::SIGN_NAME.into(),
        // The simulated account's login template names its code variable `num`.
        templates: templates(&[
            ("login_code", "SMS_000000001", &["num=code", "minutes"]),
            (
                "visit_reminder",
                "SMS_000000002",
                &["service", "start", "end", "order_no"],
            ),
        ]),
        timeout: Duration::from_millis(800),
    }
}

fn tencent_config(endpoint: &str) -> TencentConfig {
    TencentConfig {
        endpoint: endpoint.into(),
        secret_id: sim::TC_SECRET_ID.into(),
        secret_key: Secret::new(sim::TC_SECRET_KEY.into()),
        sdk_app_id: sim::TC_SDK_APP_ID.into(),
        region: "ap-guangzhou".into(),
        sign_name: sim::SIGN_NAME.into(),
        templates: templates(&[
            ("login_code", "1000001", &["code", "minutes"]),
            (
                "visit_reminder",
                "1000002",
                &["service", "start", "end", "order_no"],
            ),
        ]),
        timeout: Duration::from_millis(800),
    }
}

fn aliyun(endpoint: &str) -> Arc<dyn SmsProvider> {
    Arc::new(AliyunSms::new(aliyun_config(endpoint)).unwrap())
}

fn tencent(endpoint: &str) -> Arc<dyn SmsProvider> {
    Arc::new(TencentSms::new(tencent_config(endpoint)).unwrap())
}

async fn started(v: Vendor) -> (Sim, Arc<dyn SmsProvider>) {
    let sim = Sim::start(v).await;
    let p = match v {
        Vendor::Aliyun => aliyun(&sim.endpoint),
        Vendor::Tencent => tencent(&sim.endpoint),
    };
    (sim, p)
}

const BOTH: [Vendor; 2] = [Vendor::Aliyun, Vendor::Tencent];

fn phone() -> Phone {
    Phone::parse("13800138000").unwrap()
}

fn code_msg() -> SmsMessage {
    login_code_message(phone(), "042917", 5)
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn a_log_in_code_is_signed_as_the_vendor_checks_it_and_delivered_with_its_template() {
    for v in BOTH {
        let (sim, p) = started(v).await;
        let r = p
            .send(&code_msg())
            .await
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(r.provider, p.name());
        assert!(!r.provider_message_id.is_empty(), "{v:?}");
        let d = sim.delivered();
        assert_eq!(d.len(), 1, "{v:?}");
        assert_eq!(d[0].phone, "13800138000");
        assert_eq!(d[0].sign_name, "到家");
        match v {
            Vendor::Aliyun => {
                assert_eq!(d[0].template, "SMS_000000001");
                assert_eq!(d[0].params, pairs(&[("num", "042917"), ("minutes", "5")]));
            }
            Vendor::Tencent => {
                assert_eq!(d[0].template, "1000001");
                assert_eq!(d[0].params, pairs(&[("0", "042917"), ("1", "5")]));
            }
        }
    }
}

#[tokio::test]
async fn a_visit_reminder_with_chinese_text_and_symbols_arrives_intact() {
    for v in BOTH {
        let (sim, p) = started(v).await;
        let msg = visit_reminder_message(
            phone(),
            "深度保洁 (2h)*1 + 擦窗~/&=",
            "12-31 09:00",
            "11:00",
            "DJ20261231-0001",
        );
        p.send(&msg).await.unwrap_or_else(|e| panic!("{v:?}: {e}"));
        let d = sim.delivered();
        let values: Vec<&str> = d[0].params.iter().map(|(_, v)| v.as_str()).collect();
        assert_eq!(
            values,
            [
                "深度保洁 (2h)*1 + 擦窗~/&=",
                "12-31 09:00",
                "11:00",
                "DJ20261231-0001"
            ],
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn a_wrong_secret_or_unknown_key_is_an_auth_failure() {
    let sim = Sim::start(Vendor::Aliyun).await;
    let mut cfg = aliyun_config(&sim.endpoint);
    cfg.access_key_secret = Secret::new("not-the-secret".into());
    let e = AliyunSms::new(cfg)
        .unwrap()
        .send(&code_msg())
        .await
        .unwrap_err();
    assert_eq!(e.kind, SmsErrorKind::Auth, "{e}");
    assert_eq!(e.code.as_deref(), Some("SignatureDoesNotMatch"));
    let mut cfg = aliyun_config(&sim.endpoint);
    cfg.access_key_id = "FAKE-OTHER-KEY".into();
    let e = AliyunSms::new(cfg)
        .unwrap()
        .send(&code_msg())
        .await
        .unwrap_err();
    assert_eq!(e.kind, SmsErrorKind::Auth, "{e}");
    assert_eq!(e.code.as_deref(), Some("InvalidAccessKeyId.NotFound"));

    let sim = Sim::start(Vendor::Tencent).await;
    let mut cfg = tencent_config(&sim.endpoint);
    cfg.secret_key = Secret::new("not-the-secret".into());
    let e = TencentSms::new(cfg)
        .unwrap()
        .send(&code_msg())
        .await
        .unwrap_err();
    assert_eq!(e.kind, SmsErrorKind::Auth, "{e}");
    assert_eq!(e.code.as_deref(), Some("AuthFailure.SignatureFailure"));
    let mut cfg = tencent_config(&sim.endpoint);
    cfg.sdk_app_id = "1400999999".into();
    let e = TencentSms::new(cfg)
        .unwrap()
        .send(&code_msg())
        .await
        .unwrap_err();
    assert_eq!(e.kind, SmsErrorKind::Auth, "{e}");
    assert!(sim.delivered().is_empty());
}

/// A provider for `v` at `endpoint` with its login template or sign name changed.
fn altered(
    v: Vendor,
    endpoint: &str,
    sign_name: Option<&str>,
    id: Option<&str>,
    params: Option<&[&str]>,
) -> Arc<dyn SmsProvider> {
    let change = |sign: &mut String, t: &mut Templates| {
        if let Some(s) = sign_name {
            *sign = s.into();
        }
        let login = t.get_mut("login_code").unwrap();
        if let Some(i) = id {
            login.id = i.into();
        }
        if let Some(p) = params {
            login.params = p.iter().map(|s| s.to_string()).collect();
        }
    };
    match v {
        Vendor::Aliyun => {
            let mut c = aliyun_config(endpoint);
            change(&mut c.sign_name, &mut c.templates);
            Arc::new(AliyunSms::new(c).unwrap())
        }
        Vendor::Tencent => {
            let mut c = tencent_config(endpoint);
            change(&mut c.sign_name, &mut c.templates);
            Arc::new(TencentSms::new(c).unwrap())
        }
    }
}

#[tokio::test]
async fn an_unapproved_sign_name_or_template_is_a_template_error() {
    for v in BOTH {
        let sim = Sim::start(v).await;
        let e = altered(v, &sim.endpoint, Some("别家"), None, None)
            .send(&code_msg())
            .await
            .unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Template, "{v:?}: {e}");
        let e = altered(v, &sim.endpoint, None, Some("999"), None)
            .send(&code_msg())
            .await
            .unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Template, "{v:?}: {e}");
        assert!(!e.kind.fails_over());
        // Parameters that do not fit the approved template.
        let fewer: &[&str] = match v {
            Vendor::Aliyun => &["num=code"],
            Vendor::Tencent => &["code"],
        };
        let e = altered(v, &sim.endpoint, None, None, Some(fewer))
            .send(&code_msg())
            .await
            .unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Template, "{v:?}: {e}");
        assert!(sim.delivered().is_empty(), "{v:?}");
    }
}

#[tokio::test]
async fn a_blocked_number_is_a_phone_error_and_the_message_names_neither_number_nor_code() {
    for v in BOTH {
        let (sim, p) = started(v).await;
        sim.block("13800138000");
        let e = p.send(&code_msg()).await.unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Phone, "{v:?}: {e}");
        let text = e.to_string();
        assert!(
            !text.contains("13800138000") && !text.contains("042917"),
            "{text}"
        );
    }
}

#[tokio::test]
async fn the_vendors_per_number_limit_is_a_quota_error() {
    for v in BOTH {
        let (sim, p) = started(v).await;
        sim.limit_per_phone(1);
        p.send(&code_msg()).await.unwrap();
        let e = p.send(&code_msg()).await.unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Quota, "{v:?}: {e}");
        let expected = match v {
            Vendor::Aliyun => "isv.BUSINESS_LIMIT_CONTROL",
            Vendor::Tencent => "LimitExceeded.PhoneNumberDailyLimit",
        };
        assert_eq!(e.code.as_deref(), Some(expected));
        assert!(e.to_string().contains("sending limit or quota"), "{e}");
    }
}

#[tokio::test]
async fn every_documented_error_code_maps_to_its_kind_through_the_wire() {
    let cases: &[(Vendor, &str, SmsErrorKind)] = &[
        (Vendor::Aliyun, "isv.DAY_LIMIT_CONTROL", SmsErrorKind::Quota),
        (Vendor::Aliyun, "isv.AMOUNT_NOT_ENOUGH", SmsErrorKind::Quota),
        (
            Vendor::Aliyun,
            "isv.SMS_TEMPLATE_ILLEGAL",
            SmsErrorKind::Template,
        ),
        (
            Vendor::Aliyun,
            "isv.SMS_SIGNATURE_ILLEGAL",
            SmsErrorKind::Template,
        ),
        (
            Vendor::Aliyun,
            "isv.BLACK_KEY_CONTROL_LIMIT",
            SmsErrorKind::Template,
        ),
        (
            Vendor::Aliyun,
            "isv.MOBILE_NUMBER_ILLEGAL",
            SmsErrorKind::Phone,
        ),
        (
            Vendor::Aliyun,
            "isp.RAM_PERMISSION_DENY",
            SmsErrorKind::Auth,
        ),
        (
            Vendor::Aliyun,
            "isp.SYSTEM_ERROR",
            SmsErrorKind::Unreachable,
        ),
        (
            Vendor::Tencent,
            "LimitExceeded.DeliveryFrequencyLimit",
            SmsErrorKind::Quota,
        ),
        (
            Vendor::Tencent,
            "FailedOperation.InsufficientBalanceInSmsPackage",
            SmsErrorKind::Quota,
        ),
        (Vendor::Tencent, "RequestLimitExceeded", SmsErrorKind::Quota),
        (
            Vendor::Tencent,
            "FailedOperation.TemplateIncorrectOrUnapproved",
            SmsErrorKind::Template,
        ),
        (
            Vendor::Tencent,
            "FailedOperation.SignatureIncorrectOrUnapproved",
            SmsErrorKind::Template,
        ),
        (
            Vendor::Tencent,
            "InvalidParameterValue.IncorrectPhoneNumber",
            SmsErrorKind::Phone,
        ),
        (
            Vendor::Tencent,
            "FailedOperation.PhoneNumberInBlacklist",
            SmsErrorKind::Phone,
        ),
        (
            Vendor::Tencent,
            "AuthFailure.SecretIdNotFound",
            SmsErrorKind::Auth,
        ),
        (
            Vendor::Tencent,
            "InternalError.Timeout",
            SmsErrorKind::Unreachable,
        ),
    ];
    for (v, code, kind) in cases {
        let (sim, p) = started(*v).await;
        sim.set(Behaviour::Code(code.to_string()));
        let e = p.send(&code_msg()).await.unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_deref()),
            (*kind, Some(*code)),
            "{v:?}: {e}"
        );
    }
}

#[tokio::test]
async fn a_vendor_that_does_not_answer_in_time_is_a_timeout() {
    for v in BOTH {
        let (sim, p) = started(v).await;
        sim.set(Behaviour::Late(Duration::from_secs(3)));
        let t = Instant::now();
        let e = p.send(&code_msg()).await.unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Timeout, "{v:?}: {e}");
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{v:?}: {:?}",
            t.elapsed()
        );
    }
}

#[tokio::test]
async fn a_server_error_a_broken_body_or_no_server_is_an_outage() {
    for v in BOTH {
        let (sim, p) = started(v).await;
        sim.set(Behaviour::Status(503));
        let e = p.send(&code_msg()).await.unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::Unreachable, "{v:?}: {e}");
        sim.set(Behaviour::Garbage);
        let e = p.send(&code_msg()).await.unwrap_err();
        assert_eq!(e.kind, SmsErrorKind::BadResponse, "{v:?}: {e}");
    }
    // Nothing listens on a port just released.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = aliyun(&format!("http://127.0.0.1:{port}"))
        .send(&code_msg())
        .await
        .unwrap_err();
    assert_eq!(e.kind, SmsErrorKind::Unreachable, "{e}");
    assert!(!e.to_string().contains("13800138000"), "{e}");
}

#[tokio::test]
async fn an_outage_of_the_primary_fails_over_and_the_receipt_names_the_secondary() {
    for (outage, label) in [
        (Behaviour::Status(503), "503"),
        (Behaviour::Late(Duration::from_secs(3)), "timeout"),
        (
            Behaviour::Code("isv.BUSINESS_LIMIT_CONTROL".into()),
            "quota",
        ),
        (Behaviour::Code("isp.RAM_PERMISSION_DENY".into()), "auth"),
    ] {
        let (a, ap) = started(Vendor::Aliyun).await;
        let (t, tp) = started(Vendor::Tencent).await;
        a.set(outage);
        let f = Failover::new(ap, tp);
        let r = f
            .send(&code_msg())
            .await
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(r.provider, "tencent", "{label}");
        assert_eq!(a.requests(), 1, "{label}");
        assert_eq!(t.delivered().len(), 1, "{label}");
    }
}

#[tokio::test]
async fn a_healthy_primary_sends_alone() {
    let (a, ap) = started(Vendor::Aliyun).await;
    let (t, tp) = started(Vendor::Tencent).await;
    let r = Failover::new(ap, tp).send(&code_msg()).await.unwrap();
    assert_eq!(r.provider, "aliyun");
    assert_eq!(a.delivered().len(), 1);
    assert_eq!(t.requests(), 0);
}

#[tokio::test]
async fn a_bad_number_is_not_sent_again_through_the_secondary() {
    let (t, tp) = started(Vendor::Tencent).await;
    let (a, ap) = started(Vendor::Aliyun).await;
    t.block("13800138000");
    let e = Failover::new(tp, ap).send(&code_msg()).await.unwrap_err();
    assert_eq!(e.kind, SmsErrorKind::Phone);
    assert_eq!(e.provider, "tencent");
    assert_eq!(a.requests(), 0);
}

#[tokio::test]
async fn when_both_are_down_the_error_tells_both_stories() {
    let (a, ap) = started(Vendor::Aliyun).await;
    let (t, tp) = started(Vendor::Tencent).await;
    a.set(Behaviour::Status(503));
    t.set(Behaviour::Code("LimitExceeded.AppDailyLimit".into()));
    let e = Failover::new(ap, tp).send(&code_msg()).await.unwrap_err();
    assert_eq!(e.provider, "tencent");
    assert_eq!(e.kind, SmsErrorKind::Quota);
    let text = e.to_string();
    assert!(text.contains("LimitExceeded.AppDailyLimit"), "{text}");
    assert!(text.contains("aliyun: provider unreachable"), "{text}");
}
