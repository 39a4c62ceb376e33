//! The visit at the door, run by the worker from the worker app (issue 11): depart (出发),
//! check in (签到打卡) within the fence or outside it with a reason and a photo, start the
//! service with the customer's door check code (上门校验码), and finish it. The customer
//! reads the code of their order ([`customer`]); operations list the check-ins flagged
//! outside the fence ([`ops`]).
//!
//! Every time is the server's `now`, never the phone's; a step the app queued offline also
//! carries the phone's time of it, checked against the settings' tolerance and recorded in
//! the order event's detail (`device_at`). Someone else's order is "not
//! found"; an order of theirs in the wrong state is refused by the state machine. Each step
//! is one transition of the order (its event and its outbox event `order.{action}` in one
//! transaction); a check-in adds its row and the outbox event `visit.check_in` to the same
//! transaction, and the last wrong door code entry emits `visit.door_code_locked`.

pub mod calls;
pub mod customer;
pub mod extras;
pub mod ops;
pub mod record;

use crate::error::FieldIssue;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_domain::geo::LatLng;
use daojia_domain::ids::WorkerId;
use daojia_domain::order::OrderState;
use daojia_domain::order::machine::{Action, Actor, Order, Outcome};
use daojia_domain::visit::device_time::DeviceTimeError;
use daojia_domain::visit::door::{self, DoorCheck};
use daojia_domain::visit::{self, CheckInError, Verdict};
use daojia_store::entity::{service_order, visit_check_in};
use daojia_store::repo::{orders, outbox, uploads, visits};
use uuid::Uuid;

/// The purpose of a worker's photo at the door.
pub const PHOTO_PURPOSE: &str = "check_in";
/// The purpose of the worker's photo of themselves at check-in, shown to the customer.
pub const SELFIE_PURPOSE: &str = "arrival_selfie";
/// The purpose of the worker's photo at the door of a customer not home.
pub const NO_SHOW_PURPOSE: &str = "no_show";

/// Whether `upload` is a photo `worker` uploaded with `purpose`.
async fn own_photo(app: &App, worker: Uuid, upload: Uuid, purpose: &str) -> Result<bool> {
    Ok(uploads::get(app.store.db(), upload)
        .await?
        .is_some_and(|u| u.owner_type == "worker" && u.owner_id == worker && u.purpose == purpose))
}

fn actor(worker: Uuid) -> Actor {
    Actor::Worker {
        id: WorkerId(worker),
    }
}

/// The order `id` if it is assigned (or offered) to `worker`; anyone else's is "not found".
pub async fn worker_order(app: &App, worker: Uuid, id: Uuid) -> Result<service_order::Model> {
    orders::get(app.store.db(), id)
        .await?
        .filter(|r| r.worker_id == Some(worker))
        .ok_or(Error::NotFound("order"))
}

