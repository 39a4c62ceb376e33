//! Worker management over HTTP on every database: onboarding with document review and
//! activation, skills, the encrypted ID number, shifts and calendars, presence from the
//! worker app, credit and its reversal, performance, certificates deciding dispatchable
//! skills, and partner scoping of every worker endpoint.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{Duration, NaiveDate, Utc};
use common::{Reply, TestApp, assert_problem, backends};
use daojia_domain::access::Role;
use daojia_store::entity::{audit_log, worker};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

/// A valid resident ID number (its check character matches).
const ID_NUMBER: &str = "11010519491231002X";

/// A tiny PNG.
fn png() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/gps.png"
    ))
    .unwrap()
}

async fn upload(app: &TestApp, path: &str, token: &str, purpose: &str) -> Reply {
    let boundary = "daojia-worker-boundary";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\n{purpose}\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.png\"\r\nContent-Type: image/png\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(&png());
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

fn new_worker(phone: &str) -> Value {
    json!({
        "phone": phone, "name": "周师傅", "gender": "male", "id_number": ID_NUMBER,
        "home_lat": 31.2, "home_lng": 121.44, "years_experience": 4,
        "skills": [{"skill": "cleaning", "level": 4}, {"skill": "appliance_repair", "level": 2}],
        "tools": ["吸尘器", "梯子"], "daily_job_limit": 6
    })
}

async fn onboard(app: &TestApp, token: &str, phone: &str) -> Value {
    let r = app
        .post("/api/v1/admin/workers", new_worker(phone), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn put(app: &TestApp, path: &str, body: Value, token: &str) -> Reply {
    app.call(Method::PUT, path, Some(body), Some(token)).await
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    audit_log::Entity::find()
        .all(app.state.store.db())
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.action)
        .collect()
}

#[tokio::test]
async fn staff_onboard_a_worker_review_their_documents_and_activate_them() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let admin = app.staff_token("admin", Role::SuperAdmin).await;
        let disp = app.staff_token("disp", Role::Dispatcher).await;

        // Bad input is refused field by field; nothing is written.
        let mut bad = new_worker("13812340001");
        bad["id_number"] = json!("110105194912310021");
        let r = app.post("/api/v1/admin/workers", bad, Some(&disp)).await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["code"], "bad_id_number");
        let mut bad = new_worker("13812340001");
        bad["skills"] = json!([{"skill": "cleaning", "level": 9}]);
        let r = app.post("/api/v1/admin/workers", bad, Some(&disp)).await;
        assert_eq!(
            r.body["errors"][0]["field"], "skills[0].level",
            "{}",
            r.text
        );

        let w = onboard(&app, &disp, "13812340001").await;
        let id = w["id"].as_str().unwrap().to_string();
        assert_eq!(w["status"], "onboarding");
        assert_eq!(w["active"], false);
        assert_eq!(
            w["skill_levels"],
            json!([{"skill": "appliance_repair", "level": 2}, {"skill": "cleaning", "level": 4}])
        );
        assert_eq!(w["tools"], json!(["吸尘器", "梯子"]));
        // The dispatcher may not read personal data: the ID number is masked for them,
        // clear for the administrator, and encrypted in the database.
        assert_eq!(w["id_number"], "110105********002X");
        let full = app
            .get(&format!("/api/v1/admin/workers/{id}"), Some(&admin))
            .await;
        assert_eq!(full.body["id_number"], ID_NUMBER, "{}", full.text);
        let row = worker::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
            .one(app.state.store.db())
            .await
            .unwrap()
            .unwrap();
        assert!(!row.id_number_enc.clone().unwrap().contains(ID_NUMBER));
        assert_eq!(row.skills, r#"["cleaning","appliance_repair"]"#);

        let again = app
            .post(
                "/api/v1/admin/workers",
                new_worker("13812340001"),
                Some(&disp),
            )
            .await;
        assert_problem(&again, StatusCode::CONFLICT, "phone_taken");

        // A document, recorded as a certificate, reviewed once.
        let doc = upload(&app, "/api/v1/admin/worker-uploads", &disp, "certificate").await;
        assert_eq!(doc.status, StatusCode::CREATED, "{}", doc.text);
        let cert = app
            .post(
                &format!("/api/v1/admin/workers/{id}/certificates"),
                json!({"kind": "health", "upload_id": doc.body["id"], "number": "JK-001",
                       "expires_on": (Utc::now() + Duration::days(300)).date_naive()}),
                Some(&disp),
            )
            .await;
        assert_eq!(cert.status, StatusCode::CREATED, "{}", cert.text);
        assert_eq!(cert.body["status"], "pending");
        let cid = cert.body["id"].as_str().unwrap();
        let queue = app
            .get("/api/v1/admin/worker-certificates", Some(&disp))
            .await;
        assert_eq!(queue.body.as_array().unwrap().len(), 1, "{}", queue.text);
        let file = app
            .get(doc.body["url"].as_str().unwrap(), Some(&disp))
            .await;
        assert_eq!(file.status, StatusCode::OK);
        let review = format!("/api/v1/admin/workers/{id}/certificates/{cid}/review");
        let r = app
            .post(&review, json!({"decision": "reject"}), Some(&disp))
            .await;
        assert_eq!(r.body["errors"][0]["field"], "reason", "{}", r.text);
        let r = app
            .post(&review, json!({"decision": "approve"}), Some(&disp))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["status"], "approved");
        let r = app
            .post(
                &review,
                json!({"decision": "reject", "reason": "模糊"}),
                Some(&disp),
            )
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "already_reviewed");

        // Activation; suspension needs a reason; a worker who left stays gone.
        let status = format!("/api/v1/admin/workers/{id}/status");
        let r = put(&app, &status, json!({"status": "active"}), &disp).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(
            (r.body["status"].clone(), r.body["active"].clone()),
            (json!("active"), json!(true))
        );
        let r = put(&app, &status, json!({"status": "suspended"}), &disp).await;
        assert_eq!(r.body["errors"][0]["field"], "reason", "{}", r.text);
        let r = put(
            &app,
            &status,
            json!({"status": "left", "reason": "辞职"}),
            &disp,
        )
        .await;
        assert_eq!(r.body["active"], false, "{}", r.text);
        let r = put(&app, &status, json!({"status": "active"}), &disp).await;
        assert_problem(&r, StatusCode::CONFLICT, "status_not_allowed");

        // Skills and profile edits.
        let r = put(
            &app,
            &format!("/api/v1/admin/workers/{id}/skills"),
            json!({"skills": [{"skill": "nursing", "level": 5}]}),
            &disp,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/workers/{id}"),
                Some(json!({"name": "周建国", "daily_job_limit": 0})),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["name"], "周建国");
        assert_eq!(r.body["skills"], json!(["nursing"]));
        assert_eq!(r.body["daily_job_limit"], Value::Null);

        let list = app
            .get("/api/v1/admin/workers?status=left", Some(&disp))
            .await;
        assert_eq!(
            list.body["items"].as_array().unwrap().len(),
            1,
            "{}",
            list.text
        );
        let list = app
            .get("/api/v1/admin/workers?status=active", Some(&disp))
            .await;
        assert!(list.body["items"].as_array().unwrap().is_empty());

        let actions = audit_actions(&app).await;
        for a in [
            "worker.create",
            "worker_certificate.create",
            "worker_certificate.review",
            "worker.status",
            "worker.skills",
            "worker.update",
        ] {
            assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
        }
        let logged = audit_log::Entity::find()
            .all(app.state.store.db())
            .await
            .unwrap();
        for l in logged {
            let text = format!("{:?}{:?}", l.before_json, l.after_json);
            assert!(
                !text.contains(ID_NUMBER),
                "the audit log holds an ID number"
            );
        }
    }
}

