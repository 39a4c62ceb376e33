//! Profit sharing at the channel (分账, WeChat Pay service-provider mode):
//! `partner_receiver`, the merchant a partner's share is paid to at WeChat (the partner's own
//! merchant id and its full name, and when it was added as a receiver);
//! `profit_sharing`, one row per shared payment (unique by intent): the deterministic
//! `out_order_no` a retry sends again, the partner's share, its state and what WeChat said,
//! and the return of the share when the payment is refunded afterwards; and on
//! `payment_intent` whether it was opened to be shared (`settle_info.profit_sharing`).

use super::util::{code, code_null, index, ts, ts_null};
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
                .table("partner_receiver")
                .col(uuid("partner_id").primary_key())
                .col(string_len("mchid", 32))
                .col(string_len("name", 128))
                .col(ts_null(b, "added_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("profit_sharing")
                .col(uuid("id").primary_key())
                .col(uuid("intent_id"))
                .col(uuid("order_id"))
                .col(uuid_null("partner_id"))
                .col(code("out_order_no"))
                .col(code("transaction_id"))
                .col(string_len_null("receiver_mchid", 32))
                .col(big_integer("amount_fen"))
                .col(string_len("state", 16))
                .col(code_null("wx_order_id"))
                .col(text_null("fail_reason"))
                .col(code_null("return_no"))
                .col(big_integer("returned_fen").default(0))
                .col(integer("attempts").default(0))
                .col(ts(b, "requested_at"))
                .col(ts_null(b, "finished_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_index(index("profit_sharing", &["intent_id"], true))
            .await?;
        m.create_index(index("profit_sharing", &["out_order_no"], true))
            .await?;
        m.create_index(index("profit_sharing", &["state", "updated_at"], false))
            .await?;
        m.create_index(index("profit_sharing", &["order_id"], false))
            .await?;
        m.alter_table(
            Table::alter()
                .table("payment_intent")
                .add_column(boolean("profit_sharing").default(false))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("payment_intent")
                .drop_column("profit_sharing")
                .take(),
        )
        .await?;
        m.drop_table(Table::drop().table("profit_sharing").if_exists().take())
            .await?;
        m.drop_table(Table::drop().table("partner_receiver").if_exists().take())
            .await
    }
}
