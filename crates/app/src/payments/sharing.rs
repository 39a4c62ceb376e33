//! Profit sharing at WeChat Pay (分账, service-provider mode): the partner's share of an
//! order paid through WeChat goes from the sub-merchant's frozen payment to the partner's
//! own merchant at the channel, once the order's earning is settled; the rest is unfrozen
//! for the platform in the same sharing order (`unfreeze_unsplit`).
//!
//! - **When**: in the settlement's transaction ([`plan`], called by
//!   [`crate::finance::settle_due`]), one `profit_sharing` row per shared payment of the
//!   order, unique by payment, with a `payment.share` job. A settlement run twice plans
//!   nothing twice.
//! - **How much**: the partner's recorded share (`order_earning.partner_fen`), taken from
//!   the order's shared payments, latest first, never above what each still holds (paid
//!   less refunded). A payment that carries no share, or whose partner has no receiver, is
//!   unfrozen whole (`U…`); the partner's share then stays owed in `partner_withdrawable`.
//! - **Once**: our number is derived from the payment's (`S<intent no>`, `U<intent no>`),
//!   so a retry after a crash or a timeout is the same request at WeChat. The job asks
//!   again (the query) until WeChat says how it ended; a lost job or callback is found by
//!   the hourly settlement run ([`follow_open`]).
//! - **Ledger**: a share that reached the partner's receiver is one entry, Dr
//!   `partner_withdrawable:<p>` / Cr `clearing:wechat` (source `profit_sharing`, the row):
//!   the platform no longer owes it, and the money never passed through its account.
//! - **Refunds after sharing** ([`before_refund`]): the partner's share is returned first
//!   (分账回退, `R<intent no>`), posted back (Dr `clearing:wechat` / Cr
//!   `partner_withdrawable:<p>`: the platform bears a refund after settlement, so the
//!   partner is owed its share again), and only then is the refund sent. A share still in
//!   flight holds the refund until it ends.

use super::{alert, payments, write_alert};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, Utc};
use daojia_domain::ids::PartnerId;
use daojia_domain::ledger::{Account, Clearing, Entry};
use daojia_domain::money::Money;
use daojia_domain::payment::{IntentState, Provider, RefundState};
use daojia_pay::channel::ProfitShare;
use daojia_pay::wechat::profitsharing::{
    DetailResult, NewReceiver, OrderState, ReceiverType, RelationType, ReturnOrder, ReturnResult,
    Share, SharingOrder, SharingReply,
};
use daojia_pay::wechat::transfer::PayeeName;
use daojia_store::entity::{order_earning, payment_intent, profit_sharing};
use daojia_store::repo::jobs::{self, NewJob};
use daojia_store::repo::ledger::{self, Source};
use daojia_store::repo::payments as pay_repo;
use daojia_store::repo::sharing::{self as repo, Change, NewSharing};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::sync::Arc;
use uuid::Uuid;

/// The job kind that sends a sharing and follows it to its end.
pub const SHARE_JOB: &str = "payment.share";

/// How many times the job follows one sharing before it alerts (the hourly run goes on
/// following it).
const MAX_STEPS: i32 = 12;

/// What sharing needs: the channel, and the words WeChat shows.
pub struct Sharing {
    /// WeChat Pay in service-provider mode.
    pub channel: Arc<dyn ProfitShare>,
    /// The share's description (分账描述, at most 80 characters).
    pub description: String,
}

fn sharing(app: &App) -> Option<Arc<Sharing>> {
    app.payments.as_ref().and_then(|p| p.sharing.clone())
}

