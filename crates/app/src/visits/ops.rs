//! Operations' side of the visit: the check-ins made outside the fence (too far from the
//! address, or outside the time around the window), with the worker's reason and photo,
//! newest first. A partner's staff see their partner's workers' only.

use crate::workers::Scope;
use crate::{App, Result};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_store::entity::visit_check_in;
use daojia_store::repo::{Page, PageRequest, accounts, orders, visits};

/// A flagged check-in with what operations need beside it.
#[derive(Debug, Clone)]
pub struct FlaggedCheckIn {
    /// The check-in.
    pub record: visit_check_in::Model,
    /// The order's number.
    pub order_no: String,
    /// The order's state now.
    pub order_state: String,
    /// The worker's name.
    pub worker_name: String,
    /// Where the worker's phone said they were (WGS-84).
    pub position: Option<LatLng>,
}

/// The flagged check-ins `scope` sees, in `area_code` (all when `None`) since `since`.
pub async fn flagged(
    app: &App,
    scope: Scope,
    area_code: Option<String>,
    since: Option<DateTime<Utc>>,
    page: PageRequest,
) -> Result<Page<FlaggedCheckIn>> {
    let partner = match scope {
        Scope::All => None,
        Scope::Partner(Some(p)) => Some(p),
        Scope::Partner(None) => {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
    };
    let db = app.store.db();
    let filter = visits::FlaggedFilter {
        area_code,
        partner,
        since,
    };
    let found = visits::flagged(db, &filter, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for record in found.items {
        let order = orders::get(db, record.order_id).await?;
        let worker_name = match accounts::worker(db, record.worker_id).await? {
            Some(w) => accounts::worker_name(&app.store, &w).unwrap_or_else(|_| "•••".into()),
            None => String::new(),
        };
        items.push(FlaggedCheckIn {
            position: visits::position(&app.store, &record),
            order_no: order
                .as_ref()
                .map(|o| o.order_no.clone())
                .unwrap_or_default(),
            order_state: order.map(|o| o.state).unwrap_or_default(),
            worker_name,
            record,
        });
    }
    Ok(Page {
        items,
        next_cursor: found.next_cursor,
    })
}

/// A no-show (客户不在家) with what operations need beside it.
#[derive(Debug, Clone)]
pub struct NoShowRow {
    /// The evidence and the money.
    pub record: daojia_store::entity::visit_no_show::Model,
    /// The order's number.
    pub order_no: String,
    /// The worker's name.
    pub worker_name: String,
    /// Where the worker's phone said they were (WGS-84).
    pub position: Option<LatLng>,
}

/// The no-shows `scope` sees, in `area_code` (all when `None`) since `since`, newest first.
pub async fn no_shows(
    app: &App,
    scope: Scope,
    area_code: Option<String>,
    since: Option<DateTime<Utc>>,
    page: PageRequest,
) -> Result<Page<NoShowRow>> {
    let partner = match scope {
        Scope::All => None,
        Scope::Partner(Some(p)) => Some(p),
        Scope::Partner(None) => {
            return Ok(Page {
                items: vec![],
                next_cursor: None,
            });
        }
    };
    let db = app.store.db();
    let filter = visits::FlaggedFilter {
        area_code,
        partner,
        since,
    };
    let found = visits::no_shows(db, &filter, page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for record in found.items {
        let order = orders::get(db, record.order_id).await?;
        let worker_name = match accounts::worker(db, record.worker_id).await? {
            Some(w) => accounts::worker_name(&app.store, &w).unwrap_or_else(|_| "•••".into()),
            None => String::new(),
        };
        items.push(NoShowRow {
            position: visits::no_show_position(&app.store, &record),
            order_no: order.map(|o| o.order_no).unwrap_or_default(),
            worker_name,
            record,
        });
    }
    Ok(Page {
        items,
        next_cursor: found.next_cursor,
    })
}
