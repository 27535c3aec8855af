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

#[tokio::test]
async fn the_demo_plans_its_last_week_and_eod_plans_every_date_it_closes() {
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
    assert_no_stage_contradicts_delinquency(&dir.path().join("recoup-demo.db")).await;
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

/// No open case is in a stage its borrower's loans contradict: a borrower with nothing past
/// due is in the pre-due stage, and a pre-due case has nothing past due. (Escalations keep
/// their stage while anything stays past due, by design.)
async fn assert_no_stage_contradicts_delinquency(db: &std::path::Path) {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let open: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM collection_case WHERE status = 'open'")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(open > 0, "the demo has open cases to check");
    let wrong = sqlx::query(
        "SELECT c.borrower_id, c.stage, c.queue, COALESCE(MAX(l.dpd), 0) AS dpd \
         FROM collection_case c LEFT JOIN loan l ON l.borrower_id = c.borrower_id AND l.status = 'active' \
         WHERE c.status = 'open' GROUP BY c.borrower_id, c.stage, c.queue \
         HAVING (c.stage = 'pre_due') <> (COALESCE(MAX(l.dpd), 0) = 0)",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let shown: Vec<String> = wrong
        .iter()
        .take(5)
        .map(|r| {
            format!(
                "borrower {} stage {} queue {:?} dpd {}",
                r.get::<i64, _>(0),
                r.get::<String, _>(1),
                r.get::<Option<String>, _>(2),
                r.get::<i64, _>(3)
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} of {open} open cases contradict their loans: {shown:?}",
        wrong.len()
    );
}