/// Plans the sharing of order `order_id`'s WeChat payments in the settlement's
/// transaction `db`: one row per payment opened to be shared (none twice), each with its
/// job. Does nothing without profit sharing.
pub(crate) async fn plan(
    app: &App,
    db: &impl ConnectionTrait,
    order_id: Uuid,
    now: DateTime<Utc>,
) -> Result<usize> {
    if sharing(app).is_none() {
        return Ok(0);
    }
    let Some(earning) = order_earning::Entity::find_by_id(order_id).one(db).await? else {
        return Ok(0);
    };
    let receiver = match earning.partner_id {
        Some(p) => repo::receiver(db, p).await?,
        None => None,
    };
    let mut left = if receiver.is_some() {
        earning.partner_fen
    } else {
        0
    };
    let mut shared: Vec<payment_intent::Model> = pay_repo::intents_of_order(db, order_id)
        .await?
        .into_iter()
        .filter(|i| {
            i.profit_sharing
                && i.provider == Provider::Wechat.code()
                && IntentState::parse(&i.state) == Some(IntentState::Succeeded)
                && i.channel_trade_no.is_some()
        })
        .collect();
    // The latest payment carries the share first (as refunds are taken latest first).
    shared.reverse();
    let mut planned = 0;
    for intent in shared {
        let refunded: i64 = pay_repo::refunds_of_intent(db, intent.id)
            .await?
            .iter()
            .filter(|r| RefundState::parse(&r.state) != Some(RefundState::Failed))
            .map(|r| r.amount_fen)
            .sum();
        let holds = intent.amount_fen - refunded;
        if holds <= 0 {
            continue;
        }
        let share = left.min(holds);
        left -= share;
        let (prefix, partner, mchid) = match (&receiver, share > 0) {
            (Some(r), true) => ('S', earning.partner_id, Some(r.mchid.clone())),
            _ => ('U', None, None),
        };
        let new = NewSharing {
            intent_id: intent.id,
            order_id,
            partner_id: partner,
            out_order_no: format!("{prefix}{}", intent.intent_no),
            transaction_id: intent.channel_trade_no.clone().unwrap_or_default(),
            receiver_mchid: mchid,
            amount_fen: share,
        };
        if let Some(row) = repo::insert(db, new, now).await? {
            enqueue(db, row.id, 0, now).await?;
            planned += 1;
        }
    }
    if left > 0 {
        tracing::info!(order = %order_id, left_fen = left,
            "part of the partner's share is not carried by a shared WeChat payment; it stays owed in partner_withdrawable");
    }
    Ok(planned)
}

async fn enqueue(db: &impl ConnectionTrait, id: Uuid, step: i32, now: DateTime<Utc>) -> Result<()> {
    // Soon at first, then backing off: WeChat settles a sharing within minutes.
    let wait = if step == 0 {
        Duration::zero()
    } else {
        Duration::seconds(30 * i64::from(step.min(10)) * i64::from(step.min(10)))
    };
    jobs::enqueue(
        db,
        NewJob {
            kind: SHARE_JOB.into(),
            payload: serde_json::json!({ "id": id, "step": step }),
            run_at: now + wait,
            dedupe_key: Some(format!("{SHARE_JOB}:{id}:{step}")),
            max_attempts: 8,
        },
        now,
    )
    .await?;
    Ok(())
}

/// Where a sharing stands after a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// It ended (succeeded, failed or already so).
    Ended,
    /// WeChat has not finished it yet.
    Open,
}

/// Runs a `payment.share` job: sends or queries the sharing, applies what WeChat says,
/// and schedules the next look while it is open.
pub async fn run(app: &App, p: &serde_json::Value, now: DateTime<Utc>) -> Result<()> {
    let id = p["id"]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| Error::internal("a sharing job without its id"))?;
    let step = p["step"].as_i64().unwrap_or(0) as i32;
    let Some(row) = repo::by_id(app.store.db(), id).await? else {
        return Ok(());
    };
    if advance(app, &row, now).await? == Step::Ended {
        return Ok(());
    }
    if step + 1 >= MAX_STEPS {
        let detail = serde_json::json!({ "out_order_no": row.out_order_no, "steps": step + 1 });
        return alert(app, "sharing_stuck", Some(row.intent_id), detail, now).await;
    }
    enqueue(app.store.db(), id, step + 1, now).await
}

