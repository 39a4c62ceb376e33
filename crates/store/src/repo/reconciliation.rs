//! Reconciliation runs and their differences. Saving a run replaces the open differences
//! of its channel and date (what the new run found is the truth now) and keeps the resolved
//! ones: a difference finance resolved is not found again as a new one by a re-run.

use crate::entity::{
    payment_intent, reconciliation_difference as diff, reconciliation_run as run, refund,
};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashSet;
use uuid::Uuid;

/// A difference to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDifference {
    /// `missing_ours`, `missing_theirs`, `amount_mismatch` or `status_mismatch`.
    pub kind: String,
    /// The refund number for a refund, else the intent number.
    pub subject: String,
    /// `payment` or `refund`.
    pub line_kind: String,
    /// The intent's number.
    pub intent_no: Option<String>,
    /// The refund's number.
    pub refund_no: Option<String>,
    /// The channel's trade number.
    pub channel_trade_no: Option<String>,
    /// Ours, in fen.
    pub ours_fen: Option<i64>,
    /// Theirs, in fen.
    pub theirs_fen: Option<i64>,
    /// Our state.
    pub our_state: Option<String>,
    /// Their state.
    pub their_state: Option<String>,
}

/// Succeeded intents of `provider` that succeeded in `[from, to)`.
pub async fn payments_between(
    db: &impl ConnectionTrait,
    provider: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    payment_intent::Entity::find()
        .filter(payment_intent::Column::Provider.eq(provider))
        .filter(payment_intent::Column::State.eq("succeeded"))
        .filter(payment_intent::Column::SucceededAt.gte(from))
        .filter(payment_intent::Column::SucceededAt.lt(to))
        .all(db)
        .await
}

/// Succeeded refunds that finished in `[from, to)`, of any provider (the caller keeps
/// those of its provider's intents).
pub async fn refunds_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::State.eq("succeeded"))
        .filter(refund::Column::FinishedAt.gte(from))
        .filter(refund::Column::FinishedAt.lt(to))
        .all(db)
        .await
}

