//! The public catalog: categories and service items on shelf, service areas with their
//! outlines, which area a point is in, and the price of an item with options. Everything a
//! customer can see before logging in; prices here are the server's own computation.
//!
//! Every read here is served from this node's cached copy of the catalog
//! (`daojia_app::catalog::public`, ADR 0013), listings and searches rendered once per copy
//! and tagged (`crate::http::etag`); orders are priced from the database.

use crate::http::error::{ApiError, ApiResult};
use crate::http::etag::Rendered;
use crate::http::extract::{Json, Query};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use daojia_app::catalog::public::{self, PublicArea, PublicCatalog};
use daojia_domain::geo::{CoordSystem, LatLng, Polygon};
use daojia_domain::money::Money;
use daojia_domain::pricing::{self, ItemOption, Selection};
use daojia_store::entity::{service_area, service_item};
use daojia_store::repo::catalog;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// A service category.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    /// Code.
    pub code: String,
    /// Parent category code, for a sub-category.
    pub parent_code: Option<String>,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
}

pub use daojia_app::catalog::{ItemOptionView, OptionChoiceView};

/// A service item on shelf.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    /// Code.
    pub code: String,
    /// Category code.
    pub category_code: String,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Description.
    pub description: String,
    /// Unit the price is for (次, 台, 只…).
    pub unit: String,
    /// Base price, 分.
    pub base_price_fen: i64,
    /// Base duration, minutes.
    pub base_duration_min: i32,
    /// Skills a worker needs.
    pub skills: Vec<String>,
    /// Tools the worker brings.
    pub tools: Vec<String>,
    /// Notes for the customer.
    pub notes: String,
    /// Options.
    pub options: Vec<ItemOptionView>,
    /// `full` or `deposit`.
    pub payment_mode: String,
    /// The deposit, 分 (0 when paid in full).
    pub deposit_fen: i64,
    /// Photos of the service, in order (public URLs).
    pub photos: Vec<String>,
}

/// Categories and items.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalog {
    /// Categories in display order.
    pub categories: Vec<CategoryView>,
    /// Items on shelf in display order.
    pub items: Vec<ItemView>,
}

use daojia_app::catalog::strings;

fn options_of(item: &service_item::Model) -> ApiResult<Vec<ItemOption>> {
    serde_json::from_str(&item.options)
        .map_err(|e| ApiError::internal(format!("item {} has unreadable options: {e}", item.code)))
}

fn item_view(i: &service_item::Model) -> ApiResult<ItemView> {
    let options = options_of(i)?
        .into_iter()
        .map(ItemOptionView::from)
        .collect();
    let photos = i
        .photos
        .as_deref()
        .and_then(|p| serde_json::from_str::<Vec<uuid::Uuid>>(p).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|id| format!("/api/v1/public/photos/{id}"))
        .collect();
    Ok(ItemView {
        skills: strings(&i.skills),
        tools: strings(&i.tools),
        options,
        photos,
        code: i.code.clone(),
        category_code: i.category_code.clone(),
        name: i.name.clone(),
        name_en: i.name_en.clone(),
        description: i.description.clone(),
        unit: i.unit.clone(),
        base_price_fen: i.base_price_fen,
        base_duration_min: i.base_duration_min,
        notes: i.notes.clone(),
        payment_mode: i.payment_mode.clone(),
        deposit_fen: i.deposit_fen,
    })
}

/// Whose catalog.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CatalogParams {
    /// Only what this service area offers (the area of the customer's address).
    pub area: Option<String>,
}

/// The public catalog from this node's copy.
pub(crate) async fn copy(state: &AppState) -> ApiResult<Arc<PublicCatalog>> {
    Ok(public::get(&state.app).await?)
}

/// A field error unless `area` (when given) is an active area of `c`.
fn check_area(c: &PublicCatalog, area: Option<&str>, field: &str) -> ApiResult<()> {
    match area {
        Some(code) if c.area(code).is_none() => Err(ApiError::field(
            field,
            "unknown_area",
            format!("no service area `{code}`"),
        )),
        _ => Ok(()),
    }
}

/// Whether `area` (when given) offers item `code`.
fn offered(c: &PublicCatalog, area: Option<&str>, code: &str) -> bool {
    area.is_none_or(|a| c.offered(a, code))
}

/// The catalog (of one area, when given). Answers `304` to a client that holds the
/// current `ETag`.
#[utoipa::path(get, path = "/api/v1/public/catalog", tag = "public", params(CatalogParams),
    responses((status = 200, body = Catalog), (status = 304, description = "Not modified: the `If-None-Match` tag is current"), (status = 422, body = crate::http::error::Problem)))]
