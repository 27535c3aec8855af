//! The thirty cities the synthetic book lends in: administrative codes, districts, map centres,
//! licence-plate prefixes and how much of the book each holds, plus street addresses with
//! coordinates jittered around the city centre.

use std::fmt::Write;

use rand::Rng;
use recoup_core::book::{Address, GeoPoint};

use crate::seeds::pick;

/// One lending city.
#[derive(Debug)]
pub(crate) struct City {
    /// The prefecture-level administrative division code (e.g. 110100 for Beijing).
    pub code: &'static str,
    /// Full name as written in an address, e.g. 北京市.
    pub name: &'static str,
    /// Name without 市, as used in company names.
    pub short: &'static str,
    pub lat: f64,
    pub lng: f64,
    /// Relative share of the book; big car markets weigh more.
    pub weight: u32,
    /// Licence-plate prefixes issued in the city, the first being the most common.
    pub plates: &'static [&'static str],
    /// Urban districts (or towns, for Dongguan) with their county-level division codes.
    pub districts: &'static [(&'static str, &'static str)],
}

/// The cities, with real coordinates of their centres and real district codes.
pub(crate) const CITIES: &[City] = &[
    City {
        code: "110100",
        name: "北京市",
        short: "北京",
        lat: 39.9042,
        lng: 116.4074,
        weight: 7,
        plates: &[
            "京A", "京N", "京Q", "京B", "京E", "京F", "京H", "京J", "京K", "京L", "京M", "京P",
        ],
        districts: &[
            ("东城区", "110101"),
            ("西城区", "110102"),
            ("朝阳区", "110105"),
            ("丰台区", "110106"),
            ("海淀区", "110108"),
            ("通州区", "110112"),
            ("昌平区", "110114"),
        ],
    },
    City {
        code: "310100",
        name: "上海市",
        short: "上海",
        lat: 31.2304,
        lng: 121.4737,
        weight: 6,
        plates: &[
            "沪A", "沪B", "沪D", "沪E", "沪F", "沪G", "沪H", "沪J", "沪K", "沪L", "沪M", "沪N",
        ],
        districts: &[
            ("黄浦区", "310101"),
            ("徐汇区", "310104"),
            ("长宁区", "310105"),
            ("静安区", "310106"),
            ("普陀区", "310107"),
            ("杨浦区", "310110"),
            ("闵行区", "310112"),
            ("宝山区", "310113"),
            ("浦东新区", "310115"),
        ],
    },
    City {
        code: "440100",
        name: "广州市",
        short: "广州",
        lat: 23.1291,
        lng: 113.2644,
        weight: 5,
        plates: &["粤A"],
        districts: &[
            ("荔湾区", "440103"),
            ("越秀区", "440104"),
            ("海珠区", "440105"),
            ("天河区", "440106"),
            ("白云区", "440111"),
            ("黄埔区", "440112"),
            ("番禺区", "440113"),
        ],
    },
    City {
        code: "440300",
        name: "深圳市",
        short: "深圳",
        lat: 22.5431,
        lng: 114.0579,
        weight: 5,
        plates: &["粤B"],
        districts: &[
            ("罗湖区", "440303"),
            ("福田区", "440304"),
            ("南山区", "440305"),
            ("宝安区", "440306"),
            ("龙岗区", "440307"),
        ],
    },
    City {
        code: "510100",
        name: "成都市",
        short: "成都",
        lat: 30.5728,
        lng: 104.0668,
        weight: 6,
        plates: &["川A", "川G"],
        districts: &[
            ("锦江区", "510104"),
            ("青羊区", "510105"),
            ("金牛区", "510106"),
            ("武侯区", "510107"),
            ("成华区", "510108"),
        ],
    },
    City {
        code: "500100",
        name: "重庆市",
        short: "重庆",
        lat: 29.5630,
        lng: 106.5516,
        weight: 6,
        plates: &["渝A", "渝B", "渝D"],
        districts: &[
            ("渝中区", "500103"),
            ("江北区", "500105"),
            ("沙坪坝区", "500106"),
            ("九龙坡区", "500107"),
            ("南岸区", "500108"),
            ("渝北区", "500112"),
        ],
    },
    City {
        code: "330100",
        name: "杭州市",
        short: "杭州",
        lat: 30.2741,
        lng: 120.1551,
        weight: 4,
        plates: &["浙A"],
        districts: &[
            ("上城区", "330102"),
            ("拱墅区", "330105"),
            ("西湖区", "330106"),
            ("滨江区", "330108"),
            ("萧山区", "330109"),
            ("余杭区", "330110"),
        ],
    },
    City {
        code: "420100",
        name: "武汉市",
        short: "武汉",
        lat: 30.5928,
        lng: 114.3055,
        weight: 4,
        plates: &["鄂A"],
        districts: &[
            ("江岸区", "420102"),
            ("江汉区", "420103"),
            ("硚口区", "420104"),
            ("汉阳区", "420105"),
            ("武昌区", "420106"),
            ("洪山区", "420111"),
        ],
    },
    City {
        code: "610100",
        name: "西安市",
        short: "西安",
        lat: 34.3416,
        lng: 108.9398,
        weight: 4,
        plates: &["陕A", "陕U"],
        districts: &[
            ("新城区", "610102"),
            ("碑林区", "610103"),
            ("莲湖区", "610104"),
            ("未央区", "610112"),
            ("雁塔区", "610113"),
        ],
    },
    City {
        code: "320100",
        name: "南京市",
        short: "南京",
        lat: 32.0603,
        lng: 118.7969,
        weight: 3,
        plates: &["苏A"],
        districts: &[
            ("玄武区", "320102"),
            ("秦淮区", "320104"),
            ("建邺区", "320105"),
            ("鼓楼区", "320106"),
            ("江宁区", "320115"),
        ],
    },
    City {
        code: "120100",
        name: "天津市",
        short: "天津",
        lat: 39.3434,
        lng: 117.3616,
        weight: 4,
        plates: &[
            "津A", "津B", "津C", "津D", "津E", "津F", "津G", "津H", "津J", "津K", "津L", "津M",
        ],
        districts: &[
            ("和平区", "120101"),
            ("河东区", "120102"),
            ("河西区", "120103"),
            ("南开区", "120104"),
            ("河北区", "120105"),
        ],
    },
    City {
        code: "320500",
        name: "苏州市",
        short: "苏州",
        lat: 31.2990,
        lng: 120.5853,
        weight: 4,
        plates: &["苏E", "苏U"],
        districts: &[
            ("虎丘区", "320505"),
            ("吴中区", "320506"),
            ("相城区", "320507"),
            ("姑苏区", "320508"),
            ("吴江区", "320509"),
        ],
    },
    City {
        code: "410100",
        name: "郑州市",
        short: "郑州",
        lat: 34.7466,
        lng: 113.6254,
        weight: 4,
        plates: &["豫A"],
        districts: &[
            ("中原区", "410102"),
            ("二七区", "410103"),
            ("管城回族区", "410104"),
            ("金水区", "410105"),
            ("惠济区", "410108"),
        ],
    },
    City {
        code: "430100",
        name: "长沙市",
        short: "长沙",
        lat: 28.2282,
        lng: 112.9388,
        weight: 3,
        plates: &["湘A"],
        districts: &[
            ("芙蓉区", "430102"),
            ("天心区", "430103"),
            ("岳麓区", "430104"),
            ("开福区", "430105"),
            ("雨花区", "430111"),
        ],
    },
    City {
        code: "210100",
        name: "沈阳市",
        short: "沈阳",
        lat: 41.8057,
        lng: 123.4315,
        weight: 2,
        plates: &["辽A"],
        districts: &[
            ("和平区", "210102"),
            ("沈河区", "210103"),
            ("大东区", "210104"),
            ("皇姑区", "210105"),
            ("铁西区", "210106"),
        ],
    },
    City {
        code: "370200",
        name: "青岛市",
        short: "青岛",
        lat: 36.0671,
        lng: 120.3826,
        weight: 3,
        plates: &["鲁B", "鲁U"],
        districts: &[
            ("市南区", "370202"),
            ("市北区", "370203"),
            ("黄岛区", "370211"),
            ("崂山区", "370212"),
            ("李沧区", "370213"),
        ],
    },
    City {
        code: "370100",
        name: "济南市",
        short: "济南",
        lat: 36.6512,
        lng: 117.1201,
        weight: 2,
        plates: &["鲁A"],
        districts: &[
            ("历下区", "370102"),
            ("市中区", "370103"),
            ("槐荫区", "370104"),
            ("天桥区", "370105"),
            ("历城区", "370112"),
        ],
    },
    City {
        code: "340100",
        name: "合肥市",
        short: "合肥",
        lat: 31.8206,
        lng: 117.2272,
        weight: 2,
        plates: &["皖A"],
        districts: &[
            ("瑶海区", "340102"),
            ("庐阳区", "340103"),
            ("蜀山区", "340104"),
            ("包河区", "340111"),
        ],
    },
    City {
        code: "350100",
        name: "福州市",
        short: "福州",
        lat: 26.0745,
        lng: 119.2965,
        weight: 2,
        plates: &["闽A"],
        districts: &[
            ("鼓楼区", "350102"),
            ("台江区", "350103"),
            ("仓山区", "350104"),
            ("晋安区", "350111"),
        ],
    },
    City {
        code: "350200",
        name: "厦门市",
        short: "厦门",
        lat: 24.4798,
        lng: 118.0894,
        weight: 1,
        plates: &["闽D"],
        districts: &[
            ("思明区", "350203"),
            ("海沧区", "350205"),
            ("湖里区", "350206"),
            ("集美区", "350211"),
        ],
    },
    City {
        code: "530100",
        name: "昆明市",
        short: "昆明",
        lat: 25.0389,
        lng: 102.7183,
        weight: 2,
        plates: &["云A"],
        districts: &[
            ("五华区", "530102"),
            ("盘龙区", "530103"),
            ("官渡区", "530111"),
            ("西山区", "530112"),
        ],
    },
    City {
        code: "450100",
        name: "南宁市",
        short: "南宁",
        lat: 22.8170,
        lng: 108.3665,
        weight: 2,
        plates: &["桂A"],
        districts: &[
            ("兴宁区", "450102"),
            ("青秀区", "450103"),
            ("江南区", "450105"),
            ("西乡塘区", "450107"),
        ],
    },
    City {
        code: "230100",
        name: "哈尔滨市",
        short: "哈尔滨",
        lat: 45.8038,
        lng: 126.5349,
        weight: 2,
        plates: &["黑A"],
        districts: &[
            ("道里区", "230102"),
            ("南岗区", "230103"),
            ("道外区", "230104"),
            ("香坊区", "230110"),
        ],
    },
    City {
        code: "220100",
        name: "长春市",
        short: "长春",
        lat: 43.8171,
        lng: 125.3235,
        weight: 2,
        plates: &["吉A"],
        districts: &[
            ("南关区", "220102"),
            ("宽城区", "220103"),
            ("朝阳区", "220104"),
            ("二道区", "220105"),
            ("绿园区", "220106"),
        ],
    },
    City {
        code: "130100",
        name: "石家庄市",
        short: "石家庄",
        lat: 38.0428,
        lng: 114.5149,
        weight: 3,
        plates: &["冀A"],
        districts: &[
            ("长安区", "130102"),
            ("桥西区", "130104"),
            ("新华区", "130105"),
            ("裕华区", "130108"),
        ],
    },
    City {
        code: "140100",
        name: "太原市",
        short: "太原",
        lat: 37.8706,
        lng: 112.5489,
        weight: 2,
        plates: &["晋A"],
        districts: &[
            ("小店区", "140105"),
            ("迎泽区", "140106"),
            ("杏花岭区", "140107"),
            ("万柏林区", "140109"),
        ],
    },
    City {
        code: "360100",
        name: "南昌市",
        short: "南昌",
        lat: 28.6820,
        lng: 115.8579,
        weight: 2,
        plates: &["赣A"],
        districts: &[
            ("东湖区", "360102"),
            ("西湖区", "360103"),
            ("青云谱区", "360104"),
            ("青山湖区", "360111"),
        ],
    },
    City {
        code: "520100",
        name: "贵阳市",
        short: "贵阳",
        lat: 26.6470,
        lng: 106.6302,
        weight: 2,
        plates: &["贵A"],
        districts: &[
            ("南明区", "520102"),
            ("云岩区", "520103"),
            ("花溪区", "520111"),
            ("观山湖区", "520115"),
        ],
    },
    City {
        code: "441900",
        name: "东莞市",
        short: "东莞",
        lat: 23.0207,
        lng: 113.7518,
        weight: 3,
        plates: &["粤S"],
        // Dongguan has no county level: towns sit directly under the city and IDs carry 441900.
        districts: &[
            ("莞城街道", "441900"),
            ("南城街道", "441900"),
            ("东城街道", "441900"),
            ("虎门镇", "441900"),
            ("长安镇", "441900"),
        ],
    },
    City {
        code: "440600",
        name: "佛山市",
        short: "佛山",
        lat: 23.0215,
        lng: 113.1214,
        weight: 3,
        plates: &["粤E", "粤X", "粤Y"],
        districts: &[
            ("禅城区", "440604"),
            ("南海区", "440605"),
            ("顺德区", "440606"),
        ],
    },
];

