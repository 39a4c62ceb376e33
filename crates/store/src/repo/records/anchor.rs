//! Daily anchors: once a UTC day is over, the heads of the chains that moved that day
//! (each order's newest entry of the day) are hashed into a root, and the day's anchor
//! (day, number of heads, root, previous anchor's hash) is chained to the day before's and
//! published in the audit log (`records.anchor`), in one transaction. Days are anchored in
//! order, from the day after the last anchor (or the first entry's day) to yesterday; a
//! day without entries gets an anchor with no heads, so the anchors have no gaps.

use crate::Store;
use crate::entity::{audit_log, record_anchor, service_record};
use crate::repo::audit::{self, AuditEntry};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_domain::record::{self, Head};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::BTreeMap;

/// The audit log's action for a published anchor.
pub const AUDIT_ACTION: &str = "records.anchor";

/// How long after midnight (UTC) a day is anchored: a step whose transaction began before
/// midnight has committed by then.
pub const GRACE: Duration = Duration::minutes(10);

/// Most days anchored in one run (the rest follow in the next).
pub const MAX_DAYS: usize = 400;

fn start_of(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc()
}

/// The newest anchor.
pub async fn latest(db: &impl ConnectionTrait) -> Result<Option<record_anchor::Model>, DbErr> {
    record_anchor::Entity::find()
        .order_by_desc(record_anchor::Column::Day)
        .one(db)
        .await
}

/// Every anchor, oldest first.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<record_anchor::Model>, DbErr> {
    record_anchor::Entity::find()
        .order_by_asc(record_anchor::Column::Day)
        .all(db)
        .await
}

/// The heads of a day: each order's newest entry with a time in it.
pub async fn heads_of(db: &impl ConnectionTrait, day: NaiveDate) -> Result<Vec<Head>, DbErr> {
    let rows: Vec<(uuid::Uuid, i64, String)> = service_record::Entity::find()
        .select_only()
        .column(service_record::Column::OrderId)
        .column(service_record::Column::Seq)
        .column(service_record::Column::Hash)
        .filter(service_record::Column::At.gte(start_of(day)))
        .filter(service_record::Column::At.lt(start_of(day) + Duration::days(1)))
        .into_tuple()
        .all(db)
        .await?;
    let mut newest: BTreeMap<uuid::Uuid, (i64, String)> = BTreeMap::new();
    for (order, seq, hash) in rows {
        if newest.get(&order).is_none_or(|(s, _)| seq > *s) {
            newest.insert(order, (seq, hash));
        }
    }
    Ok(newest
        .into_iter()
        .map(|(order_id, (seq, hash))| Head {
            order_id,
            seq,
            hash,
        })
        .collect())
}

/// The heads an anchor names.
pub fn heads(a: &record_anchor::Model) -> Result<Vec<Head>, serde_json::Error> {
    serde_json::from_str(&a.heads_json)
}

/// The audit entries that published `day`'s anchor.
pub async fn published(
    db: &impl ConnectionTrait,
    day: &str,
) -> Result<Vec<audit_log::Model>, DbErr> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq(AUDIT_ACTION))
        .filter(audit_log::Column::TargetId.eq(day))
        .all(db)
        .await
}

/// Anchors every day that is over and not anchored yet, oldest first; returns the anchors
/// made. A day another node anchored meanwhile ends the run (its anchor stands).
pub async fn anchor_days(
    store: &Store,
    now: DateTime<Utc>,
) -> Result<Vec<record_anchor::Model>, DbErr> {
    let db = store.db();
    let last = latest(db).await?;
    let first_day = match &last {
        Some(a) => match NaiveDate::parse_from_str(&a.day, "%Y-%m-%d") {
            Ok(d) => d + Duration::days(1),
            Err(_) => {
                return Err(DbErr::Custom(format!(
                    "anchor day `{}` is not a date",
                    a.day
                )));
            }
        },
        None => {
            let first = service_record::Entity::find()
                .order_by_asc(service_record::Column::At)
                .one(db)
                .await?;
            match first {
                Some(e) => e.at.date_naive(),
                None => return Ok(vec![]),
            }
        }
    };
    let mut prev_hash = last.map_or(record::GENESIS.to_string(), |a| a.hash);
    let mut made = vec![];
    let mut day = first_day;
    while start_of(day) + Duration::days(1) + GRACE <= now && made.len() < MAX_DAYS {
        let tx = crate::begin(db).await?;
        let heads = heads_of(&tx, day).await?;
        let root = record::anchor_root(&heads);
        let hash = record::anchor_hash(day, heads.len(), &root, &prev_hash);
        let inserted = record_anchor::ActiveModel {
            day: Set(day.to_string()),
            heads: Set(heads.len() as i32),
            heads_json: Set(serde_json::to_string(&heads).expect("plain data serialises")),
            root: Set(root.clone()),
            prev_hash: Set(prev_hash.clone()),
            hash: Set(hash.clone()),
            created_at: Set(now),
        }
        .insert(&tx)
        .await;
        let a = match inserted {
            Ok(a) => a,
            Err(e) if crate::is_unique_violation(&e) => {
                let _ = tx.rollback().await;
                break;
            }
            Err(e) => {
                let _ = tx.rollback().await;
                return Err(e);
            }
        };
        let entry = AuditEntry {
            actor_type: "system".into(),
            action: AUDIT_ACTION.into(),
            target_type: "record_anchor".into(),
            target_id: Some(day.to_string()),
            after: Some(serde_json::json!({
                "day": day.to_string(),
                "heads": heads.len(),
                "root": root,
                "prev_hash": prev_hash,
                "hash": hash,
            })),
            ..AuditEntry::default()
        };
        audit::record(store, &tx, entry, now).await?;
        tx.commit().await?;
        prev_hash = a.hash.clone();
        made.push(a);
        day += Duration::days(1);
    }
    Ok(made)
}
