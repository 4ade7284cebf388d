//! A harness for black-box tests of `switchboard serve`: the real binary on a free port with
//! its own data directory, an HTTP client, and a Server-Sent Events reader.
//!
//! Nothing here waits a fixed time: every wait polls for something to happen, with a
//! generous deadline, and fails with what it saw when the deadline passes.

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

/// The longest any single wait in these tests may take before it counts as a failure. Far
/// above what anything needs, so that a slow CI machine does not fail a correct server.
pub const DEADLINE: Duration = Duration::from_secs(30);

pub const ADMIN: &str = "admin-secret";
pub const SUPERVISOR: &str = "supervisor-secret";
pub const CONNECTOR: &str = "connector-secret";

/// Polls `probe` until it gives a value; panics, naming `what`, after [`DEADLINE`].
#[track_caller]
pub fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The secret of the key of agent `id` in configurations made by [`agents_toml`].
pub fn agent_key(id: &str) -> String {
    format!("{id}-secret")
}

/// The keys every test configuration has: admin, supervisor, connector.
pub const KEYS_TOML: &str = r#"
[[keys]]
role = "admin"
secret = "admin-secret"

[[keys]]
role = "supervisor"
secret = "supervisor-secret"

[[keys]]
role = "connector"
secret = "connector-secret"
"#;

/// The text of `examples/config/server.toml`, the example configuration.
pub fn example_config() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/config/server.toml"
    );
    std::fs::read_to_string(path).expect("examples/config/server.toml")
}

/// Agents serving `queues`, each with a station `st-<id>` and an agent key `<id>-secret`.
pub fn agents_toml(ids: &[&str], queues: &[&str]) -> String {
    let mut toml = String::new();
    for id in ids {
        let skills: Vec<String> = queues
            .iter()
            .map(|q| format!("{{ queue = \"{q}\" }}"))
            .collect();
        toml.push_str(&format!(
            "\n[[stations]]\nid = \"st-{id}\"\nnumber = \"+36-{id}\"\n\n\
             [[agents]]\nid = \"{id}\"\nfull_name = \"Agent {id}\"\nqueues = [{}]\n\n\
             [[keys]]\nrole = \"agent\"\nagent = \"{id}\"\nsecret = \"{id}-secret\"\n",
            skills.join(", ")
        ));
    }
    toml
}

/// A data directory and a configuration file that outlive server restarts.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub data: PathBuf,
    starts: usize,
}

impl Site {
    /// A site with this configuration (TOML text).
    pub fn new(config: &str) -> Site {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("switchboard.toml");
        std::fs::write(&path, config).expect("write the configuration");
        let data = dir.path().join("data");
        Site {
            dir,
            config: path,
            data,
            starts: 0,
        }
    }

    /// A site with the same configuration over another data directory.
    pub fn with_data(&self, data: &Path) -> Site {
        let mut site = Site::new(&std::fs::read_to_string(&self.config).expect("config"));
        site.data = data.to_path_buf();
        site
    }

    /// Starts `switchboard serve` on this site, the engine clock `speed` times real time.
    pub fn start(&mut self, speed: u32) -> Server {
        self.start_with(speed, &[])
    }

    /// [`Site::start`] with more options for `switchboard serve`.
    pub fn start_with(&mut self, speed: u32, options: &[&str]) -> Server {
        self.starts += 1;
        let stderr = self.dir.path().join(format!("stderr-{}.log", self.starts));
        let mut command = Command::new(BIN);
        command
            .arg("serve")
            .arg("--config")
            .arg(&self.config)
            .arg("--data")
            .arg(&self.data)
            .args(["--listen", "127.0.0.1:0", "--speed", &speed.to_string()])
            .args(options);
        spawn_server(command, stderr)
    }
}

/// Starts `switchboard serve ARGS` (a cluster node: `--store URL --node-id N …`) on a free
/// port, its stderr in `stderr`.
pub fn start_node(args: &[&str], stderr: PathBuf) -> Server {
    let mut command = Command::new(BIN);
    command
        .arg("serve")
        .args(["--listen", "127.0.0.1:0"])
        .args(args);
    spawn_server(command, stderr)
}