const STREETS: &[&str] = &[
    "人民路",
    "解放路",
    "中山路",
    "建设路",
    "和平路",
    "胜利路",
    "新华路",
    "文化路",
    "长江路",
    "黄河路",
    "青年路",
    "光明路",
    "幸福路",
    "东风路",
    "学府路",
    "迎宾大道",
    "滨江路",
    "花园路",
    "工业大道",
    "科技路",
    "朝阳路",
    "南京路",
    "北京路",
    "复兴路",
    "金桥路",
    "振兴路",
    "团结路",
    "友谊路",
    "育才路",
    "平安大街",
];

const ESTATES: &[&str] = &[
    "阳光花园",
    "幸福家园",
    "锦绣华庭",
    "金色家园",
    "翠苑小区",
    "碧桂园",
    "万科城",
    "保利花园",
    "绿地新都会",
    "恒大名都",
    "世纪花园",
    "天一华府",
    "东方明珠苑",
    "新城国际",
    "和谐家园",
];

const WORKPLACES: &[&str] = &[
    "国际大厦",
    "商务中心",
    "科技园",
    "工业园",
    "金融中心",
    "广场",
    "大厦",
    "创业园",
    "物流园",
    "产业园",
    "写字楼",
    "商贸城",
];

const WORK_PREFIXES: &[&str] = &[
    "华润",
    "万达",
    "中信",
    "新世纪",
    "环球",
    "金融港",
    "华府",
    "东方",
    "时代",
    "恒隆",
    "国贸",
    "长城",
    "汇金",
    "银泰",
];

