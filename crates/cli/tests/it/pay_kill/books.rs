//! The two sides of the books after the storm: the simulator's (what the vendors hold: every
//! trade, paid or not, and every refund they made) and ours (intents, refunds, orders, the
//! payments credited to orders, the ledger), and every way in which they disagree or ours
//! break a rule of money. An empty list is the kill test's verdict.

use daojia_store::entity::{
    ledger_entry, order_payment, payment_intent, payment_notification, refund, service_order,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// A trade as the simulator holds it.
#[derive(Debug, Clone)]
pub struct Trade {
    pub trade_no: String,
    pub amount_fen: i64,
    pub state: String,
    pub refunded_fen: i64,
}

/// A refund the simulator made.
#[derive(Debug, Clone)]
pub struct TheirRefund {
    pub out_trade_no: String,
    pub amount_fen: i64,
}

/// The vendors' side (`GET {simulator}/admin/trades`).
pub struct Theirs {
    pub trades: BTreeMap<String, Trade>,
    pub refunds: BTreeMap<String, TheirRefund>,
}

/// Reads the simulator's books.
pub async fn theirs(http: &reqwest::Client, sim: &str) -> Theirs {
    let v: Value = http
        .get(format!("{sim}/admin/trades"))
        .send()
        .await
        .expect("the simulator answers")
        .json()
        .await
        .unwrap();
    let s = |v: &Value, k: &str| v[k].as_str().unwrap().to_string();
    let trades = v["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                s(t, "out_trade_no"),
                Trade {
                    trade_no: s(t, "trade_no"),
                    amount_fen: t["amount_fen"].as_i64().unwrap(),
                    state: s(t, "state"),
                    refunded_fen: t["refunded_fen"].as_i64().unwrap(),
                },
            )
        })
        .collect();
    let refunds = v["refunds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                s(r, "refund_no"),
                TheirRefund {
                    out_trade_no: s(r, "out_trade_no"),
                    amount_fen: r["amount_fen"].as_i64().unwrap(),
                },
            )
        })
        .collect();
    Theirs { trades, refunds }
}

/// Our side, read from the database.
pub struct Ours {
    pub intents: Vec<payment_intent::Model>,
    pub refunds: Vec<refund::Model>,
    pub orders: Vec<service_order::Model>,
    pub payments: Vec<order_payment::Model>,
    pub entries: Vec<ledger_entry::Model>,
    pub notifications: Vec<payment_notification::Model>,
}

/// Reads our books: the intents of orders (the payments this test drives; the demo's
/// wallet top-ups are seeded without the channel and are not compared with it).
pub async fn ours(db: &DatabaseConnection) -> Ours {
    Ours {
        intents: payment_intent::Entity::find()
            .filter(payment_intent::Column::Purpose.eq(daojia_domain::wallet::PURPOSE_ORDER))
            .all(db)
            .await
            .unwrap(),
        refunds: refund::Entity::find().all(db).await.unwrap(),
        orders: service_order::Entity::find().all(db).await.unwrap(),
        payments: order_payment::Entity::find().all(db).await.unwrap(),
        entries: ledger_entry::Entity::find().all(db).await.unwrap(),
        notifications: payment_notification::Entity::find().all(db).await.unwrap(),
    }
}

/// What the test itself saw: the intents the API opened (number → order) and the trades
/// the payer paid (the simulator took the click).
#[derive(Debug, Default)]
pub struct Seen {
    pub opened: BTreeMap<String, Uuid>,
    pub paid: BTreeSet<String>,
}

