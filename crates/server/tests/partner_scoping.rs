//! Partner scoping (服务商): partner A's staff walk every admin operation of the OpenAPI
//! document (so an endpoint added later is walked the day it is added) with partner B's
//! ids in every path parameter, B's ids in the queries, and bodies that pass validation
//! where the walk knows the operation. Nothing of B may come back (none of B's ids, codes,
//! names or phones in any answer), a B row is 404 (not 403, so its id is not confirmed)
//! wherever A holds the permission, and B's rows are the same after the walk as before.
//! Then the positive side: A sees and dispatches A's own orders among A's own workers.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{Reply, TestApp, backends};
use daojia_domain::access::{Permission, Role};
use daojia_store::entity::{
    auth_session, order_alarm, partner, service_order, staff, upload, worker, worker_certificate,
    worker_credit_event, worker_shift, worker_shift_exception, worker_skill,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Everything the walk needs: tokens, and the rows of A, of B and of nobody.
struct World {
    admin: String,
    pa: String,
    pb: String,
    partner_b: String,
    pb_staff: String,
    a_workers: Vec<String>,
    b_workers: Vec<String>,
    a_orders: Vec<String>,
    b_orders: Vec<String>,
    /// An order nobody was sent to: the platform's, not A's either.
    open_order: String,
    a_upload: String,
    b_upload: String,
    b_certificate: String,
    b_credit_event: String,
    b_exception: String,
    b_session: String,
    b_alarm: String,
    area: String,
    date: String,
    /// Ids (matched anywhere) and other values (matched as JSON strings) of B and of the
    /// platform's open order.
    foreign_ids: Vec<String>,
    foreign_values: Vec<String>,
}

fn id(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("an id: {v}"))
        .to_string()
}

async fn send(app: &TestApp, m: Method, path: &str, body: Value, token: &str) -> Reply {
    let body = (m != Method::GET && m != Method::DELETE).then_some(body);
    app.call(m, path, body, Some(token)).await
}

async fn ok(app: &TestApp, m: Method, path: &str, body: Value, token: &str) -> Value {
    let r = send(app, m.clone(), path, body, token).await;
    assert!(r.status.is_success(), "{m} {path}: {} {}", r.status, r.text);
    r.body
}

async fn upload_document(app: &TestApp, token: &str) -> String {
    let png = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gps.png"
    ))
    .unwrap();
    let boundary = "partner-walk-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ncertificate\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.png\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&png);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri("/api/v1/admin/worker-uploads")
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    id(&r.body["id"])
}

async fn staff_id(app: &TestApp, token: &str) -> String {
    id(&app.get("/api/v1/admin/me", Some(token)).await.body["id"])
}

