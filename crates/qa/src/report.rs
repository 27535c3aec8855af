//! The text `recoup qa check` prints: one line per hit, a summary line, and the exit status.

use std::fmt::Write as _;

use crate::facts::CaseFacts;
use crate::inspect::{Hit, Inspector, Verdict};
use crate::lexicon::line_column;

/// Inspects `text` and returns what `recoup qa check` prints and the exit status it returns:
/// 1 when any hit is block-tier, else 0.
///
/// Each hit is one line: `LINE:COLUMN  TIER  CATEGORY  TERM  bytes START..END  "ORIGINAL"`, where
/// line and column are 1-based (column counted in characters) and the byte range is in the
/// original text; a pattern rule's line ends with `rule ID`, and a softened block hit with
/// `warn because REASON`. A final line gives the counts and the verdict.
pub fn check_report(inspector: &Inspector, text: &str, facts: CaseFacts) -> (String, i32) {
    let hits = inspector.inspect_with(text, facts);
    let report = format_hits(text, &hits);
    let status = if Inspector::has_block(&hits) { 1 } else { 0 };
    (report, status)
}

/// Formats hits found in `text` as [`check_report`] does.
pub fn format_hits(text: &str, hits: &[Hit]) -> String {
    let mut out = String::new();
    for hit in hits {
        let (line, column) = line_column(text, hit.span.start);
        let original = text.get(hit.span.clone()).unwrap_or("");
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{line}:{column}\t{tier}\t{category}\t{term}\tbytes {start}..{end}\t{original:?}",
            tier = hit.tier,
            category = hit.category,
            term = hit.term,
            start = hit.span.start,
            end = hit.span.end,
        );
        if let Some(rule) = &hit.rule {
            let _ = write!(out, "\trule {rule}");
        }
        if let Some(why) = &hit.softened_by {
            let _ = write!(out, "\twarn because {why}");
        }
        out.push('\n');
    }
    let n_block = hits.iter().filter(|h| h.tier == crate::Tier::Block).count();
    let n_warn = hits.len() - n_block;
    let _ = writeln!(
        out,
        "{} hit(s): {n_block} block, {n_warn} warn; verdict {}",
        hits.len(),
        Verdict::of(hits)
    );
    out
}
