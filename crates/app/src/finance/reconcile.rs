//! Reconciliation (对账): each channel's daily trade bill, downloaded (or uploaded by
//! finance), parsed and matched line by line against our payment intents and refunds
//! ([`super::matching`]), and WeChat Pay's fund flow bill matched against the postings to
//! our clearing account ([`super::fund_matching`]); the run and its differences are stored, re-running a date
//! replaces the open differences and keeps the resolved ones, and finance resolves each
//! difference with a note (audited).

use super::matching::{self, Kind, OurSide, Ours};
use crate::workers::Actor;
use crate::{App, Error, Result};
use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use daojia_domain::payment::Provider;
use daojia_pay::channel::ChannelKind;
use daojia_pay::channel::bill::parse_bill;
use daojia_store::entity::{reconciliation_difference as diff, reconciliation_run as run};
use daojia_store::repo::reconciliation::{self as repo, DifferenceFilter};
use serde::Serialize;
use sha1::{Digest, Sha1};
use uuid::Uuid;

/// The job kind of the daily reconciliation of the day before.
pub const RECONCILE_JOB: &str = "finance.reconcile";
/// When the daily job runs, China time: the vendors publish the day's bills from about
/// 09:00 (Alipay) and 10:00 (WeChat Pay).
pub const RECONCILE_HOUR: u32 = 10;

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// Today's date in China at `now`.
pub fn china_today(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&china()).date_naive()
}

/// The UTC instants where China date `d` begins and ends.
pub(crate) fn day_bounds(d: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = |d: NaiveDate| {
        china()
            .from_local_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight exists"))
            .single()
            .expect("a fixed offset has no gaps")
            .with_timezone(&Utc)
    };
    (start(d), start(d + chrono::Days::new(1)))
}

/// Where the bill comes from.
#[derive(Debug, Clone)]
pub enum BillSource {
    /// Downloaded from the channel (its hash checked where the protocol gives one).
    Download,
    /// A file finance uploaded, as the channel serves it (WeChat's CSV, Alipay's zip).
    Upload(Vec<u8>),
}

/// A run as the console shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RunView {
    /// Its id.
    pub id: Uuid,
    /// The bill: `wechat`, `alipay` (trade bills) or `wechat_fund` (WeChat Pay's fund
    /// flow bill).
    pub provider: String,
    /// The bill's China date.
    pub bill_date: String,
    /// `download` or `upload`.
    pub source: String,
    /// `succeeded` or `failed`.
    pub state: String,
    /// SHA-1 of the bill file.
    pub bill_sha1: Option<String>,
    /// Lines in the bill.
    pub bill_lines: i32,
    /// Lines that agreed with ours.
    pub matched: i32,
    /// Differences found.
    pub differences: i32,
    /// A trade bill's: the channel fees (手续费) the ledger holds for its channel and
    /// day, in fen (booked from the lines that agreed; fees given back on refunds net
    /// against those taken). None for the fund flow bill.
    pub fees_fen: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Who started it (none: the daily job).
    pub started_by: Option<Uuid>,
    /// When.
    pub started_at: DateTime<Utc>,
    /// Finished.
    pub finished_at: DateTime<Utc>,
}

impl From<run::Model> for RunView {
    fn from(r: run::Model) -> Self {
        RunView {
            id: r.id,
            provider: r.provider,
            bill_date: r.bill_date,
            source: r.source,
            state: r.state,
            bill_sha1: r.bill_sha1,
            bill_lines: r.bill_lines,
            matched: r.matched,
            differences: r.differences,
            fees_fen: None,
            error: r.error,
            started_by: r.started_by,
            started_at: r.started_at,
            finished_at: r.finished_at,
        }
    }
}

