//! Labelled corpora and how well an inspector scores on them: recall on sentences that must be
//! blocked, false positives on lawful ones, per category, on the tuning rows and the held-out
//! fifth.
//!
//! A corpus is a tab-separated file with the header `label category facts text`:
//! - `label` is `block` (must be blocked) or `lawful` (must not be blocked; warn is fine);
//! - `category` is a [`Category`] code for `block` rows; for `lawful` rows the category the
//!   sentence is a near miss of, or `none`;
//! - `facts` is `-` or a comma-separated list of [`crate::CaseFact`] codes true of the case;
//! - `text` is the sentence.
//!
//! Every fifth data row (rows 5, 10, 15, … counting from the first after the header) is held
//! out: rules are tuned on the others, and the held-out score says how they do on sentences
//! they were not written for. `recoup qa score FILE…` prints [`Scorecard::report`].

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use crate::facts::CaseFacts;
use crate::inspect::{Hit, Inspector};
use crate::lexicon::{Category, Tier};

/// The header a corpus file must start with.
pub const HEADER: &str = "label\tcategory\tfacts\ttext";

/// Which rows are held out: every `HOLD_OUT_EVERY`-th data row.
pub const HOLD_OUT_EVERY: usize = 5;

/// What a labelled sentence must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Label {
    /// Must be blocked.
    Block,
    /// Must not be blocked (clean or warn).
    Lawful,
}

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The file the row came from.
    pub file: String,
    /// 1-based line in the file (the header is line 1).
    pub line: usize,
    /// Block or lawful.
    pub label: Label,
    /// The category (for lawful rows the near-miss category), or `None` for `none`.
    pub category: Option<Category>,
    /// Facts of the case.
    pub facts: CaseFacts,
    /// The sentence.
    pub text: String,
    /// Whether the row is in the held-out fifth.
    pub held_out: bool,
}

/// A problem at one place in a corpus file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}")]
pub struct CorpusError {
    /// The file name given to [`parse`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The column name (`label`, `category`, `facts`, `text`) or `header`/`row`.
    pub field: &'static str,
    /// What is wrong.
    pub message: String,
}

/// Every problem found in a corpus file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusErrors(pub Vec<CorpusError>);

impl fmt::Display for CorpusErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (error_idx, error) in self.0.iter().enumerate() {
            if error_idx > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CorpusErrors {}

/// Parses a corpus file. Every bad row is reported (file, line, field); nothing is returned
/// unless the whole file is good.
pub fn parse(file: &str, text: &str) -> Result<Vec<Sample>, CorpusErrors> {
    let mut errors = Vec::new();
    let mut samples = Vec::new();
    let error = |line: usize, field: &'static str, message: String| CorpusError {
        file: file.to_string(),
        line,
        field,
        message,
    };
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_start_matches('\u{feff}').trim_end() == HEADER => {}
        Some((_, header)) => errors.push(error(
            1,
            "header",
            format!(
                "expected `{}`, found `{}`",
                HEADER.replace('\t', "\\t"),
                header.replace('\t', "\\t")
            ),
        )),
        None => errors.push(error(1, "header", "the file is empty".to_string())),
    }
    let mut n_rows = 0;
    for (line_idx, line) in lines {
        let line_no = line_idx + 1;
        if line.trim().is_empty() {
            continue;
        }
        n_rows += 1;
        let fields: Vec<&str> = line.splitn(4, '\t').collect();
        let [label, category, facts, sentence] = fields.as_slice() else {
            errors.push(error(
                line_no,
                "row",
                format!("expected 4 tab-separated fields, found {}", fields.len()),
            ));
            continue;
        };
        let label = match label.trim() {
            "block" => Some(Label::Block),
            "lawful" => Some(Label::Lawful),
            other => {
                errors.push(error(
                    line_no,
                    "label",
                    format!("`{other}` is not block or lawful"),
                ));
                None
            }
        };
        let category = match (category.trim(), label) {
            ("none", Some(Label::Lawful)) => Some(None),
            ("none", _) => {
                errors.push(error(
                    line_no,
                    "category",
                    "a block row needs a category".to_string(),
                ));
                None
            }
            (code, _) => match Category::from_code(code) {
                Some(category) => Some(Some(category)),
                None => {
                    errors.push(error(
                        line_no,
                        "category",
                        format!("unknown category `{code}`"),
                    ));
                    None
                }
            },
        };
        let facts = match facts.parse::<CaseFacts>() {
            Ok(facts) => Some(facts),
            Err(unknown) => {
                errors.push(error(line_no, "facts", unknown.to_string()));
                None
            }
        };
        let sentence = sentence.trim();
        if sentence.is_empty() {
            errors.push(error(line_no, "text", "empty".to_string()));
        }
        if let (Some(label), Some(category), Some(facts)) = (label, category, facts) {
            samples.push(Sample {
                file: file.to_string(),
                line: line_no,
                label,
                category,
                facts,
                text: sentence.to_string(),
                held_out: n_rows % HOLD_OUT_EVERY == 0,
            });
        }
    }
    if errors.is_empty() {
        Ok(samples)
    } else {
        Err(CorpusErrors(errors))
    }
}

