//! Shifts and exceptions making calendars, and presence from the worker app.

use super::*;

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
