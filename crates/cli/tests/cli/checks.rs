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
