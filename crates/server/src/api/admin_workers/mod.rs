//! Workers in the operations console (服务人员管理): list, onboard, profile, status,
//! skills, certificates and their review, partners. The rules live in
//! `daojia_app::workers`; these handlers translate HTTP. A partner's staff see only their
//! partner's workers: any other worker is 404 to them.
//!
//! Here: the worker list and profiles (onboard, change, status, skills); `certificates`
//! holds certificates and their review, `partners` the partners and who works for them.

mod certificates;
mod partners;

// Everything stays reachable at `admin_workers::…` (the router, the OpenAPI document's
// paths and the other handlers name it there), the generated `__path_…` items included.
pub use certificates::*;
pub use partners::*;

use super::account::{decrypt_phone, readable};
use super::admin::page_request;
use crate::http::auth::{Can, ClientInfo, CurrentStaff, perm};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_app::workers::profile::{self, ListFilter, NewWorker, ProfileChange, SkillLevel};
use daojia_app::workers::{Actor, Scope};
use daojia_domain::access::Permission;
use daojia_domain::worker::WorkerStatus;
use daojia_store::entity::worker;
use daojia_store::repo::accounts;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The application context of a request.
pub(crate) fn app(state: &AppState) -> daojia_app::App {
    state.app.clone()
}

/// What a staff member may see of workers.
pub(crate) fn scope_of(who: &CurrentStaff) -> Scope {
    Scope::of_staff(who.role, who.staff.partner_id)
}

/// The actor of a console request.
pub(crate) fn actor(who: &CurrentStaff, client: &ClientInfo) -> Actor {
    Actor {
        staff_id: who.staff.id,
        name: who.name.clone(),
        scope: scope_of(who),
        sees_pii: who.role.allows(Permission::PiiRead),
        request_id: client.request_id.clone(),
        ip: client.ip.clone(),
    }
}

/// A skill and its level.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillLevelView {
    /// Skill code (`cleaning`, `appliance_repair`).
    pub skill: String,
    /// 1 (beginner) to 5 (expert).
    pub level: i16,
}

impl From<SkillLevel> for SkillLevelView {
    fn from(s: SkillLevel) -> Self {
        SkillLevelView {
            skill: s.skill,
            level: s.level,
        }
    }
}

impl From<&SkillLevelView> for SkillLevel {
    fn from(s: &SkillLevelView) -> Self {
        SkillLevel {
            skill: s.skill.clone(),
            level: s.level,
        }
    }
}

/// A worker in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerSummary {
    /// Id.
    pub id: String,
    /// Worker number.
    pub code: String,
    /// Phone, masked.
    pub phone: String,
    /// Name.
    pub name: String,
    /// Skill codes.
    pub skills: Vec<String>,
    /// Rating out of 5.
    pub rating: f64,
    /// Home area.
    pub area_code: Option<String>,
    /// Takes orders (status `active`).
    pub active: bool,
    /// `onboarding`, `active`, `suspended` or `left`.
    pub status: String,
    /// Partner.
    pub partner_id: Option<Uuid>,
    /// The worker app is online.
    pub online: bool,
    /// Taking orders now (接单) rather than resting (休息).
    pub accepting: bool,
    /// Credit score (信用分).
    pub credit_score: i32,
}

/// A page of workers.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerPage {
    /// Rows.
    pub items: Vec<WorkerSummary>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// A worker's full profile.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerView {
    /// The list fields.
    #[serde(flatten)]
    pub summary: WorkerSummary,
    /// `male`, `female` or `unspecified`.
    pub gender: String,
    /// ID number: clear for staff who may read personal data, masked otherwise.
    pub id_number: Option<String>,
    /// Skills with levels.
    pub skill_levels: Vec<SkillLevelView>,
    /// Tools they bring.
    pub tools: Vec<String>,
    /// Photo (an upload id).
    pub photo_upload_id: Option<Uuid>,
    /// Home base latitude.
    pub home_lat: f64,
    /// Home base longitude.
    pub home_lng: f64,
    /// Years in the trade.
    pub years_experience: i32,
    /// Most jobs a day.
    pub daily_job_limit: Option<i32>,
    /// Grab rights suspended until (credit below the floor).
    pub grab_suspended_until: Option<DateTime<Utc>>,
    /// When presence last changed.
    pub presence_at: Option<DateTime<Utc>>,
    /// Enrolled.
    pub created_at: DateTime<Utc>,
}

