//! Log-in codes are readable nowhere but in the SMS itself: with a known code injected and
//! the demo's `sms.expose_dev_code` off, a log-in and a few other actions leave the code
//! (and the message text that carries it) in no text column of any table, in no log line
//! and in no answer of any admin GET endpoint, on every database under test.

use crate::common;

use axum::http::StatusCode;
use common::{TestApp, backends};
use daojia_domain::access::Role;
use daojia_domain::phone::Phone;
use daojia_store::testing::Backend;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::sync::{Arc, Mutex, OnceLock};

const CODE: &str = "482916";

struct KnownCode;

impl daojia_server::codes::CodeSource for KnownCode {
    fn next_code(&self) -> String {
        CODE.to_string()
    }
}

/// Everything the process logs, at every level, as the server writes it (JSON lines).
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
            .with_writer(move || writer.clone())
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
        captured
    })
}

/// Where `needle` occurs in `hay` as a value of its own: occurrences inside a long run of
/// letters and digits (a UUID, a hash, a token that happens to contain the six digits) are
/// not the code.
fn finds(hay: &str, needle: &str) -> bool {
    let bytes = hay.as_bytes();
    hay.match_indices(needle).any(|(at, _)| {
        let mut start = at;
        while start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            start -= 1;
        }
        let mut end = at + needle.len();
        while end < bytes.len() && bytes[end].is_ascii_alphanumeric() {
            end += 1;
        }
        end - start < 16
    })
}

/// Every text column of every table, from the database's own catalog.
async fn text_columns(app: &TestApp) -> Vec<(String, String)> {
    let db = app.state.store.db();
    let be = db.get_database_backend();
    let sql = match app.db.backend {
        Backend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND (upper(p.type) LIKE '%CHAR%' \
             OR upper(p.type) LIKE '%TEXT%' OR upper(p.type) LIKE '%CLOB%' OR upper(p.type) LIKE '%JSON%')"
        }
        Backend::Postgres => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema() AND data_type IN \
             ('text', 'character varying', 'character', 'json', 'jsonb')"
        }
        Backend::MySql => {
            "SELECT CAST(table_name AS CHAR) AS t, CAST(column_name AS CHAR) AS c \
             FROM information_schema.columns WHERE table_schema = DATABASE() AND data_type IN \
             ('char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'json')"
        }
    };
    db.query_all_raw(Statement::from_string(be, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get::<String>("", "t").unwrap(),
                r.try_get::<String>("", "c").unwrap(),
            )
        })
        .collect()
}

