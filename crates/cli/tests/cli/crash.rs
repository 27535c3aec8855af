//! Crash safety: `recoup eod` killed with SIGKILL mid-run and run again leaves exactly the state
//! one clean run leaves, in every table: the ledger and also the case work (plans, promises,
//! treatments, assignment).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::*;

async fn eod_progress(db: &std::path::Path, date: &str) -> Option<(i64, bool)> {
    use sqlx::{Connection, Row};
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.ok()?;
    let row = sqlx::query(
        "SELECT loans_processed, finished_at IS NOT NULL FROM eod_run WHERE business_date = ?",
    )
    .bind(date)
    .fetch_optional(&mut conn)
    .await
    .ok()??;
    Some((row.try_get(0).ok()?, row.try_get::<bool, _>(1).ok()?))
}

/// A 1,500-loan demo book (seed 5) closed through the day before `as_of`, as `base.db`.
fn demo_book(dir: &std::path::Path, as_of: &str) -> std::path::PathBuf {
    let base = dir.join("base.db");
    let url = format!("sqlite://{}", base.display());
    let out = recoup(
        dir,
        &[
            "demo",
            "--loans",
            "1500",
            "--seed",
            "5",
            "--as-of",
            as_of,
            "--no-serve",
            "--database-url",
            &url,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    base
}

#[tokio::test]
async fn eod_killed_mid_run_and_rerun_equals_one_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    // A simulated book closed through 2026-06-14; 2026-06-15 is the date under test.
    let base = demo_book(dir.path(), "2026-06-15");
    let date = "2026-06-15";

    let clean = dir.path().join("clean.db");
    std::fs::copy(&base, &clean).unwrap();
    let out = recoup(
        dir.path(),
        &[
            "eod",
            "--date",
            date,
            "--chunk-size",
            "1",
            "--database-url",
            &format!("sqlite://{}", clean.display()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (processed, finished) = eod_progress(&clean, date).await.unwrap();
    assert!(
        finished && processed > 20,
        "the date needs enough work to interrupt: {processed}"
    );

    let crashed = dir.path().join("crashed.db");
    let mut interrupted = false;
    for _attempt in 0..5 {
        std::fs::copy(&base, &crashed).unwrap();
        let _ = std::fs::remove_file(dir.path().join("crashed.db-wal"));
        let _ = std::fs::remove_file(dir.path().join("crashed.db-shm"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_recoup"))
            .args([
                "eod",
                "--date",
                date,
                "--chunk-size",
                "1",
                "--database-url",
                &format!("sqlite://{}", crashed.display()),
            ])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Some((done, false)) = eod_progress(&crashed, date).await {
                if done > 0 {
                    break;
                }
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if let Some((done, false)) = eod_progress(&crashed, date).await {
            if done > 0 && done < processed {
                interrupted = true;
                break;
            }
        }
    }
    assert!(interrupted, "could not catch the run mid-way in 5 attempts");

    let out = recoup(
        dir.path(),
        &[
            "eod",
            "--date",
            date,
            "--chunk-size",
            "7",
            "--database-url",
            &format!("sqlite://{}", crashed.display()),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_same(&dump_all(&crashed).await, &dump_all(&clean).await);
}

/// Whether some date after `since` is closed and planned but its cases not yet assigned: the
/// window a catch-up used to lose its assignments in.
async fn between_planning_and_assignment(db: &std::path::Path, since: &str) -> bool {
    use sqlx::Connection;
    let url = format!("sqlite://{}?mode=ro", db.display());
    let Ok(mut conn) = sqlx::SqliteConnection::connect(&url).await else {
        return false;
    };
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM eod_run WHERE business_date > ? AND finished_at IS NOT NULL \
         AND planned = 1 AND assigned = 0",
    )
    .bind(since)
    .fetch_one(&mut conn)
    .await
    .is_ok_and(|n| n > 0)
}

fn eod_to_the_end(dir: &std::path::Path, db: &std::path::Path, date: &str) {
    let url = format!("sqlite://{}", db.display());
    let out = recoup(dir, &["eod", "--date", date, "--database-url", &url]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn spawn_eod(dir: &std::path::Path, db: &std::path::Path, date: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_recoup"))
        .args([
            "eod",
            "--date",
            date,
            "--database-url",
            &format!("sqlite://{}", db.display()),
        ])
        .current_dir(dir)
        .env_remove("RECOUP_DATABASE_URL")
        .env_remove("RECOUP_CONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_catch_up_killed_between_planning_and_assignment_and_rerun_equals_a_clean_one() {
    let dir = tempfile::tempdir().unwrap();
    // A demo book with its users, closed through 2026-06-04 and then left ten days behind.
    let base = demo_book(dir.path(), "2026-06-05");
    let (since, target) = ("2026-06-04", "2026-06-14");

    let clean = dir.path().join("clean.db");
    std::fs::copy(&base, &clean).unwrap();
    eod_to_the_end(dir.path(), &clean, target);
    let assigned: i64 = {
        use sqlx::Connection;
        let url = format!("sqlite://{}?mode=ro", clean.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM case_event WHERE kind = 'assigned' AND business_date > ?",
        )
        .bind(since)
        .fetch_one(&mut conn)
        .await
        .unwrap()
    };
    assert!(assigned > 0, "the catch-up must assign cases to compare");

    let crashed = dir.path().join("crashed.db");
    let mut caught = false;
    for _attempt in 0..5 {
        std::fs::copy(&base, &crashed).unwrap();
        let _ = std::fs::remove_file(dir.path().join("crashed.db-wal"));
        let _ = std::fs::remove_file(dir.path().join("crashed.db-shm"));
        let mut child = spawn_eod(dir.path(), &crashed, target);
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            if between_planning_and_assignment(&crashed, since).await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        if between_planning_and_assignment(&crashed, since).await {
            caught = true;
            break;
        }
    }
    assert!(
        caught,
        "could not stop a run between planning and assignment in 5 attempts"
    );
    // Killed again somewhere later in the catch-up (a fixed delay, whatever it hits), then
    // run to the end.
    let mut child = spawn_eod(dir.path(), &crashed, target);
    std::thread::sleep(Duration::from_millis(700));
    child.kill().unwrap();
    child.wait().unwrap();
    eod_to_the_end(dir.path(), &crashed, target);
    assert_same(&dump_all(&crashed).await, &dump_all(&clean).await);
}
