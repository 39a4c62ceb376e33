//! The demo's past, loaded once: the visits [`daojia_demo::history`] draws for the days
//! before today, played through the order state machine at their own times and written in
//! bulk ([`daojia_store::repo::order_history`]), with their reviews, in one transaction.
//! The worker ratings are then those of the reviews.

use super::context::{Context, Place, Price};
use super::{DemoError, ids::IdGen};
use crate::state::AppState;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use daojia_demo::City;
use daojia_demo::history::{Dispatch, Outcome, PastVisit, Visited};
use daojia_domain::ids::{CustomerId, WorkerId};
use daojia_domain::money::Money;
use daojia_domain::order::machine::{
    Action, Actor, AssignedBy, PaymentMethod, PaymentPlan, Resolution, Window,
};
use daojia_store::repo::order_history::{self, PastOrder, Step};
use daojia_store::repo::{meta, orders, reviews, slots};
use uuid::Uuid;

/// The `app_meta` key recording the loaded history.
pub const HISTORY_KEY: &str = "demo_history";

/// What the history holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// True when this run loaded it.
    pub fresh: bool,
    /// Days before today.
    pub days: u32,
    /// Orders.
    pub orders: usize,
    /// Completed ones.
    pub completed: usize,
    /// Reviews.
    pub reviews: usize,
    /// After-sales complaints.
    pub complaints: usize,
    /// Cancelled orders (by customers, and after a worker cancelled late or did not come).
    pub cancelled: usize,
}

impl History {
    fn to_meta(&self, today: NaiveDate) -> String {
        serde_json::json!({
            "today": today, "days": self.days, "orders": self.orders, "completed": self.completed,
            "reviews": self.reviews, "complaints": self.complaints, "cancelled": self.cancelled,
        })
        .to_string()
    }

    fn from_meta(s: &str) -> History {
        let v: serde_json::Value = serde_json::from_str(s).unwrap_or_default();
        let n = |k: &str| v[k].as_u64().unwrap_or(0) as usize;
        History {
            fresh: false,
            days: n("days") as u32,
            orders: n("orders"),
            completed: n("completed"),
            reviews: n("reviews"),
            complaints: n("complaints"),
            cancelled: n("cancelled"),
        }
    }
}

/// Loads `days` days of history before `today` unless a history is there already.
pub(super) async fn load(
    state: &AppState,
    city: &City,
    ctx: &mut Context,
    today: NaiveDate,
    days: u32,
    now: DateTime<Utc>,
) -> Result<History, DemoError> {
    let store = &state.store;
    if let Some(m) = meta::get(store.db(), HISTORY_KEY).await? {
        return Ok(History::from_meta(&m));
    }
    let mut summary = History {
        fresh: true,
        days,
        ..History::default()
    };
    if days == 0 {
        return Ok(summary);
    }
    let mut ids = IdGen::new(city.seed ^ 0x4849_5354);
    let mut rows = vec![];
    let mut written_reviews = vec![];
    let visits = daojia_demo::history::history(city, today, days);
    // The latest customer cancellation becomes a customer not at home when the worker
    // came (客户不在家): the worker records it at the door and the fee is kept.
    let not_home = visits
        .iter()
        .rposition(|v| matches!(v.outcome, Outcome::CustomerCancelled { .. }));
    let mut no_show = None;
    for (i, visit) in visits.into_iter().enumerate() {
        let Some(planned) = plan(state, city, ctx, &visit, &mut ids, not_home == Some(i)).await?
        else {
            continue;
        };
        // A visit whose story is not over yet (a long one late on the last day) waits.
        if planned.past.steps.iter().any(|s| s.at >= now)
            || planned.review.as_ref().is_some_and(|r| r.1 >= now)
        {
            continue;
        }
        let mut r = order_history::rows(store, &planned.past, |t| ids.at(t))
            .map_err(|e| DemoError::Data(format!("history visit {visit:?}: {e}")))?;
        if let (Outcome::Completed(_), Some(worker)) = (&visit.outcome, ctx.workers[visit.worker]) {
            let saves = service_record(city, &planned.past, &r);
            if !saves.is_empty() {
                order_history::with_visit_record(&mut r, worker, saves)
                    .map_err(|e| DemoError::Data(format!("history record {visit:?}: {e}")))?;
            }
        }
        summary.orders += 1;
        match &visit.outcome {
            Outcome::Completed(v) => {
                summary.completed += 1;
                summary.complaints += usize::from(v.complaint.is_some());
            }
            _ => summary.cancelled += 1,
        }
        if let Some(review) = planned.review {
            written_reviews.push(review);
        }
        no_show = no_show.or(planned.no_show);
        rows.push(r);
    }
    summary.reviews = written_reviews.len();
    let workers: Vec<Uuid> = ctx.workers.iter().flatten().copied().collect();
    let tx = daojia_store::begin(store.db()).await?;
    order_history::write(&tx, rows).await?;
    if let Some(n) = no_show {
        super::safety::no_show_evidence(state, &tx, n).await?;
    }
    reviews::insert_many(&tx, &written_reviews)
        .await
        .map_err(|e| DemoError::Data(format!("reviews: {e}")))?;
    reviews::refresh_ratings(&tx, &workers, &state.app.settings.reviews).await?;
    meta::set(&tx, HISTORY_KEY, &summary.to_meta(today), now).await?;
    tx.commit().await?;
    Ok(summary)
}

