//! A change to a worker's weekly shifts on one date: leave (the whole day when no times are
//! given) or an extra shift. Minutes after local midnight.

use sea_orm::entity::prelude::*;

/// A row of `worker_shift_exception`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "worker_shift_exception")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub worker_id: Uuid,
    pub on_date: Date,
    /// `leave` or `extra`.
    pub kind: String,
    pub start_minute: Option<i32>,
    pub end_minute: Option<i32>,
    pub break_start_minute: Option<i32>,
    pub break_end_minute: Option<i32>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

/// No relations are navigated through the ORM; joins are explicit queries.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

/// Every write counts for the nodes' caches of staff (`repo::versions::STAFF`).
#[async_trait::async_trait]
impl ActiveModelBehavior for ActiveModel {
    async fn after_save<C>(model: Model, db: &C, _insert: bool) -> Result<Model, DbErr>
    where
        C: ConnectionTrait,
    {
        crate::repo::versions::bump(db, crate::repo::versions::STAFF).await?;
        Ok(model)
    }

    async fn after_delete<C>(self, db: &C) -> Result<Self, DbErr>
    where
        C: ConnectionTrait,
    {
        crate::repo::versions::bump(db, crate::repo::versions::STAFF).await?;
        Ok(self)
    }
}
