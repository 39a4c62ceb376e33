//! Places: coordinates, the three coordinate systems used in China, distances and polygons.
//!
//! Daojia stores every coordinate in WGS-84 (what GPS reports). Chinese map vendors draw in
//! GCJ-02 (AMap, Tencent) or BD-09 (Baidu), so coordinates are converted at the edges: a pin
//! dropped on an AMap widget arrives as GCJ-02 and is stored as WGS-84; a route drawn on it
//! is converted back. The conversions follow the published GCJ-02 obfuscation formula; the
//! inverse is solved by fixed-point iteration to well under a centimetre.

use serde::{Deserialize, Serialize};

/// A point on the earth in degrees. Which system it is in is the caller's contract; the
/// conversion functions name theirs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLng {
    /// Latitude, degrees north.
    pub lat: f64,
    /// Longitude, degrees east.
    pub lng: f64,
}

impl LatLng {
    /// A point from latitude and longitude.
    pub const fn new(lat: f64, lng: f64) -> LatLng {
        LatLng { lat, lng }
    }

    /// True when both parts are finite and within their ranges.
    pub fn is_valid(&self) -> bool {
        self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng)
    }
}

/// A coordinate system a map may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoordSystem {
    /// GPS, OpenStreetMap, what Daojia stores.
    Wgs84,
    /// The national "Mars" system: AMap (高德), Tencent (腾讯), Apple Maps in China.
    Gcj02,
    /// Baidu's system on top of GCJ-02.
    Bd09,
}

impl CoordSystem {
    /// Converts `p` from this system to WGS-84.
    pub fn to_wgs84(self, p: LatLng) -> LatLng {
        match self {
            CoordSystem::Wgs84 => p,
            CoordSystem::Gcj02 => gcj02_to_wgs84(p),
            CoordSystem::Bd09 => bd09_to_wgs84(p),
        }
    }

    /// Converts `p` from WGS-84 to this system.
    pub fn from_wgs84(self, p: LatLng) -> LatLng {
        match self {
            CoordSystem::Wgs84 => p,
            CoordSystem::Gcj02 => wgs84_to_gcj02(p),
            CoordSystem::Bd09 => wgs84_to_bd09(p),
        }
    }
}

const KRASOVSKY_A: f64 = 6_378_245.0;
const KRASOVSKY_EE: f64 = 0.006_693_421_622_965_943;
const X_PI: f64 = std::f64::consts::PI * 3000.0 / 180.0;

/// True outside the rough bounding box of China, where GCJ-02 equals WGS-84.
pub fn out_of_china(p: LatLng) -> bool {
    !(72.004..=137.8347).contains(&p.lng) || !(0.8293..=55.8271).contains(&p.lat)
}

fn shift_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn shift_lng(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The GCJ-02 offset at a WGS-84 point.
fn gcj_offset(p: LatLng) -> (f64, f64) {
    use std::f64::consts::PI;
    let dlat = shift_lat(p.lng - 105.0, p.lat - 35.0);
    let dlng = shift_lng(p.lng - 105.0, p.lat - 35.0);
    let rad = p.lat / 180.0 * PI;
    let magic = 1.0 - KRASOVSKY_EE * rad.sin() * rad.sin();
    let sqrt_magic = magic.sqrt();
    let dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrt_magic) * PI);
    let dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrt_magic * rad.cos() * PI);
    (dlat, dlng)
}

/// WGS-84 to GCJ-02 (unchanged outside China).
pub fn wgs84_to_gcj02(p: LatLng) -> LatLng {
    if out_of_china(p) {
        return p;
    }
    let (dlat, dlng) = gcj_offset(p);
    LatLng::new(p.lat + dlat, p.lng + dlng)
}

/// GCJ-02 to WGS-84: the inverse of [`wgs84_to_gcj02`] by fixed-point iteration, exact to
/// about 1e-9 degrees (a tenth of a millimetre).
pub fn gcj02_to_wgs84(g: LatLng) -> LatLng {
    if out_of_china(g) {
        return g;
    }
    let mut w = g;
    for _ in 0..30 {
        let f = wgs84_to_gcj02(w);
        let (elat, elng) = (f.lat - g.lat, f.lng - g.lng);
        w = LatLng::new(w.lat - elat, w.lng - elng);
        if elat.abs() < 1e-10 && elng.abs() < 1e-10 {
            break;
        }
    }
    w
}

/// GCJ-02 to BD-09.
pub fn gcj02_to_bd09(g: LatLng) -> LatLng {
    let (x, y) = (g.lng, g.lat);
    let z = (x * x + y * y).sqrt() + 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) + 0.000003 * (x * X_PI).cos();
    LatLng::new(z * theta.sin() + 0.006, z * theta.cos() + 0.0065)
}

