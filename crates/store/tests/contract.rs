//! The store's contract, run against both implementations: the embedded SQLite `Store` and a
//! domain of the PostgreSQL cluster store (`DomainWriter`) on a real PostgreSQL server started
//! by the test (crates/pgtest). One suite, two backends; then what only the cluster store has:
//! domains that do not see each other, and the lease fence.

use std::time::Duration;
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{AgentId, ContactId, QueueId, StationId};
use switchboard_core::model::RefusalReason;
use switchboard_core::time::Timestamp;
use switchboard_store::postgres::{Cluster, DomainWriter, Held};
use switchboard_store::{Durability, Journal, Snapshot, Store, StoreError};

fn record(at: i64, event: Event) -> EventRecord {
    EventRecord {
        at: Timestamp(at),
        event,
    }
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

/// A journal of `n` entries about a few contacts, times never going back.
fn journal(n: u64) -> Vec<EventRecord> {
    (0..n)
        .map(|i| {
            if i % 5 == 4 {
                record(
                    1_000 + i as i64,
                    Event::QueueRemoved {
                        queue: QueueId::new(&format!("q{i}")),
                    },
                )
            } else {
                record(1_000 + i as i64, refusal(i % 7))
            }
        })
        .collect()
}

/// Opens a journal of one backend; `reopen` gives a new writer on the same data (what a
/// restart, or a new owner of the domain, gets).
trait Backend {
    fn open(&mut self) -> Box<dyn Journal>;
    fn name(&self) -> &'static str;
}

struct Sqlite {
    dir: tempfile::TempDir,
}

impl Backend for Sqlite {
    fn open(&mut self) -> Box<dyn Journal> {
        Box::new(Store::open(self.dir.path(), Durability::Normal).unwrap())
    }
    fn name(&self) -> &'static str {
        "sqlite"
    }
}

struct Postgres {
    runtime: tokio::runtime::Runtime,
    cluster: Cluster,
    domain: String,
    /// The test's own database.
    database: String,
    /// Each open is a new owner: the lease is taken again, a new epoch.
    opens: u32,
}

impl Postgres {
    fn new(domain: &str) -> Postgres {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let url = switchboard_pgtest::shared().database();
        let cluster = runtime.block_on(Cluster::connect(&url, 4)).unwrap();
        assert!(runtime.block_on(cluster.create_domain(domain, 0)).unwrap());
        Postgres {
            runtime,
            cluster,
            domain: domain.into(),
            database: url.rsplit('/').next().unwrap().to_string(),
            opens: 0,
        }
    }

    /// Takes the domain's lease for `node` (after the previous one's, given up) and opens its
    /// writer at the new epoch.
    fn owner(&self, node: &str) -> (Held, DomainWriter) {
        let held = self
            .runtime
            .block_on(
                self.cluster
                    .acquire(node, "http://x", Duration::from_secs(60), 100),
            )
            .unwrap()
            .into_iter()
            .find(|h| h.domain == self.domain)
            .expect("the free lease is taken");
        let writer = self
            .runtime
            .block_on(DomainWriter::open(
                &self.cluster,
                &self.domain,
                node,
                held.epoch,
                self.runtime.handle().clone(),
            ))
            .unwrap();
        (held, writer)
    }
}

impl Backend for Postgres {
    fn open(&mut self) -> Box<dyn Journal> {
        self.opens += 1;
        let node = format!("n{}", self.opens);
        // The previous owner gives the lease up, as on a graceful stop.
        let previous = format!("n{}", self.opens - 1);
        for domain in self.runtime.block_on(self.cluster.domains()).unwrap() {
            if domain.owner.as_deref() == Some(previous.as_str()) {
                let held = Held {
                    domain: domain.domain,
                    epoch: domain.epoch,
                };
                assert!(
                    self.runtime
                        .block_on(self.cluster.release(&previous, &held))
                        .unwrap()
                );
            }
        }
        Box::new(self.owner(&node).1)
    }
    fn name(&self) -> &'static str {
        "postgres"
    }
}

fn backends() -> Vec<Box<dyn Backend>> {
    vec![
        Box::new(Sqlite {
            dir: tempfile::tempdir().unwrap(),
        }),
        Box::new(Postgres::new("default")),
    ]
}

fn entries(journal: &dyn Journal, after: u64, limit: Option<usize>) -> Vec<(u64, EventRecord)> {
    let mut out = Vec::new();
    journal
        .for_each_entry(after, limit, &mut |entry| {
            out.push((entry.seq, entry.record));
            Ok(())
        })
        .unwrap();
    out
}

#[test]
fn appends_are_numbered_consecutively_and_read_back_in_order_after_reopening() {
    for mut backend in backends() {
        let records = journal(5000);
        {
            let mut writer = backend.open();
            assert_eq!(writer.last_seq(), 0, "{}", backend.name());
            assert_eq!(writer.append(&[]).unwrap(), 1);
            assert_eq!(writer.append(&records[..1]).unwrap(), 1);
            assert_eq!(writer.append(&records[1..4500]).unwrap(), 2);
            assert_eq!(writer.last_seq(), 4500);
        }
        let mut writer = backend.open();
        assert_eq!(writer.last_seq(), 4500, "{}", backend.name());
        assert_eq!(writer.append(&records[4500..]).unwrap(), 4501);
        let all = entries(&*writer, 0, None);
        assert_eq!(all.len(), 5000, "{}", backend.name());
        for (index, (seq, record)) in all.iter().enumerate() {
            assert_eq!(*seq, index as u64 + 1);
            assert_eq!(record, &records[index], "{}: entry {seq}", backend.name());
        }
        let page = entries(&*writer, 4096, Some(3));
        assert_eq!(
            page.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
            [4097, 4098, 4099],
            "{}",
            backend.name()
        );
        assert!(entries(&*writer, 5000, None).is_empty());
    }
}

