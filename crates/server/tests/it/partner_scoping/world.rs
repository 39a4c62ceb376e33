//! The world partner A walks: two partners with two workers each, orders offered and
//! assigned to each, B's certificate, credit event, day off, alarm, document and session,
//! and a snapshot of every row of B.

use crate::common::{Reply, TestApp};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, NaiveTime};
use daojia_domain::access::Role;
use daojia_store::entity::{
    auth_session, invoice, order_alarm, partner, review, service_order, sos_alert, staff, upload,
    visit_check_in, withdrawal, worker, worker_certificate, worker_credit_event, worker_shift,
    worker_shift_exception, worker_skill,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

/// Everything the walk needs: tokens, and the rows of A, of B and of nobody.
pub struct World {
    pub admin: String,
    pub pa: String,
    pub pb: String,
    pub partner_b: String,
    pub pb_staff: String,
    pub a_workers: Vec<String>,
    pub b_workers: Vec<String>,
    pub a_orders: Vec<String>,
    pub b_orders: Vec<String>,
    /// An order nobody was sent to: the platform's, not A's either.
    pub open_order: String,
    pub a_upload: String,
    pub b_upload: String,
    pub b_certificate: String,
    pub b_credit_event: String,
    pub b_exception: String,
    pub b_session: String,
    pub b_alarm: String,
    /// An SOS raised by B's worker on B's order.
    pub b_alert: String,
    /// A review of B's worker.
    pub b_review: String,
    /// A withdrawal B's worker asked for.
    pub b_withdrawal: String,
    /// An invoice asked for on B's order.
    pub b_invoice: String,
    pub area: String,
    pub date: String,
    /// Ids (matched anywhere) and other values (matched as JSON strings) of B and of the
    /// platform's open order.
    pub foreign_ids: Vec<String>,
    pub foreign_values: Vec<String>,
}

pub fn id(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("an id: {v}"))
        .to_string()
}

pub async fn send(app: &TestApp, m: Method, path: &str, body: Value, token: &str) -> Reply {
    let body = (m != Method::GET && m != Method::DELETE).then_some(body);
    app.call(m, path, body, Some(token)).await
}

pub async fn ok(app: &TestApp, m: Method, path: &str, body: Value, token: &str) -> Value {
    let r = send(app, m.clone(), path, body, token).await;
    assert!(r.status.is_success(), "{m} {path}: {} {}", r.status, r.text);
    r.body
}

