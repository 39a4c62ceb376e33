//! A worker's export and erasure, refused while an order is theirs.

use super::*;

#[tokio::test]
async fn a_worker_exports_and_erases_their_account_unless_an_order_is_theirs() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let phone = "13700002222";
        let wid = app.enrol_worker(phone).await;
        let token = app.otp_login(phone, "worker").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let r = app.get("/api/v1/worker/consent", Some(&token)).await;
        assert_eq!(r.body["required"], true, "{b:?}: {}", r.text);
        let x = app.get("/api/v1/worker/me/export", Some(&token)).await;
        assert_eq!(x.status, StatusCode::OK, "{b:?}: {}", x.text);
        assert_eq!(x.body["profile"]["phone"], phone);
        assert_eq!(x.body["profile"]["name"], "测试师傅");

        // An open order assigned to them stops the erasure.
        let db = app.state.store.db();
        let open = open_order_for(&app, wid).await;
        let r = delete(&app, "/api/v1/worker/me", &token).await;
        assert_problem(&r, StatusCode::CONFLICT, "account_has_open_orders");
        cancel(&app, open).await;

        // The WeChat account their payouts go to goes with them.
        daojia_store::repo::payees::bind(
            &app.state.store,
            wid,
            "wx0000000000000001",
            "oERASED0000000000000000001",
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        let r = delete(&app, "/api/v1/worker/me", &token).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);
        assert!(
            daojia_store::repo::payees::get(db, wid)
                .await
                .unwrap()
                .is_none(),
            "{b:?}: the payee outlived the erasure"
        );
        assert_eq!(
            app.get("/api/v1/worker/me", Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
        let w = accounts::worker(db, wid).await.unwrap().unwrap();
        assert!(!w.active);
        assert_eq!(
            app.state
                .store
                .vault()
                .decrypt(accounts::WORKER_PHONE, &w.phone_enc)
                .unwrap(),
            ""
        );
        let values = every_text_value(&app).await;
        for (col, v) in &values {
            assert!(
                !v.contains(phone) && !v.contains("测试师傅"),
                "{b:?}: {col} holds {v}"
            );
        }
        // The phone no longer logs in as a worker.
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": phone, "audience": "worker"}),
                None,
            )
            .await;
        let code = sent.body["dev_code"].as_str().unwrap();
        let r = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": phone, "code": code, "audience": "worker"}),
                None,
            )
            .await;
        assert_problem(&r, StatusCode::NOT_FOUND, "worker_not_found");
    }
}

/// A customer's order assigned to the worker, accepted.
async fn open_order_for(app: &TestApp, worker: uuid::Uuid) -> uuid::Uuid {
    let db = app.state.store.db();
    let token = app.otp_login("13600003333", "customer").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = app.get("/api/v1/customer/me", Some(&token)).await;
    let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
    let id = uuid::Uuid::now_v7();
    let v = app.state.store.vault();
    let now = app.state.now();
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    service_order::ActiveModel {
        id: Set(id),
        order_no: Set(format!("T{}", &id.simple().to_string()[..12])),
        customer_id: Set(cid),
        state: Set("accepted".into()),
        worker_id: Set(Some(worker)),
        area_code: Set(Some("sh-xuhui".into())),
        address_id: Set(None),
        contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, "x")),
        contact_phone_enc: Set(v.encrypt(ctx::CONTACT_PHONE, "13600003333")),
        address_enc: Set(v.encrypt(ctx::ADDRESS, "x")),
        house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, "x")),
        lat: Set(31.2),
        lng: Set(121.4),
        window_start: Set(now + Duration::days(1)),
        window_end: Set(now + Duration::days(1) + Duration::hours(1)),
        payment_mode: Set("full".into()),
        deposit_fen: Set(0),
        total_fen: Set(100),
        paid_fen: Set(100),
        refunded_fen: Set(0),
        fee_fen: Set(0),
        policy: Set("{}".into()),
        customer_reschedules: Set(0),
        notes_enc: Set(daojia_store::repo::orders::seal_notes(&app.state.store, "")),
        completed_at: Set(None),
        duration_min: Set(60),
        skills: Set(None),
        rework_of: Set(None),
        bundle_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    id
}

async fn cancel(app: &TestApp, id: uuid::Uuid) {
    let db = app.state.store.db();
    db.execute_raw(Statement::from_string(
        db.get_database_backend(),
        format!(
            "UPDATE service_order SET state = 'cancelled', refunded_fen = 100 WHERE order_no = 'T{}'",
            &id.simple().to_string()[..12]
        ),
    ))
    .await
    .unwrap();
}
