//! What a placement prices and checks, kept by the node while the database's `catalog`
//! counter (`super::versions`) is unchanged: the active service areas, the items on shelf,
//! every area's price overrides and items not offered, and the certificate kinds each
//! skill requires. Placement and every capacity check (slot search, bookings, dispatch,
//! through `super::workers::Staff`) read them; without the copy a placement attempt read
//! them again, six statements, before it could even be refused.
//!
//! Unlike the public catalog's copy (ADR 0013, served up to a second old), this one is
//! exact: it is used only while the counter read just before is the one it was loaded
//! at, and every write to those tables bumps the counter in its own transaction, so a
//! placement never prices on rows older than a committed change, on any node. Rows edited
//! by hand in SQL without a bump are seen after [`super::pool_rows::KEPT`].

use super::versions::{self, CATALOG};
use crate::entity::{area_item_off, area_item_price, service_area, service_item};
use sea_orm::{ConnectionTrait, DbErr};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;
use uuid::Uuid;

/// The rows, as the uncached reads return them.
#[derive(Debug, Default)]
pub struct CatalogRows {
    /// The active areas, by code ([`super::catalog::areas`]).
    pub areas: Vec<service_area::Model>,
    /// The items on shelf in display order ([`super::catalog::items_on_shelf`]).
    pub on_shelf: Vec<service_item::Model>,
    /// Every area's price overrides ([`super::catalog::all_area_prices`]).
    pub prices: Vec<area_item_price::Model>,
    /// Every area's items not offered, by area and item
    /// ([`super::catalog::all_items_not_offered`]).
    pub off: Vec<area_item_off::Model>,
    /// Skill → required certificate kinds ([`super::workers::required_certificates`]).
    pub required: BTreeMap<String, Vec<String>>,
}

impl CatalogRows {
    /// The price overrides of the area `code`.
    pub fn prices_in(&self, code: &str) -> Vec<area_item_price::Model> {
        self.prices
            .iter()
            .filter(|p| p.area_code == code)
            .cloned()
            .collect()
    }

    /// The items the area `code` does not offer, by code.
    pub fn not_offered_in(&self, code: &str) -> Vec<String> {
        self.off
            .iter()
            .filter(|o| o.area_code == code)
            .map(|o| o.item_code.clone())
            .collect()
    }
}

struct Kept {
    version: i64,
    at: Instant,
    rows: Arc<CatalogRows>,
}

/// One copy per database (its counter's epoch); a process opens a few at most (tests more).
static CACHE: LazyLock<Mutex<HashMap<Uuid, Kept>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// Most databases' copies kept at once.
const MOST: usize = 64;

/// The rows: the node's copy while it is current, else read now (and kept).
pub async fn get(db: &impl ConnectionTrait) -> Result<Arc<CatalogRows>, DbErr> {
    // The counter first: rows read after it are at least as new as it says.
    let [counter] = versions::read_many(db, [CATALOG]).await?;
    at(db, counter).await
}

/// Like [`get`], with the counter already read (`None`: it does not exist, nothing is kept).
pub async fn at(
    db: &impl ConnectionTrait,
    counter: Option<(Uuid, i64)>,
) -> Result<Arc<CatalogRows>, DbErr> {
    let Some((epoch, version)) = counter else {
        return Ok(Arc::new(read(db).await?));
    };
    if let Some(k) = CACHE.lock().expect("not poisoned").get(&epoch)
        && k.version == version
        && k.at.elapsed() < super::pool_rows::KEPT
    {
        return Ok(k.rows.clone());
    }
    let rows = Arc::new(read(db).await?);
    let mut cache = CACHE.lock().expect("not poisoned");
    // A newer copy kept meanwhile by another request stays.
    if cache.get(&epoch).is_some_and(|k| k.version > version) {
        return Ok(rows);
    }
    if cache.len() >= MOST && !cache.contains_key(&epoch) {
        cache.clear();
    }
    cache.insert(
        epoch,
        Kept {
            version,
            at: Instant::now(),
            rows: rows.clone(),
        },
    );
    Ok(rows)
}

/// Reads the rows (no cache).
pub async fn read(db: &impl ConnectionTrait) -> Result<CatalogRows, DbErr> {
    Ok(CatalogRows {
        areas: super::catalog::areas(db).await?,
        on_shelf: super::catalog::items_on_shelf(db).await?,
        prices: super::catalog::all_area_prices(db).await?,
        off: super::catalog::all_items_not_offered(db).await?,
        required: super::workers::required_certificates(db).await?,
    })
}
