//! Reads the first (or a named) sheet of an XLSX workbook into a format-neutral [`Table`]: the
//! first row of the sheet's used range is the header, row numbers are the ones Excel shows,
//! number cells stay numbers (so the parser can convert them without losing fen), and date
//! cells become dates.

use std::io::{Read, Seek};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;

use crate::cells::{excel_number_text, parse_date, Cell, Row, Table};
use crate::errors::Collector;

/// Excel's column letters for a 0-based column index: 0 → `A`, 27 → `AB`.
pub(crate) fn column_letters(index: u32) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn cell(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(text) if text.trim().is_empty() => Cell::Empty,
        Data::String(text) => Cell::Text(text.clone()),
        Data::Int(value) => Cell::Text(value.to_string()),
        Data::Float(value) => Cell::Number(*value),
        Data::Bool(value) => Cell::Text(if *value { "TRUE" } else { "FALSE" }.to_string()),
        Data::DateTime(dt) if dt.is_duration() => {
            Cell::Invalid("is a duration (a span of time), not a date or value".to_string())
        }
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            match NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d)) {
                Some(date) => Cell::Date(date),
                None => Cell::Invalid(format!(
                    "is a date cell that is not a real date ({y}-{m:02}-{d:02})"
                )),
            }
        }
        Data::DateTimeIso(text) => match text.get(..10).map(parse_date) {
            Some(Ok(date)) => Cell::Date(date),
            _ => Cell::Text(text.clone()),
        },
        Data::DurationIso(_) => {
            Cell::Invalid("is a duration (a span of time), not a date or value".to_string())
        }
        Data::Error(e) => Cell::Invalid(format!("holds the Excel error {e}")),
    }
}

fn header_text(cell: &Cell) -> String {
    match cell {
        Cell::Text(text) => text.trim().to_string(),
        Cell::Number(value) => excel_number_text(*value).unwrap_or_default(),
        Cell::Date(date) => date.to_string(),
        Cell::Empty | Cell::Invalid(_) => String::new(),
    }
}

/// Reads a workbook; records problems in `errors` and returns `None` when it cannot be used
/// (not an XLSX file, sheet missing, sheet empty).
pub(crate) fn read_xlsx<R: Read + Seek>(
    reader: R,
    sheet: Option<&str>,
    errors: &mut Collector,
) -> Option<Table> {
    let mut workbook: Xlsx<R> = match Xlsx::new(reader) {
        Ok(workbook) => workbook,
        Err(e) => {
            errors.push(
                0,
                "",
                format!("cannot read the file as an XLSX workbook: {e}"),
            );
            return None;
        }
    };
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => match names.iter().find(|n| n.as_str() == wanted) {
            Some(name) => name.clone(),
            None => {
                errors.push(
                    0,
                    "",
                    format!(
                        "the workbook has no sheet named `{wanted}`; its sheets are: {}",
                        names.join(", ")
                    ),
                );
                return None;
            }
        },
        None => match names.first() {
            Some(name) => name.clone(),
            None => {
                errors.push(0, "", "the workbook has no sheets");
                return None;
            }
        },
    };
    let range = match workbook.worksheet_range(&name) {
        Ok(range) => range,
        Err(e) => {
            errors.push(0, "", format!("cannot read sheet `{name}`: {e}"));
            return None;
        }
    };
    let Some((first_row, first_col)) = range.start() else {
        errors.push(
            0,
            "",
            format!("sheet `{name}` is empty: expected a header row"),
        );
        return None;
    };
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut rows = Vec::new();
    for (offset, data) in range.rows().enumerate() {
        let number = first_row as usize + offset + 1;
        let cells: Vec<Cell> = data.iter().map(cell).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        if header.is_none() {
            header = Some((number, cells.iter().map(header_text).collect()));
        } else {
            rows.push(Row { number, cells });
        }
    }
    let Some((header_row, header)) = header else {
        errors.push(
            0,
            "",
            format!("sheet `{name}` is empty: expected a header row"),
        );
        return None;
    };
    let column_labels = (0..header.len())
        .map(|idx| {
            let col = first_col.saturating_add(u32::try_from(idx).unwrap_or(u32::MAX));
            format!("column {}", column_letters(col))
        })
        .collect();
    Some(Table {
        encoding: None,
        header_row,
        header,
        column_labels,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_excel() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn excel_errors_and_durations_are_unusable_cells() {
        assert!(matches!(
            cell(&Data::Error(calamine::CellErrorType::NA)),
            Cell::Invalid(_)
        ));
        assert_eq!(cell(&Data::Int(42)), Cell::Text("42".to_string()));
        assert_eq!(cell(&Data::String("  ".to_string())), Cell::Empty);
    }
}
