//! Withdrawals paid by WeChat Pay's merchant transfer (商家转账): `worker_payee`, the
//! WeChat account a worker's payouts go to (the openid under the paying app, encrypted as
//! personal data, and the app it belongs to), and on `withdrawal` what the transfer needs:
//! the payee as it was when the worker asked (so a retry sends the same bill), WeChat's
//! `transfer_bill_no`, the `package_info` the payee confirms with, and the bill's last
//! state as WeChat reported it.

use super::util::{code_null, ts};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const COLUMNS: [&str; 4] = [
    "payee_enc",
    "transfer_bill_no",
    "package_info",
    "transfer_state",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("worker_payee")
                .col(uuid("worker_id").primary_key())
                .col(string_len("wechat_appid", 64))
                .col(text("wechat_openid_enc"))
                .col(ts(b, "bound_at"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        // One column per statement: SQLite alters one thing at a time.
        for col in [
            text_null("payee_enc"),
            code_null("transfer_bill_no"),
            text_null("package_info"),
            string_len_null("transfer_state", 32),
        ] {
            m.alter_table(Table::alter().table("withdrawal").add_column(col).take())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in COLUMNS {
            m.alter_table(Table::alter().table("withdrawal").drop_column(col).take())
                .await?;
        }
        m.drop_table(Table::drop().table("worker_payee").if_exists().take())
            .await
    }
}
