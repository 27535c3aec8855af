//! `recoup demo`: the same seed gives the same book and the same summary; the summary has the
//! parts the issue names.

use crate::support::*;

#[test]
fn the_demo_is_deterministic_for_a_seed_and_prints_the_summary() {
    let mut outputs = Vec::new();
    for _ in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let out = recoup(
            dir.path(),
            &[
                "demo",
                "--loans",
                "400",
                "--seed",
                "17",
                "--as-of",
                "2026-08-15",
                "--no-serve",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(dir.path().join("recoup-demo.db").exists());
        outputs.push(stdout(&out));
    }
    assert_eq!(outputs[0], outputs[1]);
    let summary = &outputs[0];
    for part in [
        "Portfolio on 2026-08-14",
        "outstanding principal",
        "NPL ratio",
        "M6+",
        "roll rates",
    ] {
        assert!(summary.contains(part), "missing {part:?} in\n{summary}");
    }
}

#[test]
fn the_demo_refuses_a_database_that_already_holds_a_book() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("book.db").display());
    let tape = workspace_file("examples/loan-tape.csv");
    assert!(recoup(
        dir.path(),
        &[
            "--database-url",
            &url,
            "import",
            "loans",
            tape.to_str().unwrap()
        ]
    )
    .status
    .success());
    let out = recoup(
        dir.path(),
        &[
            "--database-url",
            &url,
            "demo",
            "--loans",
            "10",
            "--no-serve",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("already holds a book"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_demo_plans_its_last_week_and_eod_plans_every_date_it_closes() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(
        dir.path(),
        &[
            "demo",
            "--loans",
            "600",
            "--seed",
            "4",
            "--as-of",
            "2026-09-20",
            "--no-serve",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("plan for 2026-09-19:"),
        "{}",
        stderr(&out)
    );
    let url = format!("sqlite://{}", dir.path().join("recoup-demo.db").display());
    let plan = recoup(
        dir.path(),
        &["--database-url", &url, "plan", "--format", "csv"],
    );
    assert!(plan.status.success(), "{}", stderr(&plan));
    let text = stdout(&plan);
    assert!(
        text.starts_with("date,decision,channel,queue,stage,rule,treatments\n2026-09-19,"),
        "{text}"
    );
    // The demo plans its last seven days; older days are history without collection work.
    let planned = |date: &str| {
        recoup(
            dir.path(),
            &["--database-url", &url, "plan", "--date", date],
        )
        .status
        .success()
    };
    assert!(planned("2026-09-13"));
    assert!(!planned("2026-09-12"));
    // A catch-up closes and plans every date, not only the last.
    let eod = recoup(
        dir.path(),
        &["--database-url", &url, "eod", "--date", "2026-09-22"],
    );
    assert!(eod.status.success(), "{}", stderr(&eod));
    let said = stdout(&eod);
    assert!(said.contains("closed 3 business date(s)"), "{said}");
    assert!(said.contains("planned 3 dates"), "{said}");
    assert!(planned("2026-09-20") && planned("2026-09-21") && planned("2026-09-22"));
    let report = recoup(
        dir.path(),
        &[
            "--database-url",
            &url,
            "compliance",
            "report",
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
        ],
    );
    assert!(report.status.success(), "{}", stderr(&report));
    assert!(stdout(&report).contains("permitted"), "{}", stdout(&report));
    let backwards = recoup(
        dir.path(),
        &[
            "--database-url",
            &url,
            "compliance",
            "report",
            "--from",
            "2026-09-30",
            "--to",
            "2026-09-01",
        ],
    );
    assert_eq!(backwards.status.code(), Some(1));
    assert!(
        stderr(&backwards).contains("is after"),
        "{}",
        stderr(&backwards)
    );
    let results = recoup(
        dir.path(),
        &[
            "--database-url",
            &url,
            "strategy",
            "results",
            "--from",
            "2026-09-01",
            "--to",
            "2026-09-30",
        ],
    );
    assert!(results.status.success(), "{}", stderr(&results));
    assert!(
        stdout(&results).contains("arm champion"),
        "{}",
        stdout(&results)
    );
    let backwards = recoup(
        dir.path(),
        &[
            "--database-url",
            &url,
            "strategy",
            "results",
            "--from",
            "2026-09-30",
            "--to",
            "2026-09-01",
        ],
    );
    assert_eq!(backwards.status.code(), Some(1));
    let missing = recoup(
        dir.path(),
        &["--database-url", &url, "plan", "--date", "2026-01-01"],
    );
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).contains("no plan for 2026-01-01"),
        "{}",
        stderr(&missing)
    );
}