#[tokio::test]
async fn shifts_and_exceptions_make_each_days_calendar() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let w = onboard(&app, &disp, "13812340002").await;
        let id = w["id"].as_str().unwrap();
        // 2030-01-07 is a Monday.
        let monday = NaiveDate::from_ymd_opt(2030, 1, 7).unwrap();
        let r = put(
            &app,
            &format!("/api/v1/admin/workers/{id}/shifts"),
            json!({"shifts": [
                {"weekday": 0, "start_minute": 480, "end_minute": 1080, "break_start_minute": 720, "break_end_minute": 780},
                {"weekday": 1, "start_minute": 480, "end_minute": 1080}
            ]}),
            &disp,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = put(
            &app,
            &format!("/api/v1/admin/workers/{id}/shifts"),
            json!({"shifts": [{"weekday": 7, "start_minute": 480, "end_minute": 1080}]}),
            &disp,
        )
        .await;
        assert_eq!(r.body["errors"][0]["code"], "bad_weekday", "{}", r.text);

        let ex = format!("/api/v1/admin/workers/{id}/shift-exceptions");
        let leave = app
            .post(
                &ex,
                json!({"date": monday + Duration::days(1), "kind": "leave", "reason": "病假"}),
                Some(&disp),
            )
            .await;
        assert_eq!(leave.status, StatusCode::CREATED, "{}", leave.text);
        let extra = app
            .post(&ex, json!({"date": monday + Duration::days(5), "kind": "extra", "start_minute": 600, "end_minute": 900}), Some(&disp))
            .await;
        assert_eq!(extra.status, StatusCode::CREATED, "{}", extra.text);
        let r = app
            .post(&ex, json!({"date": monday, "kind": "extra"}), Some(&disp))
            .await;
        assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

        let cal = app
            .get(
                &format!(
                    "/api/v1/admin/workers/{id}/calendar?from={monday}&to={}",
                    monday + Duration::days(6)
                ),
                Some(&disp),
            )
            .await;
        assert_eq!(cal.status, StatusCode::OK, "{}", cal.text);
        let days = cal.body.as_array().unwrap();
        assert_eq!(days.len(), 7);
        assert_eq!(days[0]["shift"]["break_start_minute"], 720);
        assert_eq!(days[1]["shift"], Value::Null, "leave on Tuesday");
        assert_eq!(days[1]["exceptions"][0]["reason"], "病假");
        assert_eq!(days[2]["shift"], Value::Null, "no template on Wednesday");
        assert_eq!(
            days[5]["shift"]["start_minute"], 600,
            "extra shift on Saturday"
        );

        let too_long = app
            .get(
                &format!(
                    "/api/v1/admin/workers/{id}/calendar?from={monday}&to={}",
                    monday + Duration::days(90)
                ),
                Some(&disp),
            )
            .await;
        assert_eq!(
            too_long.body["errors"][0]["code"], "range_too_long",
            "{}",
            too_long.text
        );

        // Removing the leave gives Tuesday back.
        let lid = leave.body["id"].as_str().unwrap();
        let r = app
            .call(Method::DELETE, &format!("{ex}/{lid}"), None, Some(&disp))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
        let cal = app
            .get(
                &format!(
                    "/api/v1/admin/workers/{id}/calendar?from={}&to={}",
                    monday + Duration::days(1),
                    monday + Duration::days(1)
                ),
                Some(&disp),
            )
            .await;
        assert_eq!(cal.body[0]["shift"]["start_minute"], 480, "{}", cal.text);
    }
}

