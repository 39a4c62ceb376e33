//! Customers, workers and staff: creation, lookup by phone through the blind index, lists.
//!
//! Names and nicknames are stored encrypted. Every read and write of those columns goes
//! through the small functions here (`worker_name`, `seal_worker_name`, ...), so the code
//! that exports or erases a person's data uses the same contexts. No list is searched or
//! sorted by name (lists are newest first, found by phone through the blind index), so no
//! name index is kept.

use super::{Page, PageRequest, page_from};
use crate::entity::{customer, customer_address, staff, worker, worker_shift};
use crate::pii::VaultError;
use crate::{Store, is_unique_violation};
use chrono::{DateTime, Utc};
use daojia_domain::access::Role;
use daojia_domain::phone::Phone;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// Encryption context of a customer's phone.
pub const CUSTOMER_PHONE: &str = "customer.phone";
/// Encryption context of a worker's phone.
pub const WORKER_PHONE: &str = "worker.phone";
/// Encryption context of a staff member's phone.
pub const STAFF_PHONE: &str = "staff.phone";
/// Encryption context of a worker's name.
pub const WORKER_NAME: &str = "worker.name";
/// Encryption context of a staff member's display name.
pub const STAFF_NAME: &str = "staff.name";
/// Encryption context of a customer's nickname.
pub const CUSTOMER_NICKNAME: &str = "customer.nickname";

/// A worker's name, decrypted.
pub fn worker_name(store: &Store, w: &worker::Model) -> Result<String, VaultError> {
    store.vault().decrypt(WORKER_NAME, &w.name_enc)
}

/// A worker's name encrypted for `worker.name_enc`.
pub fn seal_worker_name(store: &Store, name: &str) -> String {
    store.vault().encrypt(WORKER_NAME, name)
}

/// A staff member's display name, decrypted.
pub fn staff_name(store: &Store, s: &staff::Model) -> Result<String, VaultError> {
    store.vault().decrypt(STAFF_NAME, &s.name_enc)
}

/// A staff member's display name encrypted for `staff.name_enc`.
pub fn seal_staff_name(store: &Store, name: &str) -> String {
    store.vault().encrypt(STAFF_NAME, name)
}

/// A customer's nickname, decrypted.
pub fn customer_nickname(store: &Store, c: &customer::Model) -> Result<String, VaultError> {
    store.vault().decrypt(CUSTOMER_NICKNAME, &c.nickname_enc)
}

/// A nickname encrypted for `customer.nickname_enc`.
pub fn seal_customer_nickname(store: &Store, nickname: &str) -> String {
    store.vault().encrypt(CUSTOMER_NICKNAME, nickname)
}

/// The nickname a new customer gets: `用户` and six random letters and digits. It used to
/// end in the phone's last four digits, which told anyone who saw it part of the number.
pub fn new_nickname() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let suffix: String = (0..6)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect();
    format!("用户{suffix}")
}

/// The blind index of a phone number.
pub fn phone_index(store: &Store, phone: &Phone) -> String {
    store.vault().blind_index("phone", phone.expose())
}

