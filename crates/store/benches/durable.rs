//! Durable throughput (docs/benchmarks.md, Durable throughput: "engine events committed per second, at least half the
//! raw SQLite insert rate for the same rows and batch size on the same disk").
//!
//! A `harness = false` benchmark that prints a table. Steps:
//!
//! 1. **Workload (untimed, `common/mod.rs`, shared with `durable_pg.rs`).** A small discrete-event driver plays a contact centre against the
//!    real engine on a virtual clock: 100 agents log in at their stations to two queues
//!    (voice `sales`, chat `support`, with dispositions); contacts arrive (Poisson); offers are
//!    accepted (and voice legs linked), declined, failed by the connector (`Busy`) or left
//!    unanswered; agents in No Answer pick Ready again; conversations end, wrap-ups complete
//!    with a disposition; some customers abandon while waiting; some agents take a break.
//!    Every engine event of the run is kept, in order: the same `EventRecord`s the server's
//!    driver hands to the store.
//! 2. **Durable path (timed).** A fresh [`Store`] in a new directory; the events are cut into
//!    batches of `B` events and each batch is ONE `Store::append` (serialization, journal
//!    rows and projection rows in one transaction; `append` inserts them with multi-row
//!    statements). Before any timing, `same_rows` checks once that `append` writes exactly the
//!    journal rows the raw path inserts.
//! 3. **Journal only (timed, for the breakdown).** The same batches into a fresh database
//!    whose `journal` table is identical to the store's: each event serialized as `append`
//!    does (payload JSON, kind, contact, agent) and inserted one row per statement, as the
//!    raw path does; no projections. Durable minus this is the projections' share (a lower
//!    bound: `append` inserts the journal rows faster than this path).
//! 4. **Raw SQLite (timed).** The SAME journal rows, serialized beforehand (seq, at, kind,
//!    contact, agent, payload JSON), inserted with one prepared statement into an identical
//!    `journal` table in a fresh database, with the same pragmas (WAL, the same
//!    `synchronous`, foreign keys on) and the same transaction boundaries.
//! 5. **Raw SQLite, multi-row (timed, the strict baseline).** The same pre-serialized rows,
//!    database, pragmas and transactions, inserted the way `append` inserts its journal rows:
//!    the store's own `rows.rs` compiled into this benchmark ([`rows::MultiInsert`], statements
//!    of 32/16/8/4/2/1 rows, `INSERT OR FAIL`, each statement reused for all the chunks of its
//!    size, `seq` left to SQLite's next rowid and checked after each transaction, as `append`
//!    does). It is the best raw technique the store knows; step 4 is the plain one.
//!
//! 6. **The server's path (timed, a second table).** What the driver does per group commit:
//!    a fresh engine replays the workload's commands (same commands, same virtual times, so
//!    the same events; a rejection aborts the run), `B` = 1, 64 or 512 *commands* per batch,
//!    every output drained, then ONE `Store::append` of the batch's events; against both raw
//!    SQLite paths with the same rows and the same boundaries (the rows of `B` commands per
//!    transaction). The order of the three rotates from round to round.
//!
//! All of them start from the same state: the workload's first part (configuration, logins and
//! the first [`WARMUP_CONTACTS`] contacts) is written untimed in batches of [`WARMUP_BATCH`]
//! events first (by each path's own way of inserting); the timed window is the steady state
//! that follows. The order of the four runs rotates from round to round; the tables give
//! medians over the rounds and the medians of the per-round ratios durable ÷ raw single-row
//! and durable ÷ raw multi-row.
//!
//! Run: `cargo bench -p switchboard-store --bench durable`
//! Options (environment): `DURABLE_ROUNDS` (default 3), `DURABLE_SCALE` (default 1.0: scales
//! the timed windows), `DURABLE_DIR` (where the databases go; default Cargo's target tmp dir,
//! on the same disk as the build; never a tmpfs if you want fsync to mean anything).

use rusqlite::{Connection, params};
use std::borrow::Borrow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard_core::{Command, Engine, EventRecord, Output, Timestamp};
use switchboard_store::{Durability, Store};

