//! # switchboard-core — the pure routing engine
//!
//! Everything Switchboard decides happens here: agent and contact state machines, routing,
//! offers and refusals, closure codes, limits. The crate does no I/O, reads no clock, spawns
//! nothing and has no async runtime. Time comes in as an argument ([`Timestamp`]), timers go
//! out as deadlines ([`Engine::poll_timeout`]), effects go out as values ([`Output`]: events
//! and connector requests). The server, the simulator and the tests are drivers of this one
//! engine.

pub mod callback;
pub mod closure;
pub mod command;
pub mod config;
pub mod dnc;
pub mod engine;
pub mod event;
pub mod ids;
pub mod model;
pub mod output;
pub mod rejection;
pub mod schedule;
#[cfg(feature = "openapi")]
pub mod schema;
pub mod time;

pub use closure::{ClosureCode, Lang, Major, Minor};
pub use command::{Command, ConnectorEvent, TransferTarget};
pub use config::{AgentConfig, QueueConfig, Settings, StationConfig};
pub use engine::{Engine, Receipt};
pub use event::{Event, EventRecord};
pub use ids::{AgentId, ContactId, OfferId, QueueId, StationId};
pub use model::{AgentState, Channel, ContactState, RefusalReason};
pub use output::{ConnectorRequest, Output};
pub use rejection::Rejection;
pub use time::Timestamp;
