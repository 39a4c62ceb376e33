//! The AMap and Tencent providers against the local simulator: signatures checked as the
//! vendor checks them, GCJ-02 converted at the edge, and every way a call can fail reported
//! as an error an operator can act on.

mod sim;

use daojia_domain::geo::{LatLng, haversine_m};
use daojia_geocode::amap::AmapGeocoder;
use daojia_geocode::tencent::TencentGeocoder;
use daojia_geocode::{GeocodeError, Geocoder, PlaceLevel, VendorConfig};
use sim::{Sim, Vendor};
use std::time::{Duration, Instant};

const KEY: &str = "FAKE0-KEY00-FOR00-TESTS-ONLY0-00000";
const SECRET: &str = "fake-secret-for-tests-only";

/// The WGS-84 point the fixtures' GCJ-02 `121.441117,31.193122` stands for (徐家汇).
const XUJIAHUI: LatLng = LatLng::new(31.1950, 121.4365);
/// The fixtures' raw GCJ-02 point.
const XUJIAHUI_GCJ: LatLng = LatLng::new(31.193122, 121.441117);

fn provider(v: Vendor, cfg: VendorConfig) -> Box<dyn Geocoder> {
    match v {
        Vendor::Amap => Box::new(AmapGeocoder::new(cfg).unwrap()),
        Vendor::Tencent => Box::new(TencentGeocoder::new(cfg).unwrap()),
    }
}

async fn signed(v: Vendor) -> (Sim, Box<dyn Geocoder>) {
    let sim = Sim::start(v, KEY, Some(SECRET)).await;
    let g = provider(
        v,
        VendorConfig::new(&sim.base_url, KEY)
            .with_secret(SECRET)
            .with_timeout(Duration::from_millis(500)),
    );
    (sim, g)
}

const BOTH: [Vendor; 2] = [Vendor::Amap, Vendor::Tencent];

#[tokio::test]
async fn a_signed_geocode_answers_wgs84_a_few_hundred_metres_from_the_vendors_gcj02() {
    for v in BOTH {
        let (sim, g) = signed(v).await;
        let found = g
            .geocode("上海市徐汇区漕溪北路88号", Some("上海"))
            .await
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        assert_eq!(found.len(), 1, "{v:?}");
        let p = &found[0];
        assert_eq!(p.formatted, "上海市徐汇区漕溪北路88号", "{v:?}");
        assert_eq!(p.city.as_deref(), Some("上海市"), "{v:?}");
        assert_eq!(p.district.as_deref(), Some("徐汇区"), "{v:?}");
        assert_eq!(p.street.as_deref(), Some("漕溪北路"), "{v:?}");
        assert_eq!(p.number.as_deref(), Some("88号"), "{v:?}");
        assert_eq!(p.level, PlaceLevel::Address, "{v:?}");
        assert!(
            haversine_m(p.location, XUJIAHUI) < 0.5,
            "{v:?}: {:?}",
            p.location
        );
        let shift = haversine_m(p.location, XUJIAHUI_GCJ);
        assert!((300.0..700.0).contains(&shift), "{v:?}: moved {shift} m");

        let req = &sim.seen()[0];
        assert!(req.param("sig").is_some(), "{v:?}: signed");
        match v {
            Vendor::Amap => {
                assert_eq!(req.path, "/v3/geocode/geo");
                assert_eq!(req.param("city"), Some("上海"));
                assert_eq!(req.param("output"), Some("JSON"));
            }
            Vendor::Tencent => {
                assert_eq!(req.path, "/ws/geocoder/v1/");
                // No city parameter in the basic geocoder: the address already names it.
                assert_eq!(req.param("address"), Some("上海市徐汇区漕溪北路88号"));
            }
        }
    }
}

#[tokio::test]
async fn a_reverse_lookup_sends_gcj02_and_names_the_house() {
    for v in BOTH {
        let (sim, g) = signed(v).await;
        let p = g
            .reverse(XUJIAHUI)
            .await
            .unwrap_or_else(|e| panic!("{v:?}: {e}"))
            .expect("a place");
        assert_eq!(p.district.as_deref(), Some("徐汇区"), "{v:?}");
        assert_eq!(p.city.as_deref(), Some("上海市"), "{v:?}: municipality");
        assert_eq!(p.street.as_deref(), Some("漕溪北路"), "{v:?}");
        assert_eq!(p.level, PlaceLevel::Address, "{v:?}");
        assert!(
            p.formatted.contains("漕溪北路88号"),
            "{v:?}: {}",
            p.formatted
        );
        assert!(haversine_m(p.location, XUJIAHUI) < 0.5, "{v:?}");

        // What went out was GCJ-02, in the vendor's order.
        let sent = sim.seen()[0].param("location").unwrap().to_string();
        let (a, b) = sent.split_once(',').unwrap();
        let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
        let sent = match v {
            Vendor::Amap => LatLng::new(b, a),
            Vendor::Tencent => LatLng::new(a, b),
        };
        assert!(
            haversine_m(sent, XUJIAHUI_GCJ) < 0.5,
            "{v:?}: sent {sent:?}"
        );
    }
}

