//! The service record kept during the visit (服务记录, issue 11): while the order is
//! `in_service` the worker ticks the checklist of each order line's item, adds before and
//! after photos (uploaded first, purposes `before` / `after`), writes a note and lists the
//! materials used. Each save is a new row and an entry in the order's hash chain (kinds
//! `checklist`, `photo`, `note` with its text salted, `materials`), in one transaction
//! (`daojia_store::repo::visit_records`). The newest save of each kind (per line for the
//! ticks) is what the record shows. The customer and the console read it on the order
//! page; finishing the service may require it complete ([`missing`]).

use super::worker_order;
use crate::error::FieldIssue;
use crate::{App, Error, Result};
use chrono::{DateTime, Utc};
use daojia_store::entity::{order_line, service_item, visit_record};
use daojia_store::repo::records as chain;
use daojia_store::repo::visit_records::{self as stored, NewRecord, RecordError};
use daojia_store::repo::{orders, uploads};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Upload purposes of the record's photos.
pub const PHOTO_PURPOSES: [&str; 2] = ["before", "after"];
/// Most photos on one order's record.
pub const MAX_PHOTOS: usize = 20;
/// Longest note, characters.
pub const MAX_NOTE: usize = 1000;
/// Most materials listed.
pub const MAX_MATERIALS: usize = 30;

/// One material used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Material {
    /// What (1–40 characters).
    pub name: String,
    /// How much (more than 0, at most 100000; two decimals kept).
    pub quantity: f64,
    /// Unit (1–10 characters: 个, 米, 瓶…).
    pub unit: String,
}

/// An order line's checklist.
#[derive(Debug, Clone)]
pub struct LineChecklist {
    /// The order line.
    pub line_id: Uuid,
    /// Its item.
    pub item_code: String,
    /// Its name.
    pub item_name: String,
    /// The steps (the item's checklist).
    pub steps: Vec<String>,
    /// Positions of the steps ticked.
    pub ticked: Vec<u32>,
}

/// A photo on the record.
#[derive(Debug, Clone)]
pub struct RecordPhoto {
    /// The upload.
    pub upload_id: Uuid,
    /// `before` or `after`.
    pub purpose: String,
    /// The order line it shows, if named.
    pub line_id: Option<Uuid>,
    /// When it was added.
    pub recorded_at: DateTime<Utc>,
}

/// An order's service record as it stands.
#[derive(Debug, Clone)]
pub struct ServiceRecord {
    /// The order.
    pub order_id: Uuid,
    /// The order's state.
    pub state: String,
    /// Each line's checklist (lines whose item has none are left out).
    pub lines: Vec<LineChecklist>,
    /// Photos, oldest first.
    pub photos: Vec<RecordPhoto>,
    /// The worker's note.
    pub note: Option<String>,
    /// The materials used.
    pub materials: Vec<Material>,
    /// What finishing would still need (empty: complete), as field issues.
    pub missing: Vec<FieldIssue>,
}

fn steps_of(item: Option<&service_item::Model>) -> Vec<String> {
    item.and_then(|i| i.checklist.as_deref())
        .map(crate::catalog::strings)
        .unwrap_or_default()
}

/// Reads an order's record (no access check: callers check).
pub async fn of_order(app: &App, order_id: Uuid) -> Result<ServiceRecord> {
    let db = app.store.db();
    let o = orders::get(db, order_id)
        .await?
        .ok_or(Error::NotFound("order"))?;
    let lines = orders::lines(db, order_id).await?;
    let rows = stored::of_order(db, order_id).await?;
    Ok(build(
        o.id,
        o.state,
        &lines,
        &items_of(app, &lines).await?,
        &rows,
    ))
}

async fn items_of(
    app: &App,
    lines: &[order_line::Model],
) -> Result<HashMap<String, service_item::Model>> {
    let codes: Vec<String> = lines.iter().map(|l| l.item_code.clone()).collect();
    Ok(service_item::Entity::find()
        .filter(service_item::Column::Code.is_in(codes))
        .all(app.store.db())
        .await?
        .into_iter()
        .map(|i| (i.code.clone(), i))
        .collect())
}

