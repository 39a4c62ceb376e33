//! The demo catalog: six categories and the service items a Shanghai home-service platform
//! sells, with prices in 分 and durations in minutes as such platforms list them.

use serde::Serialize;

mod care;
mod home;

/// A service category.
#[derive(Debug, Clone)]
pub struct Category {
    /// Code, e.g. `cleaning`.
    pub code: &'static str,
    /// 中文 name.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Display order.
    pub sort: i32,
}

/// How an item is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMode {
    /// The whole price up front.
    Full,
    /// A deposit up front (in 分), the balance after the visit.
    Deposit(i64),
}

impl PaymentMode {
    /// The stored code.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMode::Full => "full",
            PaymentMode::Deposit(_) => "deposit",
        }
    }

    /// The deposit in 分 (0 when paid in full).
    pub fn deposit_fen(self) -> i64 {
        match self {
            PaymentMode::Full => 0,
            PaymentMode::Deposit(d) => d,
        }
    }
}

/// One choice of an option: what it adds to the price and to the duration.
#[derive(Debug, Clone, Serialize)]
pub struct OptionChoice {
    /// Code.
    pub code: &'static str,
    /// 中文 label.
    pub name: &'static str,
    /// English label.
    pub name_en: &'static str,
    /// Added to the base price, 分 (may be negative).
    pub price_delta_fen: i64,
    /// Added to the base duration, minutes (may be negative).
    pub duration_delta_min: i32,
}

/// An option of an item (area, number of units, appliance type…); the customer picks one
/// choice; the first choice is the default.
#[derive(Debug, Clone, Serialize)]
pub struct ItemOption {
    /// Code.
    pub code: &'static str,
    /// 中文 label.
    pub name: &'static str,
    /// English label.
    pub name_en: &'static str,
    /// The choices.
    pub choices: Vec<OptionChoice>,
}

/// A service item (服务项目).
#[derive(Debug, Clone)]
pub struct Item {
    /// Code.
    pub code: &'static str,
    /// Category code.
    pub category: &'static str,
    /// 中文 name.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Description shown on the item page.
    pub description: &'static str,
    /// Unit the price is for (次, 台, 只…).
    pub unit: &'static str,
    /// Base price, 分.
    pub base_price_fen: i64,
    /// Base duration, minutes.
    pub base_duration_min: i32,
    /// Buffer after the visit (packing up, notes), minutes.
    pub buffer_min: i32,
    /// Skills a worker needs.
    pub skills: Vec<&'static str>,
    /// Tools the worker brings.
    pub tools: Vec<&'static str>,
    /// Notes for the customer.
    pub notes: &'static str,
    /// Options.
    pub options: Vec<ItemOption>,
    /// Payment.
    pub payment: PaymentMode,
    /// Display order within the category.
    pub sort: i32,
}

/// The six categories.
pub fn categories() -> Vec<Category> {
    [
        ("cleaning", "家庭保洁", "Home cleaning"),
        ("appliance_repair", "家电维修", "Appliance repair"),
        ("beauty", "美容美甲", "Beauty"),
        ("nursing", "护理陪护", "Nursing and care"),
        ("pet_care", "宠物服务", "Pet care"),
        ("car_care", "汽车养护", "Car care"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (code, name, name_en))| Category {
        code,
        name,
        name_en,
        sort: (i as i32 + 1) * 10,
    })
    .collect()
}

fn choice(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    price_delta_fen: i64,
    duration_delta_min: i32,
) -> OptionChoice {
    OptionChoice {
        code,
        name,
        name_en,
        price_delta_fen,
        duration_delta_min,
    }
}

fn option(
    code: &'static str,
    name: &'static str,
    name_en: &'static str,
    choices: Vec<OptionChoice>,
) -> ItemOption {
    ItemOption {
        code,
        name,
        name_en,
        choices,
    }
}

fn area_option(step_fen: i64, step_min: i32) -> ItemOption {
    option(
        "area",
        "房屋面积",
        "Floor area",
        vec![
            choice("lt60", "60㎡以下", "under 60 m²", 0, 0),
            choice("60_90", "60–90㎡", "60–90 m²", step_fen, step_min),
            choice(
                "90_120",
                "90–120㎡",
                "90–120 m²",
                2 * step_fen,
                2 * step_min,
            ),
            choice(
                "120_160",
                "120–160㎡",
                "120–160 m²",
                3 * step_fen + step_fen / 2,
                3 * step_min,
            ),
        ],
    )
}

