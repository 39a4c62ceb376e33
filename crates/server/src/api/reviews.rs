//! Reviews (评价, docs/reviews.md): the customer's review of a completed order, the
//! worker's list and reply, a worker's public reviews, and moderation in the console. The
//! rules live in `daojia_app::reviews`; these handlers translate HTTP.

use super::admin::page_request;
use super::admin_workers::{actor, app};
use crate::http::auth::{Can, ClientInfo, CurrentCustomer, CurrentWorker, perm};
use crate::http::error::ApiResult;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use daojia_app::reviews::worker::{ListedReview, RatingSummary};
use daojia_app::reviews::{self, ReviewInput, ReviewStatus, staff};
use daojia_domain::review::{GOOD_TAGS, TAGS};
use daojia_store::repo::Page;
use daojia_store::repo::reviews::tags_of;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// A tag a review may carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagView {
    /// Stable code (`punctual`); the apps translate it.
    pub code: String,
    /// Praise (`true`) or complaint.
    pub good: bool,
}

/// A worker's reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyView {
    /// The worker.
    pub worker_id: Uuid,
    /// What they wrote.
    pub text: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// The customer's review of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerReviewView {
    /// Review id.
    pub id: Uuid,
    /// The order.
    pub order_id: Uuid,
    /// Stars, 1 to 5.
    pub rating: i16,
    /// Tag codes.
    pub tags: Vec<String>,
    /// Text.
    pub text: Option<String>,
    /// Photos (fetch each at `/api/v1/customer/uploads/{id}`).
    pub photo_ids: Vec<Uuid>,
    /// Posted.
    pub created_at: DateTime<Utc>,
    /// Edited, if it was (a review is edited once).
    pub edited_at: Option<DateTime<Utc>>,
    /// Until when an edit is accepted; none once edited or past the window.
    pub editable_until: Option<DateTime<Utc>>,
    /// Staff hid it: it no longer counts nor shows publicly.
    pub hidden: bool,
    /// The workers' replies.
    pub replies: Vec<ReplyView>,
}

/// An order's review for its customer, and whether one may be written.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewStatusView {
    /// The review, once written.
    pub review: Option<CustomerReviewView>,
    /// A review may be posted now.
    pub can_post: bool,
    /// Until when a review is accepted (completed orders).
    pub post_until: Option<DateTime<Utc>>,
    /// The tags to choose from.
    pub tags: Vec<TagView>,
    /// Most characters of the text.
    pub max_text_chars: u32,
    /// Most photos (uploads with `purpose` `review`).
    pub max_photos: u32,
}

fn tag_views() -> Vec<TagView> {
    TAGS.iter()
        .map(|t| TagView {
            code: t.to_string(),
            good: GOOD_TAGS.contains(t),
        })
        .collect()
}

fn status_view(state: &AppState, s: ReviewStatus) -> ReviewStatusView {
    let rules = state.app.settings.reviews;
    ReviewStatusView {
        review: s.review.map(|r| CustomerReviewView {
            id: r.id,
            order_id: r.order_id,
            rating: r.rating,
            tags: r.tags,
            text: r.text,
            photo_ids: r.photo_ids,
            created_at: r.created_at,
            edited_at: r.edited_at,
            editable_until: r.editable_until,
            hidden: r.hidden,
            replies: r
                .replies
                .into_iter()
                .map(|x| ReplyView {
                    worker_id: x.worker_id,
                    text: x.text,
                    at: x.at,
                })
                .collect(),
        }),
        can_post: s.can_post,
        post_until: s.post_until,
        tags: tag_views(),
        max_text_chars: rules.max_text_chars,
        max_photos: rules.max_photos,
    }
}

/// What the customer writes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerReviewRequest {
    /// Stars, 1 to 5.
    pub rating: i64,
    /// Tag codes (at most 5, each once): `punctual`, `professional`, `tidy`, `friendly`,
    /// `careful`, `late`, `careless`, `rude`, `incomplete`, `overcharged`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Text (at most `[reviews] max_text_chars`, 500 by default).
    pub text: Option<String>,
    /// Photos: the customer's uploads with `purpose` `review` (at most `max_photos`).
    #[serde(default)]
    pub photo_ids: Vec<Uuid>,
}

