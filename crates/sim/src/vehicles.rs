//! Financed cars: popular models sold in China with their manufacturer codes (WMI) and price
//! bands, VINs with a valid check digit, licence plates of the borrower's city (green
//! new-energy plates for electric and plug-in models), GPS terminals and dealers.

use rand::Rng;
use recoup_core::book::{GpsProtocol, GpsTerminal};
use recoup_core::identity::{vin_check_char, Vin};

use crate::ids::{jt808_terminal, tracker_imei};
use crate::places::City;
use crate::seeds::{pick, pick_weighted};

/// A car model on sale in China.
#[derive(Debug)]
pub(crate) struct CarModel {
    /// World manufacturer identifier of the joint venture or maker that builds it.
    pub wmi: &'static str,
    pub make: &'static str,
    pub model: &'static str,
    /// New-car price band in yuan.
    pub min_yuan: i64,
    pub max_yuan: i64,
    /// Electric or plug-in hybrid: gets a green plate with D or F.
    pub nev: bool,
}

/// Models weighted by how often they are financed; the weights put the median new-car price near
/// 150,000 yuan with a long tail of premium cars.
pub(crate) const MODELS: &[(CarModel, u32)] = &[
    (car("LSV", "大众", "朗逸", 100, 150, false), 10),
    (car("LSV", "大众", "帕萨特", 180, 260, false), 5),
    (car("LSV", "大众", "途观L", 220, 300, false), 4),
    (car("LFV", "大众", "速腾", 130, 180, false), 6),
    (car("LFV", "大众", "迈腾", 190, 280, false), 5),
    (car("LFV", "大众", "宝来", 100, 140, false), 4),
    (car("LFV", "奥迪", "A4L", 300, 400, false), 3),
    (car("LSG", "别克", "英朗", 90, 130, false), 5),
    (car("LSG", "别克", "君越", 200, 290, false), 2),
    (car("LSG", "凯迪拉克", "CT5", 270, 350, false), 1),
    (car("LVS", "福特", "福克斯", 100, 140, false), 2),
    (car("LVS", "福特", "蒙迪欧", 180, 250, false), 2),
    (car("LGB", "日产", "轩逸", 90, 150, false), 8),
    (car("LGB", "日产", "天籁", 180, 260, false), 2),
    (car("LGB", "日产", "奇骏", 180, 260, false), 2),
    (car("LHG", "本田", "雅阁", 170, 260, false), 5),
    (car("LHG", "本田", "飞度", 80, 110, false), 2),
    (car("LVH", "本田", "思域", 120, 180, false), 4),
    (car("LVH", "本田", "CR-V", 180, 270, false), 4),
    (car("LFM", "丰田", "卡罗拉", 110, 160, false), 6),
    (car("LFM", "丰田", "亚洲龙", 200, 280, false), 2),
    (car("LFM", "丰田", "RAV4荣放", 180, 260, false), 3),
    (car("LVG", "丰田", "凯美瑞", 170, 270, false), 5),
    (car("LVG", "丰田", "汉兰达", 260, 350, false), 2),
    (car("LGX", "比亚迪", "秦PLUS", 100, 150, true), 8),
    (car("LGX", "比亚迪", "汉", 200, 290, true), 3),
    (car("LGX", "比亚迪", "宋PLUS", 150, 220, true), 6),
    (car("LGX", "比亚迪", "海豚", 100, 130, true), 3),
    (car("LGW", "长城", "哈弗H6", 100, 160, false), 5),
    (car("LGW", "长城", "坦克300", 200, 350, false), 1),
    (car("LB3", "吉利", "星越L", 140, 200, false), 4),
    (car("LB3", "吉利", "帝豪", 80, 100, false), 4),
    (car("LB3", "吉利", "博越", 90, 150, false), 3),
    (car("LRW", "特斯拉", "Model 3", 230, 290, true), 4),
    (car("LRW", "特斯拉", "Model Y", 250, 360, true), 5),
    (car("LBV", "宝马", "3系", 300, 400, false), 2),
    (car("LE4", "奔驰", "C级", 330, 400, false), 2),
];

const fn car(
    wmi: &'static str,
    make: &'static str,
    model: &'static str,
    min_k: i64,
    max_k: i64,
    nev: bool,
) -> CarModel {
    CarModel {
        wmi,
        make,
        model,
        min_yuan: min_k * 1000,
        max_yuan: max_k * 1000,
        nev,
    }
}

/// Characters allowed in a VIN (no I, O or Q).
const VIN_CHARS: &[u8] = b"ABCDEFGHJKLMNPRSTUVWXYZ0123456789";

/// Letters allowed on a plate (no I or O, which read as 1 and 0).
const PLATE_LETTERS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Picks a model by popularity.
pub(crate) fn model<R: Rng>(rng: &mut R) -> &'static CarModel {
    pick_weighted(rng, MODELS)
}

/// The VIN model-year code (position 10) for `year`; the letters I, O, Q, U, Z and the digit 0
/// are skipped and the cycle repeats every 30 years.
pub(crate) fn year_code(year: i32) -> char {
    const CODES: &[u8] = b"ABCDEFGHJKLMNPRSTVWXY123456789";
    // 2010 is A; rem_euclid keeps older years on the same 30-year cycle.
    CODES[(year - 2010).rem_euclid(30) as usize] as char
}

