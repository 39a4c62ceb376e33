//! Extreme values in every date, money and duration field a client sends, over HTTP on the
//! in-process app with the demo city loaded: `i64::MIN`/`MAX`, 0, -1, numbers past the
//! 64-bit range, dates at chrono's limits (years ±262143), dates just outside the business
//! range (2000–2100), and strings that are not numbers or dates at all. Nothing may answer
//! 5xx; a refusal is a problem document, and a 422 names the field. One backend (the
//! first of the run) is enough: what is checked here is arithmetic before the database.

use crate::common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, NaiveTime};
use common::{DemoCustomer, Reply, TestApp, backends};
use daojia_domain::access::Role;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Where a value goes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A calendar date (`YYYY-MM-DD`).
    Date,
    /// An instant (RFC 3339).
    Instant,
    /// Money in 分, a duration, a count or a percentage.
    Number,
}

/// Builds a request with a value in place.
type Maker = Box<dyn Fn(&Value) -> Request<Body>>;

/// One field of one operation: `make` builds the request with the value in place.
struct Target {
    name: &'static str,
    field: &'static str,
    kind: Kind,
    make: Maker,
}

fn json_req(method: Method, path: &str, token: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", uuid::Uuid::now_v7().to_string())
        .body(Body::from(body.to_string()))
        .unwrap()
}

fn query_req(path: &str, token: &str, field: &str, v: &Value) -> Request<Body> {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(field, &text)
        .finish();
    let sep = if path.contains('?') { '&' } else { '?' };
    Request::builder()
        .uri(format!("{path}{sep}{q}"))
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap()
}

/// Puts `v` at the dotted `path` of `body` (`policy.free_cancel_minutes`, `options.0.x`).
fn with(mut body: Value, path: &str, v: &Value) -> Value {
    let mut at = &mut body;
    let parts: Vec<&str> = path.split('.').collect();
    for p in &parts[..parts.len() - 1] {
        at = match p.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*p],
        };
    }
    at[parts[parts.len() - 1]] = v.clone();
    body
}

fn numbers() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(i64::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(u64::MAX)),
        Just(json!(i32::MIN)),
        Just(json!(i32::MAX)),
        Just(json!(u32::MAX)),
        Just(json!(0)),
        Just(json!(-1)),
        Just(json!(1)),
        Just(json!(1e300)),
        Just(json!(-0.5)),
        Just(json!("NaN")),
        Just(json!("-inf")),
        Just(json!("99999999999999999999999")),
        any::<i64>().prop_map(|n| json!(n)),
        any::<i32>().prop_map(|n| json!(n)),
    ]
}

fn dates() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just("-262143-01-01".to_string()),
        Just("+262142-12-31".to_string()),
        Just("262143-12-31".to_string()),
        Just("0000-01-01".to_string()),
        Just("9999-12-31".to_string()),
        Just("1999-12-31".to_string()),
        Just("2101-01-01".to_string()),
        Just("2100-12-31".to_string()),
        Just("2000-01-01".to_string()),
        Just("2026-02-30".to_string()),
        Just("NaN".to_string()),
        Just(String::new()),
        (-300_000i32..300_000, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| format!("{y:+05}-{m:02}-{d:02}")),
    ]
    .prop_map(Value::String)
}

fn instants() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just("+262142-12-31T23:30:00Z".to_string()),
        Just("-262143-01-01T00:00:00Z".to_string()),
        Just("9999-12-31T23:59:59.999999999-23:59".to_string()),
        Just("0000-01-01T00:00:00+23:59".to_string()),
        Just("1970-01-01T00:00:00Z".to_string()),
        Just("1999-12-31T23:30:00Z".to_string()),
        Just("2100-12-31T23:30:00Z".to_string()),
        Just("2100-12-31T20:00:00-14:00".to_string()),
        Just("2000-01-01T00:00:00+14:00".to_string()),
        Just("NaN".to_string()),
        Just(String::new()),
        (0i64..10_000, 0u32..48).prop_map(|(y, h)| format!(
            "{y:04}-06-01T{:02}:{:02}:00Z",
            h / 2,
            (h % 2) * 30
        )),
    ]
    .prop_map(Value::String)
}

