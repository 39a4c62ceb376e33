//! Loads the demo city (see the `daojia-demo` crate) into an empty database, in one
//! transaction. Loading is idempotent: the seed is recorded in `app_meta`, and a second
//! start finds it and only reports what is there. A database that already holds real
//! accounts and no demo is left alone.
//!
//! [`start`] (what `daojia demo` runs) then loads the city's past once ([`history`]: 90 days
//! of orders, reviews and complaints) and books today and tomorrow on every start, once per
//! date ([`live`]), so that the console, the planning page, the exceptions queue and the
//! worker app show a living city. With the pay simulator in process it also pays one
//! WeChat withdrawal once ([`payouts`]).

mod bundled;
mod context;
pub mod history;
mod ids;
pub mod invoices;
pub mod live;
pub mod payouts;
mod safety;

use crate::password;
use chrono::Utc;
use daojia_app::demo_city::{self, insert_batched, phone};
use daojia_demo::City;
use daojia_store::entity::{partner, staff};
use daojia_store::repo::accounts;
use daojia_store::repo::meta;
use daojia_store::{Store, is_unique_violation};
use sea_orm::{ActiveValue::Set, DbErr};
use uuid::Uuid;

/// The `app_meta` key holding the loaded seed.
pub const SEED_KEY: &str = "demo_seed";

/// What the loader did, for the start-up banner.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// True when this run wrote the city; false when it was there already.
    pub fresh: bool,
    /// The seed of the city in the database.
    pub seed: u64,
    /// Service areas.
    pub areas: usize,
    /// Categories.
    pub categories: usize,
    /// Service items.
    pub items: usize,
    /// Workers.
    pub workers: usize,
    /// Customers.
    pub customers: usize,
    /// A customer's phone to try the customer app with.
    pub sample_customer_phone: String,
    /// A worker's phone to try the worker app with.
    pub sample_worker_phone: String,
    /// Staff log-in names, one per role.
    pub staff_usernames: Vec<String>,
    /// The demo staff password.
    pub staff_password: String,
}

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The database holds accounts that are not the demo's.
    #[error(
        "the database already holds data that is not the demo city ({0}); `daojia demo` loads only into an empty database: point DATABASE_URL at a new one, or use `daojia serve`"
    )]
    NotEmpty(String),
    /// A stored seed that is not a number.
    #[error("app_meta.{SEED_KEY} holds {0:?}, which is not a seed")]
    BadSeed(String),
    /// The demo's own data did not go through (a bug in the demo: the state machine refused
    /// a step, or a stored row is unreadable).
    #[error("demo data: {0}")]
    Data(String),
    /// Any database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// What [`start`] found and did.
#[derive(Debug, Clone)]
pub struct Started {
    /// The city.
    pub loaded: Loaded,
    /// The past.
    pub history: history::History,
    /// Today and tomorrow.
    pub days: Vec<live::Day>,
    /// The WeChat withdrawal paid through the simulator on the first start (`None` without
    /// the simulator, or on a later start).
    pub wechat_withdrawal: Option<daojia_app::finance::withdrawals::WithdrawalView>,
}

/// The demo's start: the city (once), its history (once, `demo.history_days` days before
/// today in the city's time zone, with its service records and their daily anchors) and today's and tomorrow's booked orders (once per date,
/// up to `demo.booked_per_day` each), all at the state's clock.
pub async fn start(state: &crate::state::AppState) -> Result<Started, DemoError> {
    let cfg = &state.config.demo;
    let loaded = load(&state.store, cfg.seed).await?;
    let city = daojia_demo::city(loaded.seed);
    let now = state.now();
    let tz: chrono_tz::Tz = daojia_demo::TIMEZONE
        .parse()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let today = now.with_timezone(&tz).date_naive();
    let mut ctx = context::Context::load(state, &city).await?;
    let history = history::load(state, &city, &mut ctx, today, cfg.history_days, now).await?;
    // The worker the banner offers (the browser walks log in as them).
    let sample = city.workers.first().map(|w| phone(&w.phone));
    let sample_id = match &sample {
        Some(p) => daojia_store::repo::accounts::worker_by_phone(&state.store, p)
            .await?
            .map(|w| w.id),
        None => None,
    };
    daojia_app::finance::demo::seed(&state.app, now, sample_id)
        .await
        .map_err(|e| DemoError::Data(format!("finance: {e}")))?;
    daojia_app::wallet::demo::seed(&state.app, now)
        .await
        .map_err(|e| DemoError::Data(format!("wallets: {e}")))?;
    daojia_app::deposits::demo::seed(&state.app, now)
        .await
        .map_err(|e| DemoError::Data(format!("deposits: {e}")))?;
    let wechat_withdrawal = match &sample {
        Some(sample) => payouts::seed(state, sample, now)
            .await
            .map_err(|e| DemoError::Data(format!("WeChat withdrawal: {e}")))?,
        None => None,
    };
    invoices::seed(state, now)
        .await
        .map_err(|e| DemoError::Data(format!("invoices: {e}")))?;
    // The history's service records: each past day's chain heads anchored and published.
    daojia_app::records::anchor_days(&state.app, now)
        .await
        .map_err(|e| DemoError::Data(format!("record anchors: {e}")))?;
    let mut days = vec![];
    for date in [today, today + chrono::Duration::days(1)] {
        days.push(live::top_up(state, &city, &mut ctx, date, cfg.booked_per_day, now).await?);
    }
    // An SOS open on a visit under way, for the console's safety alerts.
    safety::sos(state, now).await?;
    // The first customers' and workers' messages, from their latest orders' events.
    daojia_app::notifications::demo::seed(&state.app, now)
        .await
        .map_err(|e| DemoError::Data(format!("notifications: {e}")))?;
    if state.app.settings.dispatch.any_auto() {
        online(state, now).await?;
    }
    Ok(Started {
        loaded,
        history,
        days,
        wechat_withdrawal,
    })
}

