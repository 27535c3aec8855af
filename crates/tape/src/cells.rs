//! Format-neutral row access: the cells a CSV or XLSX source produces, and [`RowReader`], which
//! turns the cell under a named column into a checked value or records an error naming the row
//! and the column. Parsers of the loan tape and bank file only ever see this module, so CSV and
//! XLSX files are checked by exactly the same rules.

use std::fmt::Display;

use chrono::NaiveDate;

use crate::columns::Columns;
use crate::encoding::ReadEncoding;
use crate::errors::Collector;

/// One cell as a source read it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    /// Nothing in the cell (or only spaces).
    Empty,
    /// Text (every CSV cell; XLSX string cells).
    Text(String),
    /// An XLSX number cell.
    Number(f64),
    /// An XLSX cell formatted as a date.
    Date(NaiveDate),
    /// A cell that cannot be used at all; the text says why (e.g. not UTF-8, `#N/A`).
    Invalid(String),
}

impl Cell {
    /// Whether the cell holds nothing.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }
}

/// One data row: the row number a person sees and its cells, in header order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// A sheet as read from a file: the header texts and the non-blank data rows.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Table {
    /// The row number of the header (1 unless an XLSX sheet starts lower).
    pub header_row: usize,
    /// The header cells as text, trimmed.
    pub header: Vec<String>,
    /// How to name each column when its header is blank: `column 5` or `column E`.
    pub column_labels: Vec<String>,
    pub rows: Vec<Row>,
    /// The text encoding a CSV file was read in; `None` for XLSX, which has no choice of one.
    pub encoding: Option<ReadEncoding>,
}

/// What a column holds; decides how an XLSX number or date cell becomes text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Text and identifiers (contract numbers, phone numbers, IDs): a number cell is accepted
    /// only while Excel can hold it exactly (fewer than 16 digits).
    Text,
    /// A yuan amount: a number cell is read as Excel shows it at full precision.
    Amount,
    /// A percentage such as 6.25.
    Percent,
    /// A whole number.
    Integer,
    /// A latitude or longitude in degrees.
    Coordinate,
    /// A calendar date.
    Date,
}

/// Excel keeps 15 significant decimal digits; a number cell is read as that decimal text.
const EXCEL_DIGITS: usize = 15;

/// The decimal text of a number as Excel shows it at full precision: rounded to 15 significant
/// digits, without exponent and trailing zeros (`1234.5`, `0.3` for `0.1 + 0.2`). The
/// conversion is done on the decimal digits, never by float arithmetic.
pub(crate) fn excel_number_text(value: f64) -> Option<String> {
    if !value.is_finite() {
        return None;
    }
    if value == 0.0 {
        return Some("0".to_string());
    }
    // `{:.14e}` rounds exactly to 15 significant digits: `-1.23450000000000e3`.
    let sci = format!("{:.*e}", EXCEL_DIGITS - 1, value);
    let (mantissa, exponent) = sci.split_once('e')?;
    let exponent: i64 = exponent.parse().ok()?;
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    // The decimal point goes after `point` digits of `digits`.
    let point = exponent + 1;
    let (whole, frac) = if point <= 0 {
        let zeros = "0".repeat(usize::try_from(-point).ok()?);
        ("0".to_string(), format!("{zeros}{digits}"))
    } else {
        let point = usize::try_from(point).ok()?;
        if point >= digits.len() {
            let zeros = "0".repeat(point - digits.len());
            (format!("{digits}{zeros}"), String::new())
        } else {
            (digits[..point].to_string(), digits[point..].to_string())
        }
    };
    let frac = frac.trim_end_matches('0');
    Some(if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    })
}

/// Reads a date written `YYYY-MM-DD`, `YYYY/MM/DD` (month and day may have one digit),
/// `YYYYMMDD` or `YYYY年MM月DD日`.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let full = text.trim();
    // Spreadsheets export date cells as `2024/3/5 0:00`: a midnight time is accepted.
    let text = match full.split_once(' ') {
        Some((day, time)) => {
            let time = time.trim();
            let midnight = !time.is_empty()
                && time.contains(':')
                && time.bytes().all(|b| b == b'0' || b == b':');
            if !midnight {
                return Err(format!(
                    "`{full}` has a time of day; give the date only (YYYY-MM-DD)"
                ));
            }
            day
        }
        None => full,
    };
    let bad = || format!("`{text}` is not a date (expected YYYY-MM-DD, e.g. 2024-03-05)");
    let parts: Vec<&str> = if text.len() == 8 && text.bytes().all(|b| b.is_ascii_digit()) {
        vec![&text[..4], &text[4..6], &text[6..]]
    } else if let Some(rest) = text.strip_suffix('日') {
        rest.split(['年', '月']).collect()
    } else if text.contains('-') {
        text.split('-').collect()
    } else {
        text.split('/').collect()
    };
    let [year, month, day] = parts[..] else {
        return Err(bad());
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(year, 4, 4) || !digits(month, 1, 2) || !digits(day, 1, 2) {
        return Err(bad());
    }
    let (Ok(y), Ok(m), Ok(d)) = (year.parse(), month.parse(), day.parse()) else {
        return Err(bad());
    };
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| format!("`{text}` is not a real date"))
}

