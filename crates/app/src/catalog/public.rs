//! The catalog as customers see it before log-in (categories, items on shelf, active
//! service areas with their outlines, what each area does not offer and its price
//! overrides), read by every public catalog request from one node's cached copy
//! ([`daojia_shared::Cached`], ADR 0013) instead of the database.
//!
//! The database stays the source of truth: a copy is loaded from it, served for at most
//! the cache's lifetime (`cache.public_ttl_ms`, one second by default), and dropped on every
//! node as soon as a catalog write commits on any of them. Orders are priced from the
//! database, never from this copy.

use crate::App;
use daojia_domain::geo::{GeoJsonPolygon, Polygon};
use daojia_store::entity::{area_item_price, service_area, service_category, service_item};
use daojia_store::repo::catalog;
use sea_orm::{ConnectionTrait, DbErr};
use std::any::Any;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The default lifetime of a copy: the longest a node serves the catalog as it was before a
/// write committed elsewhere when the write's message is lost.
pub const DEFAULT_TTL: Duration = Duration::from_secs(1);

/// The most results one copy keeps rendered (responses to listings and searches); past it,
/// responses are rendered for each request.
pub const MEMO_CAP: usize = 256;

/// The cache of the public catalog.
pub type Cache = daojia_shared::Cached<PublicCatalog>;

/// A new cache of the public catalog whose copies live at most `ttl`.
pub fn cache(ttl: Duration) -> Cache {
    Cache::new("public_catalog", ttl)
}

/// An active service area with its outline.
#[derive(Debug)]
pub struct PublicArea {
    /// The row.
    pub row: service_area::Model,
    /// The outline, or why it cannot be read.
    pub outline: Result<Polygon, String>,
}

/// One consistent copy of what the public catalog reads.
pub struct PublicCatalog {
    /// All categories in display order.
    pub categories: Vec<service_category::Model>,
    /// Items on shelf in display order.
    pub items: Vec<service_item::Model>,
    /// Active service areas by code.
    pub areas: Vec<PublicArea>,
    not_offered: HashMap<String, HashSet<String>>,
    prices: HashMap<(String, String), area_item_price::Model>,
    memo: Mutex<HashMap<String, Arc<dyn Any + Send + Sync>>>,
}

impl std::fmt::Debug for PublicCatalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicCatalog")
            .field("categories", &self.categories.len())
            .field("items", &self.items.len())
            .field("areas", &self.areas.len())
            .finish_non_exhaustive()
    }
}

fn outline(a: &service_area::Model) -> Result<Polygon, String> {
    let g: GeoJsonPolygon =
        serde_json::from_str(&a.polygon).map_err(|e| format!("area {} outline: {e}", a.code))?;
    Polygon::from_geojson(&g).map_err(|e| format!("area {} outline: {e}", a.code))
}

impl PublicCatalog {
    /// Reads the copy from `db`.
    pub async fn load(db: &impl ConnectionTrait) -> Result<PublicCatalog, DbErr> {
        let areas = catalog::areas(db)
            .await?
            .into_iter()
            .map(|row| PublicArea {
                outline: outline(&row),
                row,
            })
            .collect();
        let mut not_offered: HashMap<String, HashSet<String>> = HashMap::new();
        for off in catalog::all_items_not_offered(db).await? {
            not_offered
                .entry(off.area_code)
                .or_default()
                .insert(off.item_code);
        }
        let prices = catalog::all_area_prices(db)
            .await?
            .into_iter()
            .map(|p| ((p.area_code.clone(), p.item_code.clone()), p))
            .collect();
        Ok(PublicCatalog {
            categories: catalog::categories(db).await?,
            items: catalog::items_on_shelf(db).await?,
            areas,
            not_offered,
            prices,
            memo: Mutex::new(HashMap::new()),
        })
    }

    /// The active area `code`.
    pub fn area(&self, code: &str) -> Option<&PublicArea> {
        self.areas.iter().find(|a| a.row.code == code)
    }

    /// Whether area `area` offers item `item` (every item is offered until staff take it
    /// out of an area).
    pub fn offered(&self, area: &str, item: &str) -> bool {
        !self
            .not_offered
            .get(area)
            .is_some_and(|off| off.contains(item))
    }

    /// Area `area`'s price override for item `item`.
    pub fn area_price(&self, area: &str, item: &str) -> Option<&area_item_price::Model> {
        self.prices.get(&(area.to_string(), item.to_string()))
    }

    /// The category `code`.
    pub fn category(&self, code: &str) -> Option<&service_category::Model> {
        self.categories.iter().find(|c| c.code == code)
    }

    /// What `make` computes from this copy, computed once per copy and `key` (the first
    /// [`MEMO_CAP`] keys; later ones are computed every time). The caller chooses keys that
    /// name everything the result depends on besides this copy.
    pub fn memo<V, E>(&self, key: &str, make: impl FnOnce() -> Result<V, E>) -> Result<Arc<V>, E>
    where
        V: Send + Sync + 'static,
    {
        let lock = || self.memo.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = lock().get(key).cloned()
            && let Ok(v) = v.downcast::<V>()
        {
            return Ok(v);
        }
        let v = Arc::new(make()?);
        let mut memo = lock();
        if memo.len() < MEMO_CAP {
            memo.insert(key.to_string(), v.clone());
        }
        Ok(v)
    }
}

/// The public catalog from this node's copy (loaded when it has none that may be served).
pub async fn get(app: &App) -> crate::Result<Arc<PublicCatalog>> {
    let db = app.store.db();
    Ok(app.public_catalog.get(|| PublicCatalog::load(db)).await?)
}

/// Says that a write the public catalog depends on has committed (on this node: its copy
/// is dropped at once; on the others, as soon as the message reaches them).
pub async fn changed(app: &App) {
    app.public_catalog.changed().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> PublicCatalog {
        PublicCatalog {
            categories: vec![],
            items: vec![],
            areas: vec![],
            not_offered: HashMap::from([(
                "pudong".to_string(),
                HashSet::from(["pet_grooming".to_string()]),
            )]),
            prices: HashMap::new(),
            memo: Mutex::new(HashMap::new()),
        }
    }

    #[test]
    fn an_item_is_offered_everywhere_but_where_it_was_taken_out() {
        let c = empty();
        assert!(!c.offered("pudong", "pet_grooming"));
        assert!(c.offered("pudong", "window_cleaning"));
        assert!(c.offered("xuhui", "pet_grooming"));
    }

    #[test]
    fn a_memo_is_computed_once_per_key_and_stops_growing_at_its_cap() {
        let c = empty();
        let mut runs = 0;
        for _ in 0..3 {
            let v: Arc<String> = c
                .memo("k", || {
                    runs += 1;
                    Ok::<_, ()>("v".to_string())
                })
                .unwrap();
            assert_eq!(*v, "v");
        }
        assert_eq!(runs, 1);
        assert!(c.memo::<String, _>("bad", || Err("no")).is_err());
        for i in 0..MEMO_CAP + 10 {
            c.memo(&i.to_string(), || Ok::<_, ()>(i)).unwrap();
        }
        assert_eq!(c.memo.lock().unwrap().len(), MEMO_CAP);
        assert_eq!(
            *c.memo(&(MEMO_CAP + 5).to_string(), || Ok::<_, ()>(0usize))
                .unwrap(),
            0,
            "past the cap the value is computed again"
        );
    }
}
