//! Reviews (评价): one per order, the customer's rating of the visit (1 to 5 stars) and tags
//! chosen from a fixed list (`punctual`, `late`, `careless`…). Minimal on purpose: the visit
//! work adds text, photos, the worker's reply and moderation. A worker's rating
//! (`worker.rating_tenths`) is the average of their reviews, kept up to date when one is
//! written (see `repo::reviews`).

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
                .table("review")
                .col(uuid("id").primary_key())
                .col(uuid("order_id"))
                .col(uuid("customer_id"))
                .col(uuid("worker_id"))
                .col(
                    small_integer("rating")
                        .check(Expr::col("rating").between(1, 5))
                        .take(),
                )
                .col(text("tags"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("review", &["order_id"], true)).await?;
        m.create_index(index("review", &["worker_id", "created_at"], false))
            .await?;
        m.create_index(index("review", &["customer_id"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("review").if_exists().take())
            .await
    }
}
