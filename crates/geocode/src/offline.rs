//! The offline provider: the demo city's districts, streets, house numbers and main roads,
//! looked up in memory. It is the default, so the demo and the tests resolve addresses with
//! no network and no key.
//!
//! What it knows comes from [`daojia_demo::City`]: district outlines and names, the main
//! roads, and the streets and house numbers of the generated customer addresses. A street's
//! point is the most central of the demo addresses on it. Forward lookups match district
//! names (中文, short or English), street and road names (whole, or the start of one as
//! customers type) and house numbers; reverse lookups name the nearest known house number
//! within [`ADDRESS_RADIUS_M`], else its street within [`STREET_RADIUS_M`], else the
//! district whose outline contains the point.

use crate::{GeocodeError, Geocoder, Place, PlaceLevel, check_point};
use async_trait::async_trait;
use daojia_demo::City;
use daojia_domain::geo::{LatLng, Polygon, haversine_m};

/// A reverse lookup names a house number this close, in metres.
pub const ADDRESS_RADIUS_M: f64 = 100.0;
/// A reverse lookup names a street with a known house this close, in metres.
pub const STREET_RADIUS_M: f64 = 500.0;
/// At most this many places per forward lookup.
pub const MAX_RESULTS: usize = 10;

const CITY: &str = "上海市";

struct District {
    name: String,
    /// Lower-case spellings a query may start with: 徐汇区, 徐汇, xuhui.
    spellings: Vec<String>,
    polygon: Polygon,
    center: LatLng,
}

struct Street {
    name: String,
    district: usize,
    at: LatLng,
}

struct House {
    street: usize,
    number: u32,
    at: LatLng,
}

struct Road {
    name: String,
    name_en: String,
    at: LatLng,
}

/// The offline provider over one demo city.
pub struct OfflineGeocoder {
    districts: Vec<District>,
    streets: Vec<Street>,
    houses: Vec<House>,
    roads: Vec<Road>,
}

/// Splits a demo address (`上海市徐汇区漕溪北路88号 梅园新村`) after its district name into
/// street and house number.
fn split_address<'a>(address: &'a str, district: &str) -> Option<(&'a str, u32)> {
    let rest = address.strip_prefix(CITY)?.strip_prefix(district)?;
    let digits = rest.find(|c: char| c.is_ascii_digit())?;
    let (street, tail) = rest.split_at(digits);
    let end = tail
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(tail.len());
    let number = tail[..end].parse().ok()?;
    (!street.is_empty() && tail[end..].starts_with('号')).then_some((street, number))
}

/// The point of `points` with the least total distance to the others: a centre that is
/// one of them, so it lies where they do (inside their district).
fn medoid(points: &[LatLng]) -> LatLng {
    points
        .iter()
        .copied()
        .min_by(|a, b| {
            let sum = |p: &LatLng| points.iter().map(|q| haversine_m(*p, *q)).sum::<f64>();
            sum(a).total_cmp(&sum(b))
        })
        .expect("called with at least one point")
}

/// The query as matched: no spaces, ASCII lower-cased, apostrophes dropped, and the country
/// and city in front taken off.
fn normalise(q: &str) -> String {
    let mut s: String = q
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\'' | '’' | ','))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    for prefix in ["中国", "上海市", "上海", "shanghai"] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    s
}

/// True when `city` means the demo city: its name, or its adcode or telephone code as the
/// vendors accept them.
fn is_demo_city(city: &str) -> bool {
    let c: String = city
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    matches!(
        c.as_str(),
        "上海" | "上海市" | "shanghai" | "310000" | "310100" | "021"
    )
}

impl OfflineGeocoder {
    /// The provider for the demo city generated from `seed`.
    pub fn demo(seed: u64) -> OfflineGeocoder {
        Self::from_city(&daojia_demo::city(seed))
    }