/// The year a date or instant string starts with (`+262142-12-31` is 262142), if any.
fn year_of(s: &str) -> Option<i64> {
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1, &s[1..]),
        Some(b'-') => (-1, &s[1..]),
        _ => (1, s),
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 || !rest[digits..].starts_with('-') {
        return None;
    }
    rest[..digits].parse::<i64>().ok().map(|y| sign * y)
}

/// True when a date or instant value is surely outside the business range or not one at
/// all: the server must refuse it, naming the field.
fn surely_refused(kind: Kind, v: &Value) -> bool {
    if kind == Kind::Number {
        return false;
    }
    match v.as_str().and_then(year_of) {
        // An instant late in 2100 with an offset may fall in 2101 UTC, one early in 2000
        // in 1999: those may be refused, but need not be.
        Some(y) => !(1999..=2101).contains(&y),
        None => true,
    }
}

#[test]
fn extreme_dates_money_and_durations_never_make_the_server_fail() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (app, targets) = rt.block_on(setup());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 400,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let n = targets.len();
    let strategy = (0..n, numbers(), dates(), instants());
    runner
        .run(&strategy, |(i, num, date, instant)| {
            let t = &targets[i];
            let v = match t.kind {
                Kind::Number => num,
                Kind::Date => date,
                Kind::Instant => instant,
            };
            let r: Reply = rt.block_on(app.send((t.make)(&v)));
            prop_assert!(
                !r.status.is_server_error(),
                "{} {}={v}: {} {}",
                t.name,
                t.field,
                r.status,
                r.text
            );
            if !r.status.is_success() {
                prop_assert!(
                    r.content_type().starts_with("application/problem+json"),
                    "{} {}={v}: {}",
                    t.name,
                    t.field,
                    r.text
                );
            }
            let named = r.body["errors"].as_array().is_some_and(|es| {
                es.iter()
                    .any(|e| e["field"].as_str().is_some_and(|f| f.ends_with(t.field)))
            });
            if surely_refused(t.kind, &v) {
                prop_assert!(
                    r.status == StatusCode::UNPROCESSABLE_ENTITY && named,
                    "{} {}={v} must be refused by name: {} {}",
                    t.name,
                    t.field,
                    r.status,
                    r.text
                );
            }
            Ok(())
        })
        .unwrap();
}

/// The staff request for `GET /api/v1/admin/orders?date=-262143-01-01` answered 500.
#[tokio::test]
async fn a_date_at_the_edge_of_the_calendar_is_a_field_error() {
    let app = TestApp::new(backends()[0]).await;
    let token = app.staff_token("root", Role::SuperAdmin).await;
    for d in [
        "-262143-01-01",
        "%2B262142-12-31",
        "1999-12-31",
        "2101-01-01",
    ] {
        let r = app
            .get(&format!("/api/v1/admin/orders?date={d}"), Some(&token))
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{d}: {}",
            r.text
        );
        assert_eq!(r.body["errors"][0]["field"], "date");
        assert_eq!(r.body["errors"][0]["code"], "out_of_range");
    }
    let r = app
        .get("/api/v1/admin/orders?date=2100-12-31", Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .get(
            "/api/v1/admin/audit-log?since=9999-12-31T23:59:59Z",
            Some(&token),
        )
        .await;
    assert_eq!(r.body["errors"][0]["field"], "since", "{}", r.text);
    assert_eq!(r.body["errors"][0]["code"], "out_of_range");
}

