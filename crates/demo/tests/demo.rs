//! `switchboard demo`: the demo configuration and simulated traffic against a real server
//! (port 0, a temporary data directory, the clock 50 times faster). Everything is observed
//! through the live feed, the engine and the HTTP API with the printed keys; the deadline is
//! generous and no step waits for a fixed time.

use std::collections::BTreeSet;
use std::time::Duration;
use switchboard_core::Event;
use switchboard_core::output::ConnectorRequest;
use switchboard_demo::{self as demo, Traffic, TrafficOptions};
use switchboard_server::auth::Role;
use switchboard_server::driver::Published;
use switchboard_server::{Running, ServeOptions, start};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SPEED: f64 = 50.0;

/// What the feed showed so far.
#[derive(Default, Debug)]
struct Seen {
    /// The agents who logged in: every one but those left to people.
    logins: BTreeSet<String>,
    arrivals: usize,
    offers: usize,
    connected: usize,
    refusals: BTreeSet<String>,
    closures: BTreeSet<(u16, u16)>,
    dispositions: usize,
    callbacks_created: usize,
    attempts: usize,
    delivers: usize,
    dials: usize,
    break_reasons: BTreeSet<String>,
}

impl Seen {
    fn enough(&self) -> bool {
        self.logins.len() >= 10
            && self.arrivals >= 20
            && self.offers >= 10
            && self.connected >= 5
            && self.refusals.contains("Declined")
            && self.refusals.len() >= 2
            && self.closures.contains(&(48, 0))
            && self.closures.len() >= 3
            && self.dispositions >= 1
            && self.callbacks_created >= 1
            && self.attempts >= 1
            && self.delivers >= 10
            && self.dials >= 1
    }

    fn take(&mut self, message: &Published) {
        match message {
            Published::Event(entry) => match &entry.record.event {
                Event::AgentLoggedIn { agent, .. } => {
                    self.logins.insert(agent.as_str().to_string());
                }
                Event::ContactArrived { .. } => self.arrivals += 1,
                Event::OfferCreated { .. } => self.offers += 1,
                Event::ContactConnected { .. } => self.connected += 1,
                Event::OfferRefused { reason, .. } => {
                    self.refusals.insert(reason.as_str().to_string());
                }
                Event::ContactClosed {
                    code, disposition, ..
                } => {
                    self.closures.insert((code.major.0, code.minor.0));
                    if disposition.is_some() {
                        self.dispositions += 1;
                    }
                }
                Event::CallbackCreated { .. } => self.callbacks_created += 1,
                Event::AttemptStarted { .. } => self.attempts += 1,
                Event::AgentPresenceChanged {
                    reason: Some(reason),
                    ..
                } => {
                    self.break_reasons.insert(reason.clone());
                }
                _ => {}
            },
            Published::Connector(request) => match &**request {
                ConnectorRequest::Deliver { .. } => self.delivers += 1,
                ConnectorRequest::Dial { .. } => self.dials += 1,
                _ => {}
            },
        }
    }
}