fn hours_option() -> ItemOption {
    option(
        "hours",
        "服务时长",
        "Hours",
        vec![
            choice("3h", "3小时", "3 hours", 0, 0),
            choice("2h", "2小时", "2 hours", -4_000, -60),
            choice("4h", "4小时", "4 hours", 5_000, 60),
        ],
    )
}

fn pet_size_option() -> ItemOption {
    option(
        "size",
        "宠物体型",
        "Pet size",
        vec![
            choice("small", "小型（10斤以下）", "small (under 5 kg)", 0, 0),
            choice("medium", "中型（10–30斤）", "medium (5–15 kg)", 4_000, 20),
            choice("large", "大型（30斤以上）", "large (over 15 kg)", 8_000, 40),
        ],
    )
}

fn car_option() -> ItemOption {
    option(
        "car",
        "车型",
        "Vehicle",
        vec![
            choice("sedan", "轿车", "sedan", 0, 0),
            choice("suv", "SUV", "SUV", 1_000, 10),
            choice("mpv", "MPV/七座", "MPV / 7 seats", 2_000, 15),
        ],
    )
}

#[allow(clippy::too_many_arguments)]
fn item(
    code: &'static str,
    category: &'static str,
    name: &'static str,
    name_en: &'static str,
    description: &'static str,
    unit: &'static str,
    base_price_fen: i64,
    base_duration_min: i32,
    skills: &[&'static str],
    tools: &[&'static str],
    options: Vec<ItemOption>,
) -> Item {
    Item {
        code,
        category,
        name,
        name_en,
        description,
        unit,
        base_price_fen,
        base_duration_min,
        buffer_min: 15,
        skills: skills.to_vec(),
        tools: tools.to_vec(),
        notes: "",
        options,
        payment: PaymentMode::Full,
        sort: 0,
    }
}

/// The service items.
pub fn items() -> Vec<Item> {
    let repair_note = "上门检测费50元，维修费用师傅检测后报价，确认后再施工；不维修只收检测费。";
    let mut v = home::items();
    v.extend(care::items());
    for (i, it) in v.iter_mut().enumerate() {
        it.sort = (i as i32 + 1) * 10;
        match it.category {
            "appliance_repair" if it.base_price_fen == 5_000 => it.notes = repair_note,
            "nursing" => it.notes = "请提前告知被护理人的身体状况与注意事项。",
            "pet_care" => it.notes = "请确认宠物已完成疫苗接种；有攻击性的宠物请提前说明。",
            "car_care" => it.notes = "请将车辆停放在允许作业的车位，并告知车牌号。",
            _ => it.notes = "请提前准备好水电；贵重物品请自行收好。",
        }
    }
    for it in v.iter_mut().filter(|it| {
        matches!(
            it.code,
            "bridal_makeup" | "move_in_cleaning" | "car_maintenance"
        )
    }) {
        it.payment = PaymentMode::Deposit(it.base_price_fen / 5);
        it.buffer_min = 30;
    }
    v
}

/// The service record's checklist (服务记录) of the demo's items, by category: the steps a
/// worker ticks during the service, as the platforms' service standards list them.
pub fn checklist(category: &str) -> Vec<&'static str> {
    match category {
        "cleaning" => vec![
            "穿戴鞋套，确认清洁范围",
            "厨房台面与灶具去油",
            "卫生间洁具消毒",
            "地面吸尘并拖净",
            "垃圾带走，与客户验收",
        ],
        "appliance_repair" => vec![
            "铺设防护垫，断电检查",
            "检测故障并告知客户",
            "更换或维修部件",
            "通电试机运行正常",
            "清理现场，讲解使用注意",
        ],
        "beauty" => vec!["工具消毒", "确认款式与过敏史", "完成护理", "整理台面"],
        "nursing" => vec![
            "洗手并佩戴口罩",
            "测量体温与血压",
            "按护理计划完成护理",
            "记录情况并告知家属",
        ],
        "pet_care" => vec![
            "核对宠物与疫苗情况",
            "检查皮肤与耳道",
            "完成洗护或喂养",
            "清理毛发与用品",
        ],
        "car_care" => vec![
            "环车检查并拍照",
            "按项目完成养护",
            "检查油液与胎压",
            "清理车内，交还钥匙",
        ],
        _ => vec![],
    }
}
