//! Finance's reports (财务报表): revenue by day, area, category and channel; commissions by
//! rule; workers' and partners' earnings and payouts; refunds. Money figures come from the
//! ledger's postings (see `docs/ledger.md`), so a report over any range adds up to the
//! journal: what a report says was collected is what the clearing accounts received.
//! Commissions come from the splits recorded at completion (`order_earning`), which the
//! ledger's earning entries post. Days are China dates (`day_offset_hours`, UTC+8).

use crate::csv::{Cell, Csv};
use crate::{App, Error, Result};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_store::entity::{
    commission_rule, partner, service_area, service_category, withdrawal, worker,
};
use daojia_store::repo::finance_reports::{self as rows, Dimension, Group};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// The longest range one report covers, in days.
pub const MAX_DAYS: i64 = 366;

/// A range of China dates, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
}

impl Range {
    /// The range, checked: `from` not after `to`, at most [`MAX_DAYS`] days.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Range> {
        if to < from {
            return Err(Error::field("to", "invalid", "before `from`"));
        }
        if (to - from).num_days() >= MAX_DAYS {
            return Err(Error::field(
                "to",
                "invalid",
                format!("at most {MAX_DAYS} days from `from`"),
            ));
        }
        Ok(Range { from, to })
    }

    /// The instants the range covers, `[start, end)`, for days `offset_hours` east of UTC.
    pub fn bounds(&self, offset_hours: i64) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0).expect("midnight").and_utc() - Duration::hours(offset_hours)
        };
        (start(self.from), start(self.to + Duration::days(1)))
    }
}

/// What the revenue report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum By {
    /// Each China date of the range (days without money are listed with zeros).
    Day,
    /// The order's service area.
    Area,
    /// The top category of the order's (first) service.
    Category,
    /// Where the money is: WeChat Pay, Alipay, offline (cash, transfer, refunds owed by
    /// hand), the wallet.
    Channel,
}

impl By {
    /// The grouping of a code (`day`, `area`, `category`, `channel`).
    pub fn parse(s: &str) -> Option<By> {
        Some(match s {
            "day" => By::Day,
            "area" => By::Area,
            "category" => By::Category,
            "channel" => By::Channel,
            _ => return None,
        })
    }
}

/// One line of the revenue report, in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RevenueRow {
    /// The group's code: a date, an area or category code, a channel (`none` when the
    /// order has none).
    pub key: String,
    /// The group's name for people.
    pub label: String,
    /// Payments received (entries).
    pub payments: i64,
    /// What customers paid for orders.
    pub paid_fen: i64,
    /// Refunds paid back or owed by hand (entries).
    pub refunds: i64,
    /// What went back to customers (a channel refund once the channel confirmed it).
    pub refunded_fen: i64,
    /// Paid less refunded.
    pub net_fen: i64,
    /// Orders completed (their split recorded); absent in the channel report.
    pub completed: Option<i64>,
    /// What completed orders earned (paid and kept paid), adjustments after completion
    /// included; absent in the channel report.
    pub earned_fen: Option<i64>,
    /// The platform's commission; absent in the channel report.
    pub commission_fen: Option<i64>,
    /// The partners' shares; absent in the channel report.
    pub partner_fen: Option<i64>,
    /// The workers' earnings; absent in the channel report.
    pub worker_fen: Option<i64>,
}

impl RevenueRow {
    fn add(&mut self, o: &RevenueRow) {
        fn plus(a: &mut Option<i64>, b: Option<i64>) {
            if let Some(b) = b {
                *a = Some(a.unwrap_or(0) + b);
            }
        }
        self.payments += o.payments;
        self.paid_fen += o.paid_fen;
        self.refunds += o.refunds;
        self.refunded_fen += o.refunded_fen;
        self.net_fen += o.net_fen;
        plus(&mut self.completed, o.completed);
        plus(&mut self.earned_fen, o.earned_fen);
        plus(&mut self.commission_fen, o.commission_fen);
        plus(&mut self.partner_fen, o.partner_fen);
        plus(&mut self.worker_fen, o.worker_fen);
    }
}

/// The revenue report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RevenueReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// The grouping.
    pub by: By,
    /// One line per group, in key order (days: oldest first).
    pub rows: Vec<RevenueRow>,
    /// The sums of the lines.
    pub total: RevenueRow,
}

