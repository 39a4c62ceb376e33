//! The realtime endpoint on a real socket: WebSocket clients subscribe, receive order
//! changes, are refused topics they may not see; two nodes on one Redis act as one; the SSE
//! fallback streams the same messages.

use crate::common;

use chrono::{Duration, Utc};
use common::sse::Sse;
use common::{TestApp, test_config};
use daojia_domain::access::Role;
use daojia_server::realtime::publish_order_changed;
use daojia_shared::testing::TestRedis;
use daojia_store::entity::service_order;
use daojia_store::testing::Backend;
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ActiveModelTrait, IntoActiveModel};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration as StdDuration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use uuid::Uuid;

const WAIT: StdDuration = StdDuration::from_secs(5);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Serves `state` on a random local port.
async fn serve(state: daojia_server::state::AppState) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = daojia_server::app(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// Opens a WebSocket with the token in the query (as a browser would).
async fn connect(addr: SocketAddr, token: &str) -> Ws {
    let url = format!("ws://{addr}/api/v1/realtime?token={token}");
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    ws
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::Text(v.to_string().into())).await.unwrap();
}

/// The next text message, as JSON.
async fn recv(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("a message in time")
            .expect("the socket is open")
            .expect("a frame");
        match m {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame {other:?}"),
        }
    }
}

async fn subscribe(ws: &mut Ws, topic: &str) -> Value {
    send(ws, json!({"op": "subscribe", "topic": topic})).await;
    recv(ws).await
}

/// An order row of `customer`, in the demo's Xuhui area, assigned to `worker`.
fn order(customer: Uuid, worker: Option<Uuid>) -> service_order::Model {
    let now = Utc::now();
    service_order::Model {
        id: Uuid::now_v7(),
        order_no: format!("T{}", now.timestamp_micros()),
        customer_id: customer,
        state: "assigned".into(),
        worker_id: worker,
        area_code: Some("sh-xuhui".into()),
        address_id: None,
        contact_name_enc: String::new(),
        contact_phone_enc: String::new(),
        address_enc: String::new(),
        house_number_enc: String::new(),
        lat: 31.123_456,
        lng: 121.456_789,
        window_start: now + Duration::days(1),
        window_end: now + Duration::days(1) + Duration::hours(2),
        payment_mode: "online".into(),
        deposit_fen: 0,
        total_fen: 10_000,
        paid_fen: 0,
        refunded_fen: 0,
        fee_fen: 0,
        policy: "{}".into(),
        customer_reschedules: 0,
        notes_enc: String::new(),
        completed_at: None,
        duration_min: 120,
        skills: None,
        rework_of: None,
        bundle_id: None,
        version: 3,
        created_at: now,
        updated_at: now,
    }
}

/// The demo city, a dispatcher, a customer and a worker with their tokens and ids.
struct World {
    app: TestApp,
    dispatcher: String,
    customer: String,
    customer_id: Uuid,
    worker: String,
    worker_id: Uuid,
}