/// The store's multi-row INSERT (`crates/store/src/rows.rs`), compiled into the benchmark as
/// it is (the module is private to the store): the strict baseline inserts with the store's
/// own code, so the two cannot drift apart. (Its unit test is stripped from a `harness =
/// false` target built with `cfg(test)`, leaving the test's imports unused.)
#[path = "../src/rows.rs"]
#[cfg_attr(test, allow(unused_imports))]
mod rows;

/// `rows.rs` returns `crate::Result`; here that is SQLite's.
type Result<T, E = rusqlite::Error> = std::result::Result<T, E>;

mod common;

use common::{Flat, Row, WARMUP_BATCH, env_or, flat_workload, median, ratio_cell};

// ------------------------------------------------------------------------------ the four paths

/// (a) `Store::append` of each batch on a fresh store in `dir`: the prefix untimed, then
/// `timed` in batches of `batch` events. Returns the timed part's elapsed time.
fn durable(
    prefix: &[EventRecord],
    timed: &[EventRecord],
    batch: usize,
    durability: Durability,
    dir: &Path,
) -> Duration {
    let mut store = Store::open(dir, durability).expect("open the store");
    for chunk in prefix.chunks(WARMUP_BATCH) {
        store.append(chunk).expect("append");
    }
    let started = Instant::now();
    for chunk in timed.chunks(batch) {
        store.append(chunk).expect("append");
    }
    let elapsed = started.elapsed();
    assert_eq!(
        store.last_seq(),
        (prefix.len() + timed.len()) as u64,
        "every event is in the journal"
    );
    elapsed
}

/// The comparison is fair only if `Store::append` writes the journal rows the raw paths
/// insert: checks every column of every row once (batches of [`WARMUP_BATCH`]), for the
/// store and for the multi-row raw path (which leaves `seq` to SQLite, as `append` does).
fn same_rows(events: &[EventRecord], rows: &[Row], dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let mut store = Store::open(dir, Durability::Normal).expect("open the store");
    for chunk in events.chunks(WARMUP_BATCH) {
        store.append(chunk).expect("append");
    }
    check_journal(store.connection(), rows, "Store::append");
    drop(store);
    let mut conn = raw_db(Durability::Normal, &dir.join("multi-row"));
    let multi_row = Inserter::multi_row();
    for chunk in rows.chunks(WARMUP_BATCH) {
        multi_row.transaction(&mut conn, chunk);
    }
    check_journal(&conn, rows, "the multi-row raw path");
    drop(conn);
    std::fs::remove_dir_all(dir).expect("clean up");
}

/// Checks that the `journal` table of `conn` holds exactly `rows`, every column.
fn check_journal(conn: &Connection, rows: &[Row], writer: &str) {
    let mut statement = conn
        .prepare("SELECT seq, at, kind, contact, agent, payload FROM journal ORDER BY seq")
        .expect("prepare");
    let mut stored = statement.query([]).expect("query");
    for row in rows {
        let found = stored.next().expect("read").expect("a row for every event");
        let same = found.get::<_, i64>(0).unwrap() == row.seq
            && found.get::<_, i64>(1).unwrap() == row.at
            && found.get::<_, String>(2).unwrap() == row.kind
            && found.get::<_, Option<i64>>(3).unwrap() == row.contact
            && found.get::<_, Option<String>>(4).unwrap() == row.agent
            && found.get::<_, String>(5).unwrap() == row.payload;
        assert!(
            same,
            "journal row {} written by {writer} differs from the raw row",
            row.seq
        );
    }
    assert!(stored.next().expect("read").is_none(), "no extra rows");
}

/// A fresh database in `dir` with the store's `journal` table and pragmas.
fn raw_db(durability: Durability, dir: &Path) -> Connection {
    std::fs::create_dir_all(dir).expect("raw dir");
    let conn = Connection::open(dir.join("raw.db")).expect("open raw db");
    switchboard_store::configure_connection(&conn, durability).expect("pragmas");
    conn.execute_batch(
        "CREATE TABLE journal (
            seq     INTEGER PRIMARY KEY,
            at      INTEGER NOT NULL,
            kind    TEXT    NOT NULL,
            contact INTEGER,
            agent   TEXT,
            payload TEXT    NOT NULL
        );",
    )
    .expect("create table");
    conn
}

