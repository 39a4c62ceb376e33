//! Partner scoping (服务商): partner A's staff walk every admin operation of the OpenAPI
//! document (so an endpoint added later is walked the day it is added) with partner B's
//! ids in every path parameter, B's ids in the queries, and bodies that pass validation
//! where the walk knows the operation. Nothing of B may come back (none of B's ids, codes,
//! names or phones in any answer), a B row is 404 (not 403, so its id is not confirmed)
//! wherever A holds the permission, and B's rows are the same after the walk as before.
//! Then the positive side: A sees and dispatches A's own orders among A's own workers.
//! `visits.rs`: the same for an order of several trades whose visits two partners serve.

use crate::common;
#[path = "partner_scoping/visits.rs"]
mod visits;
#[path = "partner_scoping/world.rs"]
mod world;

use axum::http::{Method, StatusCode};
use common::{Reply, TestApp, backends};
use daojia_domain::access::{Permission, Role};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;
use world::{World, build, id, snapshot, staff_id};

/// The value the walk puts in a path parameter, by the collection it follows (`workers`
/// in `/workers/{id}`), and whether it is a row partner scoping must hide (404). A kind
/// the walk does not know fails the test: give it a B row here when adding the endpoint.
fn path_value(w: &World, path: &str, param: &str) -> (String, bool) {
    let marker = format!("{{{param}}}");
    let before = path[..path.find(&marker).unwrap()].trim_end_matches('/');
    let collection = before.rsplit('/').next().unwrap();
    match (collection, param) {
        ("workers", "id") => (w.b_workers[0].clone(), true),
        ("certificates", "certificate_id") => (w.b_certificate.clone(), true),
        ("credit", "event_id") => (w.b_credit_event.clone(), true),
        ("shift-exceptions", "exception_id") => (w.b_exception.clone(), true),
        ("orders", "id") => (w.b_orders[0].clone(), true),
        ("reviews", "id") => (w.b_review.clone(), true),
        ("withdrawals", "id") => (w.b_withdrawal.clone(), true),
        ("invoices", "id") => (w.b_invoice.clone(), true),
        // Commission rules and partners' shares are the platform's.
        ("commission-rules", "id") => (Uuid::now_v7().to_string(), false),
        ("partners", "id") => (w.partner_b.clone(), false),
        ("worker-documents" | "uploads", "id") => (w.b_upload.clone(), true),
        // Platform-wide: refused to partners by permission whatever the id.
        ("staff", "id") => (w.pb_staff.clone(), false),
        ("alarms", "id") => (w.b_alarm.clone(), false),
        // An SOS on B's order: a partner's staff see their own workers' only.
        ("alerts", "id") => (w.b_alert.clone(), true),
        ("plans", "id") => (Uuid::now_v7().to_string(), false),
        ("flags", "key") => ("booking.new_checkout".into(), false),
        // Promotions are the platform's (marketing.write).
        ("promotions", "id") => (Uuid::now_v7().to_string(), false),
        // Reconciliation is the platform's (finance.write).
        ("differences", "id") => (Uuid::now_v7().to_string(), false),
        // Accounting periods are the platform's (finance.write, finance.reopen).
        ("periods", "period") => ("2026-11".into(), false),
        // Customers are the platform's (order on behalf needs order.write).
        ("callers", "id") => (Uuid::now_v7().to_string(), false),
        // A customer's wallet is the platform's (finance.read, platform staff only).
        ("customers", "id") => (Uuid::now_v7().to_string(), false),
        ("areas", "code") => (w.area.clone(), false),
        ("items", "code") | (_, "item") => ("daily_cleaning".into(), false),
        ("categories", "code") => ("cleaning".into(), false),
        // Someone else's session: ending it must not work.
        ("sessions", "id") => (w.b_session.clone(), false),
        _ => panic!("{path}: no B value for path parameter `{param}` after `{collection}`"),
    }
}

/// A query parameter's value: B's where it names a B row, the orders' day for dates.
fn query_value(w: &World, name: &str) -> Option<String> {
    match name {
        "area" | "area_code" => Some(w.area.clone()),
        "from" | "to" | "date" => Some(w.date.clone()),
        "worker_id" => Some(w.b_workers[0].clone()),
        "partner_id" => Some(w.partner_b.clone()),
        "order_id" => Some(w.b_orders[0].clone()),
        "phone" => Some("13900000000".into()),
        _ => None,
    }
}