/// The values of one text column.
async fn column_values(app: &TestApp, table: &str, column: &str) -> Vec<String> {
    let db = app.state.store.db();
    let sql = match app.db.backend {
        // SQLite's declared types are advice: only values stored as text are text (UUIDs
        // are blobs in columns whose declared type mentions text).
        Backend::Sqlite => {
            format!(r#"SELECT "{column}" AS v FROM "{table}" WHERE typeof("{column}") = 'text'"#)
        }
        Backend::Postgres => format!(r#"SELECT "{column}"::text AS v FROM "{table}""#),
        Backend::MySql => format!("SELECT CAST(`{column}` AS CHAR) AS v FROM `{table}`"),
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.try_get::<Option<String>>("", "v").unwrap())
        .collect()
}

/// Every GET operation under `/api/v1/admin` in the server's OpenAPI document, with path
/// parameters filled in.
async fn admin_get_paths(app: &TestApp) -> Vec<String> {
    let doc = app.get("/api/openapi.json", None).await;
    assert_eq!(doc.status, StatusCode::OK);
    let mut paths: Vec<String> = doc.body["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(p, ops)| p.starts_with("/api/v1/admin") && ops.get("get").is_some())
        .map(|(p, _)| {
            let mut out = String::new();
            let mut rest = p.as_str();
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                let close = rest[open..].find('}').unwrap() + open;
                // A syntactically valid id: the handlers answer 404, which is checked too.
                out.push_str("00000000-0000-7000-8000-000000000000");
                rest = &rest[close + 1..];
            }
            out.push_str(rest);
            out
        })
        .collect();
    paths.sort();
    paths
}

#[tokio::test]
async fn a_known_code_is_found_in_no_table_no_log_and_no_admin_answer() {
    let captured = logs();
    let phone = "13912345678";
    let text = daojia_notify::sms::login_code_message(Phone::parse(phone).unwrap(), CODE, 5).text();
    assert!(text.contains(CODE));
    for b in backends() {
        let mut cfg = common::test_config();
        cfg.sms.expose_dev_code = false;
        let opts = daojia_server::BuildOptions {
            codes: Some(Arc::new(KnownCode)),
            ..Default::default()
        };
        let app = TestApp::with_options(b, cfg, opts).await;

        // A customer asks for a code, guesses wrong once, logs in, looks at their account,
        // refreshes and logs out.
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": phone, "audience": "customer"}),
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        assert!(sent.body["dev_code"].is_null(), "{}", sent.text);
        let wrong = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": phone, "code": "000000", "audience": "customer"}),
                None,
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let pair = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": phone, "code": CODE, "audience": "customer"}),
                None,
            )
            .await;
        assert_eq!(pair.status, StatusCode::OK, "{}", pair.text);
        let access = pair.body["access_token"].as_str().unwrap();
        assert_eq!(
            app.get("/api/v1/customer/me", Some(access)).await.status,
            StatusCode::OK
        );
        let next = app
            .post(
                "/api/v1/public/auth/refresh",
                json!({"refresh_token": pair.body["refresh_token"]}),
                None,
            )
            .await;
        assert_eq!(next.status, StatusCode::OK, "{}", next.text);
        let out = app
            .post(
                "/api/v1/public/auth/logout",
                json!({}),
                next.body["access_token"].as_str(),
            )
            .await;
        assert_eq!(out.status, StatusCode::NO_CONTENT, "{}", out.text);
        // A worker logs in with a code too; staff log in with passwords.
        app.enrol_worker("13912340000").await;
        let sent = app
            .post(
                "/api/v1/public/auth/otp",
                json!({"phone": "13912340000", "audience": "worker"}),
                None,
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
        let worker = app
            .post(
                "/api/v1/public/auth/otp/verify",
                json!({"phone": "13912340000", "code": CODE, "audience": "worker"}),
                None,
            )
            .await;
        assert_eq!(worker.status, StatusCode::OK, "{}", worker.text);
        let admin = app.staff_token("root", Role::SuperAdmin).await;

        // Every admin GET the super admin can call.
        let paths = admin_get_paths(&app).await;
        assert!(
            paths.iter().any(|p| p == "/api/v1/admin/sms-outbox"),
            "{paths:?}"
        );
        let mut outbox_seen = false;
        for path in &paths {
            let r = app.get(path, Some(&admin)).await;
            assert!(!r.status.is_server_error(), "{path}: {}", r.text);
            assert!(
                !finds(&r.text, CODE),
                "{b:?} {path} shows the code: {}",
                r.text
            );
            assert!(!r.text.contains(&text), "{b:?} {path} shows the message");
            if path == "/api/v1/admin/sms-outbox" {
                assert_eq!(r.status, StatusCode::OK);
                let items = r.body["items"].as_array().unwrap();
                assert_eq!(items.len(), 2, "{}", r.text);
                assert!(
                    items
                        .iter()
                        .all(|m| m["content"].as_str().unwrap().contains("******"))
                );
                assert_eq!(items[0]["params"], json!({"minutes": "5"}));
                outbox_seen = true;
            }
        }
        assert!(outbox_seen);

        // Every text column of every table.
        let columns = text_columns(&app).await;
        assert!(
            columns
                .iter()
                .any(|(t, c)| t == "sms_outbox" && c == "content"),
            "{b:?}: the catalog query found {columns:?}"
        );
        let mut masked_rows = 0;
        for (table, column) in &columns {
            for v in column_values(&app, table, column).await {
                assert!(
                    !finds(&v, CODE),
                    "{b:?} {table}.{column} holds the code: {v}"
                );
                assert!(
                    !v.contains(&text),
                    "{b:?} {table}.{column} holds the message"
                );
                if table == "sms_outbox" && column == "content" && v.contains("******") {
                    masked_rows += 1;
                }
            }
        }
        assert_eq!(masked_rows, 2, "{b:?}");
    }

    // The logs of all of it.
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("offline provider, not delivered") && logs.contains("******"),
        "the offline provider's lines are captured"
    );
    assert!(!finds(&logs, CODE), "the logs hold the code");
    assert!(!logs.contains(&text), "the logs hold the message");
}
