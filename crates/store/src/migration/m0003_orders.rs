//! Orders: the order with its address snapshot, window and money; its lines; its events
//! (one per transition, numbered, so that two concurrent writers cannot both append the
//! same step); and recorded payments, unique per reference so that a retried payment is
//! recorded once.

use super::util::{code, code_null, index, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        let tables = vec![
            Table::create()
                .table("service_order")
                .col(uuid("id").primary_key())
                .col(code("order_no"))
                .col(uuid("customer_id"))
                .col(code("state"))
                .col(uuid_null("worker_id"))
                .col(code_null("area_code"))
                .col(uuid_null("address_id"))
                .col(text("contact_name_enc"))
                .col(text("contact_phone_enc"))
                .col(text("address_enc"))
                .col(text("house_number_enc"))
                .col(double("lat"))
                .col(double("lng"))
                .col(ts(b, "window_start"))
                .col(ts(b, "window_end"))
                .col(code("payment_mode"))
                .col(big_integer("deposit_fen"))
                .col(big_integer("total_fen"))
                .col(big_integer("paid_fen"))
                .col(big_integer("refunded_fen"))
                .col(big_integer("fee_fen"))
                .col(text("policy"))
                .col(integer("customer_reschedules"))
                .col(text("notes"))
                .col(ts_null(b, "completed_at"))
                .col(integer("version"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("service_order", "customer_id")
                        .to("customer", "id"),
                )
                .take(),
            Table::create()
                .table("order_line")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(integer("position"))
                .col(code("item_code"))
                .col(string_len("item_name", 128))
                .col(integer("quantity"))
                .col(big_integer("unit_price_fen"))
                .col(big_integer("total_fen"))
                .col(integer("duration_min"))
                .col(text("selections"))
                .foreign_key(
                    ForeignKey::create()
                        .from("order_line", "order_id")
                        .to("service_order", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
            Table::create()
                .table("order_event")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(integer("seq"))
                .col(ts(b, "at"))
                .col(code("actor_type"))
                .col(uuid_null("actor_id"))
                .col(code_null("from_state"))
                .col(code("to_state"))
                .col(code("action"))
                .col(text("detail"))
                .col(big_integer("paid_fen"))
                .col(big_integer("refunded_fen"))
                .col(big_integer("fee_fen"))
                .col(string_len_null("request_id", 64))
                .foreign_key(
                    ForeignKey::create()
                        .from("order_event", "order_id")
                        .to("service_order", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
            Table::create()
                .table("order_payment")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(code("method"))
                .col(string_len("reference", 128))
                .col(big_integer("amount_fen"))
                .col(code("recorded_by_type"))
                .col(uuid_null("recorded_by"))
                .col(ts(b, "at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("order_payment", "order_id")
                        .to("service_order", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            index("service_order", &["order_no"], true),
            index("service_order", &["customer_id", "created_at"], false),
            index("service_order", &["state", "window_start"], false),
            index("service_order", &["worker_id", "window_start"], false),
            index("service_order", &["area_code", "window_start"], false),
            index("order_line", &["order_id"], false),
            index("order_event", &["order_id", "seq"], true),
            index("order_payment", &["order_id", "method", "reference"], true),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "order_payment",
            "order_event",
            "order_line",
            "service_order",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