#[tokio::test]
async fn workers_switch_between_taking_orders_and_rest_from_the_app() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let id = app.enrol_worker("13900002222").await;
        let login = app.otp_login("13900002222", "worker").await;
        let token = login["access_token"].as_str().unwrap().to_string();
        let me = app.get("/api/v1/worker/me", Some(&token)).await;
        assert_eq!(me.body["status"], "active", "{}", me.text);
        assert_eq!(me.body["online"], false);
        assert_eq!(me.body["credit_score"], 100);

        let presence = "/api/v1/worker/me/presence";
        let r = put(
            &app,
            presence,
            json!({"online": false, "accepting": true}),
            &token,
        )
        .await;
        assert_eq!(r.body["errors"][0]["code"], "offline", "{}", r.text);
        let r = put(
            &app,
            presence,
            json!({"online": true, "accepting": true}),
            &token,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let list = app.get("/api/v1/admin/workers", Some(&disp)).await;
        assert_eq!(list.body["items"][0]["accepting"], true, "{}", list.text);
        let r = put(
            &app,
            presence,
            json!({"online": true, "accepting": false}),
            &token,
        )
        .await;
        assert_eq!(
            (r.body["online"].clone(), r.body["accepting"].clone()),
            (json!(true), json!(false))
        );

        // The worker's own certificate goes to review; their own calendar is theirs.
        let doc = upload(&app, "/api/v1/worker/uploads", &token, "certificate").await;
        assert_eq!(doc.status, StatusCode::CREATED, "{}", doc.text);
        let r = app
            .post(
                "/api/v1/worker/me/certificates",
                json!({"kind": "health", "upload_id": doc.body["id"]}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["submitted_by"], "worker");
        let mine = app
            .get("/api/v1/worker/me/certificates", Some(&token))
            .await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1);
        let cal = app
            .get(
                "/api/v1/worker/me/calendar?from=2030-01-07&to=2030-01-13",
                Some(&token),
            )
            .await;
        assert_eq!(cal.body.as_array().unwrap().len(), 7, "{}", cal.text);

        // Suspended: offline at once, and the app refuses them.
        let r = put(
            &app,
            &format!("/api/v1/admin/workers/{id}/status"),
            json!({"status": "suspended", "reason": "投诉调查"}),
            &disp,
        )
        .await;
        assert_eq!(r.body["online"], false, "{}", r.text);
        let r = put(
            &app,
            presence,
            json!({"online": true, "accepting": true}),
            &token,
        )
        .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "account_disabled");
    }
}