/// A difference as the console shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DifferenceView {
    /// Its id.
    pub id: Uuid,
    /// The run that found it.
    pub run_id: Uuid,
    /// The bill: `wechat`, `alipay` or `wechat_fund`.
    pub provider: String,
    /// The bill's China date.
    pub bill_date: String,
    /// `missing_ours`, `missing_theirs`, `amount_mismatch` or `status_mismatch`.
    pub kind: String,
    /// `payment` or `refund`; in the fund flow bill also `transfer`, `fee`, `other`.
    pub line_kind: String,
    /// What it is about: the refund's number for a refund, else the intent's; in the fund
    /// flow bill the withdrawal's number for a transfer, `fees` for the day's fees.
    pub subject: String,
    /// The intent's number.
    pub intent_no: Option<String>,
    /// The refund's number.
    pub refund_no: Option<String>,
    /// The channel's trade number.
    pub channel_trade_no: Option<String>,
    /// Ours, in fen.
    pub ours_fen: Option<i64>,
    /// The bill's, in fen.
    pub theirs_fen: Option<i64>,
    /// Our record's state.
    pub our_state: Option<String>,
    /// The bill line's state.
    pub their_state: Option<String>,
    /// `open` or `resolved`.
    pub state: String,
    /// Finance's note.
    pub note: Option<String>,
    /// Who resolved it.
    pub resolved_by: Option<Uuid>,
    /// When.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When found.
    pub found_at: DateTime<Utc>,
}

impl From<diff::Model> for DifferenceView {
    fn from(d: diff::Model) -> Self {
        DifferenceView {
            id: d.id,
            run_id: d.run_id,
            provider: d.provider,
            bill_date: d.bill_date,
            kind: d.kind,
            line_kind: d.line_kind,
            subject: d.subject,
            intent_no: d.intent_no,
            refund_no: d.refund_no,
            channel_trade_no: d.channel_trade_no,
            ours_fen: d.ours_fen,
            theirs_fen: d.theirs_fen,
            our_state: d.our_state,
            their_state: d.their_state,
            state: d.state,
            note: d.note,
            resolved_by: d.resolved_by,
            resolved_at: d.resolved_at,
            found_at: d.found_at,
        }
    }
}

fn kind_of(p: Provider) -> ChannelKind {
    match p {
        Provider::Wechat => ChannelKind::Wechat,
        Provider::Alipay => ChannelKind::Alipay,
    }
}

/// Our side of `provider`'s bill of `date`: what succeeded that day with it, and what the
/// bill's lines name.
async fn our_side(
    app: &App,
    provider: Provider,
    date: NaiveDate,
    lines: &[daojia_pay::channel::bill::BillLine],
) -> Result<OurSide> {
    let db = app.store.db();
    let (from, to) = day_bounds(date);
    let code = provider.code();
    let mut side = OurSide::default();
    let mut intents = repo::payments_between(db, code, from, to).await?;
    side.paid_that_day = intents.iter().map(|i| i.intent_no.clone()).collect();
    let named: Vec<String> = lines.iter().map(|l| l.intent.clone()).collect();
    intents.extend(repo::intents_by_no(db, named).await?);
    let mut refunds = repo::refunds_between(db, from, to).await?;
    let day_refunds: Vec<String> = refunds.iter().map(|r| r.refund_no.clone()).collect();
    let named: Vec<String> = lines.iter().filter_map(|l| l.refund.clone()).collect();
    refunds.extend(repo::refunds_by_no(db, named).await?);
    let ids: Vec<Uuid> = refunds.iter().map(|r| r.intent_id).collect();
    intents.extend(repo::intents_by_id(db, ids).await?);
    let by_id: std::collections::HashMap<Uuid, &daojia_store::entity::payment_intent::Model> =
        intents.iter().map(|i| (i.id, i)).collect();
    for i in &intents {
        side.payments.insert(
            i.intent_no.clone(),
            Ours {
                intent_no: i.intent_no.clone(),
                refund_no: None,
                provider: i.provider.clone(),
                amount_fen: i.amount_fen,
                state: i.state.clone(),
                channel_trade_no: i.channel_trade_no.clone(),
            },
        );
    }
    for r in &refunds {
        let Some(i) = by_id.get(&r.intent_id) else {
            continue;
        };
        side.refunds.insert(
            r.refund_no.clone(),
            Ours {
                intent_no: i.intent_no.clone(),
                refund_no: Some(r.refund_no.clone()),
                provider: i.provider.clone(),
                amount_fen: r.amount_fen,
                state: r.state.clone(),
                channel_trade_no: i.channel_trade_no.clone(),
            },
        );
        if i.provider == code && day_refunds.contains(&r.refund_no) {
            side.refunded_that_day.insert(r.refund_no.clone());
        }
    }
    Ok(side)
}