pub async fn catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<CatalogParams>,
) -> ApiResult<Response> {
    let c = copy(&state).await?;
    let area = p.area.as_deref();
    check_area(&c, area, "area")?;
    let rendered = c.memo(&format!("catalog:{area:?}"), || {
        let categories = c
            .categories
            .iter()
            .map(|c| CategoryView {
                code: c.code.clone(),
                parent_code: c.parent_code.clone(),
                name: c.name.clone(),
                name_en: c.name_en.clone(),
            })
            .collect();
        let items = c
            .items
            .iter()
            .filter(|i| offered(&c, area, &i.code))
            .map(item_view)
            .collect::<ApiResult<_>>()?;
        Rendered::json(&Catalog { categories, items })
    })?;
    Ok(rendered.respond(&headers))
}

pub use daojia_app::catalog::PolygonView;

/// A service area.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaView {
    /// Code.
    pub code: String,
    /// 中文 name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// City.
    pub city: String,
    /// IANA time zone of the area's local times.
    pub timezone: String,
    /// Opening, minutes after local midnight.
    pub open_minute: i32,
    /// Closing, minutes after local midnight.
    pub close_minute: i32,
    /// Earliest bookable start, minutes from now.
    pub lead_minutes: i32,
    /// Days ahead a customer may book.
    pub horizon_days: i32,
    /// The outline.
    pub polygon: PolygonView,
}

fn polygon_of(a: &PublicArea) -> ApiResult<&Polygon> {
    a.outline.as_ref().map_err(ApiError::internal)
}

fn area_view(a: &service_area::Model, p: &Polygon) -> AreaView {
    let g = p.to_geojson();
    AreaView {
        code: a.code.clone(),
        name: a.name.clone(),
        name_en: a.name_en.clone(),
        city: a.city.clone(),
        timezone: a.timezone.clone(),
        open_minute: a.open_minute,
        close_minute: a.close_minute,
        lead_minutes: a.lead_minutes,
        horizon_days: a.horizon_days,
        polygon: PolygonView {
            kind: "Polygon".into(),
            coordinates: g.coordinates,
        },
    }
}

/// Active service areas. Answers `304` to a client that holds the current `ETag`.
#[utoipa::path(get, path = "/api/v1/public/areas", tag = "public",
    responses((status = 200, body = Vec<AreaView>), (status = 304, description = "Not modified: the `If-None-Match` tag is current")))]
pub async fn areas(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Response> {
    let c = copy(&state).await?;
    let rendered = c.memo("areas", || {
        let views = c
            .areas
            .iter()
            .map(|a| -> ApiResult<AreaView> { Ok(area_view(&a.row, polygon_of(a)?)) })
            .collect::<ApiResult<Vec<_>>>()?;
        Rendered::json(&views)
    })?;
    Ok(rendered.respond(&headers))
}

/// A point to look up.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocateParams {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lng: f64,
    /// The coordinate system of the point: `wgs84` (default), `gcj02` (AMap, Tencent) or
    /// `bd09` (Baidu).
    #[param(value_type = Option<String>)]
    pub coord: Option<CoordSystem>,
}

pub(crate) fn point(
    lat: f64,
    lng: f64,
    coord: Option<CoordSystem>,
    prefix: &str,
) -> ApiResult<LatLng> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(ApiError::field(
            &format!("{prefix}lat"),
            "out_of_range",
            "latitude between -90 and 90",
        ));
    }
    if !(lng.is_finite() && (-180.0..=180.0).contains(&lng)) {
        return Err(ApiError::field(
            &format!("{prefix}lng"),
            "out_of_range",
            "longitude between -180 and 180",
        ));
    }
    Ok(coord
        .unwrap_or(CoordSystem::Wgs84)
        .to_wgs84(LatLng::new(lat, lng)))
}

/// The service area a point is in; 404 `out_of_area` when none serves it.
#[utoipa::path(get, path = "/api/v1/public/areas/locate", tag = "public", params(LocateParams),
    responses((status = 200, body = AreaView), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn locate(
    State(state): State<AppState>,
    Query(p): Query<LocateParams>,
) -> ApiResult<axum::Json<AreaView>> {
    let at = point(p.lat, p.lng, p.coord, "")?;
    let c = copy(&state).await?;
    for a in &c.areas {
        let poly = polygon_of(a)?;
        if poly.contains(at) {
            return Ok(axum::Json(area_view(&a.row, poly)));
        }
    }
    Err(ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "out_of_area",
        "no service area covers this place yet",
    ))
}