/// Picks a district of `city`.
pub(crate) fn district<R: Rng>(rng: &mut R, city: &City) -> &'static (&'static str, &'static str) {
    pick(rng, city.districts)
}

/// A roughly normal offset (sum of three uniforms) with the given spread in degrees.
fn jitter<R: Rng>(rng: &mut R, spread: f64) -> f64 {
    (rng.random::<f64>() + rng.random::<f64>() + rng.random::<f64>() - 1.5) * spread
}

/// A point about `spread` degrees around (`lat`, `lng`). Jitters stay tiny relative to the valid
/// range, so construction only fails on a broken city table; then the address has no location.
fn point_near<R: Rng>(rng: &mut R, lat: f64, lng: f64, spread: f64) -> Option<GeoPoint> {
    GeoPoint::new(lat + jitter(rng, spread), lng + jitter(rng, spread)).ok()
}

/// A home address: residential estate, building, unit and flat.
pub(crate) fn home_address<R: Rng>(rng: &mut R, city: &City) -> Address {
    let (district, _) = district(rng, city);
    let street = pick(rng, STREETS);
    let estate = pick(rng, ESTATES);
    let number = rng.random_range(1..=999);
    let building = rng.random_range(1..=32);
    let unit = rng.random_range(1..=6);
    let floor = rng.random_range(1..=33);
    let flat = rng.random_range(1..=4);
    // Sized up front: Chinese characters take three bytes and `format!` would regrow.
    let mut text = String::with_capacity(96);
    let _ = write!(
        text,
        "{}{district}{street}{number}号{estate}{building}栋{unit}单元{floor}{flat:02}室",
        city.name
    );
    Address {
        text,
        location: point_near(rng, city.lat, city.lng, 0.12),
    }
}

