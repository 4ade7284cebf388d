//! Durable throughput on PostgreSQL (docs/benchmarks.md, "Durable throughput on PostgreSQL"):
//! engine events committed per second through a cluster domain's [`DomainWriter`] ÷ raw
//! PostgreSQL inserts of the same journal rows in the same transactions, on the same server.
//!
//! A `harness = false` benchmark that prints two tables. It starts its own PostgreSQL
//! (`switchboard_pgtest::Server::start` with `fsync` on: every commit waits for the disk, as in
//! production) and plays the workload of `durable.rs` (`common/mod.rs`: 100 agents, 24,000
//! contacts against the real engine on a virtual clock, every event kept). Each path gets a
//! fresh database on that server; the workload's first part is written untimed in batches of
//! [`WARMUP_BATCH`] events, then a `CHECKPOINT`, then the timed window. The three paths of a
//! table run **interleaved** (a few transactions of one, then of the next, the order rotating),
//! each timing only its own transactions: the machine is shared, and a slow stretch of its disk
//! or CPU then falls on all three alike instead of on whichever ran then.
//!
//! - **durable**: a domain created and leased as a node does (`Cluster::create_domain`,
//!   `Cluster::acquire`), then ONE `Journal::append` of `DomainWriter` per batch — the
//!   server's path: the fenced transaction (the lease row read `FOR SHARE`), serialization,
//!   the journal rows in one `UNNEST` insert, the projection rows (`PgProjector`), commit;
//! - **raw UNNEST** (the strong baseline): the same rows, serialized beforehand (domain, seq,
//!   at, kind, contact, agent, payload, epoch), into the cluster schema's own `journal` table,
//!   with ONE prepared `INSERT … SELECT … FROM UNNEST(arrays)` per transaction — the journal
//!   insert `DomainWriter` itself runs, without the fence and the projections;
//! - **raw single-row** (the plain baseline): the same rows with one prepared single-row
//!   `INSERT` per row, each awaited before the next;
//! - **journal only** (the breakdown, tables of event batches only): `DomainWriter::append`'s
//!   own statements, sent as it sends them (fence, serialization, the unprepared `UNNEST`
//!   insert), without the projection: durable ÷ journal only is the projections' share, and
//!   journal only ÷ raw UNNEST the fence's, the serialization's and the extra round trips'.
//!
//! Both raw paths use the same client library (tokio-postgres), the same runtime and the same
//! `BEGIN … COMMIT` boundaries. After each run the three journals are compared (an md5 over
//! every column of every row): the comparison is fair only if they hold the same rows.
//!
//! A second table replays the workload's *commands* through a fresh engine, 1, 64 or 512
//! commands per transaction, one `DomainWriter::append` of their events per batch (the
//! driver's group commit), against both raw paths with the rows of the same commands per
//! transaction. The order of the paths rotates from round to round; the tables give medians of
//! the rounds and of the per-round ratios.
//!
//! Run: `cargo bench -p switchboard-store --bench durable_pg`
//! Options (environment): `DURABLE_ROUNDS` (default 3), `DURABLE_SCALE` (default 1.0: scales
//! the timed windows), `DURABLE_PG_SYNC` (`on`, the default, or `off`: the databases'
//! `synchronous_commit`, to see the cost without the commit's fsync wait).

mod common;

use common::{Flat, Row, WARMUP_BATCH, env_or, flat_workload, median, ratio_cell};
use std::time::{Duration, Instant};
use switchboard_core::{Command, Engine, EventRecord, Output, Timestamp};
use switchboard_pgtest::{Options, Server};
use switchboard_store::Journal;
use switchboard_store::postgres::{Cluster, DomainWriter};
use tokio::runtime::Runtime;

const DOMAIN: &str = "bench";
const NODE: &str = "n1";