/// The device's time of a step the app sent later than it was taken (queued offline),
/// refused on the field `device_time` when the settings' tolerance does not accept it.
pub fn check_device_time(
    app: &App,
    device_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<()> {
    let Some(at) = device_at else {
        return Ok(());
    };
    match app.settings.visit.device_time.check(at, now) {
        Ok(()) => Ok(()),
        Err(DeviceTimeError::Ahead { secs }) => Err(Error::field(
            "device_time",
            "device_time_ahead",
            format!("the phone's clock is {secs} s ahead of the server's: set the phone's time"),
        )),
        Err(DeviceTimeError::TooOld { min }) => Err(Error::field(
            "device_time",
            "device_time_too_old",
            format!(
                "this step was taken {min} minutes ago (at most {} are accepted): ask operations to record it",
                app.settings.visit.device_time.max_age_min
            ),
        )),
    }
}

async fn step(
    app: &App,
    worker: Uuid,
    id: Uuid,
    action: Action,
    now: DateTime<Utc>,
    device_at: Option<DateTime<Utc>>,
) -> Result<Order> {
    worker_order(app, worker, id).await?;
    check_device_time(app, device_at, now)?;
    let (_, order) =
        orders::apply_from_device(&app.store, id, actor(worker), action, now, device_at).await?;
    app.wake_relay();
    Ok(order)
}

/// The worker sets off (出发): `accepted` → `en_route`. The order's door check code is made
/// now if it was not yet, so the customer's app can show it while the worker is on the way.
/// `device_at` is the phone's time of a step sent later (queued offline), recorded beside
/// the server's `now`; so for every step below.
pub async fn depart(
    app: &App,
    worker: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
    device_at: Option<DateTime<Utc>>,
) -> Result<Order> {
    let order = step(app, worker, id, Action::Depart, now, device_at).await?;
    visits::door_code(&app.store, id, &app.settings.visit.door, now).await?;
    Ok(order)
}

/// What the worker app sends to check in.
#[derive(Debug, Clone, Default)]
pub struct CheckInInput {
    /// Latitude, WGS-84 (the browser's geolocation).
    pub lat: f64,
    /// Longitude, WGS-84.
    pub lng: f64,
    /// Accuracy the phone reported, metres.
    pub accuracy_m: Option<f64>,
    /// Why, when outside the fence.
    pub reason: Option<String>,
    /// A photo the worker uploaded (purpose `check_in`), when outside the fence.
    pub photo_upload_id: Option<Uuid>,
    /// The worker's photo of themselves (purpose `arrival_selfie`), for the customer to
    /// check who has come. Optional; the app asks for it.
    pub selfie_upload_id: Option<Uuid>,
    /// The phone's time of a check-in sent later (queued offline).
    pub device_at: Option<DateTime<Utc>>,
}

/// A check-in made (or found already made).
#[derive(Debug, Clone)]
pub struct CheckedIn {
    /// The order after it.
    pub order: Order,
    /// The check-in recorded; `None` when the order was already at the door or further (a
    /// retry), with nothing recorded again.
    pub record: Option<visit_check_in::Model>,
}

fn fence_message(v: &Verdict) -> String {
    let mut parts = vec![];
    for o in &v.outside {
        parts.push(match o {
            visit::Outside::TooFar {
                distance_m,
                radius_m,
            } => {
                format!("{distance_m} m from the address (allowed: {radius_m} m)")
            }
            visit::Outside::TooEarly { opens_at } => {
                format!("before check-in opens at {}", opens_at.to_rfc3339())
            }
            visit::Outside::TooLate { closed_at } => {
                format!("after check-in closed at {}", closed_at.to_rfc3339())
            }
        });
    }
    format!("outside the check-in fence: {}", parts.join("; "))
}

/// Checks the worker in at the order's door (签到): `en_route` → `arrived`. Within the
/// fence ([`visit::CheckInRules`] of the settings) it needs nothing more; outside it the
/// worker gives a reason and a photo (an upload of theirs with purpose `check_in`), the
/// check-in is flagged for operations, and without them it is refused with those fields
/// named. The position is kept encrypted; the job's place becomes the worker's position.
pub async fn check_in(
    app: &App,
    worker: Uuid,
    id: Uuid,
    input: &CheckInInput,
    now: DateTime<Utc>,
) -> Result<CheckedIn> {
    let row = worker_order(app, worker, id).await?;
    check_device_time(app, input.device_at, now)?;
    let state: OrderState = orders::to_domain(&row)?.state;
    if state != OrderState::EnRoute {
        // Already there (a retry) or not on the way: the state machine says which.
        let (_, order) =
            orders::apply(&app.store, id, actor(worker), Action::CheckIn, now, None).await?;
        return Ok(CheckedIn {
            order,
            record: None,
        });
    }
    let position = LatLng::new(input.lat, input.lng);
    let mut issues = vec![];
    if !position.is_valid() {
        issues.push(FieldIssue::new(
            "lat",
            "invalid_position",
            "latitude and longitude in WGS-84 degrees",
        ));
    }
    if input.accuracy_m.is_some_and(|a| !a.is_finite() || a < 0.0) {
        issues.push(FieldIssue::new(
            "accuracy_m",
            "out_of_range",
            "metres, zero or more",
        ));
    }
    if let Some(p) = input.photo_upload_id
        && !own_photo(app, worker, p, PHOTO_PURPOSE).await?
    {
        issues.push(FieldIssue::new(
            "photo_upload_id",
            "unknown_photo",
            "not a check-in photo you uploaded",
        ));
    }
    if let Some(p) = input.selfie_upload_id
        && !own_photo(app, worker, p, SELFIE_PURPOSE).await?
    {
        issues.push(FieldIssue::new(
            "selfie_upload_id",
            "unknown_photo",
            "not a photo of yourself you uploaded (purpose `arrival_selfie`)",
        ));
    }
    Error::check(issues)?;
    let rules = app.settings.visit.check_in;
    let window = daojia_domain::order::machine::Window {
        start: row.window_start,
        end: row.window_end,
    };
    let address = LatLng::new(row.lat, row.lng);
    let decision = match visit::check_in(
        &rules,
        address,
        window,
        position,
        now,
        input.reason.as_deref(),
        input.photo_upload_id.is_some(),
    ) {
        Ok(d) => d,
        Err(CheckInError::BadPosition) => {
            return Err(Error::field(
                "lat",
                "invalid_position",
                "latitude and longitude in WGS-84 degrees",
            ));
        }
        Err(CheckInError::ReasonTooLong) => {
            return Err(Error::field(
                "reason",
                "length",
                format!("at most {} characters", visit::MAX_REASON),
            ));
        }
        Err(CheckInError::ReasonNeeded(v)) => {
            let msg = fence_message(&v);
            let mut issues = vec![FieldIssue::new(
                "reason",
                "outside_fence_reason_required",
                format!("{msg}: say why"),
            )];
            if input.photo_upload_id.is_none() {
                issues.push(FieldIssue::new(
                    "photo_upload_id",
                    "outside_fence_photo_required",
                    format!("{msg}: add a photo at the door"),
                ));
            }
            return Err(Error::Invalid(issues));
        }
        Err(CheckInError::PhotoNeeded(v)) => {
            return Err(Error::field(
                "photo_upload_id",
                "outside_fence_photo_required",
                format!("{}: add a photo at the door", fence_message(&v)),
            ));
        }
    };
    let new = visits::NewCheckIn {
        worker_id: worker,
        position,
        accuracy_m: input.accuracy_m,
        radius_m: rules.radius_m,
        decision,
        photo_upload_id: input.photo_upload_id,
        selfie_upload_id: input.selfie_upload_id,
        device_at: input.device_at,
    };
    let (outcome, order, record) =
        visits::check_in(&app.store, id, actor(worker), &new, now, None).await?;
    app.wake_relay();
    if matches!(outcome, Outcome::Applied(_)) {
        crate::workers::positions::at_job(app, worker, address, now).await;
    }
    Ok(CheckedIn { order, record })
}

/// Starts the service (`arrived` → `in_service`) with the door check code the customer's
/// app shows. A wrong code is refused on the field `code` with the entries left; after
/// the settings' most entries the code is locked (`door_code_locked`) and operations
/// start the visit from the console. An order already in service is answered as it is,
/// and nothing is counted.
pub async fn start(
    app: &App,
    worker: Uuid,
    id: Uuid,
    code: &str,
    now: DateTime<Utc>,
    device_at: Option<DateTime<Utc>>,
) -> Result<Order> {
    let row = worker_order(app, worker, id).await?;
    check_device_time(app, device_at, now)?;
    let order = orders::to_domain(&row)?;
    if order.state != OrderState::Arrived {
        // In service already (a retry), or not at the door: the state machine says which.
        let (_, order) = orders::apply(
            &app.store,
            id,
            actor(worker),
            Action::StartService,
            now,
            None,
        )
        .await?;
        return Ok(order);
    }
    let Some(entered) = door::normalise(code) else {
        return Err(Error::field(
            "code",
            "invalid_door_code",
            format!(
                "the door check code is {} to {} digits",
                door::MIN_DIGITS,
                door::MAX_DIGITS
            ),
        ));
    };
    let rules = app.settings.visit.door.clamped();
    let (stored, _) = visits::door_code(&app.store, id, &rules, now).await?;
    let locked = || Error::ConflictAt {
        code: "door_code_locked",
        field: "code".into(),
        message: "too many wrong door check codes: call operations to start the visit".into(),
    };
    let Some(before) = visits::count_attempt(app.store.db(), id, rules.max_attempts, now).await?
    else {
        return Err(locked());
    };
    match door::check(&rules, &stored, &entered, before) {
        DoorCheck::Right => {
            visits::verified(app.store.db(), id, now).await?;
            step(app, worker, id, Action::StartService, now, device_at).await
        }
        DoorCheck::Wrong { left } => {
            if left == 0 {
                let payload = serde_json::json!({
                    "order_id": id,
                    "worker_id": worker,
                    "attempts": rules.max_attempts,
                    "at": now,
                });
                outbox::append(app.store.db(), "visit.door_code_locked", id, &payload, now).await?;
                app.wake_relay();
                return Err(locked());
            }
            Err(Error::field(
                "code",
                "wrong_door_code",
                format!("the door check code is wrong: {left} more tries"),
            ))
        }
        DoorCheck::Locked => Err(locked()),
    }
}

/// The service is done (`in_service` → `pending_settlement`); the customer confirms next.
/// The job's place becomes the worker's position.
pub async fn finish(
    app: &App,
    worker: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
    device_at: Option<DateTime<Utc>>,
) -> Result<Order> {
    let row = worker_order(app, worker, id).await?;
    if row.state == daojia_store::repo::visit_records::RECORD_STATE {
        Error::check(record::missing(app, id).await?)?;
    }
    let order = step(app, worker, id, Action::FinishService, now, device_at).await?;
    crate::workers::positions::at_job(app, worker, LatLng::new(row.lat, row.lng), now).await;
    Ok(order)
}

/// What the worker app sends when the customer is not home (客户不在家).
#[derive(Debug, Clone, Default)]
pub struct NoShowInput {
    /// Latitude, WGS-84 (the browser's geolocation).
    pub lat: Option<f64>,
    /// Longitude, WGS-84.
    pub lng: Option<f64>,
    /// Accuracy the phone reported, metres.
    pub accuracy_m: Option<f64>,
    /// Calls to the customer the worker tried.
    pub call_attempts: Option<u32>,
    /// A photo at the door (purpose `no_show`).
    pub photo_upload_id: Option<Uuid>,
    /// What the worker adds (at most 200 characters).
    pub note: Option<String>,
    /// The phone's time of it (queued offline).
    pub device_at: Option<DateTime<Utc>>,
}

/// A no-show recorded (or found already recorded).
#[derive(Debug, Clone)]
pub struct NoShow {
    /// The order after it (cancelled).
    pub order: Order,
    /// The evidence and the money.
    pub record: daojia_store::entity::visit_no_show::Model,
}

/// The reason in the cancellation's order event.
pub const NO_SHOW_REASON: &str = "客户不在家 (no-show): cancelled by the worker at the door";

/// The customer is not home (客户不在家): the worker at the door (`arrived`), once the
/// settings' wait has passed since the window started (or since the check-in, when later),
/// records their evidence (a photo at the door, their position, the calls they tried, at
/// least the settings' number) and the order is cancelled under the no-show policy: the
/// fee ([`Order::no_show_fee`]) is kept and the rest refunded through the cancellation's
/// refund path. The evidence goes into the service record and an outbox event
/// `visit.no_show`. A repeat answers the no-show recorded.
pub async fn no_show(
    app: &App,
    worker: Uuid,
    id: Uuid,
    input: &NoShowInput,
    now: DateTime<Utc>,
) -> Result<NoShow> {
    let row = worker_order(app, worker, id).await?;
    let order = orders::to_domain(&row)?;
    if order.state == OrderState::Cancelled
        && let Some(record) = visits::no_show_of(app.store.db(), id).await?
        && record.worker_id == worker
    {
        return Ok(NoShow { order, record });
    }
    if order.state != OrderState::Arrived {
        return Err(
            daojia_domain::order::machine::TransitionError::InvalidState {
                action: "no_show",
                state: order.state,
            }
            .into(),
        );
    }
    check_device_time(app, input.device_at, now)?;
    let rules = app.settings.visit.no_show;
    let mut issues = vec![];
    let position = match (input.lat, input.lng) {
        (Some(lat), Some(lng)) if LatLng::new(lat, lng).is_valid() => Some(LatLng::new(lat, lng)),
        (Some(_), Some(_)) => {
            issues.push(FieldIssue::new(
                "lat",
                "invalid_position",
                "latitude and longitude in WGS-84 degrees",
            ));
            None
        }
        _ => {
            issues.push(FieldIssue::new(
                "lat",
                "position_required",
                "send where you are at the door (lat and lng)",
            ));
            None
        }
    };
    if input.accuracy_m.is_some_and(|a| !a.is_finite() || a < 0.0) {
        issues.push(FieldIssue::new(
            "accuracy_m",
            "out_of_range",
            "metres, zero or more",
        ));
    }
    match input.call_attempts {
        None => issues.push(FieldIssue::new(
            "call_attempts",
            "calls_required",
            format!("call the customer at least {} times first", rules.min_calls),
        )),
        Some(n) if n > visit::no_show::MAX_CALLS => issues.push(FieldIssue::new(
            "call_attempts",
            "out_of_range",
            format!("at most {}", visit::no_show::MAX_CALLS),
        )),
        Some(n) if !rules.enough_calls(n) => issues.push(FieldIssue::new(
            "call_attempts",
            "not_enough_calls",
            format!(
                "call the customer at least {} times first ({n} so far)",
                rules.min_calls
            ),
        )),
        Some(_) => {}
    }
    match input.photo_upload_id {
        None => issues.push(FieldIssue::new(
            "photo_upload_id",
            "photo_required",
            "add a photo at the door (upload it with purpose `no_show`)",
        )),
        Some(p) if !own_photo(app, worker, p, NO_SHOW_PURPOSE).await? => {
            issues.push(FieldIssue::new(
                "photo_upload_id",
                "unknown_photo",
                "not a no-show photo you uploaded",
            ))
        }
        Some(_) => {}
    }
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > visit::MAX_REASON)
    {
        issues.push(FieldIssue::new(
            "note",
            "length",
            format!("at most {} characters", visit::MAX_REASON),
        ));
    }
    Error::check(issues)?;
    let checked_in_at = visits::of_order(app.store.db(), id)
        .await?
        .pop()
        .map_or(row.window_start, |c| c.at);
    let opens = rules.opens_at(row.window_start, checked_in_at);
    if now < opens {
        return Err(Error::ConflictAt {
            code: "no_show_too_early",
            field: "at".into(),
            message: format!(
                "wait for the customer until {} ({} minutes after the window started or you checked in)",
                opens.to_rfc3339(),
                rules.wait_min
            ),
        });
    }
    let (Some(position), Some(calls), Some(photo)) =
        (position, input.call_attempts, input.photo_upload_id)
    else {
        unreachable!("checked above");
    };
    let address = LatLng::new(row.lat, row.lng);
    let new = visits::NewNoShow {
        worker_id: worker,
        position,
        accuracy_m: input.accuracy_m,
        distance_m: daojia_domain::geo::haversine_m(address, position)
            .round()
            .clamp(0.0, f64::from(u32::MAX)) as u32,
        call_attempts: calls,
        photo_upload_id: photo,
        note,
        reason: NO_SHOW_REASON.into(),
        device_at: input.device_at,
    };
    let (outcome, order, record) =
        visits::no_show(&app.store, id, actor(worker), &new, now).await?;
    app.wake_relay();
    crate::payments::refunds::after_transition(app, id, &outcome, now).await;
    match record {
        Some(record) => Ok(NoShow { order, record }),
        None => Err(
            daojia_domain::order::machine::TransitionError::InvalidState {
                action: "no_show",
                state: order.state,
            }
            .into(),
        ),
    }
}