async fn world(app: TestApp) -> World {
    let loaded = daojia_server::demo::load(&app.state.store, 5)
        .await
        .unwrap();
    let dispatcher = app.staff_token("rt-dispatch", Role::Dispatcher).await;
    let customer = app
        .otp_login(&loaded.sample_customer_phone, "customer")
        .await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = app.get("/api/v1/customer/me", Some(&customer)).await;
    let customer_id = me.body["id"].as_str().unwrap().parse().unwrap();
    let worker = app.otp_login(&loaded.sample_worker_phone, "worker").await["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let me = app.get("/api/v1/worker/me", Some(&worker)).await;
    let worker_id = me.body["id"].as_str().unwrap().parse().unwrap();
    World {
        app,
        dispatcher,
        customer,
        customer_id,
        worker,
        worker_id,
    }
}

#[tokio::test]
async fn an_order_change_reaches_the_board_the_order_and_the_worker_subscribers() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let row = order(w.customer_id, Some(w.worker_id));
    row.clone()
        .into_active_model()
        .insert(w.app.state.store.db())
        .await
        .unwrap();
    let addr = serve(w.app.state.clone()).await;

    let mut board = connect(addr, &w.dispatcher).await;
    let got = subscribe(&mut board, "board:sh-xuhui").await;
    assert_eq!(
        got,
        json!({"type": "subscribed", "topic": "board:sh-xuhui"})
    );
    let mut mine = connect(addr, &w.customer).await;
    let topic = format!("order:{}", row.id);
    assert_eq!(subscribe(&mut mine, &topic).await["type"], "subscribed");
    let mut worker = connect(addr, &w.worker).await;
    let worker_topic = format!("worker:{}", w.worker_id);
    assert_eq!(
        subscribe(&mut worker, &worker_topic).await["type"],
        "subscribed"
    );
    // Assigned to them, the worker may follow the order too.
    assert_eq!(subscribe(&mut worker, &topic).await["type"], "subscribed");

    publish_order_changed(w.app.state.shared.hub(), &row)
        .await
        .unwrap();

    let on_board = recv(&mut board).await;
    assert_eq!(on_board["type"], "event");
    assert_eq!(on_board["topic"], "board:sh-xuhui");
    assert_eq!(on_board["event"], "order.changed");
    assert_eq!(on_board["id"], format!("{}:3", row.id));
    assert_eq!(on_board["data"]["state"], "assigned");
    assert_eq!(on_board["data"]["worker_id"], w.worker_id.to_string());
    // Coordinates are coarse; no contact details travel.
    assert_eq!(on_board["data"]["lat"], 31.12);
    assert!(on_board["data"].get("address").is_none());
    let on_order = recv(&mut mine).await;
    assert_eq!(on_order["topic"], topic);
    assert_eq!(on_order["data"], on_board["data"]);
    let mut worker_topics = vec![
        recv(&mut worker).await["topic"]
            .as_str()
            .unwrap()
            .to_string(),
        recv(&mut worker).await["topic"]
            .as_str()
            .unwrap()
            .to_string(),
    ];
    worker_topics.sort();
    let mut expected = vec![topic.clone(), worker_topic.clone()];
    expected.sort();
    assert_eq!(worker_topics, expected);

    // Ping, unsubscribe: nothing more arrives on that topic.
    send(&mut mine, json!({"op": "ping"})).await;
    assert_eq!(recv(&mut mine).await, json!({"type": "pong"}));
    send(&mut mine, json!({"op": "unsubscribe", "topic": topic})).await;
    assert_eq!(recv(&mut mine).await["type"], "unsubscribed");
    publish_order_changed(w.app.state.shared.hub(), &row)
        .await
        .unwrap();
    assert_eq!(recv(&mut board).await["id"], format!("{}:3", row.id));
    let nothing = tokio::time::timeout(StdDuration::from_millis(300), mine.next()).await;
    assert!(nothing.is_err(), "after unsubscribing: {nothing:?}");
}

#[tokio::test]
async fn topics_are_refused_with_a_stable_code_to_those_who_may_not_see_them() {
    for b in common::backends() {
        refusals_on(b).await;
    }
}

