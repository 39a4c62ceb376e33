//! What an operator may put in the catalog: codes, an item's options and choices, and a
//! service area's outline and opening hours. The console's editor and the import both go
//! through these checks, so a misconfigured item or area is refused when it is written
//! rather than found when a customer tries to book it.

use crate::geo::{GeoJsonPolygon, LatLng, Polygon, out_of_china};
use crate::pricing::ItemOption;

/// One thing wrong with the input, named by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// JSON path, e.g. `options[1].choices[0].code` or `polygon.coordinates[0][3]`.
    pub field: String,
    /// Stable code: `invalid`, `duplicate`, `required`, `out_of_range`, `not_closed`, ...
    pub code: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

impl Invalid {
    fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Invalid {
        Invalid {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Most options on one item.
pub const MAX_OPTIONS: usize = 10;
/// Most choices in one option.
pub const MAX_CHOICES: usize = 20;
/// The largest change a choice may make to the unit price, 分 (¥10,000).
pub const MAX_PRICE_DELTA_FEN: i64 = 1_000_000;
/// The largest change a choice may make to the unit duration, minutes (8 hours).
pub const MAX_DURATION_DELTA_MIN: i32 = 480;
/// Most points in one ring of an area's outline.
pub const MAX_RING_POINTS: usize = 1_000;
/// Most holes in an area's outline.
pub const MAX_HOLES: usize = 20;

/// True for a code such as `deep_cleaning` or `sh-xuhui`: 1–64 lowercase ASCII letters,
/// digits, `_` or `-`, starting with a letter or digit. Codes appear in URLs and orders.
pub fn is_code(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_' || *c == b'-')
}

/// A display name: trimmed, 1 to `max` characters.
pub fn check_name(field: &str, value: &str, max: usize, out: &mut Vec<Invalid>) {
    let n = value.trim().chars().count();
    if n == 0 {
        out.push(Invalid::new(field, "required", "must not be empty"));
    } else if n > max {
        out.push(Invalid::new(
            field,
            "too_long",
            format!("at most {max} characters"),
        ));
    }
}

/// Checks an item's options: codes valid and unique (options within the item, choices
/// within their option), names given, at least one choice each, deltas within bounds, and
/// no combination of choices that prices the item at zero or less.
pub fn check_options(base_price_fen: i64, options: &[ItemOption]) -> Vec<Invalid> {
    let mut out = Vec::new();
    if options.len() > MAX_OPTIONS {
        out.push(Invalid::new(
            "options",
            "too_many",
            format!("at most {MAX_OPTIONS} options"),
        ));
        return out;
    }
    for (i, o) in options.iter().enumerate() {
        let at = format!("options[{i}]");
        if !is_code(&o.code) {
            out.push(Invalid::new(
                format!("{at}.code"),
                "invalid",
                "a code of lowercase letters, digits, `_` or `-`",
            ));
        } else if options[..i].iter().any(|p| p.code == o.code) {
            out.push(Invalid::new(
                format!("{at}.code"),
                "duplicate",
                format!("option `{}` appears twice", o.code),
            ));
        }
        check_name(&format!("{at}.name"), &o.name, 64, &mut out);
        check_name(&format!("{at}.name_en"), &o.name_en, 64, &mut out);
        if o.choices.is_empty() {
            out.push(Invalid::new(
                format!("{at}.choices"),
                "required",
                "an option needs at least one choice (the first is the default)",
            ));
        } else if o.choices.len() > MAX_CHOICES {
            out.push(Invalid::new(
                format!("{at}.choices"),
                "too_many",
                format!("at most {MAX_CHOICES} choices"),
            ));
        }
        for (j, c) in o.choices.iter().enumerate() {
            let at = format!("{at}.choices[{j}]");
            if !is_code(&c.code) {
                out.push(Invalid::new(
                    format!("{at}.code"),
                    "invalid",
                    "a code of lowercase letters, digits, `_` or `-`",
                ));
            } else if o.choices[..j].iter().any(|p| p.code == c.code) {
                out.push(Invalid::new(
                    format!("{at}.code"),
                    "duplicate",
                    format!("choice `{}` appears twice in this option", c.code),
                ));
            }
            check_name(&format!("{at}.name"), &c.name, 64, &mut out);
            check_name(&format!("{at}.name_en"), &c.name_en, 64, &mut out);
            // A range test, not `abs()`: `i64::MIN.abs()` overflows (and wraps to itself,
            // below the limit, in a release build).
            if !(-MAX_PRICE_DELTA_FEN..=MAX_PRICE_DELTA_FEN).contains(&c.price_delta_fen) {
                out.push(Invalid::new(
                    format!("{at}.price_delta_fen"),
                    "out_of_range",
                    format!("between -{MAX_PRICE_DELTA_FEN} and {MAX_PRICE_DELTA_FEN} 分"),
                ));
            }
            if !(-MAX_DURATION_DELTA_MIN..=MAX_DURATION_DELTA_MIN).contains(&c.duration_delta_min) {
                out.push(Invalid::new(
                    format!("{at}.duration_delta_min"),
                    "out_of_range",
                    format!(
                        "between -{MAX_DURATION_DELTA_MIN} and {MAX_DURATION_DELTA_MIN} minutes"
                    ),
                ));
            }
        }
    }
    if out.is_empty() {
        // Deltas are bounded above, but the base price is the caller's: add in i128, which
        // cannot overflow for any i64 inputs and option counts this small.
        let cheapest: i128 = i128::from(base_price_fen)
            + options
                .iter()
                .map(|o| {
                    o.choices
                        .iter()
                        .map(|c| i128::from(c.price_delta_fen))
                        .min()
                        .unwrap_or(0)
                })
                .sum::<i128>();
        if cheapest <= 0 {
            out.push(Invalid::new(
                "options",
                "price",
                format!(
                    "the cheapest choices price the item at {cheapest} 分; every combination must cost more than nothing"
                ),
            ));
        }
    }
    out
}

/// Checks an area's outline as an operator drew or uploaded it and returns the polygon:
/// every ring closed (its last position repeats the first), at least 4 positions (a
/// triangle), every point a coordinate inside China's bounds, no ring crossing itself, and
/// an outer ring that encloses some area. `field` prefixes the paths (`polygon`).
pub fn check_outline(field: &str, g: &GeoJsonPolygon) -> Result<Polygon, Invalid> {
    if g.coordinates.is_empty() {
        return Err(Invalid::new(
            format!("{field}.coordinates"),
            "required",
            "an outer ring of [lng, lat] positions",
        ));
    }
    if g.coordinates.len() > MAX_HOLES + 1 {
        return Err(Invalid::new(
            format!("{field}.coordinates"),
            "too_many",
            format!("at most {MAX_HOLES} holes"),
        ));
    }
    for (r, ring) in g.coordinates.iter().enumerate() {
        let at = format!("{field}.coordinates[{r}]");
        if ring.len() < 4 {
            return Err(Invalid::new(
                at,
                "too_few_points",
                "a ring needs at least 4 positions (3 corners and the first repeated)",
            ));
        }
        if ring.len() > MAX_RING_POINTS {
            return Err(Invalid::new(
                at,
                "too_many_points",
                format!("at most {MAX_RING_POINTS} positions; simplify the outline"),
            ));
        }
        for (k, c) in ring.iter().enumerate() {
            let p = LatLng::new(c[1], c[0]);
            if !p.is_valid() {
                return Err(Invalid::new(
                    format!("{at}[{k}]"),
                    "invalid",
                    "not a coordinate: expected [lng, lat] in degrees",
                ));
            }
            if out_of_china(p) {
                return Err(Invalid::new(
                    format!("{at}[{k}]"),
                    "out_of_bounds",
                    "outside China: positions are [lng, lat] (longitude first), WGS-84",
                ));
            }
        }
        if ring.first() != ring.last() {
            return Err(Invalid::new(
                at,
                "not_closed",
                "a ring must end with its first position",
            ));
        }
        let open = &ring[..ring.len() - 1];
        if let Some((a, b)) = self_crossing(open) {
            return Err(Invalid::new(
                at,
                "self_intersecting",
                format!("the edges after positions {a} and {b} cross; redraw the outline"),
            ));
        }
        if r == 0 && signed_area(open).abs() < 1e-10 {
            return Err(Invalid::new(at, "empty", "the outline encloses no area"));
        }
    }
    Polygon::from_geojson(g)
        .map_err(|e| Invalid::new(format!("{field}.coordinates"), "invalid", e.to_string()))
}

/// Twice the signed planar area of an open ring of `[lng, lat]` positions.
fn signed_area(ring: &[[f64; 2]]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (p, q) = (ring[i], ring[(i + 1) % n]);
            p[0] * q[1] - q[0] * p[1]
        })
        .sum()
}

/// The first pair of edges of an open ring that cross or overlap, by the index of the
/// position each starts at. Neighbouring edges share a corner and do not count, unless
/// they fold back over each other. O(n²): rings are at most [`MAX_RING_POINTS`] long.
pub fn self_crossing(ring: &[[f64; 2]]) -> Option<(usize, usize)> {
    let n = ring.len();
    if n < 3 {
        return None;
    }
    let edge = |i: usize| (ring[i], ring[(i + 1) % n]);
    for i in 0..n {
        let (a, b) = edge(i);
        for j in i + 1..n {
            let (c, d) = edge(j);
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            if adjacent {
                // Sharing a corner is fine; running back along the previous edge is not.
                let (shared, other_a, other_b) = if j == i + 1 { (b, a, d) } else { (a, b, c) };
                if orient(shared, other_a, other_b) == 0.0
                    && dot(sub(other_a, shared), sub(other_b, shared)) > 0.0
                {
                    return Some((i, j));
                }
                continue;
            }
            if segments_touch(a, b, c, d) {
                return Some((i, j));
            }
        }
    }
    None
}

fn sub(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] - b[0], a[1] - b[1]]
}

