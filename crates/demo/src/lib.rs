//! The demo city: Shanghai, generated deterministically from a seed.
//!
//! Seven inner districts as service areas (simplified outlines in WGS-84), six service
//! categories with 31 service items priced in 分, 40 workers with skills, home positions,
//! weekly shifts and ratings, 200 customers with addresses inside the districts, and one
//! staff account per role. The same seed always yields the same city; the loader in the
//! server writes it once. The city's past ([`history`]: 90 days of visits) and its booked
//! days ([`booked`]: today's and tomorrow's candidate bookings) are drawn from the seed and
//! the date. Everything here is plain data: no I/O, no clock.

pub mod booked;
mod catalog;
pub mod history;
mod people;
mod places;
mod rng;
pub mod synthetic;

pub use catalog::{Category, Item, ItemOption, OptionChoice, PaymentMode, checklist};
pub use places::{AreaSpec, RoadSpec};

use daojia_domain::access::Role;
use daojia_domain::geo::{LatLng, Polygon};
use people::*;
use rng::Rng;
use std::collections::BTreeSet;

/// The password of every demo staff account. The demo is for trying Daojia out; a real
/// deployment creates staff with `daojia admin create`.
pub const STAFF_PASSWORD: &str = "daojia-demo";

/// The time zone of the demo city.
pub const TIMEZONE: &str = "Asia/Shanghai";

/// A service area with its outline and booking rules.
#[derive(Debug, Clone)]
pub struct Area {
    /// Stable code, e.g. `sh-xuhui`.
    pub code: &'static str,
    /// 中文 name.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// The outline (WGS-84).
    pub polygon: Polygon,
    /// Opening time, minutes after local midnight.
    pub open_minute: i32,
    /// Closing time, minutes after local midnight.
    pub close_minute: i32,
    /// Earliest bookable start, minutes from now.
    pub lead_minutes: i32,
    /// How many days ahead a customer may book.
    pub horizon_days: i32,
}

/// One weekly shift of a worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    /// 0 = Monday … 6 = Sunday.
    pub weekday: i16,
    /// Start, minutes after local midnight.
    pub start_minute: i32,
    /// End, minutes after local midnight.
    pub end_minute: i32,
    /// Unpaid break, minutes after local midnight.
    pub break_minutes: Option<(i32, i32)>,
}

/// A service worker (服务人员 / 师傅 / 阿姨).
#[derive(Debug, Clone)]
pub struct Worker {
    /// Employee code, e.g. `W0001`.
    pub code: String,
    /// Full name.
    pub name: String,
    /// `female` or `male`.
    pub gender: &'static str,
    /// Mobile number (11 digits).
    pub phone: String,
    /// Skill codes.
    pub skills: Vec<&'static str>,
    /// Rating in tenths of a star (43 = 4.3).
    pub rating_tenths: i32,
    /// Years in the trade.
    pub years_experience: i32,
    /// Home position (WGS-84), where the working day starts and ends.
    pub home: LatLng,
    /// The area the home is in.
    pub area_code: &'static str,
    /// Weekly shifts.
    pub shifts: Vec<Shift>,
    /// The partner (服务商) the worker serves through, by code; `None`: the platform's own.
    pub partner: Option<&'static str>,
}

/// A partner (服务商/门店): a company whose workers serve through the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// Code, e.g. `P001`.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
}

/// The demo's partner: a housekeeping company with a few workers across the city, and a
/// console account (`partner`) that sees and dispatches only them.
pub const PARTNER: Partner = Partner {
    code: "P001",
    name: "安心家政服务社",
};

/// Which demo workers belong to [`PARTNER`]: every fifth from the third on (8 of 40, in
/// every trade; the first two of each trade, who cover every skill, are the platform's).
fn partner_of(n: usize) -> Option<&'static str> {
    (n % 5 == 2).then_some(PARTNER.code)
}

/// A saved customer address.
#[derive(Debug, Clone)]
pub struct Address {
    /// 家, 公司, 父母家.
    pub label: &'static str,
    /// Contact person.
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
    /// Street address, e.g. 上海市徐汇区漕溪北路 88 号 梅园新村.
    pub address: String,
    /// Building, floor, door.
    pub house_number: String,
    /// Position (WGS-84).
    pub at: LatLng,
    /// The area the address is in.
    pub area_code: &'static str,
    /// The default address.
    pub is_default: bool,
}

/// A customer with saved addresses.
#[derive(Debug, Clone)]
pub struct Customer {
    /// Mobile number (the log-in).
    pub phone: String,
    /// Display name.
    pub nickname: String,
    /// Saved addresses; the first is the default.
    pub addresses: Vec<Address>,
}

