//! The JSON API under `/api/v1`, one module per audience, and its OpenAPI document.

pub mod account;
pub mod addresses;
pub mod admin;
pub mod admin_areas;
pub mod admin_board;
pub mod admin_callers;
pub mod admin_catalog;
pub mod admin_offers;
pub mod admin_orders;
pub mod admin_plans;
pub mod admin_staff;
pub mod admin_worker_time;
pub mod admin_workers;
pub mod auth;
pub mod catalog;
pub mod customer_wechat;
pub mod deposits;
pub mod dispatch;
mod errors_doc;
pub mod exceptions;
pub mod extras;
pub mod finance;
pub mod finance_reports;
pub mod flags;
pub mod geocode;
pub mod invoices;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod payouts;
pub mod periods;
pub mod privacy;
pub mod promotions;
pub mod public;
mod purpose;
pub mod push;
pub mod reconciliation;
pub mod records;
pub mod reviews;
pub mod safety;
pub mod service_record;
pub mod sharing;
pub mod slots;
pub mod tracks;
pub mod uploads;
pub mod visit;
pub mod visits;
pub mod wallet;
pub mod worker_jobs;
pub mod worker_workers;

use crate::state::AppState;
use axum::Router;
use axum::routing::{delete, get, patch, post, put};
use errors_doc::CommonResponses;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The OpenAPI description of every route below.
#[derive(OpenApi)]
#[openapi(
    info(title = "Daojia API", description = "到家 Daojia: the API of the customer app, the worker app and the operations console. Errors are RFC 9457 problem documents. Admin endpoints list the permission they need as the scope of the `bearer` security requirement."),
    paths(
        public::config, public::basemap, catalog::catalog, catalog::search, catalog::areas, catalog::locate, catalog::quote,
        geocode::geocode, geocode::reverse,
        auth::send_otp, auth::verify_otp, auth::staff_login, auth::refresh, auth::logout,
        account::customer_me, account::customer_sessions, account::customer_revoke,
        orders::place, orders::mine, orders::detail, orders::cancel, orders::reschedule,
        payments::create, payments::list, payments::get, payments::notify_wechat, payments::notify_alipay,
        customer_wechat::get, customer_wechat::authorize, customer_wechat::bind,
        slots::for_booking, slots::for_my_order, slots::for_staff,
        uploads::upload, uploads::mine, uploads::for_staff, orders::after_sales, orders::confirm,
        exceptions::list, exceptions::resolve,
        admin_offers::not_offered, admin_offers::set_offered, admin_offers::set_item_photos,
        uploads::staff_upload, uploads::public_photo,
        addresses::list, addresses::add, addresses::update, addresses::delete,
        account::worker_me, account::worker_sessions, account::worker_revoke,
        account::staff_me, account::staff_sessions, account::staff_revoke,
        admin_staff::roles, admin_staff::list_staff, admin_staff::create_staff, admin_staff::update_staff, admin_staff::unlock_staff,
        admin::audit_log, admin::sms_outbox, admin::customers, admin::overview,
        admin_workers::list, admin_workers::onboard, admin_workers::get, admin_workers::update,
        admin_workers::set_status, admin_workers::set_skills, admin_workers::list_certificates,
        admin_workers::add_certificate, admin_workers::review_certificate,
        admin_workers::pending_certificates, admin_workers::list_partners,
        admin_workers::create_partner, admin_workers::set_staff_partner,
        admin_worker_time::template, admin_worker_time::set_template,
        admin_worker_time::add_exception, admin_worker_time::delete_exception,
        admin_worker_time::worker_calendar, admin_worker_time::area_calendar,
        admin_worker_time::worker_performance, admin_worker_time::ranking,
        admin_worker_time::get_credit, admin_worker_time::add_credit,
        admin_worker_time::reverse_credit,
        worker_workers::staff_upload, worker_workers::worker_upload, worker_workers::document,
        worker_workers::set_presence, worker_workers::report_position, worker_workers::my_calendar,
        worker_workers::my_certificates, worker_workers::submit_certificate,
        worker_workers::item_certificates, worker_workers::set_item_certificates,
        admin_orders::list, admin_orders::detail, admin_orders::record_payment, admin_orders::assign,
        admin_orders::visit, admin_orders::cancel, admin_orders::reschedule, admin_orders::after_sales,
        admin_callers::find, admin_callers::register, admin_callers::slots, admin_callers::place,
        admin_plans::start, admin_plans::list, admin_plans::get, admin_plans::commit,
        admin_board::get,
        admin_catalog::categories, admin_catalog::create_category, admin_catalog::update_category,
        admin_catalog::items, admin_catalog::item, admin_catalog::skills, admin_catalog::create_item,
        admin_catalog::update_item, admin_catalog::patch_item,
        admin_areas::areas, admin_areas::area, admin_areas::create_area, admin_areas::update_area,
        admin_areas::import_areas, admin_areas::area_prices, admin_areas::put_area_price,
        admin_areas::delete_area_price,
        privacy::legal_document, privacy::customer_consent, privacy::customer_accept,
        privacy::customer_export, privacy::customer_delete, privacy::worker_consent,
        privacy::worker_accept, privacy::worker_export, privacy::worker_delete,
        crate::realtime::connect, crate::realtime::sse::events,
        worker_jobs::my_jobs, worker_jobs::call,
        visit::depart, visit::check_in, visit::start, visit::finish, visit::door_code,
        visit::flagged, visit::no_show, visit::arrival, visit::arrival_photo, visit::no_shows,
        safety::worker_sos, safety::customer_sos, safety::admin_list, safety::admin_acknowledge,
        safety::admin_resolve,
        extras::worker_list, extras::worker_propose, extras::customer_list, extras::customer_decide,
        extras::admin_list,
        service_record::worker_get, service_record::worker_checklist, service_record::worker_photo,
        service_record::worker_note, service_record::worker_materials,
        service_record::worker_upload_get, service_record::customer_get,
        service_record::customer_photo, service_record::admin_get,
        dispatch::my_offers, dispatch::accept, dispatch::reject, dispatch::grab_pool,
        dispatch::claim, dispatch::order_dispatch,
        reviews::customer_get, reviews::customer_post, reviews::customer_put,
        reviews::public_list, reviews::worker_list, reviews::worker_reply,
        reviews::admin_list, reviews::admin_get, reviews::admin_hide, reviews::admin_unhide,
        tracks::ingest, tracks::consent_get, tracks::consent_put, tracks::customer_track,
        tracks::worker_track, tracks::admin_track, records::admin_record,
        finance::earnings, finance::withdraw, finance::my_withdrawals, finance::list,
        payouts::get_payee, payouts::bind_wechat, payouts::transfer_confirm,
        payouts::notify_wechat_transfer, sharing::notify_wechat_sharing,
        sharing::get_receiver, sharing::set_receiver,
        finance::approve, finance::reject, finance::paid, finance::failed,
        finance::list_rules, finance::create_rule, finance::update_rule, finance::set_share,
        finance_reports::revenue, finance_reports::revenue_csv, finance_reports::commissions,
        finance_reports::commissions_csv, finance_reports::earnings, finance_reports::earnings_csv,
        finance_reports::refunds, finance_reports::refunds_csv,
        flags::on, flags::list, flags::put, flags::delete,
        promotions::current, promotions::list, promotions::create, promotions::stop,
        reconciliation::runs, reconciliation::run, reconciliation::differences,
        reconciliation::differences_csv, reconciliation::resolve,
        periods::list, periods::close, periods::reopen, periods::trial_balance,
        periods::trial_balance_csv,
        invoices::request, invoices::of_order, invoices::customer_file, invoices::list,
        invoices::staff_file, invoices::issue, invoices::reject, invoices::reverse,
        wallet::get, wallet::top_up, wallet::top_ups, wallet::top_up_get, wallet::for_staff,
        deposits::mine, deposits::my_movements, deposits::lodge, deposits::my_lodgings,
        deposits::my_lodging, deposits::ask_refund, deposits::list, deposits::for_staff,
        deposits::fine,
        push::customer_config, push::customer_list, push::customer_subscribe,
        push::customer_unsubscribe, push::worker_config, push::worker_list,
        push::worker_subscribe, push::worker_unsubscribe,
        notifications::customer_list, notifications::customer_unread, notifications::customer_read,
        notifications::customer_read_all, notifications::customer_settings,
        notifications::customer_settings_put, notifications::worker_list,
        notifications::worker_unread, notifications::worker_read, notifications::worker_read_all,
        notifications::worker_settings, notifications::worker_settings_put,
        notifications::admin_deliveries,
    ),
    components(schemas(crate::http::error::Problem, crate::http::error::FieldError, crate::realtime::publish::OrderChanged)),
    modifiers(&BearerAuth, &CommonResponses, &ResponseDescriptions),
    tags(
        (name = "public", description = "No log-in needed"),
        (name = "auth", description = "Log-in, token refresh, log-out"),
        (name = "customer", description = "The customer app (C端)"),
        (name = "worker", description = "The worker app (师傅端)"),
        (name = "admin", description = "The operations console (管理后台)"),
        (name = "realtime", description = "Live updates: a WebSocket with topic subscriptions, Server-Sent Events as a fallback"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("daojia-v1")
                    .build(),
            ),
        );
        openapi.info.version = env!("CARGO_PKG_VERSION").to_string();
    }
}