/// An option choice in a quote request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelectionInput {
    /// Option code.
    pub option: String,
    /// Choice code.
    pub choice: String,
}

/// What to price.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// Item code.
    pub item: String,
    /// Chosen options; options left out take their first choice.
    #[serde(default)]
    pub options: Vec<SelectionInput>,
    /// Units (1–20).
    #[serde(default = "one")]
    pub quantity: u32,
    /// The service area of the address, for its prices (without it: the base prices).
    #[serde(default)]
    pub area_code: Option<String>,
}

fn one() -> u32 {
    1
}

/// A price.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuoteView {
    /// Item code.
    pub item: String,
    /// Price of one unit with the options, 分.
    pub unit_price_fen: i64,
    /// Units.
    pub quantity: u32,
    /// Total, 分.
    pub total_fen: i64,
    /// Working time, minutes.
    pub duration_min: u32,
    /// Every option with the choice that applies.
    pub options: Vec<SelectionView>,
    /// Due before a worker is sent, 分 (the deposit, or the total).
    pub due_now_fen: i64,
}

/// An option with its choice.
#[derive(Debug, Serialize, ToSchema)]
pub struct SelectionView {
    /// Option code.
    pub option: String,
    /// Choice code.
    pub choice: String,
}

/// Prices an item with options: what the order will cost.
#[utoipa::path(post, path = "/api/v1/public/quote", tag = "public", request_body = QuoteRequest,
    responses((status = 200, body = QuoteView), (status = 404, body = crate::http::error::Problem), (status = 422, body = crate::http::error::Problem)))]
pub async fn quote(
    State(state): State<AppState>,
    Json(req): Json<QuoteRequest>,
) -> ApiResult<axum::Json<QuoteView>> {
    let c = copy(&state).await?;
    let Some(item) = c.items.iter().find(|i| i.code == req.item) else {
        return Err(ApiError::field(
            "item",
            "unknown_item",
            format!("no service item `{}` is on offer", req.item),
        ));
    };
    let options = options_of(item)?;
    let area_price = match &req.area_code {
        None => None,
        Some(code) => {
            check_area(&c, Some(code), "area_code")?;
            if !c.offered(code, &item.code) {
                return Err(ApiError::field(
                    "item",
                    "not_offered_here",
                    format!("`{}` is not offered in this area", item.code),
                ));
            }
            c.area_price(code, &item.code).map(|o| pricing::AreaPrice {
                base_price: o.base_price_fen.map(Money::fen),
                markup_percent: o.markup_percent,
            })
        }
    };
    let selections: Vec<Selection> = req
        .options
        .into_iter()
        .map(|s| Selection {
            option: s.option,
            choice: s.choice,
        })
        .collect();
    let q = pricing::quote(
        Money::fen(item.base_price_fen),
        item.base_duration_min.max(0) as u32,
        &options,
        area_price.as_ref(),
        &selections,
        req.quantity,
    )
    .map_err(|e| ApiError::field(&e.field, e.code, e.message))?;
    let due_now = if item.payment_mode == "deposit" {
        Money::fen(item.deposit_fen * i64::from(q.quantity)).min(q.total)
    } else {
        q.total
    };
    Ok(axum::Json(QuoteView {
        item: item.code.clone(),
        unit_price_fen: q.unit_price.as_fen(),
        quantity: q.quantity,
        total_fen: q.total.as_fen(),
        duration_min: q.duration_min,
        options: q
            .selections
            .into_iter()
            .map(|s| SelectionView {
                option: s.option,
                choice: s.choice,
            })
            .collect(),
        due_now_fen: due_now.as_fen(),
    }))
}

/// Search and filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, pinyin (`baojie`), pinyin initials (`bj`) or English.
    pub q: Option<String>,
    /// Only this category (and its sub-categories).
    pub category: Option<String>,
    /// Base price at least, 分.
    pub min_price_fen: Option<i64>,
    /// Base price at most, 分.
    pub max_price_fen: Option<i64>,
    /// Base duration at most, minutes.
    pub max_duration_min: Option<i32>,
    /// Only what this service area offers.
    pub area: Option<String>,
    /// Order: `relevance` (default: best match, then catalog order), `popular` (most
    /// ordered in the last 90 days), `price_asc` or `price_desc`.
    pub sort: Option<String>,
}

/// Items found, best match first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// The items.
    pub items: Vec<ItemView>,
}

