//! # switchboard-sim — the simulator and the Erlang calculator
//!
//! The simulator drives the real engine (`switchboard-core`) on a virtual clock; the Erlang
//! module gives the queueing-theory figures the simulator is validated against and that
//! workforce planners use for staffing.

pub mod erlang;
pub mod people;
pub mod run;
pub mod scenario;
pub mod swarm;
pub mod toml_lines;