/// A staff account of the operations console.
#[derive(Debug, Clone)]
pub struct Staff {
    /// Log-in name.
    pub username: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Mobile number (also a log-in).
    pub phone: String,
    /// The role.
    pub role: Role,
    /// The partner the account works for (sees only its workers and orders), by code.
    pub partner: Option<&'static str>,
}

/// The whole demo city.
#[derive(Debug, Clone)]
pub struct City {
    /// The seed it was generated from.
    pub seed: u64,
    /// Service areas.
    pub areas: Vec<Area>,
    /// Service categories.
    pub categories: Vec<Category>,
    /// Service items.
    pub items: Vec<Item>,
    /// Workers.
    pub workers: Vec<Worker>,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Staff, one per role.
    pub staff: Vec<Staff>,
    /// Partners ([`PARTNER`]).
    pub partners: Vec<Partner>,
    /// Main roads and the river, for an offline base map.
    pub roads: Vec<RoadSpec>,
}

/// Number of workers in the demo city.
pub const WORKERS: usize = 40;
/// Number of customers in the demo city.
pub const CUSTOMERS: usize = 200;

/// Generates the city for `seed`.
pub fn city(seed: u64) -> City {
    let mut rng = Rng::new(seed);
    let areas: Vec<Area> = places::AREAS
        .iter()
        .map(|a| Area {
            code: a.code,
            name: a.name,
            name_en: a.name_en,
            polygon: a.polygon(),
            open_minute: 8 * 60,
            close_minute: 21 * 60,
            lead_minutes: 120,
            horizon_days: 14,
        })
        .collect();
    let mut phones = BTreeSet::new();
    let workers = workers(&mut rng, &areas, &mut phones);
    let customers = customers(&mut rng, &areas, &mut phones);
    let staff = staff(&mut rng, &mut phones);
    City {
        seed,
        areas,
        categories: catalog::categories(),
        items: catalog::items(),
        workers,
        customers,
        staff,
        partners: vec![PARTNER],
        roads: places::roads(),
    }
}

impl City {
    /// The area containing `p`, if any.
    pub fn area_at(&self, p: LatLng) -> Option<&Area> {
        self.areas.iter().find(|a| a.polygon.contains(p))
    }

