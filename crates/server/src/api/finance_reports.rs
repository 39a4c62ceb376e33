//! Finance's reports (财务报表) in the console: revenue by day, area, category or channel;
//! commissions by rule; workers' and partners' earnings and payouts; refunds; each as JSON
//! and as CSV. Platform finance staff only (`finance.read`); the figures come from
//! `daojia_app::finance::reports`.

use super::admin_workers::{app, scope_of};
use crate::http::auth::{Can, perm};
use crate::http::error::ApiResult;
use crate::http::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::NaiveDate;
use daojia_app::Error;
use daojia_app::finance::reports::{
    self as rep, By, CommissionReport, Payee, PayeeReport, Range, RefundReport, RevenueReport,
};
use serde::Deserialize;
use utoipa::IntoParams;

/// A report's range and grouping.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The first China date, `YYYY-MM-DD`.
    pub from: NaiveDate,
    /// The last China date, included (at most 366 days after `from`).
    pub to: NaiveDate,
    /// Revenue: `day` (default), `area`, `category` or `channel`.
    pub by: Option<String>,
    /// Earnings: `worker` (default) or `partner`.
    pub payee: Option<String>,
    /// Refunds: at most this many (1 to 5000; 500 when absent).
    pub limit: Option<u64>,
}

impl ReportParams {
    fn range(&self) -> Result<Range, Error> {
        Range::new(self.from, self.to)
    }

    fn by(&self) -> Result<By, Error> {
        match &self.by {
            None => Ok(By::Day),
            Some(s) => By::parse(s)
                .ok_or_else(|| Error::field("by", "invalid", "day, area, category or channel")),
        }
    }

    fn payee(&self) -> Result<Payee, Error> {
        match &self.payee {
            None => Ok(Payee::Worker),
            Some(s) => {
                Payee::parse(s).ok_or_else(|| Error::field("payee", "invalid", "worker or partner"))
            }
        }
    }
}

fn csv(name: String, body: String) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
}

async fn revenue_of(state: &AppState, p: &ReportParams) -> ApiResult<RevenueReport> {
    Ok(rep::revenue(&app(state), p.range()?, p.by()?).await?)
}

/// Revenue (收入) over a range of China dates, grouped by day, area, category or channel:
/// payments received, refunds, net, and for completed orders what they earned and how it
/// was split (commission, partners, workers). From the ledger's postings, so it adds up to
/// the journal.
#[utoipa::path(operation_id = "admin_report_revenue", get, path = "/api/v1/admin/finance/reports/revenue", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, body = RevenueReport), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn revenue(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<axum::Json<RevenueReport>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(revenue_of(&state, &p).await?))
}

/// The revenue report as CSV (UTF-8 with a byte-order mark; amounts in yuan; the last
/// line is the total).
#[utoipa::path(operation_id = "admin_report_revenue_csv", get, path = "/api/v1/admin/finance/reports/revenue.csv", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn revenue_csv(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<impl IntoResponse> {
    scope_of(&who.staff).require_platform()?;
    let r = revenue_of(&state, &p).await?;
    let by = serde_json::to_value(r.by).ok();
    let by = by.as_ref().and_then(|v| v.as_str()).unwrap_or("day");
    Ok(csv(
        format!("revenue-{by}-{}-{}.csv", r.from, r.to),
        rep::revenue_csv(&r),
    ))
}

/// Commissions (抽成) by rule, of the orders completed in a range of China dates.
#[utoipa::path(operation_id = "admin_report_commissions", get, path = "/api/v1/admin/finance/reports/commissions", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, body = CommissionReport), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn commissions(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<axum::Json<CommissionReport>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(
        rep::commissions(&app(&state), p.range()?).await?,
    ))
}

/// The commissions report as CSV.
#[utoipa::path(operation_id = "admin_report_commissions_csv", get, path = "/api/v1/admin/finance/reports/commissions.csv", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn commissions_csv(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<impl IntoResponse> {
    scope_of(&who.staff).require_platform()?;
    let r = rep::commissions(&app(&state), p.range()?).await?;
    Ok(csv(
        format!("commissions-{}-{}.csv", r.from, r.to),
        rep::commissions_csv(&r),
    ))
}

/// Workers' (or partners') earnings and payouts (收入与提现) over a range of China dates:
/// earned, settled, withdrawn, paid out with fees, and the balances now.
#[utoipa::path(operation_id = "admin_report_earnings", get, path = "/api/v1/admin/finance/reports/earnings", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, body = PayeeReport), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn earnings(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<axum::Json<PayeeReport>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(
        rep::payees(&app(&state), p.range()?, p.payee()?).await?,
    ))
}

/// The earnings and payouts report as CSV.
#[utoipa::path(operation_id = "admin_report_earnings_csv", get, path = "/api/v1/admin/finance/reports/earnings.csv", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn earnings_csv(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<impl IntoResponse> {
    scope_of(&who.staff).require_platform()?;
    let payee = p.payee()?;
    let r = rep::payees(&app(&state), p.range()?, payee).await?;
    let kind = match payee {
        Payee::Worker => "workers",
        Payee::Partner => "partners",
    };
    Ok(csv(
        format!("earnings-{kind}-{}-{}.csv", r.from, r.to),
        rep::payees_csv(&r),
    ))
}

/// Refunds (退款) booked in a range of China dates, newest first, with sums by channel and
/// state: channel refunds in every state and the parts owed by hand.
#[utoipa::path(operation_id = "admin_report_refunds", get, path = "/api/v1/admin/finance/reports/refunds", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, body = RefundReport), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn refunds(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<axum::Json<RefundReport>> {
    scope_of(&who.staff).require_platform()?;
    Ok(axum::Json(
        rep::refunds(&app(&state), p.range()?, p.limit.unwrap_or(500)).await?,
    ))
}

/// The refunds as CSV.
#[utoipa::path(operation_id = "admin_report_refunds_csv", get, path = "/api/v1/admin/finance/reports/refunds.csv", tag = "admin", security(("bearer" = ["finance.read"])),
    params(ReportParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn refunds_csv(
    State(state): State<AppState>,
    who: Can<perm::FinanceRead>,
    Query(p): Query<ReportParams>,
) -> ApiResult<impl IntoResponse> {
    scope_of(&who.staff).require_platform()?;
    let r = rep::refunds(&app(&state), p.range()?, p.limit.unwrap_or(500)).await?;
    Ok(csv(
        format!("refunds-{}-{}.csv", r.from, r.to),
        rep::refunds_csv(&r),
    ))
}
