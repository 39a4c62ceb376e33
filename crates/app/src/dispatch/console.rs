//! What the console shows of an order's dispatch: every decision with its explanation
//! (candidates with each score term, rejections with reason codes) and every offer with
//! its answer, oldest first; and whether the order waits in the grab pool.

use crate::{App, Result};
use daojia_dispatch::matching::Decision;
use daojia_store::entity::{dispatch_decision, dispatch_grab, dispatch_offer};
use daojia_store::repo::dispatch as rows;
use uuid::Uuid;

/// An order's dispatch history.
#[derive(Debug, Clone)]
pub struct History {
    /// Decisions with their explanations (`None` when a stored one cannot be read).
    pub decisions: Vec<(dispatch_decision::Model, Option<Decision>)>,
    /// Offers.
    pub offers: Vec<dispatch_offer::Model>,
    /// The grab-pool entry, if the order waits there.
    pub grab: Option<dispatch_grab::Model>,
}

/// The dispatch history of order `id` (the caller checks the order is visible).
pub async fn history(app: &App, id: Uuid) -> Result<History> {
    let db = app.store.db();
    let decisions = rows::decisions(db, id)
        .await?
        .into_iter()
        .map(|d| {
            let e = serde_json::from_str(&d.explanation).ok();
            (d, e)
        })
        .collect();
    Ok(History {
        decisions,
        offers: rows::offers_of_order(db, id).await?,
        grab: rows::grab_entry(db, id).await?,
    })
}