fn is_earning(kind: &str) -> bool {
    matches!(kind, "earning" | "earning_adjustment")
}

/// The channel an account holds money for, in the channel report (`None`: not a channel).
fn channel_of(account: &str) -> Option<&str> {
    match account {
        "customer_wallet" => Some("wallet"),
        "refunds_payable" => Some("offline"),
        a => a.strip_prefix("clearing:"),
    }
}

/// Folds the ledger's groups into report lines by key (pure).
pub fn fold_revenue(groups: &[Group], channels: bool) -> BTreeMap<String, RevenueRow> {
    let mut out: BTreeMap<String, RevenueRow> = BTreeMap::new();
    for g in groups {
        let key = if channels {
            match channel_of(&g.account) {
                Some(c) if !is_earning(&g.kind) => c.to_string(),
                _ => continue,
            }
        } else {
            g.key.clone().unwrap_or_else(|| "none".into())
        };
        let row = out.entry(key.clone()).or_insert_with(|| RevenueRow {
            key,
            completed: (!channels).then_some(0),
            earned_fen: (!channels).then_some(0),
            commission_fen: (!channels).then_some(0),
            partner_fen: (!channels).then_some(0),
            worker_fen: (!channels).then_some(0),
            ..Default::default()
        });
        let earning = is_earning(&g.kind);
        if channels {
            // The channel's side of a payment is a debit, of a refund a credit.
            if g.amount_fen >= 0 {
                row.paid_fen += g.amount_fen;
                row.payments += g.postings;
            } else {
                row.refunded_fen -= g.amount_fen;
                row.refunds += g.postings;
            }
            continue;
        }
        let add = |o: &mut Option<i64>, v: i64| *o = Some(o.unwrap_or(0) + v);
        match g.account.as_str() {
            "customer_prepaid" if earning => {
                add(&mut row.earned_fen, g.amount_fen);
                if g.kind == "earning" {
                    add(&mut row.completed, g.postings);
                }
            }
            // Customers' side of a payment is a credit, of a refund a debit; a reversal
            // counts with what it reverses, so a reversed payment nets to nothing.
            "customer_prepaid" if g.amount_fen < 0 => {
                row.paid_fen -= g.amount_fen;
                row.payments += g.postings;
            }
            "customer_prepaid" => {
                row.refunded_fen += g.amount_fen;
                row.refunds += g.postings;
            }
            "platform_revenue" if earning => add(&mut row.commission_fen, -g.amount_fen),
            "partner_pending" if earning => add(&mut row.partner_fen, -g.amount_fen),
            "worker_pending" if earning => add(&mut row.worker_fen, -g.amount_fen),
            _ => {}
        }
    }
    for r in out.values_mut() {
        r.net_fen = r.paid_fen - r.refunded_fen;
    }
    out
}

/// The revenue report over `range`, grouped `by`.
pub async fn revenue(app: &App, range: Range, by: By) -> Result<RevenueReport> {
    let db = app.store.db();
    let offset = app.settings.finance.day_offset_hours;
    let (start, end) = range.bounds(offset);
    let dim = match by {
        By::Day => Dimension::Day {
            offset_hours: offset as i8,
        },
        By::Area => Dimension::Area,
        By::Category => Dimension::Category,
        By::Channel => Dimension::Account,
    };
    let mut groups = rows::order_money(db, dim, start, end).await?;
    if by == By::Category {
        // Sub-categories roll up to their top category.
        let parents: HashMap<String, Option<String>> = service_category::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.code, c.parent_code))
            .collect();
        for g in &mut groups {
            let mut code = g.key.clone();
            for _ in 0..8 {
                match code
                    .as_ref()
                    .and_then(|c| parents.get(c))
                    .cloned()
                    .flatten()
                {
                    Some(p) => code = Some(p),
                    None => break,
                }
            }
            g.key = code;
        }
    }
    let mut folded = fold_revenue(&groups, by == By::Channel);
    if by == By::Day {
        let mut d = range.from;
        while d <= range.to {
            let key = d.format("%Y-%m-%d").to_string();
            folded.entry(key.clone()).or_insert_with(|| RevenueRow {
                key,
                completed: Some(0),
                earned_fen: Some(0),
                commission_fen: Some(0),
                partner_fen: Some(0),
                worker_fen: Some(0),
                ..Default::default()
            });
            d += Duration::days(1);
        }
    }
    let labels = labels(app, by).await?;
    let mut total = RevenueRow {
        key: "total".into(),
        label: "合计".into(),
        ..Default::default()
    };
    let rows: Vec<RevenueRow> = folded
        .into_values()
        .map(|mut r| {
            r.label = labels.get(&r.key).cloned().unwrap_or_else(|| r.key.clone());
            total.add(&r);
            r
        })
        .collect();
    Ok(RevenueReport {
        from: range.from,
        to: range.to,
        by,
        rows,
        total,
    })
}

