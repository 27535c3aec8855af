//! `recoup import`: good files are booked once; bad files are refused whole with file, row and
//! field named, and the database is left as it was.

use crate::support::*;

#[tokio::test]
async fn the_example_tape_and_bank_file_import_once_and_reimport_as_no_ops() {
    let dir = tempfile::tempdir().unwrap();
    let tape = workspace_file("examples/loan-tape.csv");
    let bank = workspace_file("examples/bank-file.csv");
    let tape = tape.to_str().unwrap();
    let bank = bank.to_str().unwrap();
    let first = recoup(dir.path(), &["import", "loans", tape]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("loans booked, 0 already booked"),
        "{}",
        stdout(&first)
    );
    let paid = recoup(dir.path(), &["import", "payments", bank]);
    assert!(paid.status.success(), "{}", stderr(&paid));
    let before = dump(&dir.path().join("recoup.db")).await;

    let again = recoup(dir.path(), &["import", "loans", tape]);
    assert!(
        stdout(&again).contains(" 0 loans booked"),
        "{}",
        stdout(&again)
    );
    let again = recoup(dir.path(), &["import", "payments", bank]);
    assert!(
        stdout(&again).contains("0 payments posted, 0 failed debits recorded"),
        "{}",
        stdout(&again)
    );
    assert_same(&dump(&dir.path().join("recoup.db")).await, &before);
}

#[tokio::test]
async fn a_gbk_tape_is_imported_and_says_it_was_read_as_gbk() {
    let dir = tempfile::tempdir().unwrap();
    let gbk = workspace_file("examples/loan-tape-gbk.csv");
    let out = recoup(dir.path(), &["import", "loans", gbk.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("loan-tape-gbk.csv: read as GB18030/GBK text"),
        "{}",
        stdout(&out)
    );
    let booked = dump(&dir.path().join("recoup.db")).await;
    // The same loans as the UTF-8 tape: importing that one changes nothing.
    let utf8 = workspace_file("examples/loan-tape.csv");
    let again = recoup(dir.path(), &["import", "loans", utf8.to_str().unwrap()]);
    assert!(
        stdout(&again).contains("read as UTF-8 text") && stdout(&again).contains(" 0 loans booked"),
        "{}",
        stdout(&again)
    );
    assert_same(&dump(&dir.path().join("recoup.db")).await, &booked);

    // Asked to read it as UTF-8, it is refused whole, naming row and field.
    let fresh = tempfile::tempdir().unwrap();
    let out = recoup(
        fresh.path(),
        &[
            "import",
            "loans",
            gbk.to_str().unwrap(),
            "--encoding",
            "utf-8",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("loan-tape-gbk.csv: row 2, field "),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("--encoding gb18030"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn a_bad_tape_is_refused_whole_naming_file_row_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let good = workspace_file("examples/loan-tape.csv");
    recoup(dir.path(), &["import", "loans", good.to_str().unwrap()]);
    let before = dump(&dir.path().join("recoup.db")).await;
    let bad = workspace_file("examples/bad-loan-tape.csv");
    let out = recoup(dir.path(), &["import", "loans", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let errors = stderr(&out);
    assert!(
        errors.contains("bad-loan-tape.csv: row 2, field national_id"),
        "{errors}"
    );
    assert!(errors.contains("nothing was imported"), "{errors}");
    assert_same(&dump(&dir.path().join("recoup.db")).await, &before);
}

#[tokio::test]
async fn a_bank_file_for_unknown_loans_or_a_reused_key_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let tape = workspace_file("examples/loan-tape.csv");
    recoup(dir.path(), &["import", "loans", tape.to_str().unwrap()]);
    let bank = workspace_file("examples/bank-file.csv");
    recoup(dir.path(), &["import", "payments", bank.to_str().unwrap()]);
    let before = dump(&dir.path().join("recoup.db")).await;
    let text = std::fs::read_to_string(&bank).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Same key as the first record with a different amount, and a loan nobody booked.
    let first: Vec<&str> = lines[1].split(',').collect();
    let changed = format!("{},{},{},{},1.00,,", first[0], first[1], first[2], first[3]);
    lines.push("NEWKEY-1,HT-NO-SUCH-LOAN,2025-06-01,transfer,100.00,,".into());
    lines[1] = changed;
    let path = dir.path().join("bad-bank.csv");
    std::fs::write(&path, lines.join("\n")).unwrap();
    let out = recoup(dir.path(), &["import", "payments", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let errors = stderr(&out);
    assert!(
        errors.contains("bad-bank.csv: row 2, field key"),
        "{errors}"
    );
    assert!(
        errors.contains(&format!("bad-bank.csv: row {}, field loan_no", lines.len())),
        "{errors}"
    );
    assert_same(&dump(&dir.path().join("recoup.db")).await, &before);
}

#[test]
fn a_missing_file_and_an_unknown_format_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = recoup(dir.path(), &["import", "loans", "nope.csv"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nope.csv"), "{}", stderr(&out));
    std::fs::write(dir.path().join("tape.txt"), "x").unwrap();
    let out = recoup(dir.path(), &["import", "loans", "tape.txt"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("tape.txt"), "{}", stderr(&out));
}
