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
mod places;
mod rng;
pub mod synthetic;

pub use catalog::{Category, Item, ItemOption, OptionChoice, PaymentMode};
pub use places::{AreaSpec, RoadSpec};

use daojia_domain::access::Role;
use daojia_domain::geo::{LatLng, Polygon};
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

/// Draws a mobile number not drawn before.
fn phone(rng: &mut Rng, taken: &mut BTreeSet<String>) -> String {
    const PREFIXES: [&str; 12] = [
        "135", "136", "137", "138", "139", "150", "151", "158", "177", "180", "186", "189",
    ];
    loop {
        let p = format!("{}{:08}", rng.pick(&PREFIXES), rng.below(100_000_000));
        if taken.insert(p.clone()) {
            return p;
        }
    }
}

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "唐",
];
const GIVEN_FEMALE: [&str; 20] = [
    "秀英", "桂英", "秀兰", "玉兰", "海燕", "丽娟", "红梅", "春梅", "晓燕", "芳", "静", "敏", "丽",
    "艳", "霞", "桂兰", "慧", "婷", "雪梅", "美玲",
];
const GIVEN_MALE: [&str; 20] = [
    "建华", "建国", "志强", "俊杰", "磊", "勇", "军", "伟", "强", "洋", "杰", "涛", "明", "超",
    "平", "刚", "国强", "文斌", "海峰", "永明",
];

fn name(rng: &mut Rng, female: bool) -> String {
    let given = if female {
        rng.pick(&GIVEN_FEMALE)
    } else {
        rng.pick(&GIVEN_MALE)
    };
    format!("{}{}", rng.pick(&SURNAMES), given)
}

/// A uniformly drawn point inside the area.
fn point_in(rng: &mut Rng, area: &Area) -> LatLng {
    let b = area.polygon.bbox();
    loop {
        let p = LatLng::new(
            b.min.lat + rng.unit() * (b.max.lat - b.min.lat),
            b.min.lng + rng.unit() * (b.max.lng - b.min.lng),
        );
        if area.polygon.contains(p) {
            // Six decimals: about 10 cm, what a phone's GPS or a map pin gives.
            return LatLng::new((p.lat * 1e6).round() / 1e6, (p.lng * 1e6).round() / 1e6);
        }
    }
}

/// An area drawn by the weights in [`places::AREAS`].
fn weighted_area<'a>(rng: &mut Rng, areas: &'a [Area]) -> &'a Area {
    let total: u32 = places::AREAS.iter().map(|a| a.weight).sum();
    let mut x = rng.below(total as u64) as u32;
    for (spec, area) in places::AREAS.iter().zip(areas) {
        if x < spec.weight {
            return area;
        }
        x -= spec.weight;
    }
    &areas[areas.len() - 1]
}

/// A trade: the skills a worker of it has for sure, those they may have, how many of the
/// 40 workers follow it, the share of women, and the working pattern.
struct Trade {
    core: &'static [&'static str],
    extra: &'static [&'static str],
    count: usize,
    female_percent: u64,
    pattern: Pattern,
}

#[derive(Clone, Copy)]
enum Pattern {
    Day,
    Late,
}

const TRADES: [Trade; 6] = [
    Trade {
        core: &["cleaning"],
        extra: &["deep_cleaning", "appliance_cleaning"],
        count: 14,
        female_percent: 90,
        pattern: Pattern::Day,
    },
    Trade {
        core: &["appliance_repair"],
        extra: &["installation", "appliance_cleaning"],
        count: 8,
        female_percent: 5,
        pattern: Pattern::Day,
    },
    Trade {
        core: &["beauty"],
        extra: &["massage"],
        count: 6,
        female_percent: 90,
        pattern: Pattern::Late,
    },
    Trade {
        core: &["nursing"],
        extra: &["elderly_care", "maternity"],
        count: 5,
        female_percent: 85,
        pattern: Pattern::Day,
    },
    Trade {
        core: &["pet_care"],
        extra: &["pet_grooming"],
        count: 4,
        female_percent: 60,
        pattern: Pattern::Late,
    },
    Trade {
        core: &["car_wash"],
        extra: &["car_maintenance"],
        count: 3,
        female_percent: 10,
        pattern: Pattern::Day,
    },
];

fn workers(rng: &mut Rng, areas: &[Area], phones: &mut BTreeSet<String>) -> Vec<Worker> {
    workers_scaled(rng, areas, phones, WORKERS)
}