async fn labels(app: &App, by: By) -> Result<HashMap<String, String>> {
    let db = app.store.db();
    let mut m: HashMap<String, String> = match by {
        By::Day => HashMap::new(),
        By::Area => service_area::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.code, a.name))
            .collect(),
        By::Category => service_category::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.code, c.name))
            .collect(),
        By::Channel => [
            ("wechat", "微信支付"),
            ("alipay", "支付宝"),
            ("offline", "线下（现金、转账、人工退款）"),
            ("wallet", "余额"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
    };
    m.insert("none".into(), "未指定".into());
    Ok(m)
}

/// One commission rule's splits over a range, in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommissionRow {
    /// The rule (`None`: no rule matched, the default share applied).
    pub rule_id: Option<Uuid>,
    /// Its name.
    pub rule_name: String,
    /// Orders completed under it.
    pub orders: i64,
    /// What they earned.
    pub gross_fen: i64,
    /// The platform's commission.
    pub platform_fen: i64,
    /// The partners' shares.
    pub partner_fen: i64,
    /// The workers' earnings.
    pub worker_fen: i64,
    /// The commission as basis points of what was earned (0 when nothing was).
    pub effective_bp: i64,
}

/// The commissions report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommissionReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// One line per rule, the largest commission first.
    pub rows: Vec<CommissionRow>,
    /// The sums (`rule_name` 合计).
    pub total: CommissionRow,
}

fn bp(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        ((i128::from(part) * 10_000 + i128::from(whole) / 2) / i128::from(whole)) as i64
    }
}

/// Commissions by rule of the orders completed in `range`.
pub async fn commissions(app: &App, range: Range) -> Result<CommissionReport> {
    let db = app.store.db();
    let (start, end) = range.bounds(app.settings.finance.day_offset_hours);
    let splits = rows::splits_by_rule(db, start, end).await?;
    let names: HashMap<Uuid, String> = commission_rule::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let mut total = CommissionRow {
        rule_id: None,
        rule_name: "合计".into(),
        orders: 0,
        gross_fen: 0,
        platform_fen: 0,
        partner_fen: 0,
        worker_fen: 0,
        effective_bp: 0,
    };
    let mut out: Vec<CommissionRow> = splits
        .into_iter()
        .map(|s| {
            total.orders += s.orders;
            total.gross_fen += s.gross_fen;
            total.platform_fen += s.platform_fen;
            total.partner_fen += s.partner_fen;
            total.worker_fen += s.worker_fen;
            CommissionRow {
                rule_id: s.rule_id,
                rule_name: match s.rule_id {
                    Some(id) => names.get(&id).cloned().unwrap_or_else(|| id.to_string()),
                    None => format!(
                        "默认 {}%",
                        daojia_domain::earning::DEFAULT_BP as f64 / 100.0
                    ),
                },
                orders: s.orders,
                gross_fen: s.gross_fen,
                platform_fen: s.platform_fen,
                partner_fen: s.partner_fen,
                worker_fen: s.worker_fen,
                effective_bp: bp(s.platform_fen, s.gross_fen),
            }
        })
        .collect();
    total.effective_bp = bp(total.platform_fen, total.gross_fen);
    out.sort_by(|a, b| {
        b.platform_fen
            .cmp(&a.platform_fen)
            .then(a.rule_name.cmp(&b.rule_name))
    });
    Ok(CommissionReport {
        from: range.from,
        to: range.to,
        rows: out,
        total,
    })
}

