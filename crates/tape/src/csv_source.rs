//! Reads a CSV file into a format-neutral [`Table`]: comma-separated, UTF-8 (a byte-order mark is
//! accepted) or GB18030/GBK (see [`crate::encoding`]), first non-blank line the header. Cells
//! that are not valid text in the encoding read become [`Cell::Invalid`] so the parser reports
//! them with their row and column; rows with the wrong number of values are reported and skipped.

use std::io::Read;

use crate::cells::{Cell, Row, Table};
use crate::encoding::{self, TextEncoding};
use crate::errors::Collector;

/// Why a cell is not text, by the encoding asked for: under `auto` the file was neither UTF-8
/// nor GB18030; under `utf-8` it may well be GBK.
fn not_text(requested: TextEncoding) -> &'static str {
    match requested {
        TextEncoding::Utf8 => {
            "is not valid UTF-8 text; the file may have been saved as GBK/ANSI: import it with \
             --encoding gb18030 (or auto), or save it as \"CSV UTF-8\""
        }
        _ => {
            "is neither valid UTF-8 nor GBK/GB18030 text: save the file as \"CSV UTF-8\" and \
             import it again"
        }
    }
}

fn cell(bytes: &[u8], requested: TextEncoding) -> Cell {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.trim().is_empty() => Cell::Empty,
        Ok(text) => Cell::Text(text.to_string()),
        Err(_) => Cell::Invalid(not_text(requested).to_string()),
    }
}

/// The line a record really starts on: the parser reports where it started looking, which may
/// be a blank line before the record.
fn first_line(bytes: &[u8], byte: u64, line: u64) -> usize {
    let start = usize::try_from(byte).unwrap_or(usize::MAX);
    let skipped = bytes
        .get(start..)
        .unwrap_or_default()
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    usize::try_from(line)
        .unwrap_or(usize::MAX)
        .saturating_add(skipped)
}

/// Reads every record of a CSV stream in the `requested` encoding; records problems in `errors`
/// and returns `None` when the file as a whole cannot be used (unreadable, empty, header not
/// text, not GB18030 when that was asked for).
pub(crate) fn read_csv<R: Read>(
    mut reader: R,
    requested: TextEncoding,
    errors: &mut Collector,
) -> Option<Table> {
    // The whole file is kept so that row numbers can skip the blank lines the CSV parser passes
    // over without counting them.
    let mut bytes = Vec::new();
    if let Err(e) = reader.read_to_end(&mut bytes) {
        errors.push(0, "", format!("cannot read the file: {e}"));
        return None;
    }
    // The whole file is decoded before parsing: one encoding for every row, and the decision
    // cannot split a field (GBK and GB18030 never use `,`, `"` or line-end bytes inside a
    // character).
    let (bytes, read_in) = match encoding::to_utf8(bytes, requested) {
        Ok(decoded) => decoded,
        Err(bad) => {
            errors.push(
                bad.line,
                "",
                "is not valid GB18030/GBK text (asked for with --encoding gb18030): check the \
                 file's encoding, or import it with --encoding auto",
            );
            return None;
        }
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut header: Option<(usize, Vec<String>)> = None;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match csv.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let row = e.position().map_or(0, |p| p.line() as usize);
                errors.push(row, "", format!("cannot read the file: {e}"));
                return None;
            }
        }
        let number = record
            .position()
            .map_or(0, |p| first_line(&bytes, p.byte(), p.line()));
        let cells: Vec<Cell> = record.iter().map(|c| cell(c, requested)).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        match &header {
            None => {
                let mut texts = Vec::with_capacity(cells.len());
                for cell in &cells {
                    match cell {
                        Cell::Text(text) => texts.push(text.trim().to_string()),
                        Cell::Invalid(_) => {
                            errors.push(number, "", format!("the header {}", not_text(requested)));
                            return None;
                        }
                        _ => texts.push(String::new()),
                    }
                }
                header = Some((number, texts));
            }
            Some((_, names)) => {
                if cells.len() != names.len() {
                    errors.push(
                        number,
                        "",
                        format!(
                            "the row has {} values but the header has {} columns (a missing or \
                             extra comma, or a value containing a comma without quotes)",
                            cells.len(),
                            names.len()
                        ),
                    );
                    continue;
                }
                rows.push(Row { number, cells });
            }
        }
    }
    let Some((header_row, header)) = header else {
        errors.push(0, "", "the file is empty: expected a header row");
        return None;
    };
    let column_labels = (1..=header.len()).map(|i| format!("column {i}")).collect();
    Some(Table {
        header_row,
        header,
        column_labels,
        rows,
        encoding: Some(read_in),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(bytes: &[u8]) -> (Option<Table>, Collector) {
        let mut errors = Collector::new("t.csv");
        let table = read_csv(bytes, TextEncoding::Auto, &mut errors);
        (table, errors)
    }

    #[test]
    fn rows_carry_the_line_they_start_on() {
        let (table, errors) = read(b"a,b\r\n1,2\r\n\r\n\n3,\"x\ny\"\n4,5\n");
        assert!(errors.is_empty());
        let table = table.unwrap();
        assert_eq!(table.header, vec!["a", "b"]);
        let numbers: Vec<usize> = table.rows.iter().map(|r| r.number).collect();
        assert_eq!(numbers, vec![2, 5, 7]);
    }

    #[test]
    fn a_byte_order_mark_is_ignored() {
        let (table, _) = read("\u{feff}loan_no,b\n1,2\n".as_bytes());
        assert_eq!(table.unwrap().header[0], "loan_no");
    }

    #[test]
    fn a_file_with_only_blank_lines_is_empty() {
        let (table, errors) = read(b"\n , \n");
        assert!(table.is_none());
        let text = errors.finish::<()>(Vec::new()).unwrap_err().to_string();
        assert_eq!(text, "t.csv: the file is empty: expected a header row");
    }

    #[test]
    fn invalid_utf8_becomes_an_invalid_cell() {
        let (table, _) = read(b"a,b\n1,\xff\xfe\n");
        assert!(matches!(table.unwrap().rows[0].cells[1], Cell::Invalid(_)));
    }

    #[test]
    fn gbk_is_read_and_named() {
        // 张 in GBK, as Excel's plain "CSV" saves it on a Chinese Windows.
        let (table, errors) = read(b"a,b\n1,\xd5\xc5\n");
        assert!(errors.is_empty());
        let table = table.unwrap();
        assert_eq!(table.rows[0].cells[1], Cell::Text("张".to_string()));
        assert_eq!(table.encoding, Some(crate::encoding::ReadEncoding::Gb18030));
    }

    #[test]
    fn a_row_with_the_wrong_number_of_values_is_reported_and_skipped() {
        let (table, errors) = read(b"a,b\n1,2,3\n4,5\n");
        assert_eq!(table.unwrap().rows.len(), 1);
        let text = errors.finish::<()>(Vec::new()).unwrap_err().to_string();
        assert!(
            text.starts_with("t.csv: row 2: the row has 3 values but the header has 2 columns"),
            "{text}"
        );
    }
}
