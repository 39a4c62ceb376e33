//! The demo city loads once, in one piece, on every database, and its accounts can log in.

mod common;

use axum::http::StatusCode;
use common::{TestApp, backends};
use daojia_domain::access::Role;
use daojia_server::demo::{self, DemoError};
use serde_json::json;

#[tokio::test]
async fn the_demo_city_loads_once_and_its_accounts_log_in() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let store = &app.state.store;
        let first = demo::load(store, 11).await.unwrap();
        assert!(first.fresh, "{b:?}");
        assert_eq!(
            (
                first.areas,
                first.categories,
                first.workers,
                first.customers
            ),
            (7, 6, 40, 200)
        );
        let counts = daojia_store::repo::accounts::counts(store.db())
            .await
            .unwrap();
        assert_eq!(
            (
                counts.customers,
                counts.workers,
                counts.staff,
                counts.service_areas,
                counts.service_items
            ),
            (200, 40, 5, 7, first.items as u64),
            "{b:?}"
        );

        // Loading again (even with another seed) changes nothing and reports the city there.
        let again = demo::load(store, 12).await.unwrap();
        assert!(!again.fresh, "{b:?}");
        assert_eq!(again.seed, 11);
        assert_eq!(again.sample_customer_phone, first.sample_customer_phone);
        let after = daojia_store::repo::accounts::counts(store.db())
            .await
            .unwrap();
        assert_eq!(
            (after.customers, after.workers, after.staff),
            (200, 40, 5),
            "{b:?}: no duplicates"
        );

        // Every role's demo account logs in with the demo password.
        for username in &first.staff_usernames {
            let r = app
                .post(
                    "/api/v1/public/auth/staff/login",
                    json!({"login": username, "password": first.staff_password}),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {username}: {}", r.text);
        }

        // The sample customer and worker are the city's, found through the blind index.
        let city = daojia_demo::city(11);
        let c = app
            .otp_login(&first.sample_customer_phone, "customer")
            .await;
        let me = app
            .get("/api/v1/customer/me", c["access_token"].as_str())
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["nickname"], city.customers[0].nickname, "{b:?}");
        let w = app.otp_login(&first.sample_worker_phone, "worker").await;
        let me = app
            .get("/api/v1/worker/me", w["access_token"].as_str())
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        assert_eq!(me.body["name"], city.workers[0].name, "{b:?}");
        assert_eq!(
            me.body["skills"].as_array().unwrap().len(),
            city.workers[0].skills.len()
        );

        // Areas are stored as GeoJSON that parses back into the same outline.
        let areas = daojia_store::repo::catalog::areas(store.db())
            .await
            .unwrap();
        let xuhui = areas.iter().find(|a| a.code == "sh-xuhui").unwrap();
        let geo: daojia_domain::geo::GeoJsonPolygon = serde_json::from_str(&xuhui.polygon).unwrap();
        let polygon = daojia_domain::geo::Polygon::from_geojson(&geo).unwrap();
        assert!(
            polygon.contains(daojia_domain::geo::LatLng::new(31.1950, 121.4365)),
            "Xujiahui is in Xuhui"
        );
    }
}

#[tokio::test]
async fn the_demo_refuses_a_database_with_real_accounts() {
    for b in backends() {
        let app = TestApp::new(b).await;
        app.staff_token("ops1", Role::Dispatcher).await;
        let err = demo::load(&app.state.store, 1).await.unwrap_err();
        assert!(matches!(err, DemoError::NotEmpty(_)), "{b:?}: {err}");
        assert!(err.to_string().contains("1 staff"), "{err}");
        assert_eq!(demo::loaded_seed(&app.state.store).await.unwrap(), None);
    }
}

/// The apps' map settings, and the demo's offline base map (only when serving the demo).
#[tokio::test]
async fn the_demo_serves_its_base_map_and_the_apps_learn_how_to_draw_maps() {
    let b = backends()[0];
    let app = TestApp::new(b).await;
    let cfg = app.get("/api/v1/public/config", None).await;
    assert_eq!(cfg.body["map"]["tile_coord"], "wgs84");
    assert_eq!(cfg.body["map"]["basemap"], false);
    assert!(cfg.body["map"]["amap_js_key"].is_null());
    let r = app.get("/api/v1/public/basemap", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    let demo_state = daojia_server::build(
        common::test_config(),
        app.state.store.clone(),
        daojia_server::BuildOptions {
            demo: true,
            ..Default::default()
        },
    )
    .unwrap();
    let router = daojia_server::app(demo_state);
    let req = axum::http::Request::builder()
        .uri("/api/v1/public/basemap")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let map: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let kinds: std::collections::BTreeSet<&str> = map["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains("district") && kinds.contains("river"),
        "{kinds:?}"
    );
}