/// Counts for one category on one part of a corpus.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `block` rows.
    pub block: usize,
    /// `block` rows the inspector blocked.
    pub blocked: usize,
    /// `lawful` rows.
    pub lawful: usize,
    /// `lawful` rows the inspector blocked (false positives).
    pub false_positive: usize,
}

impl Counts {
    /// Blocked / block rows, or 1 when there are none.
    pub fn recall(&self) -> f64 {
        ratio(self.blocked, self.block, 1.0)
    }

    /// False positives / lawful rows, or 0 when there are none.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.false_positive, self.lawful, 0.0)
    }

    fn add(&mut self, other: Counts) {
        self.block += other.block;
        self.blocked += other.blocked;
        self.lawful += other.lawful;
        self.false_positive += other.false_positive;
    }
}

// Rates are reported, never stored or summed into money: f64 is fine here.
fn ratio(numerator: usize, denominator: usize, empty: f64) -> f64 {
    if denominator == 0 {
        empty
    } else {
        numerator as f64 / denominator as f64
    }
}

/// A sentence the inspector got wrong, with what it found.
#[derive(Debug, Clone)]
pub struct Miss {
    /// The sample.
    pub sample: Sample,
    /// The hits the inspector reported.
    pub hits: Vec<Hit>,
}

/// How an inspector scored on a corpus: counts per category, for the tuning rows and the held-out
/// rows, and every sentence it got wrong.
#[derive(Debug, Clone, Default)]
pub struct Scorecard {
    /// Counts by category (`None` = lawful rows labelled `none`), tuning rows.
    pub tuning: BTreeMap<Option<Category>, Counts>,
    /// Counts by category, held-out rows.
    pub held_out: BTreeMap<Option<Category>, Counts>,
    /// Block rows not blocked and lawful rows blocked.
    pub misses: Vec<Miss>,
}

impl Scorecard {
    /// Scores `inspector` on `samples`.
    pub fn score(inspector: &Inspector, samples: &[Sample]) -> Scorecard {
        let mut card = Scorecard::default();
        for sample in samples {
            let hits = inspector.inspect_with(&sample.text, sample.facts);
            let blocked = hits.iter().any(|hit| hit.tier == Tier::Block);
            let counts = match sample.label {
                Label::Block => Counts {
                    block: 1,
                    blocked: usize::from(blocked),
                    ..Counts::default()
                },
                Label::Lawful => Counts {
                    lawful: 1,
                    false_positive: usize::from(blocked),
                    ..Counts::default()
                },
            };
            let part = if sample.held_out {
                &mut card.held_out
            } else {
                &mut card.tuning
            };
            part.entry(sample.category).or_default().add(counts);
            let wrong = match sample.label {
                Label::Block => !blocked,
                Label::Lawful => blocked,
            };
            if wrong {
                card.misses.push(Miss {
                    sample: sample.clone(),
                    hits,
                });
            }
        }
        card
    }

    /// Totals over every category of the tuning rows.
    pub fn tuning_total(&self) -> Counts {
        total(&self.tuning)
    }

    /// Totals over every category of the held-out rows.
    pub fn held_out_total(&self) -> Counts {
        total(&self.held_out)
    }

    /// Totals over the whole corpus.
    pub fn total(&self) -> Counts {
        let mut counts = self.tuning_total();
        counts.add(self.held_out_total());
        counts
    }