/// Whose earnings: workers' or partners'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payee {
    /// Workers (师傅).
    Worker,
    /// Partners (服务商).
    Partner,
}

impl Payee {
    /// The payee kind of a code (`worker`, `partner`).
    pub fn parse(s: &str) -> Option<Payee> {
        match s {
            "worker" => Some(Payee::Worker),
            "partner" => Some(Payee::Partner),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Payee::Worker => "worker",
            Payee::Partner => "partner",
        }
    }
}

/// One worker's or partner's earnings and payouts, in fen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PayeeRow {
    /// The worker or partner.
    pub id: Uuid,
    /// Their code (工号 / 服务商编码).
    pub code: String,
    /// A partner's name (workers' names are personal information and stay out of reports).
    pub name: Option<String>,
    /// Earned in the range (completions, after-sales adjustments included).
    pub earned_fen: i64,
    /// Settled in the range (moved from pending to withdrawable).
    pub settled_fen: i64,
    /// Taken out of the withdrawable balance by withdrawal requests in the range, less
    /// those returned (rejected or failed).
    pub withdrawn_fen: i64,
    /// Withdrawals paid in the range (what left the platform, fees included).
    pub paid_out_fen: i64,
    /// Fees withheld from those payouts.
    pub fees_fen: i64,
    /// Pending now (in the dispute window).
    pub pending_now_fen: i64,
    /// Withdrawable now.
    pub withdrawable_now_fen: i64,
}

/// The earnings and payouts report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PayeeReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Whose.
    pub payee: Payee,
    /// One line per payee with money in the range or a balance now, the largest earning
    /// first.
    pub rows: Vec<PayeeRow>,
    /// The sums (`code` 合计).
    pub total: PayeeRow,
}

/// Workers' (or partners') earnings and payouts over `range`, from their ledger accounts.
pub async fn payees(app: &App, range: Range, payee: Payee) -> Result<PayeeReport> {
    let db = app.store.db();
    let (start, end) = range.bounds(app.settings.finance.day_offset_hours);
    let prefix = payee.prefix();
    let mut by_id: BTreeMap<Uuid, PayeeRow> = BTreeMap::new();
    let split = |account: &str| -> Option<(bool, Uuid)> {
        let (family, id) = account.split_once(':')?;
        let id = Uuid::parse_str(id).ok()?;
        Some((family.ends_with("_pending"), id))
    };
    for m in rows::payee_movements(db, prefix, start, end).await? {
        let Some((pending, id)) = split(&m.account) else {
            continue;
        };
        let row = by_id.entry(id).or_default();
        match (pending, m.kind.as_str()) {
            (true, k) if is_earning(k) => row.earned_fen -= m.amount_fen,
            (false, "settlement") => row.settled_fen -= m.amount_fen,
            (false, "withdrawal" | "withdrawal_return") => row.withdrawn_fen += m.amount_fen,
            _ => {}
        }
    }
    for (account, balance) in rows::payee_balances(db, prefix).await? {
        let Some((pending, id)) = split(&account) else {
            continue;
        };
        if balance == 0 && !by_id.contains_key(&id) {
            continue;
        }
        let row = by_id.entry(id).or_default();
        if pending {
            row.pending_now_fen = -balance;
        } else {
            row.withdrawable_now_fen = -balance;
        }
    }
    if payee == Payee::Worker {
        let paid = withdrawal::Entity::find()
            .filter(withdrawal::Column::State.eq("paid"))
            .filter(withdrawal::Column::FinishedAt.gte(start))
            .filter(withdrawal::Column::FinishedAt.lt(end))
            .all(db)
            .await?;
        for w in paid {
            let row = by_id.entry(w.worker_id).or_default();
            row.paid_out_fen += w.amount_fen;
            row.fees_fen += w.fee_fen;
        }
    }
    let ids: Vec<Uuid> = by_id.keys().copied().collect();
    let names: HashMap<Uuid, (String, Option<String>)> = match payee {
        Payee::Worker => worker::Entity::find()
            .filter(worker::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|w| (w.id, (w.code, None)))
            .collect(),
        Payee::Partner => partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.code, Some(p.name))))
            .collect(),
    };
    let mut total = PayeeRow {
        code: "合计".into(),
        ..Default::default()
    };
    let mut out: Vec<PayeeRow> = by_id
        .into_iter()
        .map(|(id, mut r)| {
            r.id = id;
            if let Some((code, name)) = names.get(&id) {
                r.code = code.clone();
                r.name = name.clone();
            }
            total.earned_fen += r.earned_fen;
            total.settled_fen += r.settled_fen;
            total.withdrawn_fen += r.withdrawn_fen;
            total.paid_out_fen += r.paid_out_fen;
            total.fees_fen += r.fees_fen;
            total.pending_now_fen += r.pending_now_fen;
            total.withdrawable_now_fen += r.withdrawable_now_fen;
            r
        })
        .collect();
    out.sort_by(|a, b| b.earned_fen.cmp(&a.earned_fen).then(a.code.cmp(&b.code)));
    Ok(PayeeReport {
        from: range.from,
        to: range.to,
        payee,
        rows: out,
        total,
    })
}