    /// The provider for `city`.
    pub fn from_city(city: &City) -> OfflineGeocoder {
        let districts: Vec<District> = city
            .areas
            .iter()
            .map(|a| {
                let short = a
                    .name
                    .strip_suffix("新区")
                    .or_else(|| a.name.strip_suffix('区'))
                    .unwrap_or(a.name);
                let mut spellings =
                    vec![a.name.to_string(), short.to_string(), normalise(a.name_en)];
                spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
                District {
                    name: a.name.to_string(),
                    spellings,
                    center: a.polygon.centroid(),
                    polygon: a.polygon.clone(),
                }
            })
            .collect();
        let mut streets: Vec<(String, usize, Vec<LatLng>)> = Vec::new();
        let mut houses = Vec::new();
        for address in city.customers.iter().flat_map(|c| &c.addresses) {
            let Some(d) = city.areas.iter().position(|a| a.code == address.area_code) else {
                continue;
            };
            let Some((name, number)) = split_address(&address.address, city.areas[d].name) else {
                continue;
            };
            let s = match streets.iter().position(|s| s.0 == name && s.1 == d) {
                Some(s) => s,
                None => {
                    streets.push((name.to_string(), d, Vec::new()));
                    streets.len() - 1
                }
            };
            streets[s].2.push(address.at);
            houses.push(House {
                street: s,
                number,
                at: address.at,
            });
        }
        let streets = streets
            .into_iter()
            .map(|(name, district, points)| Street {
                name,
                district,
                at: medoid(&points),
            })
            .collect();
        let roads = city
            .roads
            .iter()
            .filter(|r| r.kind == "road" && !r.points.is_empty())
            .map(|r| Road {
                name: r.name.to_string(),
                name_en: normalise(r.name_en),
                at: r.points[r.points.len() / 2],
            })
            .collect();
        let mut g = OfflineGeocoder {
            districts,
            streets,
            houses,
            roads,
        };
        // A district's point is its centroid, unless the outline is so bent that the
        // centroid falls outside: then the most central known street of it.
        for d in 0..g.districts.len() {
            if !g.districts[d].polygon.contains(g.districts[d].center) {
                let inside: Vec<LatLng> = g
                    .streets
                    .iter()
                    .filter(|s| s.district == d)
                    .map(|s| s.at)
                    .collect();
                if !inside.is_empty() {
                    g.districts[d].center = medoid(&inside);
                }
            }
        }
        g
    }

    fn district_at(&self, p: LatLng) -> Option<usize> {
        self.districts.iter().position(|d| d.polygon.contains(p))
    }

    fn place(&self, district: Option<usize>, street: Option<&str>, number: Option<u32>) -> String {
        let mut s = CITY.to_string();
        if let Some(d) = district {
            s.push_str(&self.districts[d].name);
        }
        if let Some(st) = street {
            s.push_str(st);
        }
        if let Some(n) = number {
            s.push_str(&format!("{n}号"));
        }
        s
    }

    fn house_place(&self, h: &House) -> Place {
        let st = &self.streets[h.street];
        Place {
            formatted: self.place(Some(st.district), Some(&st.name), Some(h.number)),
            city: Some(CITY.into()),
            district: Some(self.districts[st.district].name.clone()),
            street: Some(st.name.clone()),
            number: Some(format!("{}号", h.number)),
            location: h.at,
            level: PlaceLevel::Address,
        }
    }

    fn street_place(&self, s: usize, at: LatLng) -> Place {
        let st = &self.streets[s];
        Place {
            formatted: self.place(Some(st.district), Some(&st.name), None),
            city: Some(CITY.into()),
            district: Some(self.districts[st.district].name.clone()),
            street: Some(st.name.clone()),
            number: None,
            location: at,
            level: PlaceLevel::Street,
        }
    }

    fn district_place(&self, d: usize, at: LatLng) -> Place {
        Place {
            formatted: self.place(Some(d), None, None),
            city: Some(CITY.into()),
            district: Some(self.districts[d].name.clone()),
            street: None,
            number: None,
            location: at,
            level: PlaceLevel::District,
        }
    }

