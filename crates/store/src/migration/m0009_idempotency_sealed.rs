//! Idempotency records hold no personal data in clear (issue 9, item 5). Earlier versions
//! stored each replayable response as it was sent (an order view carries the address and
//! house number) for 24 hours, kept `in progress` claims for 24 hours, and gave anonymous
//! callers one shared scope. This data migration:
//!
//! - encrypts every stored response with the store's vault (the repository reads them only
//!   that way from now on). They are not deleted: a client retrying a request it made
//!   before the upgrade must still get its answer replayed, not a second order;
//! - ends the claims still `in progress` one minute from now (a short lease, as new claims
//!   have): the process that held them stopped for the upgrade;
//! - deletes the rows of the shared `anonymous` scope: every route that takes a key needs a
//!   log-in, so they hold only refusals, which anonymous callers must not replay to each
//!   other, and anonymous requests create no rows any more.

use crate::entity::idempotency_key as ik;
use crate::repo::idempotency::{body_context, seal_legacy_rows};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        seal_legacy_rows(
            m.get_connection(),
            || super::vault("m0009_idempotency_sealed"),
            chrono::Utc::now(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The version before reads stored responses as they are: open them again.
        let db = m.get_connection();
        let rows = ik::Entity::find()
            .filter(ik::Column::ResponseBody.is_not_null())
            .all(db)
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let vault = super::vault("m0009_idempotency_sealed")?;
        for r in rows {
            let Some(body) = r.response_body else {
                continue;
            };
            let Ok(plain) = vault.decrypt(&body_context(&r.scope, &r.key), &body) else {
                continue;
            };
            ik::Entity::update_many()
                .col_expr(ik::Column::ResponseBody, Expr::value(plain))
                .filter(ik::Column::Id.eq(r.id))
                .exec(db)
                .await?;
        }
        Ok(())
    }
}
