//! A customer's export and erasure.

use super::*;

/// The name on the invoice they ask for, and where it is to be sent.
const INVOICE_TITLE: &str = "欧阳娜娜";
const INVOICE_EMAIL: &str = "nana.ouyang@example.com";

#[tokio::test]
async fn a_customer_exports_then_erases_their_account_and_nothing_readable_of_them_remains() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let loaded = daojia_server::demo::load(&app.state.store, 8)
            .await
            .unwrap();
        let phone = loaded.sample_customer_phone.clone();
        let token = app.otp_login(&phone, "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let me = app.get("/api/v1/customer/me", Some(&token)).await;
        let cid: uuid::Uuid = me.body["id"].as_str().unwrap().parse().unwrap();
        let nickname = me.body["nickname"].as_str().unwrap().to_string();
        let store = &app.state.store;
        let address = accounts::add_address(
            store,
            store.db(),
            cid,
            accounts::NewAddress {
                label: "家".into(),
                contact_name: CONTACT.into(),
                contact_phone: Phone::parse(CONTACT_PHONE).unwrap(),
                address: ADDRESS.into(),
                house_number: HOUSE.into(),
                lat: 31.19,
                lng: 121.44,
                area_code: Some("sh-xuhui".into()),
                is_default: true,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id;
        let photo = upload_photo(&app, &token).await;
        assert_eq!(photo.status, StatusCode::CREATED, "{b:?}: {}", photo.text);
        let photo: uuid::Uuid = photo.body["id"].as_str().unwrap().parse().unwrap();

        // One order completed and paid, one paid and still open.
        let finance = app.staff_token("fin", Role::Finance).await;
        let dispatcher = app.staff_token("disp", Role::Dispatcher).await;
        let service = app.staff_token("cs", Role::CustomerService).await;
        let first = place(
            &app,
            &token,
            "k1",
            &json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                    "window_start": tomorrow_at(&app, 14), "notes": NOTES, "photo_ids": [photo]}),
        )
        .await;
        assert_eq!(first.status, StatusCode::CREATED, "{b:?}: {}", first.text);
        let first_id = first.body["id"].as_str().unwrap().to_string();
        let total = first.body["total_fen"].as_i64().unwrap();
        let url = |id: &str, tail: &str| format!("/api/v1/admin/orders/{id}{tail}");
        let r = app
            .post(
                &url(&first_id, "/payments"),
                json!({"amount_fen": total, "method": "cash", "reference": "P-1"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let workers = app.get("/api/v1/admin/workers", Some(&dispatcher)).await;
        let worker = workers.body["items"][0]["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &url(&first_id, "/assign"),
                json!({"worker_id": worker, "override_reason": "any worker will do here"}),
                Some(&dispatcher),
            )
            .await;
        assert_eq!(r.body["state"], "accepted", "{b:?}: {}", r.text);
        for step in ["check_in", "finish", "complete"] {
            let r = app
                .post(
                    &url(&first_id, "/visit"),
                    json!({"step": step}),
                    Some(&service),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?} {step}: {}", r.text);
        }
        let second = place(
            &app,
            &token,
            "k2",
            &json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
                    "window_start": day_at(&app, 2, 14)}),
        )
        .await;
        assert_eq!(second.status, StatusCode::CREATED, "{b:?}: {}", second.text);
        let second_id = second.body["id"].as_str().unwrap().to_string();
        let second_no = second.body["order_no"].as_str().unwrap().to_string();
        let r = app
            .post(
                &url(&second_id, "/payments"),
                json!({"amount_fen": second.body["total_fen"], "method": "cash", "reference": "P-2"}),
                Some(&finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);

        // Deleting is refused while an order is open, naming it; nothing changes.
        let r = delete(&app, "/api/v1/customer/me", &token).await;
        assert_problem(&r, StatusCode::CONFLICT, "account_has_open_orders");
        assert!(r.text.contains(&second_no), "{b:?}: {}", r.text);
        assert_eq!(
            app.get("/api/v1/customer/me", Some(&token)).await.status,
            StatusCode::OK
        );
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{second_id}/cancel"),
                json!({"reason": REASON}),
                Some(&token),
            )
            .await;
        assert_eq!(r.body["state"], "cancelled", "{b:?}: {}", r.text);

        // They ask for an invoice of the completed order, in their own name.
        let r = app
            .post(
                &format!("/api/v1/customer/orders/{first_id}/invoices"),
                json!({"title_type": "personal", "title": INVOICE_TITLE, "email": INVOICE_EMAIL}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{b:?}: {}", r.text);

        // A message in their inbox (消息中心).
        daojia_app::notifications::notify(
            &app.state.app,
            daojia_app::notifications::Notice {
                audience: daojia_domain::notification::Audience::Customer,
                recipient_id: cid,
                kind: daojia_domain::notification::Kind::Completed,
                vars: [("service", "日常保洁"), ("order_no", "DJ-EXPORT-1")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                order_id: None,
                url: Some("/orders".into()),
                dedupe_key: format!("export-test:{cid}"),
                tz: chrono_tz::Asia::Shanghai,
            },
            app.state.now(),
        )
        .await
        .unwrap();

        // The export holds their phone, addresses, orders with lines, events, payments,
        // photos and extra items, invoices, messages, consents and sessions.
        let r = app
            .post(
                "/api/v1/customer/consent",
                json!({"privacy_version": app.state.config.privacy.policy_version,
                       "terms_version": app.state.config.privacy.terms_version}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let export = app.get("/api/v1/customer/me/export", Some(&token)).await;
        assert_eq!(export.status, StatusCode::OK, "{b:?}: {}", export.text);
        assert!(
            export.headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"daojia-customer-export-")
        );
        let x = &export.body;
        assert_eq!(x["profile"]["phone"], phone.as_str());
        let ours = x["addresses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == address.to_string())
            .unwrap();
        assert_eq!(
            (
                &ours["address"],
                &ours["house_number"],
                &ours["contact_name"]
            ),
            (&json!(ADDRESS), &json!(HOUSE), &json!(CONTACT))
        );
        let orders = x["orders"].as_array().unwrap();
        assert_eq!(orders.len(), 2, "{b:?}");
        let o = orders
            .iter()
            .find(|o| o["id"] == first_id.as_str())
            .unwrap();
        assert_eq!(o["notes"], NOTES);
        assert_eq!(o["contact_phone"], CONTACT_PHONE);
        assert_eq!(o["lines"][0]["item_code"], "daily_cleaning");
        assert_eq!(o["payments"][0]["amount_fen"], total);
        assert_eq!(o["photos"][0]["upload_id"], photo.to_string());
        assert!(o["events"].as_array().unwrap().len() >= 4);
        assert_eq!(
            (
                &x["invoices"][0]["title"],
                &x["invoices"][0]["email"],
                &x["invoices"][0]["state"]
            ),
            (
                &json!(INVOICE_TITLE),
                &json!(INVOICE_EMAIL),
                &json!("requested")
            ),
            "{b:?}"
        );
        assert_eq!(o["extras"], json!([]), "{b:?}");
        assert!(
            x["notifications"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["body"].as_str().unwrap().contains("DJ-EXPORT-1")),
            "{b:?}: {}",
            x["notifications"]
        );
        assert!(x["push_subscriptions"].is_array());
        assert_eq!(x["consents"].as_array().unwrap().len(), 2);
        assert!(!x["sessions"].as_array().unwrap().is_empty());
        assert!(
            x["messages"][0]["template"].is_string() && x["messages"][0].get("content").is_none()
        );
        // Everything readable about them before: the demo's addresses too.
        let mut personal: Vec<String> = vec![
            phone.clone(),
            CONTACT.into(),
            CONTACT_PHONE.into(),
            ADDRESS.into(),
            HOUSE.into(),
            NOTES.into(),
            REASON.into(),
            INVOICE_TITLE.into(),
            INVOICE_EMAIL.into(),
        ];
        for a in x["addresses"].as_array().unwrap() {
            for k in ["address", "house_number"] {
                personal.push(a[k].as_str().unwrap().to_string());
            }
        }
        let before = every_text_value(&app).await;
        for p in [&phone, &ADDRESS.to_string(), &NOTES.to_string()] {
            assert!(
                before.iter().any(|(_, v)| v.contains(p.as_str())),
                "{b:?}: the search finds {p} before the erasure"
            );
        }
        let books_before = books(&app).await;
        assert!(app.state.files.get(photo).await.unwrap().is_some());

        let r = delete(&app, "/api/v1/customer/me", &token).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{b:?}: {}", r.text);

        // The old token is dead; the books are the same, day by day.
        let r = app.get("/api/v1/customer/me", Some(&token)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{b:?}");
        assert_eq!(books(&app).await, books_before, "{b:?}: the books changed");
        assert!(
            app.state.files.get(photo).await.unwrap().is_none(),
            "{b:?}: the photo file is left"
        );
        // Nothing readable of them remains, decrypted or not, in any text column. (A
        // demo address may be shared by another demo customer: those are checked only
        // where they were this customer's, by the address rows being gone.)
        let after = every_text_value(&app).await;
        // (The demo's nicknames, 高女士 and the like, are shared: their own row is checked.)
        let unique = &personal[..9];
        for (col, v) in &after {
            for p in unique {
                assert!(
                    !v.contains(p.as_str()),
                    "{b:?}: {col} still holds `{p}` after the erasure"
                );
            }
        }
        assert!(
            accounts::addresses(store.db(), cid)
                .await
                .unwrap()
                .is_empty(),
            "{b:?}"
        );
        // Their open invoice request was withdrawn: nothing was issued on it.
        let inv = daojia_store::repo::invoices::of_customer(store.db(), cid)
            .await
            .unwrap();
        assert_eq!(
            (inv.len(), inv[0].state.as_str(), inv[0].open_key),
            (1, "rejected", None),
            "{b:?}"
        );
        let row = accounts::customer(store.db(), cid).await.unwrap().unwrap();
        let now_named = accounts::customer_nickname(store, &row).unwrap();
        assert_ne!(now_named, nickname, "{b:?}");
        assert!(!now_named.contains(&phone[7..]), "{b:?}");
        // The audit log has the request, and none of the data.
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let log = app.get("/api/v1/admin/audit-log", Some(&admin)).await;
        let entry = log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "customer.erase")
            .unwrap_or_else(|| panic!("{b:?}: no erase entry in {}", log.text));
        assert_eq!(entry["target_id"], cid.to_string());
        assert!(!log.text.contains(&phone) && !log.text.contains(ADDRESS));

        // The phone registers again as a new, empty account that must consent anew.
        let again = app.otp_login(&phone, "customer").await["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        let me2 = app.get("/api/v1/customer/me", Some(&again)).await;
        assert_ne!(me2.body["id"], cid.to_string(), "{b:?}");
        let mine = app.get("/api/v1/customer/orders", Some(&again)).await;
        assert_eq!(
            mine.body.as_array().unwrap().len(),
            0,
            "{b:?}: {}",
            mine.text
        );
        let c = app.get("/api/v1/customer/consent", Some(&again)).await;
        assert_eq!(c.body["required"], true, "{b:?}");
        assert!(
            daojia_store::repo::privacy::is_erased(store.db(), Audience::Customer, cid)
                .await
                .unwrap()
        );
    }
}
