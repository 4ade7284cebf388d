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
use switchboard_sim::toml_lines::Lines;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// The routing domain the file configures: required on a cluster node (`serve --store`),
    /// where one node may be given the files of many domains; a single node takes only
    /// `default` (or none).
    #[serde(default)]
    pub domain: Option<String>,
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
    /// When the key stops working: an RFC 3339 time (`2027-01-01T00:00:00Z`).
    #[serde(default)]
    pub expires_at: Option<String>,
}

impl KeyEntry {
    /// `expires_at` in ms since the Unix epoch (checked by `ConfigFile::parse`).
    pub fn expires_at_ms(&self) -> Option<i64> {
        let text = self.expires_at.as_deref()?;
        text.parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_millisecond())
    }
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
        let lines = Lines::new(text);
        let line = |path: &str| lines.line_of(path);
        config.reject_duplicates(file, &lines)?;
        for (index, key) in config.keys.iter().enumerate() {
            let field = format!("keys[{index}]");
            let role: Role = key.role.parse().map_err(|m: String| {
                error(line(&format!("{field}.role")), format!("{field}.role"), m)
            })?;
            if key.secret.is_some() == key.sha256.is_some() {
                return Err(error(
                    line(&field),
                    field,
                    "give exactly one of secret or sha256".into(),
                ));
            }
            if let Some(hash) = &key.sha256
                && (hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(error(
                    line(&format!("{field}.sha256")),
                    format!("{field}.sha256"),
                    "must be 64 hex digits".into(),
                ));
            }
            if let Some(text) = &key.expires_at
                && let Err(e) = text.parse::<jiff::Timestamp>()
            {
                return Err(error(
                    line(&format!("{field}.expires_at")),
                    format!("{field}.expires_at"),
                    format!("{text:?} is not an RFC 3339 time such as 2027-01-01T00:00:00Z: {e}"),
                ));
            }
            if (role == Role::Agent) != key.agent.is_some() {
                return Err(error(
                    line(&format!("{field}.agent")),
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
                let item = format!("{table}[{index}]");
                let (field, at, message) = match &rejection {
                    // The engine names the item by its id (`queues[sales].offer_timeout_ms`);
                    // the file has it at `index`.
                    Rejection::InvalidConfig(e) => match e.field.strip_prefix(&format!("{table}["))
                    {
                        Some(named) => {
                            let rest = named.split_once(']').map_or("", |(_, rest)| rest);
                            (e.field.clone(), format!("{item}{rest}"), e.message.clone())
                        }
                        None => (e.field.clone(), e.field.clone(), e.message.clone()),
                    },
                    _ => (item.clone(), item, rejection.to_string()),
                };
                return Err(error(line(&at), field, message));
            }
            while scratch.poll_output().is_some() {}
        }
        // An agent key acts as its agent: one for an agent that does not exist would be
        // accepted by nothing but would sit in the store, waiting to act as whoever gets
        // that id later.
        let agents: std::collections::HashSet<&str> =
            scratch.agent_configs().map(|a| a.id.as_str()).collect();
        for (index, key) in config.keys.iter().enumerate() {
            if let Some(agent) = &key.agent
                && !agents.contains(agent.as_str())
            {
                let field = format!("keys[{index}].agent");
                return Err(error(
                    line(&field),
                    field,
                    format!(
                        "unknown agent {agent:?}: define it in [[agents]] (or through the API) first"
                    ),
                ));
            }
        }
        Ok(config)
    }

    /// Two queues, stations or agents with one id, or two keys with one secret: the file
    /// cannot mean both, so neither wins. The error is at the second and names the first.
    fn reject_duplicates(&self, file: &str, lines: &Lines<'_>) -> Result<(), ConfigFileError> {
        let tables: [(&str, &str, Vec<String>); 4] = [
            (
                "queues",
                "id",
                self.queues
                    .iter()
                    .map(|q| q.id.as_str().to_string())
                    .collect(),
            ),
            (
                "stations",
                "id",
                self.stations
                    .iter()
                    .map(|s| s.id.as_str().to_string())
                    .collect(),
            ),
            (
                "agents",
                "id",
                self.agents
                    .iter()
                    .map(|a| a.id.as_str().to_string())
                    .collect(),
            ),
            (
                "keys",
                "secret",
                self.keys
                    .iter()
                    .map(|k| match (&k.secret, &k.sha256) {
                        (Some(secret), _) => crate::auth::hash_secret(secret),
                        (None, Some(hash)) => hash.to_lowercase(),
                        (None, None) => String::new(),
                    })
                    .collect(),
            ),
        ];
        for (table, key, ids) in tables {
            let mut first: std::collections::BTreeMap<&str, usize> = Default::default();
            for (index, id) in ids.iter().enumerate() {
                if id.is_empty() {
                    continue;
                }
                let Some(&earlier) = first.get(id.as_str()) else {
                    first.insert(id, index);
                    continue;
                };
                let key_of = |i: usize| match (table, self.keys.get(i)) {
                    ("keys", Some(k)) if k.secret.is_none() => "sha256",
                    _ => key,
                };
                let what = if table == "keys" {
                    "the same key".to_string()
                } else {
                    format!("{id:?}")
                };
                let field = format!("{table}[{index}].{}", key_of(index));
                let before = lines
                    .line_of(&format!("{table}[{earlier}].{}", key_of(earlier)))
                    .map_or_else(|| "-".to_string(), |l| l.to_string());
                return Err(ConfigFileError {
                    file: file.to_string(),
                    line: lines.line_of(&field),
                    field,
                    message: format!(
                        "{what} is already defined by {table}[{earlier}] at {file}:{before}; an id may appear once"
                    ),
                });
            }
        }
        Ok(())
    }

    /// The configuration as commands, in an order that satisfies references (queues before
    /// the agents that serve them), each with where it came from.
    pub fn commands(&self) -> Vec<(&'static str, usize, Command)> {
        let mut commands = Vec::new();
        if let Some(settings) = &self.settings {
            commands.push(("settings", 0, Command::ConfigureSettings(settings.clone())));
        }
        for (i, queue) in self.queues.iter().enumerate() {
            commands.push((
                "queues",
                i,
                Command::ConfigureQueue(Box::new(queue.clone())),
            ));
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
        Command::ConfigureQueue(q) => !engine.queue_configs().any(|c| *c == **q),
        Command::ConfigureStation(s) => !engine.station_configs().any(|c| c == s),
        Command::ConfigureAgent(a) => !engine.agent_configs().any(|c| c == a),
        _ => true,
    }
}
