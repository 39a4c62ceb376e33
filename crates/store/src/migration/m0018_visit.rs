//! The visit at the door (issue 11): the worker's check-ins (签到打卡) with the position they
//! reported, its distance from the address and whether it was inside the fence, flagged
//! for operations with the worker's reason and photo when not; and each order's door check
//! code (上门校验码), encrypted like other secrets shown to one person, with the entries made.
//!
//! The position is the worker's location, personal information: it is stored encrypted
//! (`visit.position`), with the distance in clear for operations.

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
                .table("visit_check_in")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("worker_id"))
                .col(code_null("area_code"))
                .col(ts(b, "at"))
                .col(text("position_enc"))
                .col(double_null("accuracy_m"))
                .col(integer("distance_m"))
                .col(integer("radius_m"))
                .col(boolean("inside_radius"))
                .col(boolean("on_time"))
                .col(boolean("flagged"))
                .col(text("outside"))
                .col(text_null("reason"))
                .col(uuid_null("photo_upload_id"))
                .take(),
        )
        .await?;
        m.create_index(index("visit_check_in", &["order_id", "at"], false))
            .await?;
        m.create_index(index("visit_check_in", &["flagged", "at"], false))
            .await?;
        m.create_index(index("visit_check_in", &["worker_id"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("order_door_code")
                .col(uuid("order_id").primary_key())
                .col(text("code_enc"))
                .col(integer("attempts"))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "last_attempt_at"))
                .col(ts_null(b, "verified_at"))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("order_door_code").if_exists().take())
            .await?;
        m.drop_table(Table::drop().table("visit_check_in").if_exists().take())
            .await
    }
}