/// OpenAPI requires a description on every response: where a handler gives none, the
/// standard reason phrase of the status (and, for problem bodies, what they carry).
struct ResponseDescriptions;

impl Modify for ResponseDescriptions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        for item in openapi.paths.paths.values_mut() {
            for op in errors_doc::operations_mut(item) {
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = response
                        && r.description.is_empty()
                    {
                        let reason = status
                            .parse::<u16>()
                            .ok()
                            .and_then(|s| axum::http::StatusCode::from_u16(s).ok())
                            .and_then(|s| s.canonical_reason())
                            .unwrap_or("Response");
                        r.description = if status.starts_with(['4', '5']) {
                            format!("{reason}: a problem document (RFC 9457) with a stable `code`")
                        } else {
                            reason.to_string()
                        };
                    }
                }
            }
        }
    }
}

/// The OpenAPI document as pretty JSON (what `/api/openapi.json` serves and the web client
/// is generated from).
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serializes")
}

/// Routes under `/api/v1`. POSTs that create something honour `Idempotency-Key`.
/// The least body a batch of locations may have, bytes: a hostile batch of thousands of
/// points is read and refused by its count (and counted), not cut off unread.
const TRACKS_BODY_MIN: usize = 2 * 1024 * 1024;

pub fn routes(state: &AppState) -> Router<AppState> {
    let idempotent =
        || axum::middleware::from_fn_with_state(state.clone(), crate::http::idempotency::optional);
    let required =
        || axum::middleware::from_fn_with_state(state.clone(), crate::http::idempotency::required);
    let deferred =
        || axum::middleware::from_fn_with_state(state.clone(), crate::http::idempotency::deferred);
    // One connection for the request's statements (outermost, so that the key's layer and
    // the session check share it).
    let held = || axum::middleware::from_fn(crate::http::hold_connection);
    Router::new()
        .merge(crate::realtime::routes())
        .route("/public/config", get(public::config))
        .route("/public/basemap", get(public::basemap))
        .route("/public/catalog", get(catalog::catalog))
        .route("/public/catalog/search", get(catalog::search))
        .route("/public/areas", get(catalog::areas))
        .route("/public/areas/locate", get(catalog::locate))
        .route("/public/geocode", get(geocode::geocode))
        .route("/public/geocode/reverse", get(geocode::reverse))
        .route("/public/quote", post(catalog::quote))
        .route("/public/auth/otp", post(auth::send_otp))
        .route("/public/auth/otp/verify", post(auth::verify_otp))
        .route("/public/auth/staff/login", post(auth::staff_login))
        .route("/public/auth/refresh", post(auth::refresh))
        .route("/public/auth/logout", post(auth::logout))
        .route(
            "/customer/me",
            get(account::customer_me).delete(privacy::customer_delete),
        )
        .route("/customer/me/export", get(privacy::customer_export))
        .route(
            "/customer/consent",
            get(privacy::customer_consent).post(privacy::customer_accept),
        )
        .route(
            "/worker/me",
            get(account::worker_me).delete(privacy::worker_delete),
        )
        .route("/worker/me/export", get(privacy::worker_export))
        .route(
            "/worker/consent",
            get(privacy::worker_consent).post(privacy::worker_accept),
        )
        .route("/public/legal/{document}", get(privacy::legal_document))
        .route(
            "/customer/orders",
            // The layer wraps only the methods added before it: POST needs the key, GET not.
            post(orders::place)
                .layer(deferred())
                .get(orders::mine)
                .layer(held()),
        )
        .route("/customer/orders/{id}", get(orders::detail).layer(held()))
        .route("/customer/orders/{id}/slots", get(slots::for_my_order))
        .route("/customer/slots", post(slots::for_booking))
        .route(
            "/customer/uploads",
            post(uploads::upload).layer(axum::extract::DefaultBodyLimit::max(
                state.config.booking.upload_max_bytes + 64 * 1024,
            )),
        )
        .route("/customer/uploads/{id}", get(uploads::mine))
        .route("/admin/uploads/{id}", get(uploads::for_staff))
        .route(
            "/admin/uploads",
            post(uploads::staff_upload).layer(axum::extract::DefaultBodyLimit::max(
                state.config.booking.upload_max_bytes + 64 * 1024,
            )),
        )
        .route("/public/photos/{id}", get(uploads::public_photo))
        .route(
            "/admin/catalog/items/{code}/photos",
            put(admin_offers::set_item_photos),
        )
        .route("/admin/exceptions", get(exceptions::list))
        .route(
            "/admin/catalog/areas/{code}/not-offered",
            get(admin_offers::not_offered),
        )
        .route(
            "/admin/catalog/areas/{code}/offered/{item}",
            put(admin_offers::set_offered),
        )
        .route("/admin/alarms/{id}/resolve", post(exceptions::resolve))
        .route(
            "/customer/orders/{id}/after-sales",
            post(orders::after_sales),
        )
        .route("/customer/orders/{id}/confirm", post(orders::confirm))
        .route(
            "/customer/addresses",
            get(addresses::list).post(addresses::add),
        )
        .route(
            "/customer/addresses/{id}",
            put(addresses::update).delete(addresses::delete),
        )
        .route("/customer/orders/{id}/cancel", post(orders::cancel))
        .route(
            "/orders/{id}/payments",
            post(payments::create)
                .layer(idempotent())
                .get(payments::list),
        )
        .route("/orders/{id}/payments/{payment_id}", get(payments::get))
        .route(
            "/customer/wechat",
            get(customer_wechat::get).put(customer_wechat::bind),
        )
        .route(
            "/customer/wechat/authorize",
            post(customer_wechat::authorize),
        )
        .route("/wallet", get(wallet::get))
        .route(
            "/wallet/top-ups",
            post(wallet::top_up)
                .layer(idempotent())
                .get(wallet::top_ups),
        )
        .route("/wallet/top-ups/{id}", get(wallet::top_up_get))
        .route("/worker/deposit", get(deposits::mine))
        .route("/worker/deposit/movements", get(deposits::my_movements))
        .route(
            "/worker/deposit/lodgings",
            post(deposits::lodge)
                .layer(idempotent())
                .get(deposits::my_lodgings),
        )
        .route("/worker/deposit/lodgings/{id}", get(deposits::my_lodging))
        .route("/worker/deposit/refund", post(deposits::ask_refund))
        .route("/admin/deposits", get(deposits::list))
        .route("/admin/workers/{id}/deposit", get(deposits::for_staff))
        .route("/admin/workers/{id}/deposit/fines", post(deposits::fine))
        .route("/customer/push/config", get(push::customer_config))
        .route(
            "/customer/push/subscriptions",
            get(push::customer_list).post(push::customer_subscribe),
        )
        .route(
            "/customer/push/subscriptions/{id}",
            delete(push::customer_unsubscribe),
        )
        .route("/worker/push/config", get(push::worker_config))
        .route(
            "/worker/push/subscriptions",
            get(push::worker_list).post(push::worker_subscribe),
        )
        .route(
            "/worker/push/subscriptions/{id}",
            delete(push::worker_unsubscribe),
        )
        .route("/pay/notify/wechat", post(payments::notify_wechat))
        .route("/pay/notify/alipay", post(payments::notify_alipay))
        .route(
            "/pay/notify/wechat-transfer",
            post(payouts::notify_wechat_transfer),
        )
        .route(
            "/pay/notify/wechat-sharing",
            post(sharing::notify_wechat_sharing),
        )
        .route("/worker/payee", get(payouts::get_payee))
        .route("/worker/payee/wechat", put(payouts::bind_wechat))
        .route(
            "/worker/withdrawals/{id}/transfer",
            get(payouts::transfer_confirm),
        )
        .route("/customer/orders/{id}/reschedule", post(orders::reschedule))
        .route("/customer/sessions", get(account::customer_sessions))
        .route("/customer/sessions/{id}", delete(account::customer_revoke))
        .route("/worker/sessions", get(account::worker_sessions))
        .route("/worker/sessions/{id}", delete(account::worker_revoke))
        .route("/worker/earnings", get(finance::earnings))
        .route(
            "/worker/withdrawals",
            post(finance::withdraw)
                .layer(required())
                .get(finance::my_withdrawals),
        )
        .route("/admin/withdrawals", get(finance::list))
        .route("/admin/withdrawals/{id}/approve", post(finance::approve))
        .route("/admin/withdrawals/{id}/reject", post(finance::reject))
        .route("/admin/withdrawals/{id}/paid", post(finance::paid))
        .route("/admin/withdrawals/{id}/failed", post(finance::failed))
        .route(
            "/admin/commission-rules",
            get(finance::list_rules).post(finance::create_rule),
        )
        .route("/admin/commission-rules/{id}", put(finance::update_rule))
        .route("/admin/partners/{id}/share", put(finance::set_share))
        .route(
            "/admin/partners/{id}/sharing-receiver",
            get(sharing::get_receiver).put(sharing::set_receiver),
        )
        .route("/public/flags", get(flags::on))
        .route("/public/promotions", get(promotions::current))
        .route(
            "/admin/promotions",
            get(promotions::list).post(promotions::create),
        )
        .route("/admin/promotions/{id}/stop", post(promotions::stop))
        .route("/admin/flags", get(flags::list))
        .route(
            "/admin/finance/reports/revenue",
            get(finance_reports::revenue),
        )
        .route(
            "/admin/finance/reports/revenue.csv",
            get(finance_reports::revenue_csv),
        )
        .route(
            "/admin/finance/reports/commissions",
            get(finance_reports::commissions),
        )
        .route(
            "/admin/finance/reports/commissions.csv",
            get(finance_reports::commissions_csv),
        )
        .route(
            "/admin/finance/reports/earnings",
            get(finance_reports::earnings),
        )
        .route(
            "/admin/finance/reports/earnings.csv",
            get(finance_reports::earnings_csv),
        )
        .route(
            "/admin/finance/reports/refunds",
            get(finance_reports::refunds),
        )
        .route(
            "/admin/finance/reports/refunds.csv",
            get(finance_reports::refunds_csv),
        )
        .route("/admin/flags/{key}", put(flags::put).delete(flags::delete))
        .route(
            "/admin/finance/reconciliation/runs",
            get(reconciliation::runs).post(reconciliation::run),
        )
        .route(
            "/admin/finance/reconciliation/differences",
            get(reconciliation::differences),
        )
        .route(
            "/admin/finance/reconciliation/differences.csv",
            get(reconciliation::differences_csv),
        )
        .route(
            "/admin/finance/reconciliation/differences/{id}/resolve",
            post(reconciliation::resolve),
        )
        .route("/admin/invoices", get(invoices::list))
        .route("/admin/invoices/{id}/file", get(invoices::staff_file))
        .route(
            "/admin/invoices/{id}/issue",
            post(invoices::issue).layer(axum::extract::DefaultBodyLimit::max(
                state.config.booking.upload_max_bytes + 64 * 1024,
            )),
        )
        .route("/admin/invoices/{id}/reject", post(invoices::reject))
        .route("/admin/invoices/{id}/reverse", post(invoices::reverse))
        .route(
            "/customer/orders/{id}/invoices",
            get(invoices::of_order).post(invoices::request),
        )
        .route("/customer/invoices/{id}/file", get(invoices::customer_file))
        .route("/admin/finance/periods", get(periods::list))
        .route(
            "/admin/finance/periods/{period}/close",
            post(periods::close),
        )
        .route(
            "/admin/finance/periods/{period}/reopen",
            post(periods::reopen),
        )
        .route(
            "/admin/finance/periods/{period}/trial-balance",
            get(periods::trial_balance),
        )
        .route(
            "/admin/finance/periods/{period}/trial-balance.csv",
            get(periods::trial_balance_csv),
        )
        .route("/admin/me", get(account::staff_me))
        .route("/admin/sessions", get(account::staff_sessions))
        .route("/admin/sessions/{id}", delete(account::staff_revoke))
        .route("/admin/roles", get(admin_staff::roles))
        .route(
            "/admin/staff",
            get(admin_staff::list_staff)
                .post(admin_staff::create_staff)
                .layer(idempotent()),
        )
        .route("/admin/staff/{id}", patch(admin_staff::update_staff))
        .route("/admin/staff/{id}/unlock", post(admin_staff::unlock_staff))
        .route("/admin/audit-log", get(admin::audit_log))
        .route("/admin/sms-outbox", get(admin::sms_outbox))
        .route("/admin/customers", get(admin::customers))
        .route("/admin/customers/{id}/wallet", get(wallet::for_staff))
        .route(
            "/admin/workers",
            get(admin_workers::list).post(admin_workers::onboard),
        )
        .route(
            "/admin/workers/{id}",
            get(admin_workers::get).patch(admin_workers::update),
        )
        .route("/admin/workers/{id}/status", put(admin_workers::set_status))
        .route("/admin/workers/{id}/skills", put(admin_workers::set_skills))
        .route(
            "/admin/workers/{id}/certificates",
            get(admin_workers::list_certificates).post(admin_workers::add_certificate),
        )
        .route(
            "/admin/workers/{id}/certificates/{certificate_id}/review",
            post(admin_workers::review_certificate),
        )
        .route(
            "/admin/worker-certificates",
            get(admin_workers::pending_certificates),
        )
        .route(
            "/admin/partners",
            get(admin_workers::list_partners).post(admin_workers::create_partner),
        )
        .route(
            "/admin/staff/{id}/partner",
            put(admin_workers::set_staff_partner),
        )
        .route(
            "/admin/workers/{id}/shifts",
            get(admin_worker_time::template).put(admin_worker_time::set_template),
        )
        .route(
            "/admin/workers/{id}/shift-exceptions",
            post(admin_worker_time::add_exception),
        )
        .route(
            "/admin/workers/{id}/shift-exceptions/{exception_id}",
            delete(admin_worker_time::delete_exception),
        )
        .route(
            "/admin/workers/{id}/calendar",
            get(admin_worker_time::worker_calendar),
        )
        .route(
            "/admin/worker-calendar",
            get(admin_worker_time::area_calendar),
        )
        .route(
            "/admin/workers/{id}/performance",
            get(admin_worker_time::worker_performance),
        )
        .route("/admin/worker-performance", get(admin_worker_time::ranking))
        .route(
            "/admin/workers/{id}/credit",
            get(admin_worker_time::get_credit).post(admin_worker_time::add_credit),
        )
        .route(
            "/admin/workers/{id}/credit/{event_id}/reverse",
            post(admin_worker_time::reverse_credit),
        )
        .route("/admin/worker-uploads", post(worker_workers::staff_upload))
        .route(
            "/admin/worker-documents/{id}",
            get(worker_workers::document),
        )
        .route(
            "/admin/catalog/items/{code}/certificates",
            get(worker_workers::item_certificates).put(worker_workers::set_item_certificates),
        )
        .route("/worker/me/presence", put(worker_workers::set_presence))
        .route("/worker/me/position", put(worker_workers::report_position))
        .route(
            "/worker/locations",
            post(tracks::ingest).layer(axum::extract::DefaultBodyLimit::max(
                state
                    .config
                    .server
                    .body_limit_bytes
                    .max(state.config.tracks.max_batch as usize * 512)
                    .max(TRACKS_BODY_MIN),
            )),
        )
        .route(
            "/worker/me/tracking-consent",
            get(tracks::consent_get).put(tracks::consent_put),
        )
        .route("/worker/jobs/{id}/track", get(tracks::worker_track))
        .route("/customer/orders/{id}/track", get(tracks::customer_track))
        .route("/admin/orders/{id}/track", get(tracks::admin_track))
        .route("/admin/orders/{id}/record", get(records::admin_record))
        .route("/worker/me/calendar", get(worker_workers::my_calendar))
        .route(
            "/worker/me/certificates",
            get(worker_workers::my_certificates).post(worker_workers::submit_certificate),
        )
        .route("/worker/uploads", post(worker_workers::worker_upload))
        .route("/admin/overview", get(admin::overview))
        .route(
            "/admin/catalog/categories",
            get(admin_catalog::categories).post(admin_catalog::create_category),
        )
        .route(
            "/admin/catalog/categories/{code}",
            put(admin_catalog::update_category),
        )
        .route(
            "/admin/catalog/items",
            get(admin_catalog::items).post(admin_catalog::create_item),
        )
        .route(
            "/admin/catalog/items/{code}",
            get(admin_catalog::item)
                .put(admin_catalog::update_item)
                .patch(admin_catalog::patch_item),
        )
        .route("/admin/catalog/skills", get(admin_catalog::skills))
        .route(
            "/admin/catalog/areas",
            get(admin_areas::areas).post(admin_areas::create_area),
        )
        .route(
            "/admin/catalog/areas/import",
            post(admin_areas::import_areas),
        )
        .route(
            "/admin/catalog/areas/{code}",
            get(admin_areas::area).put(admin_areas::update_area),
        )
        .route(
            "/admin/catalog/areas/{code}/prices",
            get(admin_areas::area_prices),
        )
        .route(
            "/admin/catalog/areas/{code}/prices/{item}",
            put(admin_areas::put_area_price).delete(admin_areas::delete_area_price),
        )
        .route(
            "/admin/plans",
            get(admin_plans::list).post(admin_plans::start),
        )
        .route("/admin/plans/{id}", get(admin_plans::get))
        .route("/admin/plans/{id}/commit", post(admin_plans::commit))
        .route("/admin/board", get(admin_board::get))
        .route(
            "/admin/orders",
            // The layer wraps only the methods added before it: POST needs the key, GET not.
            post(admin_callers::place)
                .layer(required())
                .merge(get(admin_orders::list).layer(held())),
        )
        .route(
            "/admin/callers",
            get(admin_callers::find).post(admin_callers::register),
        )
        .route("/admin/callers/{id}/slots", post(admin_callers::slots))
        .route(
            "/admin/orders/{id}",
            get(admin_orders::detail).layer(held()),
        )
        .route("/admin/orders/{id}/slots", get(slots::for_staff))
        .route(
            "/admin/orders/{id}/payments",
            post(admin_orders::record_payment).layer(idempotent()),
        )
        .route("/admin/orders/{id}/assign", post(admin_orders::assign))
        .route("/admin/orders/{id}/dispatch", get(dispatch::order_dispatch))
        .route("/worker/jobs", get(worker_jobs::my_jobs))
        .route("/worker/jobs/{id}/call", post(worker_jobs::call))
        .route(
            "/worker/jobs/{id}/depart",
            post(visit::depart).layer(idempotent()),
        )
        .route(
            "/worker/jobs/{id}/check-in",
            post(visit::check_in).layer(idempotent()),
        )
        .route(
            "/worker/jobs/{id}/start",
            post(visit::start).layer(idempotent()),
        )
        .route(
            "/worker/jobs/{id}/finish",
            post(visit::finish).layer(idempotent()),
        )
        .route(
            "/worker/jobs/{id}/no-show",
            post(visit::no_show).layer(idempotent()),
        )
        .route("/worker/jobs/{id}/sos", post(safety::worker_sos))
        .route("/customer/orders/{id}/sos", post(safety::customer_sos))
        .route("/customer/orders/{id}/arrival", get(visit::arrival))
        .route(
            "/customer/orders/{id}/arrival/photo",
            get(visit::arrival_photo),
        )
        .route("/admin/check-ins/no-shows", get(visit::no_shows))
        .route("/admin/safety/alerts", get(safety::admin_list))
        .route(
            "/admin/safety/alerts/{id}/acknowledge",
            post(safety::admin_acknowledge),
        )
        .route(
            "/admin/safety/alerts/{id}/resolve",
            post(safety::admin_resolve),
        )
        .route(
            "/worker/jobs/{id}/extras",
            get(extras::worker_list)
                .post(extras::worker_propose)
                .layer(idempotent()),
        )
        .route("/customer/orders/{id}/extras", get(extras::customer_list))
        .route("/worker/jobs/{id}/record", get(service_record::worker_get))
        .route(
            "/worker/jobs/{id}/record/checklist",
            put(service_record::worker_checklist),
        )
        .route(
            "/worker/jobs/{id}/record/photos",
            post(service_record::worker_photo),
        )
        .route(
            "/worker/jobs/{id}/record/note",
            put(service_record::worker_note),
        )
        .route(
            "/worker/jobs/{id}/record/materials",
            put(service_record::worker_materials),
        )
        .route(
            "/worker/uploads/{id}",
            get(service_record::worker_upload_get),
        )
        .route(
            "/customer/orders/{id}/record",
            get(service_record::customer_get),
        )
        .route(
            "/customer/orders/{id}/record/photos/{upload}",
            get(service_record::customer_photo),
        )
        .route(
            "/admin/orders/{id}/service-record",
            get(service_record::admin_get),
        )
        .route("/admin/orders/{id}/extras", get(extras::admin_list))
        .route(
            "/customer/orders/{id}/extras/{extra}/decision",
            post(extras::customer_decide),
        )
        .route("/customer/orders/{id}/door-code", get(visit::door_code))
        .route(
            "/customer/orders/{id}/review",
            get(reviews::customer_get)
                .post(reviews::customer_post)
                .put(reviews::customer_put),
        )
        .route("/public/workers/{id}/reviews", get(reviews::public_list))
        .route("/worker/reviews", get(reviews::worker_list))
        .route("/worker/reviews/{id}/reply", post(reviews::worker_reply))
        .route("/customer/notifications", get(notifications::customer_list))
        .route(
            "/customer/notifications/unread-count",
            get(notifications::customer_unread),
        )
        .route(
            "/customer/notifications/read-all",
            post(notifications::customer_read_all),
        )
        .route(
            "/customer/notifications/{id}/read",
            post(notifications::customer_read),
        )
        .route(
            "/customer/notification-settings",
            get(notifications::customer_settings).put(notifications::customer_settings_put),
        )
        .route("/worker/notifications", get(notifications::worker_list))
        .route(
            "/worker/notifications/unread-count",
            get(notifications::worker_unread),
        )
        .route(
            "/worker/notifications/read-all",
            post(notifications::worker_read_all),
        )
        .route(
            "/worker/notifications/{id}/read",
            post(notifications::worker_read),
        )
        .route(
            "/worker/notification-settings",
            get(notifications::worker_settings).put(notifications::worker_settings_put),
        )
        .route(
            "/admin/notification-deliveries",
            get(notifications::admin_deliveries),
        )
        .route("/admin/reviews", get(reviews::admin_list))
        .route("/admin/reviews/{id}", get(reviews::admin_get))
        .route("/admin/reviews/{id}/hide", post(reviews::admin_hide))
        .route("/admin/reviews/{id}/unhide", post(reviews::admin_unhide))
        .route("/admin/check-ins/flagged", get(visit::flagged))
        .route("/worker/offers", get(dispatch::my_offers))
        .route("/worker/offers/{id}/accept", post(dispatch::accept))
        .route("/worker/offers/{id}/reject", post(dispatch::reject))
        .route("/worker/grab-pool", get(dispatch::grab_pool))
        .route("/worker/grab-pool/{order_id}/claim", post(dispatch::claim))
        .route("/admin/orders/{id}/visit", post(admin_orders::visit))
        .route("/admin/orders/{id}/cancel", post(admin_orders::cancel))
        .route(
            "/admin/orders/{id}/reschedule",
            post(admin_orders::reschedule),
        )
        .route(
            "/admin/orders/{id}/after-sales",
            post(admin_orders::after_sales),
        )
}

/// An audit entry for a write by a staff member, from the request that made it.
pub(crate) fn audit_entry(
    who: &crate::http::auth::CurrentStaff,
    client: &crate::http::auth::ClientInfo,
    action: &str,
    target_type: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> daojia_store::repo::audit::AuditEntry {
    daojia_store::repo::audit::AuditEntry {
        actor_type: "staff".into(),
        actor_id: Some(who.staff.id),
        actor_name: Some(who.name.clone()),
        action: action.into(),
        target_type: target_type.into(),
        target_id: Some(target.to_string()),
        before,
        after,
        request_id: client.request_id.clone(),
        ip: client.ip.clone(),
    }
}
