//! The revenue report: what customers paid and got back, and what completed orders earned
//! and how it was split, by day, area, category or channel.

use super::{Range, is_earning};
use crate::{App, Result};
use chrono::{Duration, NaiveDate};
use daojia_store::entity::{service_area, service_category};
use daojia_store::repo::finance_reports::{self as rows, Dimension, Group};
use sea_orm::EntityTrait;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

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
}