/// Every disagreement between the simulator and us, and every broken rule of money.
pub fn differences(theirs: &Theirs, ours: &Ours, seen: &Seen) -> Vec<String> {
    let mut wrong = Vec::new();
    let intents: BTreeMap<&str, &payment_intent::Model> = ours
        .intents
        .iter()
        .map(|i| (i.intent_no.as_str(), i))
        .collect();
    let intent_by_id: BTreeMap<Uuid, &payment_intent::Model> =
        ours.intents.iter().map(|i| (i.id, i)).collect();

    // What the test saw is true on both sides.
    for (no, order) in &seen.opened {
        match intents.get(no.as_str()) {
            None => wrong.push(format!(
                "intent {no}: answered by the API, not in the database"
            )),
            Some(i) if i.order_id != Some(*order) => wrong.push(format!(
                "intent {no}: of order {:?}, answered for {order}",
                i.order_id
            )),
            Some(_) => {}
        }
    }
    for no in &seen.paid {
        if theirs.trades.get(no).is_none_or(|t| t.state != "paid") {
            wrong.push(format!(
                "trade {no}: the payer paid it, the simulator does not say paid"
            ));
        }
    }

    // Payments: paid at the channel exactly when succeeded here, for the same amount.
    for (no, t) in &theirs.trades {
        let Some(i) = intents.get(no.as_str()) else {
            wrong.push(format!("trade {no}: at the channel, no intent here"));
            continue;
        };
        let paid = t.state == "paid";
        let succeeded = i.state == "succeeded";
        if paid && !succeeded {
            wrong.push(format!(
                "intent {no}: paid at the channel ({} fen), `{}` here (payment lost)",
                t.amount_fen, i.state
            ));
        }
        if succeeded && !paid {
            wrong.push(format!(
                "intent {no}: succeeded here, `{}` at the channel",
                t.state
            ));
        }
        if t.amount_fen != i.amount_fen {
            wrong.push(format!(
                "intent {no}: {} fen here, {} at the channel",
                i.amount_fen, t.amount_fen
            ));
        }
        if succeeded && i.channel_trade_no.as_deref() != Some(t.trade_no.as_str()) {
            wrong.push(format!(
                "intent {no}: channel trade {:?} here, {} at the channel",
                i.channel_trade_no, t.trade_no
            ));
        }
    }
    for i in ours.intents.iter().filter(|i| i.state == "succeeded") {
        if !theirs.trades.contains_key(&i.intent_no) {
            wrong.push(format!(
                "intent {}: succeeded here, unknown at the channel",
                i.intent_no
            ));
        }
    }

    // Each success counted once: in the ledger once, and either credited to its order once
    // or refunded whole as unowed once — never both, never neither.
    let mut intent_entries: BTreeMap<&str, usize> = BTreeMap::new();
    for e in ours.entries.iter().filter(|e| e.source_type == "intent") {
        *intent_entries.entry(e.source_id.as_str()).or_default() += 1;
    }
    let mut refunds_of: BTreeMap<Uuid, Vec<&refund::Model>> = BTreeMap::new();
    for r in &ours.refunds {
        refunds_of.entry(r.intent_id).or_default().push(r);
    }
    for i in ours.intents.iter().filter(|i| i.state == "succeeded") {
        let entries = intent_entries
            .get(i.id.to_string().as_str())
            .copied()
            .unwrap_or(0);
        if entries != 1 {
            wrong.push(format!("intent {}: {entries} ledger entries", i.intent_no));
        }
        let credits: Vec<&order_payment::Model> = ours
            .payments
            .iter()
            .filter(|p| {
                Some(p.order_id) == i.order_id
                    && (Some(&p.reference) == i.channel_trade_no.as_ref()
                        || p.reference == i.intent_no)
            })
            .collect();
        let unowed: Vec<&&refund::Model> = refunds_of
            .get(&i.id)
            .into_iter()
            .flatten()
            .filter(|r| r.origin == "unowed")
            .collect();
        match (credits.as_slice(), unowed.as_slice()) {
            ([p], []) if p.amount_fen == i.amount_fen => {}
            ([], [r]) if r.amount_fen == i.amount_fen => {}
            _ => wrong.push(format!(
                "intent {} ({} fen): credited {:?}, refunded as unowed {:?} (want exactly one, whole)",
                i.intent_no,
                i.amount_fen,
                credits.iter().map(|p| p.amount_fen).collect::<Vec<_>>(),
                unowed.iter().map(|r| r.amount_fen).collect::<Vec<_>>(),
            )),
        }
    }
    for p in &ours.payments {
        let from_intent = ours.intents.iter().any(|i| {
            i.order_id == Some(p.order_id)
                && i.state == "succeeded"
                && (Some(&p.reference) == i.channel_trade_no.as_ref() || p.reference == i.intent_no)
        });
        if !from_intent {
            wrong.push(format!(
                "order {}: a payment of {} fen ({} {}) no succeeded intent made",
                p.order_id, p.amount_fen, p.method, p.reference
            ));
        }
    }

    // Orders: paid is what was credited; refunded is what the order's refunds carry.
    for o in &ours.orders {
        let credited: i64 = ours
            .payments
            .iter()
            .filter(|p| p.order_id == o.id)
            .map(|p| p.amount_fen)
            .sum();
        if o.paid_fen != credited {
            wrong.push(format!(
                "order {} ({}): paid_fen {} but {credited} credited",
                o.order_no, o.state, o.paid_fen
            ));
        }
        let booked: i64 = ours
            .refunds
            .iter()
            .filter(|r| r.order_id == o.id && r.origin != "unowed")
            .map(|r| r.amount_fen)
            .sum();
        if o.refunded_fen != booked {
            wrong.push(format!(
                "order {} ({}): refunded_fen {} but refunds of {booked} fen",
                o.order_no, o.state, o.refunded_fen
            ));
        }
        if o.refunded_fen > o.paid_fen {
            wrong.push(format!(
                "order {}: refunded {} of {} paid",
                o.order_no, o.refunded_fen, o.paid_fen
            ));
        }
    }

    // Refunds: each of ours made once at the channel, for its amount, and finished; none
    // at the channel that we did not ask for; per trade the same total.
    for r in &ours.refunds {
        let Some(i) = intent_by_id.get(&r.intent_id) else {
            wrong.push(format!("refund {}: its intent is missing", r.refund_no));
            continue;
        };
        if r.state != "succeeded" {
            wrong.push(format!(
                "refund {} ({}): `{}`",
                r.refund_no, r.origin, r.state
            ));
        }
        match theirs.refunds.get(&r.refund_no) {
            None if r.state == "succeeded" || r.state == "processing" => wrong.push(format!(
                "refund {}: `{}` here, never made at the channel",
                r.refund_no, r.state
            )),
            None => {}
            Some(t) if t.out_trade_no != i.intent_no || t.amount_fen != r.amount_fen => {
                wrong.push(format!(
                    "refund {}: {} fen of {} here, {} fen of {} at the channel",
                    r.refund_no, r.amount_fen, i.intent_no, t.amount_fen, t.out_trade_no
                ))
            }
            Some(_) => {}
        }
    }
    let ours_by_no: BTreeSet<&str> = ours.refunds.iter().map(|r| r.refund_no.as_str()).collect();
    for (no, t) in &theirs.refunds {
        if !ours_by_no.contains(no.as_str()) {
            wrong.push(format!(
                "refund {no}: {} fen of {} made at the channel, unknown here",
                t.amount_fen, t.out_trade_no
            ));
        }
    }
    for (no, t) in &theirs.trades {
        let Some(i) = intents.get(no.as_str()) else {
            continue;
        };
        let ours: i64 = refunds_of
            .get(&i.id)
            .into_iter()
            .flatten()
            .filter(|r| r.state != "failed")
            .map(|r| r.amount_fen)
            .sum();
        if ours != t.refunded_fen {
            wrong.push(format!(
                "intent {no}: {ours} fen refunded here, {} at the channel",
                t.refunded_fen
            ));
        }
    }
    // Money paid offline cannot be here; a refund owed by hand means one went astray.
    for e in ours
        .entries
        .iter()
        .filter(|e| e.source_type == "offline_refund")
    {
        wrong.push(format!(
            "an offline refund was owed: {} ({})",
            e.source_id, e.memo
        ));
    }
    wrong
}

/// Figures for the report: (intents, succeeded, found by a query rather than a callback,
/// refunds, of which unowed).
pub fn figures(ours: &Ours) -> (usize, usize, usize, usize, usize) {
    let notified: BTreeSet<&str> = ours
        .notifications
        .iter()
        .filter(|n| n.kind == "payment")
        .map(|n| n.subject_no.as_str())
        .collect();
    let succeeded: Vec<_> = ours
        .intents
        .iter()
        .filter(|i| i.state == "succeeded")
        .collect();
    let by_query = succeeded
        .iter()
        .filter(|i| !notified.contains(i.intent_no.as_str()))
        .count();
    (
        ours.intents.len(),
        succeeded.len(),
        by_query,
        ours.refunds.len(),
        ours.refunds.iter().filter(|r| r.origin == "unowed").count(),
    )
}