fn build(
    order_id: Uuid,
    state: String,
    lines: &[order_line::Model],
    items: &HashMap<String, service_item::Model>,
    rows: &[visit_record::Model],
) -> ServiceRecord {
    let mut ticks: HashMap<Uuid, Vec<u32>> = HashMap::new();
    let mut photos = vec![];
    let mut note = None;
    let mut materials = vec![];
    for r in rows {
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_default();
        match r.kind.as_str() {
            "checklist" => {
                if let Some(l) = r.line_id {
                    let t = serde_json::from_value(body["ticked"].clone()).unwrap_or_default();
                    ticks.insert(l, t);
                }
            }
            "photo" => photos.push(RecordPhoto {
                upload_id: r.upload_id.unwrap_or_default(),
                purpose: body["purpose"].as_str().unwrap_or_default().to_string(),
                line_id: r.line_id,
                recorded_at: r.recorded_at,
            }),
            "note" => {
                note = body["text"]
                    .as_str()
                    .map(str::to_string)
                    .filter(|t| !t.is_empty())
            }
            "materials" => {
                materials = serde_json::from_value(body["materials"].clone()).unwrap_or_default()
            }
            _ => {}
        }
    }
    let lines: Vec<LineChecklist> = lines
        .iter()
        .filter_map(|l| {
            let steps = steps_of(items.get(&l.item_code));
            (!steps.is_empty()).then(|| LineChecklist {
                line_id: l.id,
                item_code: l.item_code.clone(),
                item_name: l.item_name.clone(),
                ticked: ticks.remove(&l.id).unwrap_or_default(),
                steps,
            })
        })
        .collect();
    let mut missing = vec![];
    for (i, l) in lines.iter().enumerate() {
        let open = l.steps.len().saturating_sub(l.ticked.len());
        if open > 0 {
            missing.push(FieldIssue::new(
                format!("checklist[{i}]"),
                "checklist_incomplete",
                format!("{open} step(s) of {} are not ticked", l.item_name),
            ));
        }
    }
    if !lines.is_empty() && !photos.iter().any(|p| p.purpose == "after") {
        missing.push(FieldIssue::new(
            "after_photo",
            "after_photo_required",
            "take at least one photo after the service",
        ));
    }
    ServiceRecord {
        order_id,
        state,
        lines,
        photos,
        note,
        materials,
        missing,
    }
}

/// The record of the worker's job (anyone else's is "not found").
pub async fn for_worker(app: &App, worker: Uuid, order_id: Uuid) -> Result<ServiceRecord> {
    worker_order(app, worker, order_id).await?;
    of_order(app, order_id).await
}

/// The record of the customer's order (anyone else's is "not found").
pub async fn for_customer(app: &App, customer: Uuid, order_id: Uuid) -> Result<ServiceRecord> {
    orders::get(app.store.db(), order_id)
        .await?
        .filter(|o| o.customer_id == customer)
        .ok_or(Error::NotFound("order"))?;
    of_order(app, order_id).await
}

fn from_store(e: RecordError) -> Error {
    match e {
        RecordError::NotFound => Error::NotFound("order"),
        RecordError::State(s) => Error::ConflictAt {
            code: "invalid_state",
            field: "state".into(),
            message: format!("the order is {s}: the service record is kept while in service"),
        },
        RecordError::Busy => Error::conflict("busy", "the order kept changing; try again"),
        RecordError::Db(e) => e.into(),
    }
}

async fn save(app: &App, new: NewRecord, now: DateTime<Utc>) -> Result<ServiceRecord> {
    let order_id = new.order_id;
    stored::save(&app.store, &new, now)
        .await
        .map_err(from_store)?;
    app.wake_relay();
    of_order(app, order_id).await
}

/// Refuses early (before checking the input) an order not in service, so that a stale
/// screen hears "not in service" rather than about its fields.
async fn in_service(app: &App, worker: Uuid, order_id: Uuid) -> Result<()> {
    let o = worker_order(app, worker, order_id).await?;
    if o.state != stored::RECORD_STATE {
        return Err(from_store(RecordError::State(o.state)));
    }
    Ok(())
}

/// The worker ticks steps of a line's checklist: `ticked` is the whole set of positions
/// ticked now (an untick is a save without it).
pub async fn tick(
    app: &App,
    worker: Uuid,
    order_id: Uuid,
    line_id: Uuid,
    ticked: &[u32],
    now: DateTime<Utc>,
) -> Result<ServiceRecord> {
    in_service(app, worker, order_id).await?;
    let lines = orders::lines(app.store.db(), order_id).await?;
    let Some(line) = lines.iter().find(|l| l.id == line_id) else {
        return Err(Error::field(
            "line_id",
            "unknown_line",
            "not a line of this order",
        ));
    };
    let items = items_of(app, &lines).await?;
    let steps = steps_of(items.get(&line.item_code));
    if steps.is_empty() {
        return Err(Error::field(
            "line_id",
            "no_checklist",
            format!("{} has no checklist", line.item_name),
        ));
    }
    let mut issues = vec![];
    for (i, t) in ticked.iter().enumerate() {
        if *t as usize >= steps.len() {
            issues.push(FieldIssue::new(
                format!("ticked[{i}]"),
                "unknown_step",
                format!("steps are numbered 0 to {}", steps.len() - 1),
            ));
        } else if ticked[..i].contains(t) {
            issues.push(FieldIssue::new(
                format!("ticked[{i}]"),
                "duplicate",
                "listed twice",
            ));
        }
    }
    Error::check(issues)?;
    let mut ticked = ticked.to_vec();
    ticked.sort_unstable();
    let body = json!({ "ticked": ticked, "steps": steps });
    let entry = stored::checklist_entry(line_id, &line.item_code, steps.len(), &ticked);
    save(
        app,
        NewRecord {
            order_id,
            worker_id: worker,
            kind: "checklist",
            line_id: Some(line_id),
            upload_id: None,
            body,
            entry,
        },
        now,
    )
    .await
}

