//! The dispatch board (调度看板) in the operations console: an area's day with its
//! workers, their jobs in route order with travel, the orders waiting for a worker and the
//! ones at risk. The use case is [`daojia_app::board`]; live changes come over the
//! realtime layer (topic `board:<area>`), on which the console reloads the board.

use super::admin_workers::scope_of;
use crate::http::auth::{Can, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use chrono::NaiveDate;
use daojia_app::board::{self, Board, BoardQuery};
use serde::Deserialize;
use utoipa::IntoParams;

/// Which board.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardParams {
    /// Service area code, e.g. `sh-xuhui`.
    pub area: String,
    /// Local date (YYYY-MM-DD, in the area's time zone); today when absent.
    pub date: Option<NaiveDate>,
    /// Only workers with this skill and orders needing it.
    pub skill: Option<String>,
}

/// An area's day on the board: its workers (state, position, shift, jobs in route order
/// with travel legs and expected times), the orders waiting for a worker with their
/// urgency, and the orders at risk. At most 200 workers and 500 waiting orders
/// (`truncated` says when more matched). A partner's staff see only their workers.
#[utoipa::path(operation_id = "admin_board", get, path = "/api/v1/admin/board", tag = "admin", security(("bearer" = ["dispatch.read"])),
    params(BoardParams),
    responses((status = 200, body = Board), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn get(
    State(state): State<AppState>,
    who: Can<perm::DispatchRead>,
    Query(p): Query<BoardParams>,
) -> ApiResult<axum::Json<Board>> {
    let q = BoardQuery {
        area: p.area,
        date: p.date,
        skill: p.skill.filter(|s| !s.trim().is_empty()),
    };
    let b = board::board(&state.app, scope_of(&who.staff), &q, state.now()).await?;
    Ok(axum::Json(b))
}
