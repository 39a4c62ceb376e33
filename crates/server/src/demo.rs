//! Loads the demo city (see the `daojia-demo` crate) into an empty database, in one
//! transaction. Loading is idempotent: the seed is recorded in `app_meta`, and a second
//! start finds it and only reports what is there. A database that already holds real
//! accounts and no demo is left alone.
//!
//! [`start`] (what `daojia demo` runs) then loads the city's past once ([`history`]: 90 days
//! of orders, reviews and complaints) and books today and tomorrow on every start, once per
//! date ([`live`]), so that the console, the planning page, the exceptions queue and the
//! worker app show a living city.

mod bundled;
mod context;
pub mod history;
mod ids;
pub mod live;

use crate::password;
use chrono::Utc;
use daojia_demo::City;
use daojia_domain::phone::Phone;
use daojia_store::entity::{
    customer, customer_address, partner, service_area, service_category, service_item, staff,
    worker, worker_shift, worker_skill,
};
use daojia_store::repo::accounts::{self, address_context as ctx};
use daojia_store::repo::meta;
use daojia_store::{Store, is_unique_violation};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

/// The level of every demo worker's skills (the generator does not make levels).
const DEMO_SKILL_LEVEL: i16 = 3;

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
}

/// The demo's start: the city (once), its history (once, `demo.history_days` days before
/// today in the city's time zone) and today's and tomorrow's booked orders (once per date,
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
    let mut days = vec![];
    for date in [today, today + chrono::Duration::days(1)] {
        days.push(live::top_up(state, &city, &mut ctx, date, cfg.booked_per_day, now).await?);
    }
    if state.app.settings.dispatch.any_auto() {
        online(state, now).await?;
    }
    Ok(Started {
        loaded,
        history,
        days,
    })
}

/// A living city: every active worker is online and taking orders at the start (the
/// worker app switches them), so automatic dispatch has someone to offer to.
async fn online(
    state: &crate::state::AppState,
    now: chrono::DateTime<Utc>,
) -> Result<(), DemoError> {
    use sea_orm::sea_query::Expr;
    worker::Entity::update_many()
        .col_expr(worker::Column::Online, Expr::value(true))
        .col_expr(worker::Column::Accepting, Expr::value(true))
        .col_expr(worker::Column::PresenceAt, Expr::value(Some(now)))
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::Online.eq(false))
        .exec(state.store.db())
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

/// Rows per INSERT: well inside every backend's limit on bound parameters.
const BATCH: usize = 50;