/// The worker adds a photo taken before or after the service (uploaded first with that
/// purpose). The same photo again changes nothing.
pub async fn photo(
    app: &App,
    worker: Uuid,
    order_id: Uuid,
    upload_id: Uuid,
    line_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<ServiceRecord> {
    in_service(app, worker, order_id).await?;
    let db = app.store.db();
    let Some(u) = uploads::get(db, upload_id)
        .await?
        .filter(|u| u.owner_type == "worker" && u.owner_id == worker)
        .filter(|u| PHOTO_PURPOSES.contains(&u.purpose.as_str()))
    else {
        return Err(Error::field(
            "upload_id",
            "unknown_photo",
            "upload the photo first (purpose `before` or `after`)",
        ));
    };
    if let Some(l) = line_id
        && !orders::lines(db, order_id).await?.iter().any(|x| x.id == l)
    {
        return Err(Error::field(
            "line_id",
            "unknown_line",
            "not a line of this order",
        ));
    }
    let current = of_order(app, order_id).await?;
    if current.photos.iter().any(|p| p.upload_id == upload_id) {
        return Ok(current);
    }
    if current.photos.len() >= MAX_PHOTOS {
        return Err(Error::conflict(
            "too_many_photos",
            format!("at most {MAX_PHOTOS} photos on one service record"),
        ));
    }
    let mut entry = chain::of_photo(&u.purpose, &u);
    entry.body["line_id"] = json!(line_id);
    let body = json!({ "purpose": u.purpose });
    save(
        app,
        NewRecord {
            order_id,
            worker_id: worker,
            kind: "photo",
            line_id,
            upload_id: Some(upload_id),
            body,
            entry,
        },
        now,
    )
    .await
}

/// The worker's note (empty clears it). Its text enters the chain salted.
pub async fn note(
    app: &App,
    worker: Uuid,
    order_id: Uuid,
    text: &str,
    now: DateTime<Utc>,
) -> Result<ServiceRecord> {
    in_service(app, worker, order_id).await?;
    let text = text.trim();
    if text.chars().count() > MAX_NOTE {
        return Err(Error::field(
            "text",
            "too_long",
            format!("at most {MAX_NOTE} characters"),
        ));
    }
    let entry = stored::note_entry(text);
    save(
        app,
        NewRecord {
            order_id,
            worker_id: worker,
            kind: "note",
            line_id: None,
            upload_id: None,
            body: json!({ "text": text }),
            entry,
        },
        now,
    )
    .await
}

/// The materials used (the whole list each time).
pub async fn materials(
    app: &App,
    worker: Uuid,
    order_id: Uuid,
    list: &[Material],
    now: DateTime<Utc>,
) -> Result<ServiceRecord> {
    in_service(app, worker, order_id).await?;
    let mut issues = vec![];
    if list.len() > MAX_MATERIALS {
        issues.push(FieldIssue::new(
            "materials",
            "too_many",
            format!("at most {MAX_MATERIALS} materials"),
        ));
    }
    let mut clean = vec![];
    for (i, m) in list.iter().enumerate() {
        let name = m.name.trim().to_string();
        let unit = m.unit.trim().to_string();
        if name.is_empty() || name.chars().count() > 40 {
            issues.push(FieldIssue::new(
                format!("materials[{i}].name"),
                "invalid",
                "1 to 40 characters",
            ));
        }
        if unit.is_empty() || unit.chars().count() > 10 {
            issues.push(FieldIssue::new(
                format!("materials[{i}].unit"),
                "invalid",
                "1 to 10 characters",
            ));
        }
        if !m.quantity.is_finite() || m.quantity <= 0.0 || m.quantity > 100_000.0 {
            issues.push(FieldIssue::new(
                format!("materials[{i}].quantity"),
                "out_of_range",
                "more than 0, at most 100000",
            ));
        }
        clean.push(Material {
            name,
            quantity: (m.quantity * 100.0).round() / 100.0,
            unit,
        });
    }
    Error::check(issues)?;
    let entry = stored::materials_entry(&json!(clean));
    save(
        app,
        NewRecord {
            order_id,
            worker_id: worker,
            kind: "materials",
            line_id: None,
            upload_id: None,
            body: json!({ "materials": clean }),
            entry,
        },
        now,
    )
    .await
}

/// What finishing the service still needs, when the settings require a complete record
/// (every step of each line's checklist ticked, at least one after photo); empty when
/// they do not or the record is complete.
pub async fn missing(app: &App, order_id: Uuid) -> Result<Vec<FieldIssue>> {
    if !app.settings.visit.require_record {
        return Ok(vec![]);
    }
    Ok(of_order(app, order_id).await?.missing)
}

/// The record of an order staff see (a partner's staff: their workers' orders only).
pub async fn for_staff(
    app: &App,
    scope: crate::workers::Scope,
    order_id: Uuid,
) -> Result<ServiceRecord> {
    crate::orders::read::get(app, scope, order_id).await?;
    of_order(app, order_id).await
}
