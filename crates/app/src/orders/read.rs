//! Orders as staff read them, limited to their [`Scope`]: the platform's staff see every
//! order; a partner's staff only the orders offered or assigned to their partner's workers.
//! Any other order is "not found" to them, so its id is not even confirmed.

use crate::workers::Scope;
use crate::{App, Error, Result};
use daojia_store::entity::{service_order, worker};
use daojia_store::repo::orders::{self, OrderFilter};
use daojia_store::repo::{Page, PageRequest};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use std::collections::HashSet;
use uuid::Uuid;

/// Whether `scope` sees order `m`.
pub async fn sees(
    db: &impl ConnectionTrait,
    scope: Scope,
    m: &service_order::Model,
) -> Result<bool> {
    Ok(match (scope, m.worker_id) {
        (Scope::All, _) => true,
        (Scope::Partner(Some(p)), Some(w)) => worker::Entity::find_by_id(w)
            .one(db)
            .await?
            .is_some_and(|w| w.partner_id == Some(p)),
        (Scope::Partner(_), _) => false,
    })
}

/// The order `id` if `scope` sees it; [`Error::NotFound`] otherwise.
pub async fn get(app: &App, scope: Scope, id: Uuid) -> Result<service_order::Model> {
    let db = app.store.db();
    match orders::get(db, id).await? {
        Some(m) if sees(db, scope, &m).await? => Ok(m),
        _ => Err(Error::NotFound("order")),
    }
}

/// `m` as `scope` may be shown it: a visit of an order of several trades whose first visit
/// (the order, docs/adr/0008) is another partner's loses its `bundle_id`, which is that
/// visit's id and would confirm a row the scope does not see. Only for showing: the
/// application layer itself always works with the stored row.
pub async fn shown(
    app: &App,
    scope: Scope,
    mut m: service_order::Model,
) -> Result<service_order::Model> {
    if let Some(first) = m.bundle_id
        && first != m.id
        && scope != Scope::All
    {
        let db = app.store.db();
        let seen = match orders::get(db, first).await? {
            Some(f) => sees(db, scope, &f).await?,
            None => false,
        };
        if !seen {
            m.bundle_id = None;
        }
    }
    Ok(m)
}

/// Orders matching `f` that `scope` sees, newest first, a page at a time.
pub async fn list(
    app: &App,
    scope: Scope,
    mut f: OrderFilter,
    page: PageRequest,
) -> Result<Page<service_order::Model>> {
    match scope {
        Scope::All => {}
        Scope::Partner(Some(p)) => f.partner = Some(p),
        Scope::Partner(None) => {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
    }
    Ok(orders::list(app.store.db(), &f, page).await?)
}

/// The orders among `rows` that `scope` sees (for a queue built from several queries).
pub async fn retain_visible(
    app: &App,
    scope: Scope,
    mut rows: Vec<service_order::Model>,
) -> Result<Vec<service_order::Model>> {
    let Some(mine) = workers_of(app, scope).await? else {
        return Ok(rows);
    };
    rows.retain(|m| m.worker_id.is_some_and(|w| mine.contains(&w)));
    Ok(rows)
}

/// The workers `scope` sees: `None` for the platform's staff (every worker), else the
/// partner's (none when the staff member's account names no partner).
pub async fn workers_of(app: &App, scope: Scope) -> Result<Option<HashSet<Uuid>>> {
    Ok(match scope {
        Scope::All => None,
        Scope::Partner(None) => Some(HashSet::new()),
        Scope::Partner(Some(p)) => Some(
            worker::Entity::find()
                .select_only()
                .column(worker::Column::Id)
                .filter(worker::Column::PartnerId.eq(p))
                .into_tuple::<Uuid>()
                .all(app.store.db())
                .await?
                .into_iter()
                .collect(),
        ),
    })
}
