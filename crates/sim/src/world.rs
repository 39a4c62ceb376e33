//! One policy's world: the real store on a fresh in-memory SQLite database (one pooled
//! connection, which keeps the database alive for the run), migrated, holding the demo
//! city's areas and catalog and the seeded synthetic workers and customers written by the
//! demo loader's own code (`daojia_app::demo_city`), every worker online and taking
//! offers, and the application over it with automatic dispatch by the chosen policy.

use crate::{Options, SimError};
use chrono::{DateTime, NaiveDate, Utc};
use daojia_app::App;
use daojia_app::dispatch::{DispatchSettings, Mode, PolicyChoice};
use daojia_app::settings::Settings;
use daojia_demo::City;
use daojia_domain::geo::LatLng;
use daojia_domain::travel::TravelModel;
use daojia_store::pii::Vault;
use daojia_store::{PoolOptions, Store};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// The dispatch horizon of the simulated platform, hours: beyond the furthest booking
/// (a week ahead), so every order is dispatched when it is paid.
pub const HORIZON_HOURS: i64 = 8 * 24;

/// A synthetic worker as the simulator knows them.
#[derive(Debug, Clone)]
pub struct Hand {
    /// Their id in the store.
    pub id: Uuid,
    /// Home base.
    pub home: LatLng,
    /// Weekly shifts as the demo draws them.
    pub shifts: Vec<daojia_demo::Shift>,
}

/// A customer's ids in the store.
#[derive(Debug, Clone, Copy)]
pub struct Buyer {
    /// The customer.
    pub id: Uuid,
    /// Their one address.
    pub address: Uuid,
}

/// The store, the application and the people of one run.
pub struct World {
    /// The application over the in-memory store.
    pub app: App,
    /// The policy it dispatches with.
    pub policy: PolicyChoice,
    /// The workers, in the order drawn.
    pub hands: Vec<Hand>,
    /// The customers, one per order (index = the request's `customer`).
    pub buyers: Vec<Buyer>,
    /// Worker index by id.
    pub hand_of: HashMap<Uuid, usize>,
}

impl World {
    /// Opens and fills a fresh world for `policy`.
    pub async fn open(
        city: &City,
        opts: &Options,
        policy: PolicyChoice,
    ) -> Result<World, SimError> {
        // The keys only ever protect this throw-away database.
        let vault = Vault::random_for_tests();
        let pool = PoolOptions {
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_secs(30),
            ..PoolOptions::default()
        };
        let store = Store::open("sqlite::memory:", vault, &pool)
            .await
            .map_err(|e| SimError::Other(format!("in-memory database: {e}")))?;
        store.migrate().await?;
        let now = start_of(opts.demand.date);
        let workers = daojia_demo::synthetic::workers(city, opts.seed, opts.workers);
        let customers =
            daojia_demo::synthetic::customers(city, opts.seed, opts.orders, opts.demand.clustered);
        let tx = daojia_store::begin(store.db()).await?;
        daojia_app::demo_city::write_catalog(&tx, city, now).await?;
        let ids = daojia_app::demo_city::write_workers(&tx, &store, &workers, &HashMap::new(), now)
            .await?;
        let bought = daojia_app::demo_city::write_customers(&tx, &store, &customers, now).await?;
        tx.commit().await?;
        daojia_app::demo_city::all_online(store.db(), now).await?;
        let hands: Vec<Hand> = workers
            .iter()
            .zip(&ids)
            .map(|(w, id)| Hand {
                id: *id,
                home: w.home,
                shifts: w.shifts.clone(),
            })
            .collect();
        let buyers = bought
            .into_iter()
            .map(|(id, addresses)| Buyer {
                id,
                address: addresses[0],
            })
            .collect();
        let settings = Settings {
            demo_autopay: true,
            dispatch: DispatchSettings {
                mode: Some(Mode::Auto),
                policy,
                // Every order is dispatched when it is paid, so the wait measures the
                // policy and not the horizon timer.
                horizon_hours: HORIZON_HOURS,
                ..opts.dispatch.clone()
            },
            ..Settings::default()
        };
        let app = App::new(store, Arc::new(TravelModel::default())).with_settings(settings);
        let hand_of = hands.iter().enumerate().map(|(i, h)| (h.id, i)).collect();
        Ok(World {
            app,
            policy,
            hands,
            buyers,
            hand_of,
        })
    }

    /// Closes the database (it vanishes with its connection).
    pub async fn close(self) {
        let _ = self.app.store.close().await;
    }

    /// A worker's shift on local `date`: start and end (Unix seconds) and the break's
    /// length, seconds; `None` on their day off.
    pub fn shift_on(&self, hand: usize, date: NaiveDate) -> Option<(i64, i64, i64)> {
        use chrono::Datelike;
        let weekday = date.weekday().num_days_from_monday() as i16;
        let s = self.hands[hand]
            .shifts
            .iter()
            .find(|s| s.weekday == weekday)?;
        let at = |m: i32| crate::demand::local(date, i64::from(m)).timestamp();
        let rest = s.break_minutes.map_or(0, |(a, b)| i64::from(b - a) * 60);
        Some((at(s.start_minute), at(s.end_minute), rest))
    }
}

/// Where the virtual clock starts: local midnight of the simulated day.
pub fn start_of(date: NaiveDate) -> DateTime<Utc> {
    crate::demand::local(date, 0)
}
