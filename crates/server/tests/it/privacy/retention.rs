//! Retention periods enforced by housekeeping.

use super::*;

#[tokio::test]
async fn retention_deletes_old_messages_sessions_codes_and_photos_of_cancelled_orders() {
    for b in backends() {
        let mut cfg = common::test_config();
        cfg.retention.sms_outbox_days = 10;
        cfg.retention.sessions_days = 5;
        cfg.retention.cancelled_uploads_days = 3;
        let app = TestApp::with_config(b, cfg).await;
        let DemoCustomer { token, address, .. } = app.demo_customer(8).await;
        let photo = upload_photo(&app, &token).await;
        let photo: uuid::Uuid = photo.body["id"].as_str().unwrap().parse().unwrap();
        let placed = place(
            &app,
            &token,
            "r1",
            &json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                    "window_start": tomorrow_at(&app, 10), "photo_ids": [photo]}),
        )
        .await;
        assert_eq!(placed.status, StatusCode::CREATED, "{b:?}: {}", placed.text);
        let id = placed.body["id"].as_str().unwrap();
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{id}/cancel"),
                json!({"reason": "plans changed"}),
                Some(&token),
            )
            .await;
        assert_eq!(r.body["state"], "cancelled", "{b:?}: {}", r.text);
        let r = app
            .post("/api/v1/public/auth/logout", json!({}), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);

        let counts = |app: &TestApp| {
            let db = app.state.store.db().clone();
            async move {
                let n = |sql: &'static str| {
                    let db = db.clone();
                    async move {
                        let r = db
                            .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                            .await
                            .unwrap()
                            .unwrap();
                        r.try_get_by_index::<i64>(0).unwrap()
                    }
                };
                (
                    n("SELECT COUNT(*) FROM sms_outbox").await,
                    n("SELECT COUNT(*) FROM auth_session").await,
                    n("SELECT COUNT(*) FROM order_photo").await,
                    n("SELECT COUNT(*) FROM upload").await,
                )
            }
        };
        let run = |app: &TestApp| {
            let state = app.state.clone();
            async move {
                daojia_server::jobs::schedule_periodic(&state)
                    .await
                    .unwrap();
                // The order's timers are due too: run until the queue is drained.
                while daojia_server::jobs::tick(&state, "node").await.unwrap() > 0 {}
            }
        };
        let (sms, sessions, links, uploads) = counts(&app).await;
        assert!(
            sms >= 1 && sessions >= 1 && links >= 1 && uploads >= 1,
            "{b:?}"
        );
        // Within every period nothing goes.
        app.advance(Duration::days(2));
        run(&app).await;
        assert_eq!(counts(&app).await, (sms, sessions, links, uploads), "{b:?}");
        // Past three days the cancelled order's photo goes, file and all.
        app.advance(Duration::days(2));
        run(&app).await;
        assert_eq!(
            counts(&app).await,
            (sms, sessions, links - 1, uploads - 1),
            "{b:?}"
        );
        assert!(app.state.files.get(photo).await.unwrap().is_none(), "{b:?}");
        // Five days after the log-out the session goes; ten after sending, the message.
        app.advance(Duration::days(2));
        run(&app).await;
        assert_eq!(
            counts(&app).await,
            (sms, sessions - 1, links - 1, uploads - 1),
            "{b:?}"
        );
        app.advance(Duration::days(5));
        run(&app).await;
        assert_eq!(
            counts(&app).await,
            (0, sessions - 1, links - 1, uploads - 1),
            "{b:?}"
        );
    }
}