pub async fn upload_document(app: &TestApp, token: &str) -> String {
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

pub async fn staff_id(app: &TestApp, token: &str) -> String {
    id(&app.get("/api/v1/admin/me", Some(token)).await.body["id"])
}

pub async fn build(app: &TestApp) -> World {
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
            let body = json!({"worker_id": w, "override_reason": "走查准备"});
            ok(app, Method::POST, &path, body, &admin).await;
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
    // A check-in outside the fence by B's worker on B's assigned order (the flagged list).
    let b_check_in = Uuid::now_v7();
    daojia_store::entity::visit_check_in::ActiveModel {
        id: sea_orm::ActiveValue::Set(b_check_in),
        order_id: sea_orm::ActiveValue::Set(b_orders[1].parse().unwrap()),
        worker_id: sea_orm::ActiveValue::Set(b_workers[1].parse().unwrap()),
        area_code: sea_orm::ActiveValue::Set(Some(area.clone())),
        at: sea_orm::ActiveValue::Set(app.state.now()),
        position_enc: sea_orm::ActiveValue::Set(
            app.state
                .store
                .vault()
                .encrypt(daojia_store::repo::visits::POSITION, "31.2,121.4"),
        ),
        accuracy_m: sea_orm::ActiveValue::Set(Some(15.0)),
        distance_m: sea_orm::ActiveValue::Set(900),
        radius_m: sea_orm::ActiveValue::Set(300),
        inside_radius: sea_orm::ActiveValue::Set(false),
        on_time: sea_orm::ActiveValue::Set(true),
        flagged: sea_orm::ActiveValue::Set(true),
        outside: sea_orm::ActiveValue::Set(r#"[{"kind":"too_far"}]"#.into()),
        reason: sea_orm::ActiveValue::Set(Some("乙方门外签到".into())),
        photo_upload_id: sea_orm::ActiveValue::Set(None),
        selfie_upload_id: sea_orm::ActiveValue::Set(None),
    }
    .insert(db)
    .await
    .unwrap();
    foreign_values.push("乙方门外签到".into());
    // An SOS raised by B's worker on B's assigned order (the safety alerts).
    let b_alert = daojia_store::repo::safety::raise(
        &app.state.store,
        &daojia_store::repo::safety::NewAlert {
            order_id: b_orders[1].parse().unwrap(),
            area_code: Some(area.clone()),
            worker_id: Some(b_workers[1].parse().unwrap()),
            raised_by_type: "worker",
            raised_by_id: b_workers[1].parse().unwrap(),
            position: Some(daojia_domain::geo::LatLng::new(31.2, 121.4)),
            accuracy_m: Some(10.0),
            position_source: "caller",
            position_at: Some(app.state.now()),
            note: Some("乙方紧急求助".into()),
            order_state: "en_route".into(),
        },
        app.state.now(),
    )
    .await
    .unwrap()
    .0
    .id
    .to_string();
    foreign_values.push("乙方紧急求助".into());
    // A review of B's worker on B's assigned order.
    let reviewed = daojia_store::repo::orders::get(db, b_orders[1].parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let b_review = Uuid::now_v7();
    daojia_store::repo::reviews::insert_many(
        db,
        &[(
            b_review,
            app.state.now(),
            daojia_store::repo::reviews::NewReview {
                order_id: reviewed.id,
                customer_id: reviewed.customer_id,
                worker_id: b_workers[1].parse().unwrap(),
                rating: 2,
                tags: vec!["late".into()],
                body: Some("乙方评价内容".into()),
            },
        )],
    )
    .await
    .unwrap();
    foreign_values.push("乙方评价内容".into());
    // A withdrawal of B's worker (the row only: the walk reads and decides it).
    let b_withdrawal = Uuid::now_v7();
    withdrawal::ActiveModel {
        id: sea_orm::ActiveValue::Set(b_withdrawal),
        withdrawal_no: sea_orm::ActiveValue::Set(format!("W{}", b_withdrawal.simple())),
        worker_id: sea_orm::ActiveValue::Set(b_workers[1].parse().unwrap()),
        partner_id: sea_orm::ActiveValue::Set(Some(partner_b.parse().unwrap())),
        amount_fen: sea_orm::ActiveValue::Set(5_000),
        fee_fen: sea_orm::ActiveValue::Set(0),
        state: sea_orm::ActiveValue::Set("requested".into()),
        channel: sea_orm::ActiveValue::Set("bank".into()),
        reference: sea_orm::ActiveValue::Set(None),
        reason: sea_orm::ActiveValue::Set(None),
        requested_at: sea_orm::ActiveValue::Set(app.state.now()),
        decided_by: sea_orm::ActiveValue::Set(None),
        decided_at: sea_orm::ActiveValue::Set(None),
        finished_at: sea_orm::ActiveValue::Set(None),
        updated_at: sea_orm::ActiveValue::Set(app.state.now()),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    // An invoice request on B's order (the row only: the walk reads and decides it).
    let invoiced = daojia_store::repo::orders::get(db, b_orders[1].parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    let b_invoice = daojia_store::repo::invoices::insert(
        &app.state.store,
        db,
        daojia_store::repo::invoices::NewInvoice {
            order_id: invoiced.id,
            customer_id: invoiced.customer_id,
            title_type: "company",
            title: "乙方发票抬头".into(),
            tax_id: Some("9144030071526726XG".into()),
            email: None,
            amount_fen: 5_000,
        },
        app.state.now(),
    )
    .await
    .unwrap()
    .unwrap()
    .id;
    foreign_values.push("乙方发票抬头".into());
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
        b_alert.clone(),
        b_check_in.to_string(),
        b_review.to_string(),
        b_withdrawal.to_string(),
        b_invoice.to_string(),
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
        b_alert,
        b_review: b_review.to_string(),
        b_withdrawal: b_withdrawal.to_string(),
        b_invoice: b_invoice.to_string(),
        area,
        date,
        foreign_ids,
        foreign_values,
    }
}

/// Every row of B (and the platform's open order), printed, to compare before and after.
pub async fn snapshot(app: &TestApp, w: &World) -> String {
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
    rows!(
        order_alarm,
        order_alarm::Column::OrderId.is_in(orders.clone())
    );
    rows!(
        visit_check_in,
        visit_check_in::Column::OrderId.is_in(orders.clone())
    );
    rows!(sos_alert, sos_alert::Column::OrderId.is_in(orders.clone()));
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
    rows!(review, review::Column::WorkerId.is_in(workers.clone()));
    rows!(worker_skill, worker_skill::Column::WorkerId.is_in(workers));
    rows!(partner, partner::Column::Id.eq(b_partner));
    rows!(staff, staff::Column::Id.eq(uuid(&w.pb_staff)));
    rows!(
        auth_session,
        auth_session::Column::SubjectId.eq(uuid(&w.pb_staff))
    );
    rows!(upload, upload::Column::Id.eq(uuid(&w.b_upload)));
    rows!(withdrawal, withdrawal::Column::PartnerId.eq(b_partner));
    rows!(invoice, invoice::Column::OrderId.is_in(orders));
    out
}