/// BD-09 to GCJ-02 (the published closed-form inverse, good to a few centimetres).
pub fn bd09_to_gcj02(b: LatLng) -> LatLng {
    let (x, y) = (b.lng - 0.0065, b.lat - 0.006);
    let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
    let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
    LatLng::new(z * theta.sin(), z * theta.cos())
}

/// WGS-84 to BD-09.
pub fn wgs84_to_bd09(p: LatLng) -> LatLng {
    gcj02_to_bd09(wgs84_to_gcj02(p))
}

/// BD-09 to WGS-84.
pub fn bd09_to_wgs84(b: LatLng) -> LatLng {
    gcj02_to_wgs84(bd09_to_gcj02(b))
}

/// Mean earth radius in metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two WGS-84 points.
pub fn haversine_m(a: LatLng, b: LatLng) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlng = (b.lng - a.lng).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlng / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// A latitude/longitude box.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BBox {
    /// South-west corner.
    pub min: LatLng,
    /// North-east corner.
    pub max: LatLng,
}

impl BBox {
    /// True when `p` is inside or on the edge.
    pub fn contains(&self, p: LatLng) -> bool {
        (self.min.lat..=self.max.lat).contains(&p.lat)
            && (self.min.lng..=self.max.lng).contains(&p.lng)
    }
}

/// Why a polygon is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolygonError {
    /// A ring with fewer than three distinct points.
    #[error("ring {ring} has fewer than 3 distinct points")]
    TooFewPoints {
        /// Index of the ring (0 is the outer ring).
        ring: usize,
    },
    /// A coordinate out of range or not a number.
    #[error("ring {ring}, point {point} is not a valid coordinate")]
    BadPoint {
        /// Ring index.
        ring: usize,
        /// Point index within the ring.
        point: usize,
    },
}

/// A polygon with an outer ring and optional holes, in WGS-84. Rings are stored open (the
/// first point is not repeated at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    outer: Vec<LatLng>,
    holes: Vec<Vec<LatLng>>,
    bbox: BBox,
}

impl Polygon {
    /// A polygon from its outer ring and holes; a closing point equal to the first is dropped.
    pub fn new(outer: Vec<LatLng>, holes: Vec<Vec<LatLng>>) -> Result<Polygon, PolygonError> {
        let mut rings = Vec::with_capacity(1 + holes.len());
        for (i, ring) in std::iter::once(outer).chain(holes).enumerate() {
            rings.push(open_ring(ring, i)?);
        }
        let outer = rings.remove(0);
        let mut min = outer[0];
        let mut max = outer[0];
        for p in &outer {
            min = LatLng::new(min.lat.min(p.lat), min.lng.min(p.lng));
            max = LatLng::new(max.lat.max(p.lat), max.lng.max(p.lng));
        }
        Ok(Polygon {
            outer,
            holes: rings,
            bbox: BBox { min, max },
        })
    }

    /// The outer ring (open).
    pub fn outer(&self) -> &[LatLng] {
        &self.outer
    }

    /// The holes (open rings).
    pub fn holes(&self) -> &[Vec<LatLng>] {
        &self.holes
    }

    /// The bounding box.
    pub fn bbox(&self) -> BBox {
        self.bbox
    }

    /// True when `p` is inside the outer ring and outside every hole. Points exactly on an
    /// edge may go either way.
    pub fn contains(&self, p: LatLng) -> bool {
        self.bbox.contains(p)
            && ring_contains(&self.outer, p)
            && !self.holes.iter().any(|h| ring_contains(h, p))
    }

    /// The area-weighted centre of the outer ring (planar approximation, fine at city scale).
    pub fn centroid(&self) -> LatLng {
        let n = self.outer.len();
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for i in 0..n {
            let (p, q) = (self.outer[i], self.outer[(i + 1) % n]);
            let cross = p.lng * q.lat - q.lng * p.lat;
            a += cross;
            cx += (p.lng + q.lng) * cross;
            cy += (p.lat + q.lat) * cross;
        }
        if a.abs() < 1e-18 {
            let k = n as f64;
            let s = self
                .outer
                .iter()
                .fold((0.0, 0.0), |s, p| (s.0 + p.lat, s.1 + p.lng));
            return LatLng::new(s.0 / k, s.1 / k);
        }
        LatLng::new(cy / (3.0 * a), cx / (3.0 * a))
    }

