//! Every report over the cluster store (PostgreSQL, one routing domain) gives the same bytes
//! as over the embedded store (SQLite) for the same journal, appended in the same batches:
//! the hand-built journal of `reports.rs` and a long mixed one that spans several marks,
//! each in a domain of its own in one database.

mod common;

use common::{at, journal};
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::AgentId;
use switchboard_core::model::AgentState;
use switchboard_core::time::Timestamp;
use switchboard_reports::{
    ReportError, ReportRequest, write_report, write_report_pg, write_report_pg_in,
};
use switchboard_store::Store;
use switchboard_store::postgres::projection::SCHEMA;
use switchboard_store::projection::fixtures::{append_to_both, mixed_journal};
use tokio_postgres::{Client, NoTls};

const REPORTS: [&str; 5] = [
    "agent-refusal",
    "completed-callbacks",
    "agent-state-log",
    "contact-closure",
    "callback-monitor",
];

async fn connect() -> Client {
    let url = switchboard_pgtest::shared().database();
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(SCHEMA).await.unwrap();
    client
}

/// Each report for each request over both stores: the same bytes, and the same row count.
/// Returns the number of non-empty outputs compared.
async fn compare(
    store: &Store,
    client: &mut Client,
    domain: &str,
    requests: &[Vec<(&str, &str)>],
    nows: &[Timestamp],
) -> usize {
    let mut compared = 0;
    for name in REPORTS {
        for pairs in requests {
            for format in ["csv", "tsv", "json", "xml"] {
                let mut pairs = pairs.clone();
                pairs.push(("format", format));
                let request = ReportRequest::from_pairs(name, pairs.iter().copied()).unwrap();
                for &now in nows {
                    let mut sqlite = Vec::new();
                    let sqlite_rows =
                        write_report(store.connection(), &request, now, &mut sqlite).unwrap();
                    let mut postgres = Vec::new();
                    let postgres_rows =
                        write_report_pg(client, domain, &request, now, &mut postgres)
                            .await
                            .unwrap();
                    if postgres != sqlite {
                        let (postgres, sqlite) = (
                            String::from_utf8(postgres).unwrap(),
                            String::from_utf8(sqlite).unwrap(),
                        );
                        // The first line that differs, not two whole reports.
                        let line = postgres
                            .lines()
                            .zip(sqlite.lines())
                            .position(|(p, s)| p != s)
                            .unwrap_or(postgres.lines().count().min(sqlite.lines().count()));
                        panic!(
                            "{domain}: {name} {pairs:?} now {now:?}: line {line} differs\n\
                             PostgreSQL: {:?}\nSQLite:     {:?}",
                            postgres.lines().nth(line),
                            sqlite.lines().nth(line)
                        );
                    }
                    assert_eq!(postgres_rows, sqlite_rows, "{domain}: {name} {pairs:?}");
                    compared += usize::from(sqlite_rows > 0);
                }
            }
        }
    }
    compared
}

/// The hand-built journal (two days around Budapest's DST change, every report's cases) in
/// two batches, as `reports.rs` appends it (the PostgreSQL projector reloaded between them).
#[tokio::test]
async fn every_report_is_the_same_over_postgres_for_the_hand_built_journal() {
    let mut client = connect().await;
    let dir = tempfile::tempdir().unwrap();
    let records = journal();
    let store = append_to_both(dir.path(), &mut client, "hand", &records, &[12, 1_000], 1).await;
    let requests: Vec<Vec<(&str, &str)>> = vec![
        // Everything.
        vec![
            ("from", "2026-03-28"),
            ("to", "2026-03-29"),
            ("tz", "Europe/Budapest"),
        ],
        // Windows that cut through intervals, callbacks and the DST change, one a day.
        vec![
            ("from", "2026-03-28"),
            ("to", "2026-03-29"),
            ("start", "08:20"),
            ("end", "03:30"),
            ("tz", "Europe/Budapest"),
        ],
        vec![("from", "2026-03-29"), ("lang", "hu"), ("no-header", "1")],
        // Nothing.
        vec![("from", "2020-01-01")],
    ];
    let nows = [at("2026-03-31T12:00:00Z"), at("2026-03-29T07:12:00Z")];
    let compared = compare(&store, &mut client, "hand", &requests, &nows).await;
    assert!(compared > 50, "{compared}");
}