/// `n` workers in the trades' proportions (exactly the demo's counts for [`WORKERS`]).
fn workers_scaled(
    rng: &mut Rng,
    areas: &[Area],
    phones: &mut BTreeSet<String>,
    n: usize,
) -> Vec<Worker> {
    let mut out = Vec::with_capacity(n);
    let mut before = 0;
    for trade in &TRADES {
        // Cumulative rounding: the counts add up to `n` and keep the proportions.
        let upto = before + trade.count;
        let count = (upto * n + WORKERS / 2) / WORKERS - (before * n + WORKERS / 2) / WORKERS;
        before = upto;
        for k in 0..count {
            let n = out.len();
            let female = rng.below(100) < trade.female_percent;
            let mut skills: Vec<&'static str> = trade.core.to_vec();
            for (j, s) in trade.extra.iter().enumerate() {
                // The first two of each trade cover every extra skill, so that every item
                // has someone who can do it; the rest draw theirs.
                if k < 2 || (j == 0 && rng.below(100) < 60) || (j > 0 && rng.below(100) < 40) {
                    skills.push(s);
                }
            }
            let area = weighted_area(rng, areas);
            let home = point_in(rng, area);
            let rating_tenths = 50 - (rng.below(8) as i32).min(rng.below(8) as i32);
            out.push(Worker {
                code: format!("W{:04}", n + 1),
                name: name(rng, female),
                gender: if female { "female" } else { "male" },
                phone: phone(rng, phones),
                skills,
                rating_tenths,
                years_experience: 1 + rng.below(15) as i32,
                home,
                area_code: area.code,
                shifts: shifts(rng, n, trade.pattern),
                partner: partner_of(n),
            });
        }
    }
    out
}

/// Six shifts a week with one day off (spread over the week), a fixed daily pattern per
/// worker, and a lunch or dinner break.
fn shifts(rng: &mut Rng, n: usize, pattern: Pattern) -> Vec<Shift> {
    let day_off = (n % 7) as i16;
    let (start, end, brk) = match pattern {
        Pattern::Day => {
            let start = [8 * 60, 8 * 60 + 30, 9 * 60][rng.below(3) as usize];
            (start, start + 9 * 60 + 30, Some((12 * 60, 13 * 60)))
        }
        Pattern::Late => {
            let start = [10 * 60, 11 * 60][rng.below(2) as usize];
            (start, start + 10 * 60, Some((17 * 60, 17 * 60 + 45)))
        }
    };
    (0..7)
        .filter(|d| *d != day_off)
        .map(|weekday| Shift {
            weekday,
            start_minute: start,
            end_minute: end,
            break_minutes: brk,
        })
        .collect()
}

fn customers(rng: &mut Rng, areas: &[Area], phones: &mut BTreeSet<String>) -> Vec<Customer> {
    let mut out = Vec::with_capacity(CUSTOMERS);
    for _ in 0..CUSTOMERS {
        let female = rng.below(100) < 62;
        let full = name(rng, female);
        let surname: String = full.chars().take(1).collect();
        let nickname = format!("{surname}{}", if female { "女士" } else { "先生" });
        let phone = phone(rng, phones);
        let count = if rng.below(100) < 30 { 2 } else { 1 };
        let mut addresses = Vec::with_capacity(count);
        for (i, label) in ["家", ["公司", "父母家"][rng.below(2) as usize]]
            .into_iter()
            .take(count)
            .enumerate()
        {
            let area = weighted_area(rng, areas);
            let at = point_in(rng, area);
            let spec = places::AREAS
                .iter()
                .find(|s| s.code == area.code)
                .expect("every area has a spec");
            let street = rng.pick(spec.streets);
            let number = 1 + rng.below(1200);
            let compound = rng.pick(&places::COMPOUNDS);
            let (contact_name, contact_phone) = if label == "父母家" {
                (
                    format!("{surname}{}", rng.pick(&["阿姨", "叔叔"])),
                    self::phone(rng, phones),
                )
            } else {
                (full.clone(), phone.clone())
            };
            addresses.push(Address {
                label,
                contact_name,
                contact_phone,
                address: format!("上海市{}{street}{number}号 {compound}", spec.name),
                house_number: format!(
                    "{}号楼{}室",
                    1 + rng.below(30),
                    (1 + rng.below(28)) * 100 + 1 + rng.below(6)
                ),
                at,
                area_code: area.code,
                is_default: i == 0,
            });
        }
        out.push(Customer {
            phone,
            nickname,
            addresses,
        });
    }
    out
}

fn staff(rng: &mut Rng, phones: &mut BTreeSet<String>) -> Vec<Staff> {
    [
        ("admin", "系统管理员", Role::SuperAdmin),
        ("dispatcher", "调度-王敏", Role::Dispatcher),
        ("service", "客服-李婷", Role::CustomerService),
        ("finance", "财务-陈静", Role::Finance),
        ("marketing", "市场-赵磊", Role::Marketing),
        ("partner", "服务商-刘洋", Role::Partner),
    ]
    .into_iter()
    .map(|(username, name, role)| Staff {
        username,
        name,
        phone: phone(rng, phones),
        role,
        partner: (role == Role::Partner).then_some(PARTNER.code),
    })
    .collect()
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