    /// Parses a GeoJSON `Polygon` geometry (`{"type":"Polygon","coordinates":[[[lng,lat],..]]}`).
    pub fn from_geojson(v: &GeoJsonPolygon) -> Result<Polygon, PolygonError> {
        let mut rings = v.coordinates.iter().map(|r| {
            r.iter()
                .map(|c| LatLng::new(c[1], c[0]))
                .collect::<Vec<_>>()
        });
        let outer = rings.next().unwrap_or_default();
        Polygon::new(outer, rings.collect())
    }

    /// The GeoJSON geometry of this polygon (rings closed, `[lng, lat]` order).
    pub fn to_geojson(&self) -> GeoJsonPolygon {
        let ring = |r: &[LatLng]| {
            let mut v: Vec<[f64; 2]> = r.iter().map(|p| [p.lng, p.lat]).collect();
            v.push([r[0].lng, r[0].lat]);
            v
        };
        let mut coordinates = vec![ring(&self.outer)];
        coordinates.extend(self.holes.iter().map(|h| ring(h)));
        GeoJsonPolygon {
            kind: GeoJsonPolygonType::Polygon,
            coordinates,
        }
    }
}

/// The GeoJSON `Polygon` geometry as stored and exchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoJsonPolygon {
    /// Always `"Polygon"`.
    #[serde(rename = "type")]
    pub kind: GeoJsonPolygonType,
    /// Rings of `[lng, lat]` pairs; the first is the outer ring.
    pub coordinates: Vec<Vec<[f64; 2]>>,
}

/// The one GeoJSON geometry type accepted for an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GeoJsonPolygonType {
    /// A polygon.
    Polygon,
}

fn open_ring(mut ring: Vec<LatLng>, index: usize) -> Result<Vec<LatLng>, PolygonError> {
    if let Some(point) = ring.iter().position(|p| !p.is_valid()) {
        return Err(PolygonError::BadPoint { ring: index, point });
    }
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    ring.dedup();
    if ring.len() < 3 {
        return Err(PolygonError::TooFewPoints { ring: index });
    }
    Ok(ring)
}