/// `DomainWriter`'s journal insert (crates/store/src/postgres/mod.rs), prepared once.
const UNNEST_INSERT: &str =
    "INSERT INTO journal (domain, seq, at, kind, contact, agent, payload, epoch)
     SELECT $1, s, a, k, c, g, p, $2
     FROM UNNEST($3::bigint[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::text[])
          AS t(s, a, k, c, g, p)";

const SINGLE_INSERT: &str =
    "INSERT INTO journal (domain, seq, at, kind, contact, agent, payload, epoch)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// The PostgreSQL server and what each run needs of it.
struct Pg {
    server: Server,
    runtime: Runtime,
    sync: String,
}

/// A fresh database of the server with the cluster schema (every table of `serve --store`).
struct Db {
    name: String,
    url: String,
    cluster: Cluster,
}

impl Pg {
    fn fresh(&self) -> Db {
        let url = self.server.database();
        let name = url.rsplit('/').next().expect("a name").to_string();
        self.server.psql(
            "postgres",
            &format!(
                "ALTER DATABASE {name} SET synchronous_commit = {}",
                self.sync
            ),
        );
        let cluster = self
            .runtime
            .block_on(Cluster::connect(&url, 4))
            .expect("connect and create the schema");
        Db { name, url, cluster }
    }

    fn drop_db(&self, db: Db) {
        drop(db.cluster);
        self.server.psql(
            "postgres",
            &format!("DROP DATABASE {} WITH (FORCE)", db.name),
        );
    }

    fn checkpoint(&self, db: &Db) {
        self.server.psql(&db.name, "CHECKPOINT");
    }

    /// md5 of every column of every journal row, in `seq` order.
    fn journal_digest(&self, db: &Db) -> String {
        self.server.psql(
            &db.name,
            "SELECT count(*) || ':' || md5(string_agg(concat_ws('|', domain, seq, at, kind, contact, agent, payload, epoch), E'\\n' ORDER BY seq)) FROM journal",
        )
    }

    /// The domain created and leased as a node does; its writer.
    fn writer(&self, db: &Db) -> DomainWriter {
        self.runtime.block_on(async {
            assert!(db.cluster.create_domain(DOMAIN, 0).await.expect("create"));
            let held = db
                .cluster
                .acquire(NODE, "http://127.0.0.1:1", Duration::from_secs(3600), 1)
                .await
                .expect("acquire");
            assert_eq!(held.len(), 1, "the lease");
            assert_eq!(held[0].epoch, EPOCH);
            DomainWriter::open(
                &db.cluster,
                DOMAIN,
                NODE,
                held[0].epoch,
                self.runtime.handle().clone(),
            )
            .await
            .expect("open the writer")
        })
    }

    /// A plain connection to the database for the raw paths.
    fn raw_client(&self, db: &Db) -> tokio_postgres::Client {
        self.runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&db.url, tokio_postgres::NoTls)
                .await
                .expect("connect");
            tokio::spawn(connection);
            client
        })
    }
}

/// The epoch of a domain's first lease (what the raw rows carry).
const EPOCH: i64 = 1;

/// How a raw path inserts a transaction's rows.
#[derive(Clone, Copy, PartialEq)]
enum Raw {
    Unnest,
    SingleRow,
}

/// A raw path's connection and its prepared statement.
struct RawWriter {
    client: tokio_postgres::Client,
    statement: tokio_postgres::Statement,
    how: Raw,
}

impl RawWriter {
    fn new(pg: &Pg, db: &Db, how: Raw) -> RawWriter {
        let client = pg.raw_client(db);
        let sql = match how {
            Raw::Unnest => UNNEST_INSERT,
            Raw::SingleRow => SINGLE_INSERT,
        };
        let statement = pg.runtime.block_on(client.prepare(sql)).expect("prepare");
        RawWriter {
            client,
            statement,
            how,
        }
    }

