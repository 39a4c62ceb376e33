//! AMap (高德) Web Service API v3: 地理编码 `/v3/geocode/geo` and 逆地理编码
//! `/v3/geocode/regeo`.
//!
//! With a private key (私钥) configured, every request carries the digital signature `sig`:
//! the MD5, in lower-case hex, of the request parameters (the key included) sorted by name
//! and joined as `k=v&k2=v2` with their values not URL-encoded, followed directly by the
//! private key. Coordinates go out and come back in GCJ-02 as `"lng,lat"`.

use crate::http::{Http, Loose, VendorConfig, canonical, md5_hex, query};
use crate::{GeocodeError, Geocoder, Place, PlaceLevel, check_point, text};
use async_trait::async_trait;
use daojia_domain::geo::{LatLng, gcj02_to_wgs84, wgs84_to_gcj02};
use serde::Deserialize;

/// Where AMap's web service lives.
pub const DEFAULT_BASE_URL: &str = "https://restapi.amap.com";
/// The forward geocoding path.
pub const GEO_PATH: &str = "/v3/geocode/geo";
/// The reverse geocoding path.
pub const REGEO_PATH: &str = "/v3/geocode/regeo";

/// The AMap provider.
pub struct AmapGeocoder {
    http: Http,
    cfg: VendorConfig,
}

impl AmapGeocoder {
    /// A provider for `cfg` (use [`DEFAULT_BASE_URL`] in production).
    pub fn new(cfg: VendorConfig) -> Result<AmapGeocoder, GeocodeError> {
        Ok(AmapGeocoder {
            http: Http::new("amap", &cfg)?,
            cfg,
        })
    }