    /// The table `recoup qa score` prints: per category, recall on block rows and false
    /// positives on lawful rows, for tuning, held-out and all rows; then every miss.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<16} {:>22} {:>22} {:>22}",
            "category", "tuning", "held-out", "all"
        );
        let _ = writeln!(
            out,
            "{:<16} {:>22} {:>22} {:>22}",
            "", "recall | false pos.", "recall | false pos.", "recall | false pos."
        );
        let mut categories: Vec<Option<Category>> = self
            .tuning
            .keys()
            .chain(self.held_out.keys())
            .copied()
            .collect();
        categories.sort();
        categories.dedup();
        for category in categories {
            let tuning = self.tuning.get(&category).copied().unwrap_or_default();
            let held_out = self.held_out.get(&category).copied().unwrap_or_default();
            let mut all = tuning;
            all.add(held_out);
            let name = category.map_or("none", Category::code);
            let _ = writeln!(
                out,
                "{name:<16} {:>22} {:>22} {:>22}",
                cell(tuning),
                cell(held_out),
                cell(all)
            );
        }
        let _ = writeln!(
            out,
            "{:<16} {:>22} {:>22} {:>22}",
            "TOTAL",
            cell(self.tuning_total()),
            cell(self.held_out_total()),
            cell(self.total())
        );
        let _ = writeln!(out);
        for (name, counts) in [
            ("tuning", self.tuning_total()),
            ("held-out", self.held_out_total()),
            ("all", self.total()),
        ] {
            let _ = writeln!(
                out,
                "{name:<9} recall {:>6}  false positives {:>6}",
                percent(counts.blocked, counts.block),
                percent(counts.false_positive, counts.lawful)
            );
        }
        if !self.misses.is_empty() {
            let _ = writeln!(out, "\n{} sentence(s) scored wrong:", self.misses.len());
            for miss in &self.misses {
                let sample = &miss.sample;
                let what = match sample.label {
                    Label::Block => "missed",
                    Label::Lawful => "false positive",
                };
                let found: Vec<String> = miss
                    .hits
                    .iter()
                    .map(|hit| {
                        format!(
                            "{} {} {}{}",
                            hit.tier,
                            hit.category,
                            hit.term,
                            hit.rule
                                .as_ref()
                                .map_or(String::new(), |r| format!(" ({r})"))
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "{}:{}: {what} [{}{}] {}  — found: {}",
                    sample.file,
                    sample.line,
                    sample.category.map_or("none", Category::code),
                    if sample.held_out { ", held out" } else { "" },
                    sample.text,
                    if found.is_empty() {
                        "nothing".to_string()
                    } else {
                        found.join("; ")
                    }
                );
            }
        }
        out
    }
}

fn total(part: &BTreeMap<Option<Category>, Counts>) -> Counts {
    let mut counts = Counts::default();
    for category_counts in part.values() {
        counts.add(*category_counts);
    }
    counts
}

fn cell(counts: Counts) -> String {
    let recall = if counts.block == 0 {
        "-".to_string()
    } else {
        format!("{}/{}", counts.blocked, counts.block)
    };
    let false_positive = if counts.lawful == 0 {
        "-".to_string()
    } else {
        format!("{}/{}", counts.false_positive, counts.lawful)
    };
    format!("{recall:>9} | {false_positive:<9}")
}

/// A share in percent with one decimal, `-` when there is nothing to share.
fn percent(part: usize, whole: usize) -> String {
    // Integer tenths of a percent, rounded half up: no floats needed for a report.
    match (part * 1000 + whole / 2).checked_div(whole) {
        Some(tenths) => format!("{}.{}%", tenths / 10, tenths % 10),
        None => "-".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_row_is_named_with_its_line_and_field() {
        let text = "label\tcategory\tfacts\ttext\n\
                    block\tinsult\t-\t你爸妈没教过你吗\n\
                    maybe\tinsult\t-\tx\n\
                    block\tnone\t-\tx\n\
                    lawful\tnone\tcourt_date\tx\n\
                    lawful\tnone\t-\t \n\
                    block\tinsult\n";
        let errors = parse("zh.tsv", text).unwrap_err();
        let found: Vec<(usize, &str)> = errors.0.iter().map(|e| (e.line, e.field)).collect();
        assert_eq!(
            found,
            vec![
                (3, "label"),
                (4, "category"),
                (5, "facts"),
                (6, "text"),
                (7, "row")
            ]
        );
        assert!(errors
            .to_string()
            .contains("zh.tsv:5: facts: unknown fact `court_date`"));
    }

    #[test]
    fn a_wrong_header_is_refused() {
        let errors = parse("x.tsv", "text\tlabel\nblock\tinsult\t-\tx\n").unwrap_err();
        assert_eq!(errors.0[0].field, "header");
        assert_eq!(errors.0[0].line, 1);
    }

    #[test]
    fn every_fifth_row_is_held_out() {
        let mut text = String::from(HEADER);
        for row in 0..10 {
            text.push_str(&format!("\nlawful\tnone\t-\t您好{row}"));
        }
        let samples = parse("x.tsv", &text).unwrap();
        let held: Vec<usize> = samples
            .iter()
            .filter(|s| s.held_out)
            .map(|s| s.line)
            .collect();
        assert_eq!(held, vec![6, 11]);
    }
}
