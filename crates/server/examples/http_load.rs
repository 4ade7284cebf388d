//! HTTP load generator for a running `switchboard serve` (used by `bench/http-load.sh`).
//!
//! It plays a contact centre over the real HTTP API on keep-alive connections:
//!
//! - **connector clients** (`--connectors`, default 4) create voice contacts
//!   (`POST /v1/contacts`) as fast as the server takes them, while fewer than `--open-max`
//!   contacts are open (a closed loop, so the queue does not grow without bound);
//! - **agent clients** (`--agents`, one connection each, agent keys): each waits for an offer,
//!   then `accept` → the connector's `leg_linked` (`POST /v1/connector/events`, connector key)
//!   → `end` → `complete` with a disposition; `--refuse-percent` of the offers (default 5) are
//!   refused instead, and the agent then selects Ready again (`POST /v1/agents/{id}/state`);
//! - **one event-stream reader** (`GET /v1/events`, connector key) hands each `offer_created`
//!   event to its agent client (it resumes with `Last-Event-ID` if the server cuts it off).
//!
//! No think times: every client sends its next request as soon as the previous one is
//! answered, so the figures are the server's capacity on this machine, not a traffic model.
//! Every request is timed from the first byte written to the last byte read. Only requests
//! that finish inside the measurement window (after `--warmup` seconds, for `--seconds`)
//! count. The server's own counters (`/metrics`: `switchboard_commits_total`,
//! `switchboard_events_total`) are read at both ends of the window, which gives the events per
//! second and the mean number of commands per commit (the group commit at work).
//!
//! The HTTP client is a minimal HTTP/1.1 one written here (request, `Content-Length` or
//! chunked response), so the generator needs nothing beyond the server's own dependencies.
//!
//! Usage: `http_load --addr 127.0.0.1:8080 --agents 100 [--connectors 4] [--seconds 20]
//! [--warmup 5] [--open-max 200] [--refuse-percent 5] [--threads 1]`. Keys: the connector key
//! is `--connector-key` (default `connector-secret`); agent `i` (0-based) is `a{i}` with
//! key `a{i}-secret` (`--agent-prefix a`) and logs in (Ready) at station `s{i}` before the
//! load starts, as in the configuration `bench/http-load.sh` writes (queue `sales`, voice,
//! with the disposition `sale`).

#[path = "support/http.rs"]
mod http;

use http::{Conn, metric, percentile, read_chunk, read_head};
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, Semaphore, mpsc};

// ------------------------------------------------------------------------------ options

struct Options {
    addr: String,
    agents: usize,
    connectors: usize,
    seconds: f64,
    warmup: f64,
    open_max: usize,
    refuse_percent: u64,
    threads: usize,
    connector_key: String,
    agent_prefix: String,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        addr: "127.0.0.1:8080".into(),
        agents: 100,
        connectors: 4,
        seconds: 20.0,
        warmup: 5.0,
        open_max: 0,
        refuse_percent: 5,
        threads: 1,
        connector_key: "connector-secret".into(),
        agent_prefix: "a".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<f64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--addr" => o.addr = value()?,
            "--agents" => o.agents = number(value()?)? as usize,
            "--connectors" => o.connectors = number(value()?)? as usize,
            "--seconds" => o.seconds = number(value()?)?,
            "--warmup" => o.warmup = number(value()?)?,
            "--open-max" => o.open_max = number(value()?)? as usize,
            "--refuse-percent" => o.refuse_percent = number(value()?)? as u64,
            "--threads" => o.threads = number(value()?)? as usize,
            "--connector-key" => o.connector_key = value()?,
            "--agent-prefix" => o.agent_prefix = value()?,
            // `cargo test` runs examples with no arguments only when asked; ignore its flags.
            "--bench" | "--nocapture" => {}
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.open_max == 0 {
        o.open_max = 2 * o.agents;
    }
    if o.agents == 0 || o.connectors == 0 || o.threads == 0 {
        return Err("--agents, --connectors and --threads must be at least 1".into());
    }
    Ok(o)
}

// ------------------------------------------------------------------------------ measurements

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Kind {
    CreateContact,
    Accept,
    LegLinked,
    End,
    Complete,
    Refuse,
    Ready,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::CreateContact => "POST /v1/contacts",
            Kind::Accept => "POST /v1/offers/{id}/accept",
            Kind::LegLinked => "POST /v1/connector/events (leg_linked)",
            Kind::End => "POST /v1/contacts/{id}/end",
            Kind::Complete => "POST /v1/contacts/{id}/complete",
            Kind::Refuse => "POST /v1/offers/{id}/refuse",
            Kind::Ready => "POST /v1/agents/{id}/state (ready)",
        }
    }
}

