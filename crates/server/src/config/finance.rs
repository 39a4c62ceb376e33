//! `[finance]`: the dispute window before an earning settles, and the withdrawal limits
//! and fee (docs/ledger.md, "Withdrawals").

use serde::{Deserialize, Serialize};

/// Finance settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FinanceConfig {
    /// Hours after completion an earning stays pending (待结算) before it settles, unless
    /// an after-sales case is open.
    pub dispute_window_hours: u32,
    /// How often the settlement job runs, minutes (1 to 60; hourly by default). A short
    /// period with a short dispute window lets a demo or a browser test see an earning
    /// settle.
    pub settle_every_minutes: u32,
    /// The least one withdrawal may be, in fen.
    pub withdrawal_min_fen: i64,
    /// The most a worker may withdraw per day (China time), in fen.
    pub withdrawal_max_per_day_fen: i64,
    /// The withdrawal fee in basis points of the amount.
    pub withdrawal_fee_bp: u32,
    /// The least withdrawal fee, in fen.
    pub withdrawal_fee_min_fen: i64,
}

impl Default for FinanceConfig {
    fn default() -> Self {
        let l = daojia_domain::withdrawal::Limits::default();
        FinanceConfig {
            dispute_window_hours: 72,
            settle_every_minutes: 60,
            withdrawal_min_fen: l.min.as_fen(),
            withdrawal_max_per_day_fen: l.max_per_day.as_fen(),
            withdrawal_fee_bp: l.fee_bp,
            withdrawal_fee_min_fen: l.fee_min.as_fen(),
        }
    }
}

impl FinanceConfig {
    /// The use cases' settings.
    pub fn settings(&self) -> daojia_app::finance::FinanceSettings {
        use daojia_domain::money::Money;
        daojia_app::finance::FinanceSettings {
            dispute_window_hours: self.dispute_window_hours,
            withdrawals: daojia_domain::withdrawal::Limits {
                min: Money::fen(self.withdrawal_min_fen),
                max_per_day: Money::fen(self.withdrawal_max_per_day_fen),
                fee_bp: self.withdrawal_fee_bp,
                fee_min: Money::fen(self.withdrawal_fee_min_fen),
            },
            day_offset_hours: 8,
        }
    }

    /// What is wrong with the values, naming the setting.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut p = vec![];
        if self.dispute_window_hours > 24 * 365 {
            p.push(("finance.dispute_window_hours", "at most a year (8760)"));
        }
        if !(1..=60).contains(&self.settle_every_minutes) {
            p.push(("finance.settle_every_minutes", "from 1 to 60 (minutes)"));
        }
        if self.withdrawal_min_fen < 1 {
            p.push(("finance.withdrawal_min_fen", "at least 1"));
        }
        if self.withdrawal_max_per_day_fen < self.withdrawal_min_fen {
            p.push((
                "finance.withdrawal_max_per_day_fen",
                "at least withdrawal_min_fen",
            ));
        }
        if self.withdrawal_fee_bp > 10_000 {
            p.push(("finance.withdrawal_fee_bp", "at most 10000"));
        }
        if self.withdrawal_fee_min_fen < 0 {
            p.push(("finance.withdrawal_fee_min_fen", "not negative"));
        }
        p
    }
}
