//! `recoup qa check` and `recoup strategy check`: what a compliance officer or strategy owner
//! runs before a template or a strategy goes live.

use crate::support::*;

#[test]
fn qa_check_lists_block_tier_hits_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(
        dir.path(),
        &[
            "qa",
            "check",
            "--text",
            "再不还钱我们会上门找你，通知你单位",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let report = stdout(&out);
    assert!(
        report.contains("block") && report.contains("通知你单位"),
        "{report}"
    );
}

#[test]
fn qa_check_passes_a_courteous_template_and_honours_negation() {
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("reminder.txt");
    std::fs::write(
        &template,
        "尊敬的客户，您的车贷本期应还款将于3日后到期，请按时还款。我司严禁上门骚扰。",
    )
    .unwrap();
    let out = recoup(dir.path(), &["qa", "check", template.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("verdict clean"), "{}", stdout(&out));
}

#[test]
fn qa_check_of_a_missing_file_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(dir.path(), &["qa", "check", "no-such-template.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no-such-template.txt"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_shipped_strategies_check_clean() {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "strategies/cn-default.toml",
        "strategies/cn-challenger.toml",
    ] {
        let path = workspace_file(file);
        let out = recoup(dir.path(), &["strategy", "check", path.to_str().unwrap()]);
        assert!(out.status.success(), "{file}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("is valid"),
            "{file}: {}",
            stdout(&out)
        );
    }
}

#[test]
fn a_bad_strategy_file_gets_line_and_column_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"x\"\n[[segment]]\nname = \"a\"\nwhen = \"dpd >= \"\n",
    )
    .unwrap();
    let out = recoup(dir.path(), &["strategy", "check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bad.toml:4:"), "{}", stderr(&out));
}

#[test]
fn the_collections_bench_runs_strategy_and_compliance_over_seeded_cases() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(
        dir.path(),
        &["bench", "collections", "--cases", "3000", "--seed", "3"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("collections: 3000 cases in "), "{text}");
    assert!(text.contains("permitted"), "{text}");
}

#[test]
fn strategy_simulate_compares_two_strategies_on_the_same_book() {
    let dir = tempfile::tempdir().unwrap();
    let default = workspace_file("strategies/cn-default.toml");
    let challenger = workspace_file("strategies/cn-challenger.toml");
    let args = [
        "strategy",
        "simulate",
        default.to_str().unwrap(),
        "--against",
        challenger.to_str().unwrap(),
        "--days",
        "20",
        "--loans",
        "1500",
        "--seed",
        "3",
        "--format",
        "json",
    ];
    let out = recoup(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let arms = report.as_array().unwrap();
    assert_eq!(arms.len(), 2);
    assert_eq!(arms[0]["strategy"], "cn-default");
    assert_eq!(arms[1]["strategy"], "cn-challenger");
    // Same book, same start: the starting arrears agree; the work differs.
    assert_eq!(arms[0]["arrears_before_fen"], arms[1]["arrears_before_fen"]);
    assert!(arms[0]["arrears_before_fen"].as_i64().unwrap() > 0);
    assert!(arms[0]["contacts"]["sms"]["made"].as_u64().unwrap() > 0);
    assert!(arms[0]["recovered_fen"].as_i64().unwrap() > 0);
    assert_eq!(arms[0]["end"], "2026-06-20");
    // Deterministic: the same command prints the same figures.
    assert_eq!(stdout(&recoup(dir.path(), &args)), stdout(&out));

    let table = recoup(
        dir.path(),
        &[
            "strategy",
            "simulate",
            default.to_str().unwrap(),
            "--days",
            "5",
            "--loans",
            "300",
        ],
    );
    assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(
        text.contains("recovered (yuan)") && text.contains("blocked by compliance"),
        "{text}"
    );
}

#[test]
fn strategy_simulate_names_the_line_of_a_broken_file() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(
        &broken,
        "name = \"broken\"\n[[stage_rule]]\nstage = \"early\"\nwhen = \"dpd >= \"\n",
    )
    .unwrap();
    let default = workspace_file("strategies/cn-default.toml");
    let out = recoup(
        dir.path(),
        &[
            "strategy",
            "simulate",
            default.to_str().unwrap(),
            "--against",
            broken.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("broken.toml:4:"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let missing = recoup(dir.path(), &["strategy", "simulate", "no-such.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no-such.toml"),
        "{}",
        stderr(&missing)
    );
}

#[test]
fn a_strategy_naming_a_missing_template_fails_its_check() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.toml");
    std::fs::write(
        &file,
        "name = \"s\"\n[[stage_rule]]\nstage = \"early\"\nwhen = \"dpd >= 1\"\n\
         [[treatment]]\nid = \"t\"\nstages = [\"early\"]\nwhen = \"true\"\nchannel = \"sms\"\n\
         template = \"no_such_template\"\nqueue = \"q\"\npriority = 1\n",
    )
    .unwrap();
    let out = recoup(dir.path(), &["strategy", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("template `no_such_template` is not in strategies/templates/zh-CN.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_template_with_a_block_tier_term_stops_planning() {
    let dir = tempfile::tempdir().unwrap();
    let shipped =
        std::fs::read_to_string(workspace_file("strategies/templates/zh-CN.toml")).unwrap();
    let threatening = shipped.replacen("请您尽快安排还款", "再不还钱就通知你单位和家人", 1);
    assert_ne!(threatening, shipped);
    let templates = dir.path().join("templates.toml");
    std::fs::write(&templates, threatening).unwrap();
    std::fs::write(
        dir.path().join("recoup.toml"),
        format!("[collections]\ntemplates = \"{}\"\n", templates.display()),
    )
    .unwrap();
    let tape = workspace_file("examples/loan-tape.csv");
    assert!(
        recoup(dir.path(), &["import", "loans", tape.to_str().unwrap()])
            .status
            .success()
    );
    let out = recoup(dir.path(), &["eod", "--date", "2025-03-01"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let said = stderr(&out);
    assert!(said.contains("cannot be used: block-tier term"), "{said}");
    assert!(said.contains("templates.toml"), "{said}");
}

#[test]
fn bench_eod_times_recoup_against_a_bare_reference_that_writes_the_same_rows() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(
        dir.path(),
        &["bench", "eod", "--loans", "1500", "--seed", "2"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    // The reference checks its replay against EOD's result before it prints.
    assert!(said.contains("reference: the same reads and"), "{said}");
    assert!(said.contains("x the reference"), "{said}");
    assert!(said.contains("plan: "), "{said}");
    for leftover in [
        "recoup-bench.before.db",
        "recoup-bench.before.db-wal",
        "recoup-bench.before.db-shm",
    ] {
        assert!(!dir.path().join(leftover).exists(), "{leftover}");
    }
}

#[test]
fn qa_check_with_the_case_facts_keeps_a_true_statement_lawful() {
    let dir = tempfile::tempdir().unwrap();
    let text = "您的案件已立案，请按时到庭。";
    let without = recoup(dir.path(), &["qa", "check", "--text", text]);
    assert_eq!(without.status.code(), Some(1), "{}", stdout(&without));
    assert!(
        stdout(&without).contains("rule filing_claim"),
        "{}",
        stdout(&without)
    );
    let with = recoup(
        dir.path(),
        &[
            "qa",
            "check",
            "--text",
            text,
            "--facts",
            "legal_filed,hearing_date",
        ],
    );
    assert_eq!(with.status.code(), Some(0), "{}", stdout(&with));
    assert!(
        stdout(&with).contains("warn because fact on file: legal_filed"),
        "{}",
        stdout(&with)
    );
    let bad = recoup(
        dir.path(),
        &["qa", "check", "--text", text, "--facts", "court_date"],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown fact `court_date`"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn qa_score_prints_recall_and_false_positives_for_tuning_and_held_out_rows() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = workspace_file("crates/qa/tests/corpus/en.tsv");
    let out = recoup(dir.path(), &["qa", "score", corpus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    for expected in [
        "tuning",
        "held-out",
        "third_party",
        "recall",
        "false positives",
        "(list them with --misses)",
    ] {
        assert!(
            report.contains(expected),
            "{expected} missing from\n{report}"
        );
    }
    let listed = recoup(
        dir.path(),
        &["qa", "score", corpus.to_str().unwrap(), "--misses"],
    );
    assert!(stdout(&listed).contains("en.tsv:"), "{}", stdout(&listed));
}

#[test]
fn qa_score_refuses_a_bad_corpus_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("bad.tsv");
    std::fs::write(
        &corpus,
        "label\tcategory\tfacts\ttext\nblock\tinsult\t-\t你爸妈没教过你吗\nmaybe\tinsult\t-\tx\nlawful\tnone\tcourt_date\ty\n",
    )
    .unwrap();
    let out = recoup(dir.path(), &["qa", "score", corpus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let errors = stderr(&out);
    assert!(
        errors.contains("bad.tsv:3") && errors.contains("label"),
        "{errors}"
    );
    assert!(
        errors.contains("bad.tsv:4") && errors.contains("court_date"),
        "{errors}"
    );
    assert!(
        stdout(&out).is_empty(),
        "nothing is scored: {}",
        stdout(&out)
    );
}
