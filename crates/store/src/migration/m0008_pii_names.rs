//! Names, the customer nickname, the audit log's actor name and order notes become
//! encrypted columns (issue 9, item 11).
//!
//! Encrypting needs the data keys, which a schema migration does not have. So the work is
//! split in two (docs/adr/0004-encrypting-clear-columns.md):
//! 1. this migration renames each column to `*_enc` and widens it to `TEXT` (a ciphertext is
//!    longer than the 64 characters the names were limited to); the values are still clear;
//! 2. [`crate::repo::pii_backfill`], run by `Store::migrate` right after the migrations with
//!    the vault at hand, encrypts every value that is not already a ciphertext of its column,
//!    and records in `app_meta` that it has finished. It is idempotent, so a start that was
//!    cut in the middle finishes the job on the next start.
//!
//! `down` renames the columns back; their values stay encrypted (a schema migration cannot
//! decrypt), so going back needs a restore from a backup taken before the upgrade.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `(table, clear column, encrypted column, nullable)`.
const COLUMNS: &[(&str, &str, &str, bool)] = &[
    ("worker", "name", "name_enc", false),
    ("staff", "name", "name_enc", false),
    ("customer", "nickname", "nickname_enc", false),
    ("audit_log", "actor_name", "actor_name_enc", true),
    ("service_order", "notes", "notes_enc", false),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, clear, enc, null) in COLUMNS {
            rename(m, table, clear, enc).await?;
            widen(m, table, enc, *null).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, clear, enc, _) in COLUMNS {
            rename(m, table, enc, clear).await?;
        }
        Ok(())
    }
}

async fn rename(m: &SchemaManager<'_>, table: &str, from: &str, to: &str) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter()
            .table(Alias::new(table))
            .rename_column(Alias::new(from), Alias::new(to))
            .take(),
    )
    .await
}

/// Makes the column `TEXT`. SQLite does not enforce a declared length, and cannot alter a
/// column's type, so it keeps its declaration.
async fn widen(m: &SchemaManager<'_>, table: &str, col: &str, null: bool) -> Result<(), DbErr> {
    if m.get_database_backend() == DatabaseBackend::Sqlite {
        return Ok(());
    }
    let mut def = ColumnDef::new(Alias::new(col));
    def.text();
    if null {
        def.null();
    } else {
        def.not_null();
    }
    m.alter_table(
        Table::alter()
            .table(Alias::new(table))
            .modify_column(def)
            .take(),
    )
    .await
}