pub(crate) fn summary(state: &AppState, w: &worker::Model) -> WorkerSummary {
    WorkerSummary {
        id: w.id.to_string(),
        code: w.code.clone(),
        phone: decrypt_phone(state, accounts::WORKER_PHONE, &w.phone_enc),
        name: readable(accounts::worker_name(&state.store, w), "worker name"),
        skills: super::account::skills_of(&w.skills),
        rating: f64::from(w.rating_tenths) / 10.0,
        area_code: w.area_code.clone(),
        active: w.active,
        status: w.status.clone(),
        partner_id: w.partner_id,
        online: w.online,
        accepting: w.accepting,
        credit_score: w.credit_score,
    }
}

fn view(state: &AppState, d: profile::WorkerDetail) -> WorkerView {
    let w = &d.worker;
    WorkerView {
        summary: summary(state, w),
        gender: w.gender.clone(),
        id_number: d.id_number,
        skill_levels: d.skills.into_iter().map(Into::into).collect(),
        tools: w
            .tools
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default(),
        photo_upload_id: w.photo_upload_id,
        home_lat: w.home_lat,
        home_lng: w.home_lng,
        years_experience: w.years_experience,
        daily_job_limit: w.daily_job_limit,
        grab_suspended_until: w.grab_suspended_until,
        presence_at: w.presence_at,
        created_at: w.created_at,
    }
}

async fn detail_view(
    state: &AppState,
    actor: &Actor,
    id: Uuid,
) -> ApiResult<axum::Json<WorkerView>> {
    let d = profile::detail(&app(state), actor, id).await?;
    Ok(axum::Json(view(state, d)))
}

/// Filters and paging of the worker list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorkerListParams {
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Rows per page, 1 to 200 (default 50).
    pub limit: Option<u64>,
    /// Only this status: `onboarding`, `active`, `suspended`, `left`.
    pub status: Option<String>,
    /// Only this partner's workers.
    pub partner_id: Option<Uuid>,
    /// Only this area's workers.
    pub area_code: Option<String>,
}

