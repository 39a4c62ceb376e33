//! Location tracks (issue 11, 实时定位与轨迹): the raw points a worker's phone sends while on
//! duty (`track_point`: the device's time and the server's receipt time, the fix, speed,
//! heading, battery; deleted after `[tracks] raw_days`), the batches they came in
//! (`track_batch`, unique per worker and client batch id, so that a resent batch is stored
//! once), and each visit's downsampled track in compact form (`job_track`: one row per
//! order, the polyline-style text of `daojia_domain::track::codec`). Tracking consent is a
//! `consent` row of the document `tracking` (no table needed).

use super::util::{index, ts};
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
                .table("track_batch")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(uuid("batch_id"))
                .col(uuid_null("order_id"))
                .col(ts(b, "received_at"))
                .col(integer("points"))
                .col(integer("kept"))
                .col(integer("dropped_jumps"))
                .col(integer("dropped_duplicates"))
                .take(),
        )
        .await?;
        m.create_index(index("track_batch", &["worker_id", "batch_id"], true))
            .await?;
        m.create_index(index("track_batch", &["received_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("track_point")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(uuid_null("order_id"))
                .col(ts(b, "measured_at"))
                .col(ts(b, "received_at"))
                .col(double("lat"))
                .col(double("lng"))
                .col(double("accuracy_m"))
                .col(double_null("speed_mps"))
                .col(double_null("heading_deg"))
                .col(double_null("battery_pct"))
                .take(),
        )
        .await?;
        m.create_index(index("track_point", &["worker_id", "measured_at"], false))
            .await?;
        m.create_index(index("track_point", &["order_id", "measured_at"], false))
            .await?;
        m.create_index(index("track_point", &["received_at"], false))
            .await?;
        m.create_table(
            Table::create()
                .table("job_track")
                .col(uuid("order_id").primary_key())
                .col(uuid("worker_id"))
                .col(text("track"))
                .col(integer("point_count"))
                .col(integer("raw_count"))
                .col(ts(b, "started_at"))
                .col(ts(b, "last_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("job_track", &["worker_id"], false))
            .await?;
        m.create_index(index("job_track", &["last_at"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["job_track", "track_point", "track_batch"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
