//! Personal data at rest (key rotation; names and notes encrypted at start) and SQLite's
//! write transactions.

use super::*;

#[tokio::test]
async fn rotating_the_data_key_reencrypts_everything_so_the_old_key_can_go() {
    use daojia_store::pii::{DataKey, Vault};
    use daojia_store::repo::rotation;
    each(async |t| {
        let index = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let k1 = DataKey::generate_text("k1");
        let k2 = DataKey::generate_text("k2");
        let old = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k1).unwrap()], index).unwrap());
        let phone = Phone::parse("13811112222").unwrap();
        let c = accounts::customer_for_login(&old, &phone, Utc::now())
            .await
            .unwrap();
        let addr = accounts::NewAddress {
            label: "家".into(),
            contact_name: "李".into(),
            contact_phone: phone.clone(),
            address: "上海市黄浦区南京东路 1 号".into(),
            house_number: "1201".into(),
            lat: 31.23,
            lng: 121.48,
            area_code: None,
            is_default: true,
        };
        accounts::add_address(&old, old.db(), c.id, addr, Utc::now())
            .await
            .unwrap();
        let both = t.store.with_vault(
            Vault::new(
                vec![DataKey::parse(&k2).unwrap(), DataKey::parse(&k1).unwrap()],
                index,
            )
            .unwrap(),
        );
        // The customer's phone and nickname, and the address.
        assert_eq!(rotation::reencrypt_all(&both).await.unwrap(), 3);
        assert_eq!(
            rotation::reencrypt_all(&both).await.unwrap(),
            0,
            "a second run has nothing to do"
        );
        let only_new = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k2).unwrap()], index).unwrap());
        let found = accounts::customer_by_phone(&only_new, &phone)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            only_new
                .vault()
                .decrypt(accounts::CUSTOMER_PHONE, &found.phone_enc)
                .unwrap(),
            "13811112222"
        );
    })
    .await;
}

/// The rows a version before m0008 would have left: a worker, a staff member, a customer,
/// an audit entry and an order, with the renamed columns holding clear text.
async fn rows_with_clear_names(store: &daojia_store::Store) -> (uuid::Uuid, uuid::Uuid) {
    use daojia_store::entity::{service_order, worker};
    use daojia_store::repo::audit;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let now = Utc::now();
    let db = store.db();
    let w = worker::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        code: Set("w1".into()),
        phone_enc: Set(store.vault().encrypt(accounts::WORKER_PHONE, "13900001111")),
        phone_index: Set("idx-w1".into()),
        name_enc: Set(accounts::seal_worker_name(store, "王师傅")),
        gender: Set("male".into()),
        skills: Set("[]".into()),
        rating_tenths: Set(48),
        years_experience: Set(3),
        home_lat: Set(31.2),
        home_lng: Set(121.4),
        area_code: Set(None),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let new = accounts::NewStaff {
        username: "li".into(),
        name: "李调度".into(),
        phone: None,
        password_hash: "x".into(),
        role: daojia_domain::access::Role::Dispatcher,
    };
    let s = accounts::create_staff(store, db, new, now).await.unwrap();
    let c = accounts::customer_for_login(store, &Phone::parse("13912345678").unwrap(), now)
        .await
        .unwrap();
    let entry = audit::AuditEntry {
        actor_type: "staff".into(),
        actor_id: Some(s.id),
        actor_name: Some("李调度".into()),
        action: "order.assign".into(),
        target_type: "order".into(),
        ..Default::default()
    };
    audit::record(store, db, entry, now).await.unwrap();
    let order = service_order::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        order_no: Set("DJ0001".into()),
        customer_id: Set(c.id),
        state: Set("pending_dispatch".into()),
        worker_id: Set(None),
        area_code: Set(None),
        address_id: Set(None),
        contact_name_enc: Set("x".into()),
        contact_phone_enc: Set("x".into()),
        address_enc: Set("x".into()),
        house_number_enc: Set("x".into()),
        lat: Set(31.2),
        lng: Set(121.4),
        window_start: Set(now),
        window_end: Set(now),
        payment_mode: Set("full".into()),
        deposit_fen: Set(0),
        total_fen: Set(100),
        paid_fen: Set(0),
        refunded_fen: Set(0),
        fee_fen: Set(0),
        policy: Set("{}".into()),
        customer_reschedules: Set(0),
        notes_enc: Set(orders_notes(store, "门禁 1201#")),
        completed_at: Set(None),
        duration_min: Set(60),
        skills: Set(None),
        rework_of: Set(None),
        bundle_id: Set(None),
        version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .unwrap();
    // Put clear text back where an older version kept it.
    for sql in [
        "UPDATE worker SET name_enc = '王师傅'",
        "UPDATE staff SET name_enc = '李调度'",
        "UPDATE customer SET nickname_enc = '用户5678'",
        "UPDATE audit_log SET actor_name_enc = '李调度'",
        "UPDATE service_order SET notes_enc = '门禁 1201#'",
        "DELETE FROM app_meta",
    ] {
        db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
    }
    (w.id, order.id)
}