/// Searches the items on shelf. Answers `304` to a client that holds the current `ETag`.
#[utoipa::path(get, path = "/api/v1/public/catalog/search", tag = "public", params(SearchParams),
    responses((status = 200, body = SearchResult), (status = 304, description = "Not modified: the `If-None-Match` tag is current"), (status = 422, body = crate::http::error::Problem)))]
pub async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<SearchParams>,
) -> ApiResult<Response> {
    if let Some(q) = &p.q
        && q.chars().count() > 50
    {
        return Err(ApiError::field("q", "too_long", "at most 50 characters"));
    }
    if let (Some(lo), Some(hi)) = (p.min_price_fen, p.max_price_fen)
        && lo > hi
    {
        return Err(ApiError::field(
            "max_price_fen",
            "out_of_range",
            "must not be below min_price_fen",
        ));
    }
    let sort = p.sort.as_deref().unwrap_or("relevance");
    if !matches!(sort, "relevance" | "popular" | "price_asc" | "price_desc") {
        return Err(ApiError::field(
            "sort",
            "unknown_sort",
            "`relevance`, `popular`, `price_asc` or `price_desc`",
        ));
    }
    let c = copy(&state).await?;
    check_area(&c, p.area.as_deref(), "area")?;
    if let Some(code) = &p.category
        && c.category(code).is_none()
    {
        return Err(ApiError::field(
            "category",
            "unknown_category",
            format!("no category `{code}`"),
        ));
    }
    if sort == "popular" {
        // Popularity comes from orders, not the catalog: counted for each request.
        let since = state.now() - chrono::Duration::days(90);
        let n = catalog::popularity(state.store.db(), since).await?;
        return Ok(Rendered::json(&found(&c, &p, sort, &n)?)?.respond(&headers));
    }
    // Everything the answer depends on besides the copy, unambiguously (strings quoted).
    let key = format!(
        "search:{:?}",
        (
            &p.q,
            &p.category,
            p.min_price_fen,
            p.max_price_fen,
            p.max_duration_min,
            &p.area,
            sort
        )
    );
    let rendered = c.memo(&key, || {
        Rendered::json(&found(&c, &p, sort, &Default::default())?)
    })?;
    Ok(rendered.respond(&headers))
}

/// The search's answer from the copy `c`; `popularity` counts orders per item (for
/// `popular`).
fn found(
    c: &PublicCatalog,
    p: &SearchParams,
    sort: &str,
    popularity: &HashMap<String, i64>,
) -> ApiResult<SearchResult> {
    let in_category = |code: &str| match &p.category {
        None => true,
        Some(cat) => {
            code == cat
                || c.category(code)
                    .is_some_and(|x| x.parent_code.as_deref() == Some(cat))
        }
    };
    let mut hits = Vec::new();
    for (order, i) in c.items.iter().enumerate() {
        if !offered(c, p.area.as_deref(), &i.code)
            || !in_category(&i.category_code)
            || p.min_price_fen.is_some_and(|lo| i.base_price_fen < lo)
            || p.max_price_fen.is_some_and(|hi| i.base_price_fen > hi)
            || p.max_duration_min.is_some_and(|d| i.base_duration_min > d)
        {
            continue;
        }
        let cat = c.category(&i.category_code);
        let extra = [
            i.description.as_str(),
            cat.map_or("", |c| c.name.as_str()),
            cat.map_or("", |c| c.name_en.as_str()),
        ];
        let doc = daojia_domain::search::Doc::new(&i.name, &i.name_en, &extra);
        if let Some(score) = doc.score(p.q.as_deref().unwrap_or("")) {
            hits.push((score, order, i));
        }
    }
    match sort {
        "popular" => {
            let of = |code: &str| popularity.get(code).copied().unwrap_or(0);
            hits.sort_by(|a, b| {
                of(&b.2.code)
                    .cmp(&of(&a.2.code))
                    .then(b.0.cmp(&a.0))
                    .then(a.1.cmp(&b.1))
            });
        }
        "price_asc" => hits.sort_by(|a, b| {
            a.2.base_price_fen
                .cmp(&b.2.base_price_fen)
                .then(a.1.cmp(&b.1))
        }),
        "price_desc" => hits.sort_by(|a, b| {
            b.2.base_price_fen
                .cmp(&a.2.base_price_fen)
                .then(a.1.cmp(&b.1))
        }),
        _ => hits.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1))),
    }
    let items = hits
        .into_iter()
        .take(50)
        .map(|(_, _, i)| item_view(i))
        .collect::<ApiResult<_>>()?;
    Ok(SearchResult { items })
}
