//! Indexes for finance's reports: the journal by entry time (each report reads one range
//! of entries) and refunds by when they were booked.

use super::util::index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("ledger_entry", &["at"], false))
            .await?;
        m.create_index(index("refund", &["created_at"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, name) in [
            ("refund", "refund_created_at_idx"),
            ("ledger_entry", "ledger_entry_at_idx"),
        ] {
            let mut drop = Index::drop();
            drop.name(name).table(table);
            m.drop_index(drop).await?;
        }
        Ok(())
    }
}