/// The text a cell means for a column of `kind`, `Ok(None)` when blank.
fn cell_text(cell: &Cell, kind: Kind) -> Result<Option<String>, String> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Text(text) => {
            let trimmed = text.trim();
            Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
        }
        Cell::Invalid(why) => Err(why.clone()),
        Cell::Date(date) => match kind {
            Kind::Date => Ok(Some(date.format("%Y-%m-%d").to_string())),
            _ => Err(format!(
                "is a date cell ({date}); format the cell as text or a number"
            )),
        },
        Cell::Number(value) => number_text(*value, kind).map(Some),
    }
}

fn number_text(value: f64, kind: Kind) -> Result<String, String> {
    let shown = excel_number_text(value).ok_or_else(|| "is not a finite number".to_string())?;
    match kind {
        Kind::Coordinate => Ok(format!("{value}")),
        Kind::Text if value.abs() >= 1e15 => Err(format!(
            "is a number cell ({shown}); Excel keeps only 15 digits, so digits may be lost: \
             format the column as text and enter the value again"
        )),
        Kind::Amount if value.abs() >= 1e13 => Err(format!(
            "is a number cell ({shown}) too large for Excel to hold to the fen; enter it as text"
        )),
        Kind::Percent if value > 0.0 && value < 1.0 => Err(format!(
            "is {shown}, which looks like a fraction (Excel stores 6.25% as 0.0625); \
             enter the percentage as a plain number such as 6.25"
        )),
        Kind::Date => {
            if shown.len() == 8 && shown.bytes().all(|b| b.is_ascii_digit()) {
                Ok(shown)
            } else {
                Err(format!(
                    "is a number ({shown}), not a date: format the cell as a date or enter \
                     YYYY-MM-DD"
                ))
            }
        }
        _ => Ok(shown),
    }
}

/// Marks that a problem was already recorded in the [`Collector`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Reported;

/// Reads the cells of one row by column name, recording every problem with the row number and
/// the column's header spelling.
pub(crate) struct RowReader<'a> {
    row: &'a Row,
    columns: &'a Columns,
    errors: &'a mut Collector,
    failed: bool,
}

impl<'a> RowReader<'a> {
    /// Starts on a row; reports unusable cells (not UTF-8, Excel errors) and values in columns
    /// without a header at once, so they are reported even if nobody asks for them.
    pub(crate) fn new(row: &'a Row, columns: &'a Columns, errors: &'a mut Collector) -> Self {
        let mut reader = RowReader {
            row,
            columns,
            errors,
            failed: false,
        };
        for (idx, cell) in row.cells.iter().enumerate() {
            if let Cell::Invalid(why) = cell {
                reader.report(idx, why.clone());
            } else if columns.is_unnamed(idx) && !cell.is_blank() {
                reader.report(idx, "has a value but the column has no header");
            }
        }
        reader
    }

    /// The row number a person sees.
    pub(crate) fn number(&self) -> usize {
        self.row.number
    }

    /// Whether any problem was recorded for this row.
    pub(crate) fn failed(&self) -> bool {
        self.failed
    }

    /// Records a problem in the column at `idx`.
    fn report(&mut self, idx: usize, message: impl Into<String>) {
        self.failed = true;
        let label = self.columns.label(idx);
        self.errors.push_at(self.row.number, idx, label, message);
    }

    /// Records a problem in column `name` (a canonical column name).
    pub(crate) fn error(&mut self, name: &str, message: impl Into<String>) -> Reported {
        match self.columns.index(name) {
            Some(idx) => self.report(idx, message),
            None => {
                // A column the file does not have, e.g. `lien_date` required by `lien_status`.
                self.failed = true;
                self.errors.push(self.row.number, name, message);
            }
        }
        Reported
    }

