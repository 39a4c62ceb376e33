//! Navigation links for a job's address (导航): deep links that open the worker's map app
//! (AMap 高德, Tencent 腾讯, Baidu 百度) with a driving route to the door, and a web page
//! for a phone without any of them.
//!
//! Daojia stores WGS-84; each vendor wants its own system, so the destination is converted
//! here, once: GCJ-02 for AMap and Tencent, BD-09 (`bd09ll`) for Baidu. Coordinates are
//! written with six decimals (about 0.1 m, and what the vendors' documents ask for). Each
//! link follows the vendor's published URI scheme:
//!
//! - AMap, Android: `amapuri://route/plan/?sourceApplication&dlat&dlon&dname&dev=0&t=0`
//!   (`dev=0`: the coordinates are GCJ-02 already; `t=0`: driving); iOS:
//!   `iosamap://path?…` with the same parameters.
//! - Tencent: `qqmap://map/routeplan?type=drive&fromcoord=CurrentLocation&to&tocoord=lat,lng&referer`
//!   (`referer`: the developer key, or the app's name).
//! - Baidu: `baidumap://map/direction?destination=latlng:lat,lng|name:…&coord_type=bd09ll&mode=driving&src`.
//! - Web: AMap's `https://uri.amap.com/navigation?to=lng,lat,name&mode=car&coordinate=gaode&callnative=1&src`,
//!   which needs no key and offers to open the app when it is installed.

use crate::geo::{LatLng, wgs84_to_bd09, wgs84_to_gcj02};
use serde::{Deserialize, Serialize};

/// Who asks the map apps for a route: the vendors want it to attribute the calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caller {
    /// The app's name (`sourceApplication` for AMap, `src` for Baidu and the web page).
    pub app_name: String,
    /// Tencent's developer key for `referer`; the app's name when none.
    pub tencent_key: Option<String>,
}

impl Default for Caller {
    fn default() -> Self {
        Caller {
            app_name: "daojia".into(),
            tencent_key: None,
        }
    }
}

/// The destination in each system and the links that open a route to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NavLinks {
    /// The destination in GCJ-02 (AMap, Tencent).
    pub gcj02: LatLng,
    /// The destination in BD-09 (Baidu).
    pub bd09: LatLng,
    /// AMap on Android (`amapuri://`).
    pub amap: String,
    /// AMap on iOS (`iosamap://`).
    pub amap_ios: String,
    /// Tencent Maps (`qqmap://`).
    pub tencent: String,
    /// Baidu Maps (`baidumap://`).
    pub baidu: String,
    /// A web page with the route (AMap's), for a phone with none of the apps.
    pub web: String,
}

/// Percent-encodes `s` for a query value: everything but RFC 3986's unreserved characters,
/// so names with spaces, `&`, `#`, `|` or Chinese characters travel intact.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Six decimals, as the vendors ask.
fn deg(v: f64) -> String {
    format!("{v:.6}")
}