/// The customer with this phone, created on first log-in. Two concurrent first log-ins
/// with the same phone end with one customer: the loser of the insert race reads the row
/// the winner wrote.
pub async fn customer_for_login(
    store: &Store,
    phone: &Phone,
    now: DateTime<Utc>,
) -> Result<customer::Model, DbErr> {
    let idx = phone_index(store, phone);
    if let Some(c) = customer_by_phone_index(store.db(), &idx).await? {
        return Ok(c);
    }
    let row = customer::ActiveModel {
        id: Set(Uuid::now_v7()),
        phone_enc: Set(store.vault().encrypt(CUSTOMER_PHONE, phone.expose())),
        phone_index: Set(idx.clone()),
        nickname_enc: Set(seal_customer_nickname(store, &new_nickname())),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match row.insert(store.db()).await {
        Ok(c) => Ok(c),
        Err(e) if is_unique_violation(&e) => customer_by_phone_index(store.db(), &idx)
            .await?
            .ok_or_else(|| {
                DbErr::RecordNotFound("customer vanished after a unique violation".into())
            }),
        Err(e) => Err(e),
    }
}

async fn customer_by_phone_index(
    db: &impl ConnectionTrait,
    idx: &str,
) -> Result<Option<customer::Model>, DbErr> {
    customer::Entity::find()
        .filter(customer::Column::PhoneIndex.eq(idx))
        .one(db)
        .await
}

/// A customer by id.
pub async fn customer(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<customer::Model>, DbErr> {
    customer::Entity::find_by_id(id).one(db).await
}

/// A customer by phone (exact number), through the blind index.
pub async fn customer_by_phone(
    store: &Store,
    phone: &Phone,
) -> Result<Option<customer::Model>, DbErr> {
    customer_by_phone_index(store.db(), &phone_index(store, phone)).await
}

/// A customer with the number of saved addresses.
#[derive(Debug, Clone)]
pub struct CustomerRow {
    /// The customer.
    pub customer: customer::Model,
    /// How many addresses they saved.
    pub address_count: u64,
}

/// Customers newest first, optionally only the one with `phone`.
pub async fn list_customers(
    store: &Store,
    phone: Option<&Phone>,
    page: PageRequest,
) -> Result<Page<CustomerRow>, DbErr> {
    let mut q = customer::Entity::find()
        .order_by_desc(customer::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(customer::Column::Id.lt(after));
    }
    if let Some(p) = phone {
        q = q.filter(customer::Column::PhoneIndex.eq(phone_index(store, p)));
    }
    let rows = q.all(store.db()).await?;
    let page = page_from(rows, page.limit, |c| c.id);
    let mut items = Vec::with_capacity(page.items.len());
    for c in page.items {
        let address_count = customer_address::Entity::find()
            .filter(customer_address::Column::CustomerId.eq(c.id))
            .count(store.db())
            .await?;
        items.push(CustomerRow {
            customer: c,
            address_count,
        });
    }
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
    })
}

/// The worker with this phone, if any (workers are enrolled by operations, not on log-in).
pub async fn worker_by_phone(store: &Store, phone: &Phone) -> Result<Option<worker::Model>, DbErr> {
    worker::Entity::find()
        .filter(worker::Column::PhoneIndex.eq(phone_index(store, phone)))
        .one(store.db())
        .await
}

