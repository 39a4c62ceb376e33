//! The exceptions queue (异常订单): what operations should look at now. Open alarms raised by
//! the order timers (nobody sent close to the start, a visit not started after its window),
//! and what the orders themselves show: unpaid for a while, unassigned with the window
//! close, the window over without the visit having started. Staff resolve an alarm once
//! handled; a derived entry goes away when the order moves on.

use super::admin_orders::{AdminOrder, admin_order};
use super::admin_workers::scope_of;
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use daojia_app::orders::read;
use daojia_domain::order::OrderState;
use daojia_store::entity::service_order;
use daojia_store::repo::{alarms, audit, orders};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// An unpaid order shows here after this long.
pub const UNPAID_AFTER: Duration = Duration::minutes(10);
/// An unassigned order shows here this long before its window.
pub const UNASSIGNED_WITHIN: Duration = Duration::hours(3);

/// One entry of the queue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExceptionView {
    /// `unpaid`, `unassigned_near_start` or `late`.
    pub kind: String,
    /// Since when (the alarm, the placement, the window).
    pub since: DateTime<Utc>,
    /// What is wrong, for people.
    pub detail: String,
    /// The alarm to resolve, when a timer raised one.
    pub alarm_id: Option<Uuid>,
    /// The order.
    pub order: AdminOrder,
}

/// What needs attention, the most pressing first (window start), at most 500 entries.
#[utoipa::path(operation_id = "admin_exceptions", get, path = "/api/v1/admin/exceptions", tag = "admin", security(("bearer" = ["order.read"])),
    responses((status = 200, body = Vec<ExceptionView>), (status = 403, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::OrderRead>,
) -> ApiResult<axum::Json<Vec<ExceptionView>>> {
    let db = state.store.db();
    let now = state.now();
    let mut out: Vec<(DateTime<Utc>, ExceptionView)> = vec![];
    let mut seen: HashSet<(Uuid, String)> = HashSet::new();
    let scope = scope_of(&who.staff);
    for a in alarms::open(db).await? {
        let Some(m) = orders::get(db, a.order_id).await? else {
            continue;
        };
        if !read::sees(db, scope, &m).await? {
            continue;
        }
        seen.insert((m.id, a.kind.clone()));
        out.push((
            m.window_start,
            ExceptionView {
                kind: a.kind,
                since: a.raised_at,
                detail: a.detail,
                alarm_id: Some(a.id),
                order: admin_order(
                    &state,
                    who.staff.role,
                    read::shown(&state.app, scope, m).await?,
                ),
            },
        ));
    }
    let find = |states: &[OrderState]| {
        service_order::Entity::find()
            .filter(service_order::Column::State.is_in(states.iter().map(|s| s.as_str())))
            .order_by_asc(service_order::Column::WindowStart)
            .limit(200)
    };
    let unpaid = find(&[OrderState::PendingPayment])
        .filter(service_order::Column::CreatedAt.lte(now - UNPAID_AFTER))
        .all(db)
        .await?;
    let waiting = [OrderState::PendingDispatch, OrderState::PendingAccept];
    let unassigned = find(&waiting)
        .filter(service_order::Column::WindowStart.lte(now + UNASSIGNED_WITHIN))
        .filter(service_order::Column::WindowEnd.gte(now))
        .all(db)
        .await?;
    let late = find(&[
        OrderState::PendingDispatch,
        OrderState::PendingAccept,
        OrderState::Accepted,
        OrderState::EnRoute,
    ])
    .filter(service_order::Column::WindowEnd.lt(now))
    .all(db)
    .await?;
    for (kind, rows) in [
        ("unpaid", unpaid),
        (alarms::kind::UNASSIGNED_NEAR_START, unassigned),
        (alarms::kind::LATE, late),
    ] {
        for m in read::retain_visible(&state.app, scope, rows).await? {
            if !seen.insert((m.id, kind.to_string())) {
                continue;
            }
            let (since, detail) = match kind {
                "unpaid" => (m.created_at, "下单后尚未支付".to_string()),
                alarms::kind::LATE => (m.window_end, "预约窗口已过，服务尚未开始".to_string()),
                _ => (m.window_start, "临近预约时间，尚未派出师傅".to_string()),
            };
            out.push((
                m.window_start,
                ExceptionView {
                    kind: kind.into(),
                    since,
                    detail,
                    alarm_id: None,
                    order: admin_order(
                        &state,
                        who.staff.role,
                        read::shown(&state.app, scope, m).await?,
                    ),
                },
            ));
        }
    }
    out.sort_by_key(|(w, e)| (*w, e.kind.clone()));
    out.truncate(500);
    Ok(axum::Json(out.into_iter().map(|(_, e)| e).collect()))
}

/// Marks an alarm handled.
#[utoipa::path(operation_id = "admin_alarm_resolve", post, path = "/api/v1/admin/alarms/{id}/resolve", tag = "admin", security(("bearer" = ["order.write"])),
    params(("id" = Uuid, Path, description = "Alarm id")),
    responses((status = 204, description = "Resolved"), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem)))]
pub async fn resolve(
    State(state): State<AppState>,
    who: Can<perm::OrderWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let now = state.now();
    let tx = daojia_store::begin(state.store.db()).await?;
    let a = alarms::get(&tx, id)
        .await?
        .ok_or_else(|| ApiError::not_found("alarm"))?;
    if !alarms::resolve(&tx, id, who.staff.staff.id, now).await? {
        tx.rollback().await?;
        return Err(ApiError::conflict(
            "already_resolved",
            "someone resolved this alarm already",
        ));
    }
    audit::record(
        &state.store,
        &tx,
        super::audit_entry(
            &who.staff,
            &client,
            "alarm.resolve",
            "order",
            &a.order_id.to_string(),
            Some(serde_json::json!({"alarm": a.kind, "raised_at": a.raised_at})),
            Some(serde_json::json!({"resolved_at": now})),
        ),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
