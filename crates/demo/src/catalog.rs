//! The demo catalog: six categories and the service items a Shanghai home-service platform
//! sells, with prices in 分 and durations in minutes as such platforms list them.

use serde::Serialize;

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
    let mut v = vec![
        // 家庭保洁
        item(
            "daily_cleaning",
            "cleaning",
            "日常保洁",
            "Regular cleaning",
            "客厅、卧室、厨房、卫生间的日常清洁：除尘、拖地、台面与卫浴擦洗、垃圾清理。",
            "次",
            15_900,
            180,
            &["cleaning"],
            &["吸尘器", "拖把", "清洁剂"],
            vec![hours_option()],
        ),
        item(
            "deep_cleaning",
            "cleaning",
            "深度保洁",
            "Deep cleaning",
            "全屋深度清洁，含厨房油污、卫生间水垢、门窗框、柜体内外。",
            "次",
            39_900,
            240,
            &["deep_cleaning"],
            &["蒸汽清洁机", "专业清洁剂", "梯子"],
            vec![area_option(10_000, 60)],
        ),
        item(
            "move_in_cleaning",
            "cleaning",
            "开荒保洁",
            "Post-renovation cleaning",
            "装修后首次清洁：除胶、除漆点、玻璃与地面深度清洁。",
            "次",
            59_900,
            300,
            &["deep_cleaning"],
            &["铲刀", "除胶剂", "吸尘器", "梯子"],
            vec![area_option(18_000, 90)],
        ),
        item(
            "window_cleaning",
            "cleaning",
            "擦玻璃",
            "Window cleaning",
            "室内外可安全触及的玻璃、窗框、纱窗清洁。",
            "次",
            19_900,
            120,
            &["cleaning"],
            &["玻璃刮", "伸缩杆"],
            vec![option(
                "windows",
                "窗户数量",
                "Windows",
                vec![
                    choice("upto6", "6扇以内", "up to 6", 0, 0),
                    choice("upto12", "7–12扇", "7–12", 8_000, 60),
                    choice("upto20", "13–20扇", "13–20", 16_000, 120),
                ],
            )],
        ),
        item(
            "kitchen_deep",
            "cleaning",
            "厨房深度清洁",
            "Kitchen deep clean",
            "灶台、橱柜、墙面瓷砖、水槽的重油污清洁。",
            "次",
            26_900,
            180,
            &["deep_cleaning"],
            &["蒸汽清洁机", "重油污清洁剂"],
            vec![],
        ),
        item(
            "ac_cleaning",
            "cleaning",
            "空调清洗",
            "Air-conditioner cleaning",
            "拆洗滤网、高温蒸汽清洗蒸发器、杀菌除味。",
            "台",
            8_900,
            60,
            &["appliance_cleaning"],
            &["高压清洗机", "接水罩"],
            vec![option(
                "type",
                "空调类型",
                "Type",
                vec![
                    choice("wall", "挂机", "wall unit", 0, 0),
                    choice("floor", "柜机", "floor unit", 4_000, 30),
                    choice("ducted", "风管机/中央空调内机", "ducted unit", 12_000, 60),
                ],
            )],
        ),
        item(
            "hood_cleaning",
            "cleaning",
            "油烟机清洗",
            "Range hood cleaning",
            "拆洗油网、风轮、油杯，外壳除油。",
            "台",
            16_800,
            90,
            &["appliance_cleaning"],
            &["蒸汽清洁机", "拆卸工具"],
            vec![option(
                "type",
                "油烟机类型",
                "Type",
                vec![
                    choice("side", "侧吸式", "side-draft", 0, 0),
                    choice("top", "顶吸式", "top-draft", 3_000, 20),
                ],
            )],
        ),
        // 家电维修
        item(
            "ac_repair",
            "appliance_repair",
            "空调维修",
            "Air-conditioner repair",
            "不制冷、漏水、异响、显示故障码等检测维修，加氟另计。",
            "次",
            5_000,
            60,
            &["appliance_repair"],
            &["压力表", "检漏仪", "工具箱"],
            vec![],
        ),
        item(
            "washer_repair",
            "appliance_repair",
            "洗衣机维修",
            "Washing machine repair",
            "不进水、不排水、不脱水、异响等检测维修。",
            "次",
            5_000,
            60,
            &["appliance_repair"],
            &["万用表", "工具箱"],
            vec![option(
                "type",
                "洗衣机类型",
                "Type",
                vec![
                    choice("drum", "滚筒", "front-loader", 0, 0),
                    choice("top", "波轮", "top-loader", 0, 0),
                ],
            )],
        ),
        item(
            "fridge_repair",
            "appliance_repair",
            "冰箱维修",
            "Refrigerator repair",
            "不制冷、结霜、异响、漏电等检测维修。",
            "次",
            5_000,
            60,
            &["appliance_repair"],
            &["万用表", "压力表", "工具箱"],
            vec![],
        ),
        item(
            "water_heater_repair",
            "appliance_repair",
            "热水器维修",
            "Water heater repair",
            "燃气与电热水器不点火、水不热、漏水等检测维修。",
            "次",
            5_000,
            60,
            &["appliance_repair"],
            &["燃气检测仪", "工具箱"],
            vec![option(
                "type",
                "热水器类型",
                "Type",
                vec![
                    choice("gas", "燃气", "gas", 0, 0),
                    choice("electric", "电热", "electric", 0, 0),
                ],
            )],
        ),
        item(
            "ac_install",
            "appliance_repair",
            "空调安装移机",
            "Air-conditioner installation",
            "新机安装或移机，含3米内铜管，超出部分按米计费。",
            "台",
            20_000,
            120,
            &["installation"],
            &["冲击钻", "真空泵", "安全绳"],
            vec![option(
                "type",
                "空调类型",
                "Type",
                vec![
                    choice("wall", "挂机", "wall unit", 0, 0),
                    choice("floor", "柜机", "floor unit", 10_000, 30),
                ],
            )],
        ),
        item(
            "tv_mount",
            "appliance_repair",
            "电视挂装",
            "TV wall mounting",
            "电视挂架安装、走线整理（挂架自备或另购）。",
            "台",
            12_000,
            60,
            &["installation"],
            &["冲击钻", "水平仪"],
            vec![option(
                "size",
                "电视尺寸",
                "Screen size",
                vec![
                    choice("upto65", "65英寸以内", "up to 65\"", 0, 0),
                    choice("over65", "65英寸以上", "over 65\"", 6_000, 30),
                ],
            )],
        ),
        // 美容美甲
        item(
            "manicure",
            "beauty",
            "上门美甲",
            "Manicure at home",
            "修型、护理、甲油胶，专业灯具上门。",
            "次",
            16_800,
            90,
            &["beauty"],
            &["美甲灯", "一次性工具包"],
            vec![option(
                "style",
                "款式",
                "Style",
                vec![
                    choice("plain", "纯色", "plain colour", 0, 0),
                    choice("cat_eye", "猫眼", "cat-eye", 3_000, 15),
                    choice("art", "手绘款", "hand-painted", 8_000, 30),
                ],
            )],
        ),
        item(
            "facial",
            "beauty",
            "面部护理",
            "Facial",
            "清洁、去角质、补水面膜与按摩。",
            "次",
            29_800,
            90,
            &["beauty"],
            &["美容床", "一次性床单"],
            vec![],
        ),
        item(
            "massage",
            "beauty",
            "推拿按摩",
            "Massage",
            "中式推拿，肩颈腰背放松。",
            "次",
            19_800,
            60,
            &["massage"],
            &["按摩床", "一次性床单"],
            vec![option(
                "minutes",
                "时长",
                "Length",
                vec![
                    choice("60", "60分钟", "60 min", 0, 0),
                    choice("90", "90分钟", "90 min", 9_000, 30),
                    choice("120", "120分钟", "120 min", 17_000, 60),
                ],
            )],
        ),
        item(
            "lash",
            "beauty",
            "美睫",
            "Eyelash extensions",
            "嫁接睫毛，含卸除旧睫毛。",
            "次",
            22_800,
            120,
            &["beauty"],
            &["美睫工具包"],
            vec![],
        ),
        item(
            "bridal_makeup",
            "beauty",
            "新娘跟妆",
            "Bridal make-up",
            "新娘妆容与造型，含一次补妆。",
            "次",
            88_800,
            180,
            &["beauty"],
            &["化妆箱"],
            vec![],
        ),
        // 护理陪护
        item(
            "elderly_care",
            "nursing",
            "居家养老护理",
            "Elderly care at home",
            "生活照料、助浴、助餐、陪伴与基础健康监测。",
            "次",
            18_000,
            240,
            &["elderly_care"],
            &["血压计", "一次性护理用品"],
            vec![hours_option()],
        ),
        item(
            "postpartum",
            "nursing",
            "产后护理",
            "Postpartum care",
            "产妇护理、新生儿护理与喂养指导。",
            "次",
            38_000,
            240,
            &["maternity"],
            &["体温计", "护理包"],
            vec![],
        ),
        item(
            "infant_care",
            "nursing",
            "育婴上门",
            "Infant care",
            "婴幼儿看护、辅食制作、早教游戏。",
            "次",
            32_000,
            240,
            &["maternity"],
            &["护理包"],
            vec![],
        ),
        item(
            "hospital_escort",
            "nursing",
            "医院陪诊",
            "Hospital escort",
            "挂号、排队、取药、陪同就诊与报告解读协助。",
            "次",
            26_000,
            240,
            &["nursing"],
            &[],
            vec![],
        ),
        item(
            "rehab",
            "nursing",
            "康复理疗",
            "Rehabilitation therapy",
            "术后及中风后的居家康复训练指导。",
            "次",
            26_800,
            60,
            &["nursing"],
            &["理疗仪"],
            vec![],
        ),
        // 宠物服务
        item(
            "pet_bath",
            "pet_care",
            "上门宠物洗护",
            "Pet bath at home",
            "洗澡、吹干、剪指甲、清耳道。",
            "只",
            12_800,
            60,
            &["pet_care"],
            &["吹水机", "宠物浴液"],
            vec![pet_size_option()],
        ),
        item(
            "pet_feeding",
            "pet_care",
            "上门喂养",
            "Pet feeding visit",
            "主人不在家时上门喂食、换水、铲屎、陪玩，拍照反馈。",
            "次",
            5_800,
            30,
            &["pet_care"],
            &[],
            vec![],
        ),
        item(
            "pet_grooming",
            "pet_care",
            "宠物美容造型",
            "Pet grooming",
            "洗护加全身修剪造型。",
            "只",
            22_800,
            120,
            &["pet_grooming"],
            &["电推剪", "美容剪", "吹水机"],
            vec![pet_size_option()],
        ),
        item(
            "dog_walking",
            "pet_care",
            "上门遛狗",
            "Dog walking",
            "上门遛狗，含清理与轨迹反馈。",
            "次",
            4_500,
            45,
            &["pet_care"],
            &["牵引绳", "拾便袋"],
            vec![],
        ),
        // 汽车养护
        item(
            "car_wash",
            "car_care",
            "上门洗车",
            "Car wash at your place",
            "节水洗车：车身清洗、轮毂、玻璃、内饰吸尘。",
            "次",
            4_500,
            45,
            &["car_wash"],
            &["节水洗车设备", "吸尘器"],
            vec![car_option()],
        ),
        item(
            "car_interior",
            "car_care",
            "内饰深度清洁",
            "Car interior deep clean",
            "座椅、顶棚、地毯深度清洁与杀菌。",
            "次",
            29_800,
            150,
            &["car_wash"],
            &["蒸汽清洁机", "吸尘器"],
            vec![car_option()],
        ),
        item(
            "car_wax",
            "car_care",
            "打蜡镀晶",
            "Wax and ceramic coating",
            "洗车后漆面打蜡或镀晶养护。",
            "次",
            39_800,
            120,
            &["car_wash"],
            &["抛光机", "镀晶剂"],
            vec![car_option()],
        ),
        item(
            "car_maintenance",
            "car_care",
            "上门小保养",
            "Car service at your place",
            "更换机油机滤、检查胎压与灯光，机油按车型另计。",
            "次",
            49_900,
            90,
            &["car_maintenance"],
            &["举升垫", "工具箱"],
            vec![car_option()],
        ),
    ];
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
