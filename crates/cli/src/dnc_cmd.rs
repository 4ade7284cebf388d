//! `switchboard dnc add|remove|list|import`: the do-not-call list of a data directory
//! (docs/callbacks.md, "The do-not-call list").
//!
//! The list is engine state, changed only by journaled commands, so there is one writer at a
//! time. While a server runs on the directory (it holds `serve.lock`), a change goes to that
//! server over HTTP, with a one-time admin key made in the store like `keys create` does and
//! revoked after. Otherwise the command runs on the engine as the journal leaves it and its
//! events are appended to the journal, as the server would. `list` reads the journal either
//! way.

use crate::server_cmd::now_ms;
use crate::sim_cmd::InputError;
use anyhow::Context;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use switchboard_core::command::Command;
use switchboard_core::dnc;
use switchboard_core::{Output, Timestamp};
use switchboard_server::auth::{self, Role};
use switchboard_store::{Durability, Store};

#[derive(Debug, Args)]
pub struct DncArgs {
    #[command(subcommand)]
    action: DncAction,
}

#[derive(Debug, Subcommand)]
enum DncAction {
    /// Put numbers on the list (all or none).
    Add {
        #[arg(required = true, value_name = "NUMBER")]
        numbers: Vec<String>,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
    /// Take a number off the list.
    Remove {
        #[arg(value_name = "NUMBER")]
        number: String,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
    /// Print the list, one number a line (normal form).
    List {
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
    /// Put the numbers of a CSV file on the list (the first field of each line).
    Import {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
}

/// Numbers per request to a running server (its limit per `POST /v1/do-not-call`).
const PER_REQUEST: usize = 10_000;

pub(crate) fn input(error: impl std::fmt::Display) -> anyhow::Error {
    InputError(error.to_string()).into()
}

pub fn dnc(args: &DncArgs) -> anyhow::Result<()> {
    match &args.action {
        DncAction::Add { numbers, data } => {
            for number in numbers {
                dnc::normalize(number).map_err(input)?;
            }
            change(data, add(numbers.clone()))
        }
        DncAction::Remove { number, data } => {
            let number = dnc::normalize(number).map_err(input)?;
            change(data, remove(number))
        }
        DncAction::Import { file, data } => {
            let text = std::fs::read_to_string(file)
                .map_err(|e| input(format!("{}: {e}", file.display())))?;
            let numbers = dnc::parse_import(&text).map_err(|bad| {
                let lines: Vec<String> = bad
                    .iter()
                    .map(|b| format!("{}:{}: {}", file.display(), b.line, b.message))
                    .collect();
                input(lines.join("\n"))
            })?;
            change(data, add(numbers))
        }
        DncAction::List { data } => {
            let engine = replayed(data)?;
            let mut out = std::io::stdout().lock();
            for number in engine.do_not_call_numbers() {
                use std::io::Write;
                writeln!(out, "{number}")?;
            }
            eprintln!(
                "switchboard: {} numbers on the do-not-call list (at most {})",
                engine.do_not_call_len(),
                engine.settings().limits.do_not_call_max
            );
            Ok(())
        }
    }
}

/// The engine as the journal of an existing data directory leaves it (read-only commands).
pub(crate) fn replayed(data: &Path) -> anyhow::Result<switchboard_core::Engine> {
    let store = Store::open_existing(data).map_err(input)?;
    let shifts = switchboard_server::shift::Shifts::default();
    switchboard_server::driver::load_engine(&store, &shifts).context("while replaying the journal")
}

/// One journaled change made from the command line (the do-not-call list, a queue's
/// emergency): the same change as an engine command and as requests to a running server.
pub(crate) struct Change {
    /// What the engine is told when no server runs.
    pub command: Command,
    /// What a running server is asked, in order: method, path, JSON body.
    pub requests: Vec<(&'static str, String, Option<String>)>,
    /// The label of the one-time admin key the requests are made with.
    pub key_label: String,
    /// What was done, for the closing message ("2 numbers listed").
    pub done: String,
}

fn add(numbers: Vec<String>) -> Change {
    Change {
        requests: numbers
            .chunks(PER_REQUEST)
            .map(|part| {
                let body = serde_json::json!({ "numbers": part }).to_string();
                ("POST", "/v1/do-not-call".to_string(), Some(body))
            })
            .collect(),
        key_label: "switchboard dnc (one-time)".into(),
        done: format!("{} numbers listed", numbers.len()),
        command: Command::AddDoNotCall { numbers },
    }
}

fn remove(number: String) -> Change {
    Change {
        // The normal form has only digits and a leading `+`: nothing to escape in a path.
        requests: vec![("DELETE", format!("/v1/do-not-call/{number}"), None)],
        key_label: "switchboard dnc (one-time)".into(),
        done: format!("{number} removed"),
        command: Command::RemoveDoNotCall { number },
    }
}

/// Applies `change` through the running server, or to the journal when none runs.
pub(crate) fn change(data: &Path, change: Change) -> anyhow::Result<()> {
    let mut store = Store::open(data, Durability::Full).map_err(input)?;
    let lock_path = data.join(switchboard_server::LOCK_FILE);
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("while opening {}", lock_path.display()))?;
    match lock.try_lock() {
        Ok(()) => offline(&mut store, change),
        Err(std::fs::TryLockError::WouldBlock) => online(&store, data, change),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("while locking {}", lock_path.display()))
        }
    }
}

/// No server runs (this process holds the lock): decide on the replayed engine, append.
fn offline(store: &mut Store, change: Change) -> anyhow::Result<()> {
    let shifts = switchboard_server::shift::Shifts::default();
    let mut engine = switchboard_server::driver::load_engine(store, &shifts)
        .context("while replaying the journal")?;
    let now = Timestamp(now_ms()).max(engine.now());
    engine.handle_command(now, change.command).map_err(input)?;
    let mut records = Vec::new();
    while let Some(output) = engine.poll_output() {
        // Connector requests (withdrawing an offer) have no connector to go to: the server
        // that restarts from this journal has the same state and carries on from there.
        if let Output::Event(record) = output {
            records.push(record);
        }
    }
    store
        .append(&records)
        .context("while writing the journal")?;
    eprintln!(
        "switchboard: {} (no server runs on this data directory)",
        change.done
    );
    Ok(())
}

/// A server runs: send the change to it with a one-time admin key.
fn online(store: &Store, data: &Path, change: Change) -> anyhow::Result<()> {
    let addr_path = data.join(switchboard_server::ADDR_FILE);
    let addr = std::fs::read_to_string(&addr_path)
        .with_context(|| format!("while reading {}", addr_path.display()))?;
    let addr = addr.trim().to_string();
    let secret = auth::generate_secret()?;
    let id = auth::store_key(
        store,
        &secret,
        Role::Admin,
        None,
        false,
        &change.key_label,
        now_ms(),
        // A key for one import, revoked when it is done.
        None,
    )?;
    let result = change.requests.iter().try_for_each(|(method, path, body)| {
        request(&addr, &secret, method, path, body.as_deref())
    });
    store.revoke_key(id, now_ms())?;
    result?;
    eprintln!(
        "switchboard: {} (through the server at {addr})",
        change.done
    );
    Ok(())
}

/// One HTTP/1.1 request; a 4xx answer is an input error with the server's message.
fn request(
    addr: &str,
    secret: &str,
    method: &str,
    path: &str,
    json: Option<&str>,
) -> anyhow::Result<()> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)
        .with_context(|| format!("while connecting to the server at {addr}"))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(60)))?;
    let body = json.unwrap_or("");
    let content_type = if json.is_some() {
        "Content-Type: application/json\r\n"
    } else {
        ""
    };
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {secret}\r\n\
         {content_type}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .context("while reading the server's answer")?;
    let answer = String::from_utf8_lossy(&answer);
    let status: u16 = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("the server's answer has no status")?;
    if (200..300).contains(&status) {
        return Ok(());
    }
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["error"]["message"].as_str().map(String::from))
        .unwrap_or_else(|| body.to_string());
    if (400..500).contains(&status) {
        Err(input(format!(
            "the server refused it ({status}): {message}"
        )))
    } else {
        anyhow::bail!("the server failed ({status}): {message}")
    }
}