    /// The offline base map: district outlines, main roads and the river as a GeoJSON
    /// FeatureCollection (`[lng, lat]`, WGS-84). Each feature has `kind` (`district`, `road`
    /// or `river`) and `name` / `name_en` properties.
    pub fn map_geojson(&self) -> serde_json::Value {
        let mut features: Vec<serde_json::Value> = self
            .areas
            .iter()
            .map(|a| {
                serde_json::json!({
                    "type": "Feature",
                    "properties": { "kind": "district", "code": a.code, "name": a.name, "name_en": a.name_en },
                    "geometry": a.polygon.to_geojson(),
                })
            })
            .collect();
        features.extend(self.roads.iter().map(|r| {
            let coords: Vec<[f64; 2]> = r.points.iter().map(|p| [p.lng, p.lat]).collect();
            serde_json::json!({
                "type": "Feature",
                "properties": { "kind": r.kind, "name": r.name, "name_en": r.name_en },
                "geometry": { "type": "LineString", "coordinates": coords },
            })
        }));
        serde_json::json!({ "type": "FeatureCollection", "features": features })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use daojia_domain::phone::Phone;
    use std::collections::HashSet;

    #[test]
    fn the_same_seed_gives_the_same_city() {
        let (a, b) = (city(7), city(7));
        assert_eq!(
            a.workers
                .iter()
                .map(|w| (&w.phone, w.home.lat))
                .collect::<Vec<_>>(),
            b.workers
                .iter()
                .map(|w| (&w.phone, w.home.lat))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            a.customers.iter().map(|c| &c.phone).collect::<Vec<_>>(),
            b.customers.iter().map(|c| &c.phone).collect::<Vec<_>>()
        );
        let c = city(8);
        assert_ne!(a.customers[0].phone, c.customers[0].phone);
    }

    #[test]
    fn sizes_match_the_brief() {
        let c = city(1);
        assert_eq!(c.areas.len(), 7);
        assert_eq!(c.categories.len(), 6);
        assert!((28..=34).contains(&c.items.len()), "{}", c.items.len());
        assert_eq!(c.workers.len(), WORKERS);
        assert_eq!(c.customers.len(), CUSTOMERS);
        assert_eq!(c.staff.len(), 6);
        let roles: HashSet<_> = c.staff.iter().map(|s| s.role).collect();
        assert_eq!(roles.len(), 6, "one account per role");
        let members = c.workers.iter().filter(|w| w.partner == Some(PARTNER.code));
        assert_eq!(members.count(), 8, "the partner has workers");
        assert!(c.staff.iter().any(|s| s.partner == Some(PARTNER.code)));
    }

    #[test]
    fn phones_are_valid_and_unique() {
        let c = city(42);
        let mut seen = HashSet::new();
        let all = c
            .workers
            .iter()
            .map(|w| &w.phone)
            .chain(c.customers.iter().map(|c| &c.phone))
            .chain(c.staff.iter().map(|s| &s.phone));
        for p in all {
            assert!(Phone::parse(p).is_ok(), "{p}");
            assert!(seen.insert(p.clone()), "duplicate {p}");
        }
    }

    #[test]
    fn every_place_is_inside_its_area_and_areas_do_not_overlap() {
        for seed in [1, 2, 3] {
            let c = city(seed);
            for w in &c.workers {
                assert_eq!(
                    c.area_at(w.home).map(|a| a.code),
                    Some(w.area_code),
                    "{}",
                    w.code
                );
            }
            for cu in &c.customers {
                assert!(!cu.addresses.is_empty());
                assert!(cu.addresses[0].is_default);
                for a in &cu.addresses {
                    assert_eq!(
                        c.area_at(a.at).map(|x| x.code),
                        Some(a.area_code),
                        "{}",
                        a.address
                    );
                    assert!(a.address.starts_with("上海市"));
                }
            }
        }
        // A fine grid over the city: no point is in two districts.
        let c = city(1);
        for i in 0..200 {
            for j in 0..200 {
                let p = LatLng::new(
                    31.10 + 0.25 * i as f64 / 200.0 + 3.3e-7,
                    121.30 + 0.35 * j as f64 / 200.0 + 1.7e-7,
                );
                let n = c.areas.iter().filter(|a| a.polygon.contains(p)).count();
                assert!(n <= 1, "{p:?} is in {n} districts");
            }
        }
    }

    #[test]
    fn every_item_has_a_worker_who_can_do_it() {
        let c = city(9);
        for item in &c.items {
            assert!(
                c.workers
                    .iter()
                    .any(|w| item.skills.iter().all(|s| w.skills.contains(s))),
                "nobody can do {}",
                item.code
            );
        }
    }

    #[test]
    fn shifts_leave_a_day_off_and_breaks_inside() {
        for w in &city(5).workers {
            assert_eq!(w.shifts.len(), 6, "{}", w.code);
            for s in &w.shifts {
                assert!(s.start_minute < s.end_minute && s.end_minute <= 24 * 60);
                let (b0, b1) = s.break_minutes.unwrap();
                assert!(s.start_minute < b0 && b0 < b1 && b1 < s.end_minute);
            }
            assert!((43..=50).contains(&w.rating_tenths));
        }
    }

    #[test]
    fn every_item_prices_with_the_domain_rules() {
        use daojia_domain::money::Money;
        use daojia_domain::pricing::{ItemOption as DomainOption, Selection, quote};
        for item in city(1).items {
            let stored = serde_json::to_string(&item.options).unwrap();
            let options: Vec<DomainOption> = serde_json::from_str(&stored).unwrap();
            let base = Money::fen(item.base_price_fen);
            let q = quote(base, item.base_duration_min as u32, &options, None, &[], 1).unwrap();
            assert_eq!(
                q.unit_price, base,
                "{}: the default choices cost nothing extra",
                item.code
            );
            for o in &options {
                for c in &o.choices {
                    let pick = [Selection {
                        option: o.code.clone(),
                        choice: c.code.clone(),
                    }];
                    let q = quote(
                        base,
                        item.base_duration_min as u32,
                        &options,
                        None,
                        &pick,
                        2,
                    )
                    .unwrap();
                    assert!(
                        q.total > Money::ZERO && q.duration_min >= 30,
                        "{} {}",
                        item.code,
                        c.code
                    );
                }
            }
            assert!(item.payment.deposit_fen() < item.base_price_fen);
        }
    }

    #[test]
    fn the_map_is_geojson() {
        let m = city(1).map_geojson();
        let features = m["features"].as_array().unwrap();
        assert!(
            features
                .iter()
                .filter(|f| f["properties"]["kind"] == "district")
                .count()
                == 7
        );
        assert!(features.iter().any(|f| f["properties"]["kind"] == "river"));
        assert!(
            features
                .iter()
                .filter(|f| f["properties"]["kind"] == "road")
                .count()
                >= 4
        );
        let first = &features[0]["geometry"]["coordinates"][0][0];
        assert!(first[0].as_f64().unwrap() > 121.0, "lng first");
    }
}
