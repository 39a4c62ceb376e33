//! Writing the demo city's data into a store: the areas and the catalog, workers with
//! their skills and shifts, customers with their saved addresses. The demo loader (`daojia
//! demo`) writes the whole city with these; the day simulator writes the areas and the
//! catalog and its own synthetic workers and customers (`daojia_demo::synthetic`) with the
//! same code, so both run on the same rows.

use chrono::{DateTime, Utc};
use daojia_demo::City;
use daojia_domain::phone::Phone;
use daojia_store::Store;
use daojia_store::entity::{
    customer, customer_address, service_area, service_category, service_item, worker, worker_shift,
    worker_skill,
};
use daojia_store::repo::accounts::{self, address_context as ctx};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use std::collections::HashMap;
use uuid::Uuid;

/// The item of the demo city's running promotion (深度保洁 at 半价 for 100 bookings).
pub const DEMO_PROMOTION_ITEM: &str = "deep_cleaning";

/// Writes the demo city's one running promotion, so a newcomer sees one in the customer
/// app and in the console: its item at half price (rounded down to the yuan) for 100
/// bookings, from `now` for 30 days. Nothing when the city has no such item.
pub async fn write_promotion(
    tx: &impl ConnectionTrait,
    city: &City,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(item) = city.items.iter().find(|i| i.code == DEMO_PROMOTION_ITEM) else {
        return Ok(());
    };
    let new = daojia_store::repo::promotions::NewPromotion {
        item_code: item.code.into(),
        name: format!("{} 限时半价", item.name),
        price_fen: (item.base_price_fen / 2 / 100 * 100).max(100),
        list_price_fen: item.base_price_fen,
        quota: 100,
        per_customer: 1,
        areas: vec![],
        starts_at: now - chrono::Duration::hours(1),
        ends_at: now + chrono::Duration::days(30),
    };
    daojia_store::repo::promotions::create(tx, new, now).await?;
    Ok(())
}

/// The feature flag that shows the running promotions as a banner on the customer app's
/// home page (evaluated per service area: limit it to some areas in the console).
pub const PROMOTIONS_BANNER_FLAG: &str = "h5.promotions_banner";

/// Writes the demo city's feature flags: the promotions banner, on everywhere.
pub async fn write_flags(tx: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    let settings = daojia_store::repo::flags::Settings {
        description: "客户端首页的限时特价横幅 (per area: limit it to some areas here)",
        enabled: true,
        percent: 100,
        areas: &[],
        roles: &[],
    };
    daojia_store::repo::flags::put(tx, PROMOTIONS_BANNER_FLAG, settings, now).await?;
    Ok(())
}

/// The level of every demo worker's skills (the generator does not make levels).
pub const DEMO_SKILL_LEVEL: i16 = 3;

/// Rows per INSERT: well inside every backend's limit on bound parameters.
const BATCH: usize = 50;

/// Inserts `rows` in batches of [`BATCH`].
pub async fn insert_batched<A, I>(db: &impl ConnectionTrait, rows: I) -> Result<(), DbErr>
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
    // Workers, their shifts and skills, and the catalog are written here in bulk (no entity
    // hooks).
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF).await?;
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::CATALOG).await
}

pub fn phone(p: &str) -> Phone {
    Phone::parse(p).expect("the demo city draws valid phone numbers")
}

pub fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

/// The city's service areas, categories and items.
pub async fn write_catalog(
    tx: &impl ConnectionTrait,
    city: &City,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    insert_batched(
        tx,
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
        tx,
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
        tx,
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
            checklist: Set(Some(json(&daojia_demo::checklist(i.category)))),
            created_at: Set(now),
            updated_at: Set(now),
        }),
    )
    .await?;
    Ok(())
}

/// Workers with their skills (at [`DEMO_SKILL_LEVEL`]) and weekly shifts; `partners` maps
/// a partner's code to its id. Returns the workers' ids, in the order of `list`.
pub async fn write_workers(
    tx: &impl ConnectionTrait,
    store: &Store,
    list: &[daojia_demo::Worker],
    partners: &HashMap<&str, Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DbErr> {
    let v = store.vault();
    let mut ids = Vec::with_capacity(list.len());
    let mut workers = Vec::with_capacity(list.len());
    let mut shifts = Vec::new();
    let mut skills = Vec::new();
    for w in list {
        let id = Uuid::now_v7();
        ids.push(id);
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
    insert_batched(tx, workers).await?;
    insert_batched(tx, shifts).await?;
    insert_batched(tx, skills).await?;
    Ok(ids)
}

/// Customers with their saved addresses. Returns, per customer in the order of `list`,
/// their id and their addresses' ids.
pub async fn write_customers(
    tx: &impl ConnectionTrait,
    store: &Store,
    list: &[daojia_demo::Customer],
    now: DateTime<Utc>,
) -> Result<Vec<(Uuid, Vec<Uuid>)>, DbErr> {
    let v = store.vault();
    let mut ids = Vec::with_capacity(list.len());
    let mut customers = Vec::with_capacity(list.len());
    let mut addresses = Vec::new();
    for c in list {
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
        let address_ids: Vec<Uuid> = c.addresses.iter().map(|_| Uuid::now_v7()).collect();
        ids.push((id, address_ids.clone()));
        addresses.extend(c.addresses.iter().zip(address_ids).map(|(a, address_id)| {
            customer_address::ActiveModel {
                id: Set(address_id),
                customer_id: Set(id),
                label: Set(a.label.into()),
                contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, &a.contact_name)),
                contact_phone_enc: Set(
                    v.encrypt(ctx::CONTACT_PHONE, phone(&a.contact_phone).expose())
                ),
                address_enc: Set(v.encrypt(ctx::ADDRESS, &a.address)),
                house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, &a.house_number)),
                lat: Set(a.at.lat),
                lng: Set(a.at.lng),
                area_code: Set(Some(a.area_code.into())),
                is_default: Set(a.is_default),
                created_at: Set(now),
            }
        }));
    }
    insert_batched(tx, customers).await?;
    insert_batched(tx, addresses).await?;

    Ok(ids)
}

/// Every active worker online and taking offers at `now` (the demo's living city and the
/// simulator's day start so; the worker app switches them in real life).
pub async fn all_online(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    use sea_orm::{ColumnTrait, QueryFilter};
    worker::Entity::update_many()
        .col_expr(worker::Column::Online, Expr::value(true))
        .col_expr(worker::Column::Accepting, Expr::value(true))
        .col_expr(worker::Column::PresenceAt, Expr::value(Some(now)))
        .filter(worker::Column::Status.eq("active"))
        .filter(worker::Column::Online.eq(false))
        .exec(db)
        .await?;
    daojia_store::repo::versions::bump(db, daojia_store::repo::versions::STAFF).await
}
