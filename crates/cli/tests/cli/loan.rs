//! `recoup loan quote|settle|prepay`: a quote for the next business date, a settlement posted
//! once that closes the loan, and refusals that say what to fix.

use crate::support::*;

#[test]
fn a_loan_is_quoted_settled_once_and_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tape = workspace_file("examples/loan-tape.csv");
    let bank = workspace_file("examples/bank-file.csv");
    for args in [
        vec![
            "import",
            "loans",
            tape.to_str().unwrap(),
            "--as-of",
            "2025-06-30",
        ],
        vec!["import", "payments", bank.to_str().unwrap()],
        vec!["eod", "--date", "2025-06-30"],
    ] {
        let out = recoup(dir.path(), &args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let loan = "HT2024050128";
    let quote = recoup(
        dir.path(),
        &[
            "loan",
            "quote",
            "--loan",
            loan,
            "--date",
            "2025-07-01",
            "--format",
            "json",
        ],
    );
    assert!(quote.status.success(), "{}", stderr(&quote));
    let quote: serde_json::Value = serde_json::from_str(&stdout(&quote)).unwrap();
    let total = quote["total"].as_str().unwrap().to_string();
    assert_eq!(quote["as_of"], "2025-07-01");

    let settle = |amount: &str| {
        recoup(
            dir.path(),
            &[
                "loan",
                "settle",
                "--loan",
                loan,
                "--amount",
                amount,
                "--reference",
                "BANK-9",
                "--date",
                "2025-07-01",
            ],
        )
    };
    let short = settle("1.00");
    assert_eq!(short.status.code(), Some(1));
    assert!(
        stderr(&short).contains("less than the settlement quote"),
        "{}",
        stderr(&short)
    );
    let posted = settle(&total);
    assert!(posted.status.success(), "{}", stderr(&posted));
    assert!(
        stdout(&posted).contains("the loan is paid off"),
        "{}",
        stdout(&posted)
    );
    let again = settle(&total);
    assert!(
        stdout(&again).contains("nothing written"),
        "{}",
        stdout(&again)
    );

    let closed = recoup(
        dir.path(),
        &["loan", "quote", "--loan", loan, "--date", "2025-07-01"],
    );
    assert_eq!(closed.status.code(), Some(1));
    assert!(
        stderr(&closed).contains("already paid off"),
        "{}",
        stderr(&closed)
    );
    let eod = recoup(dir.path(), &["eod", "--date", "2025-07-01"]);
    assert!(eod.status.success(), "{}", stderr(&eod));
}