    /// The URL query for `params` plus our key, signed when a private key is configured.
    fn signed_query(&self, mut params: Vec<(&'static str, String)>) -> String {
        params.push(("key", self.cfg.key.clone()));
        let sig = self
            .cfg
            .secret
            .as_ref()
            .map(|private_key| sign(&params, private_key.expose()));
        query(&params, sig.as_deref())
    }
}

/// The `sig` for `params` (which must include `key`) under `private_key`.
pub fn sign(params: &[(&str, String)], private_key: &str) -> String {
    md5_hex(&format!("{}{private_key}", canonical(params)))
}

/// The envelope of every AMap answer.
#[derive(Debug, Deserialize)]
struct Status {
    /// `"1"` success, `"0"` failure.
    status: String,
    /// `OK` or an error name such as `INVALID_USER_KEY`.
    #[serde(default)]
    info: String,
    /// `10000` for success, otherwise the error code.
    #[serde(default)]
    infocode: String,
}

impl Status {
    /// Maps a failure to the error an operator can act on.
    fn check(&self) -> Result<(), GeocodeError> {
        if self.status == "1" {
            return Ok(());
        }
        let provider = "amap";
        let detail = format!("{} (infocode {})", self.info, self.infocode);
        Err(match self.infocode.as_str() {
            // INVALID_USER_KEY, SERVICE_NOT_AVAILABLE, INVALID_USER_IP, INVALID_USER_DOMAIN,
            // INVALID_USER_SIGNATURE, INVALID_USER_SCODE, USERKEY_PLAT_NOMATCH,
            // INSUFFICIENT_PRIVILEGES, USER_KEY_RECYCLED
            "10001" | "10002" | "10005" | "10006" | "10007" | "10008" | "10009" | "10012"
            | "10013" => GeocodeError::Credentials { provider, detail },
            // DAILY_QUERY_OVER_LIMIT, ACCESS_TOO_FREQUENT, IP_QUERY_OVER_LIMIT,
            // DAY_QUERY_OVER_LIMIT, ACCOUNT_QUERY_OVER_LIMIT, USER_DAILY_QUERY_OVER_LIMIT …
            "10003" | "10004" | "10010" | "10014" | "10015" | "10019" | "10020" | "10021"
            | "10044" | "10045" => GeocodeError::Quota { provider, detail },
            _ => GeocodeError::Refused { provider, detail },
        })
    }
}

#[derive(Debug, Deserialize)]
struct GeoAnswer {
    #[serde(flatten)]
    status: Status,
    #[serde(default)]
    geocodes: Vec<Geocode>,
}

#[derive(Debug, Deserialize)]
struct Geocode {
    #[serde(default)]
    formatted_address: Loose,
    #[serde(default)]
    province: Loose,
    #[serde(default)]
    city: Loose,
    #[serde(default)]
    district: Loose,
    #[serde(default)]
    street: Loose,
    #[serde(default)]
    number: Loose,
    location: Loose,
    #[serde(default)]
    level: Loose,
}

#[derive(Debug, Deserialize)]
struct RegeoAnswer {
    #[serde(flatten)]
    status: Status,
    regeocode: Option<Regeocode>,
}

#[derive(Debug, Deserialize)]
struct Regeocode {
    #[serde(default)]
    formatted_address: Loose,
    #[serde(rename = "addressComponent", default)]
    component: Option<Component>,
}

#[derive(Debug, Default, Deserialize)]
struct Component {
    #[serde(default)]
    province: Loose,
    #[serde(default)]
    city: Loose,
    #[serde(default)]
    district: Loose,
    #[serde(rename = "streetNumber", default)]
    street_number: Option<StreetNumber>,
}

#[derive(Debug, Default, Deserialize)]
struct StreetNumber {
    #[serde(default)]
    street: Loose,
    #[serde(default)]
    number: Loose,
    #[serde(default)]
    location: Loose,
}

/// Parses AMap's `"lng,lat"` (GCJ-02) into a WGS-84 point.
fn parse_location(s: &str, field: &str) -> Result<LatLng, GeocodeError> {
    let bad = || GeocodeError::BadResponse {
        provider: "amap",
        detail: format!("field `{field}`: `{s}` is not \"lng,lat\""),
    };
    let (lng, lat) = s.split_once(',').ok_or_else(bad)?;
    let lng: f64 = lng.trim().parse().map_err(|_| bad())?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let p = LatLng::new(lat, lng);
    if !p.is_valid() {
        return Err(bad());
    }
    Ok(gcj02_to_wgs84(p))
}

/// AMap's `level` (Chinese words) as ours.
fn level(s: Option<&str>) -> PlaceLevel {
    match s.unwrap_or("") {
        "国家" | "省" | "市" => PlaceLevel::City,
        "区县" | "开发区" => PlaceLevel::District,
        "乡镇" | "村庄" => PlaceLevel::Township,
        "道路" | "道路交叉路口" => PlaceLevel::Street,
        "门牌号" | "单元号" | "楼栋" | "门址" => PlaceLevel::Address,
        "兴趣点" | "热点商圈" | "公交站台、地铁站" | "公交站台" | "地铁站" => {
            PlaceLevel::Poi
        }
        _ => PlaceLevel::Unknown,
    }
}

/// The city, which AMap leaves empty for the municipalities (上海市 is only a province).
fn city_of(province: &Loose, city: &Loose) -> Option<String> {
    city.0.clone().or_else(|| province.0.clone())
}

/// Formats a WGS-84 point as AMap wants it: GCJ-02 `"lng,lat"`, six decimals.
fn location_param(at: LatLng) -> String {
    let g = wgs84_to_gcj02(at);
    format!("{:.6},{:.6}", g.lng, g.lat)
}

#[async_trait]
impl Geocoder for AmapGeocoder {
    fn name(&self) -> &'static str {
        "amap"
    }

