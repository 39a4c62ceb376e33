//! Tests of loading, environment overrides and validation.

use super::*;

fn valid() -> Config {
    let mut c = Config::default();
    let s = Secrets::generate();
    c.merge_secrets(&s);
    c
}

#[test]
fn a_generated_configuration_is_valid() {
    valid().validate().unwrap();
}

#[test]
fn a_bad_address_names_the_setting() {
    let mut c = valid();
    c.apply_env(|k| (k == "DAOJIA_ADDR").then(|| "localhost".to_string()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("server.addr:"), "{e}");
}

#[test]
fn environment_overrides_the_file() {
    let mut c = valid();
    c.apply_env(|k| match k {
        "DATABASE_URL" => Some("postgres://u:pw@h/d".into()),
        "DAOJIA_BODY_LIMIT" => Some("2048".into()),
        _ => None,
    });
    assert_eq!(c.database.url, "postgres://u:pw@h/d");
    assert_eq!(c.server.body_limit_bytes, 2048);
    let shown = c.masked_toml();
    assert!(shown.contains("postgres://u:***@h/d"), "{shown}");
    assert!(!shown.contains(c.auth.token_secret.as_deref().unwrap()));
    assert!(!shown.contains(c.pii.index_key.as_deref().unwrap()));
}

#[test]
fn a_vendor_geocoder_needs_a_key_and_its_secret_is_masked() {
    let mut c = valid();
    assert_eq!(c.geocoding.provider, "offline");
    c.apply_env(|k| (k == "DAOJIA_GEOCODING_PROVIDER").then(|| "amap".to_string()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("geocoding.key:"), "{e}");
    c.apply_env(|k| match k {
        "DAOJIA_GEOCODING_KEY" => Some("fake-key-0123".into()),
        "DAOJIA_GEOCODING_SECRET" => Some("fake-secret-4567".into()),
        _ => None,
    });
    c.validate().unwrap();
    let shown = c.masked_toml();
    assert!(shown.contains("[geocoding]"), "{shown}");
    assert!(!shown.contains("fake-secret-4567"), "{shown}");
    assert!(!shown.contains("fake-key-0123"), "{shown}");
    assert!(!format!("{c:?}").contains("fake-secret-4567"));
    c.geocoding.provider = "baidu".into();
    let e = c.validate().unwrap_err().to_string();
    assert!(e.contains("available: offline, amap, tencent"), "{e}");
}

const SMS_TOML: &str = r#"
[sms]
provider = "aliyun"
fallback = "tencent"

[sms.aliyun]
access_key_id = "FAKE-ALIYUN-KEY-ID"
access_key_secret = "fake-aliyun-secret-0001"
sign_name = "到家"
templates.login_code = { id = "SMS_000000001", params = ["code", "minutes"] }
templates.visit_reminder = { id = "SMS_000000002", params = ["service", "start", "end", "order_no"] }

[sms.tencent]
secret_id = "FAKE-TENCENT-SECRET-ID"
secret_key = "fake-tencent-secret-0002"
sdk_app_id = "1400000000"
sign_name = "到家"
templates.login_code = { id = "1000001", params = ["code"] }
"#;

#[test]
fn vendor_sms_with_a_fallback_is_validated_and_its_secrets_masked() {
    let file: Config = toml::from_str(SMS_TOML).unwrap();
    let mut c = valid();
    c.sms = file.sms;
    c.validate().unwrap();
    let shown = c.masked_toml();
    for secret in [
        "FAKE-ALIYUN-KEY-ID",
        "fake-aliyun-secret-0001",
        "FAKE-TENCENT-SECRET-ID",
        "fake-tencent-secret-0002",
    ] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
        assert!(
            !format!("{c:?}").contains("secret-000"),
            "Debug shows a secret"
        );
    }
    assert!(shown.contains("SMS_000000001"), "{shown}");
    // The provider builds (both vendors) from this configuration.
    let p = crate::state::sms(&c).unwrap();
    assert_eq!(p.name(), "aliyun");

    let check = |f: &dyn Fn(&mut Config), key: &str| {
        let mut bad = c.clone();
        f(&mut bad);
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.starts_with(key), "{key}: {e}");
    };
    check(
        &|c: &mut Config| c.sms.provider = "twilio".into(),
        "sms.provider:",
    );
    check(
        &|c: &mut Config| c.sms.fallback = Some("aliyun".into()),
        "sms.fallback:",
    );
    check(
        &|c: &mut Config| {
            c.sms.provider = "log".into();
        },
        "sms.fallback:",
    );
    check(
        &|c: &mut Config| c.sms.aliyun.access_key_secret = None,
        "sms.aliyun.access_key_secret:",
    );
    check(
        &|c: &mut Config| c.sms.aliyun.sign_name = None,
        "sms.aliyun.sign_name:",
    );
    check(
        &|c: &mut Config| {
            c.sms.aliyun.templates.remove("login_code");
        },
        "sms.aliyun.templates:",
    );
    check(
        &|c: &mut Config| c.sms.tencent.sdk_app_id = Some("app".into()),
        "sms.tencent.sdk_app_id:",
    );
    check(
        &|c: &mut Config| c.sms.tencent.endpoint = Some("sms.tencentcloudapi.com".into()),
        "sms.tencent.endpoint:",
    );
    check(
        &|c: &mut Config| c.sms.timeout_secs = 0,
        "sms.timeout_secs:",
    );
    // Without a fallback, the other vendor's section is not needed.
    let mut only = c.clone();
    only.sms.fallback = None;
    only.sms.tencent = TencentSmsConfig::default();
    only.validate().unwrap();
}