    /// One transaction of pre-serialized rows.
    fn transaction(&mut self, runtime: &Runtime, rows: &[&Row]) {
        runtime.block_on(async {
            let tx = self.client.transaction().await.expect("begin");
            match self.how {
                Raw::Unnest => {
                    let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                    let ats: Vec<i64> = rows.iter().map(|r| r.at).collect();
                    let kinds: Vec<&str> = rows.iter().map(|r| r.kind).collect();
                    let contacts: Vec<Option<i64>> = rows.iter().map(|r| r.contact).collect();
                    let agents: Vec<Option<&str>> =
                        rows.iter().map(|r| r.agent.as_deref()).collect();
                    let payloads: Vec<&str> = rows.iter().map(|r| r.payload.as_str()).collect();
                    let n = tx
                        .execute(
                            &self.statement,
                            &[
                                &DOMAIN, &EPOCH, &seqs, &ats, &kinds, &contacts, &agents, &payloads,
                            ],
                        )
                        .await
                        .expect("insert");
                    assert_eq!(n as usize, rows.len());
                }
                Raw::SingleRow => {
                    for r in rows {
                        tx.execute(
                            &self.statement,
                            &[
                                &DOMAIN,
                                &r.seq,
                                &r.at,
                                &r.kind,
                                &r.contact,
                                &r.agent.as_deref(),
                                &r.payload.as_str(),
                                &EPOCH,
                            ],
                        )
                        .await
                        .expect("insert");
                    }
                }
            }
            tx.commit().await.expect("commit");
        })
    }
}

/// One path's result: elapsed time (its share of the interleaved window), events, and the
/// journal's digest.
struct Run {
    elapsed: Duration,
    events: usize,
    digest: String,
}

impl Run {
    fn rate(&self) -> f64 {
        self.events as f64 / self.elapsed.as_secs_f64()
    }
}