/// The intents numbered `nos`.
pub async fn intents_by_no(
    db: &impl ConnectionTrait,
    nos: Vec<String>,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in nos.chunks(500) {
        out.extend(
            payment_intent::Entity::find()
                .filter(payment_intent::Column::IntentNo.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The intents with ids `ids`.
pub async fn intents_by_id(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<Vec<payment_intent::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        out.extend(
            payment_intent::Entity::find()
                .filter(payment_intent::Column::Id.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// The refunds numbered `nos`.
pub async fn refunds_by_no(
    db: &impl ConnectionTrait,
    nos: Vec<String>,
) -> Result<Vec<refund::Model>, DbErr> {
    let mut out = Vec::new();
    for chunk in nos.chunks(500) {
        out.extend(
            refund::Entity::find()
                .filter(refund::Column::RefundNo.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// A posting to an account, with what caused its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedPosting {
    /// Debit positive, credit negative, in fen.
    pub amount_fen: i64,
    /// The entry's source type (`intent`, `refund`, `withdrawal_paid`, …).
    pub source_type: String,
    /// The entry's source id.
    pub source_id: String,
    /// The number our records know it by: the intent's, refund's or withdrawal's
    /// (`source_type:source_id` for any other source).
    pub number: String,
}

/// The postings to `account` in `[from, to)` (by the entry's time), each with its entry's
/// source and our number for it.
pub async fn postings_between(
    db: &impl ConnectionTrait,
    account: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<SourcedPosting>, DbErr> {
    use crate::entity::{ledger_entry, ledger_posting, withdrawal};
    let postings = ledger_posting::Entity::find()
        .filter(ledger_posting::Column::Account.eq(account))
        .filter(ledger_posting::Column::At.gte(from))
        .filter(ledger_posting::Column::At.lt(to))
        .all(db)
        .await?;
    let mut entries = std::collections::HashMap::new();
    let ids: Vec<Uuid> = postings.iter().map(|p| p.entry_id).collect();
    for chunk in ids.chunks(500) {
        for e in ledger_entry::Entity::find()
            .filter(ledger_entry::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            entries.insert(e.id, e);
        }
    }
    let ids_of = |kind: &str| -> Vec<Uuid> {
        entries
            .values()
            .filter(|e| e.source_type == kind)
            .filter_map(|e| e.source_id.parse().ok())
            .collect()
    };
    let mut numbers: std::collections::HashMap<Uuid, String> = std::collections::HashMap::new();
    for i in intents_by_id(db, ids_of(crate::repo::ledger::INTENT)).await? {
        numbers.insert(i.id, i.intent_no);
    }
    for chunk in ids_of(crate::repo::ledger::REFUND).chunks(500) {
        for r in refund::Entity::find()
            .filter(refund::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            numbers.insert(r.id, r.refund_no);
        }
    }
    for chunk in ids_of(crate::repo::withdrawals::WITHDRAWAL_PAID).chunks(500) {
        for w in withdrawal::Entity::find()
            .filter(withdrawal::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            numbers.insert(w.id, w.withdrawal_no);
        }
    }
    Ok(postings
        .into_iter()
        .filter_map(|p| {
            let e = entries.get(&p.entry_id)?;
            let number = e
                .source_id
                .parse::<Uuid>()
                .ok()
                .and_then(|id| numbers.get(&id).cloned())
                .unwrap_or_else(|| format!("{}:{}", e.source_type, e.source_id));
            Some(SourcedPosting {
                amount_fen: p.amount_fen,
                source_type: e.source_type.clone(),
                source_id: e.source_id.clone(),
                number,
            })
        })
        .collect())
}

/// Records `r` and its differences (call it in a transaction): the open differences of
/// its provider and date are replaced by `found`, except those already resolved (kept as
/// they are). Returns how many differences were written as open.
pub async fn save_run(
    tx: &impl ConnectionTrait,
    r: run::Model,
    found: Vec<NewDifference>,
) -> Result<usize, DbErr> {
    diff::Entity::delete_many()
        .filter(diff::Column::Provider.eq(r.provider.as_str()))
        .filter(diff::Column::BillDate.eq(r.bill_date.as_str()))
        .filter(diff::Column::State.eq("open"))
        .exec(tx)
        .await?;
    let resolved: HashSet<(String, String)> = diff::Entity::find()
        .select_only()
        .columns([diff::Column::Kind, diff::Column::Subject])
        .filter(diff::Column::Provider.eq(r.provider.as_str()))
        .filter(diff::Column::BillDate.eq(r.bill_date.as_str()))
        .into_tuple()
        .all(tx)
        .await?
        .into_iter()
        .collect();
    let mut open = 0;
    for d in found {
        if resolved.contains(&(d.kind.clone(), d.subject.clone())) {
            continue;
        }
        diff::ActiveModel {
            id: Set(Uuid::now_v7()),
            run_id: Set(r.id),
            provider: Set(r.provider.clone()),
            bill_date: Set(r.bill_date.clone()),
            kind: Set(d.kind),
            subject: Set(d.subject),
            line_kind: Set(d.line_kind),
            intent_no: Set(d.intent_no),
            refund_no: Set(d.refund_no),
            channel_trade_no: Set(d.channel_trade_no),
            ours_fen: Set(d.ours_fen),
            theirs_fen: Set(d.theirs_fen),
            our_state: Set(d.our_state),
            their_state: Set(d.their_state),
            state: Set("open".into()),
            note: Set(None),
            resolved_by: Set(None),
            resolved_at: Set(None),
            found_at: Set(r.finished_at),
        }
        .insert(tx)
        .await?;
        open += 1;
    }
    run::ActiveModel::from(r).insert(tx).await?;
    Ok(open)
}

/// Records a run that failed (no differences change).
pub async fn save_failed(db: &impl ConnectionTrait, r: run::Model) -> Result<(), DbErr> {
    run::ActiveModel::from(r).insert(db).await.map(|_| ())
}

/// Runs, newest bill date first, optionally of one date.
pub async fn runs(
    db: &impl ConnectionTrait,
    bill_date: Option<&str>,
    limit: u64,
) -> Result<Vec<run::Model>, DbErr> {
    let mut q = run::Entity::find();
    if let Some(d) = bill_date {
        q = q.filter(run::Column::BillDate.eq(d));
    }
    q.order_by_desc(run::Column::BillDate)
        .order_by_desc(run::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await
}

/// Which differences to list.
#[derive(Debug, Clone, Default)]
pub struct DifferenceFilter {
    /// Of one bill date.
    pub bill_date: Option<String>,
    /// Of one provider.
    pub provider: Option<String>,
    /// `open` or `resolved`.
    pub state: Option<String>,
    /// Of one kind.
    pub kind: Option<String>,
}

/// Differences, newest bill date first.
pub async fn differences(
    db: &impl ConnectionTrait,
    f: &DifferenceFilter,
    limit: u64,
) -> Result<Vec<diff::Model>, DbErr> {
    let mut q = diff::Entity::find();
    if let Some(v) = &f.bill_date {
        q = q.filter(diff::Column::BillDate.eq(v.as_str()));
    }
    if let Some(v) = &f.provider {
        q = q.filter(diff::Column::Provider.eq(v.as_str()));
    }
    if let Some(v) = &f.state {
        q = q.filter(diff::Column::State.eq(v.as_str()));
    }
    if let Some(v) = &f.kind {
        q = q.filter(diff::Column::Kind.eq(v.as_str()));
    }
    q.order_by_desc(diff::Column::BillDate)
        .order_by_asc(diff::Column::Provider)
        .order_by_asc(diff::Column::Kind)
        .order_by_asc(diff::Column::Subject)
        .limit(limit)
        .all(db)
        .await
}

/// One difference.
pub async fn difference(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<diff::Model>, DbErr> {
    diff::Entity::find_by_id(id).one(db).await
}

/// Resolves open difference `id` with `note` by `by`; `false` when it is not open (already
/// resolved, or replaced by a re-run).
pub async fn resolve(
    db: &impl ConnectionTrait,
    id: Uuid,
    note: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = diff::Entity::update_many()
        .col_expr(diff::Column::State, Expr::value("resolved"))
        .col_expr(diff::Column::Note, Expr::value(note))
        .col_expr(diff::Column::ResolvedBy, Expr::value(by))
        .col_expr(diff::Column::ResolvedAt, Expr::value(now))
        .filter(diff::Column::Id.eq(id))
        .filter(diff::Column::State.eq("open"))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}
