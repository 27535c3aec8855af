//! Which text encoding a CSV file is read in. Excel's plain "CSV" on a Chinese Windows writes
//! GBK (the ANSI code page 936), "CSV UTF-8" writes UTF-8 with a byte-order mark; `auto` reads
//! both. GB18030 is read for GBK because it is its superset: every GBK file is a GB18030 file.
//!
//! Decoding is done by `encoding_rs` (the WHATWG encoding implementation Firefox uses) rather
//! than by hand: the GB18030 four-byte ranges are easy to get wrong.

use std::fmt;
use std::str::FromStr;

use encoding_rs::GB18030;

/// The encoding asked for on import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 when the file is valid UTF-8 (or starts with a UTF-8 byte-order mark), else
    /// GB18030/GBK when the whole file decodes as that; otherwise UTF-8, so each value that is
    /// neither is reported with its row and field.
    #[default]
    Auto,
    /// UTF-8 only: a value that is not valid UTF-8 is an error.
    Utf8,
    /// GB18030 (and so GBK and GB2312): a byte sequence that is not GB18030 is an error.
    Gb18030,
}

impl FromStr for TextEncoding {
    type Err = String;

    fn from_str(text: &str) -> Result<TextEncoding, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(TextEncoding::Auto),
            "utf-8" | "utf8" => Ok(TextEncoding::Utf8),
            "gb18030" | "gbk" | "gb2312" | "cp936" => Ok(TextEncoding::Gb18030),
            other => Err(format!(
                "unknown encoding `{other}`: expected auto, utf-8 or gb18030 (gbk)"
            )),
        }
    }
}

/// The encoding a file was actually read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadEncoding {
    /// UTF-8 (with or without a byte-order mark).
    Utf8,
    /// GB18030, which includes GBK and GB2312.
    Gb18030,
}

impl fmt::Display for ReadEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReadEncoding::Utf8 => "UTF-8",
            ReadEncoding::Gb18030 => "GB18030/GBK",
        })
    }
}

/// A GB18030 byte sequence that does not decode: the 1-based line it is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotGb18030 {
    pub line: usize,
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The file's bytes as UTF-8 (unchanged when read as UTF-8) and the encoding they were read in.
pub(crate) fn to_utf8(
    bytes: Vec<u8>,
    requested: TextEncoding,
) -> Result<(Vec<u8>, ReadEncoding), NotGb18030> {
    match requested {
        TextEncoding::Utf8 => Ok((bytes, ReadEncoding::Utf8)),
        TextEncoding::Auto => {
            if bytes.starts_with(UTF8_BOM) || std::str::from_utf8(&bytes).is_ok() {
                return Ok((bytes, ReadEncoding::Utf8));
            }
            match GB18030.decode_without_bom_handling_and_without_replacement(&bytes) {
                Some(text) => Ok((text.into_owned().into_bytes(), ReadEncoding::Gb18030)),
                None => Ok((bytes, ReadEncoding::Utf8)),
            }
        }
        TextEncoding::Gb18030 => {
            if let Some(text) = GB18030.decode_without_bom_handling_and_without_replacement(&bytes)
            {
                return Ok((text.into_owned().into_bytes(), ReadEncoding::Gb18030));
            }
            Err(NotGb18030 {
                line: first_bad_gb18030_line(&bytes),
            })
        }
    }
}

/// The line of the first byte sequence GB18030 cannot decode, found by decoding line by line
/// (a newline byte never occurs inside a GB18030 multi-byte sequence).
fn first_bad_gb18030_line(bytes: &[u8]) -> usize {
    bytes
        .split(|b| *b == b'\n')
        .position(|line| {
            GB18030
                .decode_without_bom_handling_and_without_replacement(line)
                .is_none()
        })
        .map_or(1, |index| index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 王建国 in GBK.
    const GBK_NAME: &[u8] = &[0xCD, 0xF5, 0xBD, 0xA8, 0xB9, 0xFA];

    #[test]
    fn utf8_is_read_unchanged() {
        let (bytes, read) = to_utf8("王建国".as_bytes().to_vec(), TextEncoding::Auto).unwrap();
        assert_eq!(bytes, "王建国".as_bytes());
        assert_eq!(read, ReadEncoding::Utf8);
    }

    #[test]
    fn gbk_is_detected_and_decoded() {
        let (bytes, read) = to_utf8(GBK_NAME.to_vec(), TextEncoding::Auto).unwrap();
        assert_eq!(std::str::from_utf8(&bytes).unwrap(), "王建国");
        assert_eq!(read, ReadEncoding::Gb18030);
    }

    #[test]
    fn gb18030_four_byte_sequences_decode() {
        // U+20087 (𠂇), outside GBK, in GB18030's four-byte form.
        let (bytes, _) = to_utf8(vec![0x95, 0x32, 0x90, 0x31], TextEncoding::Gb18030).unwrap();
        assert_eq!(std::str::from_utf8(&bytes).unwrap(), "\u{20087}");
    }

    #[test]
    fn auto_keeps_bytes_that_are_neither_for_the_cell_errors() {
        let bytes = b"a,b\n1,\xff\xfe\n".to_vec();
        let (kept, read) = to_utf8(bytes.clone(), TextEncoding::Auto).unwrap();
        assert_eq!((kept, read), (bytes, ReadEncoding::Utf8));
    }

    #[test]
    fn asked_for_gb18030_a_bad_sequence_names_its_line() {
        let error = to_utf8(b"a,b\n1,2\n3,\xff\n".to_vec(), TextEncoding::Gb18030).unwrap_err();
        assert_eq!(error.line, 3);
    }

    #[test]
    fn utf8_only_is_not_converted() {
        let (bytes, read) = to_utf8(GBK_NAME.to_vec(), TextEncoding::Utf8).unwrap();
        assert_eq!((bytes.as_slice(), read), (GBK_NAME, ReadEncoding::Utf8));
    }

    #[test]
    fn names_parse() {
        assert_eq!("GBK".parse(), Ok(TextEncoding::Gb18030));
        assert_eq!("utf-8".parse(), Ok(TextEncoding::Utf8));
        assert_eq!("auto".parse(), Ok(TextEncoding::Auto));
        assert!("latin1".parse::<TextEncoding>().is_err());
    }
}