#[test]
fn sms_credentials_come_from_the_environment_too() {
    let mut c = valid();
    c.sms.tencent.templates = toml::from_str::<Config>(SMS_TOML)
        .unwrap()
        .sms
        .tencent
        .templates;
    c.apply_env(|k| {
        Some(
            match k {
                "DAOJIA_SMS_PROVIDER" => "tencent",
                "DAOJIA_SMS_TENCENT_SECRET_ID" => "FAKE-ID",
                "DAOJIA_SMS_TENCENT_SECRET_KEY" => "fake-key",
                "DAOJIA_SMS_TENCENT_SDK_APP_ID" => "1400000001",
                "DAOJIA_SMS_TENCENT_REGION" => "ap-beijing",
                "DAOJIA_SMS_TENCENT_SIGN_NAME" => "到家",
                _ => return None,
            }
            .to_string(),
        )
    });
    c.validate().unwrap();
    assert_eq!(c.sms.tencent.region, "ap-beijing");
    assert_eq!(
        c.sms.tencent.secret_key.as_ref().unwrap().expose(),
        "fake-key"
    );
    assert_eq!(crate::state::sms(&c).unwrap().name(), "tencent");
}

#[test]
fn a_missing_key_tells_how_to_make_one() {
    let e = Config::default().validate().unwrap_err().to_string();
    assert!(e.contains("daojia demo"), "{e}");
}

