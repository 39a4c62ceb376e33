//! Route plans (路线规划) in the database, the source of truth on every node: one
//! `route_plan` row per plan asked for (its status, progress while it searches, its totals
//! and the plan as shown) and one `route_plan_stop` row per stop of its routes.
//!
//! The stops are child rows rather than part of the plan's JSON because the commit and the
//! re-planner work on them one order at a time: which worker an order was promised to, at
//! what planned arrival and start, what the commit did with it. Those are indexed lookups
//! by plan and by order that a JSON document cannot give on all three databases. The JSON
//! keeps the rest of the view (orders left out with their reasons, totals against the
//! current assignment), which nothing queries.
//!
//! MySQL's `TEXT` holds 64 KiB; a plan of thousands of orders is larger, so its JSON is a
//! `LONGTEXT` there.

use super::util::{code, code_null, index, ts, ts_null};
use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A nullable text column that holds megabytes on every backend.
fn long_text_null(b: DatabaseBackend, name: &'static str) -> ColumnDef {
    match b {
        DatabaseBackend::MySql => ColumnDef::new(name).custom("LONGTEXT").null().take(),
        _ => text_null(name),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("route_plan")
                .col(uuid("id").primary_key())
                .col(code("area_code"))
                .col(string_len("plan_date", 10))
                .col(code("status"))
                .col(text("params"))
                .col(uuid("created_by"))
                .col(ts(b, "created_at"))
                .col(ts(b, "heartbeat_at"))
                .col(ts_null(b, "finished_at"))
                .col(ts_null(b, "committed_at"))
                .col(uuid_null("committed_by"))
                .col(integer("progress").default(0).take())
                .col(double_null("best_cost"))
                .col(integer_null("left_out"))
                .col(integer("orders").default(0).take())
                .col(integer("workers").default(0).take())
                .col(integer("planned_orders").default(0).take())
                .col(double("km").default(0.0).take())
                .col(double("hours").default(0.0).take())
                .col(text_null("error"))
                .col(long_text_null(b, "result"))
                .col(text_null("commit_summary"))
                .take(),
        )
        .await?;
        m.create_index(index("route_plan", &["area_code", "plan_date"], false))
            .await?;
        m.create_index(index("route_plan", &["status"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("route_plan_stop")
                .col(uuid("id").primary_key())
                .col(uuid("plan_id"))
                .col(uuid("worker_id"))
                .col(integer("seq"))
                .col(code("kind"))
                .col(uuid_null("order_id"))
                .col(integer_null("order_version"))
                .col(boolean("elsewhere"))
                .col(ts(b, "arrival"))
                .col(ts(b, "start_at"))
                .col(ts(b, "finish_at"))
                .col(code_null("outcome"))
                .foreign_key(
                    ForeignKey::create()
                        .from("route_plan_stop", "plan_id")
                        .to("route_plan", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(index(
            "route_plan_stop",
            &["plan_id", "worker_id", "seq"],
            true,
        ))
        .await?;
        m.create_index(index("route_plan_stop", &["order_id"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["route_plan_stop", "route_plan"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
