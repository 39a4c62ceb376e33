//! Credit events, grab rights and their reversal.

use super::*;

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
