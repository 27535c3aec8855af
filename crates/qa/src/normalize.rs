//! Text normalisation before matching, keeping a map from normalised bytes back to the original.
//!
//! Rules, applied one character at a time:
//! - full-width ASCII (`Ｆ`, `１`, `！`) becomes half-width, and the ideographic space a space;
//! - traditional characters that occur in collection language become simplified (`會` → `会`);
//! - curly quotes become straight ones, so "don’t" matches "don't";
//! - letters are lower-cased;
//! - zero-width characters and soft hyphens are dropped;
//! - a run of whitespace between two CJK characters is dropped (`上 门` → `上门`), any other run
//!   becomes one space, or one newline when it contains a line break (a newline ends a sentence).

use std::sync::OnceLock;

/// Normalised text plus, for every byte of it, the byte range of the original character it came from.
#[derive(Debug, Clone, Default)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Normalized {
    /// The byte range in the original text covered by the normalised byte range `start..end`.
    /// `start..end` must be a non-empty range on character boundaries of [`Normalized::text`].
    pub fn original_span(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let original_start = self.starts.get(start).copied().unwrap_or(0);
        let original_end = end
            .checked_sub(1)
            .and_then(|last| self.ends.get(last))
            .copied()
            .unwrap_or(original_start);
        original_start..original_end
    }

    fn push(&mut self, c: char, original: std::ops::Range<usize>) {
        let before = self.text.len();
        self.text.push(c);
        for _ in before..self.text.len() {
            self.starts.push(original.start);
            self.ends.push(original.end);
        }
    }
}

/// Normalises `text` (see the module documentation).
pub fn normalize(text: &str) -> Normalized {
    let mut out = Normalized {
        text: String::with_capacity(text.len()),
        starts: Vec::with_capacity(text.len()),
        ends: Vec::with_capacity(text.len()),
    };
    // A pending whitespace run: the original range of its first character, and whether it had a
    // line break. It is resolved when the next visible character arrives, or dropped at the end.
    let mut pending_space: Option<(std::ops::Range<usize>, bool)> = None;
    let mut last_visible: Option<char> = None;
    for (offset, original_char) in text.char_indices() {
        let range = offset..offset + original_char.len_utf8();
        if is_invisible(original_char) {
            continue;
        }
        if original_char.is_whitespace() {
            let is_break = matches!(original_char, '\n' | '\r' | '\u{2028}' | '\u{2029}');
            pending_space = match pending_space {
                Some((first, had_break)) => Some((first, had_break || is_break)),
                None => Some((range, is_break)),
            };
            continue;
        }
        let mapped = fold_char(original_char);
        if let Some((space_range, had_break)) = pending_space.take() {
            if let Some(previous) = last_visible {
                if had_break {
                    out.push('\n', space_range);
                } else if !(is_cjk(previous) && is_cjk(mapped)) {
                    out.push(' ', space_range);
                }
            }
        }
        // CJK has no case, and the Unicode case tables are a costly search, so only other
        // non-ASCII characters go through them.
        if mapped.is_ascii() {
            out.push(mapped.to_ascii_lowercase(), range.clone());
        } else if is_cjk(mapped) {
            out.push(mapped, range.clone());
        } else {
            for lower in mapped.to_lowercase() {
                out.push(lower, range.clone());
            }
        }
        last_visible = Some(mapped);
    }
    out
}

/// Whether `c` is a CJK ideograph (the characters between which spacing is ignored).
pub fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// Characters dropped before matching: zero-width ones, and double quotation marks — a
/// collector who writes 安排人员“教育”一下 means 教育一下 (apostrophes stay: "don't").
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'
            | '\u{200C}'
            | '\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
            | '\u{00AD}'
            | '"'
            | '\u{201C}'
            | '\u{201D}'
            | '\u{FF02}'
            | '\u{300C}'
            | '\u{300D}'
            | '\u{300E}'
            | '\u{300F}'
    )
}

/// Full-width to half-width, curly to straight quotes, traditional to simplified. Case is folded
/// afterwards because lower-casing may yield more than one character.
fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
        c if is_cjk(c) => simplified(c),
        c => c,
    }
}