/// Even-odd ray casting on a ring.
fn ring_contains(ring: &[LatLng], p: LatLng) -> bool {
    let mut inside = false;
    let mut j = ring.len() - 1;
    for i in 0..ring.len() {
        let (a, b) = (ring[i], ring[j]);
        if (a.lat > p.lat) != (b.lat > p.lat) {
            let x = a.lng + (p.lat - a.lat) / (b.lat - a.lat) * (b.lng - a.lng);
            if p.lng < x {
                inside = !inside;
            }
        }
        j = i;
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: LatLng, b: LatLng, eps: f64) -> bool {
        (a.lat - b.lat).abs() < eps && (a.lng - b.lng).abs() < eps
    }

    // Reference values published with the widely used coordtransform library for the point
    // (39.915, 116.404) near Tiananmen.
    const P: LatLng = LatLng::new(39.915, 116.404);

    #[test]
    fn wgs84_to_gcj02_matches_the_reference() {
        let g = wgs84_to_gcj02(P);
        assert!(
            close(g, LatLng::new(39.91640428150164, 116.41024449916938), 1e-12),
            "{g:?}"
        );
    }

    #[test]
    fn gcj02_to_bd09_matches_the_reference() {
        let b = gcj02_to_bd09(P);
        assert!(
            close(b, LatLng::new(39.92133699351021, 116.41036949371029), 1e-12),
            "{b:?}"
        );
    }

    #[test]
    fn bd09_to_gcj02_matches_the_reference() {
        let g = bd09_to_gcj02(P);
        assert!(
            close(g, LatLng::new(39.90865673957631, 116.39762729119315), 1e-12),
            "{g:?}"
        );
    }

    #[test]
    fn gcj02_to_wgs84_is_more_exact_than_the_one_step_approximation() {
        // The one-step approximation gives (39.91359571849836, 116.39775550083061); the
        // iterated inverse lands within a metre of it and maps back exactly.
        let w = gcj02_to_wgs84(P);
        assert!(
            close(w, LatLng::new(39.91359571849836, 116.39775550083061), 1e-5),
            "{w:?}"
        );
        assert!(close(wgs84_to_gcj02(w), P, 1e-9));
    }

    #[test]
    fn shanghai_offset_is_a_few_hundred_metres() {
        let people_square = LatLng::new(31.2304, 121.4737);
        let d = haversine_m(people_square, wgs84_to_gcj02(people_square));
        assert!((400.0..700.0).contains(&d), "{d}");
        let bd = wgs84_to_bd09(people_square);
        assert!(haversine_m(people_square, bd) > 1000.0);
    }

    #[test]
    fn outside_china_nothing_moves() {
        let paris = LatLng::new(48.8566, 2.3522);
        assert_eq!(wgs84_to_gcj02(paris), paris);
        assert_eq!(gcj02_to_wgs84(paris), paris);
        assert_eq!(CoordSystem::Gcj02.to_wgs84(paris), paris);
    }

    #[test]
    fn haversine_known_distance() {
        // People's Square to Lujiazui: about 2.7 km.
        let d = haversine_m(
            LatLng::new(31.2304, 121.4737),
            LatLng::new(31.2397, 121.4998),
        );
        assert!((2_600.0..2_800.0).contains(&d), "{d}");
        assert_eq!(haversine_m(P, P), 0.0);
    }

    fn square() -> Polygon {
        Polygon::new(
            vec![
                LatLng::new(0.0, 0.0),
                LatLng::new(0.0, 10.0),
                LatLng::new(10.0, 10.0),
                LatLng::new(10.0, 0.0),
                LatLng::new(0.0, 0.0),
            ],
            vec![vec![
                LatLng::new(4.0, 4.0),
                LatLng::new(4.0, 6.0),
                LatLng::new(6.0, 6.0),
                LatLng::new(6.0, 4.0),
            ]],
        )
        .unwrap()
    }

    #[test]
    fn polygon_contains_respects_holes() {
        let s = square();
        assert!(s.contains(LatLng::new(1.0, 1.0)));
        assert!(!s.contains(LatLng::new(5.0, 5.0)));
        assert!(!s.contains(LatLng::new(11.0, 5.0)));
        assert!(!s.contains(LatLng::new(-0.5, 5.0)));
        assert_eq!(s.outer().len(), 4, "closing point dropped");
        let c = s.centroid();
        assert!(close(c, LatLng::new(5.0, 5.0), 1e-9), "{c:?}");
    }

    #[test]
    fn concave_polygon() {
        // An L shape.
        let l = Polygon::new(
            vec![
                LatLng::new(0.0, 0.0),
                LatLng::new(0.0, 4.0),
                LatLng::new(1.0, 4.0),
                LatLng::new(1.0, 1.0),
                LatLng::new(4.0, 1.0),
                LatLng::new(4.0, 0.0),
            ],
            vec![],
        )
        .unwrap();
        assert!(l.contains(LatLng::new(0.5, 3.0)));
        assert!(l.contains(LatLng::new(3.0, 0.5)));
        assert!(!l.contains(LatLng::new(3.0, 3.0)));
    }

    #[test]
    fn bad_polygons_are_refused() {
        assert_eq!(
            Polygon::new(
                vec![
                    LatLng::new(0.0, 0.0),
                    LatLng::new(1.0, 1.0),
                    LatLng::new(0.0, 0.0)
                ],
                vec![]
            ),
            Err(PolygonError::TooFewPoints { ring: 0 })
        );
        assert_eq!(
            Polygon::new(
                vec![
                    LatLng::new(0.0, 0.0),
                    LatLng::new(f64::NAN, 1.0),
                    LatLng::new(2.0, 0.0)
                ],
                vec![]
            ),
            Err(PolygonError::BadPoint { ring: 0, point: 1 })
        );
    }

    #[test]
    fn geojson_round_trip() {
        let s = square();
        let json = serde_json::to_string(&s.to_geojson()).unwrap();
        assert!(
            json.starts_with(r#"{"type":"Polygon","coordinates":[[[0.0,0.0],[10.0,0.0]"#),
            "{json}"
        );
        let back: GeoJsonPolygon = serde_json::from_str(&json).unwrap();
        assert_eq!(Polygon::from_geojson(&back).unwrap(), s);
        assert!(
            serde_json::from_str::<GeoJsonPolygon>(r#"{"type":"Point","coordinates":[]}"#).is_err()
        );
    }

    proptest! {
        #[test]
        fn conversions_round_trip_in_china(lat in 18.0f64..53.0, lng in 74.0f64..134.0) {
            let w = LatLng::new(lat, lng);
            prop_assert!(close(gcj02_to_wgs84(wgs84_to_gcj02(w)), w, 1e-8));
            // BD-09's inverse is the published closed form: a few centimetres.
            prop_assert!(haversine_m(bd09_to_wgs84(wgs84_to_bd09(w)), w) < 0.5);
            for sys in [CoordSystem::Wgs84, CoordSystem::Gcj02, CoordSystem::Bd09] {
                prop_assert!(haversine_m(sys.to_wgs84(sys.from_wgs84(w)), w) < 0.5);
            }
        }

        #[test]
        fn gcj_offset_is_bounded(lat in 18.0f64..53.0, lng in 74.0f64..134.0) {
            let w = LatLng::new(lat, lng);
            prop_assert!(haversine_m(w, wgs84_to_gcj02(w)) < 1_000.0);
        }
    }
}