async fn insert_batched<A, I>(db: &impl ConnectionTrait, rows: I) -> Result<(), DbErr>
where
    A: sea_orm::ActiveModelTrait + Send,
    I: IntoIterator<Item = A>,
{
    let rows: Vec<A> = rows.into_iter().collect();
    for chunk in rows.chunks(BATCH) {
        <A::Entity as EntityTrait>::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn phone(p: &str) -> Phone {
    Phone::parse(p).expect("the demo city draws valid phone numbers")
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

async fn write(store: &Store, city: &City, hashes: Vec<String>) -> Result<(), DbErr> {
    let now = Utc::now();
    let v = store.vault();
    let tx = daojia_store::begin(store.db()).await?;

    insert_batched(
        &tx,
        city.areas.iter().map(|a| service_area::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(a.code.into()),
            name: Set(a.name.into()),
            name_en: Set(a.name_en.into()),
            city: Set("上海市".into()),
            timezone: Set(daojia_demo::TIMEZONE.into()),
            polygon: Set(json(&a.polygon.to_geojson())),
            open_minute: Set(a.open_minute),
            close_minute: Set(a.close_minute),
            lead_minutes: Set(a.lead_minutes),
            horizon_days: Set(a.horizon_days),
            active: Set(true),
            window_minutes: Set(60),
            booking_seq: Set(0),
            policy: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }),
    )
    .await?;

    insert_batched(
        &tx,
        city.categories
            .iter()
            .map(|c| service_category::ActiveModel {
                id: Set(Uuid::now_v7()),
                code: Set(c.code.into()),
                parent_code: Set(None),
                name: Set(c.name.into()),
                name_en: Set(c.name_en.into()),
                sort: Set(c.sort),
            }),
    )
    .await?;

    insert_batched(
        &tx,
        city.items.iter().map(|i| service_item::ActiveModel {
            id: Set(Uuid::now_v7()),
            code: Set(i.code.into()),
            category_code: Set(i.category.into()),
            name: Set(i.name.into()),
            name_en: Set(i.name_en.into()),
            description: Set(i.description.into()),
            unit: Set(i.unit.into()),
            base_price_fen: Set(i.base_price_fen),
            base_duration_min: Set(i.base_duration_min),
            buffer_min: Set(i.buffer_min),
            skills: Set(json(&i.skills)),
            tools: Set(json(&i.tools)),
            notes: Set(i.notes.into()),
            options: Set(json(&i.options)),
            payment_mode: Set(i.payment.as_str().into()),
            deposit_fen: Set(i.payment.deposit_fen()),
            on_shelf: Set(true),
            sort: Set(i.sort),
            policy: Set(None),
            photos: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }),
    )
    .await?;

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

    let mut workers = Vec::with_capacity(city.workers.len());
    let mut shifts = Vec::new();
    let mut skills = Vec::new();
    for w in &city.workers {
        let id = Uuid::now_v7();
        let p = phone(&w.phone);
        workers.push(worker::ActiveModel {
            id: Set(id),
            code: Set(w.code.clone()),
            phone_enc: Set(v.encrypt(accounts::WORKER_PHONE, p.expose())),
            phone_index: Set(accounts::phone_index(store, &p)),
            name_enc: Set(accounts::seal_worker_name(store, &w.name)),
            gender: Set(w.gender.into()),
            skills: Set(json(&w.skills)),
            rating_tenths: Set(w.rating_tenths),
            years_experience: Set(w.years_experience),
            home_lat: Set(w.home.lat),
            home_lng: Set(w.home.lng),
            area_code: Set(Some(w.area_code.into())),
            active: Set(true),
            created_at: Set(now),
            updated_at: Set(now),
            partner_id: Set(w.partner.map(|c| partners[c])),
            ..Default::default()
        });
        skills.extend(w.skills.iter().map(|code| worker_skill::ActiveModel {
            id: Set(Uuid::now_v7()),
            worker_id: Set(id),
            skill: Set(code.to_string()),
            level: Set(DEMO_SKILL_LEVEL),
        }));
        shifts.extend(w.shifts.iter().map(|s| worker_shift::ActiveModel {
            id: Set(Uuid::now_v7()),
            worker_id: Set(id),
            weekday: Set(s.weekday),
            start_minute: Set(s.start_minute),
            end_minute: Set(s.end_minute),
            break_start_minute: Set(s.break_minutes.map(|b| b.0)),
            break_end_minute: Set(s.break_minutes.map(|b| b.1)),
        }));
    }
    insert_batched(&tx, workers).await?;
    insert_batched(&tx, shifts).await?;
    insert_batched(&tx, skills).await?;

    let mut customers = Vec::with_capacity(city.customers.len());
    let mut addresses = Vec::new();
    for c in &city.customers {
        let id = Uuid::now_v7();
        let p = phone(&c.phone);
        customers.push(customer::ActiveModel {
            id: Set(id),
            phone_enc: Set(v.encrypt(accounts::CUSTOMER_PHONE, p.expose())),
            phone_index: Set(accounts::phone_index(store, &p)),
            nickname_enc: Set(accounts::seal_customer_nickname(store, &c.nickname)),
            created_at: Set(now),
            updated_at: Set(now),
        });
        addresses.extend(c.addresses.iter().map(|a| customer_address::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(id),
            label: Set(a.label.into()),
            contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, &a.contact_name)),
            contact_phone_enc: Set(v.encrypt(ctx::CONTACT_PHONE, phone(&a.contact_phone).expose())),
            address_enc: Set(v.encrypt(ctx::ADDRESS, &a.address)),
            house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, &a.house_number)),
            lat: Set(a.at.lat),
            lng: Set(a.at.lng),
            area_code: Set(Some(a.area_code.into())),
            is_default: Set(a.is_default),
            created_at: Set(now),
        }));
    }
    insert_batched(&tx, customers).await?;
    insert_batched(&tx, addresses).await?;

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
