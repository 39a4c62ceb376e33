//! One skill of a worker with its level (1 beginner to 5 expert).

use sea_orm::entity::prelude::*;

/// A row of `worker_skill`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "worker_skill")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub worker_id: Uuid,
    pub skill: String,
    pub level: i16,
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
