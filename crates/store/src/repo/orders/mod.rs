//! Orders: placing one (order, lines and its first event in one transaction) and moving it
//! through the state machine of `daojia_domain::order::machine`, where every transition
//! writes the order, its event and any payment together, or nothing.
//!
//! Concurrency: the order row carries a version; a transition updates it only if the version
//! is still the one it read, and `(order_id, seq)` is unique on events. A writer that loses
//! the race reads again and re-applies its action to the new state, which either succeeds,
//! finds the effect already there, or is refused with the state as it now is.
//!
//! Here: what placing and moving share (a new order's shape, the error, a row read as the
//! domain's order). `place` writes new orders, `transition` moves them, `timers` schedules
//! what a state calls for, `timeline` writes each step's event and outbox event, and
//! `read` finds them.

mod place;
mod read;
mod timeline;
mod timers;
mod transition;

pub(crate) use place::{insert, job_of};
pub use place::{place, place_rework, place_tx, refuse_unservable};
pub use read::{OrderFilter, events, get, lines, list, partner_workers, payments};
pub use timeline::topic;
pub use timers::{ALARM_BEFORE, LATE_AFTER, REMINDER_BEFORE, job_kind};
pub use transition::{
    apply, apply_audited, apply_checked, apply_from_device, apply_noted, apply_tx,
};
pub(crate) use transition::{tokio_free_pause, try_apply_in};

use crate::Store;
use crate::entity::service_order;
use daojia_domain::geo::LatLng;
use daojia_domain::ids::{CustomerId, OrderId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Amounts, Order, PaymentPlan, TransitionError, Window};
use daojia_domain::order::policy::Policy;
use daojia_domain::phone::Phone;
use daojia_domain::pricing::Selection;
use sea_orm::DbErr;
use uuid::Uuid;

/// A priced line of a new order.
#[derive(Debug, Clone)]
pub struct NewLine {
    /// Item code.
    pub item_code: String,
    /// Item name as shown when ordered.
    pub item_name: String,
    /// Units.
    pub quantity: u32,
    /// Price per unit.
    pub unit_price: Money,
    /// `unit_price × quantity`.
    pub total: Money,
    /// Working time, minutes.
    pub duration_min: u32,
    /// Options chosen (defaults filled in).
    pub selections: Vec<Selection>,
}

/// What placing an order needs. Prices come from the server's own pricing, never a client.
#[derive(Debug, Clone)]
pub struct NewOrder {
    /// Who orders.
    pub customer: CustomerId,
    /// The service area of the address.
    pub area_code: Option<String>,
    /// The saved address it came from, if any.
    pub address_id: Option<Uuid>,
    /// Contact at the door.
    pub contact_name: String,
    /// Their phone.
    pub contact_phone: Phone,
    /// Street address.
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
    /// Position (WGS-84).
    pub at: LatLng,
    /// The start window.
    pub window: Window,
    /// Payment plan.
    pub plan: PaymentPlan,
    /// Policy at the time of ordering.
    pub policy: Policy,
    /// Notes for the worker.
    pub notes: String,
    /// The lines (at least one).
    pub lines: Vec<NewLine>,
    /// Working time of the visit including packing up, minutes (what capacity counts).
    pub duration_min: u32,
    /// Skills the worker needs.
    pub skills: Vec<String>,
    /// The customer's uploaded photos of the problem.
    pub photos: Vec<Uuid>,
}

/// The capacity check of a booking: the area whose pool's booking lock (of the window's day) is
/// taken in the transaction that writes, and the travel times slot search uses. Without one, an order is written
/// whatever the workers' days hold (staff's decision).
#[derive(Clone, Copy)]
pub struct SlotClaim<'a> {
    /// The order's service area.
    pub area: &'a crate::entity::service_area::Model,
    /// The areas sharing its workers ([`super::slots::pool_of`]).
    pub pool: &'a [String],
    /// Travel times between visits.
    pub travel: &'a dyn daojia_domain::travel::TravelTime,
    /// How far from home a worker is sent, metres.
    pub reach_m: f64,
    /// The application's kept day plans (`None`: built for this check alone).
    pub plans: Option<&'a super::slots::DayPlans>,
    /// The pool's staff of one local date, read earlier in this request, for the checks
    /// of a window on that date (else, or for another date, they read it themselves).
    pub staff: Option<(&'a super::workers::Staff, chrono::NaiveDate)>,
    /// How the check uses the node's recent copies of the day (`None`: it reads the day
    /// and keeps nothing; [`super::recent_days`]).
    pub recent: Option<super::recent_days::Recent<'a>>,
}

impl std::fmt::Debug for SlotClaim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlotClaim")
            .field("area", &self.area.code)
            .finish_non_exhaustive()
    }
}

/// Why an order operation failed.
#[derive(Debug, thiserror::Error)]
pub enum OrderError {
    /// No such order.
    #[error("no such order")]
    NotFound,
    /// The state machine refused the action.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// A photo that is not the customer's own upload for this purpose.
    #[error("photo {0} is not one of yours")]
    Photo(Uuid),
    /// Nobody can take the visit in that window any more (someone booked it meanwhile).
    #[error("this window is no longer available")]
    SlotUnavailable,
    /// Of an order's visits (one per trade), the one at this index can no longer be served
    /// in that window.
    #[error("visit {0} of the order can no longer be served in this window")]
    TradeUnavailable(usize),
    /// Others kept changing the order; try again.
    #[error("the order changed while this was being applied; try again")]
    Busy,
    /// A stored value the domain cannot read.
    #[error("order {0} is not readable: {1}")]
    Corrupt(Uuid, String),
    /// Database failure.
    #[error(transparent)]
    Db(#[from] DbErr),
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("plain data serialises")
}

/// Encryption context of an order's notes (they carry door codes such as `门禁 1201#`).
pub const NOTES: &str = "order.notes";

/// An order's notes, decrypted.
pub fn notes(store: &Store, m: &service_order::Model) -> Result<String, crate::pii::VaultError> {
    store.vault().decrypt(NOTES, &m.notes_enc)
}

/// Notes encrypted for `service_order.notes_enc`.
pub fn seal_notes(store: &Store, notes: &str) -> String {
    store.vault().encrypt(NOTES, notes)
}

/// The state machine's view of a stored order.
pub fn to_domain(m: &service_order::Model) -> Result<Order, OrderError> {
    let corrupt = |what: String| OrderError::Corrupt(m.id, what);
    let state: OrderState = m
        .state
        .parse()
        .map_err(|_| corrupt(format!("state {:?}", m.state)))?;
    let plan = match m.payment_mode.as_str() {
        "full" => PaymentPlan::Full,
        "deposit" => PaymentPlan::Deposit {
            deposit: Money::fen(m.deposit_fen),
        },
        other => return Err(corrupt(format!("payment mode {other:?}"))),
    };
    let policy: Policy =
        serde_json::from_str(&m.policy).map_err(|e| corrupt(format!("policy: {e}")))?;
    Ok(Order {
        id: OrderId(m.id),
        customer: CustomerId(m.customer_id),
        state,
        worker: m.worker_id.map(WorkerId),
        window: Window {
            start: m.window_start,
            end: m.window_end,
        },
        plan,
        amounts: Amounts {
            total: Money::fen(m.total_fen),
            paid: Money::fen(m.paid_fen),
            refunded: Money::fen(m.refunded_fen),
            fee: Money::fen(m.fee_fen),
        },
        policy,
        customer_reschedules: m.customer_reschedules.max(0) as u32,
        completed_at: m.completed_at,
        version: m.version.max(0) as u32,
    })
}