/// What the worker of a completed past visit recorded during the service (服务记录): every
/// step of the item's checklist ticked a few minutes in, the materials a service of its
/// category uses, and a note before finishing.
fn service_record(
    city: &City,
    past: &PastOrder,
    rows: &order_history::Rows,
) -> Vec<order_history::PastSave> {
    use daojia_store::repo::visit_records as rec;
    let at = |a: Action| past.steps.iter().find(|s| s.action == a).map(|s| s.at);
    let (Some(started), Some(finished)) = (at(Action::StartService), at(Action::FinishService))
    else {
        return vec![];
    };
    let Some(line) = rows.lines.first() else {
        return vec![];
    };
    let (sea_orm::ActiveValue::Set(line_id), sea_orm::ActiveValue::Set(code)) =
        (&line.id, &line.item_code)
    else {
        return vec![];
    };
    let Some(category) = city
        .items
        .iter()
        .find(|i| i.code == code)
        .map(|i| i.category)
    else {
        return vec![];
    };
    let steps = daojia_demo::checklist(category);
    if steps.is_empty() {
        return vec![];
    }
    let ticked: Vec<u32> = (0..steps.len() as u32).collect();
    let materials: serde_json::Value = match category {
        "cleaning" => serde_json::json!([
            {"name": "厨房重油污清洁剂", "quantity": 1.0, "unit": "瓶"},
            {"name": "一次性抹布", "quantity": 3.0, "unit": "块"}
        ]),
        "appliance_repair" => serde_json::json!([
            {"name": "清洗剂", "quantity": 1.0, "unit": "瓶"},
            {"name": "防护垫", "quantity": 1.0, "unit": "张"}
        ]),
        _ => serde_json::json!([{"name": "一次性耗材", "quantity": 1.0, "unit": "套"}]),
    };
    let note = "服务已完成，已与客户一同验收";
    let checked = started + Duration::minutes(5).min((finished - started) / 3);
    let listed = finished - Duration::minutes(2).min((finished - started) / 3);
    vec![
        (
            checked,
            "checklist",
            Some(*line_id),
            serde_json::json!({"ticked": ticked, "steps": steps}),
            rec::checklist_entry(*line_id, code, steps.len(), &ticked),
        ),
        (
            listed,
            "materials",
            None,
            serde_json::json!({"materials": materials}),
            rec::materials_entry(&materials),
        ),
        (
            listed,
            "note",
            None,
            serde_json::json!({"text": note}),
            rec::note_entry(note),
        ),
    ]
}

struct Planned {
    past: PastOrder,
    review: Option<(Uuid, DateTime<Utc>, reviews::NewReview)>,
    no_show: Option<super::safety::NoShowPlan>,
}