/// A long mixed journal (every projection table, several marks, state intervals carried
/// into windows) in batches of many sizes (the projector reloaded halfway), with another
/// domain's rows in the same tables.
#[tokio::test]
async fn every_report_is_the_same_over_postgres_for_a_long_mixed_journal() {
    let mut client = connect().await;
    // 2023-11-14T22:13:20Z on: about three hours.
    let start = 1_700_000_000_000;
    let records = mixed_journal(11, 9_000, start);
    let other = mixed_journal(12, 2_000, start);
    let (dir, other_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = append_to_both(
        dir.path(),
        &mut client,
        "mixed",
        &records,
        &[40, 1, 300, 7],
        50,
    )
    .await;
    let _other = append_to_both(other_dir.path(), &mut client, "other", &other, &[100], 5).await;
    let end = records.last().unwrap().at;
    assert!(end.0 - start > 2 * 3_600_000, "{end:?}");
    let requests: Vec<Vec<(&str, &str)>> = vec![
        vec![("from", "2023-11-14"), ("to", "2023-11-15")],
        // Three windows of half an hour, cutting through everything.
        vec![
            ("from", "2023-11-14"),
            ("to", "2023-11-16"),
            ("start", "00:05"),
            ("end", "00:35"),
        ],
        vec![("from", "2023-11-14"), ("start", "23:17"), ("end", "23:18")],
        vec![
            ("from", "2023-11-15"),
            ("tz", "Europe/Budapest"),
            ("start", "00:00"),
            ("end", "01:40"),
        ],
    ];
    let nows = [Timestamp(end.0 + 86_400_000), Timestamp(start + 5_000_000)];
    let compared = compare(&store, &mut client, "mixed", &requests, &nows).await;
    assert!(compared > 100, "{compared}");
}

/// A report over PostgreSQL can be spawned on a multi-threaded runtime (its future is
/// `Send` when the output is); inside the caller's own transaction it gives the same bytes;
/// and a failing query is a `postgres` error, not input.
#[tokio::test]
async fn the_postgres_report_is_send_and_its_errors_are_the_stores() {
    fn assert_send<T: Send>(_: &T) {}
    let mut client = connect().await;
    let dir = tempfile::tempdir().unwrap();
    append_to_both(dir.path(), &mut client, "d", &journal(), &[100], 1).await;
    let request = ReportRequest::from_pairs("agent-refusal", [("from", "2026-03-28")]).unwrap();
    let now = at("2026-03-29T00:00:00Z");
    let mut out = Vec::new();
    let future = write_report_pg(&mut client, "d", &request, now, &mut out);
    assert_send(&future);
    assert_eq!(future.await.unwrap(), 2);
    let transaction = client.transaction().await.unwrap();
    let mut inside = Vec::new();
    let future = write_report_pg_in(&transaction, "d", &request, now, &mut inside);
    assert_send(&future);
    assert_eq!(future.await.unwrap(), 2);
    assert_eq!(inside, out);
    transaction.commit().await.unwrap();
    client
        .batch_execute("DROP TABLE refusals CASCADE")
        .await
        .unwrap();
    let error: ReportError = write_report_pg(&mut client, "d", &request, now, &mut out)
        .await
        .unwrap_err();
    assert_eq!(error.code(), "postgres");
    assert!(!error.is_input());
}

/// Names are ordered by their bytes, as SQLite orders them, even in a database whose own
/// collation is a language's (ICU English puts `ann` before `Zed`; bytes put `Zed` first):
/// the agent-state log lists the states carried into a window by agent id.
#[tokio::test]
async fn names_are_ordered_by_bytes_in_a_database_with_a_language_collation() {
    let server = switchboard_pgtest::shared();
    let name = format!("icu_en_{}", std::process::id());
    server.psql(
        "postgres",
        &format!(
            "CREATE DATABASE {name} LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C' \
             TEMPLATE template0"
        ),
    );
    let (mut client, connection) = tokio_postgres::connect(&server.url(&name), NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client.batch_execute(SCHEMA).await.unwrap();
    let english: bool = client
        .query_one("SELECT 'ann' < 'Zed'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(english, "the database's collation should put ann first");
    let state = |who: &str, at: &str| EventRecord {
        at: common::at(at),
        event: Event::AgentStateChanged {
            agent: AgentId::new(who),
            state: AgentState::Ready,
            reason: None,
            station: None,
        },
    };
    let records = [
        state("ann", "2026-03-28T08:00:00Z"),
        state("Zed", "2026-03-28T09:00:00Z"),
        state("bob", "2026-03-28T10:00:00Z"),
    ];
    let dir = tempfile::tempdir().unwrap();
    let store = append_to_both(dir.path(), &mut client, "d", &records, &[3], 1).await;
    let requests = vec![vec![("from", "2026-03-29")]];
    let compared = compare(
        &store,
        &mut client,
        "d",
        &requests,
        &[at("2026-03-30T00:00:00Z")],
    )
    .await;
    assert!(compared > 0);
}