async fn build(app: &TestApp) -> World {
    let loaded = daojia_server::demo::load(&app.state.store, 8)
        .await
        .unwrap();
    let admin = app.staff_token("walk-admin", Role::SuperAdmin).await;
    let pa = app.staff_token("partner-a-staff", Role::Partner).await;
    let pb = app.staff_token("partner-b-staff", Role::Partner).await;
    let mut partners = vec![];
    for (code, name) in [("jiajie", "佳洁家政"), ("anxin", "安心维修")] {
        let p = ok(
            app,
            Method::POST,
            "/api/v1/admin/partners",
            json!({"code": code, "name": name}),
            &admin,
        )
        .await;
        partners.push(id(&p["id"]));
    }
    let (partner_a, partner_b) = (partners[0].clone(), partners[1].clone());
    let pb_staff = staff_id(app, &pb).await;
    for (token, p) in [(&pa, &partner_a), (&pb, &partner_b)] {
        let s = staff_id(app, token).await;
        let path = format!("/api/v1/admin/staff/{s}/partner");
        ok(app, Method::PUT, &path, json!({"partner_id": p}), &admin).await;
    }

    // Two demo workers each for A and B, renamed so their names are unmistakable.
    let all = ok(
        app,
        Method::GET,
        "/api/v1/admin/workers?limit=50",
        json!(null),
        &admin,
    )
    .await;
    let active: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["active"] == json!(true))
        .take(4)
        .collect();
    assert_eq!(active.len(), 4, "the demo has active workers");
    let area = id(&active[0]["area_code"]);
    let (mut a_workers, mut b_workers) = (vec![], vec![]);
    let mut foreign_ids = vec![partner_b.clone(), pb_staff.clone()];
    let mut foreign_values = vec!["anxin".to_string(), "安心维修".to_string()];
    for (i, w) in active.iter().enumerate() {
        let wid = id(&w["id"]);
        let (p, name) = if i < 2 {
            (&partner_a, format!("甲方师傅{i}"))
        } else {
            (&partner_b, format!("乙方师傅{i}"))
        };
        let path = format!("/api/v1/admin/workers/{wid}");
        let body = json!({"partner_id": p, "name": name});
        ok(app, Method::PATCH, &path, body, &admin).await;
        if i < 2 {
            a_workers.push(wid);
        } else {
            foreign_ids.push(wid.clone());
            foreign_values.extend([name, id(&w["code"]), id(&w["phone"])]);
            b_workers.push(wid);
        }
    }

    // Five orders tomorrow: two sent to A's workers, two to B's, one to nobody.
    let login = app
        .otp_login(&loaded.sample_customer_phone, "customer")
        .await;
    let customer = login["access_token"].as_str().unwrap().to_string();
    let me = app.get("/api/v1/customer/me", Some(&customer)).await;
    let cid: Uuid = id(&me.body["id"]).parse().unwrap();
    let address = daojia_store::repo::accounts::addresses(app.state.store.db(), cid)
        .await
        .unwrap()[0]
        .id;
    let day = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let mut orders = vec![];
    // The first five windows from 08:00 on, half an hour apart, that still have room.
    for n in 0..24 {
        if orders.len() == 5 {
            break;
        }
        let start = day
            .and_time(NaiveTime::from_hms_opt(8, 0, 0).unwrap())
            .and_utc()
            - Duration::hours(8)
            + Duration::minutes(30 * n);
        let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address,
            "window_start": start.to_rfc3339()});
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/customer/orders")
            .header("authorization", format!("Bearer {customer}"))
            .header("content-type", "application/json")
            .header("idempotency-key", format!("partner-walk-{n}"))
            .body(Body::from(body.to_string()))
            .unwrap();
        let placed = app.send(req).await;
        if placed.status == StatusCode::CONFLICT {
            continue;
        }
        assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
        let oid = id(&placed.body["id"]);
        let pay = json!({"amount_fen": placed.body["total_fen"], "method": "cash",
            "reference": format!("R-{n}")});
        let path = format!("/api/v1/admin/orders/{oid}/payments");
        ok(app, Method::POST, &path, pay, &admin).await;
        orders.push((oid, id(&placed.body["order_no"])));
    }
    assert_eq!(orders.len(), 5, "five windows with room tomorrow");
    // Each partner has one order offered to its first worker (waiting for an answer) and
    // one assigned to its second.
    let targets = [&a_workers[0], &a_workers[1], &b_workers[0], &b_workers[1]];
    for (n, ((oid, _), w)) in orders.iter().zip(targets).enumerate() {
        if n % 2 == 0 {
            let (order, worker) = (oid.parse().unwrap(), w.parse().unwrap());
            let by = daojia_app::orders::By::System;
            daojia_app::orders::offers::offer(&app.state.app, &by, order, worker, app.state.now())
                .await
                .unwrap();
        } else {
            let path = format!("/api/v1/admin/orders/{oid}/assign");
            ok(app, Method::POST, &path, json!({"worker_id": w}), &admin).await;
        }
    }
    let a_orders = vec![orders[0].0.clone(), orders[1].0.clone()];
    let b_orders = vec![orders[2].0.clone(), orders[3].0.clone()];
    for (oid, no) in &orders[2..] {
        foreign_ids.push(oid.clone());
        foreign_values.push(no.clone());
    }

    // B's certificate (on a document B's staff uploaded), credit event, day off, alarm,
    // session.
    let b_upload = upload_document(app, &pb).await;
    let a_upload = upload_document(app, &pa).await;
    let bw = &b_workers[0];
    let cert = ok(
        app,
        Method::POST,
        &format!("/api/v1/admin/workers/{bw}/certificates"),
        json!({"kind": "health", "upload_id": b_upload, "number": "B-CERT-77"}),
        &pb,
    )
    .await;
    let credit = ok(
        app,
        Method::POST,
        &format!("/api/v1/admin/workers/{bw}/credit"),
        json!({"kind": "no_show", "reason": "乙方缺席"}),
        &admin,
    )
    .await;
    let date = day.to_string();
    let exception = ok(
        app,
        Method::POST,
        &format!("/api/v1/admin/workers/{bw}/shift-exceptions"),
        json!({"date": date, "kind": "leave", "reason": "乙方请假"}),
        &admin,
    )
    .await;
    let db = app.state.store.db();
    let b_order: Uuid = b_orders[0].parse().unwrap();
    daojia_store::repo::alarms::raise(db, b_order, "late", "乙方迟到", app.state.now())
        .await
        .unwrap();
    let b_alarm = daojia_store::repo::alarms::open(db)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.order_id == b_order)
        .unwrap()
        .id
        .to_string();
    let sessions = app.get("/api/v1/admin/sessions", Some(&pb)).await;
    let b_session = id(&sessions.body[0]["id"]);
    let open_order = orders[4].0.clone();
    foreign_ids.extend([
        b_upload.clone(),
        id(&cert["id"]),
        id(&credit["events"][0]["id"]),
        id(&exception["id"]),
        b_session.clone(),
        b_alarm.clone(),
        open_order.clone(),
        orders[4].1.clone(),
    ]);
    foreign_values.extend(["B-CERT-77".into(), "乙方缺席".into(), "乙方请假".into()]);
    World {
        admin,
        pa,
        pb,
        partner_b,
        pb_staff,
        a_workers,
        b_workers,
        a_orders,
        b_orders,
        open_order,
        a_upload,
        b_upload,
        b_certificate: id(&cert["id"]),
        b_credit_event: id(&credit["events"][0]["id"]),
        b_exception: id(&exception["id"]),
        b_session,
        b_alarm,
        area,
        date,
        foreign_ids,
        foreign_values,
    }
}