/// Plans the unfreeze (`U<intent no>`, nothing shared) of every WeChat payment opened to
/// be shared whose order was cancelled with part of it kept (a cancellation fee): that
/// order is never settled, so nothing else would release what stays frozen at the
/// channel. Once per payment (its row is unique by payment, the same number on a retry),
/// not while one of its refunds is in flight, not when it was refunded whole (the channel
/// releases that itself). Each row is sent by its `payment.share` job. Returns how many it
/// planned.
pub async fn release_frozen(app: &App, now: DateTime<Utc>) -> Result<usize> {
    if sharing(app).is_none() {
        return Ok(0);
    }
    let db = app.store.db();
    let mut planned = 0;
    for intent in repo::frozen_of_cancelled(db, 100).await? {
        let Some(order_id) = intent.order_id else {
            continue;
        };
        let tx = daojia_store::begin(db).await?;
        let result = async {
            let new = NewSharing {
                intent_id: intent.id,
                order_id,
                partner_id: None,
                out_order_no: format!("U{}", intent.intent_no),
                transaction_id: intent.channel_trade_no.clone().unwrap_or_default(),
                receiver_mchid: None,
                amount_fen: 0,
            };
            Ok(match repo::insert(&tx, new, now).await? {
                Some(row) => {
                    enqueue(&tx, row.id, 0, now).await?;
                    true
                }
                None => false,
            })
        }
        .await;
        if crate::workers::settle(tx, result).await? {
            tracing::info!(intent = %intent.intent_no, "cancelled order's frozen payment to be unfrozen");
            planned += 1;
        }
    }
    Ok(planned)
}

/// Releases what cancelled orders left frozen ([`release_frozen`]), then follows every
/// sharing still open after ten minutes (a lost job or callback): the hourly settlement
/// run calls it. Returns how many open sharings it looked at.
pub async fn follow_open(app: &App, now: DateTime<Utc>) -> Result<usize> {
    if sharing(app).is_none() {
        return Ok(0);
    }
    if let Err(e) = release_frozen(app, now).await {
        tracing::warn!(error = %e, "cancelled orders' frozen payments not released");
    }
    let rows = repo::open(app.store.db(), now - Duration::minutes(10), 100).await?;
    for row in &rows {
        if let Err(e) = advance(app, row, now).await {
            tracing::warn!(out_order_no = %row.out_order_no, error = %e, "sharing not followed");
        }
    }
    Ok(rows.len())
}

/// One step of sharing `row`: adds the receiver if it is new, sends the sharing (or the
/// unfreeze) while it is `requested`, asks WeChat about it while `processing` (sending it
/// again when WeChat holds none), and applies the answer.
pub async fn advance(app: &App, row: &profit_sharing::Model, now: DateTime<Utc>) -> Result<Step> {
    let Some(s) = sharing(app) else {
        return Err(Error::conflict(
            "sharing_unavailable",
            "profit sharing is not configured on this server",
        ));
    };
    if row.state != repo::REQUESTED && row.state != repo::PROCESSING {
        return Ok(Step::Ended);
    }
    let reply = if row.state == repo::PROCESSING {
        match s
            .channel
            .query_sharing(&row.out_order_no, &row.transaction_id, now)
            .await
            .map_err(channel_error)?
        {
            Some(r) => r,
            None => send(app, &s, row, now).await?,
        }
    } else {
        send(app, &s, row, now).await?
    };
    apply(app, row, &reply, now).await
}

async fn send(
    app: &App,
    s: &Sharing,
    row: &profit_sharing::Model,
    now: DateTime<Utc>,
) -> Result<SharingReply> {
    if row.amount_fen == 0 {
        return s
            .channel
            .unfreeze(&row.transaction_id, &row.out_order_no, "解冻剩余资金", now)
            .await
            .map_err(channel_error);
    }
    let (Some(partner), Some(mchid)) = (row.partner_id, row.receiver_mchid.clone()) else {
        return Err(Error::internal("a sharing with a share but no receiver"));
    };
    ensure_receiver(app, s, partner, &mchid, now).await?;
    let order = SharingOrder {
        transaction_id: row.transaction_id.clone(),
        out_order_no: row.out_order_no.clone(),
        receivers: vec![Share {
            kind: ReceiverType::MerchantId,
            account: mchid,
            amount: Money::fen(row.amount_fen),
            description: s.description.clone(),
        }],
        unfreeze_unsplit: true,
    };
    s.channel.share(&order, now).await.map_err(channel_error)
}

