//! The errors a read reports: one [`TapeError`] per problem, naming the file, the row as a person
//! sees it and the column as the header spells it, collected into [`TapeErrors`] so that a single
//! read shows every problem in the file.

use std::fmt;

/// The most errors a [`TapeErrors`] lists one by one; the rest are only counted.
pub const MAX_LISTED_ERRORS: usize = 1_000;

/// One problem in a file.
///
/// `row` is the line number a person sees: in a CSV file the line the record starts on, in an
/// XLSX sheet the row number Excel shows. The header is row 1 (when it is the first line).
/// Problems with the whole file (it cannot be opened, it is empty) have row 0; problems with the
/// header have the header's row. `field` is the column name exactly as the header spells it
/// (e.g. `合同号` if the file uses the Chinese alias), or empty when the problem is not about one
/// column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeError {
    /// The file name (without its directory), or the name the caller gave a reader.
    pub file: String,
    /// 1-based row number as shown by an editor or Excel; 0 for the whole file.
    pub row: usize,
    /// The column name as in the header; empty when no single column is at fault.
    pub field: String,
    /// What is wrong, in words a person fixing the file can act on.
    pub message: String,
}

impl TapeError {
    /// Builds an error.
    pub fn new(
        file: impl Into<String>,
        row: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> TapeError {
        TapeError {
            file: file.into(),
            row,
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for TapeError {
    /// `loans.csv: row 7, field national_id: national ID check digit is 1, expected X`;
    /// `loans.csv: row 1: missing required columns: vin, make` when no single field is at fault;
    /// `loans.csv: file is empty` for the whole file.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.row, self.field.is_empty()) {
            (0, true) => write!(f, "{}: {}", self.file, self.message),
            (0, false) => write!(f, "{}: field {}: {}", self.file, self.field, self.message),
            (row, true) => write!(f, "{}: row {}: {}", self.file, row, self.message),
            (row, false) => write!(
                f,
                "{}: row {}, field {}: {}",
                self.file, row, self.field, self.message
            ),
        }
    }
}

impl std::error::Error for TapeError {}

/// Every problem found in one file. A file with any problem is rejected whole.
///
/// At most [`MAX_LISTED_ERRORS`] are kept in `errors`; `omitted` counts the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TapeErrors {
    /// The problems, in file order (by row).
    pub errors: Vec<TapeError>,
    /// How many further problems were found but not listed.
    pub omitted: usize,
}

impl TapeErrors {
    /// A list holding one file-level problem.
    pub fn single(error: TapeError) -> TapeErrors {
        TapeErrors {
            errors: vec![error],
            omitted: 0,
        }
    }

    /// How many problems were found in all, listed or not.
    pub fn total(&self) -> usize {
        self.errors.len() + self.omitted
    }

    /// The listed problems.
    pub fn iter(&self) -> std::slice::Iter<'_, TapeError> {
        self.errors.iter()
    }
}

impl fmt::Display for TapeErrors {
    /// One error per line; a last line says how many more were not listed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, error) in self.errors.iter().enumerate() {
            if idx > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if self.omitted > 0 {
            let noun = if self.omitted == 1 { "error" } else { "errors" };
            write!(f, "\n… and {} more {noun} not listed", self.omitted)?;
        }
        Ok(())
    }
}

impl std::error::Error for TapeErrors {}

impl<'a> IntoIterator for &'a TapeErrors {
    type Item = &'a TapeError;
    type IntoIter = std::slice::Iter<'a, TapeError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

/// Collects problems while a file is read, keeping the first [`MAX_LISTED_ERRORS`].
#[derive(Debug)]
pub(crate) struct Collector {
    file: String,
    /// Each error with the position of its column, to list a row's errors left to right.
    errors: Vec<(TapeError, usize)>,
    omitted: usize,
}

impl Collector {
    pub(crate) fn new(file: &str) -> Collector {
        Collector {
            file: file.to_string(),
            errors: Vec::new(),
            omitted: 0,
        }
    }

    /// Records a problem at `row` in column `field` (the header's spelling); on one row, such
    /// problems are listed after those with a column position, in the order recorded.
    pub(crate) fn push(&mut self, row: usize, field: &str, message: impl Into<String>) {
        self.push_at(row, usize::MAX, field, message);
    }

    /// Records a problem at `row` in the column at `position` named `field`.
    pub(crate) fn push_at(
        &mut self,
        row: usize,
        position: usize,
        field: &str,
        message: impl Into<String>,
    ) {
        if self.errors.len() < MAX_LISTED_ERRORS {
            let error = TapeError::new(self.file.clone(), row, field, message);
            self.errors.push((error, position));
        } else {
            self.omitted += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty() && self.omitted == 0
    }

    /// The values when nothing went wrong, otherwise every problem sorted by row.
    pub(crate) fn finish<T>(self, values: Vec<T>) -> Result<Vec<T>, TapeErrors> {
        if self.is_empty() {
            return Ok(values);
        }
        let mut errors = self.errors;
        // Stable: problems in the same place keep the order they were found in.
        errors.sort_by_key(|(e, position)| (e.row, *position));
        Err(TapeErrors {
            errors: errors.into_iter().map(|(e, _)| e).collect(),
            omitted: self.omitted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_displays_file_row_field_and_message() {
        let e = TapeError::new(
            "loans.csv",
            7,
            "national_id",
            "national ID check digit is 1, expected X",
        );
        assert_eq!(
            e.to_string(),
            "loans.csv: row 7, field national_id: national ID check digit is 1, expected X"
        );
    }

    #[test]
    fn file_level_errors_leave_out_what_does_not_apply() {
        assert_eq!(
            TapeError::new("a.csv", 0, "", "file is empty").to_string(),
            "a.csv: file is empty"
        );
        assert_eq!(
            TapeError::new("a.csv", 1, "", "missing required columns: vin").to_string(),
            "a.csv: row 1: missing required columns: vin"
        );
    }

    #[test]
    fn the_collector_caps_the_list_and_counts_the_rest() {
        let mut c = Collector::new("a.csv");
        for row in 0..MAX_LISTED_ERRORS + 5 {
            c.push(row + 2, "x", "bad");
        }
        let errors = c.finish::<()>(Vec::new()).unwrap_err();
        assert_eq!(errors.errors.len(), MAX_LISTED_ERRORS);
        assert_eq!(errors.omitted, 5);
        assert_eq!(errors.total(), MAX_LISTED_ERRORS + 5);
        assert!(errors
            .to_string()
            .ends_with("\n… and 5 more errors not listed"));
    }

    #[test]
    fn a_rows_errors_are_listed_in_column_order() {
        let mut c = Collector::new("a.csv");
        c.push_at(2, 5, "e", "third");
        c.push_at(2, 1, "b", "second");
        c.push(1, "", "first");
        let fields: Vec<String> = c
            .finish::<()>(Vec::new())
            .unwrap_err()
            .iter()
            .map(|e| e.field.clone())
            .collect();
        assert_eq!(fields, vec!["", "b", "e"]);
    }

    #[test]
    fn errors_are_listed_one_per_line_in_row_order() {
        let mut c = Collector::new("a.csv");
        c.push(5, "b", "second");
        c.push(3, "a", "first");
        let text = c.finish::<()>(Vec::new()).unwrap_err().to_string();
        assert_eq!(
            text,
            "a.csv: row 3, field a: first\na.csv: row 5, field b: second"
        );
    }
}
