use super::*;
use switchboard_core::event::Event;
use switchboard_core::ids::{AgentId, ContactId, QueueId, StationId};
use switchboard_core::model::RefusalReason;

fn record(at: i64, event: Event) -> EventRecord {
    EventRecord {
        at: Timestamp(at),
        event,
    }
}

/// How many rows `table` holds.
fn rows(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn refusal(contact: u64) -> Event {
    Event::OfferRefused {
        offer: None,
        contact: ContactId(contact),
        agent: AgentId::new("ann"),
        agent_full_name: "Ann Lee".into(),
        station: StationId::new("s1"),
        reason: RefusalReason::Busy,
        cause_code: Some("486".into()),
        excluded_until: Timestamp(0),
        decline_reason: None,
    }
}

#[test]
fn appended_entries_come_back_in_order_after_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let records = vec![
        record(
            1,
            Event::QueueRemoved {
                queue: QueueId::new("q"),
            },
        ),
        record(2, refusal(7)),
        record(
            2,
            Event::CallbackExpired {
                contact: ContactId(7),
            },
        ),
    ];
    {
        let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
        assert_eq!(store.append(&records[..1]).unwrap(), 1);
        assert_eq!(store.append(&records[1..]).unwrap(), 2);
        assert_eq!(store.last_seq(), 3);
    }
    let store = Store::open(dir.path(), Durability::Full).unwrap();
    assert_eq!(store.last_seq(), 3);
    let entries = store.read_journal(0, 10).unwrap();
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        entries.into_iter().map(|e| e.record).collect::<Vec<_>>(),
        records
    );
    assert_eq!(store.read_journal(2, 10).unwrap().len(), 1);
    assert_eq!(store.read_journal(0, 1).unwrap().len(), 1);
    assert_eq!(rows(store.connection(), "refusals"), 1);
}

#[test]
fn a_batch_going_back_in_time_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    store.append(&[record(10, refusal(1))]).unwrap();
    let error = store
        .append(&[record(11, refusal(2)), record(9, refusal(3))])
        .unwrap_err();
    assert!(matches!(error, StoreError::TimeWentBack { .. }), "{error}");
    assert_eq!(store.last_seq(), 1);
    assert_eq!(store.read_journal(0, 10).unwrap().len(), 1);
}

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path(), Durability::Normal).unwrap());
    let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    for error in [
        Store::open(dir.path(), Durability::Normal).err().unwrap(),
        Store::open_existing(dir.path()).err().unwrap(),
    ] {
        assert!(
            matches!(error, StoreError::UnsupportedVersion { found: 99, .. }),
            "{error}"
        );
    }
}

#[test]
fn open_existing_refuses_a_directory_without_data() {
    let dir = tempfile::tempdir().unwrap();
    let error = Store::open_existing(dir.path()).err().unwrap();
    assert!(matches!(error, StoreError::Missing(_)));
    assert!(!dir.path().join(DB_FILE).exists());
}

#[test]
fn a_corrupt_entry_is_reported_with_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    store
        .append(&[record(1, refusal(1)), record(1, refusal(2))])
        .unwrap();
    store
        .connection()
        .execute("UPDATE journal SET payload = '{' WHERE seq = 2", [])
        .unwrap();
    let error = store.read_journal(0, 10).unwrap_err();
    assert!(
        matches!(error, StoreError::Corrupt { seq: 2, .. }),
        "{error}"
    );
}

#[test]
fn snapshots_keep_the_two_newest() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    for seq in 1..=3 {
        store
            .save_snapshot(&Snapshot {
                seq,
                format: 1,
                state: vec![seq as u8],
            })
            .unwrap();
    }
    assert_eq!(store.latest_snapshot(1).unwrap().unwrap().seq, 3);
    assert_eq!(store.latest_snapshot(2).unwrap(), None);
    assert_eq!(rows(store.connection(), "snapshots"), 2);
}

#[test]
fn backup_copies_a_readable_store_and_projections_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    store
        .append(&[record(1, refusal(1)), record(2, refusal(2))])
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    store.backup(&out.path().join(DB_FILE)).unwrap();
    let mut copy = Store::open_existing(out.path()).unwrap();
    assert_eq!(copy.last_seq(), 2);
    copy.rebuild_projections().unwrap();
    assert_eq!(rows(copy.connection(), "refusals"), 2);
}