/// Traditional → simplified pairs for characters found in collection language. Each pair is two
/// characters; only characters that are never themselves simplified forms are mapped, so the
/// mapping cannot corrupt simplified text.
const TRADITIONAL_SIMPLIFIED: &str =
    "們们會会門门電电話话斷断殺杀讓让還还錢钱債债賴赖騙骗違违規规轟轰\
貼贴報报單单屬属親亲領领導导學学兒儿後后負负責责來来見见監监獄狱傳传檢检員员師师強强執执\
訴诉訟讼徵征記记錄录開开訊讯聯联繫系偵侦隱隐資资時时騷骚擾扰續续費费貸贷養养鄰邻區区視视\
頻频網网絡络發发佈布張张揚扬醜丑廢废豬猪滾滚媽妈窮穷該该給给臉脸麼么樣样這这個个對对嗎吗\
說说聽听準准許许嚴严絕绝決决別别無无論论處处罰罚擔担證证據据償偿額额際际戶户車车輛辆產产\
帳账賬账號号碼码問问題题關关係系寫写動动點点間间現现實实應应過过為为級级經经濟济認认識识\
裡里頭头總总線线條条萬万與与將将從从進进邊边種种煩烦帶带氣气敗败壞坏結结難难纏缠斃毙槍枪\
燒烧潑泼綁绑擊击毆殴殘残傷伤滅灭屍尸墳坟喪丧禍祸災灾廠厂職职業业終终橫横紙纸廣广組组\
類类詐诈偽伪專专調调凍冻財财沒没賣卖審审銀银購购買买飛飞機机鐵铁孫孙響响體体彈弹盡尽爛烂\
黨党團团夥伙構构標标誌志錯错務务稱称號号鎖锁撥拨聞闻鬧闹驚惊嚇吓罵骂賤贱腦脑殘残狀状\
隊队級级場场術术歲岁讀读書书獎奖勵励懲惩辦办議议設设備备權权釋释計计劃划遞递郵邮\
軍军";

/// The traditional → simplified table, with a bitmap over the main CJK block so that the
/// common case, a character that is not in the table, costs one bit test instead of a search.
struct TraditionalTable {
    pairs: Vec<(char, char)>,
    bitmap: Vec<u64>,
}

const CJK_BLOCK_START: u32 = 0x4E00;
const CJK_BLOCK_END: u32 = 0x9FFF;

fn traditional_table() -> &'static TraditionalTable {
    static TABLE: OnceLock<TraditionalTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let chars: Vec<char> = TRADITIONAL_SIMPLIFIED
            .chars()
            .filter(|c| is_cjk(*c))
            .collect();
        let mut pairs: Vec<(char, char)> = chars
            .chunks_exact(2)
            .map(|pair| (pair[0], pair[1]))
            .filter(|(traditional, simplified)| traditional != simplified)
            .collect();
        pairs.sort_unstable();
        pairs.dedup_by_key(|pair| pair.0);
        let mut bitmap = vec![0u64; ((CJK_BLOCK_END - CJK_BLOCK_START) / 64 + 1) as usize];
        for (traditional, _) in &pairs {
            let code = *traditional as u32;
            if (CJK_BLOCK_START..=CJK_BLOCK_END).contains(&code) {
                let bit = (code - CJK_BLOCK_START) as usize;
                if let Some(word) = bitmap.get_mut(bit / 64) {
                    *word |= 1 << (bit % 64);
                }
            }
        }
        TraditionalTable { pairs, bitmap }
    })
}

fn simplified(c: char) -> char {
    let table = traditional_table();
    let code = c as u32;
    if (CJK_BLOCK_START..=CJK_BLOCK_END).contains(&code) {
        let bit = (code - CJK_BLOCK_START) as usize;
        let in_table = table
            .bitmap
            .get(bit / 64)
            .is_some_and(|word| word & (1 << (bit % 64)) != 0);
        if !in_table {
            return c;
        }
    }
    match table.pairs.binary_search_by_key(&c, |pair| pair.0) {
        Ok(idx) => table.pairs.get(idx).map_or(c, |pair| pair.1),
        Err(_) => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        assert_eq!(normalize(input).text, expect, "normalising {input:?}");
    }

    #[test]
    fn full_width_and_case_fold_to_half_width_lower_case() {
        check("ＣＯＮＴＡＣＴ　Your Employer！", "contact your employer!");
    }

    #[test]
    fn spaces_between_cjk_characters_are_dropped_and_other_runs_collapse() {
        check("上 门  找　你", "上门找你");
        check("call   you\t every day", "call you every day");
        check("  leading and trailing  ", "leading and trailing");
        check("第一句\n\n 第二句", "第一句\n第二句");
    }

    #[test]
    fn traditional_characters_become_simplified() {
        check("我們會上門找你", "我们会上门找你");
        check("通知你單位", "通知你单位");
    }

    #[test]
    fn zero_width_characters_are_dropped_and_curly_quotes_straightened() {
        check("曝\u{200B}光", "曝光");
        check("don’t", "don't");
    }

    #[test]
    fn the_traditional_table_has_no_chains() {
        let chars: Vec<char> = TRADITIONAL_SIMPLIFIED
            .chars()
            .filter(|c| is_cjk(*c))
            .collect();
        assert_eq!(chars.len() % 2, 0, "odd number of characters in the table");
        let pairs: Vec<(char, char)> = chars
            .chunks_exact(2)
            .map(|pair| (pair[0], pair[1]))
            .filter(|(t, s)| t != s)
            .collect();
        for (traditional, simplified) in &pairs {
            assert!(
                !pairs.iter().any(|(t, _)| t == simplified),
                "{traditional}→{simplified} maps to a character that is itself mapped"
            );
        }
    }

    #[test]
    fn original_spans_cover_whole_original_characters() {
        let text = "Ｆuck 你";
        let normalized = normalize(text);
        assert_eq!(normalized.text, "fuck 你");
        let span = normalized.original_span(0, 4);
        assert_eq!(&text[span], "Ｆuck");
    }
}
