//! What the worker recorded during the service (服务记录): a checklist tick set for an
//! order line, a before or after photo, a note, the materials used. Rows are only added.

use sea_orm::entity::prelude::*;

/// A row of `visit_record`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visit_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The order (visit).
    pub order_id: Uuid,
    /// The worker who recorded it.
    pub worker_id: Uuid,
    /// `checklist`, `photo`, `note` or `materials`.
    pub kind: String,
    /// The order line (ticks; a photo may name one).
    pub line_id: Option<Uuid>,
    /// The photo's upload.
    pub upload_id: Option<Uuid>,
    /// The content (JSON): ticks, purpose, text, materials.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When, by the server's clock.
    pub recorded_at: DateTimeUtc,
}

/// No relations are navigated through the ORM.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