/// A body that passes validation, for the writes the walk knows; `{}` for the others.
fn body_for(w: &World, method: &str, path: &str) -> Option<Value> {
    let p = path.trim_start_matches("/api/v1/admin");
    Some(match (method, p) {
        ("PATCH", "/workers/{id}") => json!({"name": "改名", "partner_id": w.partner_b}),
        ("PUT", "/workers/{id}/status") => json!({"status": "suspended", "reason": "走查"}),
        ("PUT", "/workers/{id}/skills") => json!({"skills": [{"skill": "cleaning", "level": 1}]}),
        ("PUT", "/workers/{id}/shifts") => json!({"shifts": []}),
        ("POST", "/workers/{id}/shift-exceptions") => json!({"date": w.date, "kind": "leave"}),
        ("POST", "/workers/{id}/credit") => json!({"kind": "no_show"}),
        ("POST", "/reviews/{id}/hide" | "/reviews/{id}/unhide") => json!({"reason": "走查"}),
        ("POST", "/workers/{id}/credit/{event_id}/reverse") => json!({"reason": "走查"}),
        ("POST", "/workers/{id}/certificates") => {
            json!({"kind": "health", "upload_id": w.a_upload})
        }
        ("POST", "/workers/{id}/certificates/{certificate_id}/review") => {
            json!({"decision": "approve"})
        }
        ("POST", "/orders/{id}/assign") => {
            json!({"worker_id": w.a_workers[0], "override_reason": "走查"})
        }
        ("POST", "/workers") => json!({
            "phone": "13812349901", "name": "走查师傅", "gender": "male",
            "home_lat": 31.2, "home_lng": 121.44, "years_experience": 1,
            "skills": [{"skill": "cleaning", "level": 1}], "partner_id": w.partner_b
        }),
        ("PUT", "/staff/{id}/partner") => json!({"partner_id": null}),
        (
            "POST",
            "/withdrawals/{id}/reject" | "/withdrawals/{id}/paid" | "/withdrawals/{id}/failed",
        ) => {
            json!({"text": "走查"})
        }
        ("PUT", "/partners/{id}/share") => json!({"share_bp": 5000}),
        ("POST", "/finance/periods/{period}/reopen") => json!({"reason": "走查"}),
        ("POST", "/invoices/{id}/reject" | "/invoices/{id}/reverse") => json!({"reason": "走查"}),
        ("POST", "/safety/alerts/{id}/acknowledge" | "/safety/alerts/{id}/resolve") => {
            json!({"note": "走查"})
        }
        _ => return None,
    })
}

/// What of B (or of the platform's open order) appears in `text`.
fn leaks(w: &World, text: &str) -> Vec<String> {
    let mut found: Vec<String> = w
        .foreign_ids
        .iter()
        .filter(|v| text.contains(v.as_str()))
        .cloned()
        .collect();
    found.extend(
        w.foreign_values
            .iter()
            .filter(|v| text.contains(&format!("\"{v}\"")))
            .cloned(),
    );
    found
}

/// One admin operation of the document: method, path, the permissions it declares (one
/// list per alternative requirement), its query parameters (name, required).
struct Operation {
    method: Method,
    path: String,
    scopes: Vec<Vec<Permission>>,
    query: Vec<(String, bool)>,
}

fn admin_operations() -> Vec<Operation> {
    let doc: Value = serde_json::from_str(&daojia_server::api::openapi_json()).unwrap();
    let mut out = vec![];
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for (method, op) in ops.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            let scopes = op["security"]
                .as_array()
                .expect("every admin operation declares its permissions")
                .iter()
                .map(|r| {
                    r["bearer"]
                        .as_array()
                        .expect("a bearer requirement")
                        .iter()
                        .map(|s| s.as_str().unwrap().parse().expect("a permission"))
                        .collect()
                })
                .collect();
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .map(|p| {
                    let name = p["name"].as_str().unwrap().to_string();
                    (name, p["required"] == json!(true))
                })
                .collect();
            out.push(Operation {
                method: m,
                path: path.clone(),
                scopes,
                query,
            });
        }
    }
    out
}