    async fn geocode(&self, q: &str, city: Option<&str>) -> Result<Vec<Place>, GeocodeError> {
        let Some(address) = text(q) else {
            return Ok(vec![]);
        };
        let mut params = vec![("address", address)];
        if let Some(c) = city.and_then(text) {
            params.push(("city", c));
        }
        params.push(("output", "JSON".into()));
        let answer: GeoAnswer = self
            .http
            .get_json(GEO_PATH, &self.signed_query(params))
            .await?;
        answer.status.check()?;
        answer
            .geocodes
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                let field = format!("geocodes[{i}].location");
                let location = parse_location(g.location.get().unwrap_or(""), &field)?;
                Ok(Place {
                    formatted: g.formatted_address.0.clone().unwrap_or_default(),
                    city: city_of(&g.province, &g.city),
                    district: g.district.0,
                    street: g.street.0,
                    number: g.number.0,
                    location,
                    level: level(g.level.get()),
                })
            })
            .collect()
    }

    async fn reverse(&self, at: LatLng) -> Result<Option<Place>, GeocodeError> {
        check_point(at)?;
        let params = vec![("location", location_param(at)), ("output", "JSON".into())];
        let answer: RegeoAnswer = self
            .http
            .get_json(REGEO_PATH, &self.signed_query(params))
            .await?;
        answer.status.check()?;
        let Some(r) = answer.regeocode else {
            return Ok(None);
        };
        // Over the sea or outside China AMap answers OK with an empty address.
        let Some(formatted) = r.formatted_address.0 else {
            return Ok(None);
        };
        let c = r.component.unwrap_or_default();
        let sn = c.street_number.unwrap_or_default();
        let location = match sn.location.get() {
            Some(s) => parse_location(s, "regeocode.addressComponent.streetNumber.location")?,
            None => at,
        };
        let level = if sn.number.0.is_some() {
            PlaceLevel::Address
        } else if sn.street.0.is_some() {
            PlaceLevel::Street
        } else if c.district.0.is_some() {
            PlaceLevel::District
        } else {
            PlaceLevel::City
        };
        Ok(Some(Place {
            formatted,
            city: city_of(&c.province, &c.city),
            district: c.district.0,
            street: sn.street.0,
            number: sn.number.0,
            location: if level == PlaceLevel::Address {
                location
            } else {
                at
            },
            level,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_follows_the_documented_example() {
        // AMap's guide: parameters a=23, b=12, d=48, f=8, c=67 and private key bbbbb sign as
        // MD5("a=23&b=12&c=67&d=48&f=8bbbbb").
        let p = [
            ("a", "23".to_string()),
            ("b", "12".to_string()),
            ("d", "48".to_string()),
            ("f", "8".to_string()),
            ("c", "67".to_string()),
        ];
        assert_eq!(sign(&p, "bbbbb"), md5_hex("a=23&b=12&c=67&d=48&f=8bbbbb"));
        // Golden value (md5sum of the text above), so a change to md5_hex shows too.
        assert_eq!(sign(&p, "bbbbb"), "a89e8c2266d888860c46672d77d069f3");
    }

    #[test]
    fn a_signed_query_carries_the_key_and_sig_of_the_raw_values() {
        let g = AmapGeocoder::new(
            VendorConfig::new("https://restapi.amap.com", "demo-key").with_secret("demo-secret"),
        )
        .unwrap();
        let q = g.signed_query(vec![
            ("address", "上海市徐汇区漕溪北路88号".into()),
            ("output", "JSON".into()),
        ]);
        let expected =
            md5_hex("address=上海市徐汇区漕溪北路88号&key=demo-key&output=JSONdemo-secret");
        assert!(q.ends_with(&format!("&key=demo-key&sig={expected}")), "{q}");
        assert!(q.starts_with("address=%E4%B8%8A"), "{q}");
    }

    #[test]
    fn levels_and_locations_parse() {
        assert_eq!(level(Some("门牌号")), PlaceLevel::Address);
        assert_eq!(level(Some("区县")), PlaceLevel::District);
        assert_eq!(level(None), PlaceLevel::Unknown);
        let p = parse_location("121.441117,31.193122", "x").unwrap();
        assert!(
            (p.lat - 31.1950).abs() < 1e-5 && (p.lng - 121.4365).abs() < 1e-5,
            "{p:?}"
        );
        let e = parse_location("121.44", "geocodes[0].location").unwrap_err();
        assert!(e.to_string().contains("geocodes[0].location"), "{e}");
    }
}
