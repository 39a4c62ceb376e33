//! The caller (来电客户) of order on behalf (代客下单): customer service finds the customer by
//! the phone they call from, or creates them as a first log-in would, and saves the address
//! they dictate. Every change is in the audit log under the agent's name.

use super::addresses::{self, AddressFields};
use crate::orders::StaffCall;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::phone::Phone;
use daojia_store::entity::{customer, customer_address};
use daojia_store::repo::accounts;
use daojia_store::repo::audit::{self, AuditEntry};
use uuid::Uuid;

/// A caller found by phone.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The customer.
    pub customer: customer::Model,
    /// Their nickname, decrypted.
    pub nickname: String,
    /// Saved addresses, the default first.
    pub addresses: Vec<customer_address::Model>,
}

fn phone_of(raw: &str) -> Result<Phone> {
    Phone::parse(raw).map_err(|e| Error::field("phone", "invalid_phone", e.to_string()))
}

async fn caller(app: &App, c: customer::Model) -> Result<Caller> {
    let nickname = accounts::customer_nickname(&app.store, &c).map_err(Error::internal)?;
    let addresses = accounts::addresses(app.store.db(), c.id).await?;
    Ok(Caller {
        customer: c,
        nickname,
        addresses,
    })
}

/// The customer calling from `phone`, if they have an account.
pub async fn find(app: &App, phone: &str) -> Result<Option<Caller>> {
    let phone = phone_of(phone)?;
    match accounts::customer_by_phone(&app.store, &phone).await? {
        Some(c) => Ok(Some(caller(app, c).await?)),
        None => Ok(None),
    }
}

/// The customer with `id`.
pub async fn get(app: &App, id: Uuid) -> Result<Caller> {
    let c = accounts::customer(app.store.db(), id)
        .await?
        .ok_or(Error::NotFound("customer"))?;
    caller(app, c).await
}

/// Finds or creates the customer calling from `phone` and, when given, saves the address
/// they dictate (errors name `address.<field>`). Creating the account is what their first
/// log-in would do; both are recorded in the audit log as the agent's.
pub async fn register(
    app: &App,
    staff: &StaffCall,
    phone: &str,
    address: Option<AddressFields>,
    now: DateTime<Utc>,
) -> Result<Caller> {
    let phone = phone_of(phone)?;
    let new_address = match address {
        Some(a) => Some(addresses::check(app, a, "address.").await?),
        None => None,
    };
    let existed = accounts::customer_by_phone(&app.store, &phone).await?;
    let c = match existed.clone() {
        Some(c) => c,
        None => accounts::customer_for_login(&app.store, &phone, now).await?,
    };
    let entry = |action: &str, target_type: &str, target: Uuid| AuditEntry {
        actor_type: "staff".into(),
        actor_id: Some(staff.id),
        actor_name: Some(staff.name.clone()),
        action: action.into(),
        target_type: target_type.into(),
        target_id: Some(target.to_string()),
        before: None,
        after: None,
        request_id: staff.request_id.clone(),
        ip: staff.ip.clone(),
    };
    let tx = daojia_store::begin(app.store.db()).await?;
    let written = async {
        if existed.is_none() {
            audit::record(
                &app.store,
                &tx,
                entry("customer.create_for_caller", "customer", c.id),
                now,
            )
            .await?;
        }
        if let Some(new) = new_address {
            let m = addresses::add_in(app, &tx, c.id, new, now).await?;
            audit::record(
                &app.store,
                &tx,
                entry("customer.address_add", "customer_address", m.id),
                now,
            )
            .await?;
        }
        Ok::<_, Error>(())
    }
    .await;
    match written {
        Ok(()) => tx.commit().await?,
        Err(e) => {
            let _ = tx.rollback().await;
            return Err(e);
        }
    }
    caller(app, c).await
}
