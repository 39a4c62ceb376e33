//! Placing an order (下单): the notes and coupon checked, the saved address and its area
//! looked up, the window checked against the area's hours, the photos checked, the lines
//! priced by the server, a place in the window claimed under the booking lock of the
//! window's day, and, in the demo, the amount due paid, all in one transaction. An order at
//! a promotion is checked against it first (one cheap read, so a sold-out promotion turns
//! customers away before any lock) and takes its place last (`crate::promotions`), with its
//! price.
//!
//! [`begin`] returns the placement with its transaction still open, so the caller can write
//! what belongs with it (the HTTP layer completes the request's `Idempotency-Key` there)
//! before [`Placing::commit`]: the order and its key commit together or not at all.

use super::area::{address_and_area, check_window, claim};
use super::pricing::{LineRequest, Priced, price_on};
use crate::{App, Error, Result, promotions};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::CustomerId;
use daojia_domain::money::Money;
use daojia_domain::order::machine::{Action, Actor, Order, PaymentMethod};
use daojia_domain::phone::Phone;
use daojia_store::entity::{promotion, service_order};
use daojia_store::repo::accounts::address_context as ctx;
use daojia_store::repo::recent_days::{self, Recent};
use daojia_store::repo::workers::Staff;
use daojia_store::repo::{orders, slots, uploads};
use sea_orm::DatabaseTransaction;
use uuid::Uuid;

/// Most photos on one order or case.
pub const MAX_PHOTOS: usize = 6;

/// Longest notes, characters.
pub const MAX_NOTES: usize = 500;

/// What a customer orders.
#[derive(Debug, Clone)]
pub struct PlaceOrder {
    /// Who orders.
    pub customer: Uuid,
    /// The items (1–5).
    pub items: Vec<LineRequest>,
    /// One of the customer's saved addresses.
    pub address_id: Uuid,
    /// Start of the appointment window.
    pub window_start: DateTime<Utc>,
    /// Notes for the worker.
    pub notes: String,
    /// The customer's `problem` photos.
    pub photo_ids: Vec<Uuid>,
    /// A coupon code (refused until coupons exist).
    pub coupon: Option<String>,
    /// A promotion (限时特价) to book the order at: one unit of its item at its price.
    pub promotion: Option<Uuid>,
    /// The `staff` and `catalog` counters, when the request read them already (with its
    /// session check); else they are read with the address.
    pub counters: Option<daojia_store::repo::versions::RequestCounters>,
}

/// A placed order whose transaction is still open.
pub struct Placing {
    tx: DatabaseTransaction,
    /// The order row as written (paid, in the demo).
    pub row: service_order::Model,
    /// The state machine's view of it.
    pub order: Order,
    /// Its visits, the order's own row first (one, unless it needs several trades).
    pub visits: Vec<service_order::Model>,
}

impl Placing {
    /// The open transaction, to read the order back or write what commits with it.
    pub fn tx(&self) -> &DatabaseTransaction {
        &self.tx
    }

    /// Commits the placement (and whatever the caller wrote in [`Placing::tx`]).
    pub async fn commit(self, app: &App) -> Result<(service_order::Model, Order)> {
        self.tx.commit().await?;
        app.wake_relay();
        Ok((self.row, self.order))
    }

    /// Gives the placement up. Explicitly: a dropped transaction keeps its locks (the
    /// booking lock) until its connection is used again.
    pub async fn rollback(self) {
        let _ = self.tx.rollback().await;
    }
}

