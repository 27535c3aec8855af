//! Errors in a strategy file, each pinned to a file, line and column, and the arithmetic that
//! turns byte offsets in the file (and offsets inside a condition string) into those positions.

use std::fmt;

/// One problem in a strategy file, located at a 1-based line and column (columns count
/// characters, not bytes, so a position under Chinese text still points at the right place).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyError {
    /// The file name as given to [`crate::parse_strategy`].
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// What is wrong, without a trailing period.
    pub message: String,
}

impl fmt::Display for StrategyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every problem found in one strategy file, in file order. A file is checked as a whole, so
/// an author fixes all mistakes in one round rather than one per run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrategyErrors {
    pub errors: Vec<StrategyError>,
}

impl fmt::Display for StrategyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (error_idx, error) in self.errors.iter().enumerate() {
            if error_idx > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for StrategyErrors {}

/// Collects errors while a file is checked; knows the file text so byte offsets become lines
/// and columns.
pub(crate) struct Reporter<'a> {
    pub(crate) file: &'a str,
    pub(crate) text: &'a str,
    pub(crate) errors: Vec<StrategyError>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(file: &'a str, text: &'a str) -> Reporter<'a> {
        Reporter {
            file,
            text,
            errors: Vec::new(),
        }
    }

    /// Records an error at a byte offset of the file text.
    pub(crate) fn at(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = line_column(self.text, offset);
        self.errors.push(StrategyError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    /// Records an error at an offset inside a TOML string value whose token (quotes included)
    /// starts at `token_start` in the file.
    pub(crate) fn in_string(
        &mut self,
        token_start: usize,
        offset_in_value: usize,
        message: impl Into<String>,
    ) {
        let raw = self.text.get(token_start..).unwrap_or("");
        let offset = token_start + raw_offset_in_string(raw, offset_in_value);
        self.at(offset, message);
    }

    pub(crate) fn finish(mut self) -> Result<(), StrategyErrors> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            // File order reads best; errors are found section by section, not in file order.
            self.errors.sort_by_key(|e| (e.line, e.column));
            Err(StrategyErrors {
                errors: std::mem::take(&mut self.errors),
            })
        }
    }
}

/// The 1-based line and character column of a byte offset (clamped to the text).
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |idx| idx + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Maps an offset in the decoded value of a TOML string to an offset in its raw token `raw`
/// (which starts at the opening quote). Literal strings map one to one; basic strings step over
/// escapes, so an error after `\"` in a condition still points at the right character.
fn raw_offset_in_string(raw: &str, offset_in_value: usize) -> usize {
    let (delimiter_len, literal) = if raw.starts_with("'''") {
        (3, true)
    } else if raw.starts_with("\"\"\"") {
        (3, false)
    } else if raw.starts_with('\'') {
        (1, true)
    } else if raw.starts_with('"') {
        (1, false)
    } else {
        return 0;
    };
    let mut raw_pos = delimiter_len;
    // A newline right after an opening triple quote is not part of the value.
    if delimiter_len == 3 {
        if raw[raw_pos..].starts_with("\r\n") {
            raw_pos += 2;
        } else if raw[raw_pos..].starts_with('\n') {
            raw_pos += 1;
        }
    }
    if literal {
        return raw_pos + offset_in_value;
    }
    let bytes = raw.as_bytes();
    let mut decoded_pos = 0;
    while decoded_pos < offset_in_value && raw_pos < raw.len() {
        if bytes[raw_pos] == b'\\' {
            let escape = bytes.get(raw_pos + 1).copied().unwrap_or(b' ');
            let (raw_len, decoded_len) = match escape {
                b'u' => (6, unicode_escape_len(raw.get(raw_pos + 2..raw_pos + 6))),
                b'U' => (10, unicode_escape_len(raw.get(raw_pos + 2..raw_pos + 10))),
                b'\n' | b'\r' | b' ' | b'\t' => {
                    // A line-ending backslash swallows the following whitespace.
                    let rest = &raw[raw_pos + 1..];
                    let skipped = rest.len() - rest.trim_start().len();
                    (1 + skipped, 0)
                }
                _ => (2, 1),
            };
            raw_pos += raw_len;
            decoded_pos += decoded_len;
        } else {
            let char_len = raw[raw_pos..].chars().next().map_or(1, char::len_utf8);
            raw_pos += char_len;
            decoded_pos += char_len;
        }
    }
    raw_pos
}

fn unicode_escape_len(hex: Option<&str>) -> usize {
    hex.and_then(|h| u32::from_str_radix(h, 16).ok())
        .and_then(char::from_u32)
        .map_or(1, char::len_utf8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_from_one() {
        let text = "ab\n催收x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 3), (2, 1));
        // `x` sits after two three-byte characters.
        assert_eq!(line_column(text, 9), (2, 3));
    }

    #[test]
    fn offsets_inside_strings_skip_quotes_and_escapes() {
        assert_eq!(raw_offset_in_string("'abc'", 2), 3);
        assert_eq!(raw_offset_in_string("\"a\\\"b\"", 2), 4);
        assert_eq!(raw_offset_in_string("\"\"\"\nab\"\"\"", 1), 5);
    }
}
