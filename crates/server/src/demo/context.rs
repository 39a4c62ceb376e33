//! What the demo's history and booked days need from the database: the rows of the demo
//! city (customers, their saved addresses decrypted, workers, the staff who act on orders,
//! the areas) found by the city's own keys, and each item's price in each area through the
//! server's own pricing.

use super::DemoError;
use crate::state::AppState;
use daojia_app::orders::pricing::{LineRequest, price};
use daojia_demo::City;
use daojia_domain::access::Role;
use daojia_domain::geo::LatLng;
use daojia_domain::ids::StaffId;
use daojia_domain::order::machine::{Actor, PaymentPlan};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_store::entity::{customer, customer_address, service_area, staff, worker};
use daojia_store::repo::accounts::{self, address_context as ctx};
use daojia_store::repo::{catalog, orders};
use sea_orm::EntityTrait;
use std::collections::HashMap;
use uuid::Uuid;

/// A saved address of a demo customer, ready for an order.
#[derive(Debug, Clone)]
pub(super) struct Place {
    /// Its id.
    pub id: Uuid,
    /// The area it is in.
    pub area_code: String,
    /// Position.
    pub at: LatLng,
    /// Contact at the door.
    pub contact_name: String,
    /// Their phone.
    pub contact_phone: Phone,
    /// Street address.
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
}

/// An item priced for one area.
#[derive(Debug, Clone)]
pub(super) struct Price {
    /// The order's one line.
    pub line: orders::NewLine,
    /// Full payment or a deposit first.
    pub plan: PaymentPlan,
    /// Working time including packing up, minutes.
    pub duration_min: u32,
    /// Skills the worker needs.
    pub skills: Vec<String>,
    /// The order's rules.
    pub policy: Policy,
}

/// The demo city's rows, by the city's indexes.
pub(super) struct Context {
    /// Customer ids (`None`: the account is gone, e.g. erased).
    pub customers: Vec<Option<Uuid>>,
    /// Each customer's addresses, as in the city (`None`: deleted).
    pub places: Vec<Vec<Option<Place>>>,
    /// Active worker ids.
    pub workers: Vec<Option<Uuid>>,
    /// The dispatcher who assigns and cancels.
    pub dispatcher: Option<Actor>,
    /// Customer service, who decides complaints.
    pub service: Option<Actor>,
    /// The service areas.
    pub areas: Vec<service_area::Model>,
    prices: HashMap<(usize, String), Option<Price>>,
}

fn staff_actor(rows: &[staff::Model], username: &str) -> Option<Actor> {
    let s = rows.iter().find(|s| s.username == username && s.active)?;
    Some(Actor::Staff {
        id: StaffId(s.id),
        role: s.role.parse::<Role>().ok()?,
    })
}

impl Context {
    /// Finds the city's rows: customers by the blind index of their phone, addresses by
    /// label, workers by code, staff by user name.
    pub async fn load(state: &AppState, city: &City) -> Result<Context, DemoError> {
        let store = &state.store;
        let db = store.db();
        let v = store.vault();
        let by_index: HashMap<String, Uuid> = customer::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|c| (c.phone_index, c.id))
            .collect();
        let addresses = customer_address::Entity::find().all(db).await?;
        let mut customers = Vec::with_capacity(city.customers.len());
        let mut places = Vec::with_capacity(city.customers.len());
        for c in &city.customers {
            let phone = Phone::parse(&c.phone).map_err(|e| DemoError::Data(e.to_string()))?;
            let id = by_index.get(&accounts::phone_index(store, &phone)).copied();
            customers.push(id);
            let mut mine = Vec::with_capacity(c.addresses.len());
            for a in &c.addresses {
                let row = addresses
                    .iter()
                    .find(|r| Some(r.customer_id) == id && r.label == a.label);
                let dec = |context: &str, s: &str| {
                    v.decrypt(context, s)
                        .map_err(|e| DemoError::Data(e.to_string()))
                };
                let place = match row {
                    Some(r) if r.area_code.is_some() => Some(Place {
                        id: r.id,
                        area_code: r.area_code.clone().unwrap_or_default(),
                        at: LatLng::new(r.lat, r.lng),
                        contact_name: dec(ctx::CONTACT_NAME, &r.contact_name_enc)?,
                        contact_phone: Phone::parse(&dec(
                            ctx::CONTACT_PHONE,
                            &r.contact_phone_enc,
                        )?)
                        .map_err(|e| DemoError::Data(e.to_string()))?,
                        address: dec(ctx::ADDRESS, &r.address_enc)?,
                        house_number: dec(ctx::HOUSE_NUMBER, &r.house_number_enc)?,
                    }),
                    _ => None,
                };
                mine.push(place);
            }
            places.push(mine);
        }
        let by_code: HashMap<String, (Uuid, bool)> = worker::Entity::find()
            .all(db)
            .await?
            .into_iter()
            .map(|w| (w.code, (w.id, w.active)))
            .collect();
        let workers = city
            .workers
            .iter()
            .map(|w| {
                by_code
                    .get(&w.code)
                    .filter(|(_, active)| *active)
                    .map(|(id, _)| *id)
            })
            .collect();
        let staff = staff::Entity::find().all(db).await?;
        Ok(Context {
            customers,
            places,
            workers,
            dispatcher: staff_actor(&staff, "dispatcher"),
            service: staff_actor(&staff, "service"),
            areas: catalog::areas(db).await?,
            prices: HashMap::new(),
        })
    }

    /// The active area `code`.
    pub fn area(&self, code: &str) -> Option<&service_area::Model> {
        self.areas.iter().find(|a| a.code == code && a.active)
    }

    /// Item `item` of the city priced in `area` (one unit, default options) as a customer
    /// ordering it would be charged; `None` when it is not on offer there.
    pub async fn price(
        &mut self,
        state: &AppState,
        city: &City,
        item: usize,
        area: &service_area::Model,
    ) -> Result<Option<Price>, DemoError> {
        let key = (item, area.code.clone());
        if let Some(p) = self.prices.get(&key) {
            return Ok(p.clone());
        }
        let input = vec![LineRequest {
            item: city.items[item].code.to_string(),
            options: vec![],
            quantity: 1,
        }];
        let priced = match price(&state.app, input, area).await {
            Ok(mut p) => Some(Price {
                line: p.lines.remove(0),
                plan: p.plan,
                duration_min: p.duration_min,
                skills: p.skills,
                policy: p.policy,
            }),
            // Not on offer in this area (taken off the shelf, or switched off there).
            Err(daojia_app::Error::Field { .. }) => None,
            Err(e) => return Err(DemoError::Data(format!("pricing: {e}"))),
        };
        self.prices.insert(key, priced.clone());
        Ok(priced)
    }
}