impl From<CustomerReviewRequest> for ReviewInput {
    fn from(r: CustomerReviewRequest) -> Self {
        ReviewInput {
            rating: r.rating,
            tags: r.tags,
            text: r.text,
            photo_ids: r.photo_ids,
        }
    }
}

/// The review of one of the customer's orders, and whether one may be written now.
#[utoipa::path(operation_id = "customer_review_get", get, path = "/api/v1/customer/orders/{id}/review", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")),
    responses((status = 200, body = ReviewStatusView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn customer_get(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<ReviewStatusView>> {
    let s = reviews::status(&state.app, me.id, id, state.now()).await?;
    Ok(axum::Json(status_view(&state, s)))
}

/// Reviews a completed order: once, within `[reviews] post_days` of completion.
#[utoipa::path(operation_id = "customer_review_post", post, path = "/api/v1/customer/orders/{id}/review", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")), request_body = CustomerReviewRequest,
    responses((status = 201, body = ReviewStatusView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem),
        (status = 409, description = "`order_not_completed`, `review_exists`, `review_window_closed`", body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_post(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<CustomerReviewRequest>,
) -> ApiResult<(StatusCode, axum::Json<ReviewStatusView>)> {
    let s = reviews::post(&state.app, me.id, id, req.into(), state.now()).await?;
    Ok((StatusCode::CREATED, axum::Json(status_view(&state, s))))
}

/// Edits the review of an order: once, within `[reviews] edit_hours` of posting. The
/// photos sent replace those before.
#[utoipa::path(operation_id = "customer_review_put", put, path = "/api/v1/customer/orders/{id}/review", tag = "customer", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Order id")), request_body = CustomerReviewRequest,
    responses((status = 200, body = ReviewStatusView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem),
        (status = 409, description = "`review_already_edited`, `review_edit_window_closed`", body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn customer_put(
    State(state): State<AppState>,
    me: CurrentCustomer,
    Path(id): Path<Uuid>,
    Json(req): Json<CustomerReviewRequest>,
) -> ApiResult<axum::Json<ReviewStatusView>> {
    let s = reviews::edit(&state.app, me.id, id, req.into(), state.now()).await?;
    Ok(axum::Json(status_view(&state, s)))
}

/// A review in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// Id.
    pub id: Uuid,
    /// Stars, 1 to 5.
    pub rating: i16,
    /// Tag codes.
    pub tags: Vec<String>,
    /// Text (withheld from the worker while hidden).
    pub text: Option<String>,
    /// The customer's nickname, masked (`张**`).
    pub customer: String,
    /// Posted.
    pub created_at: DateTime<Utc>,
    /// Edited, if it was.
    pub edited_at: Option<DateTime<Utc>>,
    /// The worker's reply.
    pub reply: Option<String>,
    /// When they replied.
    pub replied_at: Option<DateTime<Utc>>,
}

/// A worker's rating.
#[derive(Debug, Serialize, ToSchema)]
pub struct RatingView {
    /// The rating dispatch uses, tenths of a star (46 = 4.6): the Bayesian average of the
    /// visible reviews with the configured prior.
    pub rating_tenths: i32,
    /// Visible reviews.
    pub count: u32,
    /// Their plain average, tenths of a star.
    pub average_tenths: Option<i32>,
}

impl From<RatingSummary> for RatingView {
    fn from(s: RatingSummary) -> Self {
        RatingView {
            rating_tenths: s.rating_tenths,
            count: s.count,
            average_tenths: s.average_tenths,
        }
    }
}

/// A worker's reviews, a page at a time.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerReviewsView {
    /// The rating.
    pub rating: RatingView,
    /// Reviews, newest first.
    pub items: Vec<WorkerReviewView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// A review in a worker's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerReviewView {
    /// The review.
    #[serde(flatten)]
    pub review: ReviewView,
    /// The visit's number (the worker's own list only).
    pub order_no: Option<String>,
    /// Staff hid it (the worker's own list only; its text is withheld).
    pub hidden: bool,
}

fn review_view(l: &ListedReview, withhold_hidden: bool) -> ReviewView {
    let r = &l.row;
    ReviewView {
        id: r.id,
        rating: r.rating,
        tags: tags_of(r),
        text: if withhold_hidden && r.hidden_at.is_some() {
            None
        } else {
            r.body.clone()
        },
        customer: l.customer.clone(),
        created_at: r.created_at,
        edited_at: r.edited_at,
        reply: r.reply.clone(),
        replied_at: r.replied_at,
    }
}

fn worker_page(s: RatingSummary, p: Page<ListedReview>, own: bool) -> WorkerReviewsView {
    WorkerReviewsView {
        rating: s.into(),
        items: p
            .items
            .iter()
            .map(|l| WorkerReviewView {
                review: review_view(l, true),
                order_no: if own { l.order_no.clone() } else { None },
                hidden: l.row.hidden_at.is_some(),
            })
            .collect(),
        next_cursor: p.next_cursor,
    }
}

/// Paging.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReviewPageParams {
    /// Paging cursor.
    pub cursor: Option<String>,
    /// Rows per page (1 to 200).
    pub limit: Option<u64>,
}

/// The visible reviews of a worker, customers' names masked, with their rating.
#[utoipa::path(operation_id = "public_worker_reviews", get, path = "/api/v1/public/workers/{id}/reviews", tag = "public",
    params(("id" = Uuid, Path, description = "Worker id"), ReviewPageParams),
    responses((status = 200, body = WorkerReviewsView), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn public_list(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(p): Query<ReviewPageParams>,
) -> ApiResult<axum::Json<WorkerReviewsView>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let (s, items) = reviews::worker::public(&state.app, id, page).await?;
    Ok(axum::Json(worker_page(s, items, false)))
}

/// The worker's own reviews and rating, newest first.
#[utoipa::path(operation_id = "worker_reviews", get, path = "/api/v1/worker/reviews", tag = "worker", security(("bearer" = [])),
    params(ReviewPageParams),
    responses((status = 200, body = WorkerReviewsView), (status = 401, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_list(
    State(state): State<AppState>,
    me: CurrentWorker,
    Query(p): Query<ReviewPageParams>,
) -> ApiResult<axum::Json<WorkerReviewsView>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let (s, items) = reviews::worker::mine(&state.app, me.id, page).await?;
    Ok(axum::Json(worker_page(s, items, true)))
}

/// A worker's reply.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyRequest {
    /// The reply (at most `[reviews] max_reply_chars`, 300 by default).
    pub text: String,
}

/// Replies to one of the worker's reviews, once.
#[utoipa::path(operation_id = "worker_review_reply", post, path = "/api/v1/worker/reviews/{id}/reply", tag = "worker", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Review id")), request_body = ReplyRequest,
    responses((status = 200, body = WorkerReviewView), (status = 401, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem),
        (status = 409, description = "`review_already_replied`, `review_hidden`", body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn worker_reply(
    State(state): State<AppState>,
    me: CurrentWorker,
    Path(id): Path<Uuid>,
    Json(req): Json<ReplyRequest>,
) -> ApiResult<axum::Json<WorkerReviewView>> {
    let l = reviews::worker::reply(&state.app, me.id, id, &req.text, state.now()).await?;
    Ok(axum::Json(WorkerReviewView {
        review: review_view(&l, true),
        order_no: l.order_no.clone(),
        hidden: l.row.hidden_at.is_some(),
    }))
}

/// A review in the console.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminReviewView {
    /// The review.
    #[serde(flatten)]
    pub review: ReviewView,
    /// The visit reviewed.
    pub order_id: Uuid,
    /// Its number.
    pub order_no: Option<String>,
    /// The worker.
    pub worker_id: Uuid,
    /// Their name.
    pub worker: Option<String>,
    /// Photos (fetch each at `/api/v1/admin/uploads/{id}`).
    pub photo_ids: Vec<Uuid>,
    /// Hidden since.
    pub hidden_at: Option<DateTime<Utc>>,
    /// Why.
    pub hidden_reason: Option<String>,
}

fn admin_view(l: &ListedReview) -> AdminReviewView {
    AdminReviewView {
        review: review_view(l, false),
        order_id: l.row.order_id,
        order_no: l.order_no.clone(),
        worker_id: l.row.worker_id,
        worker: l.worker.clone(),
        photo_ids: l.photo_ids.clone(),
        hidden_at: l.row.hidden_at,
        hidden_reason: l.row.hidden_reason.clone(),
    }
}

/// Review filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdminReviewParams {
    /// Only this many stars (1 to 5).
    pub rating: Option<i16>,
    /// Only hidden (`true`) or only visible (`false`) reviews.
    pub hidden: Option<bool>,
    /// Only this worker's.
    pub worker_id: Option<Uuid>,
    /// Paging cursor.
    pub cursor: Option<String>,
    /// Rows per page (1 to 200).
    pub limit: Option<u64>,
}

/// A page of reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminReviewPage {
    /// Reviews, newest first.
    pub items: Vec<AdminReviewView>,
    /// Cursor of the next page.
    pub next_cursor: Option<String>,
}

/// Reviews, newest first, filtered (a partner's staff see their own workers' only).
#[utoipa::path(operation_id = "admin_reviews", get, path = "/api/v1/admin/reviews", tag = "admin", security(("bearer" = ["worker.read"])),
    params(AdminReviewParams),
    responses((status = 200, body = AdminReviewPage), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_list(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    client: ClientInfo,
    Query(p): Query<AdminReviewParams>,
) -> ApiResult<axum::Json<AdminReviewPage>> {
    let page = page_request(p.cursor.as_deref(), p.limit)?;
    let f = staff::StaffFilter {
        rating: p.rating,
        hidden: p.hidden,
        worker_id: p.worker_id,
    };
    let list = staff::list(&app(&state), &actor(&who.staff, &client), &f, page).await?;
    Ok(axum::Json(AdminReviewPage {
        items: list.items.iter().map(admin_view).collect(),
        next_cursor: list.next_cursor,
    }))
}

/// One review.
#[utoipa::path(operation_id = "admin_review", get, path = "/api/v1/admin/reviews/{id}", tag = "admin", security(("bearer" = ["worker.read"])),
    params(("id" = Uuid, Path, description = "Review id")),
    responses((status = 200, body = AdminReviewView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem)))]
pub async fn admin_get(
    State(state): State<AppState>,
    who: Can<perm::WorkerRead>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
) -> ApiResult<axum::Json<AdminReviewView>> {
    let l = staff::get(&app(&state), &actor(&who.staff, &client), id).await?;
    Ok(axum::Json(admin_view(&l)))
}

/// Why a review is hidden or shown again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationRequest {
    /// Why (required to hide; it goes in the audit log).
    pub reason: Option<String>,
}

/// Hides an abusive review with a reason (audited): it no longer counts in the worker's
/// rating nor shows publicly.
#[utoipa::path(operation_id = "admin_review_hide", post, path = "/api/v1/admin/reviews/{id}/hide", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Review id")), request_body = ModerationRequest,
    responses((status = 200, body = AdminReviewView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem),
        (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_hide(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ModerationRequest>,
) -> ApiResult<axum::Json<AdminReviewView>> {
    let actor = actor(&who.staff, &client);
    let l = staff::set_hidden(
        &app(&state),
        &actor,
        id,
        true,
        req.reason.as_deref(),
        state.now(),
    )
    .await?;
    Ok(axum::Json(admin_view(&l)))
}

/// Shows a hidden review again (audited); it counts again.
#[utoipa::path(operation_id = "admin_review_unhide", post, path = "/api/v1/admin/reviews/{id}/unhide", tag = "admin", security(("bearer" = ["worker.write"])),
    params(("id" = Uuid, Path, description = "Review id")), request_body = ModerationRequest,
    responses((status = 200, body = AdminReviewView), (status = 403, body = crate::http::error::Problem), (status = 404, body = crate::http::error::Problem),
        (status = 409, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn admin_unhide(
    State(state): State<AppState>,
    who: Can<perm::WorkerWrite>,
    client: ClientInfo,
    Path(id): Path<Uuid>,
    Json(req): Json<ModerationRequest>,
) -> ApiResult<axum::Json<AdminReviewView>> {
    let actor = actor(&who.staff, &client);
    let l = staff::set_hidden(
        &app(&state),
        &actor,
        id,
        false,
        req.reason.as_deref(),
        state.now(),
    )
    .await?;
    Ok(axum::Json(admin_view(&l)))
}
