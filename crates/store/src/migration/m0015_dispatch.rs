//! Automatic dispatch (自动派单): every decision the engine made for an order with its
//! explanation (`dispatch_decision`), every offer sent to a worker with its answer
//! (`dispatch_offer`), and the orders waiting in the grab pool (`dispatch_grab`).
//!
//! A decision's explanation is the engine's `Decision` as JSON (candidates with each score
//! term, rejections with reason codes): a few hundred workers examined make it larger than
//! MySQL's 64 KiB `TEXT`, so it is a `LONGTEXT` there.

use super::util::{code, index, ts, ts_null};
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn long_text(b: DatabaseBackend, name: &'static str) -> ColumnDef {
    match b {
        DatabaseBackend::MySql => ColumnDef::new(name).custom("LONGTEXT").not_null().take(),
        _ => text(name),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("dispatch_decision")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(ts(b, "at"))
                .col(code("policy"))
                .col(uuid_null("worker_id"))
                .col(code("outcome"))
                .col(integer("candidates"))
                .col(integer("rejected"))
                .col(long_text(b, "explanation"))
                .take(),
        )
        .await?;
        m.create_index(index("dispatch_decision", &["order_id", "at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("dispatch_offer")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("worker_id"))
                .col(uuid_null("decision_id"))
                .col(ts(b, "sent_at"))
                .col(ts(b, "expires_at"))
                .col(code("status"))
                .col(ts_null(b, "answered_at"))
                .col(text_null("reason"))
                .take(),
        )
        .await?;
        m.create_index(index("dispatch_offer", &["order_id", "sent_at"], false))
            .await?;
        m.create_index(index("dispatch_offer", &["worker_id", "status"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("dispatch_grab")
                .col(uuid("order_id").primary_key())
                .col(code("area_code"))
                .col(ts(b, "since"))
                .col(code("reason"))
                .take(),
        )
        .await?;
        m.create_index(index("dispatch_grab", &["area_code", "since"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["dispatch_grab", "dispatch_offer", "dispatch_decision"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