/// A living city: every active worker is online and taking orders at the start (the
/// worker app switches them), so automatic dispatch has someone to offer to.
async fn online(
    state: &crate::state::AppState,
    now: chrono::DateTime<Utc>,
) -> Result<(), DemoError> {
    demo_city::all_online(state.store.db(), now)
        .await
        .map_err(|e| DemoError::Data(format!("workers online: {e}")))?;
    Ok(())
}

/// Loads the city for `seed` unless a demo city is already there; returns what is loaded.
pub async fn load(store: &Store, seed: u64) -> Result<Loaded, DemoError> {
    if let Some(existing) = loaded_seed(store).await? {
        return Ok(summary(&daojia_demo::city(existing), false));
    }
    let counts = accounts::counts(store.db()).await?;
    if counts.customers + counts.workers + counts.staff + counts.service_items > 0 {
        return Err(DemoError::NotEmpty(format!(
            "{} customers, {} workers, {} staff, {} service items",
            counts.customers, counts.workers, counts.staff, counts.service_items
        )));
    }
    let city = daojia_demo::city(seed);
    // argon2 is deliberately slow: hash before the transaction, off the async threads.
    let hashes = tokio::task::spawn_blocking({
        let n = city.staff.len();
        move || {
            (0..n)
                .map(|_| password::hash(daojia_demo::STAFF_PASSWORD))
                .collect::<Vec<_>>()
        }
    })
    .await
    .expect("hashing does not panic");
    match write(store, &city, hashes).await {
        Ok(()) => Ok(summary(&city, true)),
        // Another process loaded it at the same moment: report theirs.
        Err(e) if is_unique_violation(&e) => match loaded_seed(store).await? {
            Some(s) => Ok(summary(&daojia_demo::city(s), false)),
            None => Err(e.into()),
        },
        Err(e) => Err(e.into()),
    }
}

/// The seed of the demo city in the database, if one was loaded.
pub async fn loaded_seed(store: &Store) -> Result<Option<u64>, DemoError> {
    match meta::get(store.db(), SEED_KEY).await? {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| DemoError::BadSeed(s)),
    }
}

fn summary(city: &City, fresh: bool) -> Loaded {
    Loaded {
        fresh,
        seed: city.seed,
        areas: city.areas.len(),
        categories: city.categories.len(),
        items: city.items.len(),
        workers: city.workers.len(),
        customers: city.customers.len(),
        sample_customer_phone: city.customers[0].phone.clone(),
        sample_worker_phone: city.workers[0].phone.clone(),
        staff_usernames: city.staff.iter().map(|s| s.username.to_string()).collect(),
        staff_password: daojia_demo::STAFF_PASSWORD.to_string(),
    }
}

async fn write(store: &Store, city: &City, hashes: Vec<String>) -> Result<(), DbErr> {
    let now = Utc::now();
    let v = store.vault();
    let tx = daojia_store::begin(store.db()).await?;

    demo_city::write_catalog(&tx, city, now).await?;
    demo_city::write_promotion(&tx, city, now).await?;
    demo_city::write_flags(&tx, now).await?;

    let partners: std::collections::HashMap<&str, Uuid> = city
        .partners
        .iter()
        .map(|p| (p.code, Uuid::now_v7()))
        .collect();
    insert_batched(
        &tx,
        city.partners.iter().map(|p| partner::ActiveModel {
            id: Set(partners[p.code]),
            code: Set(p.code.into()),
            name: Set(p.name.into()),
            active: Set(true),
            created_at: Set(now),
        }),
    )
    .await?;

    demo_city::write_workers(&tx, store, &city.workers, &partners, now).await?;
    demo_city::write_customers(&tx, store, &city.customers, now).await?;

    insert_batched(
        &tx,
        city.staff.iter().zip(hashes).map(|(s, hash)| {
            let p = phone(&s.phone);
            staff::ActiveModel {
                id: Set(Uuid::now_v7()),
                username: Set(s.username.into()),
                name_enc: Set(accounts::seal_staff_name(store, s.name)),
                phone_enc: Set(Some(v.encrypt(accounts::STAFF_PHONE, p.expose()))),
                phone_index: Set(Some(accounts::phone_index(store, &p))),
                password_hash: Set(hash),
                role: Set(s.role.as_str().into()),
                active: Set(true),
                created_at: Set(now),
                updated_at: Set(now),
                partner_id: Set(s.partner.map(|c| partners[c])),
            }
        }),
    )
    .await?;

    meta::set(&tx, SEED_KEY, &city.seed.to_string(), now).await?;
    tx.commit().await
}