/// The order of a past visit with every step at its time; `None` when its customer,
/// address, worker, area or item is no longer there.
async fn plan(
    state: &AppState,
    city: &City,
    ctx: &mut Context,
    v: &PastVisit,
    ids: &mut IdGen,
    not_home: bool,
) -> Result<Option<Planned>, DemoError> {
    let (Some(customer), Some(worker)) = (ctx.customers[v.customer], ctx.workers[v.worker]) else {
        return Ok(None);
    };
    let Some(place) = ctx.places[v.customer][v.address].clone() else {
        return Ok(None);
    };
    let Some(area) = ctx.area(&place.area_code).cloned() else {
        return Ok(None);
    };
    let (Some(dispatcher), Some(service)) = (ctx.dispatcher, ctx.service) else {
        return Ok(None);
    };
    let Some(price) = ctx.price(state, city, v.item, &area).await? else {
        return Ok(None);
    };
    let tz = slots::zone(&area);
    let start = slots::midnight(tz, v.date) + Duration::minutes(i64::from(v.start_minute));
    let window = Window {
        start,
        end: start + Duration::minutes(crate::api::orders::window_minutes(&area)),
    };
    let placed_at = start - Duration::minutes(v.placed_minutes_before);
    let id = ids.at(placed_at);
    let customer_actor = Actor::Customer {
        id: CustomerId(customer),
    };
    let worker_actor = Actor::Worker {
        id: WorkerId(worker),
    };
    let total = price.line.total;
    let due = match price.plan {
        PaymentPlan::Deposit { deposit } if deposit < total => deposit,
        _ => total,
    };
    let channel = if v.paid_after_minutes % 3 == 0 {
        "alipay"
    } else {
        "wechat"
    };
    let pay = |amount: Money, at: DateTime<Utc>, what: &str| Step {
        at,
        actor: Actor::System,
        action: Action::RecordPayment {
            amount,
            method: PaymentMethod::Channel {
                channel: channel.into(),
            },
            reference: format!("{channel}-{what}-{}", &id.simple().to_string()[20..]),
        },
    };
    let mut steps = vec![pay(
        due,
        placed_at + Duration::minutes(v.paid_after_minutes),
        "pay",
    )];
    let dispatched_at = start - Duration::minutes(v.dispatch_minutes_before);
    let dispatch = |steps: &mut Vec<Step>| match v.dispatch {
        Dispatch::Offered => {
            steps.push(Step {
                at: dispatched_at,
                actor: Actor::System,
                action: Action::Offer {
                    worker: WorkerId(worker),
                },
            });
            steps.push(Step {
                at: dispatched_at + Duration::minutes(2 + v.paid_after_minutes),
                actor: worker_actor,
                action: Action::Accept,
            });
        }
        Dispatch::Assigned => steps.push(Step {
            at: dispatched_at,
            actor: dispatcher,
            action: Action::Assign {
                worker: WorkerId(worker),
                by: AssignedBy::Manual,
            },
        }),
        Dispatch::Grabbed => steps.push(Step {
            at: dispatched_at,
            actor: worker_actor,
            action: Action::Assign {
                worker: WorkerId(worker),
                by: AssignedBy::Grab,
            },
        }),
    };
    let mut review = None;
    let mut no_show = None;
    match &v.outcome {
        Outcome::CustomerCancelled { .. } if not_home => {
            dispatch(&mut steps);
            let departed =
                (start - Duration::minutes(30)).max(dispatched_at + Duration::minutes(1));
            let arrived = (start - Duration::minutes(5)).max(departed + Duration::minutes(1));
            let at = arrived.max(start) + Duration::minutes(20);
            steps.push(Step {
                at: departed,
                actor: worker_actor,
                action: Action::Depart,
            });
            steps.push(Step {
                at: arrived,
                actor: worker_actor,
                action: Action::CheckIn,
            });
            steps.push(Step {
                at,
                actor: worker_actor,
                action: Action::Cancel {
                    reason: daojia_app::visits::NO_SHOW_REASON.into(),
                },
            });
            no_show = Some(super::safety::NoShowPlan {
                order: id,
                worker,
                at,
                address: place.at,
            });
        }
        Outcome::CustomerCancelled { minutes_before } => {
            let at = start - Duration::minutes(*minutes_before);
            if at > dispatched_at {
                dispatch(&mut steps);
            }
            steps.push(Step {
                at,
                actor: customer_actor,
                action: Action::Cancel {
                    reason: "行程有变，暂时不需要了".into(),
                },
            });
        }
        Outcome::WorkerCancelled { minutes_before } => {
            dispatch(&mut steps);
            steps.push(Step {
                at: start - Duration::minutes(*minutes_before),
                actor: dispatcher,
                action: Action::Cancel {
                    reason: "师傅临时取消（开始前不足两小时），已全额退款".into(),
                },
            });
        }
        Outcome::NoShow => {
            dispatch(&mut steps);
            steps.push(Step {
                at: window.end + Duration::minutes(20),
                actor: dispatcher,
                action: Action::Cancel {
                    reason: "师傅未按约上门（爽约），已全额退款".into(),
                },
            });
        }
        Outcome::Completed(visited) => {
            dispatch(&mut steps);
            let completed_at = visit(
                &mut steps,
                visited,
                &price,
                start,
                due,
                customer_actor,
                worker_actor,
                &pay,
            );
            if let Some(r) = &visited.review {
                let at = completed_at + Duration::minutes(r.after_minutes);
                review = Some((
                    ids.at(at),
                    at,
                    reviews::NewReview {
                        order_id: id,
                        customer_id: customer,
                        worker_id: worker,
                        rating: r.rating,
                        tags: r.tags.iter().map(|t| t.to_string()).collect(),
                        body: r.text.map(str::to_string),
                    },
                ));
            }
            if let Some(c) = &visited.complaint {
                let opened = completed_at + Duration::hours(c.after_hours);
                steps.push(Step {
                    at: opened,
                    actor: customer_actor,
                    action: Action::OpenAfterSales {
                        reason: c.reason.into(),
                    },
                });
                let refund = Money::fen(total.as_fen() * c.refund_percent / 100);
                steps.push(Step {
                    at: opened + Duration::hours(c.decided_after_hours),
                    actor: service,
                    action: Action::ResolveAfterSales {
                        resolution: if c.upheld && refund > Money::ZERO {
                            Resolution::Refund { amount: refund }
                        } else {
                            Resolution::Declined
                        },
                        note: c.note.into(),
                    },
                });
            }
        }
    }
    Ok(Some(Planned {
        past: PastOrder {
            id,
            new: new_order(customer, &place, window, &price, v.item),
            placed_at,
            steps,
        },
        review,
        no_show,
    }))
}