async fn refusals_on(backend: Backend) {
    let w = world(TestApp::new(backend).await).await;
    let someone_elses = order(w.customer_id, None);
    someone_elses
        .clone()
        .into_active_model()
        .insert(w.app.state.store.db())
        .await
        .unwrap();
    let finance = w.app.staff_token("rt-finance", Role::Finance).await;
    let addr = serve(w.app.state.clone()).await;

    let mut customer = connect(addr, &w.customer).await;
    let r = subscribe(&mut customer, "board:sh-xuhui").await;
    assert_eq!(
        (r["type"].as_str(), r["code"].as_str()),
        (Some("error"), Some("forbidden_topic"))
    );
    let r = subscribe(&mut customer, &format!("worker:{}", w.worker_id)).await;
    assert_eq!(r["code"], "forbidden_topic");
    // An order that does not exist looks like one of somebody else's.
    let r = subscribe(&mut customer, &format!("order:{}", Uuid::now_v7())).await;
    assert_eq!(r["code"], "forbidden_topic");
    let r = subscribe(&mut customer, "plan:1").await;
    assert_eq!(r["code"], "unknown_topic");
    send(&mut customer, json!({"op": "dance"})).await;
    assert_eq!(recv(&mut customer).await["code"], "bad_message");
    customer
        .send(Message::Text("not json".into()))
        .await
        .unwrap();
    assert_eq!(recv(&mut customer).await["code"], "bad_message");

    // The worker is not assigned to this order.
    let mut worker = connect(addr, &w.worker).await;
    let r = subscribe(&mut worker, &format!("order:{}", someone_elses.id)).await;
    assert_eq!(r["code"], "forbidden_topic");
    let r = subscribe(&mut worker, &format!("worker:{}", Uuid::now_v7())).await;
    assert_eq!(r["code"], "forbidden_topic");

    // Finance reads orders but does not dispatch.
    let mut fin = connect(addr, &finance).await;
    let r = subscribe(&mut fin, &format!("order:{}", someone_elses.id)).await;
    assert_eq!(r["type"], "subscribed");
    let r = subscribe(&mut fin, "board:sh-xuhui").await;
    assert_eq!(r["code"], "forbidden_topic");
    let r = subscribe(&mut fin, &format!("worker:{}", w.worker_id)).await;
    assert_eq!(r["code"], "forbidden_topic");

    // A dispatcher is told when an area does not exist.
    let mut board = connect(addr, &w.dispatcher).await;
    let r = subscribe(&mut board, "board:atlantis").await;
    assert_eq!(r["code"], "unknown_topic");
}

#[tokio::test]
async fn a_connection_holds_a_bounded_number_of_subscriptions() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let addr = serve(w.app.state.clone()).await;
    let mut ws = connect(addr, &w.customer).await;
    let max = daojia_server::realtime::MAX_SUBSCRIPTIONS;
    for _ in 0..max {
        let row = order(w.customer_id, None);
        row.clone()
            .into_active_model()
            .insert(w.app.state.store.db())
            .await
            .unwrap();
        let r = subscribe(&mut ws, &format!("order:{}", row.id)).await;
        assert_eq!(r["type"], "subscribed", "{r}");
    }
    let row = order(w.customer_id, None);
    row.clone()
        .into_active_model()
        .insert(w.app.state.store.db())
        .await
        .unwrap();
    let r = subscribe(&mut ws, &format!("order:{}", row.id)).await;
    assert_eq!(r["code"], "too_many_subscriptions");
}

#[tokio::test]
async fn without_a_valid_token_the_upgrade_is_refused() {
    let app = TestApp::new(Backend::Sqlite).await;
    let addr = serve(app.state.clone()).await;
    for url in [
        format!("ws://{addr}/api/v1/realtime"),
        format!("ws://{addr}/api/v1/realtime?token=v1.forged.token"),
    ] {
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                assert_eq!(res.status(), 401)
            }
            other => panic!("expected a 401, got {other:?}"),
        }
    }
    // A plain GET is told to upgrade.
    let staff = app.staff_token("rt-plain", Role::Dispatcher).await;
    let r = app.get("/api/v1/realtime", Some(&staff)).await;
    common::assert_problem(
        &r,
        axum::http::StatusCode::UPGRADE_REQUIRED,
        "upgrade_required",
    );
}

#[tokio::test]
async fn the_authorization_header_works_as_well_as_the_query() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let addr = serve(w.app.state.clone()).await;
    let mut req = format!("ws://{addr}/api/v1/realtime")
        .into_client_request()
        .unwrap();
    req.headers_mut().insert(
        "authorization",
        format!("Bearer {}", w.dispatcher).parse().unwrap(),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        subscribe(&mut ws, "board:sh-xuhui").await["type"],
        "subscribed"
    );
}