/// What a lane writes with.
enum Writer<'a> {
    /// `DomainWriter::append` of batches of events.
    Events(DomainWriter, &'a [EventRecord]),
    /// Batches of commands through an engine, then one `DomainWriter::append` of their events.
    Commands(
        DomainWriter,
        Box<Engine>,
        Vec<EventRecord>,
        &'a [(Timestamp, Command)],
    ),
    /// A raw path: groups of pre-serialized rows (one event's, or one command's).
    Raw(RawWriter, Vec<&'a Row>, &'a [&'a [Row]]),
    /// For the breakdown: `DomainWriter::append`'s statements without the projection.
    JournalOnly(tokio_postgres::Client, u64, &'a [EventRecord]),
}

/// One path on a fresh database: its writer, its timed input, and the time spent in it.
struct Lane<'a> {
    db: Db,
    writer: Writer<'a>,
    batch: usize,
    elapsed: Duration,
    events: usize,
}

impl<'a> Lane<'a> {
    /// Transaction `i` of the timed window (untimed: `warm`); the events it wrote.
    fn transaction(&mut self, pg: &Pg, i: usize) -> usize {
        let b = self.batch;
        match &mut self.writer {
            Writer::Events(writer, timed) => {
                let chunk = &timed[i * b..((i + 1) * b).min(timed.len())];
                writer.append(chunk).expect("append");
                chunk.len()
            }
            Writer::Commands(writer, engine, events, timed) => {
                let chunk = &timed[i * b..((i + 1) * b).min(timed.len())];
                run_commands(writer, engine, events, chunk)
            }
            Writer::JournalOnly(client, seq, timed) => {
                let chunk = &timed[i * b..((i + 1) * b).min(timed.len())];
                pg.runtime.block_on(journal_only(client, *seq + 1, chunk));
                *seq += chunk.len() as u64;
                chunk.len()
            }
            Writer::Raw(writer, rows, timed) => {
                let chunk = &timed[i * b..((i + 1) * b).min(timed.len())];
                rows.clear();
                rows.extend(chunk.iter().flat_map(|g| g.iter()));
                if rows.is_empty() {
                    // As an append of no events writes nothing.
                    return 0;
                }
                writer.transaction(&pg.runtime, rows);
                rows.len()
            }
        }
    }

    fn finish(self, pg: &Pg) -> Run {
        match self.writer {
            Writer::Events(writer, _) | Writer::Commands(writer, ..) => drop(writer),
            Writer::Raw(writer, ..) => drop(writer),
            Writer::JournalOnly(client, ..) => drop(client),
        }
        let digest = pg.journal_digest(&self.db);
        pg.drop_db(self.db);
        Run {
            elapsed: self.elapsed,
            events: self.events,
            digest,
        }
    }
}

/// `commands` through the engine, then ONE append of their events (the driver's group commit).
fn run_commands(
    writer: &mut DomainWriter,
    engine: &mut Engine,
    events: &mut Vec<EventRecord>,
    commands: &[(Timestamp, Command)],
) -> usize {
    events.clear();
    for (at, command) in commands {
        if let Err(rejection) = engine.handle_command(*at, command.clone()) {
            panic!("the replayed workload diverged: {rejection:?}");
        }
        while let Some(output) = engine.poll_output() {
            if let Output::Event(record) = output {
                events.push(record);
            }
        }
    }
    writer.append(events).expect("append");
    events.len()
}

/// What `DomainWriter::append` does (crates/store/src/postgres/writer.rs), its projection
/// left out: each event serialized, then the fence and the journal rows' `UNNEST` insert as
/// typed statements sent together (one round trip), then the commit.
async fn journal_only(client: &mut tokio_postgres::Client, first: u64, records: &[EventRecord]) {
    use tokio_postgres::types::Type;
    let tx = client.transaction().await.expect("begin");
    let mut seqs = Vec::with_capacity(records.len());
    let mut ats = Vec::with_capacity(records.len());
    let mut kinds = Vec::with_capacity(records.len());
    let mut contacts = Vec::with_capacity(records.len());
    let mut agents = Vec::with_capacity(records.len());
    let mut payloads = Vec::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        seqs.push((first + index as u64) as i64);
        ats.push(record.at.0);
        kinds.push(record.event.kind());
        contacts.push(record.event.contact().map(|c| c.0 as i64));
        agents.push(record.event.agent().map(|a| a.as_str()));
        payloads.push(serde_json::to_string(&record.event).expect("serialize"));
    }
    let fence_params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 3] = [
        (&DOMAIN, Type::TEXT),
        (&NODE, Type::TEXT),
        (&EPOCH, Type::INT8),
    ];
    let insert_params: [(&(dyn tokio_postgres::types::ToSql + Sync), Type); 8] = [
        (&DOMAIN, Type::TEXT),
        (&EPOCH, Type::INT8),
        (&seqs, Type::INT8_ARRAY),
        (&ats, Type::INT8_ARRAY),
        (&kinds, Type::TEXT_ARRAY),
        (&contacts, Type::INT8_ARRAY),
        (&agents, Type::TEXT_ARRAY),
        (&payloads, Type::TEXT_ARRAY),
    ];
    let (holds, inserted) = tokio::join!(
        tx.query_typed(
            "SELECT 1 FROM domain_leases WHERE domain = $1 AND owner = $2 AND epoch = $3
             FOR SHARE",
            &fence_params,
        ),
        tx.execute_typed(
            "INSERT INTO journal (domain, seq, at, kind, contact, agent, payload, epoch)
             SELECT $1, s, a, k, c, g, p, $2
             FROM UNNEST($3, $4, $5, $6, $7, $8) AS t(s, a, k, c, g, p)",
            &insert_params,
        ),
    );
    assert!(!holds.expect("fence").is_empty(), "the lease");
    inserted.expect("insert");
    tx.commit().await.expect("commit");
}

/// The journal-only lane of a table of event batches (the domain leased as for
/// `DomainWriter`, whose lease row the fence reads).
fn journal_lane<'a>(
    pg: &Pg,
    prefix: &[EventRecord],
    timed: &'a [EventRecord],
    batch: usize,
) -> Lane<'a> {
    let db = pg.fresh();
    drop(pg.writer(&db));
    let mut client = pg.raw_client(&db);
    let mut seq = 0;
    for chunk in prefix.chunks(WARMUP_BATCH) {
        pg.runtime
            .block_on(journal_only(&mut client, seq + 1, chunk));
        seq += chunk.len() as u64;
    }
    Lane {
        db,
        writer: Writer::JournalOnly(client, seq, timed),
        batch,
        elapsed: Duration::ZERO,
        events: 0,
    }
}

