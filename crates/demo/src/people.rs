//! The people of the demo city: workers of six trades with skills, home positions and weekly
//! shifts, customers with addresses inside the districts, and one staff account per role,
//! with their names and mobile numbers drawn from the seed.

use super::*;

/// Draws a mobile number not drawn before.
pub(crate) fn phone(rng: &mut Rng, taken: &mut BTreeSet<String>) -> String {
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

pub(crate) const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "唐",
];
pub(crate) const GIVEN_FEMALE: [&str; 20] = [
    "秀英", "桂英", "秀兰", "玉兰", "海燕", "丽娟", "红梅", "春梅", "晓燕", "芳", "静", "敏", "丽",
    "艳", "霞", "桂兰", "慧", "婷", "雪梅", "美玲",
];
pub(crate) const GIVEN_MALE: [&str; 20] = [
    "建华", "建国", "志强", "俊杰", "磊", "勇", "军", "伟", "强", "洋", "杰", "涛", "明", "超",
    "平", "刚", "国强", "文斌", "海峰", "永明",
];

pub(crate) fn name(rng: &mut Rng, female: bool) -> String {
    let given = if female {
        rng.pick(&GIVEN_FEMALE)
    } else {
        rng.pick(&GIVEN_MALE)
    };
    format!("{}{}", rng.pick(&SURNAMES), given)
}

/// A uniformly drawn point inside the area.
pub(crate) fn point_in(rng: &mut Rng, area: &Area) -> LatLng {
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
pub(crate) fn weighted_area<'a>(rng: &mut Rng, areas: &'a [Area]) -> &'a Area {
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
pub(crate) struct Trade {
    core: &'static [&'static str],
    extra: &'static [&'static str],
    count: usize,
    female_percent: u64,
    pattern: Pattern,
}

#[derive(Clone, Copy)]
pub(crate) enum Pattern {
    Day,
    Late,
}

pub(crate) const TRADES: [Trade; 6] = [
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

pub(crate) fn workers(rng: &mut Rng, areas: &[Area], phones: &mut BTreeSet<String>) -> Vec<Worker> {
    workers_scaled(rng, areas, phones, WORKERS)
}

/// `n` workers in the trades' proportions (exactly the demo's counts for [`WORKERS`]).
pub(crate) fn workers_scaled(
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
pub(crate) fn shifts(rng: &mut Rng, n: usize, pattern: Pattern) -> Vec<Shift> {
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

pub(crate) fn customers(
    rng: &mut Rng,
    areas: &[Area],
    phones: &mut BTreeSet<String>,
) -> Vec<Customer> {
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

pub(crate) fn staff(rng: &mut Rng, phones: &mut BTreeSet<String>) -> Vec<Staff> {
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