#[tokio::test]
async fn closing_the_hub_closes_connections_as_going_away() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let addr = serve(w.app.state.clone()).await;
    let mut ws = connect(addr, &w.dispatcher).await;
    assert_eq!(
        subscribe(&mut ws, "board:sh-xuhui").await["type"],
        "subscribed"
    );
    w.app.state.shared.hub().close();
    let frame = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
    match frame {
        Some(Ok(Message::Close(Some(f)))) => {
            assert_eq!(u16::from(f.code), 1001);
            assert_eq!(f.reason.as_str(), "server_shutdown");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn two_nodes_on_one_redis_deliver_to_each_other_over_websocket_and_sse() {
    let redis = TestRedis::new();
    let mut cfg = test_config();
    cfg.redis.url = Some(redis.url.clone());
    cfg.redis.prefix = redis.prefix.clone();
    let w = world(TestApp::with_config(Backend::Sqlite, cfg.clone()).await).await;
    // A second node: its own state over the same database and Redis.
    let shared = daojia_server::connect_shared(&cfg).await.unwrap();
    let b = daojia_server::build(
        cfg,
        w.app.db.store.clone(),
        daojia_server::BuildOptions {
            shared: Some(shared),
            clock: std::sync::Arc::new(Utc::now),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(b.shared.hub().is_connected());
    let a_addr = serve(w.app.state.clone()).await;
    let b_addr = serve(b.clone()).await;

    let mut on_b = connect(b_addr, &w.dispatcher).await;
    assert_eq!(
        subscribe(&mut on_b, "board:sh-xuhui").await["type"],
        "subscribed"
    );
    let row = order(w.customer_id, Some(w.worker_id));
    row.clone()
        .into_active_model()
        .insert(w.app.state.store.db())
        .await
        .unwrap();
    let (status, mut sse) = Sse::open(
        b_addr,
        &format!(
            "topic=order:{},board:sh-xuhui&token={}",
            row.id, w.dispatcher
        ),
    )
    .await;
    assert_eq!(status, 200);
    let mut subscribed = [sse.next().await, sse.next().await];
    subscribed.sort_by_key(|(_, d)| d["topic"].to_string());
    assert_eq!(subscribed[0].0, "subscribed");
    assert_eq!(subscribed[0].1["topic"], "board:sh-xuhui");
    assert_eq!(subscribed[1].1["topic"], format!("order:{}", row.id));

    // Published on node A (as the outbox consumer there would), received on node B.
    publish_order_changed(w.app.state.shared.hub(), &row)
        .await
        .unwrap();
    let got = recv(&mut on_b).await;
    assert_eq!(got["event"], "order.changed");
    assert_eq!(got["data"]["id"], row.id.to_string());
    let mut events = [sse.next().await, sse.next().await];
    events.sort_by_key(|(_, d)| d["topic"].to_string());
    assert_eq!(events[0].0, "order.changed");
    assert_eq!(events[0].1, got);
    assert_eq!(events[1].1["topic"], format!("order:{}", row.id));

    // A node's own subscribers hear it too, once.
    let mut on_a = connect(a_addr, &w.dispatcher).await;
    assert_eq!(
        subscribe(&mut on_a, "board:sh-xuhui").await["type"],
        "subscribed"
    );
    publish_order_changed(b.shared.hub(), &row).await.unwrap();
    assert_eq!(recv(&mut on_a).await["id"], got["id"]);
    send(&mut on_a, json!({"op": "ping"})).await;
    assert_eq!(recv(&mut on_a).await["type"], "pong");
}

#[tokio::test]
async fn the_sse_fallback_refuses_what_the_websocket_refuses() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let addr = serve(w.app.state.clone()).await;
    let (status, _) = Sse::open(addr, "topic=board:sh-xuhui").await;
    assert_eq!(status, 401);
    let (status, _) = Sse::open(addr, &format!("topic=board:sh-xuhui&token={}", w.customer)).await;
    assert_eq!(status, 403);
    let (status, _) = Sse::open(addr, &format!("topic=plan:1&token={}", w.dispatcher)).await;
    assert_eq!(status, 400);
    let (status, _) = Sse::open(addr, &format!("token={}", w.dispatcher)).await;
    assert_eq!(status, 400);
    let r = w
        .app
        .get(
            "/api/v1/realtime/sse?topic=board:sh-xuhui",
            Some(&w.customer),
        )
        .await;
    common::assert_problem(&r, axum::http::StatusCode::FORBIDDEN, "forbidden_topic");
}

#[tokio::test]
async fn a_connection_is_closed_when_its_access_token_expires() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let addr = serve(w.app.state.clone()).await;
    // The dispatcher's token was issued before two customer/worker log-ins moved the clock
    // on by 61 s each: leave it three seconds on the server's clock.
    let ttl = w.app.state.config.auth.access_ttl_secs;
    w.app.advance(Duration::seconds(ttl - 122 - 3));
    let mut ws = connect(addr, &w.dispatcher).await;
    assert_eq!(
        subscribe(&mut ws, "board:sh-xuhui").await["type"],
        "subscribed"
    );
    let frame = tokio::time::timeout(WAIT, ws.next()).await.unwrap();
    match frame {
        Some(Ok(Message::Close(Some(f)))) => {
            assert_eq!(u16::from(f.code), 4001);
            assert_eq!(f.reason.as_str(), "token_expired");
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn a_client_that_falls_behind_is_told_how_many_messages_it_missed() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let addr = serve(w.app.state.clone()).await;
    let mut ws = connect(addr, &w.dispatcher).await;
    assert_eq!(
        subscribe(&mut ws, "board:sh-xuhui").await["type"],
        "subscribed"
    );
    // This test's runtime has one thread and the loop never yields, so the connection's
    // forwarder cannot read while it runs: the topic's buffer overflows.
    let hub = w.app.state.shared.hub();
    let extra = 44;
    for i in 0..daojia_shared::pubsub::TOPIC_CAPACITY + extra {
        let mut row = order(w.customer_id, None);
        row.version = i32::try_from(i).unwrap();
        publish_order_changed(hub, &row).await.unwrap();
    }
    let first = recv(&mut ws).await;
    assert_eq!(
        first,
        json!({"type": "missed", "topic": "board:sh-xuhui", "reason": "lagged", "count": extra})
    );
    // Then the newest messages the buffer kept, oldest first.
    let next = recv(&mut ws).await;
    assert_eq!(next["type"], "event");
    assert_eq!(next["data"]["version"], extra);
}

#[tokio::test]
async fn an_order_placed_through_the_api_reaches_the_board_through_the_outbox_relay() {
    let w = world(TestApp::new(Backend::Sqlite).await).await;
    let relay = daojia_server::relay(&w.app.state);
    relay.register(w.app.state.now()).await.unwrap();
    let addr = serve(w.app.state.clone()).await;
    let address = daojia_store::repo::accounts::addresses(w.app.state.store.db(), w.customer_id)
        .await
        .unwrap()[0]
        .clone();
    let area = daojia_app::orders::area::area_at(
        &w.app.state.app,
        daojia_domain::geo::LatLng::new(address.lat, address.lng),
    )
    .await
    .unwrap()
    .expect("the sample address is in an area");
    let board_topic = format!("board:{}", area.code);
    let mut board = connect(addr, &w.dispatcher).await;
    assert_eq!(
        subscribe(&mut board, &board_topic).await["type"],
        "subscribed"
    );

    let date = (w.app.state.now() + Duration::hours(8)).date_naive() + Duration::days(1);
    let start = date
        .and_time(chrono::NaiveTime::from_hms_opt(14, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(8);
    let body = json!({"items": [{"item": "daily_cleaning"}], "address_id": address.id, "window_start": start.to_rfc3339()});
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/api/v1/customer/orders")
        .header("authorization", format!("Bearer {}", w.customer))
        .header("content-type", "application/json")
        .header("idempotency-key", "rt-1")
        .body(axum::body::Body::from(body.to_string()))
        .unwrap();
    let placed = w.app.send(req).await;
    assert_eq!(
        placed.status,
        axum::http::StatusCode::CREATED,
        "{}",
        placed.text
    );
    let id = placed.body["id"].as_str().unwrap().to_string();

    // Nothing reaches the board until the relay hands the committed event over.
    let early = tokio::time::timeout(StdDuration::from_millis(200), board.next()).await;
    assert!(early.is_err(), "before the relay: {early:?}");
    assert!(relay.tick(w.app.state.now()).await.unwrap() >= 1);
    let got = recv(&mut board).await;
    assert_eq!(got["type"], "event");
    assert_eq!(got["topic"], board_topic);
    assert_eq!(got["event"], "order.changed");
    assert_eq!(got["data"]["id"], id);
}