    /// The district a normalised query starts with, and the rest of the query.
    fn split_district<'q>(&self, q: &'q str) -> (Option<usize>, &'q str) {
        for (i, d) in self.districts.iter().enumerate() {
            for s in &d.spellings {
                if let Some(rest) = q.strip_prefix(s.as_str()) {
                    return (Some(i), rest);
                }
            }
        }
        (None, q)
    }

    /// Houses, then streets and roads, matching `rest` (in `district` when given).
    fn streets_matching(&self, rest: &str, district: Option<usize>) -> Vec<Place> {
        let typed_start = |name: &str| rest.chars().count() >= 2 && name.starts_with(rest);
        let mut houses = Vec::new();
        let mut streets = Vec::new();
        for (i, s) in self.streets.iter().enumerate() {
            if district.is_some_and(|d| d != s.district) {
                continue;
            }
            if let Some(pos) = rest.find(s.name.as_str()) {
                let after = &rest[pos + s.name.len()..];
                let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
                if let Ok(n) = digits.parse::<u32>() {
                    houses.extend(
                        self.houses
                            .iter()
                            .filter(|h| h.street == i && h.number == n)
                            .map(|h| self.house_place(h)),
                    );
                }
                streets.push(self.street_place(i, s.at));
            } else if typed_start(&s.name) {
                streets.push(self.street_place(i, s.at));
            }
        }
        for r in &self.roads {
            let d = self.district_at(r.at);
            if district.is_some_and(|want| Some(want) != d) {
                continue;
            }
            if rest.contains(r.name.as_str()) || typed_start(&r.name) || typed_start(&r.name_en) {
                streets.push(Place {
                    formatted: self.place(d, Some(&r.name), None),
                    city: Some(CITY.into()),
                    district: d.map(|d| self.districts[d].name.clone()),
                    street: Some(r.name.clone()),
                    number: None,
                    location: r.at,
                    level: PlaceLevel::Street,
                });
            }
        }
        houses.extend(streets);
        houses
    }

    /// The forward lookup, synchronous.
    pub fn lookup(&self, query: &str, city: Option<&str>) -> Vec<Place> {
        if city.is_some_and(|c| !is_demo_city(c)) {
            return vec![];
        }
        let full = normalise(query);
        if full.is_empty() {
            return vec![];
        }
        let mut out = Vec::new();
        let (district, rest) = self.split_district(&full);
        match district {
            Some(d) if rest.is_empty() => {
                out.push(self.district_place(d, self.districts[d].center));
            }
            Some(d) => out.extend(self.streets_matching(rest, Some(d))),
            None => {}
        }
        // Some streets begin with a district's name (长宁路, 浦东南路): read the query whole
        // too.
        if district.is_some() {
            for p in self.streets_matching(&full, None) {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        } else {
            out = self.streets_matching(&full, None);
        }
        out.truncate(MAX_RESULTS);
        out
    }

    /// The reverse lookup, synchronous.
    pub fn name_point(&self, at: LatLng) -> Option<Place> {
        let district = self.district_at(at);
        let nearest = self
            .houses
            .iter()
            .map(|h| (haversine_m(at, h.at), h))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((m, h)) = nearest {
            let same_district = district == Some(self.streets[h.street].district);
            if m <= ADDRESS_RADIUS_M && same_district {
                return Some(self.house_place(h));
            }
            if m <= STREET_RADIUS_M && same_district {
                return Some(self.street_place(h.street, at));
            }
        }
        district.map(|d| self.district_place(d, at))
    }
}