    fn cell(&self, name: &str) -> &'a Cell {
        const EMPTY: &Cell = &Cell::Empty;
        self.columns
            .index(name)
            .and_then(|idx| self.row.cells.get(idx))
            .unwrap_or(EMPTY)
    }

    /// Whether column `name` is blank (or absent from the file).
    pub(crate) fn is_blank(&self, name: &str) -> bool {
        self.cell(name).is_blank()
    }

    /// The text in column `name` for a column of `kind`; `Ok(None)` when blank.
    fn text(&mut self, name: &str, kind: Kind) -> Result<Option<String>, Reported> {
        match self.cell(name) {
            // Already reported by `new`.
            Cell::Invalid(_) => Err(Reported),
            cell => cell_text(cell, kind).map_err(|why| self.error(name, why)),
        }
    }

    /// An optional value: `Ok(None)` when blank, the parsed value, or `Err` after recording why
    /// `parse` refused the text.
    pub(crate) fn optional<T, E: Display>(
        &mut self,
        name: &str,
        kind: Kind,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, Reported> {
        let Some(text) = self.text(name, kind)? else {
            return Ok(None);
        };
        parse(&text)
            .map(Some)
            .map_err(|why| self.error(name, why.to_string()))
    }

    /// A required value: records an error when the cell is blank.
    pub(crate) fn required<T, E: Display>(
        &mut self,
        name: &str,
        kind: Kind,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        match self.optional(name, kind, parse) {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                self.error(name, "is required but empty");
                None
            }
            Err(Reported) => None,
        }
    }

    /// A required date.
    pub(crate) fn required_date(&mut self, name: &str) -> Option<NaiveDate> {
        self.required(name, Kind::Date, parse_date)
    }

    /// An optional date.
    pub(crate) fn optional_date(&mut self, name: &str) -> Result<Option<NaiveDate>, Reported> {
        self.optional(name, Kind::Date, parse_date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_cells_read_as_excel_shows_them() {
        let cases = [
            (1234.5, "1234.5"),
            (1234.56, "1234.56"),
            (0.1 + 0.2, "0.3"),
            (110.00000000000001, "110"),
            (1234.565, "1234.565"),
            (-3.1, "-3.1"),
            (0.0000125, "0.0000125"),
            (1e20, "100000000000000000000"),
            (13800138000.0, "13800138000"),
            (6.25, "6.25"),
            (99999999999.99, "99999999999.99"),
        ];
        for (value, text) in cases {
            assert_eq!(excel_number_text(value).as_deref(), Some(text), "{value}");
        }
        assert_eq!(excel_number_text(f64::NAN), None);
    }

    #[test]
    fn dates_are_read_in_the_accepted_spellings() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 5);
        for text in [
            "2024-03-05",
            "2024/03/05",
            "2024/3/5",
            "20240305",
            "2024年3月5日",
            " 2024-3-05 ",
            "2024/3/5 0:00",
            "2024-03-05 00:00:00",
        ] {
            assert_eq!(parse_date(text).ok(), d, "{text}");
        }
        assert_eq!(
            parse_date("2024-02-30"),
            Err("`2024-02-30` is not a real date".to_string())
        );
        for bad in ["05/03/2024", "2024-03", "abc", "24-3-5", "2024-03-05 x"] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_date("2024-03-05 10:00"),
            Err(
                "`2024-03-05 10:00` has a time of day; give the date only (YYYY-MM-DD)".to_string()
            )
        );
    }

    #[test]
    fn number_cells_in_text_columns_must_still_hold_every_digit() {
        assert_eq!(
            cell_text(&Cell::Number(13800138000.0), Kind::Text),
            Ok(Some("13800138000".to_string()))
        );
        let err = cell_text(&Cell::Number(110105194912310020.0), Kind::Text).unwrap_err();
        assert!(err.contains("only 15 digits"), "{err}");
    }

    #[test]
    fn percent_formatted_fractions_are_refused() {
        let err = cell_text(&Cell::Number(0.0625), Kind::Percent).unwrap_err();
        assert!(err.contains("6.25"), "{err}");
        assert_eq!(
            cell_text(&Cell::Number(0.0), Kind::Percent),
            Ok(Some("0".to_string()))
        );
    }

    #[test]
    fn date_cells_fit_only_date_columns() {
        let date = Cell::Date(NaiveDate::from_ymd_opt(2024, 3, 5).unwrap());
        assert_eq!(
            cell_text(&date, Kind::Date),
            Ok(Some("2024-03-05".to_string()))
        );
        assert!(cell_text(&date, Kind::Amount).is_err());
        assert_eq!(
            cell_text(&Cell::Number(20240305.0), Kind::Date),
            Ok(Some("20240305".to_string()))
        );
        assert!(cell_text(&Cell::Number(45356.0), Kind::Date).is_err());
    }
}