const INSERT: &str =
    "INSERT INTO journal (seq, at, kind, contact, agent, payload) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";

/// How a raw path inserts a transaction's rows.
enum Inserter {
    /// One single-row prepared statement per row: the plain way.
    SingleRow,
    /// `append`'s way for its journal rows: the store's multi-row statements.
    MultiRow(rows::MultiInsert),
}

impl Inserter {
    /// The statements of the store's `journal_insert` (crates/store/src/lib.rs): no `seq`
    /// column, SQLite numbers the rows.
    fn multi_row() -> Self {
        Inserter::MultiRow(rows::MultiInsert::new(
            "journal (at, kind, contact, agent, payload)",
            5,
        ))
    }

    /// One transaction of pre-serialized rows.
    fn transaction<R: Borrow<Row>>(&self, conn: &mut Connection, rows: &[R]) {
        let tx = conn.transaction().expect("begin");
        match self {
            Inserter::SingleRow => {
                let mut insert = tx.prepare_cached(INSERT).expect("prepare");
                for row in rows {
                    let row = row.borrow();
                    insert
                        .execute(params![
                            row.seq,
                            row.at,
                            row.kind,
                            row.contact,
                            row.agent.as_deref(),
                            row.payload.as_str()
                        ])
                        .expect("insert");
                }
            }
            Inserter::MultiRow(insert) => {
                insert
                    .run(&tx, rows, |s, p, row| {
                        let row = row.borrow();
                        s.raw_bind_parameter(p + 1, row.at)?;
                        s.raw_bind_parameter(p + 2, row.kind)?;
                        s.raw_bind_parameter(p + 3, row.contact)?;
                        s.raw_bind_parameter(p + 4, row.agent.as_deref())?;
                        s.raw_bind_parameter(p + 5, row.payload.as_str())
                    })
                    .expect("insert");
                // As `append` does: the last row got the `seq` it expected.
                let last = rows.last().map_or(0, |row| row.borrow().seq);
                assert_eq!(tx.last_insert_rowid(), last, "SQLite numbered the rows");
            }
        }
        tx.commit().expect("commit");
    }
}

/// (b) Raw SQLite: the same rows, serialized beforehand, the same transaction boundaries,
/// inserted single-row or (c) multi-row.
fn raw(
    prefix: &[Row],
    timed: &[Row],
    batch: usize,
    durability: Durability,
    dir: &Path,
    inserter: &Inserter,
) -> Duration {
    let mut conn = raw_db(durability, dir);
    for chunk in prefix.chunks(WARMUP_BATCH) {
        inserter.transaction(&mut conn, chunk);
    }
    let started = Instant::now();
    for chunk in timed.chunks(batch) {
        inserter.transaction(&mut conn, chunk);
    }
    started.elapsed()
}

