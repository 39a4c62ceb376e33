//! The export of everything an account holds (个人信息 查阅复制), as one JSON document.

use crate::Store;
use crate::entity::{
    auth_session, customer_address, notification, notification_preference, order_extra,
    push_subscription, service_order, sms_outbox, upload, worker_credit_event,
    worker_shift_exception,
};
use crate::repo::accounts::{self, address_context as ctx};
use chrono::{DateTime, Utc};
use daojia_domain::access::Audience;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{PrivacyError, columns, consents, open};

pub(super) async fn customer_orders(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<service_order::Model>, DbErr> {
    service_order::Entity::find()
        .filter(service_order::Column::CustomerId.eq(id))
        .order_by_asc(service_order::Column::Id)
        .all(db)
        .await
}

async fn order_json(
    store: &Store,
    o: &service_order::Model,
    contact: bool,
) -> Result<Value, PrivacyError> {
    let db = store.db();
    let lines = crate::repo::orders::lines(db, o.id).await?;
    let events = crate::repo::orders::events(db, o.id).await?;
    let payments = crate::repo::orders::payments(db, o.id).await?;
    let photos = crate::repo::uploads::photos_of(db, o.id).await?;
    let extras = order_extra::Entity::find()
        .filter(order_extra::Column::OrderId.eq(o.id))
        .order_by_asc(order_extra::Column::ProposedAt)
        .all(db)
        .await?;
    let mut photo_rows = Vec::with_capacity(photos.len());
    for p in photos {
        let u = upload::Entity::find_by_id(p.upload_id).one(db).await?;
        photo_rows.push(json!({
            "upload_id": p.upload_id,
            "purpose": p.purpose,
            "attached_at": p.created_at,
            "file": u.map(|u| upload_json(&u)),
        }));
    }
    let mut v = json!({
        "id": o.id,
        "order_no": o.order_no,
        "state": o.state,
        "area_code": o.area_code,
        "window_start": o.window_start,
        "window_end": o.window_end,
        "payment_mode": o.payment_mode,
        "total_fen": o.total_fen,
        "deposit_fen": o.deposit_fen,
        "paid_fen": o.paid_fen,
        "refunded_fen": o.refunded_fen,
        "fee_fen": o.fee_fen,
        "created_at": o.created_at,
        "completed_at": o.completed_at,
        "lines": lines.iter().map(|l| json!({
            "item_code": l.item_code,
            "item_name": l.item_name,
            "quantity": l.quantity,
            "unit_price_fen": l.unit_price_fen,
            "total_fen": l.total_fen,
            "duration_min": l.duration_min,
            "selections": serde_json::from_str::<Value>(&l.selections).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "events": events.iter().map(|e| json!({
            "seq": e.seq,
            "at": e.at,
            "actor_type": e.actor_type,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "detail": serde_json::from_str::<Value>(&e.detail).unwrap_or(Value::Null),
            "paid_fen": e.paid_fen,
            "refunded_fen": e.refunded_fen,
            "fee_fen": e.fee_fen,
        })).collect::<Vec<_>>(),
        "payments": payments.iter().map(|p| json!({
            "method": p.method,
            "reference": p.reference,
            "amount_fen": p.amount_fen,
            "at": p.at,
        })).collect::<Vec<_>>(),
        "photos": photo_rows,
        // Extra items the worker proposed at the door, and what the customer decided.
        "extras": extras.iter().map(|x| json!({
            "item_code": x.item_code,
            "item_name": x.item_name,
            "quantity": x.quantity,
            "unit_price_fen": x.unit_price_fen,
            "total_fen": x.total_fen,
            "status": x.status,
            "proposed_at": x.proposed_at,
            "decided_at": x.decided_at,
        })).collect::<Vec<_>>(),
    });
    if contact {
        v["contact_name"] = open(store, ctx::CONTACT_NAME, &o.contact_name_enc)?.into();
        v["contact_phone"] = open(store, ctx::CONTACT_PHONE, &o.contact_phone_enc)?.into();
        v["address"] = open(store, ctx::ADDRESS, &o.address_enc)?.into();
        v["house_number"] = open(store, ctx::HOUSE_NUMBER, &o.house_number_enc)?.into();
        v["lat"] = o.lat.into();
        v["lng"] = o.lng.into();
        v["notes"] = columns::order_notes(store, o)?.into();
        // Their review of the visit (stars, tags, what they wrote, the worker's reply).
        v["review"] = match crate::repo::reviews::of_order(db, o.id).await? {
            Some(r) => json!({
                "rating": r.rating,
                "tags": crate::repo::reviews::tags_of(&r),
                "text": r.body,
                "created_at": r.created_at,
                "edited_at": r.edited_at,
                "reply": r.reply,
                "hidden_at": r.hidden_at,
            }),
            None => Value::Null,
        };
    }
    Ok(v)
}

fn upload_json(u: &upload::Model) -> Value {
    json!({
        "id": u.id,
        "purpose": u.purpose,
        "content_type": u.content_type,
        "size_bytes": u.size_bytes,
        "width": u.width,
        "height": u.height,
        "sha256": u.sha256,
        "created_at": u.created_at,
    })
}

async fn common_json(
    store: &Store,
    audience: Audience,
    subject: Uuid,
    phone_index: &str,
) -> Result<Value, DbErr> {
    let db = store.db();
    let consents = consents(db, audience, subject).await?;
    let sessions = auth_session::Entity::find()
        .filter(auth_session::Column::Audience.eq(audience.as_str()))
        .filter(auth_session::Column::SubjectId.eq(subject))
        .order_by_asc(auth_session::Column::Id)
        .all(db)
        .await?;
    let uploads = upload::Entity::find()
        .filter(upload::Column::OwnerType.eq(audience.as_str()))
        .filter(upload::Column::OwnerId.eq(subject))
        .order_by_asc(upload::Column::Id)
        .all(db)
        .await?;
    let messages = sms_outbox::Entity::find()
        .filter(sms_outbox::Column::PhoneIndex.eq(phone_index))
        .order_by_asc(sms_outbox::Column::Id)
        .all(db)
        .await?;
    let inbox = notification::Entity::find()
        .filter(notification::Column::Audience.eq(audience.as_str()))
        .filter(notification::Column::RecipientId.eq(subject))
        .order_by_asc(notification::Column::CreatedAt)
        .all(db)
        .await?;
    let preferences = notification_preference::Entity::find()
        .filter(notification_preference::Column::Audience.eq(audience.as_str()))
        .filter(notification_preference::Column::RecipientId.eq(subject))
        .one(db)
        .await?;
    let push = push_subscription::Entity::find()
        .filter(push_subscription::Column::OwnerKind.eq(audience.as_str()))
        .filter(push_subscription::Column::OwnerId.eq(subject))
        .order_by_asc(push_subscription::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(json!({
        "consents": consents.iter().map(|c| json!({
            "document": c.document,
            "version": c.version,
            "accepted_at": c.accepted_at,
            "ip": c.ip,
        })).collect::<Vec<_>>(),
        "sessions": sessions.iter().map(|s| json!({
            "id": s.id,
            "created_at": s.created_at,
            "last_used_at": s.last_used_at,
            "expires_at": s.expires_at,
            "revoked_at": s.revoked_at,
            "user_agent": s.user_agent,
            "ip": s.ip,
        })).collect::<Vec<_>>(),
        "uploads": uploads.iter().map(upload_json).collect::<Vec<_>>(),
        // The template and outcome only: a message's text may hold a log-in code.
        "messages": messages.iter().map(|m| json!({
            "created_at": m.created_at,
            "template": m.template,
            "status": m.status,
        })).collect::<Vec<_>>(),
        // The in-app messages (消息中心) as they read them.
        "notifications": inbox.iter().map(|n| json!({
            "kind": n.kind,
            "order_id": n.order_id,
            "title": n.title,
            "body": n.body,
            "created_at": n.created_at,
            "read_at": n.read_at,
        })).collect::<Vec<_>>(),
        "notification_preferences": preferences.map(|p| json!({
            "opt_outs": serde_json::from_str::<Value>(&p.opt_outs).unwrap_or(Value::Null),
            "quiet_start": p.quiet_start,
            "quiet_end": p.quiet_end,
            "updated_at": p.updated_at,
        })),
        // Where they are pushed to: the kind and device, not the push credentials.
        "push_subscriptions": push.iter().map(|p| json!({
            "kind": p.kind,
            "user_agent": p.user_agent,
            "created_at": p.created_at,
            "last_success_at": p.last_success_at,
        })).collect::<Vec<_>>(),
    }))
}

/// Everything the platform holds about a customer, decrypted, as one JSON document.
pub async fn export_customer(
    store: &Store,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Value>, PrivacyError> {
    let db = store.db();
    let Some(c) = accounts::customer(db, id).await? else {
        return Ok(None);
    };
    let addresses = customer_address::Entity::find()
        .filter(customer_address::Column::CustomerId.eq(id))
        .order_by_asc(customer_address::Column::CreatedAt)
        .all(db)
        .await?;
    let mut address_rows = Vec::with_capacity(addresses.len());
    for a in &addresses {
        address_rows.push(json!({
            "id": a.id,
            "label": a.label,
            "contact_name": open(store, ctx::CONTACT_NAME, &a.contact_name_enc)?,
            "contact_phone": open(store, ctx::CONTACT_PHONE, &a.contact_phone_enc)?,
            "address": open(store, ctx::ADDRESS, &a.address_enc)?,
            "house_number": open(store, ctx::HOUSE_NUMBER, &a.house_number_enc)?,
            "lat": a.lat,
            "lng": a.lng,
            "area_code": a.area_code,
            "is_default": a.is_default,
            "created_at": a.created_at,
        }));
    }
    let mut orders = vec![];
    for o in customer_orders(db, id).await? {
        orders.push(order_json(store, &o, true).await?);
    }
    let mut invoices = vec![];
    for i in crate::repo::invoices::of_customer(db, id).await? {
        invoices.push(json!({
            "id": i.id,
            "order_id": i.order_id,
            "title_type": i.title_type,
            "title": crate::repo::invoices::title(store, &i)?,
            "tax_id": i.tax_id,
            "email": crate::repo::invoices::email(store, &i).transpose()?,
            "amount_fen": i.amount_fen,
            "state": i.state,
            "invoice_no": i.invoice_no,
            "reason": i.reason,
            "requested_at": i.requested_at,
            "decided_at": i.decided_at,
        }));
    }
    let mut doc = json!({
        "format": "daojia.export.v1",
        "audience": "customer",
        "exported_at": now,
        "profile": {
            "id": c.id,
            "phone": open(store, accounts::CUSTOMER_PHONE, &c.phone_enc)?,
            "nickname": columns::customer_nickname(store, &c)?,
            "created_at": c.created_at,
            "updated_at": c.updated_at,
        },
        "addresses": address_rows,
        "orders": orders,
        "invoices": invoices,
    });
    merge(
        &mut doc,
        common_json(store, Audience::Customer, id, &c.phone_index).await?,
    );
    Ok(Some(doc))
}

/// Everything the platform holds about a worker: profile, shifts, the orders they served
/// (without the customers' contact details, which are not the worker's data), consents,
/// sessions and uploads.
pub async fn export_worker(
    store: &Store,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Value>, PrivacyError> {
    let db = store.db();
    let Some(w) = accounts::worker(db, id).await? else {
        return Ok(None);
    };
    let shifts = accounts::worker_shifts(db, id).await?;
    let served = service_order::Entity::find()
        .filter(service_order::Column::WorkerId.eq(id))
        .order_by_asc(service_order::Column::Id)
        .all(db)
        .await?;
    let mut orders = vec![];
    for o in &served {
        orders.push(order_json(store, o, false).await?);
    }
    let mut doc = json!({
        "format": "daojia.export.v1",
        "audience": "worker",
        "exported_at": now,
        "profile": {
            "id": w.id,
            "code": w.code,
            "phone": open(store, accounts::WORKER_PHONE, &w.phone_enc)?,
            "name": columns::worker_name(store, &w)?,
            "gender": w.gender,
            "skills": serde_json::from_str::<Value>(&w.skills).unwrap_or(Value::Null),
            "rating": f64::from(w.rating_tenths) / 10.0,
            "years_experience": w.years_experience,
            "home_lat": w.home_lat,
            "home_lng": w.home_lng,
            "area_code": w.area_code,
            "active": w.active,
            "created_at": w.created_at,
            "status": w.status,
            "id_number": w
                .id_number_enc
                .as_deref()
                .map(|enc| open(store, crate::repo::workers::WORKER_ID_NUMBER, enc))
                .transpose()?,
            "photo_upload_id": w.photo_upload_id,
            "tools": w.tools.as_deref().and_then(|t| serde_json::from_str::<Value>(t).ok()),
            "partner_id": w.partner_id,
            "daily_job_limit": w.daily_job_limit,
            "credit_score": w.credit_score,
            "grab_suspended_until": w.grab_suspended_until,
        },
        "skill_levels": crate::repo::workers::skills(db, id).await?.iter().map(|s| json!({
            "skill": s.skill,
            "level": s.level,
        })).collect::<Vec<_>>(),
        "certificates": crate::repo::workers::certificates(db, id).await?.iter().map(|c| json!({
            "kind": c.kind,
            "skill": c.skill,
            "upload_id": c.upload_id,
            "number": c.number,
            "expires_on": c.expires_on,
            "status": c.status,
            "reason": c.reason,
            "created_at": c.created_at,
            "reviewed_at": c.reviewed_at,
        })).collect::<Vec<_>>(),
        "shift_exceptions": worker_shift_exception::Entity::find()
            .filter(worker_shift_exception::Column::WorkerId.eq(id))
            .order_by_asc(worker_shift_exception::Column::OnDate)
            .all(db)
            .await?
            .iter()
            .map(|e| json!({
                "date": e.on_date,
                "kind": e.kind,
                "start_minute": e.start_minute,
                "end_minute": e.end_minute,
                "reason": e.reason,
            }))
            .collect::<Vec<_>>(),
        "credit_events": worker_credit_event::Entity::find()
            .filter(worker_credit_event::Column::WorkerId.eq(id))
            .order_by_asc(worker_credit_event::Column::At)
            .all(db)
            .await?
            .iter()
            .map(|e| json!({
                "kind": e.kind,
                "delta": e.delta,
                "order_id": e.order_id,
                "reason": e.reason,
                "at": e.at,
                "reversed_at": e.reversed_at,
                "reverse_reason": e.reverse_reason,
            }))
            .collect::<Vec<_>>(),
        "shifts": shifts.iter().map(|s| json!({
            "weekday": s.weekday,
            "start_minute": s.start_minute,
            "end_minute": s.end_minute,
            "break_start_minute": s.break_start_minute,
            "break_end_minute": s.break_end_minute,
        })).collect::<Vec<_>>(),
        "orders": orders,
    });
    // Where they were (docs/location.md): raw points within their retention, and the
    // visits' downsampled tracks.
    if let Some(d) = doc.as_object_mut() {
        let (points, tracks) = crate::repo::tracks::of_worker(db, id).await?;
        d.insert(
            "location_points".into(),
            json!(
                points
                    .iter()
                    .map(|p| json!({
                        "at": p.measured_at,
                        "received_at": p.received_at,
                        "lat": p.lat,
                        "lng": p.lng,
                        "accuracy_m": p.accuracy_m,
                        "speed_mps": p.speed_mps,
                        "heading_deg": p.heading_deg,
                        "battery_pct": p.battery_pct,
                        "order_id": p.order_id,
                    }))
                    .collect::<Vec<_>>()
            ),
        );
        d.insert(
            "visit_tracks".into(),
            json!(tracks.iter().map(|(row, pts)| json!({
            "order_id": row.order_id,
            "points": pts.iter().map(|p| json!([p.at(), p.lat, p.lng])).collect::<Vec<_>>(),
        })).collect::<Vec<_>>()),
        );
    }
    merge(
        &mut doc,
        common_json(store, Audience::Worker, id, &w.phone_index).await?,
    );
    Ok(Some(doc))
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}