/// A worker by id.
pub async fn worker(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<worker::Model>, DbErr> {
    worker::Entity::find_by_id(id).one(db).await
}

/// Workers newest first.
pub async fn list_workers(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<worker::Model>, DbErr> {
    let mut q = worker::Entity::find()
        .order_by_desc(worker::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(worker::Column::Id.lt(after));
    }
    Ok(page_from(q.all(db).await?, page.limit, |w| w.id))
}

/// A worker's weekly shifts.
pub async fn worker_shifts(
    db: &impl ConnectionTrait,
    worker_id: Uuid,
) -> Result<Vec<worker_shift::Model>, DbErr> {
    worker_shift::Entity::find()
        .filter(worker_shift::Column::WorkerId.eq(worker_id))
        .order_by_asc(worker_shift::Column::Weekday)
        .all(db)
        .await
}

/// A staff member found by username, or by phone when `login` is a phone number.
pub async fn staff_for_login(store: &Store, login: &str) -> Result<Option<staff::Model>, DbErr> {
    if let Ok(phone) = Phone::parse(login) {
        let found = staff::Entity::find()
            .filter(staff::Column::PhoneIndex.eq(phone_index(store, &phone)))
            .one(store.db())
            .await?;
        if found.is_some() {
            return Ok(found);
        }
    }
    staff::Entity::find()
        .filter(staff::Column::Username.eq(login.trim().to_lowercase()))
        .one(store.db())
        .await
}

/// A staff member by id.
pub async fn staff(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<staff::Model>, DbErr> {
    staff::Entity::find_by_id(id).one(db).await
}

/// Staff newest first.
pub async fn list_staff(
    db: &impl ConnectionTrait,
    page: PageRequest,
) -> Result<Page<staff::Model>, DbErr> {
    let mut q = staff::Entity::find()
        .order_by_desc(staff::Column::Id)
        .limit(page.limit + 1);
    if let Some(after) = page.after {
        q = q.filter(staff::Column::Id.lt(after));
    }
    Ok(page_from(q.all(db).await?, page.limit, |s| s.id))
}

/// What a new staff account needs; the password arrives already hashed.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Log-in name (stored lower-case).
    pub username: String,
    /// Display name.
    pub name: String,
    /// Optional phone (encrypted; also a log-in).
    pub phone: Option<Phone>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// The role.
    pub role: Role,
}

/// Why a staff account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateStaffError {
    /// The username is taken.
    #[error("username already taken")]
    UsernameTaken,
    /// Any database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates a staff account.
pub async fn create_staff(
    store: &Store,
    db: &impl ConnectionTrait,
    new: NewStaff,
    now: DateTime<Utc>,
) -> Result<staff::Model, CreateStaffError> {
    let username = new.username.trim().to_lowercase();
    let exists = staff::Entity::find()
        .filter(staff::Column::Username.eq(username.as_str()))
        .count(db)
        .await?;
    if exists > 0 {
        return Err(CreateStaffError::UsernameTaken);
    }
    let row = staff::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(username),
        name_enc: Set(seal_staff_name(store, &new.name)),
        phone_enc: Set(new
            .phone
            .as_ref()
            .map(|p| store.vault().encrypt(STAFF_PHONE, p.expose()))),
        phone_index: Set(new.phone.as_ref().map(|p| phone_index(store, p))),
        password_hash: Set(new.password_hash),
        role: Set(new.role.as_str().to_string()),
        active: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
        partner_id: Set(None),
    };
    row.insert(db).await.map_err(|e| {
        if is_unique_violation(&e) {
            CreateStaffError::UsernameTaken
        } else {
            CreateStaffError::Db(e)
        }
    })
}

/// Changes to a staff account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct StaffChange {
    /// New display name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// New password hash.
    pub password_hash: Option<String>,
}

/// Applies `change` to the staff member `id`; returns the row after the change.
pub async fn update_staff(
    store: &Store,
    db: &impl ConnectionTrait,
    current: staff::Model,
    change: StaffChange,
    now: DateTime<Utc>,
) -> Result<staff::Model, DbErr> {
    let mut row: staff::ActiveModel = current.into();
    if let Some(n) = change.name {
        row.name_enc = Set(seal_staff_name(store, &n));
    }
    if let Some(r) = change.role {
        row.role = Set(r.as_str().to_string());
    }
    if let Some(a) = change.active {
        row.active = Set(a);
    }
    if let Some(h) = change.password_hash {
        row.password_hash = Set(h);
    }
    row.updated_at = Set(now);
    row.update(db).await
}

/// Counts for the console overview.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    /// Customers.
    pub customers: u64,
    /// Workers.
    pub workers: u64,
    /// Service items.
    pub service_items: u64,
    /// Service areas.
    pub service_areas: u64,
    /// Staff.
    pub staff: u64,
}

/// Row counts for the overview page.
pub async fn counts(db: &impl ConnectionTrait) -> Result<Counts, DbErr> {
    use crate::entity::{service_area, service_item};
    Ok(Counts {
        customers: customer::Entity::find().count(db).await?,
        workers: worker::Entity::find().count(db).await?,
        service_items: service_item::Entity::find().count(db).await?,
        service_areas: service_area::Entity::find().count(db).await?,
        staff: staff::Entity::find().count(db).await?,
    })
}

/// Encryption contexts of an address's parts.
pub mod address_context {
    /// Contact name.
    pub const CONTACT_NAME: &str = "address.contact_name";
    /// Contact phone.
    pub const CONTACT_PHONE: &str = "address.contact_phone";
    /// Street address.
    pub const ADDRESS: &str = "address.text";
    /// House number (building, floor, door).
    pub const HOUSE_NUMBER: &str = "address.house_number";
}

