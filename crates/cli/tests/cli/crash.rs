//! Crash safety: `recoup eod` killed with SIGKILL mid-run and run again leaves exactly the state
//! one clean run leaves.

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

#[tokio::test]
async fn eod_killed_mid_run_and_rerun_equals_one_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("base.db");
    let url = format!("sqlite://{}", base.display());
    // A simulated book closed through 2026-06-14; 2026-06-15 is the date under test.
    let out = recoup(
        dir.path(),
        &[
            "demo",
            "--loans",
            "1500",
            "--seed",
            "5",
            "--as-of",
            "2026-06-15",
            "--no-serve",
            "--database-url",
            &url,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
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
    assert_same(&dump(&crashed).await, &dump(&clean).await);
}
