//! Geocoding: from an address to a point and from a point to an address.
//!
//! [`Geocoder`] is what the platform calls. Three providers implement it:
//! [`amap::AmapGeocoder`] (高德 Web Service API v3), [`tencent::TencentGeocoder`] (腾讯位置服务
//! WebService API), both with the vendor's optional request signature, and
//! [`offline::OfflineGeocoder`], the default, which knows the demo city's districts, streets
//! and addresses and needs no network.
//!
//! Both vendors take and return GCJ-02 coordinates. The providers convert at this edge, so
//! every [`Place`] and every argument here is WGS-84, the system Daojia stores.

pub mod amap;
mod http;
pub mod offline;
pub mod tencent;

pub use daojia_domain::geo::LatLng;
pub use http::VendorConfig;

use async_trait::async_trait;
use serde::Serialize;

/// How precisely a place was resolved, coarsest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceLevel {
    /// The provider did not say.
    Unknown,
    /// A city.
    City,
    /// A district or county (区县).
    District,
    /// A township, sub-district or village (乡镇、街道).
    Township,
    /// A street or road.
    Street,
    /// A point of interest: a compound, building, station, landmark.
    Poi,
    /// A house number on a street (门牌号).
    Address,
}

impl PlaceLevel {
    /// The name used in the API (`district`, `street`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            PlaceLevel::Unknown => "unknown",
            PlaceLevel::City => "city",
            PlaceLevel::District => "district",
            PlaceLevel::Township => "township",
            PlaceLevel::Street => "street",
            PlaceLevel::Poi => "poi",
            PlaceLevel::Address => "address",
        }
    }
}

/// A resolved place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The address as the provider writes it, e.g. 上海市徐汇区漕溪北路88号.
    pub formatted: String,
    /// City (上海市).
    pub city: Option<String>,
    /// District (徐汇区).
    pub district: Option<String>,
    /// Street or road (漕溪北路).
    pub street: Option<String>,
    /// House number (88号).
    pub number: Option<String>,
    /// Where it is, always WGS-84. For a reverse lookup that names only an area or a
    /// street, the point that was asked about.
    pub location: LatLng,
    /// How precisely it was resolved.
    pub level: PlaceLevel,
}

/// Why a lookup failed. Messages name the provider and what an operator can do.
#[derive(Debug, thiserror::Error)]
pub enum GeocodeError {
    /// The provider is configured wrongly (no key, a bad base URL).
    #[error("geocoding is misconfigured: {0}")]
    Config(String),
    /// The arguments cannot be looked up (a point off the earth, say).
    #[error("cannot look this up: {0}")]
    InvalidInput(String),
    /// The vendor does not accept our credentials: the key, its signature secret, or the
    /// server's IP address is not authorised.
    #[error(
        "{provider} refused our credentials: {detail}; check geocoding.key and geocoding.secret, and the key's settings in the vendor's console"
    )]
    Credentials {
        /// `amap` or `tencent`.
        provider: &'static str,
        /// The vendor's code and message.
        detail: String,
    },
    /// The key's request quota is used up for now.
    #[error("{provider} quota exceeded: {detail}")]
    Quota {
        /// `amap` or `tencent`.
        provider: &'static str,
        /// The vendor's code and message.
        detail: String,
    },
    /// The vendor refused the request for another reason.
    #[error("{provider} refused the request: {detail}")]
    Refused {
        /// `amap` or `tencent`.
        provider: &'static str,
        /// The vendor's code and message.
        detail: String,
    },
    /// The vendor could not be reached or answered with an HTTP error.
    #[error("{provider} unreachable: {detail}")]
    Unreachable {
        /// `amap` or `tencent`.
        provider: &'static str,
        /// What went wrong, without the request URL (it carries the key).
        detail: String,
    },
    /// The vendor did not answer in time.
    #[error("{provider} did not answer within {after_ms} ms")]
    Timeout {
        /// `amap` or `tencent`.
        provider: &'static str,
        /// The configured timeout.
        after_ms: u64,
    },
    /// The vendor answered with something that is not what its documentation describes.
    #[error("{provider} answered with an unexpected response: {detail}")]
    BadResponse {
        /// `amap` or `tencent`.
        provider: &'static str,
        /// What was wrong, naming the field.
        detail: String,
    },
}

/// Turns addresses into points and points into addresses. Every coordinate is WGS-84.
#[async_trait]
pub trait Geocoder: Send + Sync {
    /// A short name for logs and the API (`offline`, `amap`, `tencent`).
    fn name(&self) -> &'static str;

    /// True when lookups never leave the machine.
    fn is_offline(&self) -> bool {
        false
    }

    /// Places matching `query`, best first; `city` (a name such as 上海 or an adcode)
    /// narrows the search. Nothing found is an empty list, not an error.
    async fn geocode(&self, query: &str, city: Option<&str>) -> Result<Vec<Place>, GeocodeError>;

    /// The place at `at`, or `None` when the provider knows nothing there.
    async fn reverse(&self, at: LatLng) -> Result<Option<Place>, GeocodeError>;
}

/// Refuses a point that is not on the earth.
fn check_point(at: LatLng) -> Result<(), GeocodeError> {
    if at.is_valid() {
        Ok(())
    } else {
        Err(GeocodeError::InvalidInput(format!(
            "({}, {}) is not a latitude and longitude",
            at.lat, at.lng
        )))
    }
}

/// A non-empty, trimmed text, or `None`.
fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}
