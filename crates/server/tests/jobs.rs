//! The background job runner over the durable queue.

mod common;

use chrono::Duration;
use common::{TestApp, backends};
use serde_json::json;

#[tokio::test]
async fn housekeeping_is_scheduled_once_per_hour_across_nodes_and_purges_old_codes() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let _ = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": "13800000077", "audience": "customer"}),
                None,
            )
            .await;
        app.advance(Duration::days(2));
        // Two nodes (same database) schedule this hour's periodic jobs: each once.
        daojia_server::jobs::schedule_periodic(&app.state)
            .await
            .unwrap();
        daojia_server::jobs::schedule_periodic(&app.state)
            .await
            .unwrap();
        // This hour's housekeeping, track retention and settlement, each once; from 10:00
        // China time also the day's reconciliation.
        let reconcile = daojia_server::jobs::reconcile_job(app.state.now()).is_some();
        assert_eq!(
            daojia_server::jobs::tick(&app.state, "node-a")
                .await
                .unwrap(),
            3 + usize::from(reconcile)
        );
        assert_eq!(
            daojia_server::jobs::tick(&app.state, "node-b")
                .await
                .unwrap(),
            0,
            "{b:?}: ran once"
        );
        let left = daojia_store::repo::otp::sent_to_phone_since(
            app.state.store.db(),
            &phone_index(&app, "13800000077"),
            app.state.now() - Duration::days(30),
        )
        .await
        .unwrap();
        assert_eq!(left, 0, "{b:?}: codes older than a day are purged");
    }
}

fn phone_index(app: &TestApp, phone: &str) -> String {
    daojia_store::repo::accounts::phone_index(
        &app.state.store,
        &daojia_domain::phone::Phone::parse(phone).unwrap(),
    )
}
