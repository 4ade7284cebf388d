//! Black-box tests of `switchboard serve` with `examples/config/server.toml` (PRODUCT.md §6,
//! §7, §11, §12): the real binary on a free port over a temporary data directory, driven
//! through its HTTP API and SSE stream, then killed (SIGKILL, SIGTERM) and restarted. No test
//! waits a fixed time: each polls for the state or event it expects, with a generous deadline.
//! Self-contained (its own small harness), next to `server.rs` and its `support` module.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(20);
const ADMIN: &str = "admin-secret";
const SUPERVISOR: &str = "supervisor-secret";
const CONNECTOR: &str = "connector-secret";
const A1: &str = "a1-secret";
const A2: &str = "a2-secret";

fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/config/server.toml")
}

fn switchboard(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(args)
        .output()
        .expect("the switchboard binary runs")
}

/// Polls `check` until it gives a value; panics after [`DEADLINE`].
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn bearer(key: &str) -> String {
    format!("Bearer {key}")
}

fn client() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// An HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// Asserts the status and the `{error: {code, message}}` body.
    #[track_caller]
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        let body = self.json();
        assert_eq!(body["error"]["code"], code, "{self:?}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{self:?}"
        );
    }

    #[track_caller]
    fn ok(self) -> Value {
        assert!((200..300).contains(&self.status), "{self:?}");
        self.json()
    }
}

/// One SSE message.
#[derive(Debug, Clone)]
struct Message {
    id: Option<u64>,
    event: String,
    data: String,
}

impl Message {
    fn json(&self) -> Value {
        serde_json::from_str(&self.data).expect("SSE data is JSON")
    }
}

/// An open event stream, read line by line on its own thread.
struct Events {
    rx: mpsc::Receiver<Message>,
}

impl Events {
    fn next(&self, until: Instant) -> Option<Message> {
        let left = until.saturating_duration_since(Instant::now());
        self.rx.recv_timeout(left).ok()
    }

    /// The journaled messages (those with an id) up to and including `last`.
    fn read_to(&self, last: u64) -> Vec<Message> {
        let until = Instant::now() + DEADLINE;
        let mut got = Vec::new();
        if last == 0 {
            return got;
        }
        loop {
            let message = self
                .next(until)
                .unwrap_or_else(|| panic!("no event {last} in time; got {got:?}"));
            match message.id {
                Some(id) => {
                    got.push(message);
                    if id >= last {
                        return got;
                    }
                }
                None => assert_eq!(message.event, "connector_request", "{message:?}"),
            }
        }
    }
}

/// A running `switchboard serve`; killed when dropped.
struct App {
    child: Child,
    addr: String,
    http: ureq::Agent,
    _stdout: BufReader<ChildStdout>,
}