/// A new saved address. Text parts are encrypted; the coordinate (WGS-84) is stored plain,
/// because dispatch and slot search query by it.
#[derive(Debug, Clone)]
pub struct NewAddress {
    /// Label such as 家 or 公司.
    pub label: String,
    /// Contact name.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: Phone,
    /// Street address.
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
    /// Latitude, WGS-84.
    pub lat: f64,
    /// Longitude, WGS-84.
    pub lng: f64,
    /// Service area code, when inside one.
    pub area_code: Option<String>,
    /// The customer's default address.
    pub is_default: bool,
}

/// Saves an address for a customer.
pub async fn add_address(
    store: &Store,
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    a: NewAddress,
    now: DateTime<Utc>,
) -> Result<customer_address::Model, DbErr> {
    use address_context as ctx;
    let v = store.vault();
    customer_address::ActiveModel {
        id: Set(Uuid::now_v7()),
        customer_id: Set(customer_id),
        label: Set(a.label),
        contact_name_enc: Set(v.encrypt(ctx::CONTACT_NAME, &a.contact_name)),
        contact_phone_enc: Set(v.encrypt(ctx::CONTACT_PHONE, a.contact_phone.expose())),
        address_enc: Set(v.encrypt(ctx::ADDRESS, &a.address)),
        house_number_enc: Set(v.encrypt(ctx::HOUSE_NUMBER, &a.house_number)),
        lat: Set(a.lat),
        lng: Set(a.lng),
        area_code: Set(a.area_code),
        is_default: Set(a.is_default),
        created_at: Set(now),
    }
    .insert(db)
    .await
}

/// A customer's saved addresses, the default first.
pub async fn addresses(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
) -> Result<Vec<customer_address::Model>, DbErr> {
    customer_address::Entity::find()
        .filter(customer_address::Column::CustomerId.eq(customer_id))
        .order_by_desc(customer_address::Column::IsDefault)
        .order_by_asc(customer_address::Column::CreatedAt)
        .all(db)
        .await
}

/// Replaces a saved address's contents; `false` when the customer has no such address.
pub async fn update_address(
    store: &Store,
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    id: Uuid,
    a: NewAddress,
) -> Result<Option<customer_address::Model>, DbErr> {
    use address_context as ctx;
    let Some(row) = customer_address::Entity::find_by_id(id)
        .filter(customer_address::Column::CustomerId.eq(customer_id))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let v = store.vault();
    let mut m: customer_address::ActiveModel = row.into();
    m.label = Set(a.label);
    m.contact_name_enc = Set(v.encrypt(ctx::CONTACT_NAME, &a.contact_name));
    m.contact_phone_enc = Set(v.encrypt(ctx::CONTACT_PHONE, a.contact_phone.expose()));
    m.address_enc = Set(v.encrypt(ctx::ADDRESS, &a.address));
    m.house_number_enc = Set(v.encrypt(ctx::HOUSE_NUMBER, &a.house_number));
    m.lat = Set(a.lat);
    m.lng = Set(a.lng);
    m.area_code = Set(a.area_code);
    m.is_default = Set(a.is_default);
    Ok(Some(m.update(db).await?))
}

/// Makes `id` the customer's only default address.
pub async fn set_default_address(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    id: Uuid,
) -> Result<(), DbErr> {
    customer_address::Entity::update_many()
        .col_expr(
            customer_address::Column::IsDefault,
            sea_orm::sea_query::Expr::value(false),
        )
        .filter(customer_address::Column::CustomerId.eq(customer_id))
        .filter(customer_address::Column::Id.ne(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes a saved address; `false` when the customer has no such address. Orders keep
/// their own copy of where they were.
pub async fn delete_address(
    db: &impl ConnectionTrait,
    customer_id: Uuid,
    id: Uuid,
) -> Result<bool, DbErr> {
    let r = customer_address::Entity::delete_many()
        .filter(customer_address::Column::Id.eq(id))
        .filter(customer_address::Column::CustomerId.eq(customer_id))
        .exec(db)
        .await?;
    Ok(r.rows_affected == 1)
}
