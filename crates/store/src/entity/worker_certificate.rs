//! A certificate a worker holds (health certificate, electrician's licence...): the
//! uploaded document, its expiry and the staff review (pending, approved, rejected).

use sea_orm::entity::prelude::*;

/// A row of `worker_certificate`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
#[sea_orm(table_name = "worker_certificate")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub worker_id: Uuid,
    pub kind: String,
    pub skill: Option<String>,
    pub upload_id: Uuid,
    pub number: Option<String>,
    pub expires_on: Option<Date>,
    pub status: String,
    /// `worker` or `staff`.
    pub submitted_by: String,
    pub reviewer_id: Option<Uuid>,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub reviewed_at: Option<DateTimeUtc>,
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
