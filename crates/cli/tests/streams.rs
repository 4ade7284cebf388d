//! Black-box tests of the event streams' bounds (docs/api.md, "Event stream": a dropped
//! stream frees its slot at once; and "Limits"): the real binary on a free port, streams
//! opened over raw TCP so that the tests control exactly when a client goes away.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use support::*;

const QUEUE_TOML: &str = r#"
[[queues]]
id = "sales"
channel = "voice"
"#;

/// `GET /v1/events` with `key` on a new connection: the status and the open connection.
fn open_stream(addr: &str, key: &str) -> (u16, TcpStream) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        stream,
        "GET /v1/events HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {key}\r\n\r\n"
    )
    .expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = stream.read(&mut byte).expect("read the answer's head");
        assert_eq!(read, 1, "closed before the head ended: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    (status, stream)
}

fn open_streams(server: &Server) -> u64 {
    server.get("/healthz", None).ok()["subscribers"]
        .as_u64()
        .expect("subscribers")
}

#[test]
fn five_thousand_dropped_agent_streams_free_their_slots_and_the_connector_still_gets_one() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}{QUEUE_TOML}{}",
        agents_toml(&["a1"], &["sales"])
    ));
    let server = site.start(1);
    let key = agent_key("a1");
    let mut refused_while_closing = 0;
    for _ in 0..5_000 {
        // An agent key holds at most a few streams at once; each one here is dropped before
        // the next is opened, and the server may take a moment to see the close.
        let stream = loop {
            let (status, stream) = open_stream(&server.addr, &key);
            match status {
                200 => break stream,
                429 => {
                    refused_while_closing += 1;
                    assert!(
                        refused_while_closing < 5_000,
                        "dropped streams are not being released"
                    );
                    std::thread::sleep(Duration::from_millis(1));
                }
                other => panic!("stream answered {other}"),
            }
        };
        drop(stream);
    }
    // Every slot comes back without any event reaching the dropped streams.
    let last_seq = server.last_seq();
    eventually("every dropped stream to be released", || {
        (open_streams(&server) == 0).then_some(())
    });
    assert_eq!(server.last_seq(), last_seq, "nothing happened meanwhile");
    // The connector (which carries deliver and dial requests) and an admin still get theirs.
    let (status, _connector) = open_stream(&server.addr, CONNECTOR);
    assert_eq!(status, 200);
    let (status, _admin) = open_stream(&server.addr, ADMIN);
    assert_eq!(status, 200);
    assert_eq!(open_streams(&server), 2);
}

#[test]
fn an_agent_key_holds_a_few_streams_and_other_roles_keep_their_own_budget() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}{QUEUE_TOML}{}",
        agents_toml(&["a1", "a2"], &["sales"])
    ));
    let server = site.start(1);
    let mut held = Vec::new();
    let refused = loop {
        let (status, stream) = open_stream(&server.addr, &agent_key("a1"));
        if status != 200 {
            break (status, stream);
        }
        held.push(stream);
        assert!(
            held.len() <= 64,
            "an agent key opened {} streams",
            held.len()
        );
    };
    assert_eq!(refused.0, 429);
    let mut body = String::new();
    let mut refused = refused.1;
    refused
        .read_to_string(&mut body)
        .expect("the refusal's body");
    assert!(body.contains("\"too_many_subscribers\""), "{body}");
    assert!(
        body.contains("the most a key of role agent may hold"),
        "{body}"
    );
    // Another agent, the supervisor, the connector and the admin are not affected.
    for key in [&agent_key("a2"), SUPERVISOR, CONNECTOR, ADMIN] {
        let (status, stream) = open_stream(&server.addr, key);
        assert_eq!(status, 200, "{key}");
        held.push(stream);
    }
}

