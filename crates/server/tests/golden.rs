//! The golden data directory (`tests/golden/`, see the README there): a journal, a snapshot
//! and the report tables written once by the code of issue 15 and committed as bytes. These
//! tests load it forever. When one fails, the journal's or the snapshot's format changed:
//! add a migration that reads the old format (crates/store/src/migrate.rs, or a new
//! `SNAPSHOT_FORMAT` that ignores the old snapshot), never new fixtures.

use std::path::Path;
use switchboard_core::Engine;
use switchboard_server::driver::{self, SNAPSHOT_FORMAT};
use switchboard_server::shift::Shifts;
use switchboard_store::{Durability, Store};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

/// A copy of the golden directory, so opening it (a writer may migrate) never touches the
/// committed bytes.
fn golden_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        Path::new(GOLDEN).join("switchboard.db"),
        dir.path().join("switchboard.db"),
    )
    .unwrap();
    dir
}

fn expected_state() -> String {
    std::fs::read_to_string(Path::new(GOLDEN).join("state.txt")).unwrap()
}

/// What `state.txt` holds: where the snapshot is, the engine's dump, the shift counters
/// (the same text the generator, examples/golden_data.rs, wrote).
fn state(store: &Store, engine: &Engine, shifts: &Shifts) -> String {
    let snapshot = store
        .latest_snapshot(SNAPSHOT_FORMAT)
        .unwrap()
        .expect("the golden snapshot is read");
    format!(
        "snapshot at {} of {} entries\n{}--- shifts ---\n{}\n",
        snapshot.seq,
        store.last_seq(),
        engine.dump(),
        serde_json::to_string_pretty(&shifts.to_json()).unwrap()
    )
}

/// The server's start: the snapshot (taken half-way), then the journal after it.
#[test]
fn the_golden_directory_loads_to_the_same_state() {
    let dir = golden_copy();
    let store = Store::open(dir.path(), Durability::Normal).unwrap();
    let shifts = Shifts::default();
    let engine = driver::load_engine(&store, &shifts).unwrap();
    engine.check_invariants().unwrap();
    let text = state(&store, &engine, &shifts);
    assert!(
        !text.starts_with(&format!("snapshot at {} ", store.last_seq())),
        "the snapshot must leave a journal tail to replay"
    );
    assert_eq!(text, expected_state());
}

/// Without the snapshot: the whole journal replays to the same engine, and every entry reads
/// back to the very text, kind, contact and agent it was stored with (a field renamed,
/// re-tagged or newly written shows up here even where serde would still read the old text).
#[test]
fn the_golden_journal_replays_and_reads_back_byte_for_byte() {
    let dir = golden_copy();
    // Opened as the server opens it: a directory of an older schema is migrated first (it was
    // written at schema 4; keys gained `expires_at` in 5), and the journal must not change.
    let store = Store::open(dir.path(), Durability::Normal).unwrap();
    let mut rows = store
        .connection()
        .prepare("SELECT seq, at, kind, contact, agent, payload FROM journal ORDER BY seq")
        .unwrap();
    type Row = (i64, i64, String, Option<i64>, Option<String>, String);
    let rows: Vec<Row> = rows
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let entries = store.read_journal(0, usize::MAX >> 1).unwrap();
    assert_eq!(entries.len(), rows.len());
    let kinds: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.2.as_str()).collect();
    // Every kind of event there was when it was written (a kind added later is not in it).
    assert_eq!(kinds.len(), 47, "{kinds:?}");
    for (entry, (seq, at, kind, contact, agent, payload)) in entries.iter().zip(&rows) {
        let event = &entry.record.event;
        let written = serde_json::to_string(event).unwrap();
        assert_eq!(&written, payload, "entry {seq} reads back differently");
        assert_eq!(
            (entry.seq, entry.record.at.0, event.kind()),
            (*seq as u64, *at, kind.as_str())
        );
        assert_eq!(event.contact().map(|c| c.0 as i64), *contact, "entry {seq}");
        assert_eq!(
            event.agent().map(|a| a.as_str()),
            agent.as_deref(),
            "entry {seq}"
        );
    }

    let mut replayed = Engine::default();
    replayed.replay(entries.iter().map(|e| &e.record));
    let shifts = Shifts::default();
    entries.iter().for_each(|e| shifts.apply(&e.record));
    assert_eq!(state(&store, &replayed, &shifts), expected_state());
}

/// The report tables the golden directory holds are the ones its journal projects to.
#[test]
fn the_golden_report_tables_match_a_rebuild_from_the_journal() {
    let dir = golden_copy();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let before = report_tables(&store);
    assert!(before.contains("refusals: "), "{before}");
    store.rebuild_projections().unwrap();
    assert_eq!(report_tables(&store), before);
}

/// Every projection table's rows, sorted, as text.
fn report_tables(store: &Store) -> String {
    let conn = store.connection();
    let mut names = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN \
             ('journal', 'snapshots', 'meta', 'api_keys', 'contact_entries') ORDER BY name",
        )
        .unwrap();
    let names: Vec<String> = names
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut text = String::new();
    for name in names {
        let mut select = conn.prepare(&format!("SELECT * FROM {name}")).unwrap();
        let columns = select.column_count();
        let mut rows: Vec<String> = select
            .query_map([], |r| {
                (0..columns)
                    .map(|i| {
                        r.get::<_, rusqlite::types::Value>(i)
                            .map(|v| format!("{v:?}"))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map(|values| values.join(", "))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows.sort();
        text.push_str(&format!("{name}: {}\n", rows.len()));
        for row in rows {
            text.push_str(&row);
            text.push('\n');
        }
    }
    text
}