/// Runs `command` (a `switchboard serve`) and waits for the address it prints.
fn spawn_server(mut command: Command, stderr: PathBuf) -> Server {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).expect("stderr file"))
        .spawn()
        .expect("start the switchboard binary");
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Keep reading so the server never blocks on a full pipe.
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("switchboard: listening on http://") {
                let _ = tx.send(addr.trim().to_string());
            }
        }
    });
    let addr = match rx.recv_timeout(DEADLINE) {
        Ok(addr) => addr,
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server did not print its address; stderr:\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
    };
    Server {
        client: Client::new(&addr),
        child: Some(child),
        stderr,
    }
}

/// A running `switchboard serve`; killed when dropped.
pub struct Server {
    pub client: Client,
    child: Option<Child>,
    stderr: PathBuf,
}

impl std::ops::Deref for Server {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// `kill -9`: no chance to flush or clean up.
    pub fn kill9(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        // Past the deadline the panic drops `self`, which kills the server.
        let status = eventually("the server's exit after SIGTERM", || {
            self.child
                .as_mut()
                .expect("running")
                .try_wait()
                .expect("wait")
        });
        self.child = None;
        status
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// What the server answered.
#[derive(Clone)]
pub struct Reply {
    /// What it answers: the method and the path.
    pub request: String,
    pub status: u16,
    pub content_type: String,
    pub content_disposition: String,
    /// The body as it came (a report may be binary).
    pub body: Vec<u8>,
    /// The body as text (lossy where it is not UTF-8).
    pub text: String,
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} → {} {:?} {}",
            self.request, self.status, self.content_type, self.text
        )
    }
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {self:?}"))
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Asserts a 2xx and returns the JSON body.
    #[track_caller]
    pub fn ok(&self) -> Value {
        assert!(self.is_success(), "expected success: {self:?}");
        self.json()
    }

    /// Asserts the error status and body: exactly `{"error": {"code", "message"}}` with this
    /// code and a message.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "expected {status} {code}: {self:?}");
        assert!(
            self.content_type.starts_with("application/json"),
            "error content type: {self:?}"
        );
        assert_eq!(self.error_code(), code, "{self:?}");
    }

    /// The error code of an error body (checking the body's shape).
    #[track_caller]
    pub fn error_code(&self) -> String {
        let body = self.json();
        let object = body.as_object().expect("error body is an object");
        assert_eq!(object.len(), 1, "only `error` at the top: {body}");
        let error = body["error"].as_object().expect("`error` object");
        assert_eq!(error.len(), 2, "error has code and message only: {body}");
        let message = error["message"].as_str().expect("message is a string");
        assert!(!message.is_empty(), "empty message: {body}");
        error["code"]
            .as_str()
            .expect("code is a string")
            .to_string()
    }
}

/// An HTTP client for one server. Cheap to clone, usable from many threads.
#[derive(Clone)]
pub struct Client {
    pub addr: String,
    http: ureq::Agent,
}

impl Client {
    pub fn new(addr: &str) -> Client {
        Client::with_pool(addr, true)
    }

    /// A client for the same server that opens a new connection for every request. Use it
    /// where the server writes an answer in several pieces (a report does): on a reused
    /// connection each piece after the first can wait for a delayed ACK.
    pub fn unpooled(&self) -> Client {
        Client::with_pool(&self.addr, false)
    }

