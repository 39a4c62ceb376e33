//! The public catalog is served from each node's cached copy (ADR 0013): a catalog write
//! through the console is seen by the very next public read, the entity tag changes with
//! the content (and a client holding the current one gets `304`), and a write that goes
//! around the API (a script on the database) is seen once the copy's lifetime has passed.
//! The two-node version, over Redis, is in `crates/cli/tests/it/two_nodes.rs`.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{Reply, TestApp, backends, test_config};
use daojia_domain::access::Role;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn etag(r: &Reply) -> String {
    r.headers
        .get("etag")
        .unwrap_or_else(|| panic!("an ETag on {}", r.text))
        .to_str()
        .unwrap()
        .to_string()
}

async fn get_if(app: &TestApp, path: &str, tag: &str) -> Reply {
    let req = Request::builder()
        .uri(path)
        .header("if-none-match", tag)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

fn listed(catalog: &Value, code: &str) -> Option<Value> {
    catalog["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .cloned()
}

#[tokio::test]
async fn a_console_write_is_seen_by_the_next_public_read_and_changes_the_tag() {
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        let admin = app.staff_token("boss", Role::SuperAdmin).await;
        let area = "sh-xuhui";
        let path = format!("/api/v1/public/catalog?area={area}");

        let first = app.get(&path, None).await;
        assert_eq!(first.status, StatusCode::OK, "{b:?}: {}", first.text);
        assert_eq!(first.headers["cache-control"], "no-cache");
        assert!(listed(&first.body, "window_cleaning").is_some(), "{b:?}");
        let tag = etag(&first);
        let again = get_if(&app, &path, &tag).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{b:?}");
        assert!(again.text.is_empty());
        assert_eq!(etag(&again), tag);
        let whole = app.get("/api/v1/public/catalog", None).await;
        assert_eq!(
            etag(&whole),
            tag,
            "{b:?}: the area offers everything: the same content, the same tag"
        );

        // Taken out of the area: the next read, with the old tag, gets the new catalog.
        let r = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/catalog/areas/{area}/offered/window_cleaning"),
                Some(json!({"offered": false})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let after = get_if(&app, &path, &tag).await;
        assert_eq!(after.status, StatusCode::OK, "{b:?}");
        assert!(listed(&after.body, "window_cleaning").is_none(), "{b:?}");
        assert_ne!(etag(&after), tag);
        let whole = app.get("/api/v1/public/catalog", None).await;
        assert!(listed(&whole.body, "window_cleaning").is_some(), "{b:?}");
        assert_ne!(
            etag(&whole),
            etag(&after),
            "{b:?}: other content, other tag"
        );
        let search = app
            .get(
                &format!("/api/v1/public/catalog/search?q=cleaning&area={area}"),
                None,
            )
            .await;
        assert!(listed(&search.body, "window_cleaning").is_none(), "{b:?}");

        // An area price: the next quote has it.
        let quote = || {
            app.post(
                "/api/v1/public/quote",
                json!({"item": "daily_cleaning", "area_code": area}),
                None,
            )
        };
        let before = quote().await;
        assert_eq!(before.status, StatusCode::OK, "{b:?}: {}", before.text);
        let r = app
            .call(
                Method::PUT,
                &format!("/api/v1/admin/catalog/areas/{area}/prices/daily_cleaning"),
                Some(json!({"base_price_fen": 77_700, "markup_percent": 0})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let q = quote().await;
        assert_eq!(q.body["unit_price_fen"], 77_700, "{b:?}: {}", q.text);

        // Off shelf: gone from the listing and the search at once.
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/admin/catalog/items/daily_cleaning",
                Some(json!({"on_shelf": false})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let c = app.get("/api/v1/public/catalog", None).await;
        assert!(listed(&c.body, "daily_cleaning").is_none(), "{b:?}");
        assert_eq!(quote().await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Areas and the public configuration are tagged too.
        let areas = app.get("/api/v1/public/areas", None).await;
        assert_eq!(areas.body.as_array().unwrap().len(), 7, "{b:?}");
        let r = get_if(&app, "/api/v1/public/areas", &etag(&areas)).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
        let config = app.get("/api/v1/public/config", None).await;
        assert_eq!(config.body["app_name"], "到家 Daojia");
        let r = get_if(&app, "/api/v1/public/config", &etag(&config)).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);

        // A failed write drops nothing and changes nothing.
        let tag = etag(&app.get("/api/v1/public/catalog", None).await);
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/admin/catalog/items/no_such_item",
                Some(json!({"on_shelf": true})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b:?}: {}", r.text);
        let r = get_if(&app, "/api/v1/public/catalog", &tag).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn a_write_around_the_api_is_seen_once_the_copy_is_as_old_as_its_lifetime() {
    for b in backends() {
        let ttl = Duration::from_millis(1500);
        let mut cfg = test_config();
        cfg.cache.public_ttl_ms = ttl.as_millis() as u64;
        let app = TestApp::with_config(b, cfg).await;
        daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        let name = |r: &Reply| listed(&r.body, "window_cleaning").unwrap()["name"].clone();

        let loaded = Instant::now();
        let old = name(&app.get("/api/v1/public/catalog", None).await);
        app.state
            .store
            .db()
            .execute_unprepared(
                "UPDATE service_item SET name = '擦窗（新）' WHERE code = 'window_cleaning'",
            )
            .await
            .unwrap();
        let soon = name(&app.get("/api/v1/public/catalog", None).await);
        if loaded.elapsed() < ttl {
            assert_eq!(soon, old, "{b:?}: the copy is served within its lifetime");
        }
        tokio::time::sleep(ttl.saturating_sub(loaded.elapsed()) + Duration::from_millis(50)).await;
        let later = name(&app.get("/api/v1/public/catalog", None).await);
        assert_eq!(later, "擦窗（新）", "{b:?}: the lifetime bounds staleness");
    }
}

#[tokio::test]
async fn with_a_zero_lifetime_every_read_is_the_database_s() {
    let mut cfg = test_config();
    cfg.cache.public_ttl_ms = 0;
    let app = TestApp::with_config(backends()[0], cfg).await;
    daojia_server::demo::load(&app.state.store, 8)
        .await
        .unwrap();
    app.get("/api/v1/public/catalog", None).await;
    app.state
        .store
        .db()
        .execute_unprepared(
            "UPDATE service_item SET on_shelf = false WHERE code = 'window_cleaning'",
        )
        .await
        .unwrap();
    let c = app.get("/api/v1/public/catalog", None).await;
    assert!(listed(&c.body, "window_cleaning").is_none());
}