/// The postings to `clearing:wechat` on China date `date`, as the fund bill's matcher
/// sees them.
async fn clearing_side(
    app: &App,
    date: NaiveDate,
) -> Result<Vec<super::fund_matching::OurPosting>> {
    let (from, to) = day_bounds(date);
    use daojia_domain::ledger::{Account, Clearing};
    let account = Account::Clearing(Clearing::Channel(Provider::Wechat)).code();
    Ok(repo::postings_between(app.store.db(), &account, from, to)
        .await?
        .into_iter()
        .map(|p| super::fund_matching::OurPosting {
            kind: super::fund_matching::kind_of_source(&p.source_type),
            number: p.number,
            amount_fen: p.amount_fen,
        })
        .collect())
}

/// Reconciles `provider`'s bill of China date `date`, started by `actor` (none: the daily
/// job). A bill that cannot be had or read is recorded as a failed run and returned as a
/// conflict (`bill_unavailable`, `bill_unreadable`); the open differences of the date stay
/// as they were.
pub async fn reconcile(
    app: &App,
    provider: Provider,
    date: NaiveDate,
    source: BillSource,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<RunView> {
    reconcile_bill(app, Statement::Trade(provider), date, source, actor, now).await
}

/// A bill reconciliation reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    /// A channel's trade bill (交易账单), matched against our intents and refunds.
    Trade(Provider),
    /// WeChat Pay's fund flow bill (资金账单) of the basic account, matched against the
    /// postings to `clearing:wechat` ([`super::fund_matching`]).
    WechatFund,
}

impl Statement {
    /// The code runs and differences are kept under (`provider`): `wechat`, `alipay`,
    /// `wechat_fund`.
    pub fn code(self) -> &'static str {
        match self {
            Statement::Trade(p) => p.code(),
            Statement::WechatFund => "wechat_fund",
        }
    }

    /// The statement of `code`.
    pub fn parse(code: &str) -> Option<Statement> {
        match code {
            "wechat_fund" => Some(Statement::WechatFund),
            other => Provider::parse(other).map(Statement::Trade),
        }
    }

    fn provider(self) -> Provider {
        match self {
            Statement::Trade(p) => p,
            Statement::WechatFund => Provider::Wechat,
        }
    }
}

