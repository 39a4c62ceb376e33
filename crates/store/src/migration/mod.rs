//! Schema migrations, one code path for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Migrations run at start (`daojia serve`) or by `daojia migrate`. They are append-only:
//! a released migration is never edited; a change is a new migration.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_jobs;
mod m0003_orders;
mod m0004_booking;
mod m0005_rework;
mod m0006_area_items;
mod m0007_auth_hardening;
mod m0008_pii_names;
mod m0009_idempotency_sealed;
mod m0010_privacy;
mod m0011_outbox;
mod m0012_workers;
mod m0013_review;
mod m0014_route_plans;
mod m0015_dispatch;
mod m0016_bundles;
mod m0017_payments;
mod m0018_visit;
mod m0019_ledger;
mod m0020_reviews;
mod m0021_tracks;
mod m0022_settlement;
mod m0023_data_version;
mod m0024_service_records;
mod m0025_processed_events;
mod m0026_reconciliation;
mod m0027_feature_flags;
mod m0028_promotions;
mod m0029_booking_lock;
mod m0030_wallet;
mod m0031_close_invoices;
mod m0032_notifications;
mod m0033_report_indexes;
mod m0034_push_subscriptions;
mod m0035_order_extras;
mod m0037_visit_safety;
mod m0038_service_record_items;
mod m0039_wechat_payouts;
mod m0040_worker_deposits;
mod m0041_customer_wechat;
mod m0042_payops;
mod m0043_profit_sharing;
mod m0044_catalog_version;
mod m0045_sessions_version;
mod util;

tokio::task_local! {
    /// The vault of the store being migrated, for data migrations that encrypt what was
    /// stored in clear ([`crate::Store::migrate`] sets it around the run).
    static VAULT: crate::pii::Vault;
}

/// Runs `f` (a migration run) with `vault` available to the migrations.
pub(crate) async fn with_vault<F: std::future::Future>(
    vault: crate::pii::Vault,
    f: F,
) -> F::Output {
    VAULT.scope(vault, f).await
}

/// The vault of the store being migrated; an error naming `migration` outside
/// [`crate::Store::migrate`] (a migration tool that does not know the keys).
pub(crate) fn vault(migration: &str) -> Result<crate::pii::Vault, DbErr> {
    VAULT.try_with(Clone::clone).map_err(|_| {
        DbErr::Migration(format!(
            "{migration} encrypts stored data and needs the data keys: run it with `daojia migrate`"
        ))
    })
}

/// The ordered list of migrations.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_jobs::Migration),
            Box::new(m0003_orders::Migration),
            Box::new(m0004_booking::Migration),
            Box::new(m0005_rework::Migration),
            Box::new(m0006_area_items::Migration),
            Box::new(m0007_auth_hardening::Migration),
            Box::new(m0008_pii_names::Migration),
            Box::new(m0009_idempotency_sealed::Migration),
            Box::new(m0010_privacy::Migration),
            Box::new(m0011_outbox::Migration),
            Box::new(m0012_workers::Migration),
            Box::new(m0013_review::Migration),
            Box::new(m0014_route_plans::Migration),
            Box::new(m0015_dispatch::Migration),
            Box::new(m0016_bundles::Migration),
            Box::new(m0017_payments::Migration),
            Box::new(m0018_visit::Migration),
            Box::new(m0019_ledger::Migration),
            Box::new(m0020_reviews::Migration),
            Box::new(m0021_tracks::Migration),
            Box::new(m0022_settlement::Migration),
            Box::new(m0023_data_version::Migration),
            Box::new(m0024_service_records::Migration),
            Box::new(m0025_processed_events::Migration),
            Box::new(m0026_reconciliation::Migration),
            Box::new(m0027_feature_flags::Migration),
            Box::new(m0028_promotions::Migration),
            Box::new(m0029_booking_lock::Migration),
            Box::new(m0030_wallet::Migration),
            Box::new(m0031_close_invoices::Migration),
            Box::new(m0032_notifications::Migration),
            Box::new(m0033_report_indexes::Migration),
            Box::new(m0034_push_subscriptions::Migration),
            Box::new(m0035_order_extras::Migration),
            Box::new(m0037_visit_safety::Migration),
            Box::new(m0038_service_record_items::Migration),
            Box::new(m0039_wechat_payouts::Migration),
            Box::new(m0040_worker_deposits::Migration),
            Box::new(m0041_customer_wechat::Migration),
            Box::new(m0042_payops::Migration),
            Box::new(m0043_profit_sharing::Migration),
            Box::new(m0044_catalog_version::Migration),
            Box::new(m0045_sessions_version::Migration),
        ]
    }
}