async fn setup() -> (TestApp, Vec<Target>) {
    let app = TestApp::new(backends()[0]).await;
    let DemoCustomer {
        token: customer,
        address,
        ..
    } = app.demo_customer(5).await;
    let admin = app.staff_token("root", Role::SuperAdmin).await;

    // An order of the customer's own, to reschedule and to see slots for.
    let date = (app.state.now() + Duration::hours(8)).date_naive() + Duration::days(2);
    let start = (date
        .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8))
    .to_rfc3339();
    let placed = app
        .send(json_req(
            Method::POST,
            "/api/v1/customer/orders",
            &customer,
            json!({"items": [{"item": "daily_cleaning"}], "address_id": address, "window_start": start}),
        ))
        .await;
    assert_eq!(placed.status, StatusCode::CREATED, "{}", placed.text);
    let order = placed.body["id"].as_str().unwrap().to_string();

    let item = app
        .get("/api/v1/admin/catalog/items/daily_cleaning", Some(&admin))
        .await;
    assert_eq!(item.status, StatusCode::OK, "{}", item.text);
    let mut item_body = item.body.clone();
    for k in ["code", "created_at", "updated_at"] {
        item_body.as_object_mut().unwrap().remove(k);
    }
    item_body["policy"] = json!({
        "free_cancel_minutes": 120, "late_cancel_fee_percent": 20, "late_cancel_fee_cap": 5_000,
        "reschedule_minutes": 120, "max_reschedules": 2, "after_sales_days": 7,
        "confirm_hours": 24, "unpaid_minutes": 30
    });
    item_body["options"] = json!([{"code": "size", "name": "面积", "name_en": "Size",
        "choices": [{"code": "s", "name": "小", "name_en": "S", "price_delta_fen": 0, "duration_delta_min": 0}]}]);
    let areas = app.get("/api/v1/admin/catalog/areas", Some(&admin)).await;
    let area_code = areas.body[0]["code"]
        .as_str()
        .or_else(|| areas.body["items"][0]["code"].as_str())
        .unwrap_or_else(|| panic!("{}", areas.text))
        .to_string();
    let area = app
        .get(
            &format!("/api/v1/admin/catalog/areas/{area_code}"),
            Some(&admin),
        )
        .await;
    let mut area_body = area.body.clone();
    for k in ["code", "price_overrides", "created_at", "updated_at"] {
        area_body.as_object_mut().unwrap().remove(k);
    }
    area_body["policy"] = item_body["policy"].clone();

    let mut targets: Vec<Target> = vec![];
    let mut body = |name: &'static str,
                    method: Method,
                    path: String,
                    token: &str,
                    base: Value,
                    field: &'static str,
                    kind: Kind| {
        let token = token.to_string();
        targets.push(Target {
            name,
            field: field.rsplit('.').next().unwrap(),
            kind,
            make: Box::new(move |v| {
                json_req(method.clone(), &path, &token, with(base.clone(), field, v))
            }),
        });
    };
    use Kind::*;
    let place = json!({"items": [{"item": "daily_cleaning"}], "address_id": address, "window_start": start});
    body(
        "place order",
        Method::POST,
        "/api/v1/customer/orders".into(),
        &customer,
        place.clone(),
        "window_start",
        Instant,
    );
    body(
        "place order",
        Method::POST,
        "/api/v1/customer/orders".into(),
        &customer,
        place,
        "items.0.quantity",
        Number,
    );
    let resched = format!("/api/v1/customer/orders/{order}/reschedule");
    body(
        "customer reschedule",
        Method::POST,
        resched,
        &customer,
        json!({"window_start": start}),
        "window_start",
        Instant,
    );
    let slots = json!({"items": [{"item": "daily_cleaning"}], "address_id": address});
    body(
        "slots",
        Method::POST,
        "/api/v1/customer/slots".into(),
        &customer,
        slots.clone(),
        "from",
        Date,
    );
    body(
        "slots",
        Method::POST,
        "/api/v1/customer/slots".into(),
        &customer,
        slots,
        "days",
        Number,
    );
    let quote = json!({"item": "daily_cleaning", "area_code": area_code});
    body(
        "quote",
        Method::POST,
        "/api/v1/public/quote".into(),
        &customer,
        quote,
        "quantity",
        Number,
    );
    let staff_resched = format!("/api/v1/admin/orders/{order}/reschedule");
    body(
        "staff reschedule",
        Method::POST,
        staff_resched,
        &admin,
        json!({"window_start": start, "force": true}),
        "window_start",
        Instant,
    );
    let after_sales = format!("/api/v1/admin/orders/{order}/after-sales");
    body(
        "after-sales refund",
        Method::POST,
        after_sales.clone(),
        &admin,
        json!({"decision": "refund", "amount_fen": 1, "note": "n"}),
        "amount_fen",
        Number,
    );
    body(
        "after-sales rework",
        Method::POST,
        after_sales,
        &admin,
        json!({"decision": "rework", "window_start": start, "note": "n"}),
        "window_start",
        Instant,
    );
    let payments = format!("/api/v1/admin/orders/{order}/payments");
    body(
        "offline payment",
        Method::POST,
        payments,
        &admin,
        json!({"amount_fen": 1, "method": "cash", "reference": "R"}),
        "amount_fen",
        Number,
    );
    let plan = json!({"area": area_code, "date": "2026-12-01", "seconds": 0});
    body(
        "plan",
        Method::POST,
        "/api/v1/admin/plans".into(),
        &admin,
        plan.clone(),
        "date",
        Date,
    );
    body(
        "plan",
        Method::POST,
        "/api/v1/admin/plans".into(),
        &admin,
        plan,
        "seconds",
        Number,
    );
    let item_path = "/api/v1/admin/catalog/items/daily_cleaning".to_string();
    for f in [
        "base_price_fen",
        "base_duration_min",
        "buffer_min",
        "deposit_fen",
        "sort",
        "options.0.choices.0.price_delta_fen",
        "options.0.choices.0.duration_delta_min",
        "policy.free_cancel_minutes",
        "policy.late_cancel_fee_percent",
        "policy.late_cancel_fee_cap",
        "policy.reschedule_minutes",
        "policy.max_reschedules",
        "policy.after_sales_days",
        "policy.confirm_hours",
        "policy.unpaid_minutes",
    ] {
        body(
            "item",
            Method::PUT,
            item_path.clone(),
            &admin,
            item_body.clone(),
            f,
            Number,
        );
    }
    body(
        "item",
        Method::PUT,
        item_path,
        &admin,
        item_body,
        "updated_at",
        Instant,
    );
    let area_path = format!("/api/v1/admin/catalog/areas/{area_code}");
    for f in [
        "open_minute",
        "close_minute",
        "lead_minutes",
        "horizon_days",
        "window_minutes",
        "policy.free_cancel_minutes",
        "policy.late_cancel_fee_cap",
        "policy.unpaid_minutes",
    ] {
        body(
            "area",
            Method::PUT,
            area_path.clone(),
            &admin,
            area_body.clone(),
            f,
            Number,
        );
    }
    body(
        "area",
        Method::PUT,
        area_path,
        &admin,
        area_body,
        "updated_at",
        Instant,
    );
    let price = format!("/api/v1/admin/catalog/areas/{area_code}/prices/daily_cleaning");
    let p = json!({"base_price_fen": 10_000, "markup_percent": 0});
    body(
        "area price",
        Method::PUT,
        price.clone(),
        &admin,
        p.clone(),
        "base_price_fen",
        Number,
    );
    body(
        "area price",
        Method::PUT,
        price,
        &admin,
        p,
        "markup_percent",
        Number,
    );

    let mut query =
        |name: &'static str, path: String, token: &str, field: &'static str, kind: Kind| {
            let token = token.to_string();
            targets.push(Target {
                name,
                field,
                kind,
                make: Box::new(move |v| query_req(&path, &token, field, v)),
            });
        };
    query(
        "admin orders",
        "/api/v1/admin/orders".into(),
        &admin,
        "date",
        Date,
    );
    query(
        "admin orders",
        "/api/v1/admin/orders".into(),
        &admin,
        "limit",
        Number,
    );
    query(
        "audit log",
        "/api/v1/admin/audit-log".into(),
        &admin,
        "since",
        Instant,
    );
    query(
        "audit log",
        "/api/v1/admin/audit-log".into(),
        &admin,
        "until",
        Instant,
    );
    for f in ["min_price_fen", "max_price_fen", "max_duration_min"] {
        query(
            "search",
            "/api/v1/public/catalog/search?q=bj".into(),
            &customer,
            f,
            Number,
        );
    }
    let my_slots = format!("/api/v1/customer/orders/{order}/slots");
    query("order slots", my_slots.clone(), &customer, "from", Date);
    query("order slots", my_slots, &customer, "days", Number);
    let staff_slots = format!("/api/v1/admin/orders/{order}/slots");
    query(
        "staff order slots",
        staff_slots.clone(),
        &admin,
        "from",
        Date,
    );
    query("staff order slots", staff_slots, &admin, "days", Number);
    (app, targets)
}
