//! Event-stream load for a running `switchboard serve` (used by `bench/stream-load.sh`).
//!
//! Two modes:
//!
//! - `stream_load streams --streams N`: N agent desktops each hold their own event stream
//!   (`GET /v1/events` with the agent's key) while a paced generator sends `--rate` commands
//!   a second (state changes, Ready ↔ Break, of agents chosen in turn among the N, each
//!   logged in first) over `--connections` keep-alive connections with the admin key. Every
//!   event that reaches a stream is timed from its `at` (the engine's time of the command,
//!   just before the commit; the server's clock runs at speed 1 on this machine) to its
//!   arrival: the delivery latency, commit included. Over the measurement window it reports
//!   p50/p99/max of that latency, the events committed (the server's
//!   `switchboard_events_total`), the server's CPU per event (from `/proc/PID/stat`) and its
//!   resident memory (`VmRSS`).
//! - `stream_load burst --connections N --rounds R`: R times, N connections opened at once,
//!   each sending `GET /healthz` and waiting for the answer, then all closed; the server's
//!   resident memory before (after 200 warm-up requests), at the peak of each burst (sampled
//!   every 10 ms), after each burst and after `--settle` seconds.
//!
//! Usage: `stream_load streams --addr A --pid P --streams N [--rate 1000] [--seconds 20]
//! [--warmup 5] [--connections 16] [--agent-prefix s]`; `stream_load burst --addr A --pid P
//! [--connections 10000] [--rounds 3] [--settle 5]`. Agent `i` is `{prefix}{i:05}` with key
//! `{prefix}{i:05}-secret` and station `st-{prefix}{i:05}`, as `bench/stream-load.sh` writes.

#[path = "support/http.rs"]
mod http;

use http::{Conn, metric, percentile, read_head};
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

struct Options {
    mode: String,
    addr: String,
    pid: u32,
    streams: usize,
    rate: f64,
    seconds: f64,
    warmup: f64,
    connections: usize,
    rounds: usize,
    settle: f64,
    prefix: String,
}

fn options() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mode = args.next().ok_or("streams or burst")?;
    let mut o = Options {
        mode,
        addr: "127.0.0.1:8080".into(),
        pid: 0,
        streams: 1000,
        rate: 1000.0,
        seconds: 20.0,
        warmup: 5.0,
        connections: 0,
        rounds: 3,
        settle: 5.0,
        prefix: "s".into(),
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--addr" => o.addr = value()?,
            "--pid" => o.pid = number(value()?)? as u32,
            "--streams" => o.streams = number(value()?)? as usize,
            "--rate" => o.rate = number(value()?)?,
            "--seconds" => o.seconds = number(value()?)?,
            "--warmup" => o.warmup = number(value()?)?,
            "--connections" => o.connections = number(value()?)? as usize,
            "--rounds" => o.rounds = number(value()?)? as usize,
            "--settle" => o.settle = number(value()?)?,
            "--agent-prefix" => o.prefix = value()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.pid == 0 {
        return Err("--pid PID (the server's) is required".into());
    }
    Ok(o)
}

fn main() -> std::process::ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("stream_load: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let result = runtime.block_on(async {
        match o.mode.as_str() {
            "streams" => streams(o).await,
            "burst" => burst(o).await,
            other => Err(io::Error::other(format!("unknown mode {other}"))),
        }
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stream_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

// ------------------------------------------------------------------------------ /proc

/// CPU seconds (user + system) the process has used.
fn cpu_seconds(pid: u32) -> io::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: f64 = fields
        .get(11..13)
        .ok_or_else(|| io::Error::other("short /proc stat"))?
        .iter()
        .filter_map(|f| f.parse::<f64>().ok())
        .sum();
    // CLK_TCK is 100 on every Linux this runs on.
    Ok(ticks / 100.0)
}

