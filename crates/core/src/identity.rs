//! Identifiers a loan tape carries that have their own check rules: the 18-digit resident
//! identity number (GB 11643, ISO 7064 MOD 11-2 check), the 17-character VIN (check digit in
//! position 9) and mainland mobile numbers.

use std::fmt;

use chrono::NaiveDate;

/// Why an identifier is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("national ID must be 18 characters, got {0}")]
    NationalIdLength(usize),
    #[error("national ID must be 17 digits and a final digit or X")]
    NationalIdCharacters,
    #[error("national ID birth date {0} is not a real date")]
    NationalIdBirthDate(String),
    #[error("national ID check digit is {found}, expected {expected}")]
    NationalIdChecksum { found: char, expected: char },
    #[error("VIN must be 17 characters, got {0}")]
    VinLength(usize),
    #[error("VIN may hold only digits and capital letters other than I, O and Q; found `{0}`")]
    VinCharacter(char),
    #[error("VIN check digit (position 9) is {found}, expected {expected}")]
    VinChecksum { found: char, expected: char },
    #[error("`{0}` is not a mainland mobile number (11 digits starting 13–19)")]
    Phone(String),
}

/// A checked 18-digit resident identity number (居民身份证号码).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId(String);

impl NationalId {
    pub fn parse(text: &str) -> Result<NationalId, IdentityError> {
        let id = text.trim().to_ascii_uppercase();
        let chars: Vec<char> = id.chars().collect();
        if chars.len() != 18 {
            return Err(IdentityError::NationalIdLength(chars.len()));
        }
        if !chars[..17].iter().all(char::is_ascii_digit)
            || !(chars[17].is_ascii_digit() || chars[17] == 'X')
        {
            return Err(IdentityError::NationalIdCharacters);
        }
        let birth = &id[6..14];
        let birth_ok = NaiveDate::parse_from_str(birth, "%Y%m%d").is_ok();
        if !birth_ok {
            return Err(IdentityError::NationalIdBirthDate(birth.to_string()));
        }
        let expected = national_id_check_char(&id[..17]);
        if chars[17] != expected {
            return Err(IdentityError::NationalIdChecksum {
                found: chars[17],
                expected,
            });
        }
        Ok(NationalId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The date of birth encoded in positions 7–14.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d").ok()
    }

    /// The six-digit administrative division code of the place of registration.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// The ID with all but the first 3 and last 4 characters hidden, e.g. `110***********123X`.
    pub fn masked(&self) -> String {
        format!("{}***********{}", &self.0[..3], &self.0[14..])
    }
}

impl fmt::Debug for NationalId {
    // Debug output ends up in logs; personal data stays masked there.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

/// The ISO 7064 MOD 11-2 check character for the first 17 digits of an identity number.
pub fn national_id_check_char(first17: &str) -> char {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b.wrapping_sub(b'0')) * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// A checked vehicle identification number (车辆识别代号).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Vin(String);

impl Vin {
    pub fn parse(text: &str) -> Result<Vin, IdentityError> {
        let vin = text.trim().to_ascii_uppercase();
        if vin.chars().count() != 17 {
            return Err(IdentityError::VinLength(vin.chars().count()));
        }
        if let Some(bad) = vin
            .chars()
            .find(|c| !c.is_ascii_alphanumeric() || matches!(c, 'I' | 'O' | 'Q'))
        {
            return Err(IdentityError::VinCharacter(bad));
        }
        let expected = vin_check_char(&vin);
        let found = vin.as_bytes()[8] as char;
        if found != expected {
            return Err(IdentityError::VinChecksum { found, expected });
        }
        Ok(Vin(vin))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check digit (position 9) of a 17-character VIN; the character at position 9 is ignored.
pub fn vin_check_char(vin: &str) -> char {
    const WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum: u32 = vin
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| transliterate(b) * w)
        .sum();
    match sum % 11 {
        10 => 'X',
        digit => char::from(b'0' + digit as u8),
    }
}

fn transliterate(byte: u8) -> u32 {
    match byte {
        b'0'..=b'9' => u32::from(byte - b'0'),
        b'A'..=b'H' => u32::from(byte - b'A') + 1,
        b'J'..=b'N' => u32::from(byte - b'J') + 1,
        b'P' => 7,
        b'R' => 9,
        b'S'..=b'Z' => u32::from(byte - b'S') + 2,
        _ => 0,
    }
}

/// A mainland mobile number (11 digits, 13x–19x), with an optional +86 prefix removed.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    pub fn parse(text: &str) -> Result<Phone, IdentityError> {
        let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .unwrap_or(&compact);
        let bytes = digits.as_bytes();
        let ok = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if !ok {
            return Err(IdentityError::Phone(text.trim().to_string()));
        }
        Ok(Phone(digits.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with the middle four digits hidden, e.g. `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_national_id_parses_and_masks() {
        // The GB 11643 worked example.
        let id = NationalId::parse("11010519491231002X").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31));
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(id.region_code(), "110105");
    }

    #[test]
    fn national_id_errors_say_what_is_wrong() {
        assert_eq!(
            NationalId::parse("110105194912310021"),
            Err(IdentityError::NationalIdChecksum {
                found: '1',
                expected: 'X'
            })
        );
        assert_eq!(
            NationalId::parse("1101051949"),
            Err(IdentityError::NationalIdLength(10))
        );
        assert!(matches!(
            NationalId::parse("110105194913310020"),
            Err(IdentityError::NationalIdBirthDate(_))
        ));
        assert_eq!(
            NationalId::parse("11010519491231002Y"),
            Err(IdentityError::NationalIdCharacters)
        );
    }

    #[test]
    fn vin_check_digit_is_verified() {
        // A widely published valid VIN.
        assert!(Vin::parse("1M8GDM9AXKP042788").is_ok());
        assert_eq!(
            Vin::parse("1M8GDM9A1KP042788"),
            Err(IdentityError::VinChecksum {
                found: '1',
                expected: 'X'
            })
        );
        assert_eq!(
            Vin::parse("1M8GDM9AXKP04278"),
            Err(IdentityError::VinLength(16))
        );
        assert_eq!(
            Vin::parse("1M8GDM9AXKP04278O"),
            Err(IdentityError::VinCharacter('O'))
        );
    }

    #[test]
    fn mobile_numbers_are_normalised() {
        assert_eq!(
            Phone::parse("+86 138-0013-8000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(Phone::parse("13800138000").unwrap().masked(), "138****8000");
        for bad in ["12800138000", "1380013800", "abc", "010-12345678"] {
            assert!(Phone::parse(bad).is_err(), "{bad}");
        }
    }
}
