//! `recoup schedule`: the calculator's formats and its errors.

use crate::support::*;

#[test]
fn the_csv_schedule_has_the_documented_columns_and_amounts() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(
        dir.path(),
        &[
            "schedule",
            "--principal",
            "100000.00",
            "--annual-rate",
            "6.0",
            "--term",
            "36",
            "--method",
            "equal-installment",
            "--start",
            "2026-01-15",
            "--format",
            "csv",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "period,due_date,payment,principal,interest,balance"
    );
    assert_eq!(lines[1], "1,2026-02-15,3042.19,2542.19,500.00,97457.81");
    assert_eq!(lines.len(), 37);
    assert!(
        lines[36].starts_with("36,2029-01-15,") && lines[36].ends_with(",0.00"),
        "{}",
        lines[36]
    );
}

#[test]
fn month_end_repayment_days_clamp_to_short_months() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(
        dir.path(),
        &[
            "schedule",
            "--principal",
            "12000",
            "--annual-rate",
            "0",
            "--term",
            "3",
            "--method",
            "equal-principal",
            "--start",
            "2026-01-31",
            "--format",
            "csv",
        ],
    );
    let text = stdout(&out);
    let due: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(due, vec!["2026-02-28", "2026-03-31", "2026-04-30"]);
}

#[test]
fn json_and_table_formats_carry_the_same_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "schedule",
        "--principal",
        "50000",
        "--annual-rate",
        "12",
        "--term",
        "12",
        "--method",
        "bullet",
        "--start",
        "2026-03-10",
    ];
    let json_out = recoup(dir.path(), &[&args[..], &["--format", "json"]].concat());
    let rows: serde_json::Value = serde_json::from_slice(&json_out.stdout).unwrap();
    assert_eq!(rows[11]["principal"], "50000.00");
    assert_eq!(rows[0]["interest"], "500.00");
    let table = stdout(&recoup(dir.path(), &args));
    assert!(
        table.contains("total") && table.contains("56,000.00"),
        "{table}"
    );
}

#[test]
fn bad_calculator_input_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "--principal",
                "12.345",
                "--annual-rate",
                "6",
                "--term",
                "12",
            ],
            "--principal",
        ),
        (
            &["--principal", "1000", "--annual-rate", "40", "--term", "12"],
            "--annual-rate",
        ),
        (
            &["--principal", "1000", "--annual-rate", "6", "--term", "0"],
            "--term",
        ),
        (
            &["--principal", "0.00", "--annual-rate", "6", "--term", "12"],
            "--principal",
        ),
    ];
    for (flags, expected) in cases {
        let args = [
            &["schedule"],
            flags,
            &["--method", "bullet", "--start", "2026-01-01"],
        ]
        .concat();
        let out = recoup(dir.path(), &args);
        assert_eq!(out.status.code(), Some(1), "{flags:?}");
        assert!(
            stderr(&out).contains(expected),
            "{flags:?}: {}",
            stderr(&out)
        );
    }
    let out = recoup(
        dir.path(),
        &[
            "schedule",
            "--principal",
            "1",
            "--annual-rate",
            "1",
            "--term",
            "1",
            "--method",
            "bullet",
            "--start",
            "2026-02-30",
        ],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--start"), "{}", stderr(&out));
}

#[test]
fn a_broken_recoup_toml_is_bad_input_but_does_not_stop_the_calculator() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("recoup.toml"),
        "[ledger]\nday_count = 300\n",
    )
    .unwrap();
    let out = recoup(dir.path(), &["report", "portfolio"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("day_count"), "{}", stderr(&out));
    let out = recoup(
        dir.path(),
        &[
            "schedule",
            "--principal",
            "1000",
            "--annual-rate",
            "6",
            "--term",
            "2",
            "--method",
            "bullet",
            "--start",
            "2026-01-01",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}