/// Adds the partner's receiver at WeChat unless it was added (adding again is harmless).
async fn ensure_receiver(
    app: &App,
    s: &Sharing,
    partner: Uuid,
    mchid: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let db = app.store.db();
    let Some(r) = repo::receiver(db, partner).await? else {
        return Err(Error::conflict(
            "receiver_unset",
            "the partner's receiver was removed after the sharing was planned",
        ));
    };
    if r.added_at.is_some() && r.mchid == mchid {
        return Ok(());
    }
    let receiver = NewReceiver {
        kind: ReceiverType::MerchantId,
        account: mchid.to_owned(),
        relation_type: RelationType::Partner,
        custom_relation: None,
    };
    s.channel
        .add_receiver(&receiver, Some(&PayeeName::new(r.name.clone())), now)
        .await
        .map_err(channel_error)?;
    repo::receiver_added(db, partner, mchid, now).await?;
    Ok(())
}

/// Applies WeChat's answer about `row`: still processing, or finished with the partner's
/// line succeeded (the ledger entry, once) or closed (alerted; the money stays with the
/// sub-merchant, unfrozen).
async fn apply(
    app: &App,
    row: &profit_sharing::Model,
    reply: &SharingReply,
    now: DateTime<Utc>,
) -> Result<Step> {
    let db = app.store.db();
    let line = reply.receivers.iter().find(|l| {
        row.receiver_mchid
            .as_deref()
            .is_some_and(|m| l.account == m && l.kind == ReceiverType::MerchantId)
    });
    let outcome = match (reply.state, row.amount_fen, line) {
        (OrderState::Processing, _, _) => None,
        (OrderState::Finished, 0, _) => Some(Ok(())),
        (OrderState::Finished, _, Some(l)) => match l.result {
            DetailResult::Pending => None,
            DetailResult::Success => Some(Ok(())),
            DetailResult::Closed => Some(Err(l
                .fail_reason
                .clone()
                .unwrap_or_else(|| "CLOSED".into()))),
        },
        (OrderState::Finished, _, None) => {
            Some(Err("the receiver is not in WeChat's order".into()))
        }
    };
    let Some(outcome) = outcome else {
        repo::advance(
            db,
            row.id,
            repo::REQUESTED,
            repo::PROCESSING,
            Change {
                wx_order_id: Some(reply.order_id.clone()),
                ..Default::default()
            },
            now,
        )
        .await?;
        return Ok(Step::Open);
    };
    let tx = daojia_store::begin(db).await?;
    let to = if outcome.is_ok() {
        repo::SUCCEEDED
    } else {
        repo::FAILED
    };
    let mut moved = false;
    for from in [repo::PROCESSING, repo::REQUESTED] {
        let change = Change {
            wx_order_id: Some(reply.order_id.clone()),
            fail_reason: outcome.clone().err(),
            finished: true,
            ..Default::default()
        };
        if repo::advance(&tx, row.id, from, to, change, now).await? {
            moved = true;
            break;
        }
    }
    if moved {
        match (&outcome, row.partner_id) {
            (Ok(()), Some(p)) if row.amount_fen > 0 => {
                let entry = Entry::transfer(
                    Account::PartnerWithdrawable(PartnerId(p)),
                    Account::Clearing(Clearing::Channel(Provider::Wechat)),
                    Money::fen(row.amount_fen),
                )
                .map_err(|e| Error::internal(format!("sharing entry: {e:?}")))?;
                let source = Source {
                    kind: ledger::PROFIT_SHARING,
                    id: row.id.to_string(),
                    order_id: Some(row.order_id),
                    memo: "分账：服务商分成在渠道直接结给服务商",
                };
                ledger::post(&tx, source, &entry, now, now).await?;
            }
            (Err(reason), _) => {
                let detail = serde_json::json!({
                    "out_order_no": row.out_order_no, "reason": reason,
                    "amount_fen": row.amount_fen,
                });
                write_alert(app, &tx, "sharing_failed", Some(row.intent_id), detail, now).await?;
            }
            _ => {}
        }
    }
    tx.commit().await?;
    if moved {
        app.wake_relay();
    }
    Ok(Step::Ended)
}

