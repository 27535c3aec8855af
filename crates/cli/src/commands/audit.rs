//! `recoup audit verify`: recomputes the audit trail's hash chain. Exit 0 when intact, 1 naming
//! the first broken row when any row was altered, removed or reordered.

use std::process::ExitCode;

use crate::cli::AuditCommand;
use crate::commands::open_store;

pub async fn run(database_url: &str, command: &AuditCommand) -> anyhow::Result<ExitCode> {
    let AuditCommand::Verify = command;
    let store = open_store(database_url).await?;
    let verification = store.verify_audit().await;
    store.close().await;
    let verification = verification?;
    match verification.broken {
        None => {
            println!(
                "audit trail intact: {} row(s) checked",
                verification.rows_checked
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(link) => {
            eprintln!("audit trail broken at row {}: {}", link.seq, link.reason);
            Ok(ExitCode::from(1))
        }
    }
}
