//! Invoices (发票) end to end, on each database: a customer asks for one for a completed
//! order (never for one not completed, never a second while one is open, a company's tax
//! id checked by its check character, the amount what the order nets); the title is
//! stored encrypted; finance issues it with a PDF and its number (a file that is not a PDF
//! refused), the customer downloads it; a refund after issue flags it for a red-letter
//! reversal, which finance records, and the order can be invoiced again for what it nets;
//! a rejection carries its reason to the customer; staff without finance see personal
//! titles masked, and another partner's staff see none.

use crate::common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{DateTime, Duration, NaiveTime, Utc};
use common::{DemoCustomer, Reply, TestApp, assert_problem, backends, test_config};
use daojia_domain::access::Role;
use daojia_store::entity::{audit_log, invoice, partner, staff, worker};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde_json::{Value, json};
use uuid::Uuid;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

struct Town {
    app: TestApp,
    customer: String,
    address: Uuid,
    disp: String,
    cs: String,
    finance: String,
    worker: Uuid,
}

async fn town(b: daojia_store::testing::Backend) -> Town {
    let mut cfg = test_config();
    cfg.booking.demo_autopay = Some(true);
    let app = TestApp::with_config(b, cfg).await;
    let DemoCustomer {
        token: customer,
        address,
        ..
    } = app.demo_customer(8).await;
    let cleaner = worker::Entity::find()
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::Skills.contains("cleaning"))
        .order_by_asc(worker::Column::Id)
        .one(app.state.store.db())
        .await
        .unwrap()
        .unwrap();
    let disp = app.staff_token("disp", Role::Dispatcher).await;
    let cs = app.staff_token("cs", Role::CustomerService).await;
    let finance = app.staff_token("cashier", Role::Finance).await;
    Town {
        app,
        customer,
        address,
        disp,
        cs,
        finance,
        worker: cleaner.id,
    }
}