fn orders_notes(store: &daojia_store::Store, notes: &str) -> String {
    daojia_store::repo::orders::seal_notes(store, notes)
}

/// Every value of the columns m0008 encrypts, read raw.
async fn raw_name_columns(store: &daojia_store::Store) -> Vec<String> {
    let db = store.db();
    let mut out = vec![];
    for (table, col) in [
        ("worker", "name_enc"),
        ("staff", "name_enc"),
        ("customer", "nickname_enc"),
        ("audit_log", "actor_name_enc"),
        ("service_order", "notes_enc"),
    ] {
        let rows = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                format!("SELECT {col} AS v FROM {table}"),
            ))
            .await
            .unwrap();
        for r in rows {
            out.push(r.try_get::<String>("", "v").unwrap());
        }
    }
    out
}

#[tokio::test]
async fn names_nicknames_actor_names_and_notes_left_in_clear_are_encrypted_at_start() {
    use daojia_store::repo::{audit, orders, pii_backfill};
    each(async |t| {
        let store = &t.store;
        let (worker_id, order_id) = rows_with_clear_names(store).await;
        let before = raw_name_columns(store).await;
        assert!(before.contains(&"门禁 1201#".to_string()), "{before:?}");

        store.migrate().await.unwrap();

        let after = raw_name_columns(store).await;
        assert_eq!(after.len(), 5, "{:?}", t.backend);
        for v in &after {
            for clear in ["王师傅", "李调度", "5678", "门禁", "1201"] {
                assert!(
                    !v.contains(clear),
                    "{:?}: `{clear}` readable in {v}",
                    t.backend
                );
            }
        }
        let w = accounts::worker(store.db(), worker_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(accounts::worker_name(store, &w).unwrap(), "王师傅");
        let o = orders::get(store.db(), order_id).await.unwrap().unwrap();
        assert_eq!(orders::notes(store, &o).unwrap(), "门禁 1201#");
        let staff = accounts::staff_for_login(store, "li")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(accounts::staff_name(store, &staff).unwrap(), "李调度");
        let first = daojia_store::repo::PageRequest {
            after: None,
            limit: 10,
        };
        let page = audit::list(store.db(), &Default::default(), first)
            .await
            .unwrap();
        assert_eq!(
            audit::actor_name(store, &page.items[0]).unwrap().unwrap(),
            "李调度"
        );
        let c = accounts::customer_by_phone(store, &Phone::parse("13912345678").unwrap())
            .await
            .unwrap()
            .unwrap();
        let nick = accounts::customer_nickname(store, &c).unwrap();
        assert!(nick.starts_with("用户") && !nick.contains("5678"), "{nick}");

        // The pass is recorded: the next start does not scan again.
        assert!(
            meta::get(store.db(), pii_backfill::DONE_KEY)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(pii_backfill::seal_clear_columns(store).await.unwrap(), 0);
    })
    .await;
}

#[tokio::test]
async fn a_start_cut_short_finishes_encrypting_without_encrypting_twice() {
    use daojia_store::repo::{orders, pii_backfill};
    each(async |t| {
        let store = &t.store;
        let (worker_id, order_id) = rows_with_clear_names(store).await;
        // One column was already done when the start was cut.
        let w = accounts::worker(store.db(), worker_id)
            .await
            .unwrap()
            .unwrap();
        let sealed = accounts::seal_worker_name(store, "王师傅");
        let db = store.db();
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            match t.backend {
                Backend::Postgres => "UPDATE worker SET name_enc = $1 WHERE code = $2",
                _ => "UPDATE worker SET name_enc = ? WHERE code = ?",
            },
            [sealed.clone().into(), w.code.clone().into()],
        ))
        .await
        .unwrap();
        assert_eq!(pii_backfill::seal_clear_columns(store).await.unwrap(), 4);
        let w = accounts::worker(store.db(), worker_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(w.name_enc, sealed, "an encrypted value is left as it is");
        let o = orders::get(store.db(), order_id).await.unwrap().unwrap();
        assert_eq!(orders::notes(store, &o).unwrap(), "门禁 1201#");
    })
    .await;
}

#[tokio::test]
async fn rotating_the_data_key_covers_names_nicknames_actor_names_and_notes() {
    use daojia_store::pii::{DataKey, Vault};
    use daojia_store::repo::rotation;
    each(async |t| {
        let index = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let k1 = DataKey::generate_text("k1");
        let k2 = DataKey::generate_text("k2");
        let old = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k1).unwrap()], index).unwrap());
        let (worker_id, order_id) = rows_with_clear_names(&old).await;
        old.migrate().await.unwrap();
        let both = t.store.with_vault(
            Vault::new(
                vec![DataKey::parse(&k2).unwrap(), DataKey::parse(&k1).unwrap()],
                index,
            )
            .unwrap(),
        );
        rotation::reencrypt_all(&both).await.unwrap();
        for v in raw_name_columns(&both).await {
            assert!(
                v.starts_with("v1:k2:"),
                "{:?}: {v} not under the new key",
                t.backend
            );
        }
        let only_new = t
            .store
            .with_vault(Vault::new(vec![DataKey::parse(&k2).unwrap()], index).unwrap());
        let w = accounts::worker(only_new.db(), worker_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(accounts::worker_name(&only_new, &w).unwrap(), "王师傅");
        let o = daojia_store::repo::orders::get(only_new.db(), order_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            daojia_store::repo::orders::notes(&only_new, &o).unwrap(),
            "门禁 1201#"
        );
    })
    .await;
}

