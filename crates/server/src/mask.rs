//! Masking of personal data in responses: national IDs, phone numbers and addresses are shown
//! in part unless the user revealed them (`POST /cases/{id}/reveal`, journaled). One place, so
//! every response masks alike.

/// A national ID with all but the first four and last four characters starred:
/// `110101199003071234` → `1101**********1234`.
pub fn national_id(id: &str) -> String {
    keep_ends(id, 4, 4)
}

/// A phone number with all but the first three and last four digits starred:
/// `13800138000` → `138****8000`. Short numbers keep less.
pub fn phone(number: &str) -> String {
    keep_ends(number, 3, 4)
}

/// An address cut after the district (区/县) or, failing that, the city (市), with the rest
/// starred: `北京市朝阳区建国路88号…` → `北京市朝阳区****`.
pub fn address(text: &str) -> String {
    let cut = text
        .char_indices()
        .find(|(_, ch)| matches!(ch, '区' | '县'))
        .or_else(|| text.char_indices().find(|(_, ch)| *ch == '市'))
        .map(|(idx, ch)| idx + ch.len_utf8());
    match cut {
        Some(end) if end < text.len() => format!("{}****", text.get(..end).unwrap_or_default()),
        Some(_) => text.to_string(),
        None => "****".to_string(),
    }
}

fn keep_ends(text: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    if n <= head + tail {
        // Too short to show both ends: keep at most the last two.
        let keep = n.min(2);
        let mut out = "*".repeat(n - keep);
        out.extend(chars.iter().skip(n - keep));
        return out;
    }
    let mut out: String = chars.iter().take(head).collect();
    out.push_str(&"*".repeat(n - head - tail));
    out.extend(chars.iter().skip(n - tail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_phones_and_addresses_are_masked_as_documented() {
        assert_eq!(national_id("11010119900307123X"), "1101**********123X");
        assert_eq!(phone("13800138000"), "138****8000");
        assert_eq!(
            address("北京市朝阳区建国路88号阳光小区3栋2单元1201室"),
            "北京市朝阳区****"
        );
        assert_eq!(address("上海市某路1号"), "上海市****");
        assert_eq!(address("somewhere"), "****");
        assert_eq!(phone("12345"), "***45");
        assert_eq!(phone(""), "");
    }
}
