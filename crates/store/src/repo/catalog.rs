//! Service areas, categories and items: reads. Editing arrives with the catalog capability;
//! the demo loader writes rows directly.

use crate::entity::{service_area, service_category, service_item};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// Active service areas by code.
pub async fn areas(db: &impl ConnectionTrait) -> Result<Vec<service_area::Model>, DbErr> {
    service_area::Entity::find()
        .filter(service_area::Column::Active.eq(true))
        .order_by_asc(service_area::Column::Code)
        .all(db)
        .await
}

/// All categories in display order.
pub async fn categories(db: &impl ConnectionTrait) -> Result<Vec<service_category::Model>, DbErr> {
    service_category::Entity::find()
        .order_by_asc(service_category::Column::Sort)
        .order_by_asc(service_category::Column::Code)
        .all(db)
        .await
}

/// Items on shelf in display order.
pub async fn items_on_shelf(db: &impl ConnectionTrait) -> Result<Vec<service_item::Model>, DbErr> {
    service_item::Entity::find()
        .filter(service_item::Column::OnShelf.eq(true))
        .order_by_asc(service_item::Column::Sort)
        .all(db)
        .await
}

/// An area's price overrides, one per item at most.
pub async fn area_prices(
    db: &impl ConnectionTrait,
    area_code: &str,
) -> Result<Vec<crate::entity::area_item_price::Model>, DbErr> {
    crate::entity::area_item_price::Entity::find()
        .filter(crate::entity::area_item_price::Column::AreaCode.eq(area_code))
        .all(db)
        .await
}