/// One refund in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefundRow {
    /// The refund (or, owed by hand, the ledger entry).
    pub id: Uuid,
    /// Our refund number (absent: owed by hand).
    pub refund_no: Option<String>,
    /// The order.
    pub order_id: Option<Uuid>,
    /// Its number.
    pub order_no: Option<String>,
    /// `wechat`, `alipay`, or `offline` (owed by hand: returned outside any channel).
    pub provider: String,
    /// In fen.
    pub amount_fen: i64,
    /// `requested`, `processing`, `succeeded`, `failed`, or `owed_by_hand`.
    pub state: String,
    /// Why (`cancellation`, `after_sales`, `unowed`, …).
    pub origin: Option<String>,
    /// When it was booked.
    pub created_at: DateTime<Utc>,
    /// When the channel confirmed or refused it for good.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Refunds by channel and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RefundSum {
    /// The channel.
    pub provider: String,
    /// The state.
    pub state: String,
    /// How many.
    pub count: i64,
    /// How much, in fen.
    pub amount_fen: i64,
}

/// The refunds report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RefundReport {
    /// The first day.
    pub from: NaiveDate,
    /// The last day.
    pub to: NaiveDate,
    /// Sums by channel and state over the listed refunds.
    pub summary: Vec<RefundSum>,
    /// The refunds, newest first.
    pub rows: Vec<RefundRow>,
    /// Whether more refunds were booked in the range than listed (raise `limit`).
    pub truncated: bool,
}

/// The refunds booked in `range`, at most `limit` (1 to 5,000).
pub async fn refunds(app: &App, range: Range, limit: u64) -> Result<RefundReport> {
    if !(1..=5000).contains(&limit) {
        return Err(Error::field("limit", "invalid", "1 to 5000"));
    }
    let (start, end) = range.bounds(app.settings.finance.day_offset_hours);
    let mut lines = rows::refunds(app.store.db(), start, end, limit + 1).await?;
    let truncated = lines.len() as u64 > limit;
    lines.truncate(limit as usize);
    let mut sums: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for l in &lines {
        let s = sums
            .entry((l.provider.clone(), l.state.clone()))
            .or_default();
        s.0 += 1;
        s.1 += l.amount_fen;
    }
    Ok(RefundReport {
        from: range.from,
        to: range.to,
        summary: sums
            .into_iter()
            .map(|((provider, state), (count, amount_fen))| RefundSum {
                provider,
                state,
                count,
                amount_fen,
            })
            .collect(),
        rows: lines
            .into_iter()
            .map(|l| RefundRow {
                id: l.id,
                refund_no: l.refund_no,
                order_id: l.order_id,
                order_no: l.order_no,
                provider: l.provider,
                amount_fen: l.amount_fen,
                state: l.state,
                origin: l.origin,
                created_at: l.created_at,
                finished_at: l.finished_at,
            })
            .collect(),
        truncated,
    })
}

