//! Partner scoping of every worker endpoint, and the performance ranking.

use super::*;

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