fn tomorrow(app: &TestApp, hour: u32) -> DateTime<Utc> {
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    date.and_time(NaiveTime::from_hms_opt(hour, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8)
}

/// A paid order for tomorrow at `hour`:00, assigned to the town's worker; completed when
/// `complete`.
async fn order(t: &Town, hour: u32, complete: bool) -> Uuid {
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": t.address,
                      "window_start": tomorrow(&t.app, hour).to_rfc3339()});
    let r = t
        .app
        .post_keyed(
            "/api/v1/customer/orders",
            &t.customer,
            Some(&Uuid::now_v7().to_string()),
            &body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let id: Uuid = r.body["id"].as_str().unwrap().parse().unwrap();
    let r = t
        .app
        .post(
            &format!("/api/v1/admin/orders/{id}/assign"),
            json!({"worker_id": t.worker, "override_reason": "test: invoices"}),
            Some(&t.disp),
        )
        .await;
    assert_eq!(r.body["state"], "accepted", "{}", r.text);
    if complete {
        for s in ["check_in", "finish", "complete"] {
            let r = t
                .app
                .post(
                    &format!("/api/v1/admin/orders/{id}/visit"),
                    json!({"step": s}),
                    Some(&t.cs),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{s}: {}", r.text);
        }
    }
    id
}

async fn issue(app: &TestApp, token: &str, id: &str, no: &str, file: &[u8]) -> Reply {
    let boundary = "daojia-test-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"invoice_no\"\r\n\r\n{no}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"invoice.pdf\"\r\nContent-Type: application/pdf\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(format!("/api/v1/admin/invoices/{id}/issue"))
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn raw_get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let req = Request::builder()
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = app.send(req).await;
    (r.status, r.text.into_bytes())
}

fn ask(kind: &str, title: &str, tax_id: Option<&str>) -> Value {
    json!({"title_type": kind, "title": title, "tax_id": tax_id, "email": "finance@example.com"})
}

#[tokio::test]
async fn an_invoice_is_asked_for_issued_downloaded_and_reversed_after_a_refund() {
    for b in backends() {
        let t = town(b).await;
        let app = &t.app;
        let db = app.state.store.db();
        let open = order(&t, 9, false).await;
        let done = order(&t, 11, true).await;

        let url = |o: Uuid| format!("/api/v1/customer/orders/{o}/invoices");
        let r = app
            .post(
                &url(open),
                ask(
                    "company",
                    "腾讯科技（深圳）有限公司",
                    Some("9144030071526726XG"),
                ),
                Some(&t.customer),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "order_not_completed");
        let r = app
            .post(
                &url(done),
                ask(
                    "company",
                    "腾讯科技（深圳）有限公司",
                    Some("9144030071526726XH"),
                ),
                Some(&t.customer),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{b:?}: {}",
            r.text
        );
        assert!(r.text.contains("tax_id"), "{}", r.text);
        let r = app
            .post(
                &url(done),
                ask("company", "某公司", None),
                Some(&t.customer),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);

        // Two at once: the database keeps one.
        let body = ask("personal", "张三丰", None);
        let path = url(done);
        let (r1, r2) = tokio::join!(
            app.post(&path, body.clone(), Some(&t.customer)),
            app.post(&path, body.clone(), Some(&t.customer)),
        );
        let mut statuses = [r1.status, r2.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::CONFLICT],
            "{b:?}: {} / {}",
            r1.text,
            r2.text
        );
        let made = if r1.status == StatusCode::CREATED {
            r1
        } else {
            r2
        };
        assert_eq!(made.body["state"], "requested");
        assert_eq!(made.body["title"], "张三丰");
        let paid = daojia_store::repo::orders::get(db, done)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            made.body["amount_fen"].as_i64().unwrap(),
            paid.paid_fen - paid.refunded_fen
        );
        assert!(paid.paid_fen > 0);
        let id = made.body["id"].as_str().unwrap().to_string();
        let row = invoice::Entity::find_by_id(id.parse::<Uuid>().unwrap())
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert!(
            !row.title_enc.contains("张三丰"),
            "{b:?}: the title is stored encrypted"
        );
        assert!(!row.email_enc.clone().unwrap().contains("example.com"));

        // Staff: finance sees the title; a dispatcher (order.read) sees it masked.
        let r = app
            .get("/api/v1/admin/invoices?state=requested", Some(&t.finance))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let mine = r
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id.as_str())
            .unwrap()
            .clone();
        assert_eq!(mine["title"], "张三丰");
        let r = app.get("/api/v1/admin/invoices", Some(&t.disp)).await;
        let seen = r
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["id"] == id.as_str())
            .unwrap()
            .clone();
        assert_ne!(seen["title"], "张三丰", "{b:?}");
        assert!(seen["title"].as_str().unwrap().starts_with('张'));
        let r = app
            .get("/api/v1/admin/invoices?state=bogus", Some(&t.finance))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Another partner's staff see none of it.
        let other = partner::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set("other_partner".into()),
            name: Set("别家服务商".into()),
            active: Set(true),
            created_at: Set(Utc::now()),
        }
        .insert(db)
        .await
        .unwrap();
        {
            let p = other;
            let tok = app.staff_token("pstaff", Role::Partner).await;
            let s = staff::Entity::find()
                .filter(staff::Column::Username.eq("pstaff"))
                .one(db)
                .await
                .unwrap()
                .unwrap();
            let mut s: staff::ActiveModel = s.into();
            s.partner_id = Set(Some(p.id));
            s.update(db).await.unwrap();
            let r = app.get("/api/v1/admin/invoices", Some(&tok)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            assert!(
                r.body
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|v| v["id"] != id.as_str()),
                "{b:?}"
            );
            let (st, _) = raw_get(app, &format!("/api/v1/admin/invoices/{id}/file"), &tok).await;
            assert_eq!(st, StatusCode::NOT_FOUND);
        }

        // Issue: a PDF and its number.
        let r = issue(
            app,
            &t.finance,
            &id,
            "12345678",
            b"\x89PNG\r\n\x1a\nnot a pdf",
        )
        .await;
        assert_problem(&r, StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_a_pdf");
        let r = issue(app, &t.finance, &id, "1234", PDF).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        let r = issue(app, &t.disp, &id, "12345678", PDF).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = issue(app, &t.finance, &id, "26442000000012345678", PDF).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["state"], "issued");
        assert_eq!(r.body["has_file"], true);
        assert_eq!(r.body["red_letter"], false);
        let r = app
            .post(
                &format!("/api/v1/admin/invoices/{id}/reject"),
                json!({"reason": "晚了"}),
                Some(&t.finance),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "invoice_state");
        let (st, bytes) = raw_get(
            app,
            &format!("/api/v1/customer/invoices/{id}/file"),
            &t.customer,
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(bytes, PDF);
        let r = app.get(&url(done), Some(&t.customer)).await;
        assert_eq!(r.body[0]["state"], "issued");
        assert_eq!(r.body[0]["invoice_no"], "26442000000012345678");
        let r = app
            .post(
                &url(done),
                ask("personal", "张三丰", None),
                Some(&t.customer),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "invoice_open");

        // A refund after issue: the invoice wants a red-letter reversal.
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{done}/after-sales"),
                json!({"decision": "open", "note": "部分不满意"}),
                Some(&t.cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/orders/{done}/after-sales"),
                json!({"decision": "refund", "amount_fen": 2000, "note": "部分退款"}),
                Some(&t.cs),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let r = app
            .get("/api/v1/admin/invoices?red_letter=true", Some(&t.finance))
            .await;
        let flagged: Vec<&Value> = r.body.as_array().unwrap().iter().collect();
        assert_eq!(flagged.len(), 1, "{b:?}: {}", r.text);
        assert_eq!(flagged[0]["id"], id.as_str());
        assert_eq!(
            flagged[0]["net_paid_fen"].as_i64().unwrap(),
            flagged[0]["amount_fen"].as_i64().unwrap() - 2000
        );
        let r = app
            .post(
                &format!("/api/v1/admin/invoices/{id}/reverse"),
                json!({"reason": "已开红字发票"}),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["state"], "reversed");
        assert_eq!(r.body["red_letter"], false);
        // ...and the order can be invoiced again, for what it nets now.
        let r = app
            .post(
                &url(done),
                ask(
                    "company",
                    "腾讯科技（深圳）有限公司",
                    Some("9144030071526726xg"),
                ),
                Some(&t.customer),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(
            r.body["amount_fen"].as_i64().unwrap(),
            paid.paid_fen - paid.refunded_fen - 2000
        );
        assert_eq!(r.body["tax_id"], "9144030071526726XG");
        let second = r.body["id"].as_str().unwrap().to_string();
        let r = app
            .post(
                &format!("/api/v1/admin/invoices/{second}/reject"),
                json!({"reason": "  "}),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let r = app
            .post(
                &format!("/api/v1/admin/invoices/{second}/reject"),
                json!({"reason": "抬头与税号不符"}),
                Some(&t.finance),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app.get(&url(done), Some(&t.customer)).await;
        assert_eq!(r.body[0]["state"], "rejected");
        assert_eq!(r.body[0]["reason"], "抬头与税号不符");
        assert_eq!(r.body.as_array().unwrap().len(), 2);

        let actions: Vec<String> = audit_log::Entity::find()
            .filter(audit_log::Column::TargetType.eq("invoice"))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.action)
            .collect();
        for a in ["invoice.issue", "invoice.reverse", "invoice.reject"] {
            assert!(actions.contains(&a.to_string()), "{b:?}: {actions:?}");
        }
        assert_eq!(actions.len(), 3, "{b:?}: refused attempts leave no record");
    }
}
