//! Tencent LBS (腾讯位置服务) WebService API: 地址解析 and 逆地址解析, both at
//! `/ws/geocoder/v1/` (`?address=` forward, `?location=lat,lng` reverse).
//!
//! With a secret key (SK) configured, every request carries `sig`: the MD5, in lower-case
//! hex, of the request path, `?`, the parameters sorted by name and joined as `k=v&k2=v2`
//! with their values not URL-encoded, and the SK. Coordinates go out and come back in
//! GCJ-02. The forward lookup answers one place; an address must name its city, so a
//! `city` argument is put in front of an address that does not mention it.

use crate::http::{Http, Loose, VendorConfig, canonical, md5_hex, query};
use crate::{GeocodeError, Geocoder, Place, PlaceLevel, check_point, text};
use async_trait::async_trait;
use daojia_domain::geo::{LatLng, gcj02_to_wgs84, wgs84_to_gcj02};
use serde::Deserialize;

/// Where Tencent's web service lives.
pub const DEFAULT_BASE_URL: &str = "https://apis.map.qq.com";
/// The path of both lookups (signed exactly as requested, trailing slash included).
pub const GEOCODER_PATH: &str = "/ws/geocoder/v1/";

/// "No result" (查询无结果): an empty answer, not an error.
const NO_RESULT: i64 = 347;

/// The Tencent provider.
pub struct TencentGeocoder {
    http: Http,
    cfg: VendorConfig,
}

impl TencentGeocoder {
    /// A provider for `cfg` (use [`DEFAULT_BASE_URL`] in production).
    pub fn new(cfg: VendorConfig) -> Result<TencentGeocoder, GeocodeError> {
        Ok(TencentGeocoder {
            http: Http::new("tencent", &cfg)?,
            cfg,
        })
    }

