//! Feature flags (灰度发布) on every backend: a super admin sets them in the console
//! (audited; bad input named by field; other roles refused), the apps read which are on for
//! them: by role, by area (a worker's own area by default) and by a stable percentage of
//! accounts or devices, changed at once for every later request, deleted to off.

use crate::common;

use axum::http::{Method, StatusCode};
use common::{Reply, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_store::entity::audit_log;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

fn fields(r: &Reply) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn on(app: &TestApp, query: &str, token: Option<&str>, key: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/public/flags{query}"), token)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["flags"][key].clone()
}

#[tokio::test]
async fn flags_are_set_in_the_console_and_read_by_the_apps() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let admin = app.staff_token("flag-admin", Role::SuperAdmin).await;
        let dispatcher = app.staff_token("flag-dispatcher", Role::Dispatcher).await;
        let put = |key: &str, body: Value, token: &str| {
            let (path, token) = (format!("/api/v1/admin/flags/{key}"), token.to_string());
            let app = &app;
            async move { app.call(Method::PUT, &path, Some(body), Some(&token)).await }
        };

        // Only staff who may change settings.
        let body = json!({"description": "新下单流程", "enabled": true, "percent": 100,
                          "areas": [], "roles": ["customer"]});
        let r = put("booking.new_checkout", body.clone(), &dispatcher).await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        // Bad input, each field named.
        let r = put(
            "Bad_Key",
            json!({"enabled": true, "percent": 101, "roles": ["boss"], "areas": [""]}),
            &admin,
        )
        .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        let mut f = fields(&r);
        f.sort();
        assert_eq!(f, ["areas", "key", "percent", "roles"], "{b:?}: {}", r.text);
        let r = put("x", json!({"enabled": true}), &admin).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

        // Made, audited, listed.
        let r = put("booking.new_checkout", body.clone(), &admin).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["key"], "booking.new_checkout");
        let r = app.get("/api/v1/admin/flags", Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body[0]["percent"], 100, "{}", r.text);
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::TargetId.eq("booking.new_checkout"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(audited.len(), 1, "{b:?}");
        assert_eq!(audited[0].action, "feature_flag.create");

        // Roles: a customer has it, a worker and an anonymous caller do not.
        let customer = app.otp_login("13900001111", "customer").await;
        let customer = customer["access_token"].as_str().unwrap().to_string();
        let worker_id = app.enrol_worker("13700002222").await;
        let worker = app.worker_token(worker_id).await;
        assert_eq!(
            on(&app, "", Some(&customer), "booking.new_checkout").await,
            true
        );
        assert_eq!(
            on(&app, "", Some(&worker), "booking.new_checkout").await,
            false
        );
        assert_eq!(on(&app, "", None, "booking.new_checkout").await, false);

        // Areas: limited to the worker's own area (sh-xuhui for enrolled test workers),
        // for everyone; an area asked for overrides it.
        let r = put(
            "worker.route_view",
            json!({"enabled": true, "percent": 100, "areas": ["sh-xuhui"], "roles": []}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(on(&app, "", Some(&worker), "worker.route_view").await, true);
        assert_eq!(
            on(&app, "?area=sh-pudong", Some(&worker), "worker.route_view").await,
            false
        );
        assert_eq!(
            on(&app, "", Some(&customer), "worker.route_view").await,
            false
        );
        assert_eq!(
            on(&app, "?area=sh-xuhui", None, "worker.route_view").await,
            true
        );

        // Percentages: stable per device, close to the share, only added to when raised.
        let r = put(
            "booking.new_checkout",
            json!({"enabled": true, "percent": 30, "areas": [], "roles": []}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let devices: Vec<Uuid> = (0..200u128)
            .map(|i| Uuid::from_u128(i * 104_729 + 17))
            .collect();
        let mut at_30 = vec![];
        for d in &devices {
            let q = format!("?device={d}");
            let first = on(&app, &q, None, "booking.new_checkout").await;
            assert_eq!(
                on(&app, &q, None, "booking.new_checkout").await,
                first,
                "stable"
            );
            at_30.push(first == true);
        }
        let share = at_30.iter().filter(|x| **x).count();
        assert!((35..=85).contains(&share), "{b:?}: {share} of 200 at 30 %");
        // Without a device only flags given to everyone are on.
        assert_eq!(on(&app, "", None, "booking.new_checkout").await, false);
        let r = put(
            "booking.new_checkout",
            json!({"enabled": true, "percent": 60, "areas": [], "roles": []}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        let mut at_60 = 0;
        for (d, was) in devices.iter().zip(&at_30) {
            let now = on(&app, &format!("?device={d}"), None, "booking.new_checkout").await == true;
            assert!(!was || now, "{b:?}: raising the share took {d} out");
            at_60 += usize::from(now);
        }
        assert!(at_60 > share, "{b:?}: {at_60} at 60 % vs {share} at 30 %");
        let audited = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("feature_flag.update"))
            .all(app.state.store.db())
            .await
            .unwrap();
        assert_eq!(audited.len(), 2, "{b:?}");

        // Off overrides; deleted reads as absent; a second delete is 404.
        let r = put(
            "booking.new_checkout",
            json!({"enabled": false, "percent": 100}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            on(&app, "", Some(&customer), "booking.new_checkout").await,
            false
        );
        let path = "/api/v1/admin/flags/booking.new_checkout";
        let r = app.call(Method::DELETE, path, None, Some(&admin)).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        assert_eq!(
            on(&app, "", Some(&customer), "booking.new_checkout").await,
            Value::Null
        );
        let r = app.call(Method::DELETE, path, None, Some(&admin)).await;
        assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = app.get("/api/v1/public/flags?device=nope", None).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(fields(&r), ["device"]);
    }
}