#[tokio::test]
async fn credit_events_lower_the_score_suspend_grab_rights_and_can_be_reversed() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let cs = app.staff_token("cs", Role::CustomerService).await;
        let id = app.enrol_worker("13900003333").await;
        let credit = format!("/api/v1/admin/workers/{id}/credit");
        for _ in 0..2 {
            let r = app
                .post(&credit, json!({"kind": "no_show"}), Some(&disp))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
        let r = app.get(&credit, Some(&cs)).await;
        assert_eq!(r.body["score"], 60, "{}", r.text);
        assert_eq!(
            r.body["grab_suspended_until"],
            Value::Null,
            "60 is the floor"
        );
        let r = app
            .post(&credit, json!({"kind": "late_cancel"}), Some(&disp))
            .await;
        assert_eq!(r.body["score"], 50, "{}", r.text);
        assert!(r.body["grab_suspended_until"].is_string(), "{}", r.text);
        let late = r.body["events"][0]["id"].as_str().unwrap().to_string();

        let r = app
            .post(
                &credit,
                json!({"kind": "adjustment", "delta": 5}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.body["errors"][0]["field"], "reason", "{}", r.text);
        let r = app
            .post(&credit, json!({"kind": "bonus"}), Some(&disp))
            .await;
        assert_eq!(r.body["errors"][0]["code"], "bad_kind", "{}", r.text);
        let r = app
            .post(&credit, json!({"kind": "no_show"}), Some(&cs))
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "permission_denied");

        let reverse = format!("{credit}/{late}/reverse");
        let r = app
            .post(&reverse, json!({"reason": " "}), Some(&disp))
            .await;
        assert_eq!(r.body["errors"][0]["field"], "reason", "{}", r.text);
        let r = app
            .post(
                &reverse,
                json!({"reason": "客户改约, 非师傅原因"}),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["score"], 60);
        assert_eq!(r.body["grab_suspended_until"], Value::Null, "lifted");
        let r = app
            .post(&reverse, json!({"reason": "again"}), Some(&disp))
            .await;
        assert_problem(&r, StatusCode::CONFLICT, "already_reversed");
        let actions = audit_actions(&app).await;
        assert_eq!(
            actions
                .iter()
                .filter(|a| *a == "worker_credit.create")
                .count(),
            3
        );
        assert!(actions.iter().any(|a| a == "worker_credit.reverse"));
    }
}

