//! Black-box tests of `switchboard demo`: the banner's keys open the demo, and a demo with
//! fresh keys (`--fresh-keys`, or any non-loopback `--listen`) refuses the well-known secrets.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use support::{BIN, Client, DEADLINE};

/// A running `switchboard demo` and what its banner printed; killed when dropped.
struct Demo {
    child: Child,
    client: Client,
    /// (who, secret) for every key line of the banner.
    keys: Vec<(String, String)>,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    fn start(extra: &[&str], data: &std::path::Path) -> Demo {
        let mut child = Command::new(BIN)
            .args(["demo", "--listen", "127.0.0.1:0", "--speed", "5", "--data"])
            .arg(data)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start switchboard demo");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut banner = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let done = line.contains("Ctrl-C stops the demo");
                banner.push(line);
                if done {
                    let _ = tx.send(std::mem::take(&mut banner));
                }
            }
        });
        let banner = rx.recv_timeout(DEADLINE).expect("the demo's banner");
        let addr = banner
            .iter()
            .find_map(|l| l.strip_prefix("switchboard demo: listening on http://"))
            .and_then(|rest| rest.split_whitespace().next())
            .expect("the address line")
            .to_string();
        let start = banner
            .iter()
            .position(|l| l.contains("demo API keys"))
            .expect("the keys heading");
        let keys = banner[start + 1..]
            .iter()
            .take_while(|l| !l.trim().is_empty())
            .map(|l| {
                let (who, secret) = l.trim().rsplit_once(' ').expect("who and secret");
                (who.trim().to_string(), secret.to_string())
            })
            .collect();
        Demo {
            child,
            client: Client::new(&addr),
            keys,
        }
    }

    fn secret(&self, who: &str) -> &str {
        &self
            .keys
            .iter()
            .find(|(w, _)| w.starts_with(who))
            .unwrap_or_else(|| panic!("no {who} key in {:?}", self.keys))
            .1
    }
}

#[test]
fn the_default_demo_prints_the_well_known_keys_and_they_open_it() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Demo::start(&[], dir.path());
    assert_eq!(demo.keys.len(), 5, "{:?}", demo.keys);
    assert_eq!(demo.secret("supervisor"), "demo-supervisor");
    demo.client
        .get("/v1/monitor/queues", Some("demo-supervisor"))
        .ok();
}

#[test]
fn fresh_keys_open_the_demo_and_the_well_known_secrets_do_not() {
    let dir = tempfile::tempdir().unwrap();
    // A first run stores the well-known keys in this data directory …
    drop(Demo::start(&[], dir.path()));
    // … a run with fresh keys on the same directory revokes them.
    let demo = Demo::start(&["--fresh-keys"], dir.path());
    assert_eq!(demo.keys.len(), 5, "{:?}", demo.keys);
    for (who, secret) in &demo.keys {
        assert!(!secret.starts_with("demo-"), "{who}: {secret}");
    }
    let supervisor = demo.secret("supervisor").to_string();
    demo.client
        .get("/v1/monitor/queues", Some(&supervisor))
        .ok();
    let agent = demo.secret("agent a01").to_string();
    demo.client.get("/v1/agents/a01/status", Some(&agent)).ok();
    for fixed in [
        "demo-admin",
        "demo-supervisor",
        "demo-connector",
        "demo-agent-a01",
    ] {
        demo.client
            .get("/v1/monitor/queues", Some(fixed))
            .assert_error(401, "unauthorized");
    }
}