/// Every row of B (and the platform's open order), printed, to compare before and after.
async fn snapshot(app: &TestApp, w: &World) -> String {
    let db = app.state.store.db();
    let uuid = |s: &String| s.parse::<Uuid>().unwrap();
    let b_partner = uuid(&w.partner_b);
    let workers: Vec<Uuid> = w.b_workers.iter().map(uuid).collect();
    let mut orders: Vec<Uuid> = w.b_orders.iter().map(uuid).collect();
    orders.push(uuid(&w.open_order));
    let mut out = String::new();
    macro_rules! rows {
        ($e:ident, $filter:expr) => {
            let rows = $e::Entity::find()
                .filter($filter)
                .order_by_asc($e::Column::Id)
                .all(db)
                .await
                .unwrap();
            out.push_str(&format!("{}: {rows:?}\n", stringify!($e)));
        };
    }
    rows!(worker, worker::Column::PartnerId.eq(b_partner));
    rows!(
        service_order,
        service_order::Column::Id.is_in(orders.clone())
    );
    rows!(order_alarm, order_alarm::Column::OrderId.is_in(orders));
    rows!(
        worker_certificate,
        worker_certificate::Column::WorkerId.is_in(workers.clone())
    );
    rows!(
        worker_credit_event,
        worker_credit_event::Column::WorkerId.is_in(workers.clone())
    );
    rows!(
        worker_shift,
        worker_shift::Column::WorkerId.is_in(workers.clone())
    );
    rows!(
        worker_shift_exception,
        worker_shift_exception::Column::WorkerId.is_in(workers.clone())
    );
    rows!(worker_skill, worker_skill::Column::WorkerId.is_in(workers));
    rows!(partner, partner::Column::Id.eq(b_partner));
    rows!(staff, staff::Column::Id.eq(uuid(&w.pb_staff)));
    rows!(
        auth_session,
        auth_session::Column::SubjectId.eq(uuid(&w.pb_staff))
    );
    rows!(upload, upload::Column::Id.eq(uuid(&w.b_upload)));
    out
}

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
        ("worker-documents" | "uploads", "id") => (w.b_upload.clone(), true),
        // Platform-wide: refused to partners by permission whatever the id.
        ("staff", "id") => (w.pb_staff.clone(), false),
        ("alarms", "id") => (w.b_alarm.clone(), false),
        ("plans", "id") => (Uuid::now_v7().to_string(), false),
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
        ("POST", "/workers/{id}/credit/{event_id}/reverse") => json!({"reason": "走查"}),
        ("POST", "/workers/{id}/certificates") => {
            json!({"kind": "health", "upload_id": w.a_upload})
        }
        ("POST", "/workers/{id}/certificates/{certificate_id}/review") => {
            json!({"decision": "approve"})
        }
        ("POST", "/orders/{id}/assign") => json!({"worker_id": w.a_workers[0]}),
        ("POST", "/workers") => json!({
            "phone": "13812349901", "name": "走查师傅", "gender": "male",
            "home_lat": 31.2, "home_lng": 121.44, "years_experience": 1,
            "skills": [{"skill": "cleaning", "level": 1}], "partner_id": w.partner_b
        }),
        ("PUT", "/staff/{id}/partner") => json!({"partner_id": null}),
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

/// One admin operation of the document: method, path, the permissions it declares, its
/// query parameters (name, required).
struct Operation {
    method: Method,
    path: String,
    scopes: Vec<Permission>,
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
            let scopes = op["security"][0]["bearer"]
                .as_array()
                .expect("every admin operation declares its permissions")
                .iter()
                .map(|s| s.as_str().unwrap().parse().expect("a permission"))
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
        let r = app.call(op.method.clone(), &url, body, Some(&w.pa)).await;
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
        let permitted = op.scopes.iter().all(|p| Role::Partner.allows(*p));
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

        // A cannot give its order (offered to its first worker) to B's worker, who is
        // unknown to A...
        let order = &w.a_orders[0];
        let detail = app
            .get(&format!("/api/v1/admin/orders/{order}"), Some(&w.pa))
            .await;
        assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
        assert_eq!(detail.body["worker_id"], json!(w.a_workers[0]));
        assert_eq!(detail.body["state"], "pending_accept");
        let assign = format!("/api/v1/admin/orders/{order}/assign");
        let r = app
            .post(&assign, json!({"worker_id": w.b_workers[0]}), Some(&w.pa))
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
            .post(&theirs, json!({"worker_id": w.a_workers[1]}), Some(&w.pa))
            .await;
        common::assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
        // ...but gives it to its other worker.
        let r = app
            .post(&assign, json!({"worker_id": w.a_workers[1]}), Some(&w.pa))
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