#[tokio::test]
async fn an_expired_required_certificate_takes_the_skill_out_of_dispatch() {
    use daojia_store::repo::slots::load_days;
    for b in backends() {
        let app = TestApp::new(b).await;
        daojia_server::demo::load(&app.state.store, 5)
            .await
            .unwrap();
        let admin = app.staff_token("root", Role::SuperAdmin).await;
        let db = app.state.store.db();
        let items = app.get("/api/v1/admin/catalog/items", Some(&admin)).await;
        let item = items
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|i| !i["skills"].as_array().unwrap().is_empty())
            .unwrap()
            .clone();
        let skill = item["skills"][0].as_str().unwrap().to_string();
        let code = item["code"].as_str().unwrap();
        let w = worker::Entity::find()
            .filter(worker::Column::Skills.contains(format!("\"{skill}\"")))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let pool = vec![w.area_code.clone().unwrap()];
        let tz = chrono_tz::Asia::Shanghai;
        // A day the worker has a shift.
        let shifts = daojia_store::repo::accounts::worker_shifts(db, w.id)
            .await
            .unwrap();
        let mut date = Utc::now().date_naive() + Duration::days(1);
        while !shifts.iter().any(|s| {
            use chrono::Datelike;
            s.weekday == date.weekday().num_days_from_monday() as i16
        }) {
            date += Duration::days(1);
        }
        let before = skills_on(
            &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
            w.id,
        )
        .unwrap();
        assert!(before.contains(&skill));

        let r = put(
            &app,
            &format!("/api/v1/admin/catalog/items/{code}/certificates"),
            json!({"kinds": ["electrician"]}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let after = skills_on(
            &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
            w.id,
        )
        .unwrap();
        assert!(!after.contains(&skill), "no certificate: {after:?}");
        let item_skills: Vec<String> = item["skills"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = before
            .iter()
            .filter(|s| !item_skills.contains(s))
            .cloned()
            .collect();
        assert_eq!(after, expected, "only the item's skills go");

        // An approved certificate valid through `date` brings it back for `date` only.
        let doc = upload(&app, "/api/v1/admin/worker-uploads", &admin, "certificate").await;
        let c = app
            .post(
                &format!("/api/v1/admin/workers/{}/certificates", w.id),
                json!({"kind": "electrician", "upload_id": doc.body["id"], "expires_on": date}),
                Some(&admin),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
        let pending = skills_on(
            &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
            w.id,
        )
        .unwrap();
        assert!(
            !pending.contains(&skill),
            "a pending certificate proves nothing"
        );
        let r = app
            .post(
                &format!(
                    "/api/v1/admin/workers/{}/certificates/{}/review",
                    w.id,
                    c.body["id"].as_str().unwrap()
                ),
                json!({"decision": "approve"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let days = load_days(db, &pool, tz, date, 8, None).await.unwrap();
        assert!(
            skills_on(&days, w.id).unwrap().contains(&skill),
            "valid on its last day"
        );
        for (d, workers, _) in &days[1..] {
            if let Some(wd) = workers.iter().find(|x| x.worker == w.id) {
                assert!(!wd.skills.contains(&skill), "expired on {d}");
            }
        }

        // Whole-day leave takes the worker off that day's slots.
        let r = app
            .post(
                &format!("/api/v1/admin/workers/{}/shift-exceptions", w.id),
                json!({"date": date, "kind": "leave"}),
                Some(&admin),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert!(
            skills_on(
                &load_days(db, &pool, tz, date, 1, None).await.unwrap(),
                w.id
            )
            .is_none()
        );
    }
}

type Days = [(
    NaiveDate,
    Vec<daojia_domain::slots::WorkerDay>,
    Vec<daojia_domain::slots::Pending>,
)];

/// The skills slot search gives `worker` on the first day of `days` (none: not working).
fn skills_on(days: &Days, worker: uuid::Uuid) -> Option<Vec<String>> {
    days[0]
        .1
        .iter()
        .find(|d| d.worker == worker)
        .map(|d| d.skills.clone())
}

#[tokio::test]
async fn partner_staff_see_and_change_only_their_partners_workers() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let admin = app.staff_token("admin", Role::SuperAdmin).await;
        let partner_tok = app.staff_token("pa", Role::Partner).await;
        let lonely = app.staff_token("pz", Role::Partner).await;

        let a = app
            .post(
                "/api/v1/admin/partners",
                json!({"code": "jiajie", "name": "佳洁家政"}),
                Some(&admin),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
        let bp = app
            .post(
                "/api/v1/admin/partners",
                json!({"code": "anxin", "name": "安心维修"}),
                Some(&admin),
            )
            .await;
        let dup = app
            .post(
                "/api/v1/admin/partners",
                json!({"code": "anxin", "name": "x"}),
                Some(&admin),
            )
            .await;
        assert_problem(&dup, StatusCode::CONFLICT, "code_taken");

        let staff = app.get("/api/v1/admin/staff", Some(&admin)).await;
        let pa_id = staff.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["username"] == "pa")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = put(
            &app,
            &format!("/api/v1/admin/staff/{pa_id}/partner"),
            json!({"partner_id": a.body["id"]}),
            &admin,
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);

        // A worker enrolled by the partner's staff belongs to their partner.
        let mine = onboard(&app, &partner_tok, "13812340011").await;
        assert_eq!(mine["partner_id"], a.body["id"]);
        let mut other = new_worker("13812340012");
        other["partner_id"] = bp.body["id"].clone();
        let other = app.post("/api/v1/admin/workers", other, Some(&admin)).await;
        assert_eq!(other.status, StatusCode::CREATED, "{}", other.text);
        let platform = onboard(&app, &admin, "13812340013").await;
        let (mine, other, platform) = (
            mine["id"].as_str().unwrap().to_string(),
            other.body["id"].as_str().unwrap().to_string(),
            platform["id"].as_str().unwrap().to_string(),
        );

        let list = app.get("/api/v1/admin/workers", Some(&partner_tok)).await;
        let ids: Vec<&str> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![mine.as_str()], "{}", list.text);
        assert_eq!(
            app.get("/api/v1/admin/workers", Some(&admin)).await.body["items"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        let partners = app.get("/api/v1/admin/partners", Some(&partner_tok)).await;
        assert_eq!(
            partners.body.as_array().unwrap().len(),
            1,
            "{}",
            partners.text
        );

        // Every worker endpoint answers 404 for a worker of another partner or none.
        for w in [&other, &platform] {
            let paths_get = [
                format!("/api/v1/admin/workers/{w}"),
                format!("/api/v1/admin/workers/{w}/certificates"),
                format!("/api/v1/admin/workers/{w}/shifts"),
                format!("/api/v1/admin/workers/{w}/calendar?from=2030-01-07&to=2030-01-08"),
                format!("/api/v1/admin/workers/{w}/performance?from=2030-01-07&to=2030-01-08"),
                format!("/api/v1/admin/workers/{w}/credit"),
            ];
            for p in &paths_get {
                let r = app.get(p, Some(&partner_tok)).await;
                assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
            }
            let writes = [
                (
                    Method::PATCH,
                    format!("/api/v1/admin/workers/{w}"),
                    json!({"name": "改名"}),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/admin/workers/{w}/status"),
                    json!({"status": "active"}),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/admin/workers/{w}/skills"),
                    json!({"skills": []}),
                ),
                (
                    Method::PUT,
                    format!("/api/v1/admin/workers/{w}/shifts"),
                    json!({"shifts": []}),
                ),
                (
                    Method::POST,
                    format!("/api/v1/admin/workers/{w}/shift-exceptions"),
                    json!({"date": "2030-01-07", "kind": "leave"}),
                ),
                (
                    Method::POST,
                    format!("/api/v1/admin/workers/{w}/credit"),
                    json!({"kind": "no_show"}),
                ),
            ];
            for (m, p, body) in writes {
                let r = app
                    .call(m.clone(), &p, Some(body), Some(&partner_tok))
                    .await;
                assert_problem(&r, StatusCode::NOT_FOUND, "not_found");
            }
        }
        let r = app
            .get(
                &format!("/api/v1/admin/workers/{mine}/credit"),
                Some(&partner_tok),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let r = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/workers/{mine}"),
                Some(json!({"partner_id": bp.body["id"]})),
                Some(&partner_tok),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "partner_fixed");
        let r = app
            .get(
                "/api/v1/admin/worker-performance?from=2030-01-07&to=2030-01-08&by=credit",
                Some(&partner_tok),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert!(
            r.body
                .as_array()
                .unwrap()
                .iter()
                .all(|row| row["worker"]["id"] == json!(mine))
        );

        // Partner staff do not manage partners; one without a partner sees nobody.
        let r = app
            .post(
                "/api/v1/admin/partners",
                json!({"code": "mine", "name": "我的"}),
                Some(&partner_tok),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "platform_only");
        let r = app.get("/api/v1/admin/workers", Some(&lonely)).await;
        assert!(r.body["items"].as_array().unwrap().is_empty(), "{}", r.text);
        let r = app
            .post(
                "/api/v1/admin/workers",
                new_worker("13812340014"),
                Some(&lonely),
            )
            .await;
        assert_problem(&r, StatusCode::FORBIDDEN, "no_partner");
    }
}

#[tokio::test]
async fn the_ranking_orders_workers_by_the_measure_asked() {
    for b in backends() {
        let app = TestApp::new(b).await;
        let disp = app.staff_token("disp", Role::Dispatcher).await;
        let a = app.enrol_worker("13900004444").await;
        let b2 = app.enrol_worker("13900005555").await;
        app.post(
            &format!("/api/v1/admin/workers/{a}/credit"),
            json!({"kind": "no_show"}),
            Some(&disp),
        )
        .await;
        let today = Utc::now().date_naive();
        let r = app
            .get(
                &format!("/api/v1/admin/worker-performance?from={today}&to={today}&by=credit"),
                Some(&disp),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let rows = r.body.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["worker"]["id"], json!(b2.to_string()));
        assert_eq!(rows[1]["performance"]["credit_score"], 80);
        assert_eq!(rows[0]["rank"], 1);
        let r = app
            .get(
                &format!("/api/v1/admin/worker-performance?from={today}&to={today}&by=speed"),
                Some(&disp),
            )
            .await;
        assert_eq!(r.body["errors"][0]["code"], "bad_sort", "{}", r.text);
        let r = app
            .get(
                &format!("/api/v1/admin/workers/{a}/performance?from={today}&to={today}"),
                Some(&disp),
            )
            .await;
        assert_eq!(r.body["offers"], 0, "{}", r.text);
        assert_eq!(r.body["acceptance_rate"], Value::Null);
    }
}