fn dot(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// Which side of `a→b` the point `c` lies on (positive left, negative right, 0 on the line).
fn orient(a: [f64; 2], b: [f64; 2], c: [f64; 2]) -> f64 {
    (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
}

fn on_segment(a: [f64; 2], b: [f64; 2], p: [f64; 2]) -> bool {
    p[0] >= a[0].min(b[0])
        && p[0] <= a[0].max(b[0])
        && p[1] >= a[1].min(b[1])
        && p[1] <= a[1].max(b[1])
}

/// True when segments `ab` and `cd` share any point.
fn segments_touch(a: [f64; 2], b: [f64; 2], c: [f64; 2], d: [f64; 2]) -> bool {
    let (d1, d2) = (orient(c, d, a), orient(c, d, b));
    let (d3, d4) = (orient(a, b, c), orient(a, b, d));
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        return true;
    }
    (d1 == 0.0 && on_segment(c, d, a))
        || (d2 == 0.0 && on_segment(c, d, b))
        || (d3 == 0.0 && on_segment(a, b, c))
        || (d4 == 0.0 && on_segment(a, b, d))
}

/// Checks an area's opening hours and appointment window: open before close within the
/// day, a window of 30 to 240 minutes in steps of 30 that fits between them.
pub fn check_hours(open_minute: i32, close_minute: i32, window_minutes: i32) -> Vec<Invalid> {
    let mut out = Vec::new();
    if !(0..24 * 60).contains(&open_minute) {
        out.push(Invalid::new(
            "open_minute",
            "out_of_range",
            "minutes after local midnight, 0 to 1439",
        ));
    }
    if !(1..=24 * 60).contains(&close_minute) {
        out.push(Invalid::new(
            "close_minute",
            "out_of_range",
            "minutes after local midnight, 1 to 1440",
        ));
    } else if close_minute <= open_minute {
        out.push(Invalid::new(
            "close_minute",
            "before_open",
            "the area must close after it opens (on the same day)",
        ));
    }
    if !(30..=240).contains(&window_minutes) || window_minutes % 30 != 0 {
        out.push(Invalid::new(
            "window_minutes",
            "out_of_range",
            "30 to 240 minutes, in steps of 30",
        ));
    } else if out.is_empty() && close_minute - open_minute < window_minutes {
        out.push(Invalid::new(
            "window_minutes",
            "too_long",
            "the opening hours must hold at least one window",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::GeoJsonPolygonType;
    use crate::pricing::OptionChoice;

    fn ring(points: &[[f64; 2]]) -> GeoJsonPolygon {
        GeoJsonPolygon {
            kind: GeoJsonPolygonType::Polygon,
            coordinates: vec![points.to_vec()],
        }
    }

    const SQUARE: [[f64; 2]; 5] = [
        [121.40, 31.15],
        [121.50, 31.15],
        [121.50, 31.25],
        [121.40, 31.25],
        [121.40, 31.15],
    ];

    #[test]
    fn a_closed_square_in_shanghai_is_an_outline() {
        let p = check_outline("polygon", &ring(&SQUARE)).unwrap();
        assert!(p.contains(LatLng::new(31.2, 121.45)));
    }

    #[test]
    fn outlines_that_are_open_short_foreign_or_crossed_are_refused_by_field() {
        let open = ring(&SQUARE[..4]);
        assert_eq!(
            check_outline("polygon", &open).unwrap_err().code,
            "not_closed"
        );
        let short = ring(&[[121.4, 31.1], [121.5, 31.1], [121.4, 31.1]]);
        let e = check_outline("polygon", &short).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("polygon.coordinates[0]", "too_few_points")
        );
        // Latitude first by mistake: (31, 121) is nowhere near China.
        let swapped: Vec<[f64; 2]> = SQUARE.iter().map(|p| [p[1], p[0]]).collect();
        let e = check_outline("polygon", &ring(&swapped)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("polygon.coordinates[0][0]", "invalid")
        );
        let tokyo: Vec<[f64; 2]> = SQUARE.iter().map(|p| [p[0] + 18.3, p[1] + 4.5]).collect();
        let e = check_outline("polygon", &ring(&tokyo)).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code),
            ("polygon.coordinates[0][0]", "out_of_bounds")
        );
        let bowtie = ring(&[
            [121.40, 31.15],
            [121.50, 31.25],
            [121.50, 31.15],
            [121.40, 31.25],
            [121.40, 31.15],
        ]);
        assert_eq!(
            check_outline("polygon", &bowtie).unwrap_err().code,
            "self_intersecting"
        );
        let flat = ring(&[[121.4, 31.1], [121.5, 31.1], [121.6, 31.1], [121.4, 31.1]]);
        assert!(check_outline("polygon", &flat).is_err());
    }

    #[test]
    fn a_ring_that_touches_itself_at_a_corner_crosses() {
        // A figure eight through (121.45, 31.2).
        let eight = [
            [121.40, 31.15],
            [121.45, 31.20],
            [121.50, 31.15],
            [121.50, 31.25],
            [121.45, 31.20],
            [121.40, 31.25],
        ];
        assert!(self_crossing(&eight).is_some());
        assert!(self_crossing(&SQUARE[..4]).is_none());
    }

    fn choice(code: &str, price: i64, minutes: i32) -> OptionChoice {
        OptionChoice {
            code: code.into(),
            name: code.into(),
            name_en: code.into(),
            price_delta_fen: price,
            duration_delta_min: minutes,
        }
    }

    fn option(code: &str, choices: Vec<OptionChoice>) -> ItemOption {
        ItemOption {
            code: code.into(),
            name: code.into(),
            name_en: code.into(),
            choices,
        }
    }

    #[test]
    fn deltas_at_the_integer_minimum_are_out_of_range_rather_than_a_panic() {
        // `i32::MIN.abs()` overflows: schemathesis sent this and got a 500.
        let extreme = vec![option("x", vec![choice("y", i64::MIN, i32::MIN)])];
        let codes: Vec<&str> = check_options(10_000, &extreme)
            .iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, ["out_of_range", "out_of_range"]);
    }

    #[test]
    fn options_need_unique_codes_a_choice_each_and_sane_deltas() {
        let good = vec![option(
            "size",
            vec![choice("s", 0, 0), choice("l", 5_000, 60)],
        )];
        assert!(check_options(10_000, &good).is_empty());
        let bad = vec![
            option("size", vec![choice("s", 0, 0), choice("s", 1, 0)]),
            option("size", vec![]),
            option("Extra!", vec![choice("x", 2_000_000, 1_000)]),
        ];
        let fields: Vec<(String, &str)> = check_options(10_000, &bad)
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect();
        assert_eq!(
            fields,
            [
                ("options[0].choices[1].code".to_string(), "duplicate"),
                ("options[1].code".to_string(), "duplicate"),
                ("options[1].choices".to_string(), "required"),
                ("options[2].code".to_string(), "invalid"),
                (
                    "options[2].choices[0].price_delta_fen".to_string(),
                    "out_of_range"
                ),
                (
                    "options[2].choices[0].duration_delta_min".to_string(),
                    "out_of_range"
                ),
            ]
        );
        let free = vec![option("coupon", vec![choice("big", -10_000, 0)])];
        assert_eq!(check_options(10_000, &free)[0].code, "price");
    }

    #[test]
    fn extreme_deltas_are_out_of_range_rather_than_wrapping() {
        for (price, minutes) in [(i64::MIN, 0), (i64::MAX, 0), (0, i32::MIN), (0, i32::MAX)] {
            let found = check_options(100, &[option("size", vec![choice("xl", price, minutes)])]);
            assert_eq!(found.len(), 1, "{price} {minutes}: {found:?}");
            assert_eq!(found[0].code, "out_of_range");
        }
        // Huge base prices with the largest allowed negative deltas do not overflow.
        let many: Vec<ItemOption> = (0..MAX_OPTIONS)
            .map(|i| option(&format!("o{i}"), vec![choice("a", -MAX_PRICE_DELTA_FEN, 0)]))
            .collect();
        assert!(check_options(i64::MAX, &many).is_empty());
        assert_eq!(check_options(i64::MIN, &many)[0].code, "price");
    }

    #[test]
    fn hours_hold_a_window_of_whole_half_hours() {
        assert!(check_hours(8 * 60, 20 * 60, 60).is_empty());
        assert_eq!(check_hours(8 * 60, 20 * 60, 45)[0].field, "window_minutes");
        assert_eq!(check_hours(20 * 60, 8 * 60, 60)[0].code, "before_open");
        assert_eq!(check_hours(8 * 60, 9 * 60, 120)[0].code, "too_long");
        assert!(
            is_code("sh-xuhui") && is_code("deep_cleaning") && !is_code("Deep") && !is_code("")
        );
    }
}
