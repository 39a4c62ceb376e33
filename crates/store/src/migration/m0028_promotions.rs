//! Promotions (限时特价, issue 14's flash sale): `promotion`, one item at a lower price for
//! a quota of bookings in a sales window, with its `sold` count; and `promotion_claim`,
//! one row per order that took a place, which is also the order's record of the promotion
//! and the price it got.
//!
//! The count is exact because a claim is one conditional update (`sold = sold + 1 WHERE
//! sold < quota`) in the placement's transaction. The per-customer limit is backed by a
//! unique key on `(promotion_id, customer_id, seat)`: a live claim holds a seat from 1 to
//! the promotion's limit, a released one (its order cancelled) holds none (NULL, which a
//! unique key does not compare on any of the three databases), so a customer can never
//! hold more live claims than the limit, whatever the application does.

use super::util::{code, index, ts, ts_null};
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
                .table("promotion")
                .col(uuid("id").primary_key())
                .col(code("item_code"))
                .col(string_len("name", 128))
                .col(big_integer("price_fen"))
                .col(big_integer("list_price_fen"))
                .col(big_integer("quota"))
                .col(big_integer("sold"))
                .col(integer("per_customer"))
                .col(text("areas"))
                .col(code("state"))
                .col(ts(b, "starts_at"))
                .col(ts(b, "ends_at"))
                .col(ts(b, "created_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("promotion_claim")
                .col(uuid("id").primary_key())
                .col(uuid("promotion_id"))
                .col(uuid("order_id"))
                .col(uuid("customer_id"))
                .col(integer_null("seat"))
                .col(big_integer("price_fen"))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "released_at"))
                .take(),
        )
        .await?;
        for i in [
            index("promotion", &["item_code"], false),
            index("promotion_claim", &["order_id"], true),
            index(
                "promotion_claim",
                &["promotion_id", "customer_id", "seat"],
                true,
            ),
        ] {
            m.create_index(i).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["promotion_claim", "promotion"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
