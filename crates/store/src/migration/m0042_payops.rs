//! WeChat Pay's platform certificates (平台证书) as downloaded from `GET /v3/certificates`:
//! kept in the database so that every node verifies with the same set, whichever node's
//! job downloaded it. Public data (certificates), stored as they came, by serial.
//! And on `withdrawal`, the payee's real name as it was when the worker asked
//! (`payee_name_enc`, encrypted personal data), which WeChat transfers carry from 0.3 yuan
//! on and require from 2,000 yuan.

use super::util::{code, ts};
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
                .table("wechat_platform_certificate")
                .col(code("serial_no").primary_key())
                .col(ts(b, "effective_at"))
                .col(ts(b, "expire_at"))
                .col(text("certificate_pem"))
                .col(ts(b, "first_seen_at"))
                .col(ts(b, "last_seen_at"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("withdrawal")
                .add_column(text_null("payee_name_enc"))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("withdrawal")
                .drop_column("payee_name_enc")
                .take(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table("wechat_platform_certificate")
                .if_exists()
                .take(),
        )
        .await
    }
}