#[test]
fn a_secrets_file_named_in_the_environment_is_read() {
    let dir = std::env::temp_dir().join(format!("daojia-cfg-{}", uuid::Uuid::now_v7()));
    let secrets = dir.join("elsewhere.toml");
    let generated = Secrets::generate();
    generated.write(&secrets).unwrap();
    let config = dir.join("daojia.toml");
    std::fs::write(&config, "").unwrap();
    let path = secrets.to_string_lossy().into_owned();
    let c = Config::load_with(Some(&config), |k| {
        (k == "DAOJIA_SECRETS_FILE").then(|| path.clone())
    })
    .unwrap();
    assert_eq!(c.secrets_path(), secrets);
    assert_eq!(c.pii.keys, generated.pii_keys, "keys from the named file");
    assert_eq!(c.auth.token_secret, Some(generated.token_secret.clone()));
    // A secret set in the environment still wins over the file.
    let c = Config::load_with(Some(&config), |k| match k {
        "DAOJIA_SECRETS_FILE" => Some(path.clone()),
        "DAOJIA_TOKEN_SECRET" => Some("from-the-environment".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(c.auth.token_secret.as_deref(), Some("from-the-environment"));
    assert_eq!(c.pii.keys, generated.pii_keys);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unknown_keys_in_the_file_are_refused() {
    let e = toml::from_str::<Config>("[server]\nadress = \"x\"\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("adress"), "{e}");
}

#[test]
fn the_removed_forwarded_for_switch_points_to_trusted_proxies() {
    let mut c: Config = toml::from_str("[auth]\ntrust_forwarded_for = true\n").unwrap();
    c.merge_secrets(&Secrets::generate());
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("auth.trust_forwarded_for:"), "{e}");
    assert!(e.contains("trusted_proxies"), "{e}");
    assert!(!c.masked_toml().contains("trust_forwarded_for"));
}

#[test]
fn trusted_proxies_come_from_the_file_or_the_environment_and_are_checked() {
    let mut c: Config =
        toml::from_str("[auth]\ntrusted_proxies = [\"10.0.0.0/8\", \"2001:db8::/32\"]\n").unwrap();
    c.merge_secrets(&Secrets::generate());
    c.validate().unwrap();
    c.apply_env(|k| (k == "DAOJIA_TRUSTED_PROXIES").then(|| "10.1.0.0/16, 172.16.0.0/12,".into()));
    assert_eq!(c.auth.trusted_proxies, ["10.1.0.0/16", "172.16.0.0/12"]);
    c.validate().unwrap();
    c.apply_env(|k| (k == "DAOJIA_TRUSTED_PROXIES").then(|| "10.1.0.0/16,10.0.0.300".into()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("auth.trusted_proxies:"), "{e}");
    assert!(e.contains("10.0.0.300"), "{e}");
}

#[test]
fn the_redis_url_comes_from_either_variable_is_checked_and_is_printed_masked() {
    let mut c = valid();
    assert_eq!(c.redis.url, None);
    c.apply_env(|k| (k == "REDIS_URL").then(|| "redis://:s3cret@cache:6379/2".into()));
    c.validate().unwrap();
    let shown = c.masked_toml();
    assert!(shown.contains("[redis]"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
    c.apply_env(|k| match k {
        "DAOJIA_REDIS_URL" => Some("redis://other:6379".into()),
        "REDIS_URL" => Some("redis://ignored:6379".into()),
        _ => None,
    });
    assert_eq!(c.redis.url.as_deref(), Some("redis://other:6379"));
    c.redis.url = Some("http://cache:6379".into());
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("redis.url:"), "{e}");
    c.redis.url = None;
    c.apply_env(|k| (k == "DAOJIA_REDIS_PREFIX").then(|| "has space".into()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("redis.prefix:"), "{e}");
}

#[test]
fn the_amqp_url_comes_from_either_variable_wins_over_the_file_and_is_printed_masked() {
    let mut c = valid();
    assert_eq!(c.broker.amqp_url, None);
    assert_eq!(c.broker.exchange, "daojia.events");
    c.broker.amqp_url = Some("amqp://file:6672".into());
    c.apply_env(|k| (k == "AMQP_URL").then(|| "amqp://daojia:s3cret@mq:5672/%2f".into()));
    c.validate().unwrap();
    assert_eq!(
        c.broker.amqp_url.as_deref(),
        Some("amqp://daojia:s3cret@mq:5672/%2f")
    );
    let shown = c.masked_toml();
    assert!(shown.contains("[broker]"), "{shown}");
    assert!(!shown.contains("s3cret"), "{shown}");
    c.apply_env(|k| match k {
        "DAOJIA_AMQP_URL" => Some("amqp://other:5672".into()),
        "AMQP_URL" => Some("amqp://ignored:5672".into()),
        _ => None,
    });
    assert_eq!(c.broker.amqp_url.as_deref(), Some("amqp://other:5672"));
    assert!(c.broker.feeds("sms.worker_order"));
    c.broker.amqp_url = Some("http://mq:5672".into());
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("broker.amqp_url:"), "{e}");
    c.broker.amqp_url = Some("amqp://mq".into());
    c.apply_env(|k| (k == "DAOJIA_AMQP_EXCHANGE").then(|| "has space".into()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("broker.exchange:"), "{e}");
    c.broker.exchange = "daojia.events".into();
    c.broker.consumers = vec!["nobody".into()];
    let e = c.validate().unwrap_err().to_string();
    assert!(
        e.starts_with("broker.consumers:") && e.contains("sms.worker_order"),
        "{e}"
    );
}

#[test]
fn the_sqlite_file_is_found_in_the_url() {
    let mut c = Config::default();
    assert_eq!(c.sqlite_path(), Some(PathBuf::from("daojia.db")));
    c.database.url = "sqlite:///tmp/x.db?mode=rwc".into();
    assert_eq!(c.sqlite_path(), Some(PathBuf::from("/tmp/x.db")));
}

#[test]
fn pay_settings_are_checked_and_the_apiv3_key_comes_from_the_environment() {
    let dir = std::env::temp_dir().join(format!("daojia-pay-config-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let key = dir.join("merchant.key.pem");
    let platform = dir.join("platform.pub.pem");
    std::fs::write(&key, "fake").unwrap();
    std::fs::write(&platform, "fake").unwrap();
    let mut c = valid();
    c.pay.intent_minutes = 0;
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("pay.intent_minutes:"), "{e}");
    c.pay.intent_minutes = 15;
    c.pay.wechat = Some(crate::pay::WechatPayConfig {
        mchid: "1900000001".into(),
        appid: "wx0000000000000001".into(),
        serial_no: "01".into(),
        private_key_file: key.clone(),
        platform_serial: "PUB_KEY_ID_01".into(),
        platform_public_key_file: dir.join("missing.pem"),
        apiv3_key: daojia_domain::secret::Secret::new("short".into()),
        app_secret: None,
        oauth_base_url: None,
        base_url: None,
        transfers: None,
        sub_mchid: None,
        sub_appid: None,
        profit_sharing: None,
    });
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("pay.notify_base_url:"), "{e}");
    c.apply_env(|k| match k {
        "DAOJIA_PAY_NOTIFY_BASE_URL" => Some("https://daojia.example.com".into()),
        _ => None,
    });
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("pay.wechat.apiv3_key:"), "{e}");
    c.apply_env(|k| match k {
        "DAOJIA_PAY_WECHAT_APIV3_KEY" => Some("exampleApiV3Key0123456789abcdef0".into()),
        _ => None,
    });
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("pay.wechat.platform_public_key_file:"), "{e}");
    c.pay.wechat.as_mut().unwrap().platform_public_key_file = platform;
    c.validate().unwrap();
    assert!(!c.masked_toml().contains("exampleApiV3Key0123456789abcdef0"));
    c.apply_env(|k| (k == "DAOJIA_PAY_SIMULATOR").then(|| "true".to_string()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("pay.simulator:"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn settlement_can_run_every_few_minutes_but_not_never_or_less_than_hourly() {
    let file: Config =
        toml::from_str("[finance]\ndispute_window_hours = 0\nsettle_every_minutes = 1\n").unwrap();
    assert_eq!(file.finance.settle_every_minutes, 1);
    assert_eq!(file.finance.dispute_window_hours, 0);
    let mut c = valid();
    c.finance = file.finance;
    c.validate().unwrap();
    assert_eq!(
        valid().finance.settle_every_minutes,
        60,
        "hourly by default"
    );
    for bad in [0, 61] {
        c.finance.settle_every_minutes = bad;
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with("finance.settle_every_minutes:"), "{bad}: {e}");
    }
}

#[test]
fn s3_storage_is_checked_at_start_and_its_keys_are_masked() {
    let mut c = valid();
    assert_eq!(c.storage.kind, "local");
    c.storage.kind = "ftp".into();
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.kind:"), "{e}");
    c.apply_env(|k| (k == "DAOJIA_STORAGE_KIND").then(|| "s3".to_string()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.endpoint:"), "{e}");
    c.apply_env(|k| match k {
        "DAOJIA_S3_ENDPOINT" => Some("minio:9000".into()),
        _ => None,
    });
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.endpoint:"), "{e}");
    c.apply_env(|k| match k {
        "DAOJIA_S3_ENDPOINT" => Some("http://127.0.0.1:9000".into()),
        "DAOJIA_S3_BUCKET" => Some("Photos_Bucket".into()),
        _ => None,
    });
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.bucket:"), "{e}");
    c.apply_env(|k| (k == "DAOJIA_S3_BUCKET").then(|| "daojia-photos".to_string()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.access_key_id:"), "{e}");
    c.apply_env(|k| (k == "AWS_ACCESS_KEY_ID").then(|| "AKID-fake-9876".to_string()));
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.secret_access_key:"), "{e}");
    c.apply_env(|k| match k {
        "AWS_SECRET_ACCESS_KEY" => Some("aws-secret-1111".into()),
        "DAOJIA_S3_SECRET_ACCESS_KEY" => Some("ours-secret-2222".into()),
        _ => None,
    });
    c.validate().unwrap();
    assert_eq!(
        c.storage.s3.secret_access_key.as_ref().unwrap().expose(),
        "ours-secret-2222",
        "ours wins over the standard variable"
    );
    c.storage.s3.region = "us east".into();
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.region:"), "{e}");
    c.storage.s3.region = "cn-north-1".into();
    c.storage.s3.timeout_secs = 0;
    let e = c.validate().unwrap_err().to_string();
    assert!(e.starts_with("storage.s3.timeout_secs:"), "{e}");
    c.storage.s3.timeout_secs = 30;
    c.validate().unwrap();
    let shown = c.masked_toml();
    assert!(shown.contains("[storage.s3]"), "{shown}");
    assert!(!shown.contains("ours-secret-2222"), "{shown}");
    assert!(!shown.contains("AKID-fake-9876"), "{shown}");
    assert!(!format!("{c:?}").contains("ours-secret-2222"));
    // The store the configuration names is the bucket.
    assert!(crate::files::from_config(&c).is_ok());
}

#[test]
fn the_call_provider_and_the_navigation_caller_are_read_and_checked() {
    let file: Config = toml::from_str(
        "[visit.calls]\nprovider = \"log\"\nttl_min = 15\nper_order_per_hour = 4\n[visit.navigation]\napp_name = \"my-app\"\ntencent_key = \"K\"\n",
    )
    .unwrap();
    assert_eq!(file.visit.calls.provider, PrivacyNumberKind::Log);
    assert_eq!(file.visit.calls.ttl_min, 15);
    assert_eq!(
        file.visit.navigation.caller().tencent_key.as_deref(),
        Some("K")
    );
    assert_eq!(
        valid().visit.calls.provider,
        PrivacyNumberKind::Log,
        "log by default"
    );
    let e = toml::from_str::<Config>("[visit.calls]\nprovider = \"axb\"\n").unwrap_err();
    assert!(e.to_string().contains("unknown variant"), "{e}");
    let mut c = valid();
    c.visit = file.visit;
    c.validate().unwrap();
    for (ttl, per_hour, name, key) in [
        (0, 6, "daojia", "visit.calls:"),
        (30, 0, "daojia", "visit.calls:"),
        (30, 101, "daojia", "visit.calls:"),
        (30, 6, "", "visit.navigation:"),
        (30, 6, "a&b", "visit.navigation:"),
    ] {
        let mut c = valid();
        c.visit.calls.ttl_min = ttl;
        c.visit.calls.per_order_per_hour = per_hour;
        c.visit.navigation.app_name = name.into();
        let e = c.validate().unwrap_err().to_string();
        assert!(e.starts_with(key), "{ttl} {per_hour} {name}: {e}");
    }
}