#[test]
fn keys_are_found_by_hash_until_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), Durability::Normal).unwrap();
    let id = store
        .insert_key(&NewKey {
            hash: "abc".into(),
            label: "ann's desk".into(),
            role: "agent".into(),
            agent: Some("ann".into()),
            data_download: false,
            created_at: 5,
            expires_at: Some(9_000),
        })
        .unwrap();
    let found = store.find_key("abc").unwrap().unwrap();
    assert_eq!(found.expires_at, Some(9_000));
    assert_eq!(
        (found.id, found.role.as_str(), found.agent.as_deref()),
        (id, "agent", Some("ann"))
    );
    assert!(store.find_key("abd").unwrap().is_none());
    assert!(store.revoke_key(id, 6).unwrap());
    assert!(!store.revoke_key(id, 7).unwrap());
    assert!(store.find_key("abc").unwrap().is_none());
    assert!(store.keys().unwrap()[0].revoked);
}

fn state_change(agent: &str, state: switchboard_core::model::AgentState) -> Event {
    Event::AgentStateChanged {
        agent: AgentId::new(agent),
        state,
        reason: None,
        station: None,
    }
}

type Interval = (i64, String, String, i64, Option<i64>);

fn intervals(conn: &Connection) -> Vec<Interval> {
    let mut statement = conn
        .prepare("SELECT seq, agent, state, start_at, end_at FROM agent_intervals ORDER BY seq")
        .unwrap();
    statement
        .query_map([], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
            ))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Turns version 2's `agent_states` into version 1's.
const V1_AGENT_STATES: &str = "
DROP VIEW agent_intervals;
DROP TABLE agent_states;
DROP TABLE agent_state_marks;
CREATE TABLE agent_states (
    seq      INTEGER PRIMARY KEY,
    agent    TEXT    NOT NULL,
    state    TEXT,
    reason   TEXT,
    station  TEXT,
    start_at INTEGER NOT NULL
);
CREATE INDEX agent_states_agent ON agent_states (agent);
CREATE VIEW agent_intervals AS
    SELECT s.seq, s.agent, s.state, s.reason, s.station, s.start_at,
           (SELECT y.start_at FROM agent_states y WHERE y.agent = s.agent AND y.seq > s.seq
            ORDER BY y.seq LIMIT 1) AS end_at
    FROM agent_states s WHERE s.state IS NOT NULL;
";

/// A database written by schema version 1 (projection tables with the index by agent and no
/// `end_at`) opens: the projections are dropped, created anew and rebuilt from the journal.
#[test]
fn a_version_1_database_opens_and_migrates() {
    use switchboard_core::model::AgentState::{Break, Ready};
    let dir = tempfile::tempdir().unwrap();
    let records = [
        record(1_000, state_change("ann", Ready)),
        record(2_000, state_change("bob", Ready)),
        record(5_000, state_change("ann", Break)),
        record(6_000, refusal(7)),
        record(9_000, state_change("ann", Ready)),
    ];
    {
        let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
        // Version 1 differed from version 2 in `agent_states` and its view only.
        conn.execute_batch(&format!(
            "BEGIN; {} {} {V1_AGENT_STATES} PRAGMA user_version = 1; COMMIT;",
            migrate::CORE_V1,
            projection::SCHEMA,
        ))
        .unwrap();
        for (seq, record) in records.iter().enumerate() {
            conn.execute(
                "INSERT INTO journal (seq, at, kind, contact, agent, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    seq as i64 + 1,
                    record.at.0,
                    record.event.kind(),
                    record.event.contact().map(|c| c.0 as i64),
                    record.event.agent().map(|a| a.as_str()),
                    serde_json::to_string(&record.event).unwrap(),
                ],
            )
            .unwrap();
        }
        // Version 1's projection rows (here: only some of them) are replaced by the rebuild.
        conn.execute(
            "INSERT INTO agent_states (seq, agent, state, start_at) VALUES (1, 'ann', 'Ready', 1000)",
            [],
        )
        .unwrap();
    }
    // A reader does not migrate.
    assert!(matches!(
        Store::open_existing(dir.path()).err().unwrap(),
        StoreError::UnsupportedVersion { found: 1, .. }
    ));
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let conn = store.connection();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .unwrap();
    assert_eq!(version, migrate::SCHEMA_VERSION);
    assert_eq!(store.last_seq(), 5);
    assert_eq!(
        store
            .read_journal(0, 10)
            .unwrap()
            .into_iter()
            .map(|e| e.record)
            .collect::<Vec<_>>(),
        records
    );
    let index: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name = 'agent_states_agent'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(index, 0);
    assert_eq!(rows(conn, "refusals"), 1);
    let row = |seq: i64, agent: &str, state: &str, start: i64, end: Option<i64>| {
        (seq, agent.to_owned(), state.to_owned(), start, end)
    };
    assert_eq!(
        intervals(conn),
        [
            row(1, "ann", "Ready", 1_000, Some(5_000)),
            row(2, "bob", "Ready", 2_000, None),
            row(3, "ann", "Break", 5_000, Some(9_000)),
            row(5, "ann", "Ready", 9_000, None),
        ]
    );
    // Version 3 added the journal's index by contact, built from the old entries.
    assert_eq!(
        store
            .contact_history(7, 10)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        [4]
    );
    // The projector picked up the open intervals: the next change closes them.
    store
        .append(&[record(12_000, state_change("bob", Break))])
        .unwrap();
    assert_eq!(intervals(store.connection())[1].4, Some(12_000));
    drop(store);
    assert_eq!(Store::open_existing(dir.path()).unwrap().last_seq(), 6);
}

