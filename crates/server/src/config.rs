//! The configuration file (`switchboard serve --config FILE`): settings, queues (with their
//! dispositions), agents, stations and API keys, in TOML. Loaded at start; what differs from
//! the store is applied as configuration commands, so it lands in the journal like changes
//! made through the API. Errors name the file, the line and the field.

use crate::auth::Role;
use serde::Deserialize;
use switchboard_core::command::Command;
use switchboard_core::config::{AgentConfig, QueueConfig, Settings, StationConfig};
use switchboard_core::engine::Engine;
use switchboard_core::rejection::Rejection;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub settings: Option<Settings>,
    #[serde(default)]
    pub queues: Vec<QueueConfig>,
    #[serde(default)]
    pub stations: Vec<StationConfig>,
    #[serde(default)]
    pub agents: Vec<AgentConfig>,
    #[serde(default)]
    pub keys: Vec<KeyEntry>,
}

/// An API key given in the configuration: by its secret (handy for development) or, better,
/// by the hex SHA-256 of the secret.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    pub role: String,
    #[serde(default)]
    pub secret: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub agent: Option<String>,
    #[serde(default)]
    pub data_download: bool,
    #[serde(default)]
    pub label: Option<String>,
}

/// A bad configuration file: `file:line: field: message`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}:{line}: {field}: {message}", line = .line.map_or("-".to_string(), |l| l.to_string()))]
pub struct ConfigFileError {
    pub file: String,
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl ConfigFile {
    /// Parses and checks a configuration file: TOML shape, keys, and every queue, station and
    /// agent as the engine would take them (on a copy of `engine`).
    pub fn parse(file: &str, text: &str, engine: &Engine) -> Result<ConfigFile, ConfigFileError> {
        let error = |line: Option<usize>, field: String, message: String| ConfigFileError {
            file: file.to_string(),
            line,
            field,
            message,
        };
        let config: ConfigFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let field = line
                .and_then(|n| text.lines().nth(n - 1))
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k.trim().trim_matches('"').to_string())
                .filter(|k| !k.is_empty() && !k.starts_with('['))
                .unwrap_or_else(|| "-".into());
            error(line, field, e.message().trim().to_string())
        })?;
        for (index, key) in config.keys.iter().enumerate() {
            // Found only for an error: looking it up for every key would be quadratic.
            let line = || table_line(text, "keys", index);
            let field = format!("keys[{index}]");
            let role: Role = key
                .role
                .parse()
                .map_err(|m: String| error(line(), format!("{field}.role"), m))?;
            if key.secret.is_some() == key.sha256.is_some() {
                return Err(error(
                    line(),
                    field,
                    "give exactly one of secret or sha256".into(),
                ));
            }
            if let Some(hash) = &key.sha256
                && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(error(
                    line(),
                    format!("{field}.sha256"),
                    "must be 64 hex digits".into(),
                ));
            }
            if (role == Role::Agent) != key.agent.is_some() {
                return Err(error(
                    line(),
                    format!("{field}.agent"),
                    "an agent key needs agent = \"ID\", and only an agent key takes one".into(),
                ));
            }
        }
        // Check every item as the engine would take it, without touching the real one.
        let mut scratch = engine.clone();
        let now = scratch.now();
        for (table, index, command) in config.commands() {
            // Unchanged items are not applied (see `changes`): an agent that is logged in
            // with contacts when the server restarts keeps its configuration as it is.
            if !changes_engine(engine, &command) {
                continue;
            }
            if let Err(rejection) = scratch.handle_command(now, command) {
                let field = match &rejection {
                    Rejection::InvalidConfig(e) => e.field.clone(),
                    _ => format!("{table}[{index}]"),
                };
                return Err(error(
                    table_line(text, table, index),
                    field,
                    rejection.to_string(),
                ));
            }
            while scratch.poll_output().is_some() {}
        }
        Ok(config)
    }

    /// The configuration as commands, in an order that satisfies references (queues before
    /// the agents that serve them), each with where it came from.
    pub fn commands(&self) -> Vec<(&'static str, usize, Command)> {
        let mut commands = Vec::new();
        if let Some(settings) = &self.settings {
            commands.push(("settings", 0, Command::ConfigureSettings(settings.clone())));
        }
        for (i, queue) in self.queues.iter().enumerate() {
            commands.push(("queues", i, Command::ConfigureQueue(queue.clone())));
        }
        for (i, station) in self.stations.iter().enumerate() {
            commands.push(("stations", i, Command::ConfigureStation(station.clone())));
        }
        for (i, agent) in self.agents.iter().enumerate() {
            commands.push(("agents", i, Command::ConfigureAgent(agent.clone())));
        }
        commands
    }

    /// The commands that change something in `engine` (unchanged items are skipped, so a
    /// restart with the same file adds nothing to the journal).
    pub fn changes(&self, engine: &Engine) -> Vec<Command> {
        self.commands()
            .into_iter()
            .map(|(_, _, command)| command)
            .filter(|command| changes_engine(engine, command))
            .collect()
    }
}

/// Whether a configuration command would change something in `engine`.
fn changes_engine(engine: &Engine, command: &Command) -> bool {
    match command {
        Command::ConfigureSettings(s) => engine.settings() != s,
        Command::ConfigureQueue(q) => !engine.queue_configs().any(|c| c == q),
        Command::ConfigureStation(s) => !engine.station_configs().any(|c| c == s),
        Command::ConfigureAgent(a) => !engine.agent_configs().any(|c| c == a),
        _ => true,
    }
}

/// The line of the `index`-th `[[table]]` header (or `[table]`).
fn table_line(text: &str, table: &str, index: usize) -> Option<usize> {
    let mut seen = 0;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim();
        if t == format!("[[{table}]]") || t == format!("[{table}]") {
            if seen == index {
                return Some(n + 1);
            }
            seen += 1;
        }
    }
    None
}