#[async_trait]
impl Geocoder for OfflineGeocoder {
    fn name(&self) -> &'static str {
        "offline"
    }

    fn is_offline(&self) -> bool {
        true
    }

    async fn geocode(&self, query: &str, city: Option<&str>) -> Result<Vec<Place>, GeocodeError> {
        Ok(self.lookup(query, city))
    }

    async fn reverse(&self, at: LatLng) -> Result<Option<Place>, GeocodeError> {
        check_point(at)?;
        Ok(self.name_point(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn city() -> City {
        daojia_demo::city(20261125)
    }

    #[test]
    fn every_demo_address_is_understood() {
        let c = city();
        for a in c.customers.iter().flat_map(|c| &c.addresses) {
            let area = c.areas.iter().find(|x| x.code == a.area_code).unwrap();
            assert!(
                split_address(&a.address, area.name).is_some(),
                "{}",
                a.address
            );
        }
        assert_eq!(
            split_address("上海市徐汇区漕溪北路88号 梅园新村", "徐汇区"),
            Some(("漕溪北路", 88))
        );
        assert_eq!(split_address("上海市徐汇区漕溪北路", "徐汇区"), None);
    }

    #[test]
    fn a_demo_address_resolves_to_its_point_and_back() {
        let c = city();
        let g = OfflineGeocoder::from_city(&c);
        let a = &c.customers[0].addresses[0];
        let area = c.areas.iter().find(|x| x.code == a.area_code).unwrap();
        let (street, number) = split_address(&a.address, area.name).unwrap();
        let found = g.lookup(&format!("{}{street}{number}号", area.name), None);
        assert_eq!(found[0].level, PlaceLevel::Address, "{found:?}");
        assert_eq!(found[0].location, a.at);
        assert_eq!(found[0].district.as_deref(), Some(area.name));
        let back = g.name_point(a.at).unwrap();
        assert_eq!(back.level, PlaceLevel::Address);
        assert_eq!(back.location, a.at);
    }

    #[test]
    fn districts_match_in_chinese_short_and_english() {
        let g = OfflineGeocoder::demo(1);
        for q in ["徐汇区", "徐汇", "Xuhui", "上海市 徐汇区", "shanghai xuhui"] {
            let found = g.lookup(q, None);
            assert_eq!(found.len(), 1, "{q}: {found:?}");
            assert_eq!(found[0].district.as_deref(), Some("徐汇区"), "{q}");
            assert_eq!(found[0].level, PlaceLevel::District);
        }
        assert_eq!(g.lookup("Jing'an", None)[0].formatted, "上海市静安区");
        for d in &g.districts {
            assert!(d.polygon.contains(d.center), "{}", d.name);
        }
        assert_eq!(g.lookup("浦东", None)[0].formatted, "上海市浦东新区");
    }

    #[test]
    fn the_city_filter_and_nonsense_give_nothing() {
        let g = OfflineGeocoder::demo(1);
        assert!(g.lookup("徐汇区", Some("北京")).is_empty());
        assert!(!g.lookup("徐汇区", Some("上海")).is_empty());
        assert!(!g.lookup("徐汇区", Some("310000")).is_empty());
        assert!(g.lookup("qwertyuiop", None).is_empty());
        assert!(g.lookup("火星基地", None).is_empty());
        assert!(g.lookup("  ", None).is_empty());
    }

    #[test]
    fn streets_named_after_their_district_are_found() {
        let g = OfflineGeocoder::demo(20261125);
        for (q, street) in [
            ("长宁路", "长宁路"),
            ("浦东南路", "浦东南路"),
            ("长宁区长宁路", "长宁路"),
        ] {
            let found = g.lookup(q, None);
            assert_eq!(found[0].street.as_deref(), Some(street), "{q}: {found:?}");
        }
        let found = g.lookup("长宁", None);
        assert_eq!(found[0].level, PlaceLevel::District, "{found:?}");
        assert!(
            found.iter().any(|p| p.street.as_deref() == Some("长宁路")),
            "{found:?}"
        );
    }

    #[test]
    fn roads_are_found_by_name_and_by_the_start_of_one() {
        let g = OfflineGeocoder::demo(1);
        let found = g.lookup("中环路", None);
        assert!(
            found.iter().any(|p| p.street.as_deref() == Some("中环路")),
            "{found:?}"
        );
        let found = g.lookup("century", None);
        assert_eq!(found[0].street.as_deref(), Some("世纪大道"), "{found:?}");
    }

    #[test]
    fn far_from_everything_there_is_nothing() {
        let g = OfflineGeocoder::demo(1);
        assert!(g.name_point(LatLng::new(39.9087, 116.3975)).is_none());
    }
}