/// The visit itself: on the way, at the door, done, the balance, the confirmation.
/// Returns when the order completed.
#[allow(clippy::too_many_arguments)]
fn visit(
    steps: &mut Vec<Step>,
    v: &Visited,
    price: &Price,
    start: DateTime<Utc>,
    due: Money,
    customer: Actor,
    worker: Actor,
    pay: &impl Fn(Money, DateTime<Utc>, &str) -> Step,
) -> DateTime<Utc> {
    let check_in = start + Duration::minutes(v.arrival_minute);
    let finished = check_in + Duration::minutes(i64::from(price.line.duration_min));
    for (at, action) in [
        (check_in - Duration::minutes(35), Action::Depart),
        (check_in, Action::CheckIn),
        (check_in, Action::StartService),
        (finished, Action::FinishService),
    ] {
        steps.push(Step {
            at,
            actor: worker,
            action,
        });
    }
    let balance = price.line.total - due;
    let (at, actor) = match v.confirmed_after_minutes {
        Some(m) => (finished + Duration::minutes(m.max(5)), customer),
        None => (
            finished + Duration::hours(i64::from(price.policy.confirm_hours)),
            Actor::System,
        ),
    };
    let complete = Step {
        at,
        actor,
        action: Action::Complete,
    };
    if balance > Money::ZERO && v.arrival_minute.rem_euclid(2) == 1 {
        // Confirmed first (待付尾款), the balance paid a little later: that completes it.
        let paid = at + Duration::minutes(2);
        steps.push(complete);
        steps.push(pay(balance, paid, "balance"));
        return paid;
    }
    if balance > Money::ZERO {
        steps.push(pay(balance, finished + Duration::minutes(3), "balance"));
    }
    steps.push(complete);
    at
}

/// What the customer ordered: one unit of the item at the saved address.
pub(super) fn new_order(
    customer: Uuid,
    place: &Place,
    window: Window,
    price: &Price,
    item: usize,
) -> orders::NewOrder {
    const NOTES: [&str; 4] = ["", "请带鞋套", "家里有猫，进门请关好门", "门禁请按 1201#"];
    orders::NewOrder {
        customer: CustomerId(customer),
        area_code: Some(place.area_code.clone()),
        address_id: Some(place.id),
        contact_name: place.contact_name.clone(),
        contact_phone: place.contact_phone.clone(),
        address: place.address.clone(),
        house_number: place.house_number.clone(),
        at: place.at,
        window,
        plan: price.plan,
        policy: price.policy,
        notes: NOTES[(item + window.start.timestamp() as usize / 1800) % NOTES.len()].into(),
        lines: vec![price.line.clone()],
        duration_min: price.duration_min,
        skills: price.skills.clone(),
        photos: vec![],
    }
}
