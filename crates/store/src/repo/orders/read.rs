//! Reading orders: one order with its lines, timeline and payments, and the operations
//! list with its filters.

use crate::entity::{order_event, order_line, order_payment, service_order};
use chrono::{DateTime, Utc};
use daojia_domain::order::OrderState;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// One order.
pub async fn get(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<service_order::Model>, DbErr> {
    service_order::Entity::find_by_id(id).one(db).await
}

/// An order's lines in order.
pub async fn lines(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await
}

/// An order's events, oldest first (the timeline).
pub async fn events(db: &impl ConnectionTrait, id: Uuid) -> Result<Vec<order_event::Model>, DbErr> {
    order_event::Entity::find()
        .filter(order_event::Column::OrderId.eq(id))
        .order_by_asc(order_event::Column::Seq)
        .all(db)
        .await
}

/// An order's recorded payments, oldest first.
pub async fn payments(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<order_payment::Model>, DbErr> {
    order_payment::Entity::find()
        .filter(order_payment::Column::OrderId.eq(id))
        .order_by_asc(order_payment::Column::At)
        .all(db)
        .await
}

/// Filters for the operations order list; all optional.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    /// Only these states.
    pub states: Vec<OrderState>,
    /// Only this service area.
    pub area_code: Option<String>,
    /// Windows starting at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Windows starting before this.
    pub until: Option<DateTime<Utc>>,
    /// Only this worker's.
    pub worker: Option<Uuid>,
    /// Only this customer's.
    pub customer: Option<Uuid>,
    /// Only orders offered or assigned to a worker of this partner.
    pub partner: Option<Uuid>,
}

/// The ids of the workers of partner `p`, as a subquery.
pub fn partner_workers(p: Uuid) -> sea_orm::sea_query::SelectStatement {
    use crate::entity::worker;
    use sea_orm::sea_query::Query;
    Query::select()
        .column(worker::Column::Id)
        .from(worker::Entity)
        .and_where(worker::Column::PartnerId.eq(p))
        .to_owned()
}

/// Orders matching `f`, newest first, a page at a time.
pub async fn list(
    db: &impl ConnectionTrait,
    f: &OrderFilter,
    page: crate::repo::PageRequest,
) -> Result<crate::repo::Page<service_order::Model>, DbErr> {
    use sea_orm::QuerySelect;
    let mut q = service_order::Entity::find()
        .order_by_desc(service_order::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(service_order::Column::Id.lt(after));
    }
    if !f.states.is_empty() {
        q = q.filter(service_order::Column::State.is_in(f.states.iter().map(|s| s.as_str())));
    }
    if let Some(a) = &f.area_code {
        q = q.filter(service_order::Column::AreaCode.eq(a.as_str()));
    }
    if let Some(t) = f.from {
        q = q.filter(service_order::Column::WindowStart.gte(t));
    }
    if let Some(t) = f.until {
        q = q.filter(service_order::Column::WindowStart.lt(t));
    }
    if let Some(w) = f.worker {
        q = q.filter(service_order::Column::WorkerId.eq(w));
    }
    if let Some(c) = f.customer {
        q = q.filter(service_order::Column::CustomerId.eq(c));
    }
    if let Some(p) = f.partner {
        q = q.filter(service_order::Column::WorkerId.in_subquery(partner_workers(p)));
    }
    let rows = q.all(db).await?;
    Ok(crate::repo::page_from(rows, page.limit, |r| r.id))
}