#[tokio::test]
async fn nothing_found_is_empty_not_an_error() {
    for v in BOTH {
        let (_sim, g) = signed(v).await;
        assert!(g.geocode("上海市无此路", None).await.unwrap().is_empty());
        assert!(g.geocode("   ", None).await.unwrap().is_empty());
        let sea = LatLng::new(31.0, 123.0);
        assert!(g.reverse(sea).await.unwrap().is_none(), "{v:?}");
    }
}

#[tokio::test]
async fn a_key_without_signatures_needs_no_secret() {
    for v in BOTH {
        let sim = Sim::start(v, KEY, None).await;
        let g = provider(v, VendorConfig::new(&sim.base_url, KEY));
        let found = g.geocode("上海市徐汇区漕溪北路88号", None).await.unwrap();
        assert_eq!(found.len(), 1);
        assert!(sim.seen()[0].param("sig").is_none(), "{v:?}");
    }
}

#[tokio::test]
async fn a_wrong_key_or_secret_is_refused_with_the_vendors_reason() {
    for v in BOTH {
        let sim = Sim::start(v, KEY, Some(SECRET)).await;
        let wrong_key = provider(
            v,
            VendorConfig::new(&sim.base_url, "WRONG").with_secret(SECRET),
        );
        let e = wrong_key.geocode("徐汇区", None).await.unwrap_err();
        assert!(
            matches!(e, GeocodeError::Credentials { .. }),
            "{v:?}: {e:?}"
        );
        let msg = e.to_string();
        let reason = match v {
            Vendor::Amap => "INVALID_USER_KEY (infocode 10001)",
            Vendor::Tencent => "key格式错误 (status 311)",
        };
        assert!(msg.contains(reason), "{msg}");
        assert!(msg.contains("geocoding.key"), "{msg}");

        let wrong_secret = provider(
            v,
            VendorConfig::new(&sim.base_url, KEY).with_secret("not-the-secret"),
        );
        let e = wrong_secret.reverse(XUJIAHUI).await.unwrap_err();
        let reason = match v {
            Vendor::Amap => "INVALID_USER_SIGNATURE",
            Vendor::Tencent => "签名验证失败",
        };
        assert!(
            matches!(e, GeocodeError::Credentials { .. }),
            "{v:?}: {e:?}"
        );
        assert!(e.to_string().contains(reason), "{e}");
        assert!(!e.to_string().contains("not-the-secret"), "{e}");

        let unsigned = provider(v, VendorConfig::new(&sim.base_url, KEY));
        let e = unsigned.geocode("徐汇区", None).await.unwrap_err();
        assert!(e.to_string().contains(reason), "{v:?}: unsigned: {e}");
    }
}

#[tokio::test]
async fn a_broken_body_is_reported_as_such() {
    for v in BOTH {
        let (_sim, g) = signed(v).await;
        let e = g.geocode("上海市坏地址", None).await.unwrap_err();
        assert!(
            matches!(e, GeocodeError::BadResponse { .. }),
            "{v:?}: {e:?}"
        );
        let msg = e.to_string();
        assert!(msg.contains("not JSON"), "{msg}");
        assert!(msg.contains("502 Bad Gateway"), "{msg}");
    }
}

#[tokio::test]
async fn a_slow_vendor_times_out() {
    for v in BOTH {
        let sim = Sim::start(v, KEY, None).await;
        let g = provider(
            v,
            VendorConfig::new(&sim.base_url, KEY).with_timeout(Duration::from_millis(300)),
        );
        let started = Instant::now();
        let e = g.geocode("上海市慢路1号", None).await.unwrap_err();
        assert!(
            matches!(e, GeocodeError::Timeout { after_ms: 300, .. }),
            "{v:?}: {e:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{v:?}");
        assert!(e.to_string().contains("within 300 ms"), "{e}");
    }
}

#[tokio::test]
async fn an_unreachable_vendor_is_reported_without_the_key() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for v in BOTH {
        let g = provider(
            v,
            VendorConfig::new(format!("http://127.0.0.1:{port}"), KEY).with_secret(SECRET),
        );
        let e = g.geocode("徐汇区", None).await.unwrap_err();
        assert!(
            matches!(e, GeocodeError::Unreachable { .. }),
            "{v:?}: {e:?}"
        );
        let msg = format!("{e} {e:?}");
        assert!(!msg.contains(KEY) && !msg.contains(SECRET), "{msg}");
    }
}

#[tokio::test]
async fn a_wrong_base_url_path_is_an_http_error() {
    let sim = Sim::start(Vendor::Amap, KEY, None).await;
    let g = provider(
        Vendor::Amap,
        VendorConfig::new(format!("{}/nowhere", sim.base_url), KEY),
    );
    let e = g.geocode("徐汇区", None).await.unwrap_err();
    assert!(matches!(e, GeocodeError::Unreachable { .. }), "{e:?}");
    assert!(e.to_string().contains("404"), "{e}");
}