/// Verifies a `PROFITSHARING.*` callback and follows the sharing it names (WeChat's order
/// is asked for the whole truth; the callback only says to look). A callback for no
/// sharing of ours is refused.
pub async fn apply_notification(
    app: &App,
    headers: &[(String, String)],
    body: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(s) = sharing(app) else {
        return Err(Error::NotFound("profit sharing"));
    };
    let n = s
        .channel
        .verify_sharing_notification(headers, body, now)
        .map_err(|e| Error::conflict("notification_refused", e.to_string()))?;
    let Some(row) = repo::by_out_order_no(app.store.db(), &n.notice.out_order_no).await? else {
        return Err(Error::conflict(
            "notification_refused",
            format!("no sharing `{}` here", n.notice.out_order_no),
        ));
    };
    if n.notice.transaction_id != row.transaction_id {
        return Err(Error::conflict(
            "notification_refused",
            "the callback's payment is not the sharing's",
        ));
    }
    advance(app, &row, now).await?;
    Ok(())
}

/// Before a refund of `intent`: a share the partner received is returned first (once; the
/// same return number on a retry), and posted back. `Err` holds the refund (its job tries
/// again): a sharing still in flight, or a return WeChat has not finished or refused
/// (alerted).
pub(crate) async fn before_refund(
    app: &App,
    intent: &payment_intent::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(s) = sharing(app) else {
        return Ok(());
    };
    let db = app.store.db();
    let Some(row) = repo::of_intent(db, intent.id).await? else {
        return Ok(());
    };
    if row.state == repo::REQUESTED || row.state == repo::PROCESSING {
        // Let it end first: what is returned depends on how it ended.
        if advance(app, &row, now).await? == Step::Open {
            return Err(Error::conflict(
                "sharing_in_flight",
                "the payment's sharing has not ended at WeChat; the refund waits for it",
            ));
        }
    }
    let Some(row) = repo::by_id(db, row.id).await? else {
        return Ok(());
    };
    let owed_back = row.amount_fen - row.returned_fen;
    if row.state != repo::SUCCEEDED || owed_back <= 0 {
        return Ok(());
    }
    let (Some(partner), Some(mchid)) = (row.partner_id, row.receiver_mchid.clone()) else {
        return Ok(());
    };
    let return_no = format!("R{}", intent.intent_no);
    let order = ReturnOrder {
        out_order_no: row.out_order_no.clone(),
        out_return_no: return_no.clone(),
        return_mchid: mchid,
        amount: Money::fen(owed_back),
        description: "订单退款，服务商分成回退".into(),
    };
    let reply = s
        .channel
        .return_share(&order, now)
        .await
        .map_err(channel_error)?;
    match reply.result {
        ReturnResult::Processing => Err(Error::conflict(
            "sharing_return_pending",
            "the partner's share is being returned; the refund follows",
        )),
        ReturnResult::Failed => {
            let detail = serde_json::json!({
                "out_return_no": return_no, "reason": reply.fail_reason,
                "amount_fen": owed_back,
            });
            alert(app, "sharing_return_failed", Some(intent.id), detail, now).await?;
            Err(Error::conflict(
                "sharing_return_failed",
                "the partner's receiver could not give its share back: see the alert",
            ))
        }
        ReturnResult::Success => {
            let tx = daojia_store::begin(db).await?;
            let change = Change {
                return_no: Some(return_no),
                returned_fen: Some(row.amount_fen),
                ..Default::default()
            };
            if repo::advance(&tx, row.id, repo::SUCCEEDED, repo::RETURNED, change, now).await? {
                let entry = Entry::transfer(
                    Account::Clearing(Clearing::Channel(Provider::Wechat)),
                    Account::PartnerWithdrawable(PartnerId(partner)),
                    Money::fen(owed_back),
                )
                .map_err(|e| Error::internal(format!("return entry: {e:?}")))?;
                let source = Source {
                    kind: ledger::PROFIT_SHARING_RETURN,
                    id: row.id.to_string(),
                    order_id: Some(row.order_id),
                    memo: "分账回退：服务商分成退回渠道，以便退款",
                };
                ledger::post(&tx, source, &entry, now, now).await?;
            }
            tx.commit().await?;
            Ok(())
        }
    }
}