/// The journal's `seq` is SQLite's next rowid: rows this store did not write are noticed,
/// and the batch is not written.
#[test]
fn a_journal_written_behind_the_stores_back_is_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    store.append(&[record(1, refusal(1))]).unwrap();
    store
        .connection()
        .execute(
            "INSERT INTO journal (seq, at, kind, payload) VALUES (5, 1, 'x', '{}')",
            [],
        )
        .unwrap();
    let error = store
        .append(&[record(2, refusal(2)), record(3, refusal(3))])
        .unwrap_err();
    assert!(
        matches!(
            error,
            StoreError::Numbering {
                expected: 3,
                found: 7
            }
        ),
        "{error}"
    );
    assert_eq!(store.last_seq(), 1);
    assert_eq!(rows(store.connection(), "refusals"), 1);
}

#[test]
fn a_contacts_history_joins_the_contact_index_and_the_journal_tail() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Durability::Normal).unwrap();
    let records = [
        record(1, refusal(7)),
        record(2, refusal(8)),
        record(
            3,
            Event::QueueRemoved {
                queue: QueueId::new("q"),
            },
        ),
        record(
            4,
            Event::CallbackExpired {
                contact: ContactId(7),
            },
        ),
        record(5, refusal(7)),
    ];
    store.append(&records).unwrap();
    let seqs = |store: &Store, contact, limit| {
        store
            .contact_history(contact, limit)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>()
    };
    // Nothing indexed yet: all from the journal's tail.
    assert_eq!(store.contact_index_upto().unwrap(), 0);
    assert_eq!(seqs(&store, 7, 10), [1, 4, 5]);
    // Indexed in steps (the server's idle work): the rest is the tail.
    assert_eq!(store.index_contacts(3).unwrap(), 2);
    assert_eq!(store.contact_index_upto().unwrap(), 3);
    assert_eq!(seqs(&store, 7, 10), [1, 4, 5]);
    assert_eq!(seqs(&store, 7, 2), [1, 4]);
    assert_eq!(store.index_contacts(100).unwrap(), 0);
    assert_eq!(
        store.index_contacts(100).unwrap(),
        0,
        "nothing left: a no-op"
    );
    assert_eq!(seqs(&store, 7, 10), [1, 4, 5]);
    assert_eq!(seqs(&store, 8, 10), [2]);
    assert!(seqs(&store, 9, 10).is_empty());
    assert_eq!(
        rows(store.connection(), "contact_entries"),
        4,
        "one row per entry naming a contact"
    );
    // Appended after the index: found in the tail, in order, no duplicate.
    store.append(&[record(6, refusal(7))]).unwrap();
    assert_eq!(seqs(&store, 7, 10), [1, 4, 5, 6]);
    // The indexed part is read through the table's key, not a scan of the journal.
    let plan: Vec<String> = store
        .connection()
        .prepare(
            "EXPLAIN QUERY PLAN SELECT j.seq FROM contact_entries c JOIN journal j ON j.seq = c.seq
             WHERE c.contact = 7 ORDER BY c.seq",
        )
        .unwrap()
        .query_map([], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<std::result::Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter()
            .any(|step| step.contains("SEARCH c USING PRIMARY KEY")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|step| step.starts_with("SCAN")),
        "{plan:?}"
    );
}
