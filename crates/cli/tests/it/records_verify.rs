//! `daojia records verify` as an operator runs it: clean (exit 0) on orders walked through
//! their visit with the past days anchored; an entry's content edited by hand in the
//! database, an entry deleted, and a chain's newest entry deleted are each named (order,
//! position, what differs) with exit 1.

use chrono::{Duration, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{
    Action, Actor, AssignedBy, PaymentMethod, PaymentPlan, Window,
};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_store::repo::records::anchor;
use daojia_store::repo::{accounts, orders};
use daojia_store::testing::{TestDb, backends};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
use std::process::Output;
use uuid::Uuid;

use crate::shell;

/// A paid order walked through its visit two days ago; with `record`, the worker keeps the
/// service record (服务记录) while in service: a checklist, a note, the materials.
async fn walked(t: &TestDb, phone: &str, record: bool) -> Uuid {
    let at = Utc::now() - Duration::days(2);
    let phone = Phone::parse(phone).unwrap();
    let c = accounts::customer_for_login(&t.store, &phone, at)
        .await
        .unwrap();
    let customer = CustomerId(c.id);
    let new = orders::NewOrder {
        customer,
        area_code: Some("sh-jingan".into()),
        address_id: None,
        contact_name: "周女士".into(),
        contact_phone: phone,
        address: "上海市静安区南京西路1号".into(),
        house_number: "1801室".into(),
        at: LatLng::new(31.23, 121.46),
        window: Window {
            start: at + Duration::hours(1),
            end: at + Duration::hours(3),
        },
        plan: PaymentPlan::Full,
        policy: Policy::default(),
        notes: String::new(),
        lines: vec![orders::NewLine {
            item_code: "ac_cleaning".into(),
            item_name: "空调清洗".into(),
            quantity: 1,
            unit_price: Money::fen(15_900),
            total: Money::fen(15_900),
            duration_min: 90,
            selections: vec![],
        }],
        duration_min: 90,
        skills: vec![],
        photos: vec![],
    };
    let (row, _) = orders::place(&t.store, new, at, None, None).await.unwrap();
    let w = WorkerId(Uuid::now_v7());
    let me = Actor::Worker { id: w };
    let steps = [
        (
            Actor::System,
            Action::RecordPayment {
                amount: Money::fen(15_900),
                method: PaymentMethod::Cash,
                reference: "CASH-1".into(),
            },
        ),
        (
            Actor::System,
            Action::Assign {
                worker: w,
                by: AssignedBy::Manual,
            },
        ),
        (me, Action::Depart),
        (me, Action::CheckIn),
        (me, Action::StartService),
        (me, Action::FinishService),
        (Actor::Customer { id: customer }, Action::Complete),
    ];
    for (actor, action) in steps {
        let finishing = action == Action::FinishService;
        if finishing && record {
            use daojia_store::repo::visit_records::{self as rec, NewRecord};
            let line = orders::lines(t.store.db(), row.id).await.unwrap()[0].id;
            let materials = serde_json::json!([{"name": "清洗剂", "quantity": 1.5, "unit": "瓶"}]);
            let saves = [
                (
                    "checklist",
                    Some(line),
                    serde_json::json!({"ticked": [0, 1], "steps": ["断电检查", "清洗"]}),
                    rec::checklist_entry(line, "ac_cleaning", 2, &[0, 1]),
                ),
                (
                    "note",
                    None,
                    serde_json::json!({"text": "滤网很脏"}),
                    rec::note_entry("滤网很脏"),
                ),
                (
                    "materials",
                    None,
                    serde_json::json!({ "materials": materials }),
                    rec::materials_entry(&materials),
                ),
            ];
            for (kind, line_id, body, entry) in saves {
                let new = NewRecord {
                    order_id: row.id,
                    worker_id: w.0,
                    kind,
                    line_id,
                    upload_id: None,
                    body,
                    entry,
                };
                rec::save(&t.store, &new, at).await.unwrap();
            }
        }
        orders::apply(&t.store, row.id, actor, action, at, None)
            .await
            .unwrap();
    }
    row.id
}

/// Runs `sql` with the order id bound to its one placeholder (`{}`).
async fn by_hand(t: &TestDb, sql: &str, order: Uuid) {
    let db = t.store.db();
    let b = db.get_database_backend();
    let mark = if b == DatabaseBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let sql = sql.replace("{}", mark);
    let r = db
        .execute_raw(Statement::from_sql_and_values(b, sql, [order.into()]))
        .await
        .unwrap();
    assert_eq!(r.rows_affected(), 1, "{:?}", t.backend);
}

fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn records_verify_is_clean_then_names_an_edited_and_a_deleted_entry() {
    for b in backends() {
        let db = TestDb::new(b).await;
        let sh = shell::Shell::new("records", &db.url);

        let a = walked(&db, "13912345601", true).await;
        let b2 = walked(&db, "13912345602", false).await;
        let anchors = anchor::anchor_days(&db.store, Utc::now()).await.unwrap();
        assert!(!anchors.is_empty(), "{b:?}");

        let out = sh.daojia(&["records", "verify", "--all"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{b:?}: {stdout} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // 8 steps each, and the service record's checklist, note and materials of one.
        assert!(stdout.contains("2 chain(s), 19 entries"), "{stdout}");
        let kinds: Vec<String> = daojia_store::repo::records::of_order(db.store.db(), a)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        // Recorded while in service: after the start of service, before the finish.
        assert_eq!(
            kinds[5..10],
            ["event", "checklist", "note", "materials", "event"],
            "{kinds:?}"
        );
        assert!(stdout.contains("records verify: clean"), "{stdout}");

        // The payment's entry says less was paid.
        by_hand(
            &db,
            "UPDATE service_record SET body = REPLACE(body, '\"paid_fen\":15900', '\"paid_fen\":100') WHERE order_id = {} AND seq = 2",
            a,
        )
        .await;
        let stderr = failed(&sh.daojia(&["records", "verify", "--all"]));
        assert!(
            stderr.contains(&format!("order {a} entry 2: its content (event at")),
            "{b:?}: {stderr}"
        );
        assert!(stderr.contains("does not give its hash"), "{stderr}");
        // The other chain is sound: one problem.
        assert!(stderr.contains("1 problem(s)"), "{b:?}: {stderr}");
        let one = failed(&sh.daojia(&["records", "verify", "--order", &a.to_string()]));
        assert!(one.contains(&format!("order {a} entry 2:")), "{one}");
        let other = sh.daojia(&["records", "verify", "--order", &b2.to_string()]);
        assert!(other.status.success(), "{b:?}");
        by_hand(
            &db,
            "UPDATE service_record SET body = REPLACE(body, '\"paid_fen\":100', '\"paid_fen\":15900') WHERE order_id = {} AND seq = 2",
            a,
        )
        .await;
        assert!(
            sh.daojia(&["records", "verify"]).status.success(),
            "{b:?}: restored"
        );

        // An entry in the middle goes: the next one names the gap.
        by_hand(
            &db,
            "DELETE FROM service_record WHERE order_id = {} AND seq = 4",
            a,
        )
        .await;
        let stderr = failed(&sh.daojia(&["records", "verify", "--all"]));
        assert!(
            stderr.contains(&format!(
                "order {a} entry 5: entry 4 is missing (the chain jumps from 3 to 5)"
            )),
            "{b:?}: {stderr}"
        );

        // The newest entry of the other chain goes: its event and its anchor name it.
        by_hand(
            &db,
            "DELETE FROM service_record WHERE order_id = {} AND seq = 8",
            b2,
        )
        .await;
        let stderr = failed(&sh.daojia(&["records", "verify", "--all"]));
        assert!(
            stderr.contains(&format!(
                "order {b2} entry 8: missing: the order's event 7 (complete) is not in its service record"
            )),
            "{b:?}: {stderr}"
        );
    }
}
