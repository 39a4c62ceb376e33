//! The districts, streets and main roads of the demo city. Outlines are simplified by hand
//! from the real district boundaries (WGS-84), good enough to put addresses in the right
//! district and to draw an offline base map; they are not survey data.

use daojia_domain::geo::{LatLng, Polygon};

/// A district as written down here.
pub struct AreaSpec {
    /// Code, e.g. `sh-xuhui`.
    pub code: &'static str,
    /// 中文 name.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// Relative share of customers and workers living there.
    pub weight: u32,
    /// Outline as (lat, lng), open ring.
    pub outline: &'static [(f64, f64)],
    /// Real street names in the district, for addresses.
    pub streets: &'static [&'static str],
}

impl AreaSpec {
    /// The outline as a polygon.
    pub fn polygon(&self) -> Polygon {
        Polygon::new(
            self.outline
                .iter()
                .map(|&(lat, lng)| LatLng::new(lat, lng))
                .collect(),
            vec![],
        )
        .expect("the demo outlines are valid polygons")
    }
}

/// The seven inner districts of the demo.
pub const AREAS: [AreaSpec; 7] = [
    AreaSpec {
        code: "sh-xuhui",
        name: "徐汇区",
        name_en: "Xuhui",
        weight: 35,
        outline: &[
            (31.212, 121.440),
            (31.215, 121.460),
            (31.205, 121.470),
            (31.170, 121.470),
            (31.120, 121.460),
            (31.125, 121.420),
            (31.160, 121.410),
            (31.195, 121.425),
        ],
        streets: &[
            "漕溪北路",
            "天钥桥路",
            "肇嘉浜路",
            "衡山路",
            "宜山路",
            "龙华中路",
            "田林路",
        ],
    },
    AreaSpec {
        code: "sh-changning",
        name: "长宁区",
        name_en: "Changning",
        weight: 25,
        outline: &[
            (31.225, 121.350),
            (31.228, 121.400),
            (31.232, 121.432),
            (31.212, 121.440),
            (31.195, 121.425),
            (31.190, 121.380),
            (31.195, 121.350),
        ],
        streets: &[
            "长宁路",
            "愚园路",
            "天山路",
            "仙霞路",
            "虹桥路",
            "延安西路",
            "古北路",
        ],
    },
    AreaSpec {
        code: "sh-jingan",
        name: "静安区",
        name_en: "Jing'an",
        weight: 30,
        outline: &[
            (31.232, 121.432),
            (31.260, 121.435),
            (31.300, 121.440),
            (31.320, 121.445),
            (31.315, 121.465),
            (31.270, 121.470),
            (31.240, 121.470),
            (31.225, 121.462),
            (31.215, 121.460),
            (31.212, 121.440),
        ],
        streets: &[
            "南京西路",
            "延安中路",
            "共和新路",
            "江场路",
            "大统路",
            "万航渡路",
            "灵石路",
        ],
    },
    AreaSpec {
        code: "sh-huangpu",
        name: "黄浦区",
        name_en: "Huangpu",
        weight: 20,
        outline: &[
            (31.240, 121.470),
            (31.245, 121.490),
            (31.230, 121.500),
            (31.200, 121.500),
            (31.195, 121.485),
            (31.205, 121.470),
            (31.215, 121.460),
            (31.225, 121.462),
        ],
        streets: &[
            "淮海中路",
            "西藏南路",
            "复兴中路",
            "南京东路",
            "中华路",
            "陆家浜路",
            "打浦路",
        ],
    },
    AreaSpec {
        code: "sh-hongkou",
        name: "虹口区",
        name_en: "Hongkou",
        weight: 20,
        outline: &[
            (31.270, 121.470),
            (31.315, 121.465),
            (31.320, 121.490),
            (31.290, 121.505),
            (31.255, 121.500),
            (31.245, 121.490),
            (31.240, 121.470),
        ],
        streets: &[
            "四川北路",
            "曲阳路",
            "大连西路",
            "东江湾路",
            "广粤路",
            "临平路",
        ],
    },
    AreaSpec {
        code: "sh-yangpu",
        name: "杨浦区",
        name_en: "Yangpu",
        weight: 25,
        outline: &[
            (31.290, 121.505),
            (31.320, 121.490),
            (31.325, 121.540),
            (31.300, 121.560),
            (31.270, 121.540),
            (31.255, 121.500),
        ],
        streets: &[
            "国定路",
            "政立路",
            "黄兴路",
            "控江路",
            "长阳路",
            "平凉路",
            "淞沪路",
        ],
    },
    AreaSpec {
        code: "sh-pudong",
        name: "浦东新区",
        name_en: "Pudong",
        weight: 45,
        outline: &[
            (31.240, 121.505),
            (31.262, 121.530),
            (31.262, 121.600),
            (31.200, 121.610),
            (31.175, 121.560),
            (31.185, 121.510),
            (31.200, 121.505),
        ],
        streets: &[
            "世纪大道",
            "张杨路",
            "浦东南路",
            "碧波路",
            "东方路",
            "源深路",
            "锦绣路",
        ],
    },
];

