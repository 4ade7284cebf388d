//! Cluster benchmarks (docs/benchmarks.md, "Cluster coordination cost" and "Failover time"):
//! release `switchboard serve --store postgres://… --node-id …` processes over a PostgreSQL
//! this benchmark starts (`switchboard_pgtest::Server::start`, `fsync` on), driven over HTTP
//! on 127.0.0.1 only.
//!
//! 1. **Coordination cost.** Three routing domains (`d1`–`d3`, each with queue `q`). Either ONE
//!    node owns all three and every request goes to it, or THREE nodes own one each and every
//!    request enters at a node that does NOT own its domain (owners read from `GET
//!    /v1/domains`), so each is forwarded. The same closed-loop load in both: `C` client
//!    threads, spread evenly over the domains, each sending `POST /v1/contacts` with its
//!    domain's connector key as fast as the answers come (`201` counted). Per window: commands
//!    per second, client-side latency p50/p99, and CPU per command — the utime + stime of all
//!    node processes (`/proc/PID/stat`) over the window ÷ the commands. A fresh database and
//!    fresh nodes per configuration and round; the order alternates between rounds.
//! 2. **Lease renewal cost.** One node holding three domains, idle for `IDLE_SECONDS`: its CPU.
//! 3. **Failover.** Three nodes, three domains, light load (about 20 requests/s over the other
//!    domains); `kill -9` the owner of `d1`, then a client sends `POST /v1/contacts` for `d1`
//!    through a surviving node until one is acknowledged: the time from the kill to that 201.
//!    The killed node is started again and the domains rebalanced before the next repetition;
//!    each kill waits a different fraction of the renewal interval first, so the kills fall at
//!    spread phases of the lease cycle.
//!    Repeated `FAILOVER_REPS` times for each lease time in `FAILOVER_LEASES_MS`.
//!
//! Run: `cargo bench -p switchboard --bench cluster` (builds the release binary).
//! Options (environment): `CLUSTER_ROUNDS` (3), `CLUSTER_CLIENTS` ("3,24": load levels),
//! `CLUSTER_WARMUP` (3 s), `CLUSTER_SECONDS` (15 s window), `IDLE_SECONDS` (30),
//! `FAILOVER_REPS` (10), `FAILOVER_LEASES_MS` ("10000,2000"), `CLUSTER_PARTS`
//! ("coordination,idle,failover": which to run).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use switchboard_pgtest::{Options, Server};