/// Resident memory in MiB.
fn rss_mib(pid: u32) -> io::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kib| kib / 1024.0)
        .ok_or_else(|| io::Error::other("no VmRSS"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

// ------------------------------------------------------------------------------ streams

/// Delivery latencies in microseconds (ms resolution of `at`, so multiples of 1,000), of
/// events whose `at` falls in the window.
#[derive(Default)]
struct Latencies {
    window: (AtomicU64, AtomicU64),
    samples: std::sync::Mutex<Vec<u64>>,
    received: AtomicU64,
}

/// One desktop's stream: counts itself in `opened` once the server said 200 (and lets the
/// next desktop connect), then times every event it gets.
async fn agent_stream(
    addr: String,
    key: String,
    latencies: Arc<Latencies>,
    opened: Arc<AtomicUsize>,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> io::Result<()> {
    let mut stream = TcpStream::connect(&addr).await?;
    stream
        .write_all(
            format!("GET /v1/events HTTP/1.1\r\nHost: switchboard\r\nAuthorization: Bearer {key}\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut stream = BufReader::new(stream);
    let (status, _) = read_head(&mut stream).await?;
    if status != 200 {
        return Err(io::Error::other(format!(
            "stream for {key}: status {status}"
        )));
    }
    opened.fetch_add(1, Ordering::Relaxed);
    drop(permit);
    let mut line = String::new();
    loop {
        line.clear();
        if stream.read_line(&mut line).await? == 0 {
            return Err(io::Error::other(format!("stream for {key} ended")));
        }
        // Chunk framing lines and keep-alives pass by; `data:` lines carry `"at":<ms>`.
        let Some(data) = line.trim_end().strip_prefix("data: ") else {
            continue;
        };
        let Some(at) = data
            .split_once("\"at\":")
            .and_then(|(_, rest)| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|ms| ms.parse::<i64>().ok())
        else {
            continue;
        };
        let arrived = now_ms();
        latencies.received.fetch_add(1, Ordering::Relaxed);
        let (from, to) = (
            latencies.window.0.load(Ordering::Relaxed) as i64,
            latencies.window.1.load(Ordering::Relaxed) as i64,
        );
        if from > 0 && at >= from && (to == 0 || at < to) {
            let micros = (arrived - at).max(0) as u64 * 1000;
            latencies.samples.lock().expect("samples").push(micros);
        }
    }
}

async fn streams(o: Options) -> io::Result<()> {
    let ids: Vec<String> = (0..o.streams)
        .map(|i| format!("{}{i:05}", o.prefix))
        .collect();
    let connections = if o.connections == 0 {
        16
    } else {
        o.connections
    };
    // Log every agent in (Ready) first, many at a time.
    let next = Arc::new(AtomicUsize::new(0));
    let mut logins = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let (addr, ids, next) = (o.addr.clone(), ids.clone(), next.clone());
        logins.spawn(async move {
            let mut conn = Conn::connect(&addr).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                let body = format!(r#"{{"station": "st-{id}", "state": "ready"}}"#);
                let (status, answer) = conn
                    .send(
                        "POST",
                        &format!("/v1/agents/{id}/login"),
                        "admin-secret",
                        Some(&body),
                    )
                    .await?;
                if status != 200 {
                    return Err(io::Error::other(format!(
                        "login {id}: {status} {}",
                        String::from_utf8_lossy(&answer)
                    )));
                }
            }
            Ok::<_, io::Error>(())
        });
    }
    while let Some(done) = logins.join_next().await {
        done.map_err(io::Error::other)??;
    }
    // Every desktop opens its stream.
    let latencies = Arc::new(Latencies::default());
    let gate = Arc::new(tokio::sync::Semaphore::new(256));
    let opened = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    for id in &ids {
        let (addr, latencies, gate, opened, failed) = (
            o.addr.clone(),
            latencies.clone(),
            gate.clone(),
            opened.clone(),
            failed.clone(),
        );
        let key = format!("{id}-secret");
        tokio::spawn(async move {
            let Ok(permit) = gate.acquire_owned().await else {
                return;
            };
            if let Err(e) = agent_stream(addr, key, latencies, opened, permit).await {
                eprintln!("stream_load: {e}");
                failed.store(true, Ordering::Relaxed);
            }
        });
    }
    while opened.load(Ordering::Relaxed) < ids.len() {
        if failed.load(Ordering::Relaxed) {
            return Err(io::Error::other("a stream failed to open"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The paced generator: command k at start + k / rate, over `connections` connections.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut senders = tokio::task::JoinSet::new();
    for c in 0..connections {
        let (addr, ids, stop, sent) = (o.addr.clone(), ids.clone(), stop.clone(), sent.clone());
        let rate = o.rate / connections as f64;
        senders.spawn(async move {
            let mut conn = Conn::connect(&addr).await?;
            let mut k: u64 = 0;
            while !stop.load(Ordering::Relaxed) {
                let due = start + Duration::from_secs_f64(k as f64 / rate);
                tokio::time::sleep_until(due.into()).await;
                let i = (k as usize * connections + c) % ids.len();
                let state = if ((k as usize * connections + c) / ids.len()).is_multiple_of(2) {
                    "break"
                } else {
                    "ready"
                };
                let body = format!(r#"{{"state": "{state}"}}"#);
                let (status, answer) = conn
                    .send(
                        "POST",
                        &format!("/v1/agents/{}/state", ids[i]),
                        "admin-secret",
                        Some(&body),
                    )
                    .await?;
                if status != 200 {
                    return Err(io::Error::other(format!(
                        "state {}: {status} {}",
                        ids[i],
                        String::from_utf8_lossy(&answer)
                    )));
                }
                sent.fetch_add(1, Ordering::Relaxed);
                k += 1;
            }
            Ok::<_, io::Error>(())
        });
    }
    tokio::time::sleep(Duration::from_secs_f64(o.warmup)).await;
    let (cpu_0, events_0, sent_0) = (
        cpu_seconds(o.pid)?,
        metric(&o.addr, "switchboard_events_total").await?,
        sent.load(Ordering::Relaxed),
    );
    latencies.window.0.store(now_ms() as u64, Ordering::Relaxed);
    let window_start = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(o.seconds)).await;
    latencies.window.1.store(now_ms() as u64, Ordering::Relaxed);
    let elapsed = window_start.elapsed().as_secs_f64();
    let (cpu_1, events_1, sent_1) = (
        cpu_seconds(o.pid)?,
        metric(&o.addr, "switchboard_events_total").await?,
        sent.load(Ordering::Relaxed),
    );
    let rss = rss_mib(o.pid)?;
    // Let the last events of the window arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    while let Some(done) = senders.join_next().await {
        done.map_err(io::Error::other)??;
    }
    let mut samples = std::mem::take(&mut *latencies.samples.lock().expect("samples"));
    samples.sort_unstable();
    let events = events_1 - events_0;
    println!(
        "streams {} commands/s {:.0} events/s {:.0} delivered {} latency_ms p50 {:.0} p99 {:.0} max {:.0} cpu_us_per_event {:.1} rss_mib {:.0}",
        o.streams,
        (sent_1 - sent_0) as f64 / elapsed,
        events / elapsed,
        samples.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 99.0),
        percentile(&samples, 100.0),
        (cpu_1 - cpu_0) * 1e6 / events.max(1.0),
        rss
    );
    Ok(())
}

// ------------------------------------------------------------------------------ bursts

async fn burst(o: Options) -> io::Result<()> {
    let connections = if o.connections == 0 {
        10_000
    } else {
        o.connections
    };
    // The server in service, not just started: a few hundred requests on a few connections
    // first, so that what the bursts leave behind is not confused with what any first
    // requests set up (thread stacks, lazily made tables).
    for _ in 0..20 {
        let mut conn = Conn::connect(&o.addr).await?;
        for _ in 0..10 {
            conn.send("GET", "/healthz", "", None).await?;
        }
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = rss_mib(o.pid)?;
    println!("burst rss_mib before {before:.1}");
    for round in 1..=o.rounds {
        let peak = Arc::new(std::sync::Mutex::new(before));
        let sampling = Arc::new(AtomicBool::new(true));
        let sampler = {
            let (peak, sampling, pid) = (peak.clone(), sampling.clone(), o.pid);
            tokio::spawn(async move {
                while sampling.load(Ordering::Relaxed) {
                    if let Ok(rss) = rss_mib(pid) {
                        let mut peak = peak.lock().expect("peak");
                        *peak = peak.max(rss);
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            })
        };
        // Open them all first, then send every request, so they are concurrent.
        let barrier = Arc::new(tokio::sync::Barrier::new(connections));
        let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
        let mut clients = tokio::task::JoinSet::new();
        for _ in 0..connections {
            let (addr, barrier, statuses) = (o.addr.clone(), barrier.clone(), statuses.clone());
            clients.spawn(async move {
                let connected = Conn::connect(&addr).await;
                barrier.wait().await;
                let status = match connected {
                    Ok(mut conn) => match conn.send("GET", "/healthz", "", None).await {
                        Ok((status, _)) => status.to_string(),
                        Err(e) => format!("{:?}", e.kind()),
                    },
                    Err(e) => format!("connect {:?}", e.kind()),
                };
                *statuses
                    .lock()
                    .expect("statuses")
                    .entry(status)
                    .or_insert(0u64) += 1;
            });
        }
        while clients.join_next().await.is_some() {}
        sampling.store(false, Ordering::Relaxed);
        let _ = sampler.await;
        let after = rss_mib(o.pid)?;
        let peak = *peak.lock().expect("peak");
        println!(
            "burst round {round} connections {connections} rss_mib peak {peak:.1} after {after:.1} answers {:?}",
            statuses.lock().expect("statuses")
        );
    }
    tokio::time::sleep(Duration::from_secs_f64(o.settle)).await;
    let settled = rss_mib(o.pid)?;
    println!(
        "burst rss_mib settled {settled:.1} (before {before:.1}, {:+.1} %)",
        (settled - before) / before * 100.0
    );
    Ok(())
}