/// Walks every admin operation as partner A with B's ids; returns how many were walked.
async fn walk(app: &TestApp, w: &World) -> usize {
    let ops = admin_operations();
    assert!(ops.len() >= 60, "only {} admin operations", ops.len());
    let mut walked = BTreeMap::new();
    for op in &ops {
        let mut url = op.path.clone();
        let mut hidden_row = false;
        while let Some(start) = url.find('{') {
            let end = start + url[start..].find('}').unwrap();
            let param = url[start + 1..end].to_string();
            let (value, hidden) = path_value(w, &op.path, &param);
            hidden_row |= hidden;
            url.replace_range(start..=end, &value);
        }
        let mut query = vec![];
        for (name, required) in &op.query {
            match query_value(w, name) {
                Some(v) => query.push(format!("{name}={v}")),
                None if *required => panic!("{} {}: no value for `{name}`", op.method, op.path),
                None => {}
            }
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let known = body_for(w, op.method.as_str(), &op.path);
        let writes = matches!(op.method, Method::POST | Method::PUT | Method::PATCH);
        let body = writes.then(|| known.clone().unwrap_or_else(|| json!({})));
        let r = app.call_keyed(op.method.clone(), &url, body, &w.pa).await;
        let what = format!("{} {url}", op.method);
        assert!(
            !r.status.is_server_error(),
            "{what}: {} {}",
            r.status,
            r.text
        );
        let text = r.text.replace(&url, "");
        let leaked = leaks(w, &text);
        assert!(
            leaked.is_empty(),
            "{what} shows {leaked:?} of B: {}",
            r.text
        );
        if !r.status.is_success() {
            assert!(
                matches!(r.status.as_u16(), 400 | 403 | 404 | 409 | 413 | 415 | 422),
                "{what}: {} {}",
                r.status,
                r.text
            );
        }
        let permitted = op
            .scopes
            .iter()
            .any(|r| r.iter().all(|p| Role::Partner.allows(*p)));
        if !permitted {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{what}: {}", r.text);
        } else if hidden_row && (!writes || known.is_some()) {
            assert_eq!(
                (r.status, r.body["code"].as_str()),
                (StatusCode::NOT_FOUND, Some("not_found")),
                "{what}: a B row must be not found to A: {}",
                r.text
            );
        }
        walked.insert(format!("{} {}", op.method, op.path), r.status.as_u16());
    }
    walked.len()
}

#[tokio::test]
async fn partner_a_reads_and_changes_nothing_of_partner_b_on_any_admin_endpoint() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let w = build(&app).await;
        let before = snapshot(&app, &w).await;
        let walked = walk(&app, &w).await;
        assert!(walked >= 60, "{b:?}: walked {walked}");
        assert_eq!(
            snapshot(&app, &w).await,
            before,
            "{b:?}: the walk changed a row of B"
        );
        // B's session survived A's attempt to end it.
        let me = app.get("/api/v1/admin/me", Some(&w.pb)).await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.text);
        // The admin still sees everything the walk left alone.
        let all = app.get("/api/v1/admin/orders", Some(&w.admin)).await;
        assert_eq!(
            all.body["items"].as_array().unwrap().len(),
            5,
            "{}",
            all.text
        );
    }
}

