//! A worker's time and record in the console: weekly shifts, exceptions, calendars per
//! worker and per area, performance (per worker and ranked), credit events and their
//! reversal, and the certificate kinds an item requires. Scoped like
//! [`super::admin_workers`].

use super::admin_workers::{WorkerSummary, actor, app, scope_of, summary};
use crate::http::auth::{Can, ClientInfo, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use daojia_app::workers::credit::{self, NewCreditEvent};
use daojia_app::workers::performance::{self, Performance, RankBy};
use daojia_app::workers::shifts::{self, CalendarDay, NewException, WeeklyShift};
use daojia_domain::access::Permission;
use daojia_domain::money::Money;
use daojia_domain::worker::{CreditKind, DayShift};
use daojia_store::entity::{worker_credit_event, worker_shift, worker_shift_exception};
use daojia_store::repo::accounts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A shift: minutes after local midnight.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftView {
    /// 0 = Monday … 6 = Sunday (in a calendar: the date's weekday).
    pub weekday: i16,
    /// Start minute (0 to 1440).
    pub start_minute: i32,
    /// End minute.
    pub end_minute: i32,
    /// Break start.
    pub break_start_minute: Option<i32>,
    /// Break end.
    pub break_end_minute: Option<i32>,
}

impl From<worker_shift::Model> for ShiftView {
    fn from(s: worker_shift::Model) -> Self {
        ShiftView {
            weekday: s.weekday,
            start_minute: s.start_minute,
            end_minute: s.end_minute,
            break_start_minute: s.break_start_minute,
            break_end_minute: s.break_end_minute,
        }
    }
}

/// The weekly template.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateRequest {
    /// At most one shift per weekday; the others are days off.
    pub shifts: Vec<ShiftView>,
}