/// Workers the caller sees, newest first, filtered.
#[utoipa::path(operation_id = "admin_workers_list", get, path = "/api/v1/admin/workers", tag = "admin", security(("bearer" = ["worker.read"])), params(WorkerListParams),
    responses((status = 200, body = WorkerPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn list(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    Query(p): Query<WorkerListParams>,
) -> ApiResult<axum::Json<WorkerPage>> {
    let status = p
        .status
        .as_deref()
        .map(|s| {
            s.parse::<WorkerStatus>().map_err(|_| {
                ApiError::field(
                    "status",
                    "bad_status",
                    "onboarding, active, suspended or left",
                )
            })
        })
        .transpose()?;
    let filter = ListFilter {
        status,
        partner_id: p.partner_id,
        area_code: p.area_code,
    };
    let page = profile::list(
        &app(&state),
        scope_of(&who.staff),
        &filter,
        page_request(p.cursor.as_deref(), p.limit)?,
    )
    .await?;
    Ok(axum::Json(WorkerPage {
        items: page.items.iter().map(|w| summary(&state, w)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A worker to enrol.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnboardRequest {
    /// Mobile number (their log-in).
    pub phone: String,
    /// Real name.
    pub name: String,
    /// `male`, `female` or `unspecified`.
    pub gender: String,
    /// ID number (身份证号, 18 characters), stored encrypted.
    pub id_number: Option<String>,
    /// Home service area.
    pub area_code: Option<String>,
    /// Home base latitude (WGS-84).
    pub home_lat: f64,
    /// Home base longitude.
    pub home_lng: f64,
    /// Years in the trade (0 to 60).
    #[serde(default)]
    pub years_experience: i32,
    /// Skills with levels.
    #[serde(default)]
    pub skills: Vec<SkillLevelView>,
    /// Tools they bring.
    #[serde(default)]
    pub tools: Vec<String>,
    /// Partner (ignored for a partner's staff: their own).
    pub partner_id: Option<Uuid>,
    /// Most jobs a day (1 to 30).
    pub daily_job_limit: Option<i32>,
    /// Photo (an upload id).
    pub photo_upload_id: Option<Uuid>,
}

/// Enrols a worker; they start `onboarding` and take no orders until activated.
#[utoipa::path(operation_id = "admin_workers_onboard", post, path = "/api/v1/admin/workers", tag = "admin", security(("bearer" = ["worker.write"])),
    request_body = OnboardRequest,
    responses((status = 201, body = WorkerView), (status = 403, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn onboard(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Json(req): Json<OnboardRequest>,
) -> ApiResult<(StatusCode, axum::Json<WorkerView>)> {
    let actor = actor(&who.staff, &client);
    let new = NewWorker {
        phone: req.phone,
        name: req.name,
        gender: req.gender,
        id_number: req.id_number,
        area_code: req.area_code,
        home_lat: req.home_lat,
        home_lng: req.home_lng,
        years_experience: req.years_experience,
        skills: req.skills.iter().map(Into::into).collect(),
        tools: req.tools,
        partner_id: req.partner_id,
        daily_job_limit: req.daily_job_limit,
        photo_upload_id: req.photo_upload_id,
    };
    let created = profile::onboard(&app(&state), &actor, new, state.now()).await?;
    let v = detail_view(&state, &actor, created.id).await?;
    Ok((StatusCode::CREATED, v))
}

/// A worker's profile.
#[utoipa::path(operation_id = "admin_workers_get", get, path = "/api/v1/admin/workers/{id}", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Worker id")),
    responses((status = 200, body = WorkerView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<WorkerView>> {
    detail_view(&state, &actor(&who.staff, &client), id).await
}

/// Changes to a profile; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// Real name.
    pub name: Option<String>,
    /// Gender.
    pub gender: Option<String>,
    /// ID number.
    pub id_number: Option<String>,
    /// Home area.
    pub area_code: Option<String>,
    /// Home base latitude (with `home_lng`).
    pub home_lat: Option<f64>,
    /// Home base longitude (with `home_lat`).
    pub home_lng: Option<f64>,
    /// Years in the trade.
    pub years_experience: Option<i32>,
    /// Tools.
    pub tools: Option<Vec<String>>,
    /// Most jobs a day (0 removes the limit).
    pub daily_job_limit: Option<i32>,
    /// Photo (an upload id).
    pub photo_upload_id: Option<Uuid>,
    /// Partner (platform staff only); the nil UUID takes the worker out of their partner.
    pub partner_id: Option<Uuid>,
}

/// Changes a worker's profile.
#[utoipa::path(operation_id = "admin_workers_update", patch, path = "/api/v1/admin/workers/{id}", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = ProfilePatch,
    responses((status = 200, body = WorkerView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn update(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ProfilePatch>,
) -> ApiResult<axum::Json<WorkerView>> {
    let actor = actor(&who.staff, &client);
    let home = match (req.home_lat, req.home_lng) {
        (Some(a), Some(b)) => Some((a, b)),
        (None, None) => None,
        _ => {
            return Err(ApiError::field(
                "home_lng",
                "required",
                "give home_lat and home_lng together",
            ));
        }
    };
    let change = ProfileChange {
        name: req.name,
        gender: req.gender,
        id_number: req.id_number,
        area_code: req.area_code,
        home,
        years_experience: req.years_experience,
        tools: req.tools,
        daily_job_limit: req.daily_job_limit.map(|l| (l != 0).then_some(l)),
        photo_upload_id: req.photo_upload_id,
        partner_id: req.partner_id.map(|p| (!p.is_nil()).then_some(p)),
    };
    profile::update(&app(&state), &actor, id, change, state.now()).await?;
    detail_view(&state, &actor, id).await
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRequest {
    /// `active`, `suspended` or `left`.
    pub status: String,
    /// Why (required unless activating).
    pub reason: Option<String>,
}

/// Activates, suspends or lets a worker go (audited). A worker who stops working goes
/// offline and cannot log in.
#[utoipa::path(operation_id = "admin_workers_set_status", put, path = "/api/v1/admin/workers/{id}/status", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = StatusRequest,
    responses((status = 200, body = WorkerView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<StatusRequest>,
) -> ApiResult<axum::Json<WorkerView>> {
    let actor = actor(&who.staff, &client);
    let status: WorkerStatus = req
        .status
        .parse()
        .map_err(|_| ApiError::field("status", "bad_status", "active, suspended or left"))?;
    profile::set_status(
        &app(&state),
        &actor,
        id,
        status,
        req.reason.as_deref(),
        state.now(),
    )
    .await?;
    detail_view(&state, &actor, id).await
}

/// A worker's skills.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkillsRequest {
    /// Every skill with its level (replaces the current ones).
    pub skills: Vec<SkillLevelView>,
}

/// Replaces a worker's skills and levels.
#[utoipa::path(operation_id = "admin_workers_set_skills", put, path = "/api/v1/admin/workers/{id}/skills", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Worker id")), request_body = SkillsRequest,
    responses((status = 200, body = Vec<SkillLevelView>), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn set_skills(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<SkillsRequest>,
) -> ApiResult<axum::Json<Vec<SkillLevelView>>> {
    let skills: Vec<SkillLevel> = req.skills.iter().map(Into::into).collect();
    let saved = profile::set_skills(
        &app(&state),
        &actor(&who.staff, &client),
        id,
        &skills,
        state.now(),
    )
    .await?;
    Ok(axum::Json(saved.into_iter().map(Into::into).collect()))
}
