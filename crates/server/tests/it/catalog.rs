//! The public catalog over the demo city: browse, areas, locating a point in any coordinate
//! system, and server-side prices with field-named errors.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, assert_problem, backends};
use daojia_domain::geo::{LatLng, wgs84_to_bd09, wgs84_to_gcj02};
use serde_json::json;

#[tokio::test]
async fn the_catalog_areas_and_prices_of_the_demo_city() {
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 3)
            .await
            .unwrap();

        let r = app.get("/api/v1/public/catalog", None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["categories"].as_array().unwrap().len(), 6);
        let items = r.body["items"].as_array().unwrap();
        assert_eq!(items.len(), 31, "{b:?}");
        let deep = items.iter().find(|i| i["code"] == "deep_cleaning").unwrap();
        assert_eq!(deep["options"][0]["choices"][1]["price_delta_fen"], 10_000);

        // Search as customers type: characters, pinyin initials, full pinyin, English.
        for (q, first) in [
            ("保洁", "daily_cleaning"),
            ("bj", "daily_cleaning"),
            ("sdbj", "deep_cleaning"),
            ("kongtiao", "ac_cleaning"),
            ("car%20wash", "car_wash"),
        ] {
            let r = app
                .get(&format!("/api/v1/public/catalog/search?q={q}"), None)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{q}: {}", r.text);
            assert_eq!(r.body["items"][0]["code"], first, "{q}: {}", r.text);
        }
        let r = app
            .get(
                "/api/v1/public/catalog/search?category=pet_care&max_price_fen=6000",
                None,
            )
            .await;
        let codes: Vec<&str> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["pet_feeding", "dog_walking"], "{}", r.text);
        let r = app
            .get("/api/v1/public/catalog/search?category=rockets", None)
            .await;
        assert_eq!(r.body["errors"][0]["field"], "category");
        let r = app
            .get(
                "/api/v1/public/catalog/search?min_price_fen=500&max_price_fen=100",
                None,
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "max_price_fen");

        let r = app.get("/api/v1/public/areas", None).await;
        assert_eq!(r.body.as_array().unwrap().len(), 7, "{}", r.text);
        assert_eq!(r.body[0]["polygon"]["type"], "Polygon");

        // Xujiahui, however the map reports it.
        let xujiahui = LatLng::new(31.1950, 121.4365);
        for (p, coord) in [
            (xujiahui, "wgs84"),
            (wgs84_to_gcj02(xujiahui), "gcj02"),
            (wgs84_to_bd09(xujiahui), "bd09"),
        ] {
            let r = app
                .get(
                    &format!(
                        "/api/v1/public/areas/locate?lat={}&lng={}&coord={coord}",
                        p.lat, p.lng
                    ),
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{coord}: {}", r.text);
            assert_eq!(r.body["code"], "sh-xuhui", "{coord}");
        }
        let r = app
            .get("/api/v1/public/areas/locate?lat=48.8566&lng=2.3522", None)
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "out_of_area");
        let r = app
            .get("/api/v1/public/areas/locate?lat=95&lng=121", None)
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "lat");
        let r = app
            .get(
                "/api/v1/public/areas/locate?lat=31.2&lng=121.4&coord=mars",
                None,
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "coord", "{}", r.text);

        let r = app
            .post("/api/v1/public/quote", json!({"item": "deep_cleaning", "options": [{"option": "area", "choice": "60_90"}]}), None)
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            (
                r.body["total_fen"].as_i64(),
                r.body["duration_min"].as_u64()
            ),
            (Some(49_900), Some(300))
        );
        let r = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "ac_cleaning", "quantity": 3}),
                None,
            )
            .await;
        assert_eq!(
            (
                r.body["unit_price_fen"].as_i64(),
                r.body["total_fen"].as_i64()
            ),
            (Some(8_900), Some(26_700))
        );
        let r = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "bridal_makeup"}),
                None,
            )
            .await;
        assert_eq!(
            r.body["due_now_fen"],
            88_800 / 5,
            "a deposit item asks for the deposit first"
        );

        let r = app.post("/api/v1/public/quote", json!({"item": "deep_cleaning", "options": [{"option": "colour", "choice": "red"}]}), None).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(
            (
                r.body["errors"][0]["field"].as_str(),
                r.body["errors"][0]["code"].as_str()
            ),
            (Some("options[0].option"), Some("unknown_option"))
        );
        let r = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "space_travel"}),
                None,
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "item");
        let r = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "car_wash", "quantity": 0}),
                None,
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "quantity");
        let r = app
            .post(
                "/api/v1/public/quote",
                json!({"item": "car_wash", "price_fen": 1}),
                None,
            )
            .await;
        assert_eq!(
            r.body["errors"][0]["code"], "unknown_field",
            "a client's price is never taken"
        );
    }
}