/// (d) The breakdown: serialize each event as `append` does and insert it (single-row); no
/// projections.
fn journal_only(
    prefix: &[Row],
    timed: &[EventRecord],
    batch: usize,
    durability: Durability,
    dir: &Path,
) -> Duration {
    let mut conn = raw_db(durability, dir);
    for chunk in prefix.chunks(WARMUP_BATCH) {
        Inserter::SingleRow.transaction(&mut conn, chunk);
    }
    let mut seq = prefix.len() as i64;
    let mut payload = Vec::with_capacity(256);
    let started = Instant::now();
    for chunk in timed.chunks(batch) {
        let tx = conn.transaction().expect("begin");
        {
            let mut insert = tx.prepare_cached(INSERT).expect("prepare");
            for record in chunk {
                seq += 1;
                payload.clear();
                serde_json::to_writer(&mut payload, &record.event).expect("serialize");
                let payload = std::str::from_utf8(&payload).expect("UTF-8");
                insert
                    .execute(params![
                        seq,
                        record.at.0,
                        record.event.kind(),
                        record.event.contact().map(|c| c.0 as i64),
                        record.event.agent().map(|a| a.as_str()),
                        payload,
                    ])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
    started.elapsed()
}

// ------------------------------------------------------------------------------ the server's path

/// (e) What the server's driver does per group commit: `batch` commands through the engine
/// (`handle_command`, every output drained), then ONE `Store::append` of their events. A fresh
/// engine and store; the prefix runs untimed in batches of [`WARMUP_BATCH`] commands. Returns
/// the timed part's elapsed time and events.
fn engine_durable(
    prefix: &[(Timestamp, Command)],
    timed: &[(Timestamp, Command)],
    batch: usize,
    durability: Durability,
    dir: &Path,
) -> (Duration, usize) {
    let mut store = Store::open(dir, durability).expect("open the store");
    let mut engine = Engine::default();
    let mut events: Vec<EventRecord> = Vec::with_capacity(batch * 4);
    let mut run = |commands: &[(Timestamp, Command)]| {
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
        store.append(&events).expect("append");
        events.len()
    };
    for chunk in prefix.chunks(WARMUP_BATCH) {
        run(chunk);
    }
    let started = Instant::now();
    let mut count = 0;
    for chunk in timed.chunks(batch) {
        count += run(chunk);
    }
    (started.elapsed(), count)
}

/// Raw SQLite with the transaction boundaries of [`engine_durable`]: the pre-serialized rows
/// of `batch` commands per transaction (a batch without rows is skipped, as `append` of no
/// events writes nothing), inserted single-row or multi-row.
fn raw_by_command<'a>(
    prefix: &[&'a [Row]],
    timed: &[&'a [Row]],
    batch: usize,
    durability: Durability,
    dir: &Path,
    inserter: &Inserter,
) -> (Duration, usize) {
    let mut conn = raw_db(durability, dir);
    let mut rows: Vec<&'a Row> = Vec::new();
    let mut run = |conn: &mut Connection, commands: &[&'a [Row]]| {
        rows.clear();
        rows.extend(commands.iter().flat_map(|c| c.iter()));
        if rows.is_empty() {
            return 0;
        }
        inserter.transaction(conn, &rows);
        rows.len()
    };
    for chunk in prefix.chunks(WARMUP_BATCH) {
        run(&mut conn, chunk);
    }
    let started = Instant::now();
    let mut count = 0;
    for chunk in timed.chunks(batch) {
        count += run(&mut conn, chunk);
    }
    (started.elapsed(), count)
}

// ------------------------------------------------------------------------------ main

struct Case {
    durability: Durability,
    /// Events per transaction.
    batch: usize,
    /// Timed events.
    window: usize,
}

#[derive(Default)]
struct Samples {
    durable: Vec<f64>,
    raw: Vec<f64>,
    raw_multi: Vec<f64>,
    journal: Vec<f64>,
    /// durable ÷ raw single-row, per round.
    ratio: Vec<f64>,
    /// durable ÷ raw multi-row, per round.
    ratio_multi: Vec<f64>,
}

/// Per-round figures of the server's path.
#[derive(Default)]
struct EngineSamples {
    durable: Vec<f64>,
    raw: Vec<f64>,
    raw_multi: Vec<f64>,
    ratio: Vec<f64>,
    ratio_multi: Vec<f64>,
    events: usize,
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then do one tiny round.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds: usize = env_or("DURABLE_ROUNDS", if quick { 1 } else { 3 });
    let scale: f64 = env_or("DURABLE_SCALE", if quick { 0.02 } else { 1.0 });
    let base: PathBuf = std::env::var_os("DURABLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));

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
    let (prefix_rows, timed_rows) = rows.split_at(prefix_len);
    let bytes: usize = rows.iter().map(|r| r.payload.len()).sum();
    println!(
        "workload: {} commands, {} events ({} in the untimed prefix; mean payload {} bytes), generated in {:.1} s",
        commands.len(),
        events.len(),
        prefix_len,
        bytes / rows.len().max(1),
        started.elapsed().as_secs_f64()
    );
    // What the projections write for these events (crates/store/src/projection.rs): a state
    // change is one `agent_states` row (and an entry of its `prev` index), a closure and a
    // refusal one row each.
    let count = |kind: &str| timed_rows.iter().filter(|r| r.kind == kind).count();
    let (states, closures, refusals) = (
        count("agent_state_changed"),
        count("contact_closed"),
        count("offer_refused"),
    );
    println!(
        "timed events: {}; projection rows per event: {:.2} ({states} agent_state_changed, {closures} contact_closed, {refusals} offer_refused)",
        timed_rows.len(),
        (states + closures + refusals) as f64 / timed_rows.len() as f64
    );
    same_rows(
        &events,
        &rows,
        &base.join(format!("durable-bench-{}-rows", std::process::id())),
    );
    let window = |n: usize| ((n as f64 * scale) as usize).clamp(1, timed.len());
    let all = timed.len();
    let cases = [
        (Durability::Full, 1, window(2_000)),
        (Durability::Full, 64, window(60_000)),
        (Durability::Full, 512, window(all)),
        (Durability::Normal, 1, window(30_000)),
        (Durability::Normal, 64, window(all)),
        (Durability::Normal, 512, window(all)),
    ]
    .map(|(durability, batch, window)| Case {
        durability,
        batch,
        window,
    });
    let mut results: Vec<Samples> = cases.iter().map(|_| Samples::default()).collect();
    let mut run_id = 0;
    for round in 0..rounds {
        for (case, samples) in cases.iter().zip(results.iter_mut()) {
            run_id += 1;
            let dir = base.join(format!("durable-bench-{}-{run_id}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let timed = &timed[..case.window];
            let timed_rows = &timed_rows[..case.window];
            let (mut d, mut r, mut m, mut j) = (
                Duration::ZERO,
                Duration::ZERO,
                Duration::ZERO,
                Duration::ZERO,
            );
            let run_raw = |inserter: &Inserter, name: &str| {
                raw(
                    prefix_rows,
                    timed_rows,
                    case.batch,
                    case.durability,
                    &dir.join(name),
                    inserter,
                )
            };
            // Rotate the order, so no path always runs first (or last) on a warm disk.
            for step in 0..4 {
                match (step + round) % 4 {
                    0 => {
                        d = durable(
                            prefix,
                            timed,
                            case.batch,
                            case.durability,
                            &dir.join("store"),
                        )
                    }
                    1 => r = run_raw(&Inserter::SingleRow, "raw"),
                    2 => m = run_raw(&Inserter::multi_row(), "raw-multi"),
                    _ => {
                        j = journal_only(
                            prefix_rows,
                            timed,
                            case.batch,
                            case.durability,
                            &dir.join("journal"),
                        )
                    }
                }
            }
            std::fs::remove_dir_all(&dir).expect("clean up");
            let rate = |t: Duration| case.window as f64 / t.as_secs_f64();
            samples.durable.push(rate(d));
            samples.raw.push(rate(r));
            samples.raw_multi.push(rate(m));
            samples.journal.push(rate(j));
            samples.ratio.push(rate(d) / rate(r));
            samples.ratio_multi.push(rate(d) / rate(m));
            eprintln!(
                "round {} {:?} batch {:>3}: durable {:>9.0} ev/s, journal only {:>9.0}, raw {:>9.0} rows/s, raw multi-row {:>9.0} rows/s, ratios {:.2} / {:.2}",
                round + 1,
                case.durability,
                case.batch,
                rate(d),
                rate(j),
                rate(r),
                rate(m),
                rate(d) / rate(r),
                rate(d) / rate(m)
            );
        }
    }
    println!();
    println!(
        "durable throughput: medians of {rounds} round(s); ratio = durable events/s ÷ raw rows/s (same rows, same transactions), raw single-row and raw multi-row"
    );
    println!(
        "| durability | events per transaction | timed events | durable events/s | journal only events/s | raw single-row rows/s | raw multi-row rows/s | ratio vs single-row (min–max) | ratio vs multi-row (min–max) | projections' share of durable time |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (case, samples) in cases.iter().zip(&results) {
        let (durable, journal) = (median(&samples.durable), median(&samples.journal));
        println!(
            "| {:?} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {} | {} | {:.0} % |",
            case.durability,
            case.batch,
            case.window,
            durable,
            journal,
            median(&samples.raw),
            median(&samples.raw_multi),
            ratio_cell(&samples.ratio),
            ratio_cell(&samples.ratio_multi),
            (100.0 * (1.0 - durable / journal)).max(0.0)
        );
    }

    // The server's path: the engine in the loop, batches of commands (the driver's unit).
    let mut by_command: Vec<&[Row]> = Vec::with_capacity(per_command.len());
    let mut offset = 0;
    for n in &per_command {
        by_command.push(&rows[offset..offset + n]);
        offset += n;
    }
    let (prefix_commands, timed_commands) = commands.split_at(warmup_commands);
    let (prefix_groups, timed_groups) = by_command.split_at(warmup_commands);
    let command_window = |n: usize| ((n as f64 * scale) as usize).clamp(1, timed_commands.len());
    let all_commands = timed_commands.len();
    let engine_cases = [
        (Durability::Full, 1, command_window(1_000)),
        (Durability::Full, 64, command_window(30_000)),
        (Durability::Full, 512, command_window(all_commands)),
        (Durability::Normal, 1, command_window(15_000)),
        (Durability::Normal, 64, command_window(all_commands)),
        (Durability::Normal, 512, command_window(all_commands)),
    ];
    let mut engine_results: Vec<EngineSamples> = engine_cases
        .iter()
        .map(|_| EngineSamples::default())
        .collect();
    for round in 0..rounds {
        for (&(durability, batch, window), samples) in
            engine_cases.iter().zip(engine_results.iter_mut())
        {
            run_id += 1;
            let dir = base.join(format!("durable-bench-{}-{run_id}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let timed = &timed_commands[..window];
            let groups = &timed_groups[..window];
            let run_engine = || {
                engine_durable(
                    prefix_commands,
                    timed,
                    batch,
                    durability,
                    &dir.join("store"),
                )
            };
            let run_raw = |inserter: &Inserter, name: &str| {
                raw_by_command(
                    prefix_groups,
                    groups,
                    batch,
                    durability,
                    &dir.join(name),
                    inserter,
                )
            };
            let (mut d, mut r, mut m) = Default::default();
            // Rotate the order, as above.
            for step in 0..3 {
                match (step + round) % 3 {
                    0 => d = run_engine(),
                    1 => r = run_raw(&Inserter::SingleRow, "raw"),
                    _ => m = run_raw(&Inserter::multi_row(), "raw-multi"),
                }
            }
            let rate = |(t, n): (Duration, usize)| n as f64 / t.as_secs_f64();
            assert_eq!(d.1, r.1, "both sides write the same rows");
            assert_eq!(d.1, m.1, "both sides write the same rows");
            std::fs::remove_dir_all(&dir).expect("clean up");
            let (durable_rate, raw_rate, multi_rate) = (rate(d), rate(r), rate(m));
            samples.durable.push(durable_rate);
            samples.raw.push(raw_rate);
            samples.raw_multi.push(multi_rate);
            samples.ratio.push(durable_rate / raw_rate);
            samples.ratio_multi.push(durable_rate / multi_rate);
            samples.events = d.1;
            eprintln!(
                "round {} {durability:?} {batch:>3} commands per commit: engine + store {durable_rate:>9.0} ev/s, raw {raw_rate:>9.0} rows/s, raw multi-row {multi_rate:>9.0} rows/s, ratios {:.2} / {:.2}",
                round + 1,
                durable_rate / raw_rate,
                durable_rate / multi_rate
            );
        }
    }
    println!();
    println!(
        "the server's path (engine + store, batches of commands): medians of {rounds} round(s); ratio = engine + store events/s ÷ raw rows/s (same rows, same transactions), raw single-row and raw multi-row"
    );
    println!(
        "| durability | commands per transaction | timed commands | timed events | engine + store events/s | raw single-row rows/s | raw multi-row rows/s | ratio vs single-row (min–max) | ratio vs multi-row (min–max) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (&(durability, batch, window), samples) in engine_cases.iter().zip(&engine_results) {
        let EngineSamples {
            durable,
            raw,
            raw_multi,
            ratio,
            ratio_multi,
            events: n,
        } = samples;
        println!(
            "| {durability:?} | {batch} | {window} | {n} | {:.0} | {:.0} | {:.0} | {} | {} |",
            median(durable),
            median(raw),
            median(raw_multi),
            ratio_cell(ratio),
            ratio_cell(ratio_multi),
        );
    }
}