struct Sample {
    kind: Kind,
    /// Microseconds from the start of the run to the end of the response.
    done_us: u64,
    latency_us: u64,
    status: u16,
}

struct Shared {
    started: Instant,
    stop: AtomicBool,
    samples: Mutex<Vec<Sample>>,
    /// Open contacts allowed (released when a contact completes).
    open: Semaphore,
    offers_seen: AtomicU64,
    io_errors: AtomicU64,
}

/// A connection with the samples of its requests.
struct Client {
    conn: Conn,
    shared: Arc<Shared>,
    samples: Vec<Sample>,
}

impl Client {
    async fn connect(shared: &Arc<Shared>, addr: &str) -> io::Result<Client> {
        Ok(Client {
            conn: Conn::connect(addr).await?,
            shared: shared.clone(),
            samples: Vec::new(),
        })
    }

    /// Times one request and keeps the sample; answers the status.
    async fn call(
        &mut self,
        kind: Kind,
        method: &str,
        path: &str,
        key: &str,
        body: Option<&str>,
    ) -> io::Result<u16> {
        let begin = Instant::now();
        let result = self.conn.send(method, path, key, body).await;
        let end = Instant::now();
        match result {
            Ok((status, _)) => {
                self.samples.push(Sample {
                    kind,
                    done_us: end.duration_since(self.shared.started).as_micros() as u64,
                    latency_us: end.duration_since(begin).as_micros() as u64,
                    status,
                });
                Ok(status)
            }
            Err(error) => {
                self.shared.io_errors.fetch_add(1, Ordering::Relaxed);
                Err(error)
            }
        }
    }

    async fn finish(self) {
        self.shared.samples.lock().await.extend(self.samples);
    }
}

// ------------------------------------------------------------------------------ clients

struct Offer {
    offer: u64,
    contact: u64,
}

async fn connector_client(
    shared: Arc<Shared>,
    addr: String,
    key: String,
    index: usize,
) -> io::Result<()> {
    let mut client = Client::connect(&shared, &addr).await?;
    let mut n = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        let Ok(Ok(permit)) =
            tokio::time::timeout(Duration::from_millis(200), shared.open.acquire()).await
        else {
            continue;
        };
        permit.forget();
        n += 1;
        let body = format!(
            r#"{{"channel":"voice","queue":"sales","from":"+3630{index:02}{n:05}","attributes":{{"language":"hu"}}}}"#
        );
        let status = client
            .call(
                Kind::CreateContact,
                "POST",
                "/v1/contacts",
                &key,
                Some(&body),
            )
            .await?;
        if status != 201 {
            shared.open.add_permits(1);
        }
    }
    client.finish().await;
    Ok(())
}

