//! Column sets and header matching: which columns a format has, which are required, the Chinese
//! aliases each accepts, and the mapping from a file's header to column positions. Header
//! problems (missing, unknown and repeated columns) are all reported at once.

use std::collections::HashMap;

use crate::cells::Table;
use crate::errors::Collector;

/// One column of a file format.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnSpec {
    /// The canonical English snake_case name, as the writer spells it.
    pub name: &'static str,
    /// Other accepted header spellings (Chinese).
    pub aliases: &'static [&'static str],
    /// Whether the header must have this column.
    pub required: bool,
}

/// A required column.
pub(crate) const fn req(name: &'static str, aliases: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec {
        name,
        aliases,
        required: true,
    }
}

/// An optional column.
pub(crate) const fn opt(name: &'static str, aliases: &'static [&'static str]) -> ColumnSpec {
    ColumnSpec {
        name,
        aliases,
        required: false,
    }
}

/// Where each column of a format sits in one file, and how its header spells it.
#[derive(Debug, Clone)]
pub(crate) struct Columns {
    by_name: HashMap<&'static str, usize>,
    /// Every column name of the format, to catch misspelt names in the parsers.
    known: Vec<&'static str>,
    /// Per position: the header text, or `column E` when the header cell is blank.
    labels: Vec<String>,
    unnamed: Vec<bool>,
}

/// Header text compared without case, spaces, hyphens or full-width brackets.
fn normalize(text: &str) -> String {
    text.trim()
        .trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
        .replace('（', "(")
        .replace('）', ")")
}

/// Edit distance in characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != *cb);
            current.push(substitute.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// The column whose name or alias is closest to `header`, if it is close (at most two edits) or
/// starts with it (`loan` → `loan_no`).
fn suggestion(header: &str, specs: &[ColumnSpec]) -> Option<&'static str> {
    let wanted = normalize(header);
    let wanted = wanted.as_str();
    specs
        .iter()
        .flat_map(|spec| {
            std::iter::once(spec.name)
                .chain(spec.aliases.iter().copied())
                .map(move |name| (spec.name, distance(wanted, &normalize(name))))
        })
        .filter(|(name, d)| {
            let short = wanted.chars().count();
            (*d <= 2 && *d < short) || (short >= 4 && name.starts_with(wanted))
        })
        .min_by_key(|(_, d)| *d)
        .map(|(name, _)| name)
}

impl Columns {
    /// Matches the header of `table` against `specs`; records every header problem and returns
    /// `None` if there was any. `format` names the format in messages (e.g. `loan tape`).
    pub(crate) fn resolve(
        table: &Table,
        specs: &[ColumnSpec],
        format: &str,
        errors: &mut Collector,
    ) -> Option<Columns> {
        let row = table.header_row;
        let mut by_name: HashMap<&'static str, usize> = HashMap::new();
        let mut labels = Vec::with_capacity(table.header.len());
        let mut unnamed = Vec::with_capacity(table.header.len());
        let mut ok = true;

        let named: Vec<&String> = table.header.iter().filter(|h| !h.is_empty()).collect();
        if let [only] = named[..] {
            if let Some(sep) = [';', '\t', '|'].into_iter().find(|c| only.contains(*c)) {
                let sep = if sep == '\t' {
                    "tabs".to_string()
                } else {
                    format!("`{sep}`")
                };
                errors.push(
                    row,
                    "",
                    format!(
                        "the header is a single column; the file seems to be separated by {sep}, \
                         not commas: save it as comma-separated CSV (UTF-8)"
                    ),
                );
                return None;
            }
            let wanted = normalize(only);
            let known = specs.iter().any(|spec| {
                normalize(spec.name) == wanted
                    || spec.aliases.iter().any(|a| normalize(a) == wanted)
            });
            if !known {
                errors.push(
                    row,
                    "",
                    format!(
                        "this row holds a single value (`{}`), not the column names: the header \
                         must be the first row, so remove any title row above it",
                        only.trim()
                    ),
                );
                return None;
            }
        }

        for (idx, header) in table.header.iter().enumerate() {
            let blank = header.trim().is_empty();
            labels.push(if blank {
                table
                    .column_labels
                    .get(idx)
                    .cloned()
                    .unwrap_or_else(|| format!("column {}", idx + 1))
            } else {
                header.trim().to_string()
            });
            unnamed.push(blank);
            if blank {
                continue;
            }
            let wanted = normalize(header);
            let spec = specs.iter().find(|spec| {
                normalize(spec.name) == wanted
                    || spec.aliases.iter().any(|a| normalize(a) == wanted)
            });
            match spec {
                Some(spec) => {
                    if let Some(&first) = by_name.get(spec.name) {
                        errors.push(
                            row,
                            header.trim(),
                            format!(
                                "column {} appears twice (also as `{}`)",
                                spec.name, labels[first]
                            ),
                        );
                        ok = false;
                    } else {
                        by_name.insert(spec.name, idx);
                    }
                }
                None => {
                    let hint = match suggestion(header, specs) {
                        Some(name) => format!("; did you mean `{name}`?"),
                        None => String::new(),
                    };
                    errors.push(
                        row,
                        header.trim(),
                        format!("unknown column: the {format} has no column of this name{hint}"),
                    );
                    ok = false;
                }
            }
        }

        let missing: Vec<&str> = specs
            .iter()
            .filter(|spec| spec.required && !by_name.contains_key(spec.name))
            .map(|spec| spec.name)
            .collect();
        if !missing.is_empty() {
            let noun = if missing.len() == 1 {
                "column"
            } else {
                "columns"
            };
            errors.push(
                row,
                "",
                format!("missing required {noun}: {}", missing.join(", ")),
            );
            ok = false;
        }

        ok.then_some(Columns {
            by_name,
            known: specs.iter().map(|spec| spec.name).collect(),
            labels,
            unnamed,
        })
    }

    /// The position of column `name`, if the file has it.
    pub(crate) fn index(&self, name: &str) -> Option<usize> {
        debug_assert!(self.known.contains(&name), "no column named {name}");
        self.by_name.get(name).copied()
    }

    /// How to name the column at `idx` in an error.
    pub(crate) fn label(&self, idx: usize) -> &str {
        self.labels.get(idx).map_or("", String::as_str)
    }

    /// Whether the column at `idx` has a blank header.
    pub(crate) fn is_unnamed(&self, idx: usize) -> bool {
        self.unnamed.get(idx).copied().unwrap_or(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::TapeErrors;

    const SPECS: &[ColumnSpec] = &[
        req("loan_no", &["合同号"]),
        req("amount", &["金额"]),
        opt("reason", &["失败原因"]),
    ];

    fn table(header: &[&str]) -> Table {
        Table {
            encoding: None,
            header_row: 1,
            header: header.iter().map(|h| h.to_string()).collect(),
            column_labels: (1..=header.len()).map(|i| format!("column {i}")).collect(),
            rows: Vec::new(),
        }
    }

    fn resolve(header: &[&str]) -> Result<Columns, TapeErrors> {
        let mut errors = Collector::new("t.csv");
        let columns = Columns::resolve(&table(header), SPECS, "test file", &mut errors);
        match columns {
            Some(c) if errors.is_empty() => Ok(c),
            _ => Err(errors.finish::<()>(Vec::new()).unwrap_err()),
        }
    }

    #[test]
    fn aliases_case_and_spacing_are_accepted() {
        let c = resolve(&["合同号", " Amount ", "", "失败原因"]).unwrap();
        assert_eq!(c.index("loan_no"), Some(0));
        assert_eq!(c.index("amount"), Some(1));
        assert_eq!(c.label(0), "合同号");
        assert_eq!(c.label(2), "column 3");
        assert!(c.is_unnamed(2));
        assert_eq!(c.index("reason"), Some(3));
    }

    #[test]
    fn missing_columns_are_named_together_and_unknown_ones_one_by_one() {
        let errors = resolve(&["reasn", "colour"]).unwrap_err();
        let text = errors.to_string();
        assert_eq!(
            text,
            "t.csv: row 1, field reasn: unknown column: the test file has no column of this name; did you mean `reason`?\n\
             t.csv: row 1, field colour: unknown column: the test file has no column of this name\n\
             t.csv: row 1: missing required columns: loan_no, amount"
        );
    }

    #[test]
    fn a_column_given_twice_is_an_error() {
        let errors = resolve(&["loan_no", "amount", "合同号"]).unwrap_err();
        assert_eq!(
            errors.errors[0].message,
            "column loan_no appears twice (also as `loan_no`)"
        );
        assert_eq!(errors.errors[0].field, "合同号");
    }

    #[test]
    fn a_title_row_above_the_header_gets_a_hint() {
        let errors = resolve(&["2024年3月放款明细", "", ""]).unwrap_err();
        assert_eq!(
            errors.to_string(),
            "t.csv: row 1: this row holds a single value (`2024年3月放款明细`), not the column \
             names: the header must be the first row, so remove any title row above it"
        );
    }

    #[test]
    fn a_semicolon_separated_file_gets_a_hint() {
        let errors = resolve(&["loan_no;amount"]).unwrap_err();
        assert!(errors.errors[0].message.contains("`;`"), "{errors}");
    }
}
