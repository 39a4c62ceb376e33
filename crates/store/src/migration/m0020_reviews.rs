//! Reviews in full (issue 11): the customer's text (`body`) and when they edited it (once,
//! within a window), the worker's reply, and staff moderation (hidden with a reason, by
//! whom, when). A review's photos are uploads attached to its order with the purpose
//! `review` (`order_photo`); the tags stay a JSON array in `tags` (docs/adr/0010).

use super::util::{index, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        // One column per statement: SQLite adds one at a time.
        for col in [
            text_null("body"),
            ts_null(b, "edited_at"),
            text_null("reply"),
            ts_null(b, "replied_at"),
            ts_null(b, "hidden_at"),
            text_null("hidden_reason"),
            uuid_null("hidden_by"),
        ] {
            m.alter_table(Table::alter().table("review").add_column(col).take())
                .await?;
        }
        m.create_index(index("review", &["hidden_at", "created_at"], false))
            .await?;
        m.create_index(index("review", &["rating", "created_at"], false))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The indexes first: SQLite refuses to drop a column an index still names.
        for cols in [["hidden_at", "created_at"], ["rating", "created_at"]] {
            m.drop_index(
                Index::drop()
                    .name(format!("review_{}_idx", cols.join("_")))
                    .table("review")
                    .to_owned(),
            )
            .await?;
        }
        for c in [
            "body",
            "edited_at",
            "reply",
            "replied_at",
            "hidden_at",
            "hidden_reason",
            "hidden_by",
        ] {
            m.alter_table(Table::alter().table("review").drop_column(c).take())
                .await?;
        }
        Ok(())
    }
}