    fn with_pool(addr: &str, pool: bool) -> Client {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(DEADLINE));
        if !pool {
            config = config.max_idle_connections(0);
        }
        Client {
            addr: addr.to_string(),
            http: config.build().into(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Any request; `Err` only when there is no HTTP answer (connection refused or reset).
    pub fn try_request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &[u8])],
        body: Option<&[u8]>,
    ) -> Result<Reply, ureq::Error> {
        let url = self.url(path);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let request = builder
            .body(body.unwrap_or_default().to_vec())
            .expect("a valid request");
        let mut response = self.http.run(request)?;
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (content_type, content_disposition) =
            (header("content-type"), header("content-disposition"));
        let body = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()?;
        Ok(Reply {
            request: format!("{method} {path}"),
            status: response.status().as_u16(),
            content_type,
            content_disposition,
            text: String::from_utf8_lossy(&body).into_owned(),
            body,
        })
    }

    /// Sends `request` as it is (for what a well-behaved client will not send) and returns
    /// the status and the body of the answer.
    pub fn raw(&self, request: &[u8]) -> (u16, String) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        stream.write_all(request).expect("send");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("read the answer");
        let answer = String::from_utf8_lossy(&answer).to_string();
        let status = answer
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {answer:?}"));
        let body = answer
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_string())
            .unwrap_or_default();
        (status, body)
    }

    fn auth(key: Option<&str>) -> Option<String> {
        key.map(|k| format!("Bearer {k}"))
    }

    pub fn try_send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        json: Option<&str>,
    ) -> Result<Reply, ureq::Error> {
        let auth = Self::auth(key);
        let mut headers: Vec<(&str, &[u8])> = Vec::new();
        if let Some(auth) = &auth {
            headers.push(("authorization", auth.as_bytes()));
        }
        if json.is_some() {
            headers.push(("content-type", b"application/json"));
        }
        self.try_request(method, path, &headers, json.map(str::as_bytes))
    }

    #[track_caller]
    pub fn get(&self, path: &str, key: Option<&str>) -> Reply {
        self.try_send("GET", path, key, None)
            .unwrap_or_else(|e| panic!("GET {path}: no answer: {e}"))
    }

    /// POST with a JSON body (or none).
    #[track_caller]
    pub fn post(&self, path: &str, key: &str, json: Option<&str>) -> Reply {
        self.try_send("POST", path, Some(key), json)
            .unwrap_or_else(|e| panic!("POST {path}: no answer: {e}"))
    }

    #[track_caller]
    pub fn put(&self, path: &str, key: &str, json: &str) -> Reply {
        self.try_send("PUT", path, Some(key), Some(json))
            .unwrap_or_else(|e| panic!("PUT {path}: no answer: {e}"))
    }

    /// `GET /healthz`'s journal position.
    pub fn last_seq(&self) -> u64 {
        self.get("/healthz", None).ok()["last_seq"]
            .as_u64()
            .expect("last_seq")
    }

    /// Posts a contact as the connector; returns its id.
    #[track_caller]
    pub fn create_contact(&self, channel: &str, queue: &str, from: &str) -> u64 {
        let reply = self.post(
            "/v1/contacts",
            CONNECTOR,
            Some(&format!(
                r#"{{"channel":"{channel}","queue":"{queue}","from":"{from}"}}"#
            )),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()["contact"].as_u64().expect("contact id")
    }

    /// Logs agent `id` in at its station `st-<id>` (with its own key).
    #[track_caller]
    pub fn login(&self, id: &str) {
        self.post(
            &format!("/v1/agents/{id}/login"),
            &agent_key(id),
            Some(&format!(r#"{{"station":"st-{id}"}}"#)),
        )
        .ok();
    }

    /// The connector reports the leg of voice offer `offer` linked.
    #[track_caller]
    pub fn link_leg(&self, offer: u64) {
        self.post(
            "/v1/connector/events",
            CONNECTOR,
            Some(&format!(r#"{{"type":"leg_linked","offer":{offer}}}"#)),
        )
        .ok();
    }

    /// The row of `id` in the supervisor monitor's `table` (`agents`, `queues`).
    #[track_caller]
    pub fn monitor_row(&self, table: &str, id: &str) -> Value {
        let rows = self
            .get(&format!("/v1/monitor/{table}"), Some(SUPERVISOR))
            .ok();
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {id}: {rows}"))
    }

    /// Waits until agent `id` has an offer (reading its status with `key`); returns the offer.
    #[track_caller]
    pub fn wait_offer(&self, id: &str, key: &str) -> u64 {
        eventually(&format!("an offer to {id}"), || {
            self.get(&format!("/v1/agents/{id}/status"), Some(key)).ok()["offer"].as_u64()
        })
    }

    /// Opens `GET /v1/events` with `key`, resuming after `last_event_id` if given.
    #[track_caller]
    pub fn events(&self, key: &str, last_event_id: Option<u64>) -> EventStream {
        self.open_events(key, last_event_id, "")
    }

    /// Opens `GET /v1/events{query}` with `key`.
    #[track_caller]
    pub fn events_query(&self, key: &str, query: &str) -> EventStream {
        self.open_events(key, None, query)
    }

    #[track_caller]
    fn open_events(&self, key: &str, last_event_id: Option<u64>, query: &str) -> EventStream {
        let auth = format!("Bearer {key}");
        let last = last_event_id.map(|id| id.to_string());
        let mut request = self
            .http
            .get(self.url(&format!("/v1/events{query}")))
            .header("authorization", &auth);
        if let Some(last) = &last {
            request = request.header("last-event-id", last);
        }
        // The stream runs for as long as the test wants it: no global time-out here.
        let response = request
            .config()
            .timeout_global(None)
            .build()
            .call()
            .expect("open the event stream");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert_eq!(response.status().as_u16(), 200, "event stream status");
        assert!(
            content_type.starts_with("text/event-stream"),
            "event stream content type {content_type:?}"
        );
        EventStream::from_reader(response.into_body().into_reader())
    }

    /// The whole journal as the event stream replays it from the start (as admin), up to the
    /// position `/healthz` reports now.
    pub fn journal(&self) -> Vec<Sse> {
        let last = self.last_seq();
        let mut stream = self.events(ADMIN, Some(0));
        if last > 0 {
            stream.wait_for(&format!("journal entry {last}"), |m| m.id >= Some(last));
        }
        stream
            .seen
            .into_iter()
            .filter(|m| m.id.is_some_and(|id| id <= last))
            .collect()
    }
}

/// One Server-Sent Events message.
#[derive(Debug, Clone)]
pub struct Sse {
    pub id: Option<u64>,
    pub event: String,
    pub data: Value,
}

impl Sse {
    /// The engine event of an event message (`data.event`).
    pub fn ev(&self) -> &Value {
        &self.data["event"]
    }

    pub fn is(&self, kind: &str) -> bool {
        self.event == kind
    }

    pub fn contact(&self) -> Option<u64> {
        self.ev()["contact"].as_u64()
    }
}

/// The messages of one event stream, read on a thread of its own.
pub struct EventStream {
    rx: mpsc::Receiver<Sse>,
    /// Everything received so far, in order.
    pub seen: Vec<Sse>,
    /// The server ended the stream (or the connection broke).
    pub ended: bool,
}

impl EventStream {
    fn from_reader(reader: impl std::io::Read + Send + 'static) -> EventStream {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut id = None;
            let mut event = String::from("message");
            let mut data = String::new();
            for line in BufReader::new(reader).lines() {
                let Ok(line) = line else { break };
                let line = line.strip_suffix('\r').unwrap_or(&line);
                if line.is_empty() {
                    if !data.is_empty() {
                        let message = Sse {
                            id: id.take(),
                            event: std::mem::replace(&mut event, "message".into()),
                            data: serde_json::from_str(&data)
                                .unwrap_or_else(|e| panic!("SSE data is not JSON ({e}): {data}")),
                        };
                        data.clear();
                        if tx.send(message).is_err() {
                            return; // the test is done with this stream
                        }
                    }
                    id = None;
                    event = "message".into();
                    continue;
                }
                if line.starts_with(':') {
                    continue; // keep-alive comment
                }
                let (field, value) = line.split_once(':').unwrap_or((line, ""));
                let value = value.strip_prefix(' ').unwrap_or(value);
                match field {
                    "id" => id = Some(value.parse::<u64>().expect("numeric SSE id")),
                    "event" => event = value.to_string(),
                    "data" => {
                        if !data.is_empty() {
                            data.push('\n');
                        }
                        data.push_str(value);
                    }
                    _ => {}
                }
            }
        });
        EventStream {
            rx,
            seen: Vec::new(),
            ended: false,
        }
    }

    /// The next message, if one comes within `timeout`.
    pub fn next(&mut self, timeout: Duration) -> Option<Sse> {
        if self.ended {
            return None;
        }
        match self.rx.recv_timeout(timeout) {
            Ok(message) => {
                self.seen.push(message.clone());
                Some(message)
            }
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                self.ended = true;
                None
            }
        }
    }

    /// Reads until a message matches (it may already have been seen); panics at the deadline.
    #[track_caller]
    pub fn wait_for(&mut self, what: &str, matches: impl Fn(&Sse) -> bool) -> Sse {
        if let Some(found) = self.seen.iter().find(|m| matches(m)) {
            return found.clone();
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left) {
                Some(message) if matches(&message) => return message,
                Some(_) => {}
                None => {
                    let tail: Vec<String> = self
                        .seen
                        .iter()
                        .rev()
                        .take(20)
                        .map(|m| format!("{:?} {} {}", m.id, m.event, m.data))
                        .collect();
                    panic!(
                        "no {what} on the event stream (ended: {}); last messages, newest first:\n{}",
                        self.ended,
                        tail.join("\n")
                    );
                }
            }
        }
    }

    /// Waits for the engine event `kind` about `contact`.
    #[track_caller]
    pub fn wait_contact(&mut self, kind: &str, contact: u64) -> Sse {
        self.wait_for(&format!("{kind} of contact {contact}"), |m| {
            m.is(kind) && m.contact() == Some(contact)
        })
    }

    /// Waits for the stream to end (EOF from the server).
    pub fn wait_end(&mut self) -> bool {
        let deadline = Instant::now() + DEADLINE;
        while !self.ended && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            self.next(left);
        }
        self.ended
    }
}

