//! Public geocoding over HTTP with the default offline provider (the demo city), its
//! validation and rate limit, and how a failing vendor is reported. Geocoding never touches
//! the database, so one backend is enough.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, assert_problem, test_config};
use daojia_domain::geo::{LatLng, haversine_m, wgs84_to_bd09, wgs84_to_gcj02};
use daojia_store::testing::Backend;

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_offline_provider_resolves_the_demo_city_both_ways() {
    let cfg = test_config();
    let city = daojia_demo::city(cfg.demo.seed);
    let app = TestApp::with_config(Backend::Sqlite, cfg).await;

    // A customer's street address, as typed into the address box.
    let saved = &city.customers[3].addresses[0];
    let typed = saved.address.split(' ').next().unwrap();
    let r = app
        .get(&format!("/api/v1/public/geocode?q={}", enc(typed)), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["provider"], "offline");
    let first = &r.body["places"][0];
    assert_eq!(first["level"], "address", "{}", r.text);
    assert_eq!(first["formatted"], typed);
    let at = LatLng::new(
        first["lat"].as_f64().unwrap(),
        first["lng"].as_f64().unwrap(),
    );
    assert_eq!(at, saved.at);

    // A district, in its own outline; the city filter.
    let r = app
        .get(
            &format!(
                "/api/v1/public/geocode?q={}&city={}",
                enc("徐汇区"),
                enc("上海")
            ),
            None,
        )
        .await;
    assert_eq!(r.body["places"][0]["level"], "district", "{}", r.text);
    let p = &r.body["places"][0];
    let xuhui = city.areas.iter().find(|a| a.code == "sh-xuhui").unwrap();
    assert!(xuhui.polygon.contains(LatLng::new(
        p["lat"].as_f64().unwrap(),
        p["lng"].as_f64().unwrap()
    )));
    let r = app
        .get(
            &format!(
                "/api/v1/public/geocode?q={}&city={}",
                enc("徐汇区"),
                enc("北京")
            ),
            None,
        )
        .await;
    assert_eq!(r.body["places"].as_array().unwrap().len(), 0, "{}", r.text);
    let r = app.get("/api/v1/public/geocode?q=qwertyuiop", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["places"].as_array().unwrap().len(), 0, "{}", r.text);

    // The saved point, however the map reports it, names the address again.
    for (p, coord) in [
        (saved.at, "wgs84"),
        (wgs84_to_gcj02(saved.at), "gcj02"),
        (wgs84_to_bd09(saved.at), "bd09"),
    ] {
        let r = app
            .get(
                &format!(
                    "/api/v1/public/geocode/reverse?lat={}&lng={}&coord={coord}",
                    p.lat, p.lng
                ),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{coord}: {}", r.text);
        assert_eq!(r.body["formatted"], typed, "{coord}");
        assert_eq!(r.body["level"], "address");
        let back = LatLng::new(
            r.body["lat"].as_f64().unwrap(),
            r.body["lng"].as_f64().unwrap(),
        );
        assert!(haversine_m(back, saved.at) < 0.01, "{coord}: {back:?}");
    }

    // Paris: nothing there.
    let r = app
        .get(
            "/api/v1/public/geocode/reverse?lat=48.8566&lng=2.3522",
            None,
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "no_place");
}

#[tokio::test]
async fn bad_input_is_named_field_by_field() {
    let app = TestApp::with_config(Backend::Sqlite, test_config()).await;
    for (path, field) in [
        ("/api/v1/public/geocode", "q"),
        ("/api/v1/public/geocode?q=%20%20", "q"),
        ("/api/v1/public/geocode?q=x&zoom=3", "zoom"),
        ("/api/v1/public/geocode/reverse?lat=95&lng=121", "lat"),
        ("/api/v1/public/geocode/reverse?lat=31&lng=-200", "lng"),
        (
            "/api/v1/public/geocode/reverse?lat=31&lng=121&coord=mars",
            "coord",
        ),
        ("/api/v1/public/geocode/reverse?lat=abc&lng=121", "lat"),
    ] {
        let r = app.get(path, None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            r.text
        );
        assert_eq!(r.body["errors"][0]["field"], field, "{path}: {}", r.text);
    }
    let long = "路".repeat(101);
    let r = app
        .get(&format!("/api/v1/public/geocode?q={}", enc(&long)), None)
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["code"], "too_long");
}

#[tokio::test]
async fn lookups_are_rate_limited_per_client() {
    let mut cfg = test_config();
    cfg.geocoding.per_ip_per_minute = 3;
    let app = TestApp::with_config(Backend::Sqlite, cfg).await;
    for _ in 0..3 {
        let r = app.get("/api/v1/public/geocode?q=xuhui", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let r = app
        .get("/api/v1/public/geocode/reverse?lat=31.19&lng=121.44", None)
        .await;
    assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
}

#[tokio::test]
async fn a_failing_vendor_is_a_bad_gateway_that_does_not_leak_the_key() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = test_config();
    cfg.geocoding.provider = "amap".into();
    cfg.geocoding.key = Some("fake-key-for-tests".into());
    cfg.geocoding.secret = Some(daojia_domain::secret::Secret::new("fake-secret".into()));
    cfg.geocoding.base_url = Some(format!("http://127.0.0.1:{port}"));
    cfg.validate().unwrap();
    let app = TestApp::with_config(Backend::Sqlite, cfg).await;
    let r = app
        .get(&format!("/api/v1/public/geocode?q={}", enc("徐汇区")), None)
        .await;
    assert_problem(&r, StatusCode::BAD_GATEWAY, "geocoding_failed");
    assert!(
        !r.text.contains("fake-key") && !r.text.contains("fake-secret"),
        "{}",
        r.text
    );
}
