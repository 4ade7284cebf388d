//! Snapshots: a graceful stop writes one; a restart from it (plus the journal after it) gives
//! the same engine as a full replay; an unreadable snapshot falls back to the full replay.

mod support;
use support::{call_to_sales, start_driver, without_clock};

use switchboard_core::command::Command;
use switchboard_core::config::{AgentConfig, QueueConfig, StationConfig};
use switchboard_core::ids::{AgentId, StationId};
use switchboard_core::model::{Channel, SelectableState};
use switchboard_server::driver::{self, Actor, SNAPSHOT_FORMAT};
use switchboard_server::shift::Shifts;
use switchboard_store::{Durability, Snapshot, Store};

fn config_commands() -> Vec<Command> {
    let agent = AgentConfig::new("a1", "Anna Kovács", &["sales"]);
    vec![
        Command::ConfigureQueue(Box::new(QueueConfig::new("sales", Channel::Voice))),
        Command::ConfigureStation(StationConfig::new("s1", "+3611")),
        Command::ConfigureAgent(agent),
        Command::Login {
            agent: AgentId::new("a1"),
            station: StationId::new("s1"),
            state: Some(SelectableState::Ready),
        },
        call_to_sales("+3620"),
        call_to_sales("+3621"),
    ]
}

/// Runs the commands through a driver, stops it gracefully; returns the engine's dump.
fn run_and_stop(dir: &std::path::Path, commands: Vec<Command>) -> String {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (driver, thread) = start_driver(dir);
        for command in commands {
            driver.execute(command, Actor::Trusted).await.unwrap();
        }
        let dump = driver.read(|engine| engine.dump()).await.unwrap();
        driver.shutdown().await;
        thread.join().unwrap();
        dump
    })
}

fn loaded_dump(dir: &std::path::Path) -> (String, u64) {
    let store = Store::open(dir, Durability::Normal).unwrap();
    let engine = driver::load_engine(&store, &Shifts::default()).unwrap();
    (engine.dump(), store.last_seq())
}

fn full_replay_dump(dir: &std::path::Path) -> String {
    let store = Store::open(dir, Durability::Normal).unwrap();
    let mut engine = switchboard_core::engine::Engine::default();
    let records: Vec<_> = store
        .read_journal(0, usize::MAX >> 1)
        .unwrap()
        .into_iter()
        .map(|entry| entry.record)
        .collect();
    engine.replay(&records);
    engine.dump()
}

#[test]
fn a_graceful_stop_snapshots_and_the_restart_matches_a_full_replay() {
    let dir = tempfile::tempdir().unwrap();
    let live = run_and_stop(dir.path(), config_commands());
    let store = Store::open(dir.path(), Durability::Normal).unwrap();
    let snapshot = store
        .latest_snapshot(SNAPSHOT_FORMAT)
        .unwrap()
        .expect("a snapshot");
    assert_eq!(snapshot.seq, store.last_seq());
    drop(store);
    let (restored, _) = loaded_dump(dir.path());
    assert_eq!(without_clock(&restored), without_clock(&live));
    assert_eq!(
        without_clock(&full_replay_dump(dir.path())),
        without_clock(&live)
    );

    // More work after the snapshot: the restart applies the snapshot plus the tail.
    let later = run_and_stop(
        dir.path(),
        vec![Command::Logout {
            agent: AgentId::new("a1"),
        }],
    );
    assert_eq!(
        without_clock(&loaded_dump(dir.path()).0),
        without_clock(&later)
    );
    assert_eq!(
        without_clock(&full_replay_dump(dir.path())),
        without_clock(&later)
    );
}

#[test]
fn an_unreadable_snapshot_falls_back_to_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let live = run_and_stop(dir.path(), config_commands());
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let seq = store.last_seq();
    store
        .save_snapshot(&Snapshot {
            seq: seq + 10,
            format: SNAPSHOT_FORMAT,
            state: b"{not json".to_vec(),
        })
        .unwrap();
    drop(store);
    assert_eq!(
        without_clock(&loaded_dump(dir.path()).0),
        without_clock(&live)
    );
}

/// The driver indexes the journal by contact when it is idle: after the commands, with
/// nothing else to do, the contact index covers the whole journal, so a timeline reads the
/// index alone.
#[test]
fn an_idle_driver_catches_the_contact_index_up() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (driver, thread) = start_driver(dir.path());
        for command in config_commands() {
            driver.execute(command, Actor::Trusted).await.unwrap();
        }
        let last = driver.last_seq();
        // A reader sees the index catch up while the driver has nothing else to do.
        let reader = Store::open_existing(dir.path()).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while reader.contact_index_upto().unwrap() < last {
            assert!(
                std::time::Instant::now() < deadline,
                "the contact index stayed at {} of {last}",
                reader.contact_index_upto().unwrap()
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let indexed: i64 = reader
            .connection()
            .query_row(
                "SELECT count(DISTINCT contact) FROM contact_entries",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexed, 2, "both contacts are indexed");
        assert!(!reader.contact_history(1, 100).unwrap().is_empty());
        driver.shutdown().await;
        thread.join().unwrap();
    });
}
