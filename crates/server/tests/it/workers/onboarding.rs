//! Onboarding: document review, activation, skills and the encrypted ID number.

use super::*;

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