#[test]
fn entries_going_back_in_time_are_refused_and_nothing_is_written() {
    for mut backend in backends() {
        let mut writer = backend.open();
        writer.append(&journal(3)).unwrap();
        let back = [record(5_000, refusal(1)), record(4_999, refusal(2))];
        let error = writer.append(&back).unwrap_err();
        assert!(
            matches!(error, StoreError::TimeWentBack { .. }),
            "{}: {error}",
            backend.name()
        );
        let earlier = [record(999, refusal(1))];
        assert!(writer.append(&earlier).is_err(), "{}", backend.name());
        assert_eq!(writer.last_seq(), 3);
        assert_eq!(entries(&*writer, 0, None).len(), 3, "{}", backend.name());
        assert_eq!(writer.append(&[record(5_000, refusal(1))]).unwrap(), 4);
    }
}

#[test]
fn the_newest_snapshot_of_a_format_is_found_and_older_formats_are_not() {
    for mut backend in backends() {
        let mut writer = backend.open();
        assert_eq!(
            writer.latest_snapshot(3).unwrap(),
            None,
            "{}",
            backend.name()
        );
        writer.append(&journal(10)).unwrap();
        for (seq, format) in [(4, 3), (8, 3), (9, 2)] {
            writer
                .save_snapshot(&Snapshot {
                    seq,
                    format,
                    state: format!("state at {seq}").into_bytes(),
                })
                .unwrap();
        }
        let latest = writer.latest_snapshot(3).unwrap().unwrap();
        assert_eq!((latest.seq, latest.state), (8, b"state at 8".to_vec()));
        assert_eq!(writer.latest_snapshot(2).unwrap().unwrap().seq, 9);
        assert_eq!(
            writer.latest_snapshot(4).unwrap(),
            None,
            "{}",
            backend.name()
        );
        drop(writer);
        let writer = backend.open();
        assert_eq!(writer.latest_snapshot(3).unwrap().unwrap().seq, 8);
    }
}

#[test]
fn the_contact_index_catches_up_in_steps() {
    for mut backend in backends() {
        let mut writer = backend.open();
        writer.append(&journal(100)).unwrap();
        assert_eq!(
            writer.contact_index_upto().unwrap(),
            0,
            "{}",
            backend.name()
        );
        assert_eq!(writer.index_contacts(60).unwrap(), 40, "{}", backend.name());
        assert_eq!(writer.contact_index_upto().unwrap(), 60);
        assert_eq!(writer.index_contacts(60).unwrap(), 0);
        assert_eq!(writer.contact_index_upto().unwrap(), 100);
        assert_eq!(writer.index_contacts(60).unwrap(), 0, "{}", backend.name());
    }
}

#[test]
fn domains_of_one_database_do_not_see_each_other() {
    let a = Postgres::new("alpha");
    let cluster = a.cluster.clone();
    a.runtime
        .block_on(cluster.create_domain("beta", 0))
        .unwrap();
    let (_, mut alpha) = a.owner("n1");
    alpha.append(&journal(10)).unwrap();
    let beta = a
        .runtime
        .block_on(DomainWriter::open(
            &cluster,
            "beta",
            "n1",
            1,
            a.runtime.handle().clone(),
        ))
        .unwrap();
    assert_eq!(beta.last_seq(), 0);
    assert!(entries(&beta, 0, None).is_empty());
    let read = a
        .runtime
        .block_on(cluster.domain("beta").read_journal(0, 100))
        .unwrap();
    assert!(read.is_empty());
    assert_eq!(
        a.runtime
            .block_on(cluster.domain("alpha").read_journal(0, 100))
            .unwrap()
            .len(),
        10
    );
}

#[test]
fn a_deposed_owner_cannot_append_or_snapshot() {
    let pg = Postgres::new("fenced");
    let (held, mut old) = pg.owner("n1");
    let first_epoch = held.epoch;
    old.append(&journal(3)).unwrap();
    // n1 stops renewing; its lease runs out and n2 takes the domain (a new epoch).
    pg.runtime
        .block_on(
            pg.cluster
                .renew("n1", std::slice::from_ref(&held), Duration::ZERO),
        )
        .unwrap();
    let (taken, mut new) = pg.owner("n2");
    assert_eq!(taken.epoch, held.epoch + 1);
    let error = old.append(&[record(2_000, refusal(1))]).unwrap_err();
    assert!(matches!(error, StoreError::Fenced { .. }), "{error}");
    assert!(error.is_retriable());
    let snapshot = Snapshot {
        seq: 3,
        format: 3,
        state: b"stale".to_vec(),
    };
    assert!(matches!(
        old.save_snapshot(&snapshot),
        Err(StoreError::Fenced { .. })
    ));
    // The old owner's renewal fails too: it no longer holds the lease.
    let kept = pg
        .runtime
        .block_on(pg.cluster.renew("n1", &[held], Duration::from_secs(60)))
        .unwrap();
    assert!(kept.is_empty());
    assert_eq!(new.last_seq(), 3);
    assert_eq!(new.append(&[record(2_000, refusal(2))]).unwrap(), 4);
    let epochs = switchboard_pgtest::shared().psql(
        &pg.database,
        "SELECT string_agg(seq || ':' || epoch, ',' ORDER BY seq) FROM journal WHERE domain = 'fenced'",
    );
    let e = first_epoch;
    assert_eq!(epochs, format!("1:{e},2:{e},3:{e},4:{}", e + 1));
}