/// SQLite: transactions that read and then write, run at once on several connections, all
/// commit (each waits for the write lock at `BEGIN`, none fails with "database is locked"
/// because another committed between its read and its write) and none loses an update.
#[tokio::test]
async fn concurrent_read_then_write_transactions_all_commit_on_sqlite() {
    if !backends().contains(&Backend::Sqlite) {
        return;
    }
    let t = TestDb::new(Backend::Sqlite).await;
    let db = t.store.db().clone();
    let sql = |s: &str| Statement::from_string(db.get_database_backend(), s.to_string());
    db.execute_raw(sql(
        "CREATE TABLE tx_probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)",
    ))
    .await
    .unwrap();
    db.execute_raw(sql("INSERT INTO tx_probe (id, n) VALUES (1, 0)"))
        .await
        .unwrap();
    let mut tasks = vec![];
    for _ in 0..16 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let sql = |s: String| Statement::from_string(db.get_database_backend(), s);
            let tx = daojia_store::begin(&db).await?;
            let row = tx
                .query_one_raw(sql("SELECT n FROM tx_probe WHERE id = 1".into()))
                .await?
                .expect("the row");
            let n: i64 = row.try_get("", "n")?;
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            tx.execute_raw(sql(format!(
                "UPDATE tx_probe SET n = {} WHERE id = 1",
                n + 1
            )))
            .await?;
            tx.commit().await?;
            Ok::<_, sea_orm::DbErr>(())
        }));
    }
    for task in tasks {
        task.await.unwrap().expect("every transaction commits");
    }
    let n: i64 = db
        .query_one_raw(sql("SELECT n FROM tx_probe WHERE id = 1"))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "n")
        .unwrap();
    assert_eq!(n, 16, "no update was lost");
}