/// [`reconcile`] for any [`Statement`]: a channel's trade bill, or WeChat Pay's fund flow
/// bill (its runs and differences kept as `wechat_fund`).
pub async fn reconcile_bill(
    app: &App,
    statement: Statement,
    date: NaiveDate,
    source: BillSource,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> Result<RunView> {
    let provider = statement.provider();
    let source_code = match source {
        BillSource::Download => "download",
        BillSource::Upload(_) => "upload",
    };
    let mut r = run::Model {
        id: Uuid::now_v7(),
        provider: statement.code().into(),
        bill_date: date.to_string(),
        source: source_code.into(),
        state: "failed".into(),
        bill_sha1: None,
        bill_lines: 0,
        matched: 0,
        differences: 0,
        error: None,
        started_by: actor.map(|a| a.staff_id),
        started_at: now,
        finished_at: now,
    };
    let file = match source {
        BillSource::Upload(f) => Ok(f),
        BillSource::Download => {
            let channel = crate::payments::payments(app)?.channel(provider)?;
            match statement {
                Statement::Trade(_) => channel.download_bill(date, now).await,
                Statement::WechatFund => channel.download_fund_bill(date, now).await,
            }
            .map_err(|e| ("bill_unavailable", e.to_string()))
        }
    };
    let matched = match file {
        Ok(f) => {
            r.bill_sha1 = Some(hex::encode(Sha1::digest(&f)));
            match statement {
                Statement::Trade(_) => match parse_bill(kind_of(provider), &f) {
                    Ok(lines) => {
                        let side = our_side(app, provider, date, &lines).await?;
                        Ok((
                            lines.len(),
                            matching::compare(provider.code(), &lines, &side),
                        ))
                    }
                    Err(e) => Err(("bill_unreadable", e.to_string())),
                },
                Statement::WechatFund => {
                    match daojia_pay::wechat::fund_bill::parse_fund_bill_file(&f) {
                        Ok(lines) => {
                            let ours = clearing_side(app, date).await?;
                            Ok((lines.len(), super::fund_matching::compare(&lines, &ours)))
                        }
                        Err(e) => Err(("bill_unreadable", e.to_string())),
                    }
                }
            }
        }
        Err(e) => Err(e),
    };
    let (bill_lines, m) = match matched {
        Ok(x) => x,
        Err((code, message)) => {
            r.error = Some(message.clone());
            repo::save_failed(app.store.db(), r).await?;
            tracing::warn!(bill = statement.code(), %date, %message, "reconciliation failed");
            return Err(Error::conflict(code, message));
        }
    };
    r.state = "succeeded".into();
    r.bill_lines = i32::try_from(bill_lines).unwrap_or(i32::MAX);
    r.matched = i32::try_from(m.matched).unwrap_or(i32::MAX);
    r.differences = i32::try_from(m.differences.len()).unwrap_or(i32::MAX);
    let fees = daojia_domain::money::Money::fen(m.fees_fen);
    let tx = daojia_store::begin(app.store.db()).await?;
    let result = async {
        repo::save_run(&tx, r.clone(), m.differences).await?;
        if let Statement::Trade(p) = statement {
            super::fees::book(&tx, p, date, fees, now).await?;
        }
        if let Some(a) = actor {
            let after = serde_json::json!({
                "provider": r.provider, "bill_date": r.bill_date, "source": r.source,
                "bill_lines": r.bill_lines, "differences": r.differences,
            });
            a.audit(
                app,
                &tx,
                "reconciliation.run",
                r.id,
                (None, Some(after)),
                now,
            )
            .await?;
        }
        Ok(())
    }
    .await;
    crate::workers::settle(tx, result).await?;
    let mut view: RunView = r.into();
    view.fees_fen = fees_of(app, &view).await?;
    Ok(view)
}

/// The fees the ledger holds for a trade bill run's channel and day.
async fn fees_of(app: &App, run: &RunView) -> Result<Option<i64>> {
    let Some(Statement::Trade(p)) = Statement::parse(&run.provider) else {
        return Ok(None);
    };
    let (booked, _) =
        daojia_store::repo::ledger::channel_fees_booked(app.store.db(), p, &run.bill_date).await?;
    Ok(Some(booked.as_fen()))
}

/// The daily job: yesterday's (China date) bill of every configured channel. A channel
/// whose bill cannot be had yet fails the job, which the queue retries.
pub async fn reconcile_yesterday(app: &App, now: DateTime<Utc>) -> Result<Vec<RunView>> {
    let Some(p) = app.payments.as_ref() else {
        return Ok(vec![]);
    };
    let date = china_today(now) - chrono::Days::new(1);
    let mut runs = Vec::new();
    let mut failed = Vec::new();
    for statement in [
        Statement::Trade(Provider::Wechat),
        Statement::WechatFund,
        Statement::Trade(Provider::Alipay),
    ] {
        if p.channel(statement.provider()).is_err() {
            continue;
        }
        match reconcile_bill(app, statement, date, BillSource::Download, None, now).await {
            Ok(r) => runs.push(r),
            Err(e) => failed.push(format!("{}: {e}", statement.code())),
        }
    }
    if failed.is_empty() {
        Ok(runs)
    } else {
        Err(Error::internal(failed.join("; ")))
    }
}

/// Runs, newest bill date first.
pub async fn runs(app: &App, bill_date: Option<NaiveDate>, limit: u64) -> Result<Vec<RunView>> {
    let date = bill_date.map(|d| d.to_string());
    let list = repo::runs(app.store.db(), date.as_deref(), limit.clamp(1, 500)).await?;
    let mut out = Vec::with_capacity(list.len());
    let mut known: std::collections::HashMap<(String, String), Option<i64>> =
        std::collections::HashMap::new();
    for r in list {
        let mut view: RunView = r.into();
        let key = (view.provider.clone(), view.bill_date.clone());
        view.fees_fen = match known.get(&key) {
            Some(f) => *f,
            None => {
                let f = fees_of(app, &view).await?;
                known.insert(key, f);
                f
            }
        };
        out.push(view);
    }
    Ok(out)
}

/// Which differences to list (codes checked).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Of one bill date.
    pub bill_date: Option<NaiveDate>,
    /// `wechat` or `alipay`.
    pub provider: Option<String>,
    /// `open` or `resolved`.
    pub state: Option<String>,
    /// A kind's code.
    pub kind: Option<String>,
}

