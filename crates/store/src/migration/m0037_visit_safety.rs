//! Safety at the door (issue 11): the customer not home (`visit_no_show`, the worker's
//! evidence when the order was cancelled under the no-show policy), SOS alerts raised by a
//! worker or a customer during a visit (`sos_alert`, one open per order and raiser through
//! the unique `open_key`, cleared when resolved), and the worker's photo of themselves at
//! check-in (`visit_check_in.selfie_upload_id`) that the customer checks.

use super::util::{code_null, index, ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("visit_no_show")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("worker_id"))
                .col(code_null("area_code"))
                .col(ts(b, "at"))
                .col(ts_null(b, "device_at"))
                .col(text("position_enc"))
                .col(double_null("accuracy_m"))
                .col(integer("distance_m"))
                .col(integer("call_attempts"))
                .col(uuid("photo_upload_id"))
                .col(text_null("note"))
                .col(big_integer("fee_fen"))
                .col(big_integer("refunded_fen"))
                .take(),
        )
        .await?;
        m.create_index(index("visit_no_show", &["order_id"], true))
            .await?;
        m.create_table(
            Table::create()
                .table("sos_alert")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(code_null("area_code"))
                .col(uuid_null("worker_id"))
                .col(string_len("raised_by_type", 16))
                .col(uuid("raised_by_id"))
                .col(text_null("position_enc"))
                .col(double_null("accuracy_m"))
                .col(string_len("position_source", 16))
                .col(ts_null(b, "position_at"))
                .col(text_null("note"))
                .col(string_len("order_state", 32))
                .col(string_len("status", 16))
                .col(string_len_null("open_key", 100))
                .col(ts(b, "raised_at"))
                .col(ts_null(b, "acknowledged_at"))
                .col(uuid_null("acknowledged_by"))
                .col(ts_null(b, "resolved_at"))
                .col(uuid_null("resolved_by"))
                .col(text_null("resolution_note"))
                .take(),
        )
        .await?;
        m.create_index(index("sos_alert", &["open_key"], true))
            .await?;
        m.create_index(index("sos_alert", &["status", "raised_at"], false))
            .await?;
        m.create_index(index("sos_alert", &["order_id"], false))
            .await?;
        m.alter_table(
            Table::alter()
                .table("visit_check_in")
                .add_column(uuid_null("selfie_upload_id"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("visit_check_in")
                .drop_column("selfie_upload_id")
                .take(),
        )
        .await?;
        m.drop_table(Table::drop().table("sos_alert").if_exists().take())
            .await?;
        m.drop_table(Table::drop().table("visit_no_show").if_exists().take())
            .await
    }
}
