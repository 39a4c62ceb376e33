//! A worker (师傅). Skills are a JSON array of skill codes (their levels are in
//! `worker_skill`, kept in step); home position is WGS-84.

use sea_orm::entity::prelude::*;

/// A row of `worker`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "worker")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub code: String,
    #[sea_orm(column_type = "Text")]
    pub phone_enc: String,
    pub phone_index: String,
    /// Encrypted (`worker.name`); read with `repo::accounts::worker_name`.
    #[sea_orm(column_type = "Text")]
    pub name_enc: String,
    pub gender: String,
    #[sea_orm(column_type = "Text")]
    pub skills: String,
    pub rating_tenths: i32,
    pub years_experience: i32,
    pub home_lat: f64,
    pub home_lng: f64,
    pub area_code: Option<String>,
    /// Equal to `status == "active"` (kept for the code that only asks that).
    pub active: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `onboarding`, `active`, `suspended` or `left`.
    pub status: String,
    /// Encrypted (`worker.id_number`); read with `repo::workers::id_number`.
    #[sea_orm(column_type = "Text", nullable)]
    pub id_number_enc: Option<String>,
    pub photo_upload_id: Option<Uuid>,
    /// JSON array of tool names.
    #[sea_orm(column_type = "Text", nullable)]
    pub tools: Option<String>,
    pub partner_id: Option<Uuid>,
    pub online: bool,
    pub accepting: bool,
    pub presence_at: Option<DateTimeUtc>,
    pub daily_job_limit: Option<i32>,
    pub credit_score: i32,
    pub grab_suspended_until: Option<DateTimeUtc>,
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
