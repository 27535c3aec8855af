//! `recoup user add|password|deactivate|activate`: creates a user who can sign in to the
//! server, sets a password, or turns an account off and on (each audited, with the actor
//! `cli`). A password is prompted for without echo on a terminal (twice), or read from
//! standard input; it is never printed or logged.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use recoup_core::role::Role;
use recoup_store::{NewUser, StoreError, UserChange};

use crate::cli::{AddUser, UserCommand};
use crate::commands::open_store;
use crate::config::Settings;

pub async fn run(
    database_url: &str,
    settings: &Settings,
    command: &UserCommand,
) -> anyhow::Result<ExitCode> {
    let (username, active, password_stdin) = match command {
        UserCommand::Add(user) => return add(database_url, settings, user).await,
        UserCommand::Password {
            username,
            password_stdin,
        } => (username, None, Some(*password_stdin)),
        UserCommand::Deactivate { username } => (username, Some(false), None),
        UserCommand::Activate { username } => (username, Some(true), None),
    };
    let password = match password_stdin {
        Some(from_stdin) => match read_password(username, from_stdin)? {
            Ok(password) => Some(password),
            Err(message) => {
                eprintln!("error: {message}");
                return Ok(ExitCode::from(1));
            }
        },
        None => None,
    };
    let change = match UserChange::parse(username, active, password.as_deref(), None, None) {
        Ok(change) => change,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::from(1));
        }
    };
    let store = open_store(database_url).await?;
    let changed = store
        .change_user(&username.to_lowercase(), &change, "cli", "", settings.now())
        .await;
    store.close().await;
    match changed {
        Ok(Some(changed)) => {
            let what = match active {
                Some(false) => "deactivated",
                Some(true) => "activated",
                None => "password set for",
            };
            println!(
                "{what} user {}; {} session(s) ended, {} open case(s) assigned",
                changed.user.username, changed.sessions_ended, changed.open_cases
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(None) => {
            eprintln!("error: no user named {username}");
            Ok(ExitCode::from(1))
        }
        Err(error @ StoreError::Invalid { .. }) => {
            eprintln!("error: {error}");
            Ok(ExitCode::from(1))
        }
        Err(error) => Err(error).context("cannot change the user"),
    }
}

async fn add(database_url: &str, settings: &Settings, user: &AddUser) -> anyhow::Result<ExitCode> {
    let AddUser {
        username,
        role,
        display_name,
        agency,
        region,
        password_stdin,
    } = user;
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