impl App {
    fn start(data: &Path, config: &Path, speed: Option<&str>) -> App {
        let mut command = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        command
            .arg("serve")
            .arg("--config")
            .arg(config)
            .arg("--data")
            .arg(data)
            .args(["--listen", "127.0.0.1:0"]);
        if let Some(speed) = speed {
            command.args(["--speed", speed]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the switchboard binary starts");
        // Kept open: the server prints a second line, and a closed pipe would fail it.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let Some(addr) = line
            .trim()
            .strip_prefix("switchboard: listening on http://")
            .map(str::to_string)
        else {
            let _ = child.kill();
            panic!("the server did not start: {line:?} ({:?})", child.wait());
        };
        App {
            child,
            addr,
            http: client(),
            _stdout: stdout,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Any request: `auth` is the whole Authorization header.
    fn request(&self, method: &str, path: &str, auth: Option<&str>, body: Option<&str>) -> Answer {
        request(&self.http, &self.url(path), method, auth, body)
    }

    fn get(&self, key: &str, path: &str) -> Answer {
        self.request("GET", path, Some(&bearer(key)), None)
    }

    fn post(&self, key: &str, path: &str, body: Option<Value>) -> Answer {
        let body = body.map(|b| b.to_string());
        self.request("POST", path, Some(&bearer(key)), body.as_deref())
    }

    fn last_seq(&self) -> u64 {
        let health = self.request("GET", "/healthz", None, None).ok();
        health["last_seq"].as_u64().expect("last_seq")
    }

    /// Opens `GET /v1/events{query}` (200 expected).
    fn events(&self, key: &str, query: &str, last_event_id: Option<u64>) -> Events {
        let http: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut request = http
            .get(self.url(&format!("/v1/events{query}")))
            .header("authorization", bearer(key));
        if let Some(id) = last_event_id {
            request = request.header("last-event-id", id.to_string());
        }
        let response = request.call().expect("the event stream opens");
        assert_eq!(response.status().as_u16(), 200);
        let reader = BufReader::new(response.into_body().into_reader());
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let (mut id, mut event, mut data) = (None, String::new(), String::new());
            for line in reader.lines() {
                let Ok(line) = line else { return };
                if line.is_empty() {
                    if !data.is_empty() || !event.is_empty() {
                        let message = Message {
                            id: id.take(),
                            event: std::mem::take(&mut event),
                            data: std::mem::take(&mut data),
                        };
                        if tx.send(message).is_err() {
                            return;
                        }
                    }
                } else if let Some(value) = line.strip_prefix("id:") {
                    id = Some(value.trim().parse().expect("numeric SSE id"));
                } else if let Some(value) = line.strip_prefix("event:") {
                    event = value.trim().to_string();
                } else if let Some(value) = line.strip_prefix("data:") {
                    if !data.is_empty() {
                        data.push('\n');
                    }
                    data.push_str(value.strip_prefix(' ').unwrap_or(value));
                }
            }
        });
        Events { rx }
    }

    /// The whole journal (admin replay from 0 to the current last seq): the `data` objects.
    fn journal(&self) -> Vec<Value> {
        let last = self.last_seq();
        self.events(ADMIN, "?after=0", None)
            .read_to(last)
            .iter()
            .map(Message::json)
            .collect()
    }

    fn status(&self, key: &str, agent: &str) -> Value {
        self.get(key, &format!("/v1/agents/{agent}/status")).ok()
    }

    fn login(&self, key: &str, agent: &str, station: &str) {
        self.post(
            key,
            &format!("/v1/agents/{agent}/login"),
            Some(json!({"station": station, "state": "ready"})),
        )
        .ok();
    }

    fn create_contact(&self, queue: &str) -> u64 {
        let answer = self.post(
            CONNECTOR,
            "/v1/contacts",
            Some(json!({"channel": "voice", "queue": queue, "from": "+3612345678"})),
        );
        assert_eq!(answer.status, 201, "{answer:?}");
        answer.json()["contact"].as_u64().expect("contact id")
    }

    /// Waits until the agent has an offer; returns its id.
    fn offer_of(&self, key: &str, agent: &str) -> u64 {
        eventually(&format!("an offer to {agent}"), || {
            self.status(key, agent)["offer"].as_u64()
        })
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn request(
    http: &ureq::Agent,
    url: &str,
    method: &str,
    auth: Option<&str>,
    body: Option<&str>,
) -> Answer {
    fn with_auth<B>(
        request: ureq::RequestBuilder<B>,
        auth: Option<&str>,
    ) -> ureq::RequestBuilder<B> {
        match auth {
            Some(auth) => request.header("authorization", auth),
            None => request,
        }
    }
    let json = "application/json";
    let result = match (method, body) {
        ("GET", None) => with_auth(http.get(url), auth).call(),
        ("POST", None) => with_auth(http.post(url), auth).send_empty(),
        ("POST", Some(body)) => with_auth(http.post(url), auth)
            .header("content-type", json)
            .send(body),
        ("PUT", Some(body)) => with_auth(http.put(url), auth)
            .header("content-type", json)
            .send(body),
        other => panic!("no such request in these tests: {other:?}"),
    };
    let mut response = result.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    Answer {
        status: response.status().as_u16(),
        body: response.body_mut().read_to_string().expect("a text body"),
    }
}

fn example_app() -> (tempfile::TempDir, App) {
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("data"), &example_config(), None);
    (dir, app)
}

/// The agent an event is about: a plain id, or the id of a configured agent.
fn agent_of(event: &Value) -> Option<&str> {
    let agent = &event["agent"];
    agent.as_str().or_else(|| agent["id"].as_str())
}

// ---------------------------------------------------------------- 1. contact flow

#[test]
fn a_contact_is_refused_reoffered_handled_and_closed_with_its_disposition() {
    let (_dir, app) = example_app();
    app.login(A1, "a1", "s1");
    app.login(A2, "a2", "s2");
    let contact = app.create_contact("sales");

    let (first, first_key, other, other_key, offer) = eventually("the first offer", || {
        let one = app.status(A1, "a1")["offer"].as_u64();
        let two = app.status(A2, "a2")["offer"].as_u64();
        match (one, two) {
            (Some(offer), None) => Some(("a1", A1, "a2", A2, offer)),
            (None, Some(offer)) => Some(("a2", A2, "a1", A1, offer)),
            (None, None) => None,
            both => panic!("one contact offered to both agents: {both:?}"),
        }
    });
    // The other agent may not act on someone else's offer.
    let stranger = app.post(other_key, &format!("/v1/offers/{offer}/refuse"), None);
    assert!(matches!(stranger.status, 403 | 409), "{stranger:?}");
    app.post(first_key, &format!("/v1/offers/o{offer}/refuse"), None)
        .ok();

    let second = app.offer_of(other_key, other);
    assert_ne!(second, offer, "a refusal ends the offer");
    app.post(other_key, &format!("/v1/offers/{second}/accept"), None)
        .ok();
    app.post(
        CONNECTOR,
        "/v1/connector/events",
        Some(json!({"type": "leg_linked", "offer": second})),
    )
    .ok();
    let contact_state = |app: &App| {
        let status = app.status(other_key, other);
        let contacts = status["contacts"].as_array().cloned().unwrap_or_default();
        match contacts.as_slice() {
            [pair] if pair[0] == contact => pair[1].as_str().map(str::to_string),
            _ => None,
        }
    };
    eventually("the contact in Handling", || {
        (contact_state(&app).as_deref() == Some("handling")).then_some(())
    });
    app.post(other_key, &format!("/v1/contacts/{contact}/hold"), None)
        .ok();
    let held = contact_state(&app).expect("held contact");
    assert_ne!(held, "handling", "hold changes the contact's state");
    app.post(other_key, &format!("/v1/contacts/c{contact}/resume"), None)
        .ok();
    assert_eq!(contact_state(&app).as_deref(), Some("handling"));
    app.post(other_key, &format!("/v1/contacts/{contact}/end"), None)
        .ok();
    app.post(
        other_key,
        &format!("/v1/contacts/{contact}/complete"),
        Some(json!({"disposition": "sale"})),
    )
    .ok();

    let journal = app.journal();
    let refusals: Vec<_> = journal
        .iter()
        .map(|entry| &entry["event"])
        .filter(|e| e["type"] == "offer_refused" && e["contact"] == contact)
        .collect();
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert_eq!(refusals[0]["offer"], offer);
    assert_eq!(refusals[0]["agent"], first);
    assert_eq!(refusals[0]["reason"], "Declined");
    let closed: Vec<_> = journal
        .iter()
        .map(|entry| &entry["event"])
        .filter(|e| e["type"] == "contact_closed" && e["contact"] == contact)
        .collect();
    assert_eq!(closed.len(), 1, "exactly one closed record: {closed:?}");
    assert_eq!(closed[0]["code"], json!({"major": 48, "minor": 0}));
    assert_eq!(closed[0]["disposition"], "sale");
    assert_eq!(closed[0]["agent"], other);
}

// ---------------------------------------------------------------- 2. SSE

#[test]
fn the_event_stream_resumes_without_gaps_and_agents_see_only_their_own() {
    let (_dir, app) = example_app();
    app.login(A1, "a1", "s1");
    app.login(A2, "a2", "s2");
    app.create_contact("sales");
    app.create_contact("sales");
    app.offer_of(A1, "a1");
    app.offer_of(A2, "a2");
    let last = app.last_seq();
    assert!(last > 10, "{last}");

    let all = app.events(ADMIN, "?after=0", None).read_to(last);
    let ids: Vec<u64> = all.iter().filter_map(|m| m.id).collect();
    assert_eq!(ids, (1..=last).collect::<Vec<_>>());
    for message in &all {
        let data = message.json();
        assert_eq!(data["seq"], message.id.unwrap());
        assert_eq!(data["event"]["type"], message.event.as_str());
        assert!(data["at"].is_i64(), "{data}");
    }

    // Reconnecting after K, by header or query, gives exactly what follows K, then live events.
    let k = last / 2;
    let by_header = app.events(ADMIN, "", Some(k));
    let by_query = app.events(ADMIN, &format!("?after={k}"), None);
    let contact = app.create_contact("chat");
    let now = app.last_seq();
    assert!(now > last);
    for stream in [by_header, by_query] {
        let got = stream.read_to(now);
        let ids: Vec<u64> = got.iter().filter_map(|m| m.id).collect();
        assert_eq!(ids, (k + 1..=now).collect::<Vec<_>>());
        assert!(got.iter().any(|m| {
            let data = m.json();
            data["event"]["type"] == "contact_arrived" && data["event"]["contact"] == contact
        }));
    }

    // An agent key sees only its own events: exactly those about it, in order.
    let everything = app.events(ADMIN, "?after=0", None).read_to(now);
    let expected: Vec<u64> = everything
        .iter()
        .filter(|m| agent_of(&m.json()["event"]) == Some("a1"))
        .filter_map(|m| m.id)
        .collect();
    assert!(expected.len() >= 3, "{expected:?}");
    let mine = app
        .events(A1, "?after=0", None)
        .read_to(*expected.last().unwrap());
    for message in &mine {
        assert_eq!(
            agent_of(&message.json()["event"]),
            Some("a1"),
            "{message:?}"
        );
    }
    let ids: Vec<u64> = mine.iter().filter_map(|m| m.id).collect();
    assert_eq!(ids, expected);
}

// ---------------------------------------------------------------- 3, 4. auth and errors

#[test]
fn requests_without_a_valid_key_or_role_get_401_and_403() {
    let (dir, app) = example_app();
    for auth in [None, Some("Bearer nope"), Some("Basic x"), Some("Bearer ")] {
        app.request("GET", "/v1/queues", auth, None)
            .assert_error(401, "unauthorized");
    }
    app.request(
        "POST",
        "/v1/contacts",
        None,
        Some(r#"{"channel":"voice","queue":"sales","from":"x"}"#),
    )
    .assert_error(401, "unauthorized");

    app.post(A1, "/v1/agents/a2/login", Some(json!({"station": "s2"})))
        .assert_error(403, "forbidden");
    app.request(
        "PUT",
        "/v1/queues/x",
        Some(&bearer(CONNECTOR)),
        Some(r#"{"channel":"chat"}"#),
    )
    .assert_error(403, "forbidden");
    app.post(
        A1,
        "/v1/contacts",
        Some(json!({"channel": "voice", "queue": "sales", "from": "x"})),
    )
    .assert_error(403, "forbidden");

    // Reports need Data Download View: supervisor-secret has it, a new supervisor key not.
    let data = dir.path().join("data");
    let output = switchboard(&[
        "keys",
        "create",
        "--role",
        "supervisor",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let plain = String::from_utf8(output.stdout).unwrap().trim().to_string();
    app.get(&plain, "/v1/monitor/agents").ok();
    app.get(&plain, "/v1/reports/agent-refusal")
        .assert_error(403, "forbidden");
    let report = app.get(SUPERVISOR, "/v1/reports/agent-refusal");
    assert_eq!(report.status, 200, "{report:?}");
    assert!(report.body.contains("Reason"), "{report:?}");
}

#[test]
fn bad_requests_get_stable_error_codes() {
    let (_dir, app) = example_app();
    let connector = bearer(CONNECTOR);
    app.request(
        "POST",
        "/v1/contacts",
        Some(&connector),
        Some(r#"{"channel":"#),
    )
    .assert_error(400, "malformed_json");
    app.request(
        "POST",
        "/v1/contacts",
        Some(&connector),
        Some(r#"{"channel":"voice","queue":"sales","from":"x","bogus":1}"#),
    )
    .assert_error(422, "invalid_body");
    app.request(
        "POST",
        "/v1/contacts",
        Some(&connector),
        Some(r#"{"channel":"voice","queue":"sales","from":5}"#),
    )
    .assert_error(422, "invalid_body");
    app.request(
        "POST",
        "/v1/contacts/c1/complete",
        Some(&bearer(A1)),
        Some("{"),
    )
    .assert_error(400, "malformed_json");
    app.post(A1, "/v1/contacts/999/hold", None)
        .assert_error(404, "unknown_contact");
    app.post(ADMIN, "/v1/contacts/999/end", None)
        .assert_error(404, "unknown_contact");
    app.post(A1, "/v1/contacts/nonsense/hold", None)
        .assert_error(404, "unknown_contact");
    app.post(A1, "/v1/offers/999/accept", None)
        .assert_error(404, "unknown_offer");
    app.post(A1, "/v1/offers/o999/refuse", None)
        .assert_error(404, "unknown_offer");
    app.get(ADMIN, "/v1/queues/nope")
        .assert_error(404, "unknown_queue");
    app.get(ADMIN, "/v1/nope").assert_error(404, "not_found");
    app.request("GET", "/nope", None, None)
        .assert_error(404, "not_found");
    // None of it made a contact, and the server still answers.
    assert!(
        app.journal()
            .iter()
            .all(|e| e["event"]["type"] != "contact_arrived")
    );
    // A contact for a queue that does not exist is no error: it closes (38, 14) (§7).
    let contact = app.create_contact("nope");
    let closed = app
        .journal()
        .into_iter()
        .find(|e| e["event"]["type"] == "contact_closed" && e["event"]["contact"] == contact)
        .expect("closed at once");
    assert_eq!(closed["event"]["code"], json!({"major": 38, "minor": 14}));
}

// ---------------------------------------------------------------- 5. racing accepts

#[test]
fn two_accepts_of_one_offer_never_both_win() {
    let (_dir, app) = example_app();
    app.login(A1, "a1", "s1");
    for round in 0..3 {
        let contact = app.create_contact("sales");
        let offer = app.offer_of(A1, "a1");
        let barrier = Barrier::new(2);
        let answers: Vec<Answer> = thread::scope(|scope| {
            let tasks: Vec<_> = [A1, ADMIN]
                .into_iter()
                .map(|key| {
                    let (barrier, app) = (&barrier, &app);
                    scope.spawn(move || {
                        barrier.wait();
                        app.post(key, &format!("/v1/offers/{offer}/accept"), None)
                    })
                })
                .collect();
            tasks.into_iter().map(|t| t.join().unwrap()).collect()
        });
        let wins = answers.iter().filter(|a| a.status == 200).count();
        assert_eq!(wins, 1, "round {round}: {answers:?}");
        let loser = answers.iter().find(|a| a.status != 200).unwrap();
        assert!(matches!(loser.status, 404 | 409), "{loser:?}");
        assert!(loser.json()["error"]["code"].is_string(), "{loser:?}");
        // Finish the contact so the next round gets a fresh offer.
        app.post(
            CONNECTOR,
            "/v1/connector/events",
            Some(json!({"type": "leg_linked", "offer": offer})),
        )
        .ok();
        app.post(A1, &format!("/v1/contacts/{contact}/end"), None)
            .ok();
        app.post(A1, &format!("/v1/contacts/{contact}/complete"), None)
            .ok();
        eventually("a1 ready again", || {
            (app.status(A1, "a1")["state"] == "ready").then_some(())
        });
    }
}

// ---------------------------------------------------------------- 6. kill -9

#[test]
fn kill_9_loses_no_acknowledged_contact_and_offer_timers_survive() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // A 300 s offer time-out: 3 s of real time at speed 100, long enough to kill first.
    let config = dir.path().join("server.toml");
    let text = std::fs::read_to_string(example_config()).unwrap();
    let text = text.replacen(
        "channel = \"voice\"",
        "channel = \"voice\"\noffer_timeout_ms = 300000",
        1,
    );
    std::fs::write(&config, text).unwrap();
    let mut app = App::start(&data, &config, Some("100"));

    let acknowledged = Arc::new(Mutex::new(Vec::<u64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let url = app.url("/v1/contacts");
    let load: Vec<_> = (0..4)
        .map(|_| {
            let (acknowledged, stop, url) = (acknowledged.clone(), stop.clone(), url.clone());
            thread::spawn(move || {
                let http = client();
                let body = r#"{"channel":"voice","queue":"sales","from":"+3611"}"#;
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut response) = http
                        .post(&url)
                        .header("authorization", bearer(CONNECTOR))
                        .header("content-type", "application/json")
                        .send(body)
                    else {
                        return; // the server is gone
                    };
                    if response.status().is_success() {
                        let Ok(text) = response.body_mut().read_to_string() else {
                            return;
                        };
                        let answer: Value = serde_json::from_str(&text).unwrap();
                        let id = answer["contact"].as_u64().unwrap();
                        acknowledged.lock().unwrap().push(id);
                    }
                }
            })
        })
        .collect();
    eventually("some contacts", || {
        (acknowledged.lock().unwrap().len() >= 20).then_some(())
    });
    app.login(A1, "a1", "s1");
    let offer = app.offer_of(A1, "a1");
    let count = acknowledged.lock().unwrap().len();
    eventually("more contacts", || {
        (acknowledged.lock().unwrap().len() >= count + 10).then_some(())
    });
    let status = app.status(A1, "a1");
    assert_eq!(status["offer"], offer, "pending before the kill: {status}");
    app.child.kill().unwrap(); // SIGKILL, mid-load
    app.child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for thread in load {
        thread.join().unwrap();
    }
    drop(app);
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 30);

    // Nothing was refused before the kill: the offer was still pending in the journal too.
    let output = switchboard(&[
        "report",
        "agent-refusal",
        "--data",
        data.to_str().unwrap(),
        "--from",
        "2020-01-01",
        "--to",
        "2029-12-31",
    ]);
    assert!(output.status.success(), "{output:?}");
    let csv = String::from_utf8(output.stdout).unwrap();
    assert_eq!(csv.lines().count(), 1, "only the header: {csv}");

    let app = App::start(&data, &config, Some("100"));
    let journal = app.journal();
    let arrived: BTreeSet<u64> = journal
        .iter()
        .filter(|e| e["event"]["type"] == "contact_arrived")
        .filter_map(|e| e["event"]["contact"].as_u64())
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|id| !arrived.contains(id))
        .collect();
    assert!(lost.is_empty(), "acknowledged contacts lost: {lost:?}");
    let created = journal.iter().any(|e| {
        e["event"]["type"] == "offer_created"
            && e["event"]["offer"] == offer
            && e["event"]["agent"] == "a1"
    });
    assert!(created, "the pending offer {offer} survives");

    // The offer's time-out fires after the restart: a NoAnswer refusal for it.
    let stream = app.events(ADMIN, "?after=0", None);
    let until = Instant::now() + DEADLINE;
    loop {
        let message = stream
            .next(until)
            .unwrap_or_else(|| panic!("no NoAnswer refusal for offer {offer}"));
        let event = &message.json()["event"];
        if event["type"] == "offer_refused" && event["offer"] == offer {
            assert_eq!(event["reason"], "NoAnswer", "{event}");
            assert_eq!(event["agent"], "a1");
            break;
        }
    }
}

// ---------------------------------------------------------------- 7, 8. process life

#[test]
fn sigterm_stops_the_server_with_status_0() {
    let (_dir, mut app) = example_app();
    app.request("GET", "/healthz", None, None).ok();
    let status = Command::new("kill")
        .args(["-TERM", &app.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = eventually("the server to exit", || app.child.try_wait().unwrap());
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}

#[test]
fn a_bad_config_file_exits_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("broken-config.toml");
    std::fs::write(&config, "[[queues]]\nid = \"q\"\nchannel = \n").unwrap();
    let data = dir.path().join("data");
    let output = switchboard(&[
        "serve",
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let lines: Vec<_> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains("broken-config.toml:3"), "{stderr}");
    assert!(output.stdout.is_empty());
}

// ---------------------------------------------------------------- 9. keys and backup

#[test]
fn new_keys_work_at_once_and_a_backup_feeds_reports() {
    let (dir, app) = example_app();
    let data = dir.path().join("data");
    let output = switchboard(&[
        "keys",
        "create",
        "--role",
        "agent",
        "--agent",
        "a1",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    let key = String::from_utf8(output.stdout).unwrap().trim().to_string();
    assert!(!key.is_empty() && !key.contains('\n'));
    app.get(&key, "/v1/agents/a1/status").ok();
    app.get(&key, "/v1/agents/a2/status")
        .assert_error(403, "forbidden");

    // A refusal to find in the backup's report.
    app.login(&key, "a1", "s1");
    app.create_contact("sales");
    let offer = app.offer_of(&key, "a1");
    app.post(&key, &format!("/v1/offers/{offer}/refuse"), None)
        .ok();

    let copy = dir.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    let file = copy.join("switchboard.db");
    let output = switchboard(&[
        "backup",
        "--data",
        data.to_str().unwrap(),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{output:?}");
    assert!(file.is_file());
    let output = switchboard(&[
        "report",
        "agent-refusal",
        "--data",
        copy.to_str().unwrap(),
        "--from",
        "2020-01-01",
        "--to",
        "2029-12-31",
    ]);
    assert!(output.status.success(), "{output:?}");
    let csv = String::from_utf8(output.stdout).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().contains("Reason"), "{csv}");
    let rows: Vec<_> = lines.collect();
    assert_eq!(rows.len(), 1, "{csv}");
    assert!(
        rows[0].contains("a1") && rows[0].contains("Declined"),
        "{csv}"
    );
}

// ---------------------------------------------------------------- 10. docs, metrics, health

#[test]
fn openapi_docs_metrics_and_health_are_served() {
    let (_dir, app) = example_app();
    let openapi = app.request("GET", "/openapi.json", None, None).ok();
    assert_eq!(openapi["openapi"], "3.1.0");
    assert!(openapi["paths"].get("/v1/contacts").is_some(), "{openapi}");
    assert!(openapi["paths"].get("/v1/events").is_some());

    let docs = app.request("GET", "/docs/", None, None);
    assert_eq!(docs.status, 200, "{docs:?}");
    assert!(docs.body.to_lowercase().contains("<html"), "{docs:?}");

    app.login(A1, "a1", "s1");
    let metrics = app.request("GET", "/metrics", None, None);
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.body.contains("switchboard_commits_total"),
        "{}",
        metrics.body
    );

    let health = app.request("GET", "/healthz", None, None).ok();
    assert_eq!(health["status"], "ok");
    assert!(health["last_seq"].as_u64().unwrap() > 0);
}
