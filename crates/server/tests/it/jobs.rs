//! The background job runner over the durable queue.

use crate::common;

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
        // This hour's housekeeping, track retention, settlement, deposit refunds, record
        // anchoring and notification reminders, each once; from 10:00 China time also the
        // day's reconciliation.
        let reconcile = daojia_server::jobs::reconcile_job(app.state.now()).is_some();
        assert_eq!(
            daojia_server::jobs::tick(&app.state, "node-a")
                .await
                .unwrap(),
            6 + usize::from(reconcile)
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

#[test]
fn reconciliation_is_due_from_ten_china_time_for_the_day_before() {
    use chrono::TimeZone;
    use daojia_server::jobs::reconcile_job;
    let at = |h, m| chrono::Utc.with_ymd_and_hms(2026, 12, 4, h, m, 0).unwrap();
    // 09:59 in China: the bills are not out yet.
    assert!(reconcile_job(at(1, 59)).is_none());
    // 10:00 and 23:59 in China: yesterday's bills, once per date.
    for t in [at(2, 0), at(15, 59)] {
        let j = reconcile_job(t).unwrap();
        assert_eq!(
            j.dedupe_key.as_deref(),
            Some("finance.reconcile:2026-12-03")
        );
        assert_eq!(j.kind, "finance.reconcile");
    }
    // Midnight in China: a new day, whose bills come at 10:00.
    assert!(reconcile_job(at(16, 0)).is_none());
}