/// A work address in the same city, a commute away from `home` (when home is on the map).
pub(crate) fn work_address<R: Rng>(rng: &mut R, city: &City, home: &Address) -> Address {
    let (district, _) = district(rng, city);
    let street = pick(rng, STREETS);
    let number = rng.random_range(1..=888);
    let prefix = pick(rng, WORK_PREFIXES);
    let place = pick(rng, WORKPLACES);
    let floor = rng.random_range(1..=40);
    let mut text = String::with_capacity(80);
    let _ = write!(
        text,
        "{}{district}{street}{number}号{prefix}{place}{floor}层",
        city.name
    );
    let (lat, lng) = home
        .location
        .map(|p| (p.lat(), p.lng()))
        .unwrap_or((city.lat, city.lng));
    Address {
        text,
        location: point_near(rng, lat, lng, 0.08),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_thirty_distinct_cities() {
        assert_eq!(CITIES.len(), 30);
        let mut codes: Vec<&str> = CITIES.iter().map(|c| c.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 30);
        for city in CITIES {
            assert_eq!(city.code.len(), 6);
            assert!(!city.plates.is_empty() && !city.districts.is_empty());
            assert!(city.weight > 0);
            for (_, code) in city.districts {
                assert_eq!(&code[..4], &city.code[..4], "{}", city.name);
            }
        }
    }
}
