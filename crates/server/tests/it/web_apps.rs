//! The embedded web apps: each app at its prefix, client-side routes falling back to the
//! app's index.html, hashed assets cached for a year, and a helpful page when not built.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, backends};

#[tokio::test]
async fn each_app_is_served_at_its_prefix_with_client_side_routes() {
    let app = TestApp::new(backends()[0]).await;
    let r = app.get("/worker", None).await;
    assert_eq!(r.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers["location"], "/worker/");
    for path in [
        "/",
        "/worker/",
        "/admin/",
        "/admin/staff",
        "/orders/123",
        "/api/docs/",
    ] {
        let r = app.get(path, None).await;
        if daojia_server::web::built() {
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(
                r.content_type().starts_with("text/html"),
                "{path}: {}",
                r.content_type()
            );
            assert_eq!(
                r.headers["cache-control"], "no-cache",
                "{path}: index pages are revalidated"
            );
        } else {
            assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
            assert!(
                r.text.contains("npm --prefix web"),
                "{path}: the page says how to build the apps"
            );
        }
    }
    let r = app.get("/assets/does-not-exist.js", None).await;
    if daojia_server::web::built() {
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "a missing file is not a client-side route"
        );
        let html = app.get("/admin/", None).await.text;
        let asset = html
            .split("/admin/assets/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("index links a hashed asset");
        let r = app.get(&format!("/admin/assets/{asset}"), None).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.headers["cache-control"]
                .to_str()
                .unwrap()
                .contains("immutable")
        );
    }
}
