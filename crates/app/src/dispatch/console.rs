//! What the console shows of an order's dispatch: every decision with its explanation
//! (candidates with each score term, rejections with reason codes) and every offer with
//! its answer, oldest first; and whether the order waits in the grab pool.

use crate::workers::Scope;
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

/// The dispatch history of order `id` as `scope` sees it: another partner's order is not
/// found, and a partner's staff see their own workers only. The engine weighed every
/// worker in reach, whoever they work for; the others' ids are left out of the
/// explanations (the counts stay), a decision that chose one of them names nobody, and
/// offers made to them are not listed.
pub async fn history(app: &App, scope: Scope, id: Uuid) -> Result<History> {
    crate::orders::read::get(app, scope, id).await?;
    let db = app.store.db();
    let mut decisions: Vec<(dispatch_decision::Model, Option<Decision>)> = rows::decisions(db, id)
        .await?
        .into_iter()
        .map(|d| {
            let e = serde_json::from_str(&d.explanation).ok();
            (d, e)
        })
        .collect();
    let mut offers = rows::offers_of_order(db, id).await?;
    if let Some(mine) = crate::orders::read::workers_of(app, scope).await? {
        let seen = |w: &Uuid| mine.contains(w);
        for (d, e) in &mut decisions {
            d.worker_id = d.worker_id.filter(seen);
            if let Some(e) = e {
                e.ranked.retain(|c| seen(&c.worker.0));
                e.rejected.retain(|r| seen(&r.worker.0));
            }
        }
        offers.retain(|o| seen(&o.worker_id));
    }
    Ok(History {
        decisions,
        offers,
        grab: rows::grab_entry(db, id).await?,
    })
}