/// A worker's weekly template.
#[utoipa::path(operation_id = "admin_worker_template", get, path = "/api/v1/admin/workers/{id}/shifts", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Worker id")),
    responses((status = 200, body = Vec<ShiftView>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn template(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<Vec<ShiftView>>> {
    daojia_app::workers::visible(state.store.db(), scope_of(&who.staff), id).await?;
    let rows = accounts::worker_shifts(state.store.db(), id).await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}

/// Replaces a worker's weekly template (audited).
#[utoipa::path(operation_id = "admin_worker_set_template", put, path = "/api/v1/admin/workers/{id}/shifts", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = TemplateRequest,
    responses((status = 200, body = Vec<ShiftView>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_template(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<TemplateRequest>,
) -> ApiResult<axum::Json<Vec<ShiftView>>> {
    let week: Vec<WeeklyShift> = req
        .shifts
        .iter()
        .map(|s| WeeklyShift {
            weekday: s.weekday,
            shift: DayShift {
                start: s.start_minute,
                end: s.end_minute,
                rest: s.break_start_minute.zip(s.break_end_minute),
            },
        })
        .collect();
    let rows = shifts::set_template(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        &week,
        state.now(),
    )
    .await?;
    Ok(axum::Json(rows.into_iter().map(Into::into).collect()))
}

/// A shift exception.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShiftExceptionView {
    /// Id.
    pub id: Uuid,
    /// The date.
    pub date: NaiveDate,
    /// `leave` or `extra`.
    pub kind: String,
    /// Start minute (none: the whole day).
    pub start_minute: Option<i32>,
    /// End minute.
    pub end_minute: Option<i32>,
    /// Break start (extra shifts).
    pub break_start_minute: Option<i32>,
    /// Break end.
    pub break_end_minute: Option<i32>,
    /// Why.
    pub reason: Option<String>,
}

impl From<worker_shift_exception::Model> for ShiftExceptionView {
    fn from(e: worker_shift_exception::Model) -> Self {
        ShiftExceptionView {
            id: e.id,
            date: e.on_date,
            kind: e.kind,
            start_minute: e.start_minute,
            end_minute: e.end_minute,
            break_start_minute: e.break_start_minute,
            break_end_minute: e.break_end_minute,
            reason: e.reason,
        }
    }
}

/// An exception to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShiftExceptionRequest {
    /// The date (YYYY-MM-DD).
    pub date: NaiveDate,
    /// `leave` (none of the times: the whole day) or `extra`.
    pub kind: String,
    /// Start minute.
    pub start_minute: Option<i32>,
    /// End minute.
    pub end_minute: Option<i32>,
    /// Break start (extra shifts).
    pub break_start_minute: Option<i32>,
    /// Break end.
    pub break_end_minute: Option<i32>,
    /// Why.
    pub reason: Option<String>,
}

/// Adds leave or an extra shift on a date (audited).
#[utoipa::path(operation_id = "admin_worker_add_exception", post, path = "/api/v1/admin/workers/{id}/shift-exceptions", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = ShiftExceptionRequest,
    responses((status = 201, body = ShiftExceptionView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn add_exception(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ShiftExceptionRequest>,
) -> ApiResult<(StatusCode, axum::Json<ShiftExceptionView>)> {
    let new = NewException {
        date: Some(req.date),
        kind: req.kind,
        start_minute: req.start_minute,
        end_minute: req.end_minute,
        rest: req.break_start_minute.zip(req.break_end_minute),
        reason: req.reason,
    };
    let row = shifts::add_exception(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        new,
        state.now(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(row.into())))
}

/// Removes a shift exception (audited).
#[utoipa::path(operation_id = "admin_worker_delete_exception", delete, path = "/api/v1/admin/workers/{id}/shift-exceptions/{exception_id}", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id"), ("exception_id" = Uuid, Path, description = "Exception id")),
    responses((status = 204), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn delete_exception(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path((id, exception_id)): Path<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    shifts::delete_exception(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        exception_id,
        state.now(),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A date range.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RangeParams {
    /// First date (YYYY-MM-DD).
    pub from: NaiveDate,
    /// Last date, inclusive (at most 62 days after `from`).
    pub to: NaiveDate,
}

/// One day of a calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDayView {
    /// The date.
    pub date: NaiveDate,
    /// The shift worked (none: a day off).
    pub shift: Option<ShiftView>,
    /// The exceptions that shaped it.
    pub exceptions: Vec<ShiftExceptionView>,
}

pub(crate) fn day_view(d: CalendarDay) -> CalendarDayView {
    use chrono::Datelike;
    CalendarDayView {
        date: d.date,
        shift: d.shift.map(|s| ShiftView {
            weekday: d.date.weekday().num_days_from_monday() as i16,
            start_minute: s.start,
            end_minute: s.end,
            break_start_minute: s.rest.map(|r| r.0),
            break_end_minute: s.rest.map(|r| r.1),
        }),
        exceptions: d.exceptions.into_iter().map(Into::into).collect(),
    }
}

/// A worker's calendar: the shift of each date from the template and the exceptions.
#[utoipa::path(operation_id = "admin_worker_worker_calendar", get, path = "/api/v1/admin/workers/{id}/calendar", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Worker id"), RangeParams),
    responses((status = 200, body = Vec<CalendarDayView>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_calendar(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Path(id): Path<Uuid>,
    Query(r): Query<RangeParams>,
) -> ApiResult<axum::Json<Vec<CalendarDayView>>> {
    let days =
        shifts::worker_calendar(&app(&state), scope_of(&who.staff), id, r.from, r.to).await?;
    Ok(axum::Json(days.into_iter().map(day_view).collect()))
}

/// An area calendar's query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AreaRangeParams {
    /// The area.
    pub area: String,
    /// First date (YYYY-MM-DD).
    pub from: NaiveDate,
    /// Last date, inclusive.
    pub to: NaiveDate,
}

/// One worker's row in an area calendar.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaCalendarRow {
    /// The worker.
    pub worker: WorkerSummary,
    /// Their days.
    pub days: Vec<CalendarDayView>,
}

/// The calendars of an area's active and onboarding workers.
#[utoipa::path(operation_id = "admin_worker_area_calendar", get, path = "/api/v1/admin/worker-calendar", tag = "admin", security(("bearer" = ["worker.read"])),
    params(AreaRangeParams),
    responses((status = 200, body = Vec<AreaCalendarRow>), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn area_calendar(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Query(r): Query<AreaRangeParams>,
) -> ApiResult<axum::Json<Vec<AreaCalendarRow>>> {
    let rows =
        shifts::area_calendar(&app(&state), scope_of(&who.staff), &r.area, r.from, r.to).await?;
    Ok(axum::Json(
        rows.into_iter()
            .map(|(w, days)| AreaCalendarRow {
                worker: summary(&state, &w),
                days: days.into_iter().map(day_view).collect(),
            })
            .collect(),
    ))
}

/// A worker's performance over a range.
#[derive(Debug, Serialize, ToSchema)]
pub struct PerformanceView {
    /// The worker.
    pub worker_id: Uuid,
    /// Offers made to them.
    pub offers: u32,
    /// Offers accepted.
    pub accepted: u32,
    /// Offers declined.
    pub rejected: u32,
    /// Accepted / offered (none without offers).
    pub acceptance_rate: Option<f64>,
    /// Their orders whose window starts in the range.
    pub orders: u32,
    /// Completed.
    pub completed: u32,
    /// Cancelled while theirs.
    pub cancelled: u32,
    /// Completed / (completed + cancelled).
    pub completion_rate: Option<f64>,
    /// Check-ins.
    pub checked_in: u32,
    /// Check-ins by the end of the appointment window.
    pub on_time: u32,
    /// On time / checked in.
    pub on_time_rate: Option<f64>,
    /// After-sales cases opened on their orders.
    pub complaints: u32,
    /// Revenue of completed orders, 分.
    pub revenue_fen: i64,
    /// Minutes served or under way.
    pub served_minutes: i64,
    /// Shift minutes in the range (breaks excluded).
    pub shift_minutes: i64,
    /// Served / shift minutes.
    pub utilisation: Option<f64>,
    /// Rating out of 5.
    pub rating: f64,
    /// Credit score.
    pub credit_score: i32,
}

fn perf_view(p: Performance) -> PerformanceView {
    PerformanceView {
        worker_id: p.worker_id,
        acceptance_rate: p.acceptance_rate(),
        completion_rate: p.completion_rate(),
        on_time_rate: p.on_time_rate(),
        utilisation: p.utilisation(),
        offers: p.counts.offers,
        accepted: p.counts.accepted,
        rejected: p.counts.rejected,
        orders: p.counts.orders,
        completed: p.counts.completed,
        cancelled: p.counts.cancelled,
        checked_in: p.counts.checked_in,
        on_time: p.counts.on_time,
        complaints: p.counts.complaints,
        revenue_fen: p.counts.revenue_fen,
        served_minutes: p.counts.served_minutes,
        shift_minutes: p.shift_minutes,
        rating: p.rating,
        credit_score: p.credit_score,
    }
}

/// A worker's performance over a range of dates.
#[utoipa::path(operation_id = "admin_worker_worker_performance", get, path = "/api/v1/admin/workers/{id}/performance", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Worker id"), RangeParams),
    responses((status = 200, body = PerformanceView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_performance(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Path(id): Path<Uuid>,
    Query(r): Query<RangeParams>,
) -> ApiResult<axum::Json<PerformanceView>> {
    let p = performance::of_worker(&app(&state), scope_of(&who.staff), id, r.from, r.to).await?;
    Ok(axum::Json(perf_view(p)))
}

/// A ranking's query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RankingParams {
    /// First date (YYYY-MM-DD).
    pub from: NaiveDate,
    /// Last date, inclusive.
    pub to: NaiveDate,
    /// `completion` (default), `on_time`, `acceptance`, `revenue`, `rating`,
    /// `utilisation` or `credit`.
    pub by: Option<String>,
    /// Only this area's workers.
    pub area: Option<String>,
}

/// One row of a ranking.
#[derive(Debug, Serialize, ToSchema)]
pub struct RankedWorker {
    /// 1 for the best.
    pub rank: u32,
    /// The worker.
    pub worker: WorkerSummary,
    /// Their performance.
    pub performance: PerformanceView,
}

/// Active workers ranked by a measure, best first (workers without a value last).
#[utoipa::path(operation_id = "admin_worker_ranking", get, path = "/api/v1/admin/worker-performance", tag = "admin", security(("bearer" = ["worker.read"])),
    params(RankingParams),
    responses((status = 200, body = Vec<RankedWorker>), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn ranking(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Query(r): Query<RankingParams>,
) -> ApiResult<axum::Json<Vec<RankedWorker>>> {
    let by: RankBy = r.by.as_deref().unwrap_or("completion").parse()?;
    let rows = performance::ranked(
        &app(&state),
        scope_of(&who.staff),
        r.area.as_deref(),
        r.from,
        r.to,
        by,
    )
    .await?;
    Ok(axum::Json(
        rows.into_iter()
            .enumerate()
            .map(|(i, (w, p))| RankedWorker {
                rank: i as u32 + 1,
                worker: summary(&state, &w),
                performance: perf_view(p),
            })
            .collect(),
    ))
}

/// A credit event.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditEventView {
    /// Id.
    pub id: Uuid,
    /// `no_show`, `late_cancel`, `upheld_complaint` or `adjustment`.
    pub kind: String,
    /// Change to the score.
    pub delta: i32,
    /// The order concerned.
    pub order_id: Option<Uuid>,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// When it was reversed (it no longer counts).
    pub reversed_at: Option<DateTime<Utc>>,
    /// Why it was reversed.
    pub reverse_reason: Option<String>,
}

impl From<worker_credit_event::Model> for CreditEventView {
    fn from(e: worker_credit_event::Model) -> Self {
        CreditEventView {
            id: e.id,
            kind: e.kind,
            delta: e.delta,
            order_id: e.order_id,
            reason: e.reason,
            at: e.at,
            reversed_at: e.reversed_at,
            reverse_reason: e.reverse_reason,
        }
    }
}

/// A worker's credit: score, grab suspension and events.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreditView {
    /// Score.
    pub score: i32,
    /// Grab rights suspended until.
    pub grab_suspended_until: Option<DateTime<Utc>>,
    /// Events, newest first.
    pub events: Vec<CreditEventView>,
}

async fn credit_view(
    state: &AppState,
    scope: daojia_app::workers::Scope,
    id: Uuid,
) -> ApiResult<axum::Json<CreditView>> {
    let a = app(state);
    let events = credit::events(&a, scope, id).await?;
    let w = daojia_app::workers::visible(state.store.db(), scope, id).await?;
    Ok(axum::Json(CreditView {
        score: w.credit_score,
        grab_suspended_until: w.grab_suspended_until,
        events: events.into_iter().map(Into::into).collect(),
    }))
}

/// A worker's credit.
#[utoipa::path(operation_id = "admin_worker_get_credit", get, path = "/api/v1/admin/workers/{id}/credit", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Worker id")),
    responses((status = 200, body = CreditView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn get_credit(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<CreditView>> {
    credit_view(&state, scope_of(&who.staff), id).await
}

/// A credit event to record.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreditRequest {
    /// `no_show`, `late_cancel`, `upheld_complaint` (changes by the configured rules) or
    /// `adjustment` (by `delta`).
    pub kind: String,
    /// For an adjustment: -100 to 100, not 0.
    pub delta: Option<i32>,
    /// The order concerned (one of the worker's).
    pub order_id: Option<Uuid>,
    /// Why (required for an adjustment, and with a fine).
    pub reason: Option<String>,
    /// With `upheld_complaint` only: fine the worker's deposit this much, fen, in the same
    /// transaction (at most what it holds; platform staff who may also decide after-sales
    /// or move money: `aftersales.write` or `finance.write`).
    pub deposit_fine_fen: Option<i64>,
}

/// Records a credit event (audited); the score and grab suspension follow. An upheld
/// complaint may fine the deposit (`deposit_fine_fen`, audited as `deposit.fine`): 422
/// on `deposit_fine_fen` (`only_with_upheld_complaint`, `not_positive`,
/// `above_balance`) or `reason` (`required`); 403 without `aftersales.write` or
/// `finance.write`.
#[utoipa::path(operation_id = "admin_worker_add_credit", post, path = "/api/v1/admin/workers/{id}/credit", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = CreditRequest,
    responses((status = 201, body = CreditView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn add_credit(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<CreditRequest>,
) -> ApiResult<(StatusCode, axum::Json<CreditView>)> {
    let kind: CreditKind = req.kind.parse().map_err(|_| {
        ApiError::field(
            "kind",
            "bad_kind",
            "no_show, late_cancel, upheld_complaint or adjustment",
        )
    })?;
    if req.deposit_fine_fen.is_some()
        && !who.staff.role.allows(Permission::AfterSalesWrite)
        && !who.staff.role.allows(Permission::FinanceWrite)
    {
        return Err(ApiError::forbidden(
            "permission_denied",
            format!(
                "your role `{}` may not fine a deposit (needs `aftersales.write` or `finance.write`)",
                who.staff.role
            ),
        ));
    }
    let actor = actor(&who.staff, &client);
    credit::record(
        &app(&state),
        Some(&actor),
        id,
        NewCreditEvent {
            kind,
            delta: req.delta,
            order_id: req.order_id,
            reason: req.reason,
            deposit_fine: req.deposit_fine_fen.map(Money::fen),
        },
        &state.config.workers.credit,
        state.now(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        credit_view(&state, actor.scope, id).await?,
    ))
}

/// A reversal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    /// Why (required; it goes in the record).
    pub reason: String,
}

/// Reverses a credit event (audited); the score is recomputed without it.
#[utoipa::path(operation_id = "admin_worker_reverse_credit", post, path = "/api/v1/admin/workers/{id}/credit/{event_id}/reverse", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id"), ("event_id" = Uuid, Path, description = "Credit event id")), request_body = ReverseRequest,
    responses((status = 200, body = CreditView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn reverse_credit(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path((id, event_id)): Path<(Uuid, Uuid)>,
    Json(req): Json<ReverseRequest>,
) -> ApiResult<axum::Json<CreditView>> {
    let actor = actor(&who.staff, &client);
    credit::reverse(
        &app(&state),
        &actor,
        id,
        event_id,
        Some(&req.reason),
        &state.config.workers.credit,
        state.now(),
    )
    .await?;
    credit_view(&state, actor.scope, id).await
}
