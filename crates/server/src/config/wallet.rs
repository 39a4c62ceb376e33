//! `[wallet]`: the customer wallet's top-up limits (docs/payments.md, "The wallet").

use serde::{Deserialize, Serialize};

/// Wallet settings.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WalletConfig {
    /// The least one top-up may be, in fen.
    pub top_up_min_fen: i64,
    /// The most one top-up may be, in fen.
    pub top_up_max_fen: i64,
    /// The most a wallet may hold after a top-up, in fen.
    pub max_balance_fen: i64,
}

impl Default for WalletConfig {
    fn default() -> Self {
        let l = daojia_domain::wallet::Limits::default();
        WalletConfig {
            top_up_min_fen: l.top_up_min.as_fen(),
            top_up_max_fen: l.top_up_max.as_fen(),
            max_balance_fen: l.max_balance.as_fen(),
        }
    }
}

impl WalletConfig {
    /// The use cases' limits.
    pub fn limits(&self) -> daojia_domain::wallet::Limits {
        use daojia_domain::money::Money;
        daojia_domain::wallet::Limits {
            top_up_min: Money::fen(self.top_up_min_fen),
            top_up_max: Money::fen(self.top_up_max_fen),
            max_balance: Money::fen(self.max_balance_fen),
        }
    }

    /// What is wrong with the values, naming the setting.
    pub fn problems(&self) -> Vec<(&'static str, &'static str)> {
        let mut p = vec![];
        if self.top_up_min_fen < 1 {
            p.push(("wallet.top_up_min_fen", "at least 1"));
        }
        if self.top_up_max_fen < self.top_up_min_fen {
            p.push(("wallet.top_up_max_fen", "at least top_up_min_fen"));
        }
        if self.max_balance_fen < self.top_up_max_fen {
            p.push(("wallet.max_balance_fen", "at least top_up_max_fen"));
        }
        p
    }
}