/// A plain HTTP/1.1 GET; returns the status code and the body.
async fn get(addr: std::net::SocketAddr, path: &str, key: &str) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let text = String::from_utf8_lossy(&response).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// A server on port 0 with `demo.toml` as its configuration file, as `switchboard demo`
/// starts it, its clock `SPEED` times faster; its data in `dir/data`.
async fn start_demo_server(dir: &std::path::Path) -> Running {
    let config = dir.join("demo.toml");
    std::fs::write(&config, demo::CONFIG).unwrap();
    start(ServeOptions {
        config: Some(config),
        data: dir.join("data"),
        listen: "127.0.0.1:0".parse().unwrap(),
        speed: SPEED,
        durability: switchboard_store::Durability::Normal,
        streams: Default::default(),
        connections: Default::default(),
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_runs_a_living_contact_center() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_demo_server(dir.path()).await;
    let driver = running.state.driver.clone();
    let mut feed = driver.subscribe();
    let before = driver.last_seq();

    let traffic = Traffic::start(
        driver.clone(),
        TrafficOptions {
            speed: SPEED,
            seed: 7,
        },
    );
    let mut seen = Seen::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(180);
    while !seen.enough() {
        match tokio::time::timeout_at(deadline, feed.recv()).await {
            Ok(Ok(message)) => seen.take(&message),
            Ok(Err(switchboard_server::feed::Ended::Lagged)) => feed = driver.subscribe(),
            Ok(Err(ended)) => panic!("feed ended: {ended:?}"),
            Err(_) => panic!("the demo did not show enough within the deadline: {seen:#?}"),
        }
    }

    // The agents with demo keys are left to people: the traffic never logs them in.
    for person in demo::people() {
        assert!(
            !seen.logins.contains(person.as_str()),
            "the traffic acted for {person}, whose desktop is a person's"
        );
    }
    assert_eq!(demo::people().len(), 2);

    // The engine agrees: everyone configured, someone logged in and working.
    let (agents, logged_in) = driver
        .read(|engine| {
            let views: Vec<_> = engine.agent_views().collect();
            let logged_in = views.iter().filter(|v| v.station.is_some()).count();
            (views.len(), logged_in)
        })
        .await
        .unwrap();
    assert_eq!(agents, 12);
    assert!(logged_in >= 6, "{logged_in} agents logged in");

    // The printed keys work with the roles they claim.
    let key = |role: Role| demo::key_secret(role, None).expect("a demo key for each role");
    let (status, body) = get(running.addr, "/v1/monitor/agents", &key(Role::Supervisor)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Anna Kov"), "{body}");
    let (status, _) = get(running.addr, "/v1/monitor/agents", &key(Role::Connector)).await;
    assert_eq!(status, 403);
    let (status, body) = get(running.addr, "/v1/queues/support", &key(Role::Admin)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Europe/Budapest"), "{body}");
    let agent_key = demo::key_secret(Role::Agent, Some("a01")).expect("an agent key for a01");
    let (status, body) = get(running.addr, "/v1/agents/a01/status", &agent_key).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = get(running.addr, "/v1/agents/a02/status", &agent_key).await;
    assert_eq!(status, 403);
    assert!(
        demo::keys()
            .iter()
            .any(|k| k.role == "supervisor" && k.data_download)
    );

    traffic.stop().await;
    running.shutdown().await.unwrap();

    // Everything the traffic did is in the journal: a restart replays it.
    let store = switchboard_store::Store::open_existing(&dir.path().join("data")).unwrap();
    assert!(store.last_seq() > before);
}

/// `switchboard demo` starts the server with `demo.toml` as its configuration file: the fixed
/// demo keys of the file work, the three demo queues exist, and the traffic gets contacts
/// handled (closed 48) after offers and a refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_demo_configuration_file_starts_a_server_with_fixed_keys() {
    let dir = tempfile::tempdir().unwrap();
    let running = start_demo_server(dir.path()).await;
    let driver = running.state.driver.clone();
    let mut feed = driver.subscribe();
    let traffic = demo::spawn_traffic(driver.clone(), SPEED, 11);

    let (mut offers, mut refusals, mut handled) = (0, 0, 0);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while offers == 0 || refusals == 0 || handled == 0 {
        match tokio::time::timeout_at(deadline, feed.recv()).await {
            Ok(Ok(Published::Event(entry))) => match &entry.record.event {
                Event::OfferCreated { .. } => offers += 1,
                Event::OfferRefused { .. } => refusals += 1,
                Event::ContactClosed { code, .. } if code.major.0 == 48 => handled += 1,
                _ => {}
            },
            Ok(Ok(Published::Connector(_))) => {}
            Ok(Err(switchboard_server::feed::Ended::Lagged)) => {
                feed = driver.subscribe();
            }
            Ok(Err(ended)) => panic!("feed ended: {ended:?}"),
            Err(_) => panic!("offers {offers}, refusals {refusals}, handled {handled}"),
        }
    }

    let supervisor = demo::key_secret(Role::Supervisor, None).unwrap();
    assert_eq!(supervisor, "demo-supervisor");
    let (status, body) = get(running.addr, "/v1/monitor/queues", &supervisor).await;
    assert_eq!(status, 200, "{body}");
    for queue in ["sales", "support", "chat"] {
        assert!(body.contains(&format!("\"id\":\"{queue}\"")), "{body}");
    }
    let agent = demo::key_secret(Role::Agent, Some("a01")).unwrap();
    let (status, body) = get(running.addr, "/v1/agents/a01/status", &agent).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = get(running.addr, "/v1/monitor/queues", "not-a-demo-key").await;
    assert_eq!(status, 401);

    running.shutdown().await.unwrap();
    // The feed closes with the engine: the traffic ends by itself.
    tokio::time::timeout(Duration::from_secs(10), traffic)
        .await
        .expect("the traffic ends when the server shuts down")
        .unwrap();
}