/// The DomainWriter lane of a table of event batches: the prefix written untimed.
fn events_lane<'a>(
    pg: &Pg,
    prefix: &[EventRecord],
    timed: &'a [EventRecord],
    batch: usize,
) -> Lane<'a> {
    let db = pg.fresh();
    let mut writer = pg.writer(&db);
    for chunk in prefix.chunks(WARMUP_BATCH) {
        writer.append(chunk).expect("append");
    }
    Lane {
        db,
        writer: Writer::Events(writer, timed),
        batch,
        elapsed: Duration::ZERO,
        events: 0,
    }
}

/// The engine + DomainWriter lane of a table of command batches.
fn commands_lane<'a>(
    pg: &Pg,
    prefix: &[(Timestamp, Command)],
    timed: &'a [(Timestamp, Command)],
    batch: usize,
) -> Lane<'a> {
    let db = pg.fresh();
    let mut writer = pg.writer(&db);
    let mut engine = Engine::default();
    let mut events = Vec::with_capacity(batch * 4);
    for chunk in prefix.chunks(WARMUP_BATCH) {
        run_commands(&mut writer, &mut engine, &mut events, chunk);
    }
    Lane {
        db,
        writer: Writer::Commands(writer, Box::new(engine), events, timed),
        batch,
        elapsed: Duration::ZERO,
        events: 0,
    }
}

/// A raw lane: the same rows, serialized beforehand, in the same transactions.
fn raw_lane<'a>(
    pg: &Pg,
    prefix: &[&'a [Row]],
    timed: &'a [&'a [Row]],
    batch: usize,
    how: Raw,
) -> Lane<'a> {
    let db = pg.fresh();
    let mut writer = RawWriter::new(pg, &db, how);
    let mut rows: Vec<&'a Row> = Vec::new();
    for chunk in prefix.chunks(WARMUP_BATCH) {
        rows.clear();
        rows.extend(chunk.iter().flat_map(|g| g.iter()));
        if !rows.is_empty() {
            writer.transaction(&pg.runtime, &rows);
        }
    }
    Lane {
        db,
        writer: Writer::Raw(writer, rows, timed),
        batch,
        elapsed: Duration::ZERO,
        events: 0,
    }
}