/// The sharings of order `order_id`, for staff.
pub async fn of_order(app: &App, order_id: Uuid) -> Result<Vec<profit_sharing::Model>> {
    payments(app)?;
    Ok(repo::of_order(app.store.db(), order_id).await?)
}

fn channel_error(e: daojia_pay::Error) -> Error {
    Error::internal(format!("WeChat profit sharing: {e}"))
}

/// A partner's receiver as staff see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReceiverView {
    /// The partner.
    pub partner_id: Uuid,
    /// Its WeChat Pay merchant id.
    pub mchid: String,
    /// The merchant's full name (商户全称).
    pub name: String,
    /// When it was added as a receiver at WeChat (`null` until the first sharing).
    pub added_at: Option<DateTime<Utc>>,
    /// When it was last set.
    pub updated_at: DateTime<Utc>,
}

impl From<daojia_store::entity::partner_receiver::Model> for ReceiverView {
    fn from(r: daojia_store::entity::partner_receiver::Model) -> Self {
        ReceiverView {
            partner_id: r.partner_id,
            mchid: r.mchid,
            name: r.name,
            added_at: r.added_at,
            updated_at: r.updated_at,
        }
    }
}

/// Partner `partner`'s receiver, if set.
pub async fn receiver_of(app: &App, partner: Uuid) -> Result<Option<ReceiverView>> {
    Ok(repo::receiver(app.store.db(), partner)
        .await?
        .map(Into::into))
}

/// Sets partner `partner`'s receiver (its own merchant id and full name), audited
/// `partner.sharing_receiver` in the same transaction. Sharings planned from now on pay
/// it; a changed receiver is added at WeChat again on its first sharing.
pub async fn set_receiver(
    app: &App,
    actor: &crate::workers::Actor,
    partner: Uuid,
    mchid: &str,
    name: &str,
    now: DateTime<Utc>,
) -> Result<ReceiverView> {
    let mchid = mchid.trim();
    let name = name.trim();
    let mut issues = Vec::new();
    if mchid.len() < 8 || mchid.len() > 32 || !mchid.bytes().all(|b| b.is_ascii_digit()) {
        issues.push(crate::error::FieldIssue {
            field: "mchid".into(),
            code: "invalid_mchid",
            message: "the partner's WeChat Pay merchant id: 8 to 32 digits".into(),
        });
    }
    let n = name.chars().count();
    if n == 0 || n > 128 {
        issues.push(crate::error::FieldIssue {
            field: "name".into(),
            code: "invalid_name",
            message: "the merchant's full name as registered with WeChat Pay, 1 to 128 characters"
                .into(),
        });
    }
    if !issues.is_empty() {
        return Err(Error::Invalid(issues));
    }
    use daojia_store::entity::partner;
    let tx = daojia_store::begin(app.store.db()).await?;
    partner::Entity::find_by_id(partner)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("partner"))?;
    let before = repo::receiver(&tx, partner).await?;
    repo::set_receiver(&tx, partner, mchid, name, now).await?;
    actor
        .audit(
            app,
            &tx,
            "partner.sharing_receiver",
            partner,
            (
                before.map(|b| serde_json::json!({ "mchid": b.mchid, "name": b.name })),
                Some(serde_json::json!({ "mchid": mchid, "name": name })),
            ),
            now,
        )
        .await?;
    let after = repo::receiver(&tx, partner)
        .await?
        .ok_or_else(|| Error::internal("the receiver just written"))?;
    tx.commit().await?;
    Ok(after.into())
}