/// Reads the journal of a data directory (or a backup file) with SQLite directly.
pub fn read_journal(db: &Path) -> Vec<(u64, String, Value)> {
    let conn = rusqlite::Connection::open_with_flags(
        db,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .unwrap_or_else(|e| panic!("open {}: {e}", db.display()));
    let mut statement = conn
        .prepare("SELECT seq, kind, payload FROM journal ORDER BY seq")
        .expect("journal query");
    statement
        .query_map([], |row| {
            let payload: String = row.get(2)?;
            Ok((
                row.get::<_, i64>(0)? as u64,
                row.get::<_, String>(1)?,
                serde_json::from_str(&payload).expect("payload is JSON"),
            ))
        })
        .expect("journal rows")
        .collect::<Result<_, _>>()
        .expect("journal rows")
}

/// Runs `serve` with the configuration file `path` (on a data directory beside it), which
/// must be refused before the server listens: exit status 2, one line on stderr, which is
/// returned.
#[track_caller]
pub fn refused_config(path: &Path) -> String {
    let output = run(&[
        "serve",
        "--config",
        path.to_str().unwrap(),
        "--data",
        path.with_extension("data").to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{path:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{path:?}: one line: {stderr}");
    assert!(output.stdout.is_empty(), "{path:?}: it did not start");
    stderr
}

/// `switchboard report NAME` over a data directory for the years around this one (a range
/// may span ten years at most): the CSV.
#[track_caller]
pub fn report_around_now(name: &str, data: &Path) -> String {
    let since_1970 = std::time::UNIX_EPOCH.elapsed().expect("a clock after 1970");
    let year = 1970 + since_1970.as_secs() / 31_556_952;
    let output = run(&[
        "report",
        name,
        "--data",
        data.to_str().unwrap(),
        "--from",
        &format!("{}-01-01", year - 4),
        "--to",
        &format!("{}-12-31", year + 5),
    ]);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// Runs the binary to completion.
pub fn run(args: &[&str]) -> std::process::Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the switchboard binary")
}
