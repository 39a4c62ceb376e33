//! Saved addresses: the checks every address passes (whoever types it: the customer in the
//! app or an agent on the phone), and saving one within the per-customer cap.

use crate::orders::area::area_at;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::phone::Phone;
use daojia_store::entity::customer_address;
use daojia_store::repo::accounts;
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

/// Most addresses one customer keeps.
pub const MAX_ADDRESSES: usize = 20;

/// An address as typed (the pin already in WGS-84).
#[derive(Debug, Clone)]
pub struct AddressFields {
    /// Label such as 家 or 公司 (at most 16 characters; default 家).
    pub label: Option<String>,
    /// Contact at the door (1–32 characters).
    pub contact_name: String,
    /// Their phone (mainland mobile).
    pub contact_phone: String,
    /// Street address (2–200 characters).
    pub address: String,
    /// Building, floor, door (at most 64 characters).
    pub house_number: String,
    /// The pin.
    pub at: LatLng,
    /// Make it the default.
    pub is_default: bool,
}

/// Checks an address and finds the service area serving its pin (none: it is saved but
/// cannot be booked yet). Errors name the field, with `prefix` before it (`address.`).
pub async fn check(app: &App, a: AddressFields, prefix: &str) -> Result<accounts::NewAddress> {
    let len = |s: &str| s.trim().chars().count();
    let f = |name: &str| format!("{prefix}{name}");
    let label = a.label.unwrap_or_else(|| "家".into());
    if len(&label) > 16 {
        return Err(Error::field(
            f("label"),
            "too_long",
            "at most 16 characters",
        ));
    }
    if !(1..=32).contains(&len(&a.contact_name)) {
        return Err(Error::field(
            f("contact_name"),
            "length",
            "between 1 and 32 characters",
        ));
    }
    let phone = Phone::parse(&a.contact_phone)
        .map_err(|e| Error::field(f("contact_phone"), "invalid_phone", e.to_string()))?;
    if !(2..=200).contains(&len(&a.address)) {
        return Err(Error::field(
            f("address"),
            "length",
            "between 2 and 200 characters",
        ));
    }
    if len(&a.house_number) > 64 {
        return Err(Error::field(
            f("house_number"),
            "too_long",
            "at most 64 characters",
        ));
    }
    let area = area_at(app, a.at).await?;
    Ok(accounts::NewAddress {
        label: label.trim().to_string(),
        contact_name: a.contact_name.trim().to_string(),
        contact_phone: phone,
        address: a.address.trim().to_string(),
        house_number: a.house_number.trim().to_string(),
        lat: a.at.lat,
        lng: a.at.lng,
        area_code: area.map(|a| a.code),
        is_default: a.is_default,
    })
}

/// Saves a checked address for `customer` in `tx` (the first becomes the default);
/// `too_many_addresses` at the cap.
pub async fn add_in(
    app: &App,
    tx: &DatabaseTransaction,
    customer: Uuid,
    mut new: accounts::NewAddress,
    now: DateTime<Utc>,
) -> Result<customer_address::Model> {
    let existing = accounts::addresses(tx, customer).await?;
    if existing.len() >= MAX_ADDRESSES {
        return Err(Error::conflict(
            "too_many_addresses",
            format!("at most {MAX_ADDRESSES} addresses; delete one first"),
        ));
    }
    new.is_default |= existing.is_empty();
    let m = accounts::add_address(&app.store, tx, customer, new, now).await?;
    if m.is_default {
        accounts::set_default_address(tx, customer, m.id).await?;
    }
    Ok(m)
}

/// Checks and saves an address for `customer`.
pub async fn add(
    app: &App,
    customer: Uuid,
    a: AddressFields,
    now: DateTime<Utc>,
) -> Result<customer_address::Model> {
    let new = check(app, a, "").await?;
    let tx = daojia_store::begin(app.store.db()).await?;
    match add_in(app, &tx, customer, new, now).await {
        Ok(m) => {
            tx.commit().await?;
            Ok(m)
        }
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

/// Replaces a saved address's contents (`address` not found when it is not theirs).
pub async fn update(
    app: &App,
    customer: Uuid,
    id: Uuid,
    a: AddressFields,
) -> Result<customer_address::Model> {
    let new = check(app, a, "").await?;
    let tx = daojia_store::begin(app.store.db()).await?;
    let Some(m) = accounts::update_address(&app.store, &tx, customer, id, new).await? else {
        let _ = tx.rollback().await;
        return Err(Error::NotFound("address"));
    };
    if m.is_default {
        accounts::set_default_address(&tx, customer, m.id).await?;
    }
    tx.commit().await?;
    Ok(m)
}