/// Residential compound names for addresses.
pub const COMPOUNDS: [&str; 16] = [
    "阳光花园",
    "锦绣苑",
    "梅园新村",
    "康乐小区",
    "华府天地",
    "翠湖天地",
    "长风苑",
    "金色家园",
    "明珠公寓",
    "东方城市花园",
    "幸福里",
    "和平新村",
    "滨江一号",
    "紫薇苑",
    "香樟苑",
    "绿洲花园",
];

/// A main road or the river, for the offline base map.
#[derive(Debug, Clone)]
pub struct RoadSpec {
    /// 中文 name.
    pub name: &'static str,
    /// English name.
    pub name_en: &'static str,
    /// `road` or `river`.
    pub kind: &'static str,
    /// The line (WGS-84).
    pub points: Vec<LatLng>,
}

/// Elevated roads, rings and the Huangpu river, simplified.
pub fn roads() -> Vec<RoadSpec> {
    let line = |pts: &[(f64, f64)]| {
        pts.iter()
            .map(|&(lat, lng)| LatLng::new(lat, lng))
            .collect()
    };
    vec![
        RoadSpec {
            name: "延安高架路",
            name_en: "Yan'an Elevated Road",
            kind: "road",
            points: line(&[
                (31.197, 121.330),
                (31.205, 121.380),
                (31.215, 121.420),
                (31.222, 121.450),
                (31.228, 121.475),
                (31.233, 121.490),
            ]),
        },
        RoadSpec {
            name: "南北高架路",
            name_en: "North-South Elevated Road",
            kind: "road",
            points: line(&[
                (31.320, 121.452),
                (31.270, 121.456),
                (31.240, 121.462),
                (31.222, 121.466),
                (31.200, 121.470),
                (31.180, 121.468),
            ]),
        },
        RoadSpec {
            name: "内环高架路",
            name_en: "Inner Ring Road",
            kind: "road",
            points: line(&[
                (31.2667, 121.4444),
                (31.2690, 121.4800),
                (31.2580, 121.5150),
                (31.2300, 121.5300),
                (31.2000, 121.5150),
                (31.1880, 121.4800),
                (31.1900, 121.4400),
                (31.2100, 121.4150),
                (31.2400, 121.4170),
                (31.2667, 121.4444),
            ]),
        },
        RoadSpec {
            name: "中环路",
            name_en: "Middle Ring Road",
            kind: "road",
            points: line(&[
                (31.305, 121.420),
                (31.310, 121.500),
                (31.290, 121.550),
                (31.230, 121.565),
                (31.170, 121.530),
                (31.155, 121.460),
                (31.170, 121.390),
                (31.220, 121.370),
                (31.270, 121.380),
                (31.305, 121.420),
            ]),
        },
        RoadSpec {
            name: "世纪大道",
            name_en: "Century Avenue",
            kind: "road",
            points: line(&[
                (31.2397, 121.5010),
                (31.2300, 121.5200),
                (31.2150, 121.5450),
            ]),
        },
        RoadSpec {
            name: "黄浦江",
            name_en: "Huangpu River",
            kind: "river",
            points: line(&[
                (31.300, 121.560),
                (31.262, 121.520),
                (31.245, 121.500),
                (31.235, 121.502),
                (31.215, 121.502),
                (31.197, 121.492),
                (31.175, 121.472),
                (31.140, 121.468),
            ]),
        },
    ]
}
