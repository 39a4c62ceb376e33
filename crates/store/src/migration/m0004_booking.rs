//! Booking: the window size of an area and a booking sequence that serialises placements
//! per area (the slot lock); policies per area and per item; area price overrides; an
//! order's working time and skills (what slot capacity counts); uploaded files and the
//! photos of an order; alarms raised on orders (the exceptions queue).
//!
//! SQLite adds one column per `ALTER TABLE`, so each added column is its own statement.

use super::util::{code, index, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn add(table: &'static str, col: ColumnDef) -> TableAlterStatement {
    Table::alter().table(table).add_column(col).take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        for alter in [
            add("service_area", integer("window_minutes").default(60).take()),
            add("service_area", big_integer("booking_seq").default(0).take()),
            add("service_area", text_null("policy")),
            add("service_item", text_null("policy")),
            add("service_item", text_null("photos")),
            add("service_order", integer("duration_min").default(60).take()),
            add("service_order", text_null("skills")),
        ] {
            m.alter_table(alter).await?;
        }
        // Orders placed before this migration: their working time is the sum of their lines.
        m.get_connection()
            .execute_unprepared(
                "UPDATE service_order SET duration_min = COALESCE((SELECT SUM(l.duration_min) \
                 FROM order_line l WHERE l.order_id = service_order.id), 60)",
            )
            .await?;
        let tables = vec![
            Table::create()
                .table("area_item_price")
                .col(uuid("id").primary_key())
                .col(code("area_code"))
                .col(code("item_code"))
                .col(big_integer_null("base_price_fen"))
                .col(integer("markup_percent"))
                .col(ts(b, "updated_at"))
                .take(),
            Table::create()
                .table("upload")
                .col(uuid("id").primary_key())
                .col(code("owner_type"))
                .col(uuid("owner_id"))
                .col(code("purpose"))
                .col(code("content_type"))
                .col(big_integer("size_bytes"))
                .col(code("sha256"))
                .col(integer("width"))
                .col(integer("height"))
                .col(ts(b, "created_at"))
                .take(),
            Table::create()
                .table("order_photo")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("upload_id"))
                .col(code("purpose"))
                .col(ts(b, "created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("order_photo", "order_id")
                        .to("service_order", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from("order_photo", "upload_id")
                        .to("upload", "id"),
                )
                .take(),
            Table::create()
                .table("order_alarm")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(code("kind"))
                .col(text("detail"))
                .col(ts(b, "raised_at"))
                .col(uuid_null("resolved_by"))
                .col(ts_null(b, "resolved_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("order_alarm", "order_id")
                        .to("service_order", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        ];
        for t in tables {
            m.create_table(t).await?;
        }
        for i in [
            index("area_item_price", &["area_code", "item_code"], true),
            index("upload", &["owner_type", "owner_id"], false),
            index("order_photo", &["order_id", "upload_id"], true),
            index("order_alarm", &["order_id", "kind"], true),
            index("order_alarm", &["resolved_at", "raised_at"], false),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["order_alarm", "order_photo", "upload", "area_item_price"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        for (t, c) in [
            ("service_order", "skills"),
            ("service_order", "duration_min"),
            ("service_item", "photos"),
            ("service_item", "policy"),
            ("service_area", "policy"),
            ("service_area", "booking_seq"),
            ("service_area", "window_minutes"),
        ] {
            m.alter_table(Table::alter().table(t).drop_column(c).take())
                .await?;
        }
        Ok(())
    }
}
