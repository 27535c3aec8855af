//! Checks for values the core has no type for: contract numbers and idempotency keys, bank
//! account numbers, names, licence plates, GPS terminal ids (JT/T 808 terminal numbers and GT06
//! IMEIs with their Luhn check), whole numbers in a range and positive amounts.

use recoup_core::book::GpsProtocol;
use recoup_core::Fen;

/// The longest contract number or idempotency key accepted.
pub const MAX_REFERENCE_CHARS: usize = 64;

/// A contract number or idempotency key: 1–64 characters, no spaces or control characters.
pub(crate) fn reference(text: &str) -> Result<String, String> {
    let count = text.chars().count();
    if count > MAX_REFERENCE_CHARS {
        return Err(format!(
            "is {count} characters long; at most {MAX_REFERENCE_CHARS} are allowed"
        ));
    }
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("`{text}` contains a space or control character"));
    }
    Ok(text.to_string())
}

/// A person's name: at most 50 characters, no control characters.
pub(crate) fn person_name(text: &str) -> Result<String, String> {
    let count = text.chars().count();
    if count > 50 {
        return Err(format!(
            "is {count} characters long; at most 50 are allowed"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("contains a line break or control character".to_string());
    }
    Ok(text.to_string())
}

/// Free text such as an address or a car model: at most 200 characters, no control characters.
pub(crate) fn free_text(text: &str) -> Result<String, String> {
    let count = text.chars().count();
    if count > 200 {
        return Err(format!(
            "is {count} characters long; at most 200 are allowed"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("contains a line break or control character".to_string());
    }
    Ok(text.to_string())
}

/// An IANA time-zone name such as `Asia/Shanghai` or `America/New_York` (exact spelling).
pub(crate) fn time_zone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("`{text}` is not an IANA time zone such as Asia/Shanghai or America/New_York")
    })
}

/// A bank account or card number: 8–32 digits; spaces are removed.
pub(crate) fn account_number(text: &str) -> Result<String, String> {
    let digits: String = text.chars().filter(|c| *c != ' ').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(8..=32).contains(&digits.len()) {
        return Err(format!(
            "`{text}` is not a bank account number (8 to 32 digits)"
        ));
    }
    Ok(digits)
}

/// A yuan amount above zero.
pub(crate) fn positive_amount(text: &str) -> Result<Fen, String> {
    let fen = Fen::parse_yuan(text).map_err(|e| e.to_string())?;
    if !fen.is_positive() {
        return Err(format!("must be more than 0.00, got {fen}"));
    }
    Ok(fen)
}

/// A whole number from `min` to `max`.
pub(crate) fn whole_number(text: &str, min: u32, max: u32) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(n) => Err(format!("must be {min} to {max}, got {n}")),
        Err(_) => Err(format!("`{}` is not a whole number", text.trim())),
    }
}

/// The one-character province abbreviations that start a mainland licence plate.
const PROVINCES: &str = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";

/// Characters that may end a special plate (trailer, learner, police, Hong Kong/Macau).
const PLATE_SUFFIXES: &str = "挂学警港澳领试超";

