//! Consent per policy and terms version.

use super::*;

#[tokio::test]
async fn consent_is_recorded_per_version_and_a_new_version_asks_again() {
    let app = TestApp::new(daojia_store::testing::Backend::Sqlite).await;
    let token = app.otp_login("13800001111", "customer").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.get("/api/v1/customer/consent", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["required"], true);
    assert_eq!(r.body["documents"].as_array().unwrap().len(), 2);
    // An outdated version is refused on the field.
    let r = app
        .post(
            "/api/v1/customer/consent",
            json!({"privacy_version": "1999-01-01", "terms_version": app.state.config.privacy.terms_version}),
            Some(&token),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "privacy_version");
    assert_eq!(r.body["errors"][0]["code"], "consent_version_outdated");
    let cfg = &app.state.config.privacy;
    let r = app
        .post(
            "/api/v1/customer/consent",
            json!({"privacy_version": cfg.policy_version, "terms_version": cfg.terms_version}),
            Some(&token),
        )
        .await;
    assert_eq!(r.body["required"], false, "{}", r.text);
    assert_eq!(
        r.body["documents"][0]["accepted_version"],
        cfg.policy_version.as_str()
    );
    let me = app.get("/api/v1/customer/me", Some(&token)).await;
    let id: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let rows = daojia_store::repo::privacy::consents(app.state.store.db(), Audience::Customer, id)
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].ip.as_deref(),
        Some("10.0.0.7"),
        "where from is recorded"
    );

    // The operator publishes a new policy: the same account must accept again.
    let mut cfg = app.state.config.clone();
    cfg.privacy.policy_version = "2027-03-01".into();
    let newer = daojia_server::build(cfg, app.state.store.clone(), Default::default()).unwrap();
    let status = daojia_server::privacy::status(&newer, Audience::Customer, id)
        .await
        .unwrap();
    let policy = status.iter().find(|d| d.document == "privacy").unwrap();
    assert!(policy.required());
    assert_eq!(policy.accepted_version.as_deref(), Some(cfg_version(&app)));
    assert!(
        !status
            .iter()
            .find(|d| d.document == "terms")
            .unwrap()
            .required()
    );

    // The texts are served in both languages with their version.
    for lang in ["zh-CN", "en"] {
        let r = app
            .get(&format!("/api/v1/public/legal/privacy?lang={lang}"), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["version"], cfg_version(&app));
        assert!(r.body["body"].as_str().unwrap().len() > 200);
    }
    let r = app.get("/api/v1/public/legal/privacy?lang=fr", None).await;
    assert_eq!(r.body["errors"][0]["field"], "lang");
    let r = app.get("/api/v1/public/legal/cookies", None).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
}

fn cfg_version(app: &TestApp) -> &str {
    &app.state.config.privacy.policy_version
}