/// The revenue report as CSV.
pub fn revenue_csv(r: &RevenueReport) -> String {
    let channels = r.by == By::Channel;
    let mut head = vec![
        "key",
        "label",
        "payments",
        "paid_yuan",
        "refunds",
        "refunded_yuan",
        "net_yuan",
    ];
    if !channels {
        head.extend([
            "completed",
            "earned_yuan",
            "commission_yuan",
            "partner_yuan",
            "worker_yuan",
        ]);
    }
    let mut csv = Csv::new(&head);
    for row in r.rows.iter().chain([&r.total]) {
        let mut cells = vec![
            Cell::text(&row.key),
            Cell::text(&row.label),
            Cell::Int(row.payments),
            Cell::Yuan(row.paid_fen),
            Cell::Int(row.refunds),
            Cell::Yuan(row.refunded_fen),
            Cell::Yuan(row.net_fen),
        ];
        if !channels {
            cells.extend([
                Cell::Int(row.completed.unwrap_or(0)),
                Cell::Yuan(row.earned_fen.unwrap_or(0)),
                Cell::Yuan(row.commission_fen.unwrap_or(0)),
                Cell::Yuan(row.partner_fen.unwrap_or(0)),
                Cell::Yuan(row.worker_fen.unwrap_or(0)),
            ]);
        }
        csv.row(cells);
    }
    csv.finish()
}

/// The commissions report as CSV.
pub fn commissions_csv(r: &CommissionReport) -> String {
    let mut csv = Csv::new(&[
        "rule_id",
        "rule",
        "orders",
        "gross_yuan",
        "platform_yuan",
        "partner_yuan",
        "worker_yuan",
        "effective_bp",
    ]);
    for row in r.rows.iter().chain([&r.total]) {
        csv.row(vec![
            Cell::text(row.rule_id.map(|i| i.to_string()).unwrap_or_default()),
            Cell::text(&row.rule_name),
            Cell::Int(row.orders),
            Cell::Yuan(row.gross_fen),
            Cell::Yuan(row.platform_fen),
            Cell::Yuan(row.partner_fen),
            Cell::Yuan(row.worker_fen),
            Cell::Int(row.effective_bp),
        ]);
    }
    csv.finish()
}

/// The earnings and payouts report as CSV.
pub fn payees_csv(r: &PayeeReport) -> String {
    let mut csv = Csv::new(&[
        "id",
        "code",
        "name",
        "earned_yuan",
        "settled_yuan",
        "withdrawn_yuan",
        "paid_out_yuan",
        "fees_yuan",
        "pending_now_yuan",
        "withdrawable_now_yuan",
    ]);
    for row in r.rows.iter().chain([&r.total]) {
        csv.row(vec![
            Cell::text(if row.id.is_nil() {
                String::new()
            } else {
                row.id.to_string()
            }),
            Cell::text(&row.code),
            Cell::text(row.name.clone().unwrap_or_default()),
            Cell::Yuan(row.earned_fen),
            Cell::Yuan(row.settled_fen),
            Cell::Yuan(row.withdrawn_fen),
            Cell::Yuan(row.paid_out_fen),
            Cell::Yuan(row.fees_fen),
            Cell::Yuan(row.pending_now_fen),
            Cell::Yuan(row.withdrawable_now_fen),
        ]);
    }
    csv.finish()
}