/// A VIN for `model` of model year `year`, with a valid check digit.
pub(crate) fn vin<R: Rng>(rng: &mut R, model: &CarModel, year: i32) -> Vin {
    let mut text = String::with_capacity(17);
    text.push_str(model.wmi);
    for _ in 0..5 {
        text.push(*pick(rng, VIN_CHARS) as char);
    }
    text.push('0'); // placeholder for the check digit, ignored by the check
    text.push(year_code(year));
    text.push(*pick(rng, VIN_CHARS) as char); // assembly plant
    for _ in 0..6 {
        text.push(char::from(b'0' + rng.random_range(0..10u8)));
    }
    let check = vin_check_char(&text);
    text.replace_range(8..9, check.encode_utf8(&mut [0; 4]));
    // Infallible: 17 characters, all from VIN_CHARS (the WMIs in MODELS are checked by a test),
    // with the check digit computed by the function `parse` verifies against.
    Vin::parse(&text).expect("generated VIN is valid by construction")
}

/// A licence plate of `city`: the province character and issuing-office letter, then five
/// characters (at most two letters), or for new-energy cars D (electric) or F (hybrid), a letter
/// or digit and four digits.
pub(crate) fn plate<R: Rng>(rng: &mut R, city: &City, nev: bool) -> String {
    // The first prefix of each city is its main office and issues most plates.
    let prefix = if city.plates.len() == 1 || rng.random_bool(0.6) {
        city.plates[0]
    } else {
        pick(rng, city.plates)
    };
    let mut plate = String::with_capacity(prefix.len() + 6);
    plate.push_str(prefix);
    if nev {
        plate.push(if rng.random_bool(0.7) { 'D' } else { 'F' });
        if rng.random_bool(0.5) {
            plate.push(*pick(rng, PLATE_LETTERS) as char);
        } else {
            plate.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
        for _ in 0..4 {
            plate.push(char::from(b'0' + rng.random_range(0..10u8)));
        }
    } else {
        let mut letters = 0;
        for _ in 0..5 {
            if letters < 2 && rng.random_bool(0.2) {
                plate.push(*pick(rng, PLATE_LETTERS) as char);
                letters += 1;
            } else {
                plate.push(char::from(b'0' + rng.random_range(0..10u8)));
            }
        }
    }
    plate
}

/// Share of the new price left after `age` years, in percent.
pub(crate) fn residual_percent(age: i32) -> i64 {
    const TABLE: [i64; 11] = [100, 80, 70, 62, 55, 48, 42, 37, 33, 29, 26];
    TABLE[age.clamp(0, 10) as usize]
}

/// A GPS terminal: JT/T 808 units are fitted at the dealer, GT06 trackers after-market.
/// `serial` (the loan's stream index) makes the id unique: positions are matched to cars by
/// terminal id, so two cars must never share one.
pub(crate) fn gps_terminal<R: Rng>(rng: &mut R, serial: usize) -> GpsTerminal {
    if rng.random_bool(0.4) {
        GpsTerminal {
            terminal_id: jt808_terminal(serial),
            protocol: GpsProtocol::Jt808,
        }
    } else {
        GpsTerminal {
            terminal_id: tracker_imei(serial),
            protocol: GpsProtocol::Gt06,
        }
    }
}

const TRADE_FIRST: &[&str] = &[
    "博瑞", "华通", "恒信", "鑫达", "中升", "永达", "广汇", "庞大", "运通", "盛世", "弘基", "宏达",
    "金阳", "润东", "之信", "利星", "华胜", "安吉", "骏宝", "鸿运", "瑞丰", "德盛", "新天", "嘉和",
];

const TRADE_SECOND: &[&str] = &[
    "祥驰", "腾达", "通达", "行远", "致远", "顺通", "远航", "聚源", "昌盛", "宝泰", "捷诚", "汇丰",
    "源通", "恒达", "佳驰",
];

/// Which kind of business sells the loan; it decides the dealer's legal-name suffix.
#[derive(Debug, Clone, Copy)]
pub(crate) enum DealerKind {
    /// A 4S store selling new cars.
    NewCar,
    /// A used-car dealer.
    UsedCar,
    /// An agent for car-mortgage loans.
    Mortgage,
}

/// A dealer's registered company name, e.g. 北京朝阳区博瑞祥驰汽车销售服务有限公司.
pub(crate) fn dealer_name<R: Rng>(rng: &mut R, city: &City, kind: DealerKind) -> String {
    let (district, _) = pick(rng, city.districts);
    let first = pick(rng, TRADE_FIRST);
    let second = pick(rng, TRADE_SECOND);
    let suffix = match kind {
        DealerKind::NewCar => "汽车销售服务有限公司",
        DealerKind::UsedCar => "二手车经纪有限公司",
        DealerKind::Mortgage => "汽车服务有限公司",
    };
    format!("{}{district}{first}{second}{suffix}", city.short)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::places::CITIES;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn year_codes_follow_the_standard() {
        assert_eq!(year_code(2010), 'A');
        assert_eq!(year_code(2018), 'J');
        assert_eq!(year_code(2024), 'R');
        assert_eq!(year_code(2025), 'S');
        assert_eq!(year_code(2009), '9');
    }

    #[test]
    fn vins_and_plates_are_well_formed() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for (model, _) in MODELS {
            assert!(model.wmi.bytes().all(|b| VIN_CHARS.contains(&b)));
            let vin = vin(&mut rng, model, 2024);
            assert!(vin.as_str().starts_with(model.wmi));
            let plate = plate(&mut rng, &CITIES[0], model.nev);
            let tail = plate.chars().count() - 2;
            assert_eq!(tail, if model.nev { 6 } else { 5 }, "{plate}");
        }
    }
}
