//! The driver's failed-append path: when the journal cannot take a batch, every command of
//! the batch is answered `storage_unavailable` (nothing of it applied or sent to subscribers),
//! what was acknowledged before stays, the engine is reloaded from the journal, and the server
//! goes on serving.
//!
//! The fault is a real storage failure: another connection to the data directory's database
//! adds a trigger that aborts every insert into the journal (as a full disk or an I/O error
//! would fail the append's transaction), and drops it again to end the fault.

mod support;

use axum::response::IntoResponse;
use std::path::Path;
use support::{call_to_sales, start_driver, without_clock};
use switchboard_core::{Channel, Command, ContactId, Engine, Event, QueueConfig};
use switchboard_server::driver::{Actor, CommandError, Published};
use switchboard_server::error::ApiError;
use switchboard_store::Store;

/// Turns the fault on or off from a second connection, as an outside condition would.
fn journal_fault(dir: &Path, on: bool) {
    let conn = rusqlite::Connection::open(dir.join("switchboard.db")).unwrap();
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .unwrap();
    let sql = if on {
        "CREATE TRIGGER fault BEFORE INSERT ON journal \
         BEGIN SELECT RAISE(ABORT, 'injected storage fault'); END"
    } else {
        "DROP TRIGGER fault"
    };
    conn.execute_batch(sql).unwrap();
}

#[test]
fn a_failed_append_answers_storage_unavailable_loses_nothing_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let (driver, thread) = start_driver(dir.path());
        let mut feed = driver.subscribe();
        let queue = QueueConfig::new("sales", Channel::Voice);
        driver
            .execute(Command::ConfigureQueue(Box::new(queue)), Actor::Trusted)
            .await
            .unwrap();
        let first = driver
            .execute(call_to_sales("+3620"), Actor::Trusted)
            .await
            .unwrap();
        assert_eq!(first.receipt.contact, Some(ContactId(1)));
        let acknowledged = without_clock(&driver.read(|e| e.dump()).await.unwrap());

        journal_fault(dir.path(), true);
        let error = driver
            .execute(call_to_sales("+3620"), Actor::Trusted)
            .await
            .unwrap_err();
        assert!(matches!(error, CommandError::Storage(_)), "{error:?}");
        // What the client is told: 503 storage_unavailable.
        let response = ApiError::from(error).into_response();
        assert_eq!(response.status(), 503);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "storage_unavailable");
        // The engine was reloaded from the journal: the refused contact is not there, the
        // acknowledged one is.
        let reloaded = without_clock(&driver.read(|e| e.dump()).await.unwrap());
        assert_eq!(reloaded, acknowledged);
        assert_eq!(driver.read(|e| e.open_contacts()).await.unwrap(), 1);

        // The fault ends; the server serves again, numbering on from the journal.
        journal_fault(dir.path(), false);
        let after = driver
            .execute(call_to_sales("+3620"), Actor::Trusted)
            .await
            .unwrap();
        assert_eq!(after.receipt.contact, Some(ContactId(2)));
        assert_eq!(after.first_seq, first.last_seq + 1);
        let live = without_clock(&driver.read(|e| e.dump()).await.unwrap());
        // Subscribers were sent what was committed, and nothing of the failed batch.
        let mut published = Vec::new();
        while let Some(item) = feed.try_recv() {
            if let Published::Event(entry) = item.unwrap() {
                published.push((entry.seq, entry.record.clone()));
            }
        }
        driver.shutdown().await;
        thread.join().unwrap();

        // Everything acknowledged is in the journal, and only that.
        let store = Store::open_existing(dir.path()).unwrap();
        let entries = store.read_journal(0, 1_000).unwrap();
        assert_eq!(entries.last().unwrap().seq, after.last_seq);
        let arrivals: Vec<ContactId> = entries
            .iter()
            .filter_map(|e| match e.record.event {
                Event::ContactArrived { contact, .. } => Some(contact),
                _ => None,
            })
            .collect();
        assert_eq!(arrivals, [ContactId(1), ContactId(2)]);
        let journaled: Vec<_> = entries.iter().map(|e| (e.seq, e.record.clone())).collect();
        assert_eq!(published, journaled);
        let mut replayed = Engine::default();
        replayed.replay(entries.iter().map(|e| &e.record));
        assert_eq!(without_clock(&replayed.dump()), live);
    });
}