/// Runs the lanes' `transactions` timed transactions interleaved: a slice of a few
/// transactions (about 16 ms of work at most) on each lane in turn, the order rotating every
/// slice, so a slow stretch of the shared disk or CPU falls on every path alike. A
/// `CHECKPOINT` of each database first, so none starts with a checkpoint owed.
fn interleave(pg: &Pg, lanes: &mut [Lane<'_>], transactions: usize, batch: usize) {
    for lane in lanes.iter() {
        pg.checkpoint(&lane.db);
    }
    let slice = (64 / batch).clamp(1, 16);
    let mut turn = 0;
    let mut i = 0;
    while i < transactions {
        let end = (i + slice).min(transactions);
        let n = lanes.len();
        for k in 0..n {
            let lane = &mut lanes[(k + turn) % n];
            let started = Instant::now();
            let mut events = 0;
            for t in i..end {
                events += lane.transaction(pg, t);
            }
            lane.elapsed += started.elapsed();
            lane.events += events;
        }
        turn += 1;
        i = end;
    }
}

#[derive(Default)]
struct Samples {
    durable: Vec<f64>,
    unnest: Vec<f64>,
    single: Vec<f64>,
    /// durable ÷ raw UNNEST, per round.
    ratio_unnest: Vec<f64>,
    /// durable ÷ raw single-row, per round.
    ratio_single: Vec<f64>,
    /// The journal-only lane (tables of event batches only).
    journal: Vec<f64>,
    events: usize,
}

impl Samples {
    fn push(&mut self, d: &Run, u: &Run, s: &Run) {
        assert_eq!(d.events, u.events, "both sides write the same rows");
        assert_eq!(d.events, s.events, "both sides write the same rows");
        assert_eq!(
            d.digest, u.digest,
            "DomainWriter and raw UNNEST journals differ"
        );
        assert_eq!(
            d.digest, s.digest,
            "DomainWriter and raw single-row journals differ"
        );
        self.durable.push(d.rate());
        self.unnest.push(u.rate());
        self.single.push(s.rate());
        self.ratio_unnest.push(d.rate() / u.rate());
        self.ratio_single.push(d.rate() / s.rate());
        self.events = d.events;
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then one tiny round.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds: usize = env_or("DURABLE_ROUNDS", if quick { 1 } else { 3 });
    let scale: f64 = env_or("DURABLE_SCALE", if quick { 0.02 } else { 1.0 });
    let sync: String = env_or("DURABLE_PG_SYNC", "on".to_string());
    assert!(
        sync == "on" || sync == "off",
        "DURABLE_PG_SYNC is on or off"
    );

    let started = Instant::now();
    let Flat {
        commands,
        per_command,
        warmup_commands,
        events,
        rows,
        prefix_len,
    } = flat_workload();
    let (prefix, timed) = events.split_at(prefix_len);
    println!(
        "workload: {} commands, {} events ({} in the untimed prefix), generated in {:.1} s",
        commands.len(),
        events.len(),
        prefix_len,
        started.elapsed().as_secs_f64()
    );
    let pg = Pg {
        server: Server::start(Options {
            fsync: true,
            ..Options::default()
        }),
        runtime: tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime"),
        sync,
    };
    println!(
        "PostgreSQL {} (fsync on, synchronous_commit {})",
        pg.server.psql("postgres", "SHOW server_version"),
        pg.sync
    );

    // What one round trip to the server costs here (the fence and the prepares are round
    // trips of their own): the median of 2,000 prepared `SELECT 1`.
    {
        let db = pg.fresh();
        let client = pg.raw_client(&db);
        let mut times: Vec<f64> = pg.runtime.block_on(async {
            let select = client.prepare("SELECT 1").await.expect("prepare");
            let mut times = Vec::with_capacity(2_000);
            for _ in 0..2_000 {
                let started = Instant::now();
                client.query_one(&select, &[]).await.expect("SELECT 1");
                times.push(started.elapsed().as_secs_f64() * 1e6);
            }
            times
        });
        drop(client);
        pg.drop_db(db);
        times.sort_by(f64::total_cmp);
        println!(
            "round trip (prepared SELECT 1 from the bench's runtime): median {:.0} µs, p90 {:.0} µs",
            times[times.len() / 2],
            times[times.len() * 9 / 10]
        );
    }
    // Rows one per event (for batches of events) and grouped by command.
    let singles: Vec<&[Row]> = rows.chunks(1).collect();
    let (prefix_singles, timed_singles) = singles.split_at(prefix_len);
    let mut by_command: Vec<&[Row]> = Vec::with_capacity(per_command.len());
    let mut offset = 0;
    for n in &per_command {
        by_command.push(&rows[offset..offset + n]);
        offset += n;
    }
    let (prefix_commands, timed_commands) = commands.split_at(warmup_commands);
    let (prefix_groups, timed_groups) = by_command.split_at(warmup_commands);

    let window = |n: usize, all: usize| ((n as f64 * scale) as usize).clamp(1, all);
    let event_cases = [
        (1, window(2_000, timed.len())),
        (64, window(60_000, timed.len())),
        (512, window(timed.len(), timed.len())),
    ];
    let command_cases = [
        (1, window(1_000, timed_commands.len())),
        (64, window(30_000, timed_commands.len())),
        (512, window(timed_commands.len(), timed_commands.len())),
    ];
    let mut event_results: Vec<Samples> = event_cases.iter().map(|_| Samples::default()).collect();
    let mut command_results: Vec<Samples> =
        command_cases.iter().map(|_| Samples::default()).collect();
    for round in 0..rounds {
        for (&(batch, window), samples) in event_cases.iter().zip(event_results.iter_mut()) {
            let mut lanes = [
                events_lane(&pg, prefix, &timed[..window], batch),
                raw_lane(
                    &pg,
                    prefix_singles,
                    &timed_singles[..window],
                    batch,
                    Raw::Unnest,
                ),
                raw_lane(
                    &pg,
                    prefix_singles,
                    &timed_singles[..window],
                    batch,
                    Raw::SingleRow,
                ),
                journal_lane(&pg, prefix, &timed[..window], batch),
            ];
            lanes.rotate_left(round % 4);
            interleave(&pg, &mut lanes, window.div_ceil(batch), batch);
            lanes.rotate_right(round % 4);
            let [d, u, s, j] = lanes.map(|lane| lane.finish(&pg));
            samples.push(&d, &u, &s);
            assert_eq!(d.digest, j.digest, "the journal-only lane wrote other rows");
            samples.journal.push(j.rate());
            eprintln!(
                "round {} {batch:>3} events per commit: DomainWriter {:>8.0} ev/s, journal only {:>8.0} ev/s, raw UNNEST {:>8.0} rows/s, raw single-row {:>8.0} rows/s, ratios {:.2} / {:.2}",
                round + 1,
                d.rate(),
                j.rate(),
                u.rate(),
                s.rate(),
                d.rate() / u.rate(),
                d.rate() / s.rate()
            );
        }
        for (&(batch, window), samples) in command_cases.iter().zip(command_results.iter_mut()) {
            let mut lanes = [
                commands_lane(&pg, prefix_commands, &timed_commands[..window], batch),
                raw_lane(
                    &pg,
                    prefix_groups,
                    &timed_groups[..window],
                    batch,
                    Raw::Unnest,
                ),
                raw_lane(
                    &pg,
                    prefix_groups,
                    &timed_groups[..window],
                    batch,
                    Raw::SingleRow,
                ),
            ];
            lanes.rotate_left(round % 3);
            interleave(&pg, &mut lanes, window.div_ceil(batch), batch);
            lanes.rotate_right(round % 3);
            let [d, u, s] = lanes.map(|lane| lane.finish(&pg));
            samples.push(&d, &u, &s);
            eprintln!(
                "round {} {batch:>3} commands per commit: engine + DomainWriter {:>8.0} ev/s, raw UNNEST {:>8.0} rows/s, raw single-row {:>8.0} rows/s, ratios {:.2} / {:.2}",
                round + 1,
                d.rate(),
                u.rate(),
                s.rate(),
                d.rate() / u.rate(),
                d.rate() / s.rate()
            );
        }
    }
    let table = |title: &str, unit: &str, cases: &[(usize, usize)], results: &[Samples]| {
        println!();
        println!(
            "{title}: medians of {rounds} round(s), synchronous_commit {}",
            pg.sync
        );
        println!(
            "| {unit} per transaction | timed events | durable events/s | journal only events/s | raw UNNEST rows/s | raw single-row rows/s | ratio vs UNNEST (min–max) | ratio vs single-row (min–max) | projections' share of durable time |"
        );
        println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (&(batch, _), samples) in cases.iter().zip(results) {
            let (journal, share) = if samples.journal.is_empty() {
                ("-".to_string(), "-".to_string())
            } else {
                let j = median(&samples.journal);
                (
                    format!("{j:.0}"),
                    format!(
                        "{:.0} %",
                        (100.0 * (1.0 - median(&samples.durable) / j)).max(0.0)
                    ),
                )
            };
            println!(
                "| {batch} | {} | {:.0} | {journal} | {:.0} | {:.0} | {} | {} | {share} |",
                samples.events,
                median(&samples.durable),
                median(&samples.unnest),
                median(&samples.single),
                ratio_cell(&samples.ratio_unnest),
                ratio_cell(&samples.ratio_single),
            );
        }
    };
    if let Some(path) = std::env::var_os("DURABLE_PG_LOG") {
        std::fs::write(path, pg.server.log()).expect("log");
    }
    table(
        "DomainWriter::append, batches of events",
        "events",
        &event_cases,
        &event_results,
    );
    table(
        "the server's path (engine + DomainWriter, batches of commands)",
        "commands",
        &command_cases,
        &command_results,
    );
}
