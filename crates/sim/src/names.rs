//! Chinese personal names: surnames weighted by how common they are, and given names drawn from
//! characters typical for men or for women, so a borrower's name agrees with the sex encoded in
//! their national ID.

use rand::Rng;

use crate::seeds::{pick, pick_weighted};

/// Common surnames with weights roughly proportional to their share of the population (tenths
/// of a percent), so 王/李/张 dominate as they do in real loan books.
const SURNAMES: &[(&str, u32)] = &[
    ("王", 71),
    ("李", 70),
    ("张", 67),
    ("刘", 54),
    ("陈", 45),
    ("杨", 31),
    ("黄", 22),
    ("赵", 20),
    ("吴", 20),
    ("周", 19),
    ("徐", 13),
    ("孙", 13),
    ("马", 12),
    ("朱", 11),
    ("胡", 11),
    ("郭", 11),
    ("何", 10),
    ("高", 9),
    ("林", 9),
    ("罗", 9),
    ("郑", 8),
    ("梁", 8),
    ("谢", 6),
    ("宋", 6),
    ("唐", 6),
    ("许", 5),
    ("韩", 5),
    ("冯", 5),
    ("邓", 5),
    ("曹", 5),
    ("彭", 5),
    ("曾", 4),
    ("肖", 4),
    ("田", 4),
    ("董", 4),
    ("袁", 4),
    ("潘", 4),
    ("于", 4),
    ("蒋", 4),
    ("蔡", 4),
    ("余", 4),
    ("杜", 3),
    ("叶", 3),
    ("程", 3),
    ("苏", 3),
    ("魏", 3),
    ("吕", 3),
    ("丁", 3),
    ("任", 3),
    ("沈", 3),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 2),
    ("钟", 2),
    ("谭", 2),
    ("陆", 2),
    ("汪", 2),
    ("范", 2),
    ("金", 2),
    ("石", 2),
    ("廖", 2),
    ("贾", 2),
    ("夏", 2),
    ("韦", 2),
    ("付", 2),
    ("方", 2),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("闫", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 1),
    ("钱", 1),
    ("严", 1),
    ("覃", 1),
    ("武", 1),
    ("戴", 1),
    ("莫", 1),
    ("孔", 1),
    ("向", 1),
    ("汤", 1),
];

const MALE_CHARS: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞",
    "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林", "洋", "峰", "建",
    "国", "志", "文", "博", "晨", "阳", "亮", "海", "东", "成", "坤", "毅", "振", "威", "鸿", "德",
    "永", "春", "光", "新", "立", "子", "轩", "然", "泽", "嘉", "俊", "豪", "天", "佳", "昊", "铭",
];

const FEMALE_CHARS: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲", "婷", "雪", "慧", "颖", "琳", "晶",
    "倩", "萍", "红", "梅", "琴", "云", "洁", "欣", "悦", "怡", "佳", "蕾", "璐", "菲", "瑶", "妍",
    "楠", "月", "兰", "秀", "英", "华", "薇", "蓉", "丹", "晓", "思", "雨", "梦", "诗", "涵", "琪",
];

/// Sex as encoded in the 17th digit of a national ID (odd for men).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sex {
    Male,
    Female,
}

/// A surname drawn by frequency.
pub(crate) fn surname<R: Rng>(rng: &mut R) -> &'static str {
    pick_weighted::<&str, _>(rng, SURNAMES)
}

/// A given name of one or two characters (two is more common for people born after ~1980).
pub(crate) fn given_name<R: Rng>(rng: &mut R, sex: Sex, out: &mut String) {
    let chars = match sex {
        Sex::Male => MALE_CHARS,
        Sex::Female => FEMALE_CHARS,
    };
    out.push_str(pick::<&str, _>(rng, chars));
    if rng.random_bool(0.65) {
        out.push_str(pick::<&str, _>(rng, chars));
    }
}

/// A full name: surname then given name.
pub(crate) fn full_name<R: Rng>(rng: &mut R, sex: Sex) -> String {
    let mut name = String::with_capacity(9);
    name.push_str(surname(rng));
    given_name(rng, sex, &mut name);
    name
}

/// A name with a fixed surname (a parent, sibling or child shares the borrower's).
pub(crate) fn name_with_surname<R: Rng>(rng: &mut R, surname: &str, sex: Sex) -> String {
    let mut name = String::with_capacity(9);
    name.push_str(surname);
    given_name(rng, sex, &mut name);
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn names_are_two_or_three_characters() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..1000 {
            let name = full_name(&mut rng, Sex::Female);
            let n = name.chars().count();
            assert!((2..=3).contains(&n), "{name}");
        }
    }
}
