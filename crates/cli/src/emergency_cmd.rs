//! `switchboard emergency set|clear|show`: a queue's emergency closure on a data directory
//! (docs/engine.md, "Queue hours, holidays and emergencies"), like `switchboard dnc`: through
//! the running server if one holds the directory (a one-time admin key labelled with `--by`),
//! else journaled directly. `show` reads the journal: every queue's closure.

use crate::dnc_cmd::{Change, change, input, replayed};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use switchboard_core::command::Command;
use switchboard_core::ids::QueueId;
use switchboard_core::model::{QueueClosure, QueueEmergency};

#[derive(Debug, Args)]
pub struct EmergencyArgs {
    #[command(subcommand)]
    action: EmergencyAction,
}

#[derive(Debug, Subcommand)]
enum EmergencyAction {
    /// Close a queue to arriving contacts (38, 24), whatever its schedule says.
    Set {
        #[arg(value_name = "QUEUE")]
        queue: String,
        /// What callers are told (the connector's announcement).
        #[arg(long, value_name = "TEXT")]
        message: Option<String>,
        /// Who sets it, recorded in the event as "<by> (admin)".
        #[arg(long, value_name = "NAME", default_value = "switchboard emergency")]
        by: String,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
    /// End a queue's emergency: it is open or closed as its schedule says now.
    Clear {
        #[arg(value_name = "QUEUE")]
        queue: String,
        #[arg(long, value_name = "NAME", default_value = "switchboard emergency")]
        by: String,
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
    /// Print every queue: open or closed and why, with the emergency's message and setter.
    Show {
        #[arg(long, value_name = "DIR", default_value = "./switchboard-data")]
        data: PathBuf,
    },
}

/// The queue's name in a path: ids are letters, digits and `- _ . : @ +` (checked by the
/// engine); anything else is refused here rather than sent.
fn queue_path(queue: &str) -> anyhow::Result<String> {
    if queue.is_empty()
        || !queue
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:@+".contains(c))
    {
        return Err(input(format!("{queue:?} is not a queue id")));
    }
    Ok(format!("/v1/queues/{queue}/emergency"))
}

pub fn emergency(args: &EmergencyArgs) -> anyhow::Result<()> {
    match &args.action {
        EmergencyAction::Set {
            queue,
            message,
            by,
            data,
        } => {
            let path = queue_path(queue)?;
            let body = serde_json::json!({ "message": message }).to_string();
            let change_ = Change {
                command: Command::SetQueueEmergency {
                    queue: QueueId::new(queue),
                    emergency: Some(QueueEmergency {
                        message: message.clone(),
                        // As the server records a key: its label and role.
                        set_by: Some(format!("{by} (admin)")),
                    }),
                },
                requests: vec![("PUT", path, Some(body))],
                key_label: by.clone(),
                done: format!("queue {queue} closed (emergency)"),
            };
            change(data, change_)
        }
        EmergencyAction::Clear { queue, by, data } => {
            let path = queue_path(queue)?;
            let change_ = Change {
                command: Command::SetQueueEmergency {
                    queue: QueueId::new(queue),
                    emergency: None,
                },
                requests: vec![("DELETE", path, None)],
                key_label: by.clone(),
                done: format!("queue {queue}'s emergency ended"),
            };
            change(data, change_)
        }
        EmergencyAction::Show { data } => {
            let engine = replayed(data)?;
            let mut out = std::io::stdout().lock();
            for q in engine.queue_views() {
                use std::io::Write;
                let status = match q.closure {
                    None => "Open",
                    Some(QueueClosure::Schedule) => "Closed (schedule)",
                    Some(QueueClosure::Holiday) => "Closed (holiday)",
                    Some(QueueClosure::Emergency) => "Closed (emergency)",
                };
                write!(out, "{}\t{status}", q.id)?;
                if let Some(e) = &q.emergency {
                    write!(
                        out,
                        "\tby {}\t{}",
                        e.set_by.as_deref().unwrap_or("-"),
                        e.message.as_deref().unwrap_or("")
                    )?;
                }
                writeln!(out)?;
            }
            Ok(())
        }
    }
}
