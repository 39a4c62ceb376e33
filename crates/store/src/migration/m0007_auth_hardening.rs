//! Log-in hardening: the throttle rows that make SMS send limits atomic, the per-account
//! guard of staff password log-ins (failures, growing lockouts), the non-secret parameters
//! of outbox messages, and a scrub of log-in codes already stored in clear in the outbox.

use super::util::{ts, ts_null};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What a code shows as in stored text (as `daojia_notify::sms::MASK`).
const MASK: &str = "******";

/// The outbox text with every run of six or more digits masked. Only `login_code`
/// messages are scrubbed; their only long digit run is the code.
pub(crate) fn scrub_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut digits = String::new();
    let flush = |digits: &mut String, out: &mut String| {
        if digits.len() >= 6 {
            out.push_str(MASK);
        } else {
            out.push_str(digits);
        }
        digits.clear();
    };
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else {
            flush(&mut digits, &mut out);
            out.push(c);
        }
    }
    flush(&mut digits, &mut out);
    out
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("sms_throttle")
                .col(string_len("subject", 100).primary_key())
                .col(ts_null(b, "last_sent_at"))
                .col(big_integer("claims").default(0).take())
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("login_guard")
                .col(string_len("subject", 100).primary_key())
                .col(uuid_null("staff_id"))
                .col(integer("failures").default(0).take())
                .col(integer("lockouts").default(0).take())
                .col(ts_null(b, "locked_until"))
                .col(ts(b, "updated_at"))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("sms_outbox")
                .add_column(text_null("params"))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        let rows = db
            .query_all(
                &Query::select()
                    .columns(["id", "content"])
                    .from("sms_outbox")
                    .and_where(Expr::col("template").eq("login_code"))
                    .to_owned(),
            )
            .await?;
        for row in rows {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let content: String = row.try_get("", "content")?;
            let scrubbed = scrub_code(&content);
            if scrubbed != content {
                db.execute(
                    &Query::update()
                        .table("sms_outbox")
                        .value("content", scrubbed)
                        .and_where(Expr::col("id").eq(id))
                        .to_owned(),
                )
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("sms_outbox")
                .drop_column("params")
                .take(),
        )
        .await?;
        for t in ["login_guard", "sms_throttle"] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::scrub_code;

    #[test]
    fn a_stored_code_is_masked_and_the_minutes_are_kept() {
        assert_eq!(
            scrub_code("【到家】您的登录验证码是 482916，5 分钟内有效。请勿告诉他人。"),
            "【到家】您的登录验证码是 ******，5 分钟内有效。请勿告诉他人。"
        );
        assert_eq!(scrub_code("code 1234567 end"), "code ****** end");
        assert_eq!(scrub_code("12345"), "12345");
    }
}
