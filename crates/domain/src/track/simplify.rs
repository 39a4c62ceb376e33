//! Douglas-Peucker downsampling of a track, in metres on a local flat projection (over a
//! city the earth's curvature is far below the tolerance).

use crate::geo::{EARTH_RADIUS_M, LatLng};

/// A local equirectangular projection around `origin`, metres.
struct Plane {
    origin: LatLng,
    kx: f64,
    ky: f64,
}

impl Plane {
    fn new(origin: LatLng) -> Plane {
        let ky = EARTH_RADIUS_M.to_radians();
        Plane {
            origin,
            kx: ky * origin.lat.to_radians().cos(),
            ky,
        }
    }

    fn xy(&self, p: LatLng) -> (f64, f64) {
        (
            (p.lng - self.origin.lng) * self.kx,
            (p.lat - self.origin.lat) * self.ky,
        )
    }
}

/// Distance in metres from `p` to the segment `a`–`b` (all projected).
fn to_segment(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 == 0.0 {
        0.0
    } else {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    };
    let (x, y) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    (x * x + y * y).sqrt()
}

/// The indexes of the points kept so that every point of `points` lies within
/// `epsilon_m` of the kept polyline: always the first and the last, in order.
pub fn simplify(points: &[LatLng], epsilon_m: f64) -> Vec<usize> {
    match points.len() {
        0 => return vec![],
        1 => return vec![0],
        _ => {}
    }
    let plane = Plane::new(points[0]);
    let xy: Vec<(f64, f64)> = points.iter().map(|p| plane.xy(*p)).collect();
    let mut keep = vec![false; points.len()];
    keep[0] = true;
    keep[points.len() - 1] = true;
    // An explicit stack: a long track must not recurse thousands deep.
    let mut stack = vec![(0, points.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        if b <= a + 1 {
            continue;
        }
        let mut far = (0.0, a);
        for i in a + 1..b {
            let d = to_segment(xy[i], xy[a], xy[b]);
            if d > far.0 {
                far = (d, i);
            }
        }
        if far.0 > epsilon_m {
            keep[far.1] = true;
            stack.push((a, far.1));
            stack.push((far.1, b));
        }
    }
    keep.iter()
        .enumerate()
        .filter_map(|(i, k)| k.then_some(i))
        .collect()
}

/// The greatest distance in metres from a point of `points` to the polyline of the kept
/// indexes `kept` between the kept points around it (what [`simplify`] bounds).
pub fn max_deviation_m(points: &[LatLng], kept: &[usize]) -> f64 {
    if points.is_empty() {
        return 0.0;
    }
    let plane = Plane::new(points[0]);
    let mut worst: f64 = 0.0;
    for w in kept.windows(2) {
        let (a, b) = (plane.xy(points[w[0]]), plane.xy(points[w[1]]));
        for p in &points[w[0]..=w[1]] {
            worst = worst.max(to_segment(plane.xy(*p), a, b));
        }
    }
    worst
}