/// The links to drive to `to` (WGS-84), shown as `name`, asked for by `caller`.
pub fn links(to: LatLng, name: &str, caller: &Caller) -> NavLinks {
    let g = wgs84_to_gcj02(to);
    let b = wgs84_to_bd09(to);
    let name = encode(name.trim());
    let app = encode(&caller.app_name);
    let referer = encode(caller.tencent_key.as_deref().unwrap_or(&caller.app_name));
    let (glat, glng) = (deg(g.lat), deg(g.lng));
    let amap_query =
        format!("sourceApplication={app}&dlat={glat}&dlon={glng}&dname={name}&dev=0&t=0");
    NavLinks {
        gcj02: g,
        bd09: b,
        amap: format!("amapuri://route/plan/?{amap_query}"),
        amap_ios: format!("iosamap://path?{amap_query}"),
        tencent: format!(
            "qqmap://map/routeplan?type=drive&fromcoord=CurrentLocation&to={name}&tocoord={glat},{glng}&referer={referer}"
        ),
        baidu: format!(
            "baidumap://map/direction?destination=latlng:{},{}%7Cname:{name}&coord_type=bd09ll&mode=driving&src={app}",
            deg(b.lat),
            deg(b.lng)
        ),
        web: format!(
            "https://uri.amap.com/navigation?to={glng},{glat},{name}&mode=car&policy=0&coordinate=gaode&callnative=1&src={app}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Near Tiananmen; the converted values are those of the published algorithm (the
    // coordtransform library's reference for GCJ-02: 39.91640428150164, 116.41024449916938;
    // BD-09 through it: 39.922699552216216, 116.41662724378733).
    const P: LatLng = LatLng::new(39.915, 116.404);

    fn caller() -> Caller {
        Caller {
            app_name: "daojia".into(),
            tencent_key: None,
        }
    }

    #[test]
    fn the_destination_is_converted_into_each_vendors_system() {
        let l = links(P, "x", &caller());
        assert!((l.gcj02.lat - 39.916_404_281_501_64).abs() < 1e-9, "{l:?}");
        assert!((l.gcj02.lng - 116.410_244_499_169_38).abs() < 1e-9, "{l:?}");
        assert!((l.bd09.lat - 39.922_699_552_216_216).abs() < 1e-9, "{l:?}");
        assert!((l.bd09.lng - 116.416_627_243_787_33).abs() < 1e-9, "{l:?}");
    }

    #[test]
    fn each_link_carries_its_vendors_coordinates() {
        let l = links(P, "朝阳路 8号 3-201", &caller());
        let name = "%E6%9C%9D%E9%98%B3%E8%B7%AF%208%E5%8F%B7%203-201";
        assert_eq!(
            l.amap,
            format!(
                "amapuri://route/plan/?sourceApplication=daojia&dlat=39.916404&dlon=116.410244&dname={name}&dev=0&t=0"
            )
        );
        assert_eq!(
            l.amap_ios,
            format!(
                "iosamap://path?sourceApplication=daojia&dlat=39.916404&dlon=116.410244&dname={name}&dev=0&t=0"
            )
        );
        assert_eq!(
            l.tencent,
            format!(
                "qqmap://map/routeplan?type=drive&fromcoord=CurrentLocation&to={name}&tocoord=39.916404,116.410244&referer=daojia"
            )
        );
        assert_eq!(
            l.baidu,
            format!(
                "baidumap://map/direction?destination=latlng:39.922700,116.416627%7Cname:{name}&coord_type=bd09ll&mode=driving&src=daojia"
            )
        );
        assert_eq!(
            l.web,
            format!(
                "https://uri.amap.com/navigation?to=116.410244,39.916404,{name}&mode=car&policy=0&coordinate=gaode&callnative=1&src=daojia"
            )
        );
    }

    #[test]
    fn tencent_gets_the_developer_key_when_one_is_configured() {
        let c = Caller {
            tencent_key: Some("KEY-1".into()),
            ..caller()
        };
        assert!(links(P, "x", &c).tencent.ends_with("&referer=KEY-1"));
    }

    #[test]
    fn a_name_cannot_break_out_of_its_parameter() {
        let l = links(P, "a&t=2#x|name:y", &caller());
        assert!(
            l.amap.contains("dname=a%26t%3D2%23x%7Cname%3Ay&dev=0&t=0"),
            "{}",
            l.amap
        );
        assert_eq!(l.baidu.matches("name:").count(), 1, "{}", l.baidu);
    }

    #[test]
    fn outside_china_the_coordinates_stay_wgs84_for_amap_and_tencent() {
        let paris = LatLng::new(48.8566, 2.3522);
        let l = links(paris, "x", &caller());
        assert_eq!(l.gcj02, paris);
        assert!(
            l.amap.contains("dlat=48.856600&dlon=2.352200"),
            "{}",
            l.amap
        );
    }
}