fn ids_of(r: &Reply) -> Vec<String> {
    let mut ids: Vec<String> = r.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page: {}", r.text))
        .iter()
        .map(|x| id(&x["id"]))
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn partner_a_sees_and_dispatches_its_own_orders_among_its_own_workers_only() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let w = build(&app).await;
        let mut mine = w.a_orders.clone();
        mine.sort();
        let r = app.get("/api/v1/admin/orders", Some(&w.pa)).await;
        assert_eq!(ids_of(&r), mine, "{b:?}: A's order list");
        let r = app.get("/api/v1/admin/workers", Some(&w.pa)).await;
        let mut workers = w.a_workers.clone();
        workers.sort();
        assert_eq!(ids_of(&r), workers, "{b:?}: A's worker list");
        let r = app.get("/api/v1/admin/orders", Some(&w.pb)).await;
        let mut theirs = w.b_orders.clone();
        theirs.sort();
        assert_eq!(ids_of(&r), theirs, "{b:?}: B's order list");
        // Tracks and service records: each partner's staff read their own workers' visits,
        // not the other's.
        for (token, own, other) in [
            (&w.pa, &w.a_orders[0], &w.b_orders[0]),
            (&w.pb, &w.b_orders[0], &w.a_orders[0]),
        ] {
            let r = app
                .get(&format!("/api/v1/admin/orders/{own}/track"), Some(token))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
            assert_eq!(r.body["order_id"], json!(own));
            let r = app
                .get(&format!("/api/v1/admin/orders/{other}/track"), Some(token))
                .await;
            common::assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
            // The service record (服务记录) likewise.
            let r = app
                .get(
                    &format!("/api/v1/admin/orders/{own}/service-record"),
                    Some(token),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
            assert_eq!(r.body["order_id"], json!(own));
            let r = app
                .get(
                    &format!("/api/v1/admin/orders/{other}/service-record"),
                    Some(token),
                )
                .await;
            common::assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        }
        // Reviews: B's staff see and hide B's worker's review; A's list has none of it.
        let r = app.get("/api/v1/admin/reviews", Some(&w.pb)).await;
        assert_eq!(
            r.body["items"][0]["id"],
            json!(w.b_review),
            "{b:?}: {}",
            r.text
        );
        let r = app.get("/api/v1/admin/reviews", Some(&w.pa)).await;
        assert_eq!(r.body["items"], json!([]), "{b:?}: {}", r.text);
        // Withdrawals: finance staff of A see none of B's and cannot decide them; the
        // platform's finance sees B's.
        let fin_a = finance_of_a(&app, &w).await;
        let r = app.get("/api/v1/admin/withdrawals", Some(&fin_a)).await;
        assert_eq!(r.body, json!([]), "{b:?}: {}", r.text);
        let approve = format!("/api/v1/admin/withdrawals/{}/approve", w.b_withdrawal);
        let r = app.post(&approve, json!({}), Some(&fin_a)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{b:?}: {}", r.text);
        let fin = app.staff_token("finance-all", Role::Finance).await;
        let r = app.get("/api/v1/admin/withdrawals", Some(&fin)).await;
        assert_eq!(r.body[0]["id"], json!(w.b_withdrawal), "{b:?}: {}", r.text);
        let hide = format!("/api/v1/admin/reviews/{}/hide", w.b_review);
        let r = app
            .post(&hide, json!({"reason": "辱骂"}), Some(&w.pb))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);

        // A cannot give its order (offered to its first worker) to B's worker, who is
        // unknown to A...
        let order = &w.a_orders[0];
        let detail = app
            .get(&format!("/api/v1/admin/orders/{order}"), Some(&w.pa))
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
        assert_eq!(detail.body["worker_id"], json!(w.a_workers[0]));
        assert_eq!(detail.body["state"], "pending_accept");
        // Like a dispatcher, A's staff see where to send their worker while it is open.
        assert_ne!(detail.body["house_number"], "***", "{}", detail.text);
        let assign = format!("/api/v1/admin/orders/{order}/assign");
        let r = app
            .post(
                &assign,
                json!({"worker_id": w.b_workers[0], "override_reason": "改派"}),
                Some(&w.pa),
            )
            .await;
        common::assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(r.text.contains("unknown_worker"), "{}", r.text);
        let after = app
            .get(&format!("/api/v1/admin/orders/{order}"), Some(&w.admin))
            .await;
        assert_eq!(
            (&after.body["worker_id"], &after.body["state"]),
            (&json!(w.a_workers[0]), &json!("pending_accept")),
            "{}",
            after.text
        );
        // ...nor assign B's order (offered to B's worker) to its own worker...
        let theirs = format!("/api/v1/admin/orders/{}/assign", w.b_orders[0]);
        let r = app
            .post(
                &theirs,
                json!({"worker_id": w.a_workers[1], "override_reason": "改派"}),
                Some(&w.pa),
            )
            .await;
        common::assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // ...but gives it to its other worker.
        let r = app
            .post(
                &assign,
                json!({"worker_id": w.a_workers[1], "override_reason": "改派"}),
                Some(&w.pa),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(
            (&r.body["worker_id"], &r.body["state"]),
            (&json!(w.a_workers[1]), &json!("accepted")),
            "{}",
            r.text
        );
        let b_after = app
            .get(
                &format!("/api/v1/admin/orders/{}", w.b_orders[0]),
                Some(&w.admin),
            )
            .await;
        assert_eq!(b_after.body["worker_id"], json!(w.b_workers[0]));

        // A's staff see the document they uploaded before attaching it, not B's.
        let doc = |u: &String| format!("/api/v1/admin/worker-documents/{u}");
        let r = app.get(&doc(&w.a_upload), Some(&w.pa)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app.get(&doc(&w.b_upload), Some(&w.pa)).await;
        common::assert_problem(&r, StatusCode::NOT_FOUND, "not_found");

        // A's staff cannot attach a document B's staff uploaded to A's worker (and so
        // read it through A's worker).
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{}/certificates", w.a_workers[0]),
                json!({"kind": "health", "upload_id": w.b_upload}),
                Some(&w.pa),
            )
            .await;
        common::assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert!(r.text.contains("unknown_upload"), "{}", r.text);
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{}/certificates", w.a_workers[0]),
                json!({"kind": "health", "upload_id": w.a_upload}),
                Some(&w.pa),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);

        // The realtime feed: A's staff may follow A's order, B's is unknown to them.
        use daojia_server::realtime::topics::{Principal, Refusal, Topic, authorise};
        let pa_id: Uuid = staff_id(&app, &w.pa).await.parse().unwrap();
        let who = Principal::Staff(pa_id, Role::Partner);
        let topic = |o: &String| Topic::Order(o.parse().unwrap());
        assert_eq!(authorise(&app.state, &who, &topic(order)).await, Ok(()));
        assert_eq!(
            authorise(&app.state, &who, &topic(&w.b_orders[0])).await,
            Err(Refusal::Unknown)
        );
        assert_eq!(
            authorise(&app.state, &who, &topic(&w.open_order)).await,
            Err(Refusal::Unknown)
        );
        let board = Topic::Board(w.area.clone());
        assert_eq!(
            authorise(&app.state, &who, &board).await,
            Err(Refusal::Forbidden)
        );

        // The exceptions queue shows A only A's orders.
        let r = app.get("/api/v1/admin/exceptions", Some(&w.pa)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let admin_view = app.get("/api/v1/admin/exceptions", Some(&w.admin)).await;
        assert!(
            admin_view.text.contains(&w.b_alarm),
            "the admin sees B's alarm: {}",
            admin_view.text
        );
        assert!(leaks(&w, &r.text).is_empty(), "{}", r.text);
    }
}

/// A finance staff member attached to partner A (as the platform's admin attaches one).
async fn finance_of_a(app: &TestApp, w: &World) -> String {
    let fin_a = app.staff_token("finance-of-a", Role::Finance).await;
    let s = staff_id(app, &fin_a).await;
    let pa_id: Uuid = staff_id(app, &w.pa).await.parse().unwrap();
    let a_partner = {
        use sea_orm::EntityTrait;
        daojia_store::entity::staff::Entity::find_by_id(pa_id)
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap()
            .partner_id
    };
    let r = app
        .call(
            Method::PUT,
            &format!("/api/v1/admin/staff/{s}/partner"),
            Some(json!({"partner_id": a_partner})),
            Some(&w.admin),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text);
    fin_a
}

#[tokio::test]
async fn a_partners_finance_staff_see_their_own_partner_and_workers_deposits_and_fine_none() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let w = build(&app).await;
        let seeded = daojia_app::deposits::demo::seed(&app.state.app, chrono::Utc::now())
            .await
            .unwrap();
        assert!(seeded.lodgings > 0, "{b:?}: {seeded:?}");
        let fin_a = finance_of_a(&app, &w).await;
        let fin = app.staff_token("finance-all", Role::Finance).await;

        // The console learns who is scoped.
        let me = app.get("/api/v1/admin/me", Some(&fin_a)).await;
        assert_eq!(me.body["platform"], json!(false), "{b:?}: {}", me.text);
        let me = app.get("/api/v1/admin/me", Some(&fin)).await;
        assert_eq!(me.body["platform"], json!(true), "{b:?}: {}", me.text);

        // Partners: finance reads them (to set their shares); A's finance sees A alone.
        let r = app.get("/api/v1/admin/partners", Some(&fin_a)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        let mine = r.body.as_array().unwrap();
        assert_eq!(mine.len(), 1, "{b:?}: {}", r.text);
        assert_ne!(mine[0]["id"], json!(w.partner_b));
        assert!(leaks(&w, &r.text).is_empty(), "{b:?}: {}", r.text);
        let r = app.get("/api/v1/admin/partners", Some(&fin)).await;
        let all = r.body.as_array().unwrap();
        assert!(
            all.len() > 2,
            "{b:?}: the demo's partners, A and B: {}",
            r.text
        );
        let b_row = all.iter().find(|p| p["id"] == json!(w.partner_b));
        assert_eq!(
            b_row.map(|p| &p["share_bp"]),
            Some(&json!(0)),
            "{b:?}: {}",
            r.text
        );
        // Marketing holds neither worker.read nor finance.read.
        let m = app.staff_token("walk-marketing", Role::Marketing).await;
        let r = app.get("/api/v1/admin/partners", Some(&m)).await;
        common::assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");
        // Setting a share stays the platform's.
        let share = format!(
            "/api/v1/admin/partners/{}/share",
            mine[0]["id"].as_str().unwrap()
        );
        let r = app
            .call(
                Method::PUT,
                &share,
                Some(json!({"share_bp": 9000})),
                Some(&fin_a),
            )
            .await;
        common::assert_problem(&r, StatusCode::FORBIDDEN, "platform_only");

        // Deposits: A's finance sees A's workers' (every one seeded), none of B's.
        let workers_of = |r: &Reply| {
            let mut ids: Vec<String> = r.body["items"]
                .as_array()
                .unwrap_or_else(|| panic!("a page: {}", r.text))
                .iter()
                .map(|x| id(&x["worker_id"]))
                .collect();
            ids.sort();
            ids
        };
        let all = workers_of(
            &app.get("/api/v1/admin/deposits?limit=200", Some(&fin))
                .await,
        );
        let a_lodged: Vec<String> = all
            .iter()
            .filter(|x| w.a_workers.contains(x))
            .cloned()
            .collect();
        let b_lodged: Vec<&String> = all.iter().filter(|x| w.b_workers.contains(x)).collect();
        assert!(
            !a_lodged.is_empty() && !b_lodged.is_empty(),
            "{b:?}: the seed lodged for both partners' workers: {all:?}"
        );
        let r = app
            .get("/api/v1/admin/deposits?limit=200", Some(&fin_a))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(workers_of(&r), a_lodged, "{b:?}: A's deposits");
        assert!(leaks(&w, &r.text).is_empty(), "{b:?}: {}", r.text);
        let own = format!("/api/v1/admin/workers/{}/deposit", a_lodged[0]);
        let r = app.get(&own, Some(&fin_a)).await;
        assert_eq!(r.status, StatusCode::OK, "{b:?}: {}", r.text);
        assert_eq!(r.body["deposit"]["worker_id"], json!(a_lodged[0]));
        let fined_before = r.body["deposit"]["fined_fen"].clone();
        let theirs = format!("/api/v1/admin/workers/{}/deposit", b_lodged[0]);
        let r = app.get(&theirs, Some(&fin_a)).await;
        common::assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // Fining is the platform's, even of A's own worker.
        let r = app
            .post(
                &format!("{own}/fines"),
                json!({"amount_fen": 100, "reason": "走查"}),
                Some(&fin_a),
            )
            .await;
        common::assert_problem(&r, StatusCode::FORBIDDEN, "platform_only");
        let r = app.get(&own, Some(&fin)).await;
        assert_eq!(
            r.body["deposit"]["fined_fen"], fined_before,
            "{b:?}: {}",
            r.text
        );
    }
}
