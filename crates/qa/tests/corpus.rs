//! The shipped lexicons against the labelled corpora in `tests/corpus/`: the targets of issue 10
//! (≥ 95% recall on block-tier sentences, ≤ 3% false positives) on the rows the rules are tuned
//! on, false positives ≤ 3% on every row, and floors on the held-out fifth the rules were not
//! tuned on. The held-out floors are today's figures, not the 95% target (see docs/qa.md): they
//! stop a change from making generalisation worse while the rules grow.

use recoup_qa::corpus::{parse, Counts, Sample, Scorecard};
use recoup_qa::Inspector;

fn corpus(name: &str) -> Vec<Sample> {
    let path = format!("{}/tests/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&path, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn card(name: &str) -> Scorecard {
    let inspector = Inspector::shipped().expect("shipped lexicons load");
    let card = Scorecard::score(&inspector, &corpus(name));
    println!("{name}\n{}", card.report());
    card
}

fn assert_targets(what: &str, counts: Counts, min_recall: f64, max_false_positive: f64) {
    assert!(
        counts.recall() >= min_recall,
        "{what}: recall {}/{} is below {min_recall}",
        counts.blocked,
        counts.block
    );
    assert!(
        counts.false_positive_rate() <= max_false_positive,
        "{what}: false positives {}/{} above {max_false_positive}",
        counts.false_positive,
        counts.lawful
    );
}

#[test]
fn chinese_corpus_meets_the_targets() {
    let samples = corpus("zh-CN.tsv");
    let blocks = samples
        .iter()
        .filter(|s| s.label == recoup_qa::corpus::Label::Block)
        .count();
    assert!(
        samples.len() >= 400,
        "zh-CN corpus has {} sentences",
        samples.len()
    );
    assert!(blocks >= 250, "zh-CN corpus has {blocks} block sentences");
    let card = card("zh-CN.tsv");
    assert_targets("zh-CN tuning", card.tuning_total(), 0.95, 0.03);
    assert_targets("zh-CN all", card.total(), 0.0, 0.03);
    assert_targets("zh-CN held out", card.held_out_total(), 0.60, 0.10);
}

#[test]
fn english_corpus_meets_the_targets() {
    let samples = corpus("en.tsv");
    assert!(
        samples.len() >= 100,
        "en corpus has {} sentences",
        samples.len()
    );
    let card = card("en.tsv");
    assert_targets("en tuning", card.tuning_total(), 0.95, 0.03);
    assert_targets("en all", card.total(), 0.95, 0.03);
    assert_targets("en held out", card.held_out_total(), 0.85, 0.03);
}