/// A mainland licence plate such as `粤B12345` or `粤BD12345` (new-energy); a separating dot
/// (`粤B·12345`), spaces and hyphens are removed and letters capitalised.
pub(crate) fn plate(text: &str) -> Result<String, String> {
    let plate: String = text
        .chars()
        .filter(|c| !matches!(c, '·' | '•' | '.' | ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let chars: Vec<char> = plate.chars().collect();
    let bad = || {
        format!(
            "`{}` is not a licence plate (e.g. 粤B12345, or 粤BD12345 for a new-energy car)",
            text.trim()
        )
    };
    if !(7..=8).contains(&chars.len())
        || !PROVINCES.contains(chars[0])
        || !chars[1].is_ascii_uppercase()
    {
        return Err(bad());
    }
    let (last, middle) = match chars[2..].split_last() {
        Some(split) => split,
        None => return Err(bad()),
    };
    let alnum = |c: &char| c.is_ascii_uppercase() || c.is_ascii_digit();
    if !middle.iter().all(alnum) || !(alnum(last) || PLATE_SUFFIXES.contains(*last)) {
        return Err(bad());
    }
    Ok(plate)
}

/// Whether `digits` passes the Luhn check (the last digit checks the others).
pub(crate) fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0;
    for (idx, byte) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(byte.wrapping_sub(b'0'));
        if idx % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// Checks a GPS terminal id for its protocol: JT/T 808 terminal numbers are 12 digits (up to
/// 20 in the 2019 edition); GT06 terminals are identified by a 15-digit IMEI with a Luhn check
/// digit.
pub(crate) fn gps_terminal_id(id: &str, protocol: GpsProtocol) -> Result<String, String> {
    let all_digits = !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit());
    match protocol {
        GpsProtocol::Jt808 => {
            if !all_digits || !(12..=20).contains(&id.len()) {
                return Err(format!(
                    "`{id}` is not a JT/T 808 terminal number (12 digits, or up to 20 for the \
                     2019 edition)"
                ));
            }
        }
        GpsProtocol::Gt06 => {
            if !all_digits || id.len() != 15 {
                return Err(format!("`{id}` is not a GT06 IMEI (15 digits)"));
            }
            if !luhn_ok(id) {
                return Err(format!(
                    "IMEI {id} fails its check digit (Luhn): the last digit should be {}",
                    luhn_check_digit(&id[..14])
                ));
            }
        }
    }
    Ok(id.to_string())
}

/// The Luhn check digit to append to `payload`.
pub(crate) fn luhn_check_digit(payload: &str) -> char {
    for d in b'0'..=b'9' {
        let candidate = format!("{payload}{}", char::from(d));
        if luhn_ok(&candidate) {
            return char::from(d);
        }
    }
    '?'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imeis_are_luhn_checked() {
        // The IMEI example from the GSMA documentation.
        assert!(gps_terminal_id("490154203237518", GpsProtocol::Gt06).is_ok());
        let err = gps_terminal_id("490154203237517", GpsProtocol::Gt06).unwrap_err();
        assert_eq!(
            err,
            "IMEI 490154203237517 fails its check digit (Luhn): the last digit should be 8"
        );
        assert!(gps_terminal_id("49015420323751", GpsProtocol::Gt06).is_err());
    }

    #[test]
    fn jt808_terminal_numbers_are_12_to_20_digits() {
        assert!(gps_terminal_id("013800138000", GpsProtocol::Jt808).is_ok());
        assert!(gps_terminal_id("01380013800000000000", GpsProtocol::Jt808).is_ok());
        assert!(gps_terminal_id("13800138000", GpsProtocol::Jt808).is_err());
        assert!(gps_terminal_id("01380013800A", GpsProtocol::Jt808).is_err());
    }

    #[test]
    fn plates_are_normalised_and_checked() {
        assert_eq!(plate("粤B·12345").as_deref(), Ok("粤B12345"));
        assert_eq!(plate("沪ad12345").as_deref(), Ok("沪AD12345"));
        assert_eq!(plate("粤B1234挂").as_deref(), Ok("粤B1234挂"));
        for bad in [
            "B12345",
            "粤12345",
            "粤B123",
            "粤B123456789",
            "X粤12345",
            "粤B12挂45",
        ] {
            assert!(plate(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn references_refuse_spaces_and_great_length() {
        assert!(reference("HT-2024-0001").is_ok());
        assert!(reference("HT 2024").is_err());
        assert!(reference(&"A".repeat(65)).is_err());
    }

    #[test]
    fn account_numbers_are_digits_without_spaces() {
        assert_eq!(
            account_number("6222 0212 3456 7890").as_deref(),
            Ok("6222021234567890")
        );
        assert!(account_number("6222-0212").is_err());
        assert!(account_number("1234567").is_err());
    }
}