/// The refunds report's list as CSV.
pub fn refunds_csv(r: &RefundReport) -> String {
    let mut csv = Csv::new(&[
        "refund_no",
        "order_no",
        "provider",
        "amount_yuan",
        "state",
        "origin",
        "created_at",
        "finished_at",
    ]);
    for row in &r.rows {
        csv.row(vec![
            Cell::text(row.refund_no.clone().unwrap_or_default()),
            Cell::text(row.order_no.clone().unwrap_or_default()),
            Cell::text(&row.provider),
            Cell::Yuan(row.amount_fen),
            Cell::text(&row.state),
            Cell::text(row.origin.clone().unwrap_or_default()),
            Cell::text(row.created_at.to_rfc3339()),
            Cell::text(row.finished_at.map(|t| t.to_rfc3339()).unwrap_or_default()),
        ]);
    }
    csv.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(key: Option<&str>, kind: &str, account: &str, amount: i64, n: i64) -> Group {
        Group {
            key: key.map(str::to_string),
            kind: kind.into(),
            account: account.into(),
            amount_fen: amount,
            postings: n,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_range_is_checked_and_covers_china_days() {
        assert!(Range::new(day("2026-12-02"), day("2026-12-01")).is_err());
        assert!(Range::new(day("2026-01-01"), day("2027-01-02")).is_err());
        assert!(Range::new(day("2026-01-01"), day("2027-01-01")).is_ok());
        let r = Range::new(day("2026-12-01"), day("2026-12-01")).unwrap();
        let (a, b) = r.bounds(8);
        assert_eq!(a.to_rfc3339(), "2026-11-30T16:00:00+00:00");
        assert_eq!(b.to_rfc3339(), "2026-12-01T16:00:00+00:00");
    }

    #[test]
    fn payments_refunds_and_splits_fold_by_key() {
        let groups = [
            // Two payments by WeChat (one reversed and made again), one offline.
            g(Some("a"), "intent", "customer_prepaid", -30_000, 3),
            g(Some("a"), "intent", "clearing:wechat", 30_000, 3),
            g(Some("a"), "order_payment", "customer_prepaid", -5_000, 1),
            g(Some("a"), "order_payment", "clearing:offline", 5_000, 1),
            g(Some("a"), "refund", "customer_prepaid", 2_000, 1),
            g(Some("a"), "refund", "clearing:wechat", -2_000, 1),
            g(Some("a"), "earning", "customer_prepaid", 33_000, 2),
            g(Some("a"), "earning", "platform_revenue", -6_600, 2),
            g(Some("a"), "earning", "partner_pending", -2_640, 1),
            g(Some("a"), "earning", "worker_pending", -23_760, 2),
            g(
                Some("a"),
                "earning_adjustment",
                "customer_prepaid",
                -1_000,
                1,
            ),
            g(Some("a"), "earning_adjustment", "platform_revenue", 200, 1),
            g(Some("a"), "earning_adjustment", "worker_pending", 800, 1),
            // Settlement moves worker money; it is not revenue.
            g(Some("a"), "settlement", "worker_pending", 20_000, 1),
            g(Some("a"), "settlement", "worker_withdrawable", -20_000, 1),
            g(None, "order_payment", "customer_prepaid", -100, 1),
            g(None, "order_payment", "clearing:offline", 100, 1),
        ];
        let f = fold_revenue(&groups, false);
        let a = &f["a"];
        assert_eq!((a.payments, a.paid_fen), (4, 35_000));
        assert_eq!((a.refunds, a.refunded_fen, a.net_fen), (1, 2_000, 33_000));
        assert_eq!(a.completed, Some(2));
        assert_eq!(a.earned_fen, Some(32_000));
        assert_eq!(a.commission_fen, Some(6_400));
        assert_eq!(a.partner_fen, Some(2_640));
        assert_eq!(a.worker_fen, Some(22_960));
        // The split adds up to what was earned.
        assert_eq!(
            a.commission_fen.unwrap() + a.partner_fen.unwrap() + a.worker_fen.unwrap(),
            a.earned_fen.unwrap()
        );
        assert_eq!(f["none"].paid_fen, 100);

        let c = fold_revenue(&groups, true);
        assert_eq!(c.keys().collect::<Vec<_>>(), ["offline", "wechat"]);
        assert_eq!(
            (c["wechat"].paid_fen, c["wechat"].refunded_fen),
            (30_000, 2_000)
        );
        assert_eq!(c["wechat"].net_fen, 28_000);
        assert_eq!(c["offline"].paid_fen, 5_100);
        assert_eq!(c["wechat"].earned_fen, None);
    }

    #[test]
    fn refunds_owed_by_hand_and_wallet_are_channels() {
        let groups = [
            g(Some("x"), "offline_refund", "customer_prepaid", 700, 1),
            g(Some("x"), "offline_refund", "refunds_payable", -700, 1),
            g(Some("x"), "wallet_payment", "customer_wallet", 900, 1),
            g(Some("x"), "wallet_payment", "customer_prepaid", -900, 1),
        ];
        let c = fold_revenue(&groups, true);
        assert_eq!(c["offline"].refunded_fen, 700);
        assert_eq!(c["wallet"].paid_fen, 900);
        let f = fold_revenue(&groups, false);
        assert_eq!((f["x"].paid_fen, f["x"].refunded_fen), (900, 700));
    }

    #[test]
    fn basis_points_round_half_up() {
        assert_eq!(bp(2_000, 10_000), 2_000);
        assert_eq!(bp(1, 3), 3_333);
        assert_eq!(bp(2, 3), 6_667);
        assert_eq!(bp(5, 0), 0);
    }
}