#[test]
fn past_the_connection_cap_a_connection_is_answered_503_and_the_next_free_slot_serves() {
    let mut site = Site::new(&format!("{KEYS_TOML}{QUEUE_TOML}"));
    let server = site.start_with(1, &["--max-connections", "3"]);
    // Three streams hold the three connections the server may have.
    let held: Vec<TcpStream> = [ADMIN, SUPERVISOR, CONNECTOR]
        .into_iter()
        .map(|key| {
            let (status, stream) = open_stream(&server.addr, key);
            assert_eq!(status, 200, "{key}");
            stream
        })
        .collect();
    // The fourth is answered at once and closed, whatever it asks.
    let (status, body) = server.raw(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("\"too_many_connections\""), "{body}");
    // A closed connection frees its slot.
    drop(held);
    eventually("a connection slot to be free", || {
        let (status, _) =
            server.raw(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
        (status == 200).then_some(())
    });
}

/// Raises this process's open-file limit as far as it goes (the server, started from here,
/// inherits it and raises its own) and says how many event streams one test may hold open:
/// 20,000, or fewer where the machine's hard limit leaves less room beside the server's own
/// files (docs/api.md, "Limits").
fn streams_the_machine_allows() -> usize {
    let hard = rlimit::increase_nofile_limit(u64::MAX).expect("raise the open-file limit");
    let room = usize::try_from(hard).unwrap_or(usize::MAX);
    // The server keeps `RESERVED_FILES` (256) for itself; this process needs a few dozen
    // for its own connections and files.
    20_000.min(room.saturating_sub(256 + 64))
}

#[test]
fn twenty_thousand_agent_streams_each_receive_their_agents_events() {
    let streams = streams_the_machine_allows();
    // Fewer than this would no longer say anything about holding many streams.
    assert!(
        streams >= 1_000,
        "this machine allows only {streams} event streams; raise the hard open-file limit \
         (ulimit -Hn) to at least 1,400, better 20,400"
    );
    println!("holding {streams} agent streams (20,000 where the open-file limit allows)");
    let ids: Vec<String> = (0..streams).map(|i| format!("s{i:05}")).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut site = Site::new(&format!(
        "{KEYS_TOML}{QUEUE_TOML}{}",
        agents_toml(&id_refs, &["sales"])
    ));
    let server = site.start(1);
    let addr = server.addr.clone();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        // Every agent's desktop opens its stream, plus one supervisor stream for all events.
        let opened = Arc::new(AtomicUsize::new(0));
        let mut desktops = tokio::task::JoinSet::new();
        let gate = Arc::new(tokio::sync::Semaphore::new(256));
        for id in ids.clone() {
            let (addr, opened, gate) = (addr.clone(), opened.clone(), gate.clone());
            desktops.spawn(async move {
                let permit = gate.acquire_owned().await.expect("gate");
                let mut stream = async_open(&addr, &agent_key(&id)).await;
                opened.fetch_add(1, Ordering::Relaxed);
                drop(permit);
                // Wait for this agent's own event, and nothing of anyone else's.
                let mine = format!("\"id\":\"{id}\"");
                let text = read_until(&mut stream, |text| text.contains(&mine)).await;
                let configured = text.matches("event: agent_configured").count();
                assert_eq!(configured, 1, "{id} got another agent's event: {text}");
                id
            });
        }
        let started = Instant::now();
        let mut everything = async_open(&addr, SUPERVISOR).await;
        let all_open = Instant::now() + DEADLINE * 4;
        while opened.load(Ordering::Relaxed) < streams {
            assert!(Instant::now() < all_open, "streams did not all open");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let subscribers = tokio::task::spawn_blocking({
            let addr = addr.clone();
            move || Client::new(&addr).get("/healthz", None).ok()["subscribers"].as_u64()
        })
        .await
        .expect("healthz");
        assert_eq!(subscribers, Some(streams as u64 + 1));
        eprintln!("{streams} streams open after {:?}", started.elapsed());

        // One event for each agent: the admin renames every agent.
        let senders = 8;
        let mut admins = tokio::task::JoinSet::new();
        for sender in 0..senders {
            let addr = addr.clone();
            let mine: Vec<String> = ids.iter().skip(sender).step_by(senders).cloned().collect();
            admins.spawn_blocking(move || {
                let client = Client::new(&addr);
                for id in mine {
                    let body = format!(
                        r#"{{"full_name": "Renamed {id}", "queues": [{{"queue": "sales"}}]}}"#
                    );
                    client.put(&format!("/v1/agents/{id}"), ADMIN, &body).ok();
                }
            });
        }
        while let Some(done) = admins.join_next().await {
            done.expect("admin sender");
        }
        eprintln!("every agent renamed after {:?}", started.elapsed());
        let mut received = 0;
        while let Some(done) = desktops.join_next().await {
            done.expect("an agent's stream");
            received += 1;
        }
        assert_eq!(received, streams);
        // The supervisor's stream saw every one of them.
        let mut configured = 0;
        let mut line = Vec::new();
        let mut buffer = vec![0u8; 64 * 1024];
        let deadline = tokio::time::Instant::now() + DEADLINE * 4;
        while configured < streams {
            use tokio::io::AsyncReadExt;
            let read = tokio::time::timeout_at(deadline, everything.read(&mut buffer))
                .await
                .unwrap_or_else(|_| panic!("the supervisor saw {configured} of {streams}"))
                .expect("read");
            assert!(read > 0, "the supervisor's stream ended after {configured}");
            for &byte in &buffer[..read] {
                if byte == b'\n' {
                    configured += usize::from(line == b"event: agent_configured");
                    line.clear();
                } else {
                    line.push(byte);
                }
            }
        }
        assert_eq!(configured, streams);
    });
}

async fn async_open(addr: &str, key: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(
            format!(
                "GET /v1/events HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {key}\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .expect("send");
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(DEADLINE, stream.read(&mut byte))
            .await
            .expect("the answer's head in time")
            .expect("read");
        assert_eq!(read, 1, "closed before the head ended");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    stream
}

/// Reads the stream until `done` holds for everything read so far; returns it.
async fn read_until(stream: &mut tokio::net::TcpStream, done: impl Fn(&str) -> bool) -> String {
    use tokio::io::AsyncReadExt;
    let mut text = String::new();
    let mut buffer = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + DEADLINE * 4;
    while !done(&text) {
        let read = tokio::time::timeout_at(deadline, stream.read(&mut buffer))
            .await
            .unwrap_or_else(|_| panic!("timed out; read so far: {text}"))
            .expect("read");
        assert!(read > 0, "the stream ended; read so far: {text}");
        text.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    text
}