    fn signed_query(&self, mut params: Vec<(&'static str, String)>) -> String {
        params.push(("key", self.cfg.key.clone()));
        let sig = self
            .cfg
            .secret
            .as_ref()
            .map(|sk| sign(GEOCODER_PATH, &params, sk.expose()));
        query(&params, sig.as_deref())
    }

    async fn call(&self, params: Vec<(&'static str, String)>) -> Result<Answer, GeocodeError> {
        let answer: Answer = self
            .http
            .get_json(GEOCODER_PATH, &self.signed_query(params))
            .await?;
        answer.check()?;
        Ok(answer)
    }
}

/// The `sig` for a request to `path` with `params` (which must include `key`) under `sk`.
pub fn sign(path: &str, params: &[(&str, String)], sk: &str) -> String {
    md5_hex(&format!("{path}?{}{sk}", canonical(params)))
}

#[derive(Debug, Deserialize)]
struct Answer {
    /// 0 for success.
    status: i64,
    #[serde(default)]
    message: String,
    #[serde(default)]
    result: Option<serde_json::Value>,
}

impl Answer {
    fn check(&self) -> Result<(), GeocodeError> {
        if self.status == 0 || self.status == NO_RESULT {
            return Ok(());
        }
        let provider = "tencent";
        let detail = format!("{} (status {})", self.message, self.status);
        Err(match self.status {
            // 来源未被授权, 签名验证失败, IP未被授权, 此功能未被授权, 无效的KEY,
            // 此key未开启webservice功能, key格式错误
            110..=113 | 190 | 199 | 311 => GeocodeError::Credentials { provider, detail },
            // 每秒请求量或每日调用量已达到上限
            120..=129 => GeocodeError::Quota { provider, detail },
            _ => GeocodeError::Refused { provider, detail },
        })
    }

    /// The `result` as `T`, naming the field that did not fit.
    fn result<T: for<'de> Deserialize<'de>>(self) -> Result<Option<T>, GeocodeError> {
        if self.status == NO_RESULT {
            return Ok(None);
        }
        let Some(v) = self.result else {
            return Err(GeocodeError::BadResponse {
                provider: "tencent",
                detail: "status 0 without a `result`".into(),
            });
        };
        serde_path_to_error::deserialize(v)
            .map(Some)
            .map_err(|e| GeocodeError::BadResponse {
                provider: "tencent",
                detail: format!("field `result.{}`: {}", e.path(), e.inner()),
            })
    }
}

#[derive(Debug, Deserialize)]
struct Point {
    lat: f64,
    lng: f64,
}

impl Point {
    fn wgs84(&self, field: &str) -> Result<LatLng, GeocodeError> {
        let p = LatLng::new(self.lat, self.lng);
        if !p.is_valid() {
            return Err(GeocodeError::BadResponse {
                provider: "tencent",
                detail: format!("field `{field}`: ({}, {}) is off the earth", p.lat, p.lng),
            });
        }
        Ok(gcj02_to_wgs84(p))
    }
}

#[derive(Debug, Default, Deserialize)]
struct Components {
    #[serde(default)]
    province: Loose,
    #[serde(default)]
    city: Loose,
    #[serde(default)]
    district: Loose,
    #[serde(default)]
    street: Loose,
    #[serde(default)]
    street_number: Loose,
}

impl Components {
    /// 上海市 + 上海市 + 徐汇区 … without repeating the municipality.
    fn joined(&self) -> String {
        let mut out = String::new();
        for part in [
            &self.province,
            &self.city,
            &self.district,
            &self.street,
            &self.street_number,
        ] {
            if let Some(p) = part.get()
                && !out.ends_with(p)
            {
                out.push_str(p);
            }
        }
        out
    }

    fn city(&self) -> Option<String> {
        self.city.0.clone().or_else(|| self.province.0.clone())
    }
}

#[derive(Debug, Deserialize)]
struct Forward {
    #[serde(default)]
    title: Loose,
    location: Point,
    #[serde(default)]
    address_components: Components,
    #[serde(default)]
    level: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct Reverse {
    #[serde(default)]
    address: Loose,
    #[serde(default)]
    address_component: Components,
}

/// Tencent's `level` (1 city … 11 POI) as ours.
fn level(n: Option<i64>) -> PlaceLevel {
    match n {
        Some(1) => PlaceLevel::City,
        Some(2) | Some(5) => PlaceLevel::District,
        Some(3) | Some(4) => PlaceLevel::Township,
        Some(7) | Some(8) => PlaceLevel::Street,
        Some(9) => PlaceLevel::Address,
        Some(6) | Some(10) | Some(11) => PlaceLevel::Poi,
        _ => PlaceLevel::Unknown,
    }
}

#[async_trait]
impl Geocoder for TencentGeocoder {
    fn name(&self) -> &'static str {
        "tencent"
    }

    async fn geocode(&self, q: &str, city: Option<&str>) -> Result<Vec<Place>, GeocodeError> {
        let Some(mut address) = text(q) else {
            return Ok(vec![]);
        };
        // The basic geocoder has no city parameter: a city name goes in front of the
        // address (an adcode cannot, and is left out).
        if let Some(c) = city.and_then(text)
            && !c.chars().all(|ch| ch.is_ascii_digit())
            && !address.contains(c.trim_end_matches('市'))
        {
            address = format!("{c}{address}");
        }
        let answer = self.call(vec![("address", address)]).await?;
        let Some(r) = answer.result::<Forward>()? else {
            return Ok(vec![]);
        };
        let c = &r.address_components;
        let joined = c.joined();
        Ok(vec![Place {
            formatted: if joined.is_empty() {
                r.title.0.clone().unwrap_or_default()
            } else {
                joined
            },
            city: c.city(),
            district: c.district.0.clone(),
            street: c.street.0.clone(),
            number: c.street_number.0.clone(),
            location: r.location.wgs84("result.location")?,
            level: level(r.level),
        }])
    }

    async fn reverse(&self, at: LatLng) -> Result<Option<Place>, GeocodeError> {
        check_point(at)?;
        let g = wgs84_to_gcj02(at);
        let answer = self
            .call(vec![("location", format!("{:.6},{:.6}", g.lat, g.lng))])
            .await?;
        let Some(r) = answer.result::<Reverse>()? else {
            return Ok(None);
        };
        let c = r.address_component;
        let Some(formatted) = r.address.0.clone().or_else(|| text(&c.joined())) else {
            return Ok(None);
        };
        let level = if c.street_number.0.is_some() {
            PlaceLevel::Address
        } else if c.street.0.is_some() {
            PlaceLevel::Street
        } else if c.district.0.is_some() {
            PlaceLevel::District
        } else {
            PlaceLevel::City
        };
        Ok(Some(Place {
            formatted,
            city: c.city(),
            district: c.district.0,
            street: c.street.0,
            number: c.street_number.0,
            // Tencent echoes the point asked about; ours is exact, theirs went through GCJ-02.
            location: at,
            level,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_covers_path_sorted_raw_params_and_the_secret_key() {
        let p = [
            ("key", "DEMO1-KEY00-00000-00000-00000-00000".to_string()),
            ("address", "上海市徐汇区漕溪北路88号".to_string()),
        ];
        // md5sum of the documented text: path ? sorted raw params, then the SK.
        assert_eq!(
            sign(GEOCODER_PATH, &p, "demo-sk"),
            "9cbab3939cd1ecde54745284d822b8f5"
        );
    }

    #[test]
    fn components_join_without_repeating_the_municipality() {
        let c: Components = serde_json::from_str(
            r#"{"province":"上海市","city":"上海市","district":"徐汇区","street":"漕溪北路","street_number":"88号"}"#,
        )
        .unwrap();
        assert_eq!(c.joined(), "上海市徐汇区漕溪北路88号");
        assert_eq!(level(Some(9)), PlaceLevel::Address);
        assert_eq!(level(Some(42)), PlaceLevel::Unknown);
    }

    #[test]
    fn statuses_map_to_what_an_operator_can_do() {
        let a = |status, message: &str| Answer {
            status,
            message: message.into(),
            result: None,
        };
        assert!(matches!(
            a(111, "签名验证失败").check(),
            Err(GeocodeError::Credentials { .. })
        ));
        assert!(matches!(
            a(121, "此key每日调用量已达到上限").check(),
            Err(GeocodeError::Quota { .. })
        ));
        assert!(matches!(
            a(310, "请求参数信息有误").check(),
            Err(GeocodeError::Refused { .. })
        ));
        assert!(a(347, "查询无结果").check().is_ok());
    }
}