/// Differences matching `f`, newest bill date first.
pub async fn differences(app: &App, f: Filter, limit: u64) -> Result<Vec<DifferenceView>> {
    if let Some(p) = &f.provider
        && Statement::parse(p).is_none()
    {
        return Err(Error::field(
            "provider",
            "invalid",
            "wechat, alipay or wechat_fund",
        ));
    }
    if let Some(s) = &f.state
        && s != "open"
        && s != "resolved"
    {
        return Err(Error::field("state", "invalid", "open or resolved"));
    }
    if let Some(k) = &f.kind
        && Kind::parse(k).is_none()
    {
        return Err(Error::field(
            "kind",
            "invalid",
            "missing_ours, missing_theirs, amount_mismatch or status_mismatch",
        ));
    }
    let filter = DifferenceFilter {
        bill_date: f.bill_date.map(|d| d.to_string()),
        provider: f.provider,
        state: f.state,
        kind: f.kind,
    };
    let list = repo::differences(app.store.db(), &filter, limit.clamp(1, 5000)).await?;
    Ok(list.into_iter().map(Into::into).collect())
}

/// Finance resolves open difference `id` with `note` (1 to 500 characters), audited as
/// `reconciliation.resolve`.
pub async fn resolve(
    app: &App,
    actor: &Actor,
    id: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> Result<DifferenceView> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(Error::field("note", "invalid", "1 to 500 characters"));
    }
    let tx = daojia_store::begin(app.store.db()).await?;
    let result = async {
        let before = repo::difference(&tx, id)
            .await?
            .ok_or(Error::NotFound("difference"))?;
        if !repo::resolve(&tx, id, note, actor.staff_id, now).await? {
            return Err(Error::conflict(
                "difference_resolved",
                "this difference is already resolved",
            ));
        }
        let after = repo::difference(&tx, id)
            .await?
            .ok_or(Error::NotFound("difference"))?;
        actor
            .audit(
                app,
                &tx,
                "reconciliation.resolve",
                id,
                (
                    Some(serde_json::json!({ "state": before.state, "kind": before.kind, "subject": before.subject })),
                    Some(serde_json::json!({ "state": after.state, "note": after.note })),
                ),
                now,
            )
            .await?;
        Ok(after)
    }
    .await;
    let after = crate::workers::settle(tx, result).await?;
    Ok(after.into())
}

/// The differences as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the
/// Chinese text), one line each, amounts in yuan.
pub fn differences_csv(list: &[DifferenceView]) -> String {
    use crate::csv::{Cell, Csv};
    let text = |s: Option<&String>| Cell::text(s.map(String::as_str).unwrap_or_default());
    let yuan = |f: Option<i64>| f.map(Cell::Yuan).unwrap_or_else(|| Cell::text(""));
    let mut csv = Csv::new(&[
        "bill_date",
        "provider",
        "kind",
        "line_kind",
        "intent_no",
        "refund_no",
        "channel_trade_no",
        "ours_yuan",
        "theirs_yuan",
        "our_state",
        "their_state",
        "state",
        "note",
        "resolved_at",
    ]);
    for d in list {
        csv.row(vec![
            Cell::text(&d.bill_date),
            Cell::text(&d.provider),
            Cell::text(&d.kind),
            Cell::text(&d.line_kind),
            text(d.intent_no.as_ref()),
            text(d.refund_no.as_ref()),
            text(d.channel_trade_no.as_ref()),
            yuan(d.ours_fen),
            yuan(d.theirs_fen),
            text(d.our_state.as_ref()),
            text(d.their_state.as_ref()),
            Cell::text(&d.state),
            text(d.note.as_ref()),
            text(d.resolved_at.map(|t| t.to_rfc3339()).as_ref()),
        ]);
    }
    csv.finish()
}
