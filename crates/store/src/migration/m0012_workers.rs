//! Worker management (issue 10): a worker's status, encrypted ID number, photo, tools,
//! partner, presence (online, accepting), daily job limit, credit score and grab
//! suspension; skills with levels; certificates with review and expiry; shift exceptions;
//! credit events; partners (服务商/门店) and the staff who work for one; the certificate
//! kinds an item requires.
//!
//! `worker.active` stays, kept equal to `status = 'active'`, so code that only asks "may
//! this worker work" keeps working. `worker.skills` (the JSON list of skill codes that slot
//! search and planning read) stays too: `worker_skill` adds the level, and every write
//! keeps both in step. Existing workers get one `worker_skill` row per listed skill at
//! level 3, and `status` from `active`.

use super::util::{code, code_null, index, ts, ts_null};
use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use uuid::Uuid;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The level given to skills that existed before levels did.
const DEFAULT_LEVEL: i16 = 3;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let b = m.get_database_backend();
        m.create_table(
            Table::create()
                .table("partner")
                .col(uuid("id").primary_key())
                .col(code("code"))
                .col(string_len("name", 64))
                .col(boolean("active"))
                .col(ts(b, "created_at"))
                .take(),
        )
        .await?;
        m.create_index(index("partner", &["code"], true)).await?;

        // SQLite adds one column per statement.
        let columns = [
            string_len("status", 16).default("active").take(),
            text_null("id_number_enc"),
            uuid_null("photo_upload_id"),
            text_null("tools"),
            uuid_null("partner_id"),
            boolean("online").default(false).take(),
            boolean("accepting").default(false).take(),
            ts_null(b, "presence_at"),
            integer_null("daily_job_limit"),
            integer("credit_score").default(100).take(),
            ts_null(b, "grab_suspended_until"),
        ];
        for c in columns {
            m.alter_table(Table::alter().table("worker").add_column(c).take())
                .await?;
        }
        m.alter_table(
            Table::alter()
                .table("staff")
                .add_column(uuid_null("partner_id"))
                .take(),
        )
        .await?;
        m.create_index(index("worker", &["partner_id"], false))
            .await?;
        m.create_index(index("worker", &["status"], false)).await?;

        m.create_table(
            Table::create()
                .table("worker_skill")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(code("skill"))
                .col(small_integer("level"))
                .foreign_key(
                    ForeignKey::create()
                        .from("worker_skill", "worker_id")
                        .to("worker", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(index("worker_skill", &["worker_id", "skill"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("worker_certificate")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(code("kind"))
                .col(code_null("skill"))
                .col(uuid("upload_id"))
                .col(string_len_null("number", 64))
                .col(date_null("expires_on"))
                .col(string_len("status", 16))
                .col(code("submitted_by"))
                .col(uuid_null("reviewer_id"))
                .col(text_null("reason"))
                .col(ts(b, "created_at"))
                .col(ts_null(b, "reviewed_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("worker_certificate", "worker_id")
                        .to("worker", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(index("worker_certificate", &["worker_id"], false))
            .await?;
        m.create_index(index("worker_certificate", &["status"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("worker_shift_exception")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(date("on_date"))
                .col(string_len("kind", 16))
                .col(integer_null("start_minute"))
                .col(integer_null("end_minute"))
                .col(integer_null("break_start_minute"))
                .col(integer_null("break_end_minute"))
                .col(text_null("reason"))
                .col(uuid_null("created_by"))
                .col(ts(b, "created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .from("worker_shift_exception", "worker_id")
                        .to("worker", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(index(
            "worker_shift_exception",
            &["worker_id", "on_date"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("worker_credit_event")
                .col(uuid("id").primary_key())
                .col(uuid("worker_id"))
                .col(integer("delta"))
                .col(code("kind"))
                .col(uuid_null("order_id"))
                .col(text_null("reason"))
                .col(ts(b, "at"))
                .col(uuid_null("created_by"))
                .col(ts_null(b, "reversed_at"))
                .col(uuid_null("reversed_by"))
                .col(text_null("reverse_reason"))
                .foreign_key(
                    ForeignKey::create()
                        .from("worker_credit_event", "worker_id")
                        .to("worker", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(index("worker_credit_event", &["worker_id", "at"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("item_certificate")
                .col(uuid("id").primary_key())
                .col(code("item_code"))
                .col(code("kind"))
                .take(),
        )
        .await?;
        m.create_index(index("item_certificate", &["item_code", "kind"], true))
            .await?;

        backfill(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "item_certificate",
            "worker_credit_event",
            "worker_shift_exception",
            "worker_certificate",
            "worker_skill",
        ] {
            m.drop_table(Table::drop().table(t).if_exists().take())
                .await?;
        }
        for i in ["worker_partner_id_idx", "worker_status_idx"] {
            let mut drop = Index::drop();
            drop.name(i).table("worker");
            m.drop_index(drop).await?;
        }
        m.alter_table(
            Table::alter()
                .table("staff")
                .drop_column("partner_id")
                .take(),
        )
        .await?;
        for c in [
            "grab_suspended_until",
            "credit_score",
            "daily_job_limit",
            "presence_at",
            "accepting",
            "online",
            "partner_id",
            "tools",
            "photo_upload_id",
            "id_number_enc",
            "status",
        ] {
            m.alter_table(Table::alter().table("worker").drop_column(c).take())
                .await?;
        }
        m.drop_table(Table::drop().table("partner").if_exists().take())
            .await
    }
}

/// Status from `active`; one `worker_skill` row per skill in the JSON list.
async fn backfill(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    db.execute(
        &Query::update()
            .table("worker")
            .value("status", "suspended")
            .and_where(Expr::col("active").eq(false))
            .to_owned(),
    )
    .await?;
    let rows = db
        .query_all(
            &Query::select()
                .columns(["id", "skills"])
                .from("worker")
                .to_owned(),
        )
        .await?;
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let skills: String = row.try_get("", "skills")?;
        let codes: Vec<String> = serde_json::from_str(&skills).unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        for skill in codes.into_iter().filter(|s| seen.insert(s.clone())) {
            db.execute(
                &Query::insert()
                    .into_table("worker_skill")
                    .columns(["id", "worker_id", "skill", "level"])
                    .values_panic([
                        Uuid::now_v7().into(),
                        id.into(),
                        skill.into(),
                        DEFAULT_LEVEL.into(),
                    ])
                    .to_owned(),
            )
            .await?;
        }
    }
    Ok(())
}
