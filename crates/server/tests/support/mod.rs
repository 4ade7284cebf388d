//! What the driver tests share: a driver started on a data directory the way the server
//! starts it (the store opened, the engine loaded from its snapshot and journal).

use std::path::Path;
use std::sync::Arc;
use switchboard_core::{Channel, Command, QueueId};
use switchboard_server::clock::SystemClock;
use switchboard_server::driver::{self, Driver};
use switchboard_server::shift::Shifts;
use switchboard_store::{Durability, Store};

/// A voice call from `from` arrives for the queue `sales`.
pub fn call_to_sales(from: &str) -> Command {
    Command::CreateContact {
        channel: Channel::Voice,
        queue: QueueId::new("sales"),
        from: from.into(),
        priority: 0,
        attributes: Default::default(),
    }
}

/// Starts a driver on `dir` (created if new); returns it and its thread.
pub fn start_driver(dir: &Path) -> (Driver, std::thread::JoinHandle<()>) {
    let store = Store::open(dir, Durability::Normal).unwrap();
    let shifts = Arc::new(Shifts::default());
    let engine = driver::load_engine(&store, &shifts).unwrap();
    let clock = Arc::new(SystemClock::new(1.0).not_before(engine.now()));
    let feed = switchboard_server::feed::Feed::new(Default::default());
    Driver::start(Box::new(store), engine, shifts, clock, feed).unwrap()
}

/// The dump without its clock line: the journal carries the clock only through event times,
/// and the driver may tell the engine the time again (a later `now`) after a dump was read;
/// everything else must match.
pub fn without_clock(dump: &str) -> String {
    dump.lines()
        .filter(|l| !l.starts_with("now "))
        .collect::<Vec<_>>()
        .join("\n")
}
