//! `recoup user add`: creates a user who can sign in to the server. The password is prompted
//! for without echo on a terminal (twice), or read from standard input; it is never printed or
//! logged.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use recoup_core::role::Role;
use recoup_store::{NewUser, StoreError};

use crate::cli::UserCommand;
use crate::commands::open_store;
use crate::config::Settings;

pub async fn run(
    database_url: &str,
    settings: &Settings,
    command: &UserCommand,
) -> anyhow::Result<ExitCode> {
    let UserCommand::Add {
        username,
        role,
        display_name,
        agency,
        region,
        password_stdin,
    } = command;
    let role = match Role::parse(role) {
        Ok(role) => role,
        Err(error) => {
            eprintln!("error: --role: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let password = match read_password(username, *password_stdin)? {
        Ok(password) => password,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(1));
        }
    };
    let new_user = match NewUser::parse(
        username,
        display_name.as_deref(),
        role,
        agency.as_deref(),
        region.as_deref(),
        &password,
    ) {
        Ok(new_user) => new_user,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let store = open_store(database_url).await?;
    let created = store
        .create_user(&new_user, "cli", "", settings.now())
        .await;
    store.close().await;
    match created {
        Ok(user) => {
            println!("created user {} ({})", user.username, user.role);
            Ok(ExitCode::SUCCESS)
        }
        Err(error @ StoreError::Conflict { .. }) => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error).context("cannot create the user"),
    }
}

/// The password, or a message for the user (exit 1).
fn read_password(username: &str, from_stdin: bool) -> anyhow::Result<Result<String, String>> {
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        if password.is_empty() {
            return Ok(Err("no password on standard input".into()));
        }
        return Ok(Ok(password));
    }
    let first = rpassword::prompt_password(format!("Password for {username}: "))
        .context("cannot read the password")?;
    let second = rpassword::prompt_password("Repeat it: ").context("cannot read the password")?;
    if first != second {
        return Ok(Err("the passwords differ".into()));
    }
    Ok(Ok(first))
}
