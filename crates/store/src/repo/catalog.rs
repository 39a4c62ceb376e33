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

/// How often each item was ordered since `since` (cancelled orders left out): item code →
/// number of order lines.
pub async fn popularity(
    db: &impl ConnectionTrait,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<std::collections::HashMap<String, i64>, DbErr> {
    use crate::entity::{order_line as l, service_order as o};
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
    let q = Query::select()
        .column((l::Entity, l::Column::ItemCode))
        .expr_as(
            Func::count(Expr::col((l::Entity, l::Column::Id))),
            Alias::new("n"),
        )
        .from(l::Entity)
        .inner_join(
            o::Entity,
            Expr::col((o::Entity, o::Column::Id)).equals((l::Entity, l::Column::OrderId)),
        )
        .and_where(Expr::col((o::Entity, o::Column::CreatedAt)).gte(since))
        .and_where(Expr::col((o::Entity, o::Column::State)).ne("cancelled"))
        .group_by_col((l::Entity, l::Column::ItemCode))
        .to_owned();
    let stmt = db.get_database_backend().build(&q);
    let mut out = std::collections::HashMap::new();
    for r in db.query_all_raw(stmt).await? {
        let code: String = r.try_get("", "item_code")?;
        let n: i64 = r.try_get("", "n")?;
        out.insert(code, n);
    }
    Ok(out)
}

/// Item codes an area does not offer.
pub async fn items_not_offered(
    db: &impl ConnectionTrait,
    area_code: &str,
) -> Result<Vec<String>, DbErr> {
    use crate::entity::area_item_off as off;
    Ok(off::Entity::find()
        .filter(off::Column::AreaCode.eq(area_code))
        .order_by_asc(off::Column::ItemCode)
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.item_code)
        .collect())
}

/// Offers an item in an area, or stops offering it; `true` when that changed anything.
pub async fn set_offered(
    db: &impl ConnectionTrait,
    area_code: &str,
    item_code: &str,
    offered: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<bool, DbErr> {
    use crate::entity::area_item_off as off;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    if offered {
        let r = off::Entity::delete_many()
            .filter(off::Column::AreaCode.eq(area_code))
            .filter(off::Column::ItemCode.eq(item_code))
            .exec(db)
            .await?;
        if r.rows_affected > 0 {
            super::versions::bump(db, super::versions::CATALOG).await?;
        }
        return Ok(r.rows_affected > 0);
    }
    let inserted = off::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        area_code: Set(area_code.into()),
        item_code: Set(item_code.into()),
        updated_at: Set(now),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(_) => Ok(true),
        Err(e) if crate::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Every area's items not offered there (for a copy of the whole catalog).
pub async fn all_items_not_offered(
    db: &impl ConnectionTrait,
) -> Result<Vec<crate::entity::area_item_off::Model>, DbErr> {
    use crate::entity::area_item_off as off;
    off::Entity::find()
        .order_by_asc(off::Column::AreaCode)
        .order_by_asc(off::Column::ItemCode)
        .all(db)
        .await
}

/// Every area's price overrides (for a copy of the whole catalog).
pub async fn all_area_prices(
    db: &impl ConnectionTrait,
) -> Result<Vec<crate::entity::area_item_price::Model>, DbErr> {
    crate::entity::area_item_price::Entity::find().all(db).await
}