const BIN: &str = env!("CARGO_BIN_EXE_switchboard");
const DOMAINS: [&str; 3] = ["d1", "d2", "d3"];
const DEADLINE: Duration = Duration::from_secs(60);

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.to_string())
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn cli(args: &[&str]) -> String {
    let output = Command::new(BIN)
        .args(args)
        .output()
        .expect("run switchboard");
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// Polls `probe` every 20 ms until it gives something.
fn wait_for<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A fresh database with the three domains and their keys.
struct Site {
    url: String,
    dir: PathBuf,
    /// The cluster-admin key.
    root: String,
    /// Domain → (admin key, connector key).
    keys: BTreeMap<String, (String, String)>,
}

impl Site {
    fn new(pg: &Server, dir: &Path) -> Site {
        let url = pg.database();
        let root = cli(&["keys", "create", "--store", &url, "--role", "cluster-admin"]);
        let mut keys = BTreeMap::new();
        for domain in DOMAINS {
            cli(&["domains", "create", domain, "--store", &url]);
            let key = |role: &str| {
                cli(&[
                    "keys", "create", "--store", &url, "--domain", domain, "--role", role,
                ])
            };
            keys.insert(domain.to_string(), (key("admin"), key("connector")));
        }
        Site {
            url,
            dir: dir.to_path_buf(),
            root,
            keys,
        }
    }

    fn start(&self, name: &str, lease_ms: u64) -> Node {
        let log = self.dir.join(format!(
            "{name}-{}.log",
            Instant::now().elapsed().as_nanos() ^ rand_tag()
        ));
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--store", &self.url])
            .args(["--node-id", name, "--lease-ms", &lease_ms.to_string()])
            // The lease events (taking a domain, with the time its opening took), no more.
            .env("SWITCHBOARD_LOG", "warn,switchboard_server::cluster=info")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("start a node");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("switchboard: listening on ") {
                    let _ = tx.send(addr.trim().to_string());
                }
            }
        });
        let addr = rx.recv_timeout(DEADLINE).unwrap_or_else(|_| {
            panic!(
                "{name} did not start: {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            )
        });
        Node {
            name: name.to_string(),
            pid: child.id(),
            child,
            addr,
            log,
        }
    }

    /// Domain → owner, as `GET /v1/domains` through `via` says.
    fn owners(&self, via: &Node) -> BTreeMap<String, String> {
        self.domains(via)
            .iter()
            .filter_map(|d| {
                Some((
                    d["domain"].as_str()?.to_string(),
                    d["owner"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    /// The domains as `GET /v1/domains` through `via` lists them (none when it does not answer).
    fn domains(&self, via: &Node) -> Vec<serde_json::Value> {
        let http = agent(Duration::from_secs(5));
        let Ok(mut reply) = http
            .get(format!("{}/v1/domains", via.addr))
            .header("authorization", format!("Bearer {}", self.root))
            .call()
        else {
            return Vec::new();
        };
        let body: serde_json::Value = reply
            .body_mut()
            .read_to_string()
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default();
        body["domains"].as_array().cloned().unwrap_or_default()
    }

    /// Waits until the domains are spread over `nodes` (each owner one of them, nobody more
    /// than its share); the owners.
    fn wait_balanced(&self, via: &Node, nodes: &[&str]) -> BTreeMap<String, String> {
        let share = DOMAINS.len().div_ceil(nodes.len());
        wait_for("the domains to spread over the nodes", || {
            let owners = self.owners(via);
            let all = owners.len() == DOMAINS.len()
                && owners.values().all(|o| nodes.contains(&o.as_str()));
            let fair = nodes
                .iter()
                .all(|n| owners.values().filter(|o| o == n).count() <= share);
            (all && fair).then_some(owners)
        })
    }

    /// Queue `q` in every domain (through `via`).
    fn configure(&self, via: &Node) {
        let http = agent(Duration::from_secs(10));
        for (admin, _) in self.keys.values() {
            let status = http
                .put(format!("{}/v1/queues/q", via.addr))
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .send(r#"{"channel":"voice"}"#)
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            assert!(status == 200 || status == 201, "PUT /v1/queues/q: {status}");
        }
    }
}

fn rand_tag() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

struct Node {
    name: String,
    pid: u32,
    child: Child,
    addr: String,
    log: PathBuf,
}

impl Node {
    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// `POST /v1/contacts` for the connector key's domain through `addr`; the status (0: no answer).
fn post_contact(http: &ureq::Agent, addr: &str, connector: &str, from: u64) -> u16 {
    match http
        .post(format!("{addr}/v1/contacts"))
        .header("authorization", format!("Bearer {connector}"))
        .header("content-type", "application/json")
        .send(format!(
            r#"{{"channel":"voice","queue":"q","from":"+36{from}"}}"#
        )) {
        Ok(mut reply) => {
            let status = reply.status().as_u16();
            let _ = reply.body_mut().read_to_vec();
            status
        }
        Err(_) => 0,
    }
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name is in parentheses and may hold spaces: fields after the last ')'.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); `rest` starts at field 3.
    let get = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    get(14) + get(15)
}

/// The PostgreSQL server's processes: the postmaster listening on `port` and its children
/// (backends, WAL writer, checkpointer …), for their CPU.
fn pg_pids(port: u16) -> Vec<u32> {
    let port = port.to_string();
    let mut postmaster = None;
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
        let is_postmaster = args.first().is_some_and(|a| a.ends_with(b"postgres"))
            && args
                .windows(2)
                .any(|w| w[0] == b"-p" && w[1] == port.as_bytes());
        if is_postmaster {
            postmaster = Some(pid);
        }
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let Some(postmaster) = postmaster else {
        return Vec::new();
    };
    let mut pids = vec![postmaster];
    pids.extend(
        parents
            .iter()
            .filter(|(_, p)| *p == postmaster)
            .map(|(c, _)| *c),
    );
    pids
}

/// CPU time of all of a process's threads in nanoseconds (`/proc/PID/task/*/schedstat`,
/// finer than the 10 ms ticks of `stat`: for an idle node's few milliseconds).
fn cpu_ns(pid: u32) -> u64 {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|task| {
            std::fs::read_to_string(task.path().join("schedstat"))
                .ok()?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// One load window's figures.
#[derive(Clone, Copy, Debug)]
struct Load {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    cpu_us_per_command: f64,
    /// PostgreSQL's CPU (all its processes) per command.
    pg_us_per_command: f64,
    /// Answers other than 201 in the window.
    failed: usize,
}

/// `clients` closed-loop threads, client i sending to `targets[i % len]` (address, connector
/// key); a warm-up, then the window.
fn drive(
    targets: &[(String, String)],
    clients: usize,
    warmup: Duration,
    window: Duration,
    pids: &[u32],
    pg_port: u16,
) -> Load {
    let start = Instant::now();
    let (from, to) = (start + warmup, start + warmup + window);
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (addr, key) = targets[i % targets.len()].clone();
            std::thread::spawn(move || {
                let http = agent(Duration::from_secs(30));
                let mut latencies = Vec::new();
                let (mut ok, mut failed) = (0usize, 0usize);
                let mut n = (i as u64) << 32;
                loop {
                    let sent = Instant::now();
                    if sent >= to {
                        break;
                    }
                    n += 1;
                    let status = post_contact(&http, &addr, &key, n);
                    let done = Instant::now();
                    if sent >= from && done <= to {
                        if status == 201 {
                            ok += 1;
                            latencies.push((done - sent).as_secs_f64() * 1000.0);
                        } else {
                            failed += 1;
                        }
                    }
                }
                (ok, failed, latencies)
            })
        })
        .collect();
    let ticks = |pids: &[u32]| pids.iter().map(|p| cpu_ticks(*p)).sum::<u64>();
    std::thread::sleep(from.saturating_duration_since(Instant::now()));
    let pg = pg_pids(pg_port);
    let (before, pg_before) = (ticks(pids), ticks(&pg));
    std::thread::sleep(to.saturating_duration_since(Instant::now()));
    let (after, pg_after) = (ticks(pids), ticks(&pg));
    let (mut ok, mut failed, mut latencies) = (0, 0, Vec::new());
    for thread in threads {
        let (o, f, l) = thread.join().expect("client");
        ok += o;
        failed += f;
        latencies.extend(l);
    }
    latencies.sort_by(f64::total_cmp);
    let cpu_s = (after - before) as f64 / clock_ticks_per_second();
    Load {
        per_second: ok as f64 / window.as_secs_f64(),
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        cpu_us_per_command: cpu_s * 1e6 / ok.max(1) as f64,
        pg_us_per_command: pg_after.saturating_sub(pg_before) as f64 / clock_ticks_per_second()
            * 1e6
            / ok.max(1) as f64,
        failed,
    }
}

fn coordination(pg: &Server, dir: &Path) {
    let rounds: usize = env_or("CLUSTER_ROUNDS", 3);
    let levels: Vec<usize> = env_list("CLUSTER_CLIENTS", "3,24")
        .iter()
        .map(|s| s.parse().expect("CLUSTER_CLIENTS: numbers"))
        .collect();
    let warmup = Duration::from_secs_f64(env_or("CLUSTER_WARMUP", 3.0));
    let window = Duration::from_secs_f64(env_or("CLUSTER_SECONDS", 15.0));
    // (level index, nodes) → loads per round
    let mut results: BTreeMap<(usize, usize), Vec<Load>> = BTreeMap::new();
    for round in 0..rounds {
        let configs = if round % 2 == 0 { [1, 3] } else { [3, 1] };
        for nodes in configs {
            let site = Site::new(pg, dir);
            let names: Vec<String> = (1..=nodes).map(|i| format!("n{i}")).collect();
            let started: Vec<Node> = names.iter().map(|n| site.start(n, 10_000)).collect();
            let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let owners = site.wait_balanced(&started[0], &name_refs);
            site.configure(&started[0]);
            // Each domain's requests enter at the owner (1 node) or at the next node after
            // the owner (3 nodes): never the owner.
            let targets: Vec<(String, String)> = DOMAINS
                .iter()
                .map(|d| {
                    let owner = started
                        .iter()
                        .position(|n| n.name == owners[*d])
                        .expect("an owner among the nodes");
                    let entry = if nodes == 1 {
                        owner
                    } else {
                        (owner + 1) % nodes
                    };
                    assert!(nodes == 1 || started[entry].name != owners[*d]);
                    (started[entry].addr.clone(), site.keys[*d].1.clone())
                })
                .collect();
            let pids: Vec<u32> = started.iter().map(|n| n.pid).collect();
            for (level, &clients) in levels.iter().enumerate() {
                let load = drive(&targets, clients, warmup, window, &pids, pg.port());
                eprintln!(
                    "round {} {nodes} node(s) {clients:>3} clients: {:>7.0} commands/s, p50 {:.2} ms, p99 {:.2} ms, CPU {:.0} µs/command (PostgreSQL {:.0}), {} not 201",
                    round + 1,
                    load.per_second,
                    load.p50_ms,
                    load.p99_ms,
                    load.cpu_us_per_command,
                    load.pg_us_per_command,
                    load.failed
                );
                results.entry((level, nodes)).or_default().push(load);
            }
            drop(started);
        }
    }
    println!();
    println!(
        "coordination: 3 domains; 1 node (requests at the owner) vs 3 nodes (every request through a non-owner); medians of {rounds} round(s), {:.0} s windows",
        window.as_secs_f64()
    );
    println!(
        "| clients | nodes | commands/s | p50 ms | p99 ms | node CPU µs/command | PostgreSQL CPU µs/command | not 201 | ratio 3 ÷ 1: commands/s, p50, p99, CPU/command (per-round medians) |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (level, &clients) in levels.iter().enumerate() {
        let one = &results[&(level, 1)];
        let three = &results[&(level, 3)];
        for (nodes, loads) in [(1, one), (3, three)] {
            let m = |f: fn(&Load) -> f64| median(&loads.iter().map(f).collect::<Vec<_>>());
            let ratios = if nodes == 3 {
                let r = |f: fn(&Load) -> f64| {
                    let per_round: Vec<f64> =
                        three.iter().zip(one).map(|(t, o)| f(t) / f(o)).collect();
                    let lo = per_round.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = per_round.iter().copied().fold(0.0, f64::max);
                    format!("**{:.2}** ({lo:.2}–{hi:.2})", median(&per_round))
                };
                format!(
                    "{}, {}, {}, {}",
                    r(|l| l.per_second),
                    r(|l| l.p50_ms),
                    r(|l| l.p99_ms),
                    r(|l| l.cpu_us_per_command)
                )
            } else {
                "1".to_string()
            };
            println!(
                "| {clients} | {nodes} | {:.0} | {:.2} | {:.2} | {:.0} | {:.0} | {} | {ratios} |",
                m(|l| l.per_second),
                m(|l| l.p50_ms),
                m(|l| l.p99_ms),
                m(|l| l.cpu_us_per_command),
                m(|l| l.pg_us_per_command),
                loads.iter().map(|l| l.failed).sum::<usize>()
            );
        }
    }
}

fn idle(pg: &Server, dir: &Path) {
    let seconds: f64 = env_or("IDLE_SECONDS", 30.0);
    let site = Site::new(pg, dir);
    let node = site.start("n1", 10_000);
    site.wait_balanced(&node, &["n1"]);
    site.configure(&node);
    std::thread::sleep(Duration::from_secs(2));
    let pg_processes = pg_pids(pg.port());
    let pg_ticks = || pg_processes.iter().map(|p| cpu_ticks(*p)).sum::<u64>();
    let (before, pg_before) = (cpu_ns(node.pid), pg_ticks());
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let (after, pg_after) = (cpu_ns(node.pid), pg_ticks());
    let cpu_ms = after.saturating_sub(before) as f64 / 1e6;
    let pg_ms = pg_after.saturating_sub(pg_before) as f64 / clock_ticks_per_second() * 1000.0;
    let rss = std::fs::read_to_string(format!("/proc/{}/status", node.pid))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .map_or(String::new(), |l| {
            l.trim_start_matches("VmRSS:").trim().to_string()
        });
    println!();
    println!(
        "lease renewal: one idle node with 3 domains, --lease-ms 10000 (a round every 3.3 s): {cpu_ms:.1} ms of CPU in {seconds:.0} s ({:.3} % of one core; {:.2} ms per lease round); PostgreSQL {pg_ms:.0} ms (10 ms ticks); node RSS {rss}",
        cpu_ms / seconds / 10.0,
        cpu_ms / (seconds / (10.0 / 3.0))
    );
}

/// The `ms=` of the new owner's "serving the domain" line for `domain` at `epoch`.
fn open_ms(logs: &[PathBuf], domain: &str, epoch: i64) -> Option<f64> {
    for log in logs {
        let text = strip_ansi(&std::fs::read_to_string(log).unwrap_or_default());
        for line in text.lines().rev() {
            if line.contains("serving the domain")
                && line.contains(&format!("domain={domain}"))
                && line.contains(&format!("epoch={epoch}"))
            {
                let ms = line.split("ms=").nth(1)?.split_whitespace().next()?;
                return ms.parse().ok();
            }
        }
    }
    None
}

fn failover(pg: &Server, dir: &Path) {
    let reps: usize = env_or("FAILOVER_REPS", 10);
    let leases: Vec<u64> = env_list("FAILOVER_LEASES_MS", "10000,2000")
        .iter()
        .map(|s| s.parse().expect("FAILOVER_LEASES_MS: numbers"))
        .collect();
    let mut summary = Vec::new();
    for lease in leases {
        let site = Site::new(pg, dir);
        let names = ["n1", "n2", "n3"];
        let mut nodes: BTreeMap<String, Node> = names
            .iter()
            .map(|n| (n.to_string(), site.start(n, lease)))
            .collect();
        let mut logs: Vec<PathBuf> = nodes.values().map(|n| n.log.clone()).collect();
        site.wait_balanced(&nodes["n1"], &names);
        site.configure(&nodes["n1"]);
        // Light load on the other domains, through whichever nodes are up.
        let live: Arc<Mutex<Vec<String>>> =
            Arc::new(Mutex::new(nodes.values().map(|n| n.addr.clone()).collect()));
        let stop = Arc::new(AtomicBool::new(false));
        let background = {
            let (live, stop) = (live.clone(), stop.clone());
            let keys: Vec<String> = ["d2", "d3"]
                .iter()
                .map(|d| site.keys[*d].1.clone())
                .collect();
            std::thread::spawn(move || {
                let http = agent(Duration::from_secs(10));
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let addr = {
                        let live = live.lock().unwrap();
                        live[n as usize % live.len()].clone()
                    };
                    post_contact(&http, &addr, &keys[n as usize % keys.len()], n);
                    std::thread::sleep(Duration::from_millis(50));
                }
            })
        };
        let connector = site.keys["d1"].1.clone();
        let http = agent(Duration::from_secs(30));
        let mut times = Vec::new();
        let mut opens = Vec::new();
        for rep in 0..reps {
            let any = nodes.values().next().unwrap();
            let owners = site.wait_balanced(any, &names);
            let victim = owners["d1"].clone();
            let entry = nodes
                .values()
                .find(|n| n.name != victim)
                .unwrap()
                .addr
                .clone();
            // The domains just rebalanced, in a lease round: kill at a spread of phases of
            // the renewal cycle (0, 0.3, 0.6, 0.9, 0.2 … of a third of the lease after it),
            // not always right after a renewal.
            let phase = (rep * 3 % 10) as f64 / 10.0;
            std::thread::sleep(Duration::from_secs_f64(lease as f64 / 3000.0 * phase));
            // A command acknowledged just before the kill: the domain was served.
            assert_eq!(post_contact(&http, &entry, &connector, 1), 201);
            let victim_addr = nodes[&victim].addr.clone();
            live.lock().unwrap().retain(|a| *a != victim_addr);
            let killed = Instant::now();
            nodes.get_mut(&victim).unwrap().kill9();
            let mut n = 0;
            loop {
                n += 1;
                if post_contact(&http, &entry, &connector, n) == 201 {
                    break;
                }
                assert!(killed.elapsed() < DEADLINE, "d1 never came back");
                std::thread::sleep(Duration::from_millis(5));
            }
            let took = killed.elapsed().as_secs_f64();
            nodes.remove(&victim);
            let after = site.owners(nodes.values().next().unwrap());
            let epoch = domain_epoch(&site, nodes.values().next().unwrap(), "d1");
            let open = open_ms(&logs, "d1", epoch);
            eprintln!(
                "lease {lease} ms, repetition {}: {victim} killed, d1 served again by {} after {took:.3} s (domain opened in {} ms)",
                rep + 1,
                after.get("d1").map_or("?", String::as_str),
                open.map_or("?".to_string(), |ms| format!("{ms:.0}"))
            );
            times.push(took);
            if let Some(ms) = open {
                opens.push(ms);
            }
            // Back to three nodes, one domain each.
            let node = site.start(&victim, lease);
            logs.push(node.log.clone());
            live.lock().unwrap().push(node.addr.clone());
            nodes.insert(victim.clone(), node);
        }
        stop.store(true, Ordering::Relaxed);
        let _ = background.join();
        let max = times.iter().copied().fold(0.0, f64::max);
        let min = times.iter().copied().fold(f64::INFINITY, f64::min);
        summary.push((lease, median(&times), min, max, median(&opens), reps));
    }
    println!();
    println!(
        "failover: kill -9 the owner of d1 (3 nodes, 3 domains, light load); time from the kill to the first 201 for d1 through a surviving node"
    );
    println!(
        "| --lease-ms | repetitions | median s | min s | max s | bound lease + lease/3 s (+ open) | domain open ms (median) |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (lease, med, min, max, open, reps) in summary {
        let l = lease as f64 / 1000.0;
        println!(
            "| {lease} | {reps} | {med:.2} | {min:.2} | {max:.2} | {:.2} | {open:.0} |",
            l + l / 3.0
        );
    }
}

/// `text` without ANSI colour sequences (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The epoch of `domain`'s lease, from `GET /v1/domains`.
fn domain_epoch(site: &Site, via: &Node, domain: &str) -> i64 {
    site.domains(via)
        .iter()
        .find(|d| d["domain"] == domain)
        .and_then(|d| d["epoch"].as_i64())
        .unwrap_or(-1)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: nothing to run then
    // (this benchmark takes minutes and is never part of the tests).
    if !std::env::args().any(|a| a == "--bench") {
        println!("cluster benchmark: run it with `cargo bench -p switchboard --bench cluster`");
        return;
    }
    let parts = env_list("CLUSTER_PARTS", "coordination,idle,failover");
    let pg = Server::start(Options {
        fsync: true,
        ..Options::default()
    });
    let dir = tempfile::tempdir().expect("a log directory");
    println!(
        "PostgreSQL {} (fsync on); node logs in {}",
        pg.psql("postgres", "SHOW server_version"),
        dir.path().display()
    );
    if parts.iter().any(|p| p == "coordination") {
        coordination(&pg, dir.path());
    }
    if parts.iter().any(|p| p == "idle") {
        idle(&pg, dir.path());
    }
    if parts.iter().any(|p| p == "failover") {
        failover(&pg, dir.path());
    }
    // Keep the logs when asked.
    if std::env::var_os("CLUSTER_KEEP_LOGS").is_some() {
        let kept = dir.keep();
        println!("logs kept in {}", kept.display());
    }
}