/// Checks that every id is one of `customer`'s photos for `purpose` (errors name
/// `photo_ids[i]`).
pub async fn check_photos(app: &App, customer: Uuid, ids: &[Uuid], purpose: &str) -> Result<()> {
    if ids.len() > MAX_PHOTOS {
        return Err(Error::field(
            "photo_ids",
            "too_many",
            format!("at most {MAX_PHOTOS} photos"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        let ok = uploads::get(app.store.db(), *id).await?.is_some_and(|u| {
            u.owner_type == "customer" && u.owner_id == customer && u.purpose == purpose
        });
        if !ok {
            return Err(Error::field(
                format!("photo_ids[{i}]"),
                "unknown_photo",
                format!("not one of your `{purpose}` photos"),
            ));
        }
    }
    Ok(())
}

/// Places the order and commits.
pub async fn place(
    app: &App,
    input: PlaceOrder,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(service_order::Model, Order)> {
    begin(app, input, now, request_id).await?.commit(app).await
}

/// Places the order in a transaction left open for the caller (see the module's text).
pub async fn begin(
    app: &App,
    input: PlaceOrder,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<Placing> {
    prepare(app, input, now)
        .await?
        .write(app, now, request_id)
        .await
}

/// A placement checked on reads alone, nothing written yet: [`Prepared::write`] books it.
pub struct Prepared {
    customer: Uuid,
    area: daojia_store::entity::service_area::Model,
    pool: Vec<String>,
    staff: Staff,
    day: chrono::NaiveDate,
    base: orders::NewOrder,
    priced: Priced,
    groups: Option<Vec<Vec<usize>>>,
    visits: Option<Vec<orders::NewOrder>>,
    promotion: Option<promotion::Model>,
    counters: Option<recent_days::Counters>,
}

/// Everything of a placement that only reads: the input checked and priced, and the
/// window refused (409 `slot_unavailable`) when the day already cannot serve it. Nothing is
/// written, so a caller may hold back what must precede the first write (the HTTP layer's
/// `Idempotency-Key` claim) until [`Prepared::write`].
pub async fn prepare(app: &App, input: PlaceOrder, now: DateTime<Utc>) -> Result<Prepared> {
    if input.notes.chars().count() > MAX_NOTES {
        return Err(Error::field(
            "notes",
            "too_long",
            format!("at most {MAX_NOTES} characters"),
        ));
    }
    if input
        .coupon
        .as_deref()
        .is_some_and(|c| !c.trim().is_empty())
    {
        return Err(Error::field(
            "coupon",
            "coupons_unavailable",
            "coupons are not available yet",
        ));
    }
    // First of all: a sold-out promotion is refused after two reads by key, before the
    // address is read or anything is locked.
    let promotion = match input.promotion {
        Some(id) => Some(promotions::check(app, id, input.customer, now).await?),
        None => None,
    };
    let super::area::Located {
        address,
        area,
        pool,
        catalog,
        staff_counter,
        catalog_counter,
    } = address_and_area(app, input.customer, input.address_id, input.counters).await?;
    // Under these counters a recent copy of the day may refuse the window (only when both
    // are cached values, and copies are on: else every attempt reads the day).
    let counters = staff_counter
        .zip(catalog_counter)
        .filter(|_| !app.settings.recent_day.is_zero());
    let window = check_window(&area, input.window_start, now)?;
    check_photos(app, input.customer, &input.photo_ids, "problem").await?;
    if let Some(p) = &promotion {
        promotions::check_area(p, &area.code)?;
    }
    let required = catalog.required.clone();
    let priced = price_on(app, Some(catalog), input.items, &area, promotion.as_ref()).await?;
    let groups = super::bundle::trades(app, &pool, &area, window, &priced).await?;
    let v = app.store.vault();
    let dec = |c: &str, s: &str| v.decrypt(c, s).map_err(Error::internal);
    let contact_phone = Phone::parse(&dec(ctx::CONTACT_PHONE, &address.contact_phone_enc)?)
        .map_err(Error::internal)?;
    let base = orders::NewOrder {
        customer: CustomerId(input.customer),
        area_code: Some(area.code.clone()),
        address_id: Some(address.id),
        contact_name: dec(ctx::CONTACT_NAME, &address.contact_name_enc)?,
        contact_phone,
        address: dec(ctx::ADDRESS, &address.address_enc)?,
        house_number: dec(ctx::HOUSE_NUMBER, &address.house_number_enc)?,
        at: LatLng::new(address.lat, address.lng),
        window,
        plan: priced.plan,
        policy: priced.policy,
        notes: input.notes,
        lines: priced.lines.clone(),
        duration_min: priced.duration_min,
        skills: priced.skills.clone(),
        photos: input.photo_ids,
    };
    // The workers of the window's day, read once for both checks below: the one before the
    // lock and the one under it (ADR 0012, addendum: staff edits never took the lock).
    let day = slots::day_of(slots::zone(&area), window.start);
    let staff = Staff::load_at(app.store.db(), staff_counter, required, &pool, day, day).await?;
    let mut slot = claim(app, &area, &pool);
    slot.staff = Some((&staff, day));
    slot.recent = counters.map(|counters| Recent::Refuse {
        days: &app.recent_days,
        counters,
        lifetime: app.settings.recent_day,
    });
    // Most attempts in a busy day lose (a promotion's peak): a window the day already
    // cannot serve is refused on one read of it (or on the node's copy of it, at most
    // `recent_day` old), without a transaction or the day's lock. What may fit is checked
    // again under the lock.
    let visits = groups
        .as_ref()
        .map(|groups| super::bundle::visits(&base, &priced, groups));
    let asked: Vec<&orders::NewOrder> = match &visits {
        None => vec![&base],
        Some(v) => v.iter().collect(),
    };
    orders::refuse_unservable(app.store.db(), &slot, &asked)
        .await
        .map_err(|e| match (e, &groups) {
            (orders::OrderError::TradeUnavailable(k), Some(groups)) => {
                super::bundle::unservable(groups[k][0])
            }
            (other, _) => other.into(),
        })?;
    Ok(Prepared {
        customer: input.customer,
        area,
        pool,
        staff,
        day,
        base,
        priced,
        groups,
        visits,
        promotion,
        counters,
    })
}

impl Prepared {
    /// Books the placement: in one transaction under the booking lock of the window's day,
    /// checked again there, left open for the caller (see the module's text).
    pub async fn write(
        self,
        app: &App,
        now: DateTime<Utc>,
        request_id: Option<&str>,
    ) -> Result<Placing> {
        let Prepared {
            customer,
            area,
            pool,
            staff,
            day,
            base,
            priced,
            groups,
            visits,
            promotion,
            counters,
        } = self;
        let mut slot = claim(app, &area, &pool);
        slot.staff = Some((&staff, day));
        // The check under the lock keeps the day it reads fresh for the next refusals.
        slot.recent = counters.map(|counters| Recent::Keep {
            days: &app.recent_days,
            counters,
        });
        let tx = daojia_store::begin(app.store.db()).await?;
        let written = match (groups, visits) {
            (Some(groups), Some(visits)) => {
                super::bundle::write(app, &tx, visits, &groups, now, request_id, slot).await
            }
            _ => write(app, &tx, base, now, request_id, slot)
                .await
                .map(|(row, order)| (row.clone(), order, vec![row])),
        };
        let written = match (written, &promotion) {
            (Ok(w), Some(p)) => claim_promotion(&tx, p, &priced, w, customer, now).await,
            (w, _) => w,
        };
        match written {
            Ok((row, order, visits)) => Ok(Placing {
                tx,
                row,
                order,
                visits,
            }),
            Err(e) => {
                let _ = tx.rollback().await;
                Err(e)
            }
        }
    }
}

type Written = (service_order::Model, Order, Vec<service_order::Model>);

/// The placement's last step when it books a promotion: the visit carrying the promoted
/// line takes its place (`promotions::take`), so the promotion's row is locked only for
/// the moments before the commit.
async fn claim_promotion(
    tx: &DatabaseTransaction,
    p: &promotion::Model,
    priced: &Priced,
    (row, order, visits): Written,
    customer: Uuid,
    now: DateTime<Utc>,
) -> Result<Written> {
    let price = priced
        .lines
        .iter()
        .find(|l| l.item_code == p.item_code)
        .map(|l| l.unit_price.as_fen())
        .ok_or_else(|| Error::internal("the promoted line was priced away"))?;
    let mut holder = row.id;
    if visits.len() > 1 {
        for v in &visits {
            if orders::lines(tx, v.id)
                .await?
                .iter()
                .any(|l| l.item_code == p.item_code)
            {
                holder = v.id;
                break;
            }
        }
    }
    promotions::take(tx, p, holder, customer, price, now).await?;
    Ok((row, order, visits))
}

/// The order and, in the demo, its payment of what is due before dispatch.
async fn write(
    app: &App,
    tx: &DatabaseTransaction,
    new: orders::NewOrder,
    now: DateTime<Utc>,
    request_id: Option<&str>,
    slot: orders::SlotClaim<'_>,
) -> Result<(service_order::Model, Order)> {
    let (row, order) = orders::place_tx(tx, &app.store, new, now, request_id, Some(slot)).await?;
    autopay(app, tx, row, order, now, request_id).await
}

/// In the demo, pays what the new order (or visit) `row` owes before dispatch.
pub(crate) async fn autopay(
    app: &App,
    tx: &DatabaseTransaction,
    mut row: service_order::Model,
    mut order: Order,
    now: DateTime<Utc>,
    request_id: Option<&str>,
) -> Result<(service_order::Model, Order)> {
    let due = order.due_before_dispatch();
    if app.settings.demo_autopay && due > Money::ZERO {
        let payment = Action::RecordPayment {
            amount: due,
            method: PaymentMethod::Demo,
            reference: format!("demo-{}", row.order_no),
        };
        (_, order) = orders::apply_tx(
            tx,
            &app.store,
            row.id,
            Actor::System,
            payment,
            now,
            request_id,
        )
        .await?;
        row = orders::get(tx, row.id)
            .await?
            .ok_or(Error::NotFound("order"))?;
    }
    Ok((row, order))
}