async fn agent_client(
    shared: Arc<Shared>,
    addr: String,
    agent: String,
    prefix: String,
    connector_key: String,
    refuse_percent: u64,
    mut offers: mpsc::UnboundedReceiver<Offer>,
) -> io::Result<()> {
    let key = format!("{agent}-secret");
    let mut client = Client::connect(&shared, &addr).await?;
    // Log in at the agent's own station (untimed; already logged in is fine).
    let station = agent.replacen(&prefix, "s", 1);
    let login = format!(r#"{{"station":"{station}","state":"ready"}}"#);
    let path = format!("/v1/agents/{agent}/login");
    let (status, body) = client.conn.send("POST", &path, &key, Some(&login)).await?;
    if status != 200 && status != 409 {
        return Err(io::Error::other(format!(
            "login {agent}: {status} {}",
            String::from_utf8_lossy(&body)
        )));
    }
    let mut k = 0u64;
    while !shared.stop.load(Ordering::Relaxed) {
        let Ok(Some(Offer { offer, contact })) =
            tokio::time::timeout(Duration::from_millis(200), offers.recv()).await
        else {
            continue;
        };
        k += 1;
        // A deterministic spread of refusals: every (100 / percent)-th offer, per agent.
        let refuse = refuse_percent > 0 && (k * refuse_percent) % 100 < refuse_percent;
        if refuse {
            let path = format!("/v1/offers/{offer}/refuse");
            client.call(Kind::Refuse, "POST", &path, &key, None).await?;
            let path = format!("/v1/agents/{agent}/state");
            let body = Some(r#"{"state":"ready"}"#);
            client.call(Kind::Ready, "POST", &path, &key, body).await?;
            continue;
        }
        let path = format!("/v1/offers/{offer}/accept");
        let status = client.call(Kind::Accept, "POST", &path, &key, None).await?;
        if status != 200 {
            continue; // e.g. the offer timed out meanwhile; the contact is offered again
        }
        let linked = format!(r#"{{"type":"leg_linked","offer":{offer}}}"#);
        let steps: [(Kind, String, &str, Option<&str>); 3] = [
            (
                Kind::LegLinked,
                "/v1/connector/events".into(),
                &connector_key,
                Some(&linked),
            ),
            (Kind::End, format!("/v1/contacts/{contact}/end"), &key, None),
            (
                Kind::Complete,
                format!("/v1/contacts/{contact}/complete"),
                &key,
                Some(r#"{"disposition":"sale"}"#),
            ),
        ];
        let mut completed = true;
        for (kind, path, key, body) in steps {
            let status = client.call(kind, "POST", &path, key, body).await?;
            completed &= status == 200;
        }
        if completed {
            shared.open.add_permits(1);
        }
    }
    client.finish().await;
    Ok(())
}

/// Reads the event stream and hands every offer to its agent.
async fn offer_reader(
    shared: Arc<Shared>,
    addr: String,
    key: String,
    agents: BTreeMap<String, mpsc::UnboundedSender<Offer>>,
) -> io::Result<()> {
    let mut last_id: Option<u64> = None;
    while !shared.stop.load(Ordering::Relaxed) {
        let mut stream = BufReader::new(TcpStream::connect(&addr).await?);
        let resume = last_id
            .map(|id| format!("Last-Event-ID: {id}\r\n"))
            .unwrap_or_default();
        let request = format!(
            "GET /v1/events HTTP/1.1\r\nHost: switchboard\r\nAuthorization: Bearer {key}\r\nAccept: text/event-stream\r\n{resume}\r\n"
        );
        stream.get_mut().write_all(request.as_bytes()).await?;
        let (status, head) = read_head(&mut stream).await?;
        if status != 200 || !head.chunked {
            return Err(io::Error::other(format!("GET /v1/events: status {status}")));
        }
        let mut pending = String::new();
        'stream: loop {
            let chunk = tokio::select! {
                chunk = read_chunk(&mut stream) => chunk?,
                _ = tokio::time::sleep(Duration::from_millis(200)) => {
                    if shared.stop.load(Ordering::Relaxed) { return Ok(()); }
                    continue;
                }
            };
            let Some(chunk) = chunk else { break };
            pending.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = pending.find("\n\n") {
                let message: String = pending.drain(..end + 2).collect();
                let (mut event, mut data, mut id) = ("", "", None);
                for line in message.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data = v.trim();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    }
                }
                if id.is_some() {
                    last_id = id;
                }
                match event {
                    "offer_created" => {
                        let value: serde_json::Value =
                            serde_json::from_str(data).map_err(io::Error::other)?;
                        let e = &value["event"];
                        let (Some(agent), Some(offer), Some(contact)) = (
                            e["agent"].as_str(),
                            e["offer"].as_u64(),
                            e["contact"].as_u64(),
                        ) else {
                            return Err(io::Error::other(format!("unexpected offer {data}")));
                        };
                        shared.offers_seen.fetch_add(1, Ordering::Relaxed);
                        if let Some(tx) = agents.get(agent) {
                            let _ = tx.send(Offer { offer, contact });
                        }
                    }
                    "error" => {
                        eprintln!("http_load: event stream: {data}; resuming");
                        break 'stream;
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------------------------------ report

fn main() -> std::process::ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("http_load: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let runtime = if options.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(options.threads)
            .enable_all()
            .build()
    }
    .expect("tokio runtime");
    match runtime.block_on(run(options)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("http_load: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(o: Options) -> io::Result<()> {
    let shared = Arc::new(Shared {
        started: Instant::now(),
        stop: AtomicBool::new(false),
        samples: Mutex::new(Vec::new()),
        open: Semaphore::new(o.open_max),
        offers_seen: AtomicU64::new(0),
        io_errors: AtomicU64::new(0),
    });
    let mut senders = BTreeMap::new();
    let mut tasks = Vec::new();
    for i in 0..o.agents {
        let agent = format!("{}{i}", o.agent_prefix);
        let (tx, rx) = mpsc::unbounded_channel();
        senders.insert(agent.clone(), tx);
        tasks.push(tokio::spawn(agent_client(
            shared.clone(),
            o.addr.clone(),
            agent,
            o.agent_prefix.clone(),
            o.connector_key.clone(),
            o.refuse_percent,
            rx,
        )));
    }
    let reader = tokio::spawn(offer_reader(
        shared.clone(),
        o.addr.clone(),
        o.connector_key.clone(),
        senders,
    ));
    // Let the stream connect before the first contact arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for i in 0..o.connectors {
        tasks.push(tokio::spawn(connector_client(
            shared.clone(),
            o.addr.clone(),
            o.connector_key.clone(),
            i,
        )));
    }
    let warmup = Duration::from_secs_f64(o.warmup);
    let window = Duration::from_secs_f64(o.seconds);
    tokio::time::sleep_until((shared.started + warmup).into()).await;
    let commits_0 = metric(&o.addr, "switchboard_commits_total").await?;
    let events_0 = metric(&o.addr, "switchboard_events_total").await?;
    let window_start = shared.started.elapsed();
    tokio::time::sleep(window).await;
    let commits_1 = metric(&o.addr, "switchboard_commits_total").await?;
    let events_1 = metric(&o.addr, "switchboard_events_total").await?;
    let window_end = shared.started.elapsed();
    shared.stop.store(true, Ordering::Relaxed);
    for task in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("http_load: a client failed: {e}"),
            Err(e) => eprintln!("http_load: a client panicked: {e}"),
        }
    }
    if let Ok(Err(e)) = reader.await {
        eprintln!("http_load: the event stream failed: {e}");
    }

    let samples = shared.samples.lock().await;
    let (from, to) = (
        window_start.as_micros() as u64,
        window_end.as_micros() as u64,
    );
    let seconds = (window_end - window_start).as_secs_f64();
    let in_window: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.done_us >= from && s.done_us < to)
        .collect();
    let mut all: Vec<u64> = in_window.iter().map(|s| s.latency_us).collect();
    all.sort_unstable();
    let ok = in_window
        .iter()
        .filter(|s| (200..300).contains(&s.status))
        .count();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for s in &in_window {
        *statuses.entry(s.status).or_default() += 1;
    }
    let commits = commits_1 - commits_0;
    let events = events_1 - events_0;
    println!(
        "clients: {} agents + {} connectors + 1 event stream; window {:.1} s after {:.1} s warm-up",
        o.agents, o.connectors, seconds, o.warmup
    );
    println!(
        "commands: {} answered ({} 2xx; by status {:?}), {:.0} commands/s; {} I/O errors",
        in_window.len(),
        ok,
        statuses,
        in_window.len() as f64 / seconds,
        shared.io_errors.load(Ordering::Relaxed)
    );
    println!(
        "latency ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  max {:.2}",
        percentile(&all, 50.0),
        percentile(&all, 90.0),
        percentile(&all, 99.0),
        percentile(&all, 100.0)
    );
    println!(
        "server: {:.0} events/s, {:.0} commits/s, {:.1} commands per commit (switchboard_commits_total, switchboard_events_total)",
        events / seconds,
        commits / seconds,
        if commits > 0.0 {
            in_window.len() as f64 / commits
        } else {
            0.0
        }
    );
    println!("| request | count | per second | p50 ms | p99 ms |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    let mut by_kind: BTreeMap<Kind, Vec<u64>> = BTreeMap::new();
    for s in &in_window {
        by_kind.entry(s.kind).or_default().push(s.latency_us);
    }
    for (kind, mut latencies) in by_kind {
        latencies.sort_unstable();
        println!(
            "| {} | {} | {:.0} | {:.2} | {:.2} |",
            kind.name(),
            latencies.len(),
            latencies.len() as f64 / seconds,
            percentile(&latencies, 50.0),
            percentile(&latencies, 99.0)
        );
    }
    println!(
        "| all | {} | {:.0} | {:.2} | {:.2} |",
        all.len(),
        all.len() as f64 / seconds,
        percentile(&all, 50.0),
        percentile(&all, 99.0)
    );
    println!(
        "RESULT commands_per_second={:.0} p50_ms={:.2} p99_ms={:.2} events_per_second={:.0} commands_per_commit={:.1}",
        in_window.len() as f64 / seconds,
        percentile(&all, 50.0),
        percentile(&all, 99.0),
        events / seconds,
        if commits > 0.0 {
            in_window.len() as f64 / commits
        } else {
            0.0
        }
    );
    Ok(())
}
