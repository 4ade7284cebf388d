//! A cluster of `switchboard serve --store postgres://… --node-id N` processes over a real
//! PostgreSQL server started by the test (crates/pgtest): routing domains spread over the
//! nodes, requests forwarded from any node to the owner, failover after `kill -9`, and the
//! fence that keeps a stopped-then-resumed owner from writing.
//!
//! Nothing waits a fixed time: every wait polls for what it waits for, with a generous
//! deadline (support::eventually).

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use support::*;

/// How long a lease lasts in these tests: short, so failover happens within a test.
const LEASE_MS: &str = "1500";

struct Cluster {
    dir: tempfile::TempDir,
    url: String,
    database: String,
    /// The cluster-admin key.
    root: String,
    /// Per domain: its admin key and its connector key.
    keys: BTreeMap<String, (String, String)>,
    nodes: BTreeMap<String, Server>,
    /// Nodes started so far (each start logs to a file of its own).
    starts: usize,
}

fn cli(args: &[&str]) -> String {
    let output = run(args);
    assert!(output.status.success(), "{args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

impl Cluster {
    fn new(domains: &[&str]) -> Cluster {
        let url = switchboard_pgtest::shared().database();
        let database = url.rsplit('/').next().unwrap().to_string();
        let root = cli(&["keys", "create", "--store", &url, "--role", "cluster-admin"]);
        let mut keys = BTreeMap::new();
        for domain in domains {
            cli(&["domains", "create", domain, "--store", &url]);
            let key = |role: &str| {
                cli(&[
                    "keys", "create", "--store", &url, "--domain", domain, "--role", role,
                ])
            };
            keys.insert(domain.to_string(), (key("admin"), key("connector")));
        }
        Cluster {
            dir: tempfile::tempdir().unwrap(),
            url,
            database,
            root,
            keys,
            nodes: BTreeMap::new(),
            starts: 0,
        }
    }

    fn start(&mut self, node: &str) {
        self.starts += 1;
        let stderr = self.dir.path().join(format!("{node}-{}.log", self.starts));
        let server = start_node(
            &[
                "--store",
                &self.url,
                "--node-id",
                node,
                "--lease-ms",
                LEASE_MS,
            ],
            stderr,
        );
        self.nodes.insert(node.to_string(), server);
    }

    fn node(&self, name: &str) -> &Server {
        &self.nodes[name]
    }

    /// Domain → owner, as `GET /v1/domains` on `via` says (owners only).
    fn owners(&self, via: &str) -> BTreeMap<String, String> {
        let list = self.node(via).get("/v1/domains", Some(&self.root)).ok();
        list["domains"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| {
                Some((
                    d["domain"].as_str()?.to_string(),
                    d["owner"].as_str()?.to_string(),
                ))
            })
            .collect()
    }

    /// Waits until every domain is owned by one of `nodes`, each holding its fair share.
    fn wait_balanced(&self, via: &str, nodes: &[&str]) -> BTreeMap<String, String> {
        let share = self.keys.len().div_ceil(nodes.len());
        eventually("the domains spread over the live nodes", || {
            let owners = self.owners(via);
            let all = owners.len() == self.keys.len()
                && owners.values().all(|o| nodes.contains(&o.as_str()));
            let fair = nodes
                .iter()
                .all(|n| owners.values().filter(|o| o == n).count() <= share);
            (all && fair).then_some(owners)
        })
    }

    fn psql(&self, sql: &str) -> String {
        switchboard_pgtest::shared().psql(&self.database, sql)
    }
}

/// Configures queue `q` in `domain` through `via`.
fn configure(server: &Server, admin: &str) {
    server
        .put("/v1/queues/q", admin, r#"{"channel":"voice"}"#)
        .ok();
}

/// Creates a contact through `via`: `Some(id)` when acknowledged.
fn contact(server: &Server, connector: &str, from: &str) -> Option<u64> {
    let reply = server
        .try_send(
            "POST",
            "/v1/contacts",
            Some(connector),
            Some(&format!(
                r#"{{"channel":"voice","queue":"q","from":"{from}"}}"#
            )),
        )
        .ok()?;
    (reply.status == 201).then(|| reply.json()["contact"].as_u64().expect("id"))
}

#[test]
fn keys_reach_only_their_own_domain_from_any_node() {
    let mut cluster = Cluster::new(&["alpha", "beta"]);
    cluster.start("n1");
    cluster.start("n2");
    let owners = cluster.wait_balanced("n1", &["n1", "n2"]);
    let (alpha_admin, alpha_connector) = cluster.keys["alpha"].clone();
    let (beta_admin, _) = cluster.keys["beta"].clone();
    // An event stream through the node that does not own the domain is forwarded, live.
    let elsewhere = if owners["alpha"] == "n1" { "n2" } else { "n1" };
    let mut stream = cluster.node(elsewhere).events(&alpha_admin, None);
    configure(cluster.node(elsewhere), &alpha_admin);
    let id = contact(cluster.node(elsewhere), &alpha_connector, "+3610").expect("acknowledged");
    stream.wait_contact("contact_arrived", id);
    // Connector requests carry the domain's lease epoch.
    let via = cluster.node(elsewhere);
    let mut requests = via.events(&alpha_connector, None);
    via.put("/v1/stations/s1", &alpha_admin, r#"{"number":"+3611"}"#)
        .ok();
    via.put(
        "/v1/agents/a1",
        &alpha_admin,
        r#"{"full_name":"Ann Lee","queues":[{"queue":"q"}]}"#,
    )
    .ok();
    let agent = cli(&[
        "keys",
        "create",
        "--store",
        &cluster.url,
        "--domain",
        "alpha",
        "--role",
        "agent",
        "--agent",
        "a1",
    ]);
    via.post("/v1/agents/a1/login", &agent, Some(r#"{"station":"s1"}"#))
        .ok();
    let deliver = requests.wait_for("a connector request", |m| m.event == "connector_request");
    let epoch = cluster.psql("SELECT epoch FROM domain_leases WHERE domain = 'alpha'");
    assert_eq!(
        deliver.data["epoch"].to_string(),
        epoch,
        "{:?}",
        deliver.data
    );
    for via in ["n1", "n2"] {
        let node = cluster.node(via);
        configure(node, &alpha_admin);
        // The queue is alpha's: beta's key, through either node, does not see it.
        node.get("/v1/queues/q", Some(&alpha_admin)).ok();
        node.get("/v1/queues/q", Some(&beta_admin))
            .assert_error(404, "unknown_queue");
        let queues: Value = node.get("/v1/queues", Some(&beta_admin)).ok();
        assert_eq!(queues.as_array().map(Vec::len), Some(0), "{queues}");
        // A domain key cannot manage domains; the cluster key reaches no domain's API.
        node.get("/v1/domains", Some(&alpha_admin))
            .assert_error(403, "forbidden");
        node.get("/v1/queues", Some(&cluster.root))
            .assert_error(403, "forbidden");
        node.get("/v1/queues", Some("no-such-key"))
            .assert_error(401, "unauthorized");
    }
    // Domains over HTTP with the cluster key: create, list, refuse a duplicate, delete.
    let n2 = cluster.node("n2");
    let created = n2.post("/v1/domains", &cluster.root, Some(r#"{"domain":"gamma"}"#));
    assert_eq!(created.status, 201, "{created:?}");
    assert_eq!(created.json()["domain"], "gamma");
    n2.post("/v1/domains", &cluster.root, Some(r#"{"domain":"gamma"}"#))
        .assert_error(409, "domain_exists");
    n2.post(
        "/v1/domains",
        &cluster.root,
        Some(r#"{"domain":"Bad Name"}"#),
    )
    .assert_error(422, "invalid_body");
    n2.post("/v1/domains", &cluster.root, Some(r#"{"domain":"#))
        .assert_error(400, "malformed_json");
    n2.try_send("PUT", "/v1/domains", Some(&cluster.root), Some("{}"))
        .unwrap()
        .assert_error(405, "method_not_allowed");
    // A cluster node's document has the cluster's routes with every status they answer.
    let doc = n2.get("/openapi.json", None).ok();
    for (path, method, statuses) in [
        ("/v1/domains", "get", &["200", "401", "403", "503"][..]),
        (
            "/v1/domains",
            "post",
            &["201", "400", "401", "403", "409", "422", "503"][..],
        ),
        (
            "/v1/domains/{domain}",
            "delete",
            &["204", "401", "403", "404", "503"][..],
        ),
    ] {
        let responses = doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} is not in the document"));
        let mut listed: Vec<&str> = responses.keys().map(String::as_str).collect();
        listed.sort();
        assert_eq!(listed, statuses, "{method} {path}");
    }
    assert!(
        doc["paths"]["/v1/queues"].is_object(),
        "the domain API is there too"
    );
    eventually("gamma served", || {
        cluster.owners("n1").contains_key("gamma").then_some(())
    });
    let reply = n2
        .try_send("DELETE", "/v1/domains/beta", Some(&cluster.root), None)
        .unwrap();
    assert_eq!(reply.status, 204, "{reply:?}");
    // Its keys went with it (within the key caches' second); its node stops serving it.
    eventually("beta's key refused", || {
        let reply = cluster.node("n1").get("/v1/queues", Some(&beta_admin));
        (reply.status == 401).then_some(reply)
    })
    .assert_error(401, "unauthorized");
    eventually("beta dropped", || {
        let domains: Vec<Value> = ["n1", "n2"]
            .iter()
            .flat_map(|n| {
                cluster.node(n).get("/healthz", None).ok()["domains"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        (!domains.contains(&Value::from("beta"))).then_some(())
    });
    let reply = n2
        .try_send("DELETE", "/v1/domains/beta", Some(&cluster.root), None)
        .unwrap();
    reply.assert_error(404, "unknown_domain");
    assert_eq!(
        cluster.psql("SELECT count(*) FROM journal WHERE domain = 'beta'"),
        "0"
    );
}

#[test]
fn a_killed_owners_domains_are_served_again_with_every_acknowledged_command() {
    let domains = ["d1", "d2", "d3", "d4", "d5", "d6"];
    let mut cluster = Cluster::new(&domains);
    for node in ["n1", "n2", "n3"] {
        cluster.start(node);
    }
    let owners = cluster.wait_balanced("n1", &["n1", "n2", "n3"]);
    // Each domain is used through a node that does not own it.
    let entry = |owner: &str| if owner == "n1" { "n2" } else { "n1" };
    let mut acknowledged: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for domain in domains {
        let (admin, connector) = &cluster.keys[domain];
        let via = cluster.node(entry(&owners[domain]));
        configure(via, admin);
        // Contacts wait at most a second here: the timer falls due during the failover.
        via.put(
            "/v1/queues/w",
            admin,
            r#"{"channel":"voice","max_wait_ms":1000}"#,
        )
        .ok();
        for i in 0..5 {
            let id = contact(via, connector, &format!("+3612345{i}")).expect("acknowledged");
            acknowledged.entry(domain.into()).or_default().push(id);
        }
    }
    // kill -9 the owner of d1 (not n1, which the test reads through).
    let victim = owners["d1"].clone();
    let victim = if victim == "n1" {
        owners.values().find(|o| *o != "n1").unwrap().clone()
    } else {
        victim
    };
    let moved: Vec<String> = owners
        .iter()
        .filter(|(_, o)| **o == victim)
        .map(|(d, _)| d.clone())
        .collect();
    let mut waiting: Vec<(String, u64)> = Vec::new();
    for domain in &moved {
        let (_, connector) = &cluster.keys[domain.as_str()];
        let reply = cluster.node("n1").post(
            "/v1/contacts",
            connector,
            Some(r#"{"channel":"voice","queue":"w","from":"+3677"}"#),
        );
        waiting.push((domain.clone(), reply.ok()["contact"].as_u64().unwrap()));
    }
    let old_epochs: BTreeMap<String, String> = moved
        .iter()
        .map(|d| {
            let epoch = cluster.psql(&format!(
                "SELECT epoch FROM domain_leases WHERE domain = '{d}'"
            ));
            (d.clone(), epoch)
        })
        .collect();
    cluster.nodes.get_mut(&victim).unwrap().kill9();
    cluster.nodes.remove(&victim);
    let alive: Vec<&str> = ["n1", "n2", "n3"]
        .into_iter()
        .filter(|n| *n != victim)
        .collect();
    // Its domains come back (after the lease runs out) on the others, through n1.
    for domain in &moved {
        let (_, connector) = &cluster.keys[domain.as_str()];
        let id = eventually(&format!("domain {domain} served again"), || {
            contact(cluster.node("n1"), connector, "+36999")
        });
        acknowledged.get_mut(domain.as_str()).unwrap().push(id);
    }
    cluster.wait_balanced("n1", &alive);
    // The max-wait timers that fell due while nobody served the domain fired on the new
    // owner: the contacts are closed, in the new epoch.
    for (domain, id) in &waiting {
        let closed_in = eventually(&format!("contact {id} of {domain} closed"), || {
            let epoch = cluster.psql(&format!(
                "SELECT epoch FROM journal WHERE domain = '{domain}' AND contact = {id}
                 AND kind = 'contact_closed'"
            ));
            (!epoch.is_empty()).then_some(epoch)
        });
        let old: i64 = old_epochs[domain].parse().unwrap();
        assert!(
            closed_in.parse::<i64>().unwrap() > old,
            "{domain}: closed in epoch {closed_in}, old {old}"
        );
    }
    // The report tables follow the journal on PostgreSQL too: the closures are in the
    // domain's contact-closure report, read through a node that does not own it.
    for (domain, id) in &waiting {
        let (admin, _) = &cluster.keys[domain.as_str()];
        let report = cluster
            .node("n1")
            .get("/v1/reports/contact-closure?format=csv", Some(admin));
        assert_eq!(report.status, 200, "{report:?}");
        let row = report
            .text
            .lines()
            .find(|line| line.starts_with(&format!("{id},voice,w,")))
            .unwrap_or_else(|| panic!("{domain}: no closure of {id}: {}", report.text));
        assert!(
            row.contains(",38,FAILED_ROUTE_INBOUND,19,Queue Time Limit,"),
            "{row}"
        );
        // The command line reads the same report straight from the database.
        let cli_report = cli(&[
            "report",
            "contact-closure",
            "--store",
            &cluster.url,
            "--domain",
            domain,
            "--format",
            "csv",
        ]);
        assert_eq!(cli_report, report.text.trim(), "{domain}");
    }
    // Every acknowledged contact is in its domain's journal, through any live node.
    for (domain, ids) in &acknowledged {
        let (admin, _) = &cluster.keys[domain.as_str()];
        for via in &alive {
            for id in ids {
                let history = cluster
                    .node(via)
                    .get(&format!("/v1/contacts/{id}/history"), Some(admin))
                    .ok();
                assert_eq!(
                    history["entries"][0]["event"]["type"], "contact_arrived",
                    "{domain} {id}: {history}"
                );
            }
        }
    }
    // The moved domains' journals: one epoch per stretch, the new one after the old.
    for domain in &moved {
        let stretches = cluster.psql(&format!(
            "SELECT string_agg(epoch || ':' || lo || '-' || hi, ',' ORDER BY lo) FROM
             (SELECT epoch, min(seq) lo, max(seq) hi FROM journal WHERE domain = '{domain}'
              GROUP BY epoch) s"
        ));
        let ranges: Vec<(i64, i64, i64)> = stretches
            .split(',')
            .map(|s| {
                let (epoch, range) = s.split_once(':').unwrap();
                let (lo, hi) = range.split_once('-').unwrap();
                (
                    epoch.parse().unwrap(),
                    lo.parse().unwrap(),
                    hi.parse().unwrap(),
                )
            })
            .collect();
        assert!(ranges.len() >= 2, "{domain}: {stretches}");
        for pair in ranges.windows(2) {
            assert!(
                pair[0].0 < pair[1].0 && pair[0].2 < pair[1].1,
                "{domain}: {stretches}"
            );
        }
    }
}

#[test]
fn a_stopped_owner_that_wakes_after_losing_its_lease_writes_nothing_and_drops_the_domain() {
    let mut cluster = Cluster::new(&["z"]);
    cluster.start("n1");
    cluster.wait_balanced("n1", &["n1"]);
    cluster.start("n2");
    let (admin, connector) = cluster.keys["z"].clone();
    configure(cluster.node("n2"), &admin);
    contact(cluster.node("n2"), &connector, "+361").expect("acknowledged");
    let epoch_before = cluster.psql("SELECT epoch FROM domain_leases WHERE domain = 'z'");
    // SIGSTOP the owner past its lease; n2 takes the domain.
    let pid = cluster.node("n1").pid().to_string();
    let signal = |name: &str| {
        assert!(
            std::process::Command::new("kill")
                .args([name, &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    signal("-STOP");
    eventually("n2 to take the domain", || {
        (cluster.owners("n2").get("z").map(String::as_str) == Some("n2")).then_some(())
    });
    contact(cluster.node("n2"), &connector, "+362").expect("acknowledged by n2");
    // Commands sent to the stopped old owner wait in its sockets; it meets them when it wakes,
    // possibly before its lease round tells it the domain is gone: its engine may still take
    // them and try to append, and the fence must refuse that.
    let pending: Vec<_> = (0..8)
        .map(|i| {
            let client = cluster.node("n1").client.unpooled();
            let connector = connector.clone();
            std::thread::spawn(move || {
                client.try_send(
                    "POST",
                    "/v1/contacts",
                    Some(&connector),
                    Some(&format!(
                        r#"{{"channel":"voice","queue":"q","from":"+3630{i}"}}"#
                    )),
                )
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    signal("-CONT");
    for reply in pending {
        let reply = reply.join().unwrap().expect("an answer");
        // Acknowledged (by n2, forwarded) or refused as moving: nothing else.
        if reply.status != 201 && reply.error_code() != "domain_moving" {
            panic!(
                "{reply:?}\n--- n1\n{}\n--- n2\n{}",
                cluster.node("n1").stderr(),
                cluster.node("n2").stderr()
            );
        }
    }
    // It drops the domain; what it answers now comes from n2 (forwarded).
    eventually("n1 to drop the domain", || {
        let health = cluster.node("n1").get("/healthz", None).ok();
        (health["domains"].as_array().map(Vec::len) == Some(0)).then_some(())
    });
    // One epoch per stretch: nothing of the old epoch after the new one began.
    let overlap = cluster.psql(&format!(
        "SELECT count(*) FROM journal WHERE domain = 'z' AND epoch = {epoch_before}
         AND seq > (SELECT min(seq) FROM journal WHERE domain = 'z' AND epoch > {epoch_before})"
    ));
    assert_eq!(overlap, "0");
}

#[test]
fn a_rolling_restart_under_load_loses_nothing_and_answers_no_request_with_a_5xx() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let domains = ["r1", "r2", "r3"];
    let mut cluster = Cluster::new(&domains);
    for node in ["n1", "n2", "n3"] {
        cluster.start(node);
    }
    cluster.wait_balanced("n1", &["n1", "n2", "n3"]);
    for domain in domains {
        configure(cluster.node("n1"), &cluster.keys[domain].0);
    }
    // What a load balancer sends to: the nodes it has not taken out of rotation.
    let rotation: Arc<Mutex<Vec<(String, Client)>>> = Arc::new(Mutex::new(
        cluster
            .nodes
            .iter()
            .map(|(name, server)| (name.clone(), server.client.clone()))
            .collect(),
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let load = {
        let (rotation, stop, answered) = (rotation.clone(), stop.clone(), answered.clone());
        let connectors: Vec<(String, String)> = domains
            .iter()
            .map(|d| (d.to_string(), cluster.keys[*d].1.clone()))
            .collect();
        std::thread::spawn(move || {
            let mut acknowledged: Vec<(String, u64)> = Vec::new();
            let mut failures: Vec<String> = Vec::new();
            let mut turn = 0usize;
            while !stop.load(Ordering::Relaxed) {
                for (domain, connector) in &connectors {
                    turn += 1;
                    let client = {
                        let rotation = rotation.lock().unwrap();
                        rotation[turn % rotation.len()].1.clone()
                    };
                    let body = format!(r#"{{"channel":"voice","queue":"q","from":"+36{turn}"}}"#);
                    match client.try_send("POST", "/v1/contacts", Some(connector), Some(&body)) {
                        // A connection refused or closed: the balancer tries another node.
                        Err(_) => {}
                        Ok(reply) if reply.status == 201 => {
                            acknowledged
                                .push((domain.clone(), reply.json()["contact"].as_u64().unwrap()));
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(reply) => failures.push(format!("{domain}: {reply:?}")),
                    }
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            (acknowledged, failures)
        })
    };
    // Load flows before, between and after the restarts.
    let flowing = |what: &str| {
        let from = answered.load(Ordering::Relaxed);
        eventually(what, || {
            (answered.load(Ordering::Relaxed) >= from + 15).then_some(())
        });
    };
    flowing("load before the restarts");
    for name in ["n1", "n2", "n3"] {
        // Out of rotation, then SIGTERM: it hands its domains over and exits.
        rotation.lock().unwrap().retain(|(n, _)| n != name);
        let status = cluster.nodes.get_mut(name).unwrap().terminate();
        assert!(status.success(), "{name} exited with {status}");
        cluster.nodes.remove(name);
        cluster.start(name);
        rotation
            .lock()
            .unwrap()
            .push((name.to_string(), cluster.node(name).client.clone()));
        cluster.wait_balanced(name, &["n1", "n2", "n3"]);
        flowing(&format!("load after restarting {name}"));
    }
    stop.store(true, Ordering::Relaxed);
    let (acknowledged, failures) = load.join().unwrap();
    if !failures.is_empty() {
        let logs: Vec<String> = cluster
            .nodes
            .iter()
            .map(|(name, server)| format!("--- {name}\n{}", server.stderr()))
            .collect();
        panic!(
            "{} answers were not 201: {failures:#?}\n{}",
            failures.len(),
            logs.join("\n")
        );
    }
    for (domain, id) in &acknowledged {
        let (admin, _) = &cluster.keys[domain.as_str()];
        cluster
            .node("n2")
            .get(&format!("/v1/contacts/{id}/history"), Some(admin))
            .ok();
    }
}

#[test]
fn a_configuration_file_names_its_domain_and_is_applied_by_whichever_node_serves_it() {
    let cluster = Cluster::new(&["cfg"]);
    let file = cluster.dir.path().join("cfg.toml");
    std::fs::write(
        &file,
        "domain = \"cfg\"\n\n[[queues]]\nid = \"billing\"\nchannel = \"chat\"\n\n\
         [[keys]]\nrole = \"supervisor\"\nsecret = \"cfg-supervisor\"\n",
    )
    .unwrap();
    let config = file.to_str().unwrap().to_string();
    // Without the domain, or with one that does not exist, the node does not start.
    for (text, says) in [
        (
            "[[queues]]\nid = \"x\"\nchannel = \"chat\"\n",
            "domain: missing",
        ),
        ("domain = \"nope\"\n", "no domain \"nope\""),
    ] {
        let bad = cluster.dir.path().join("bad.toml");
        std::fs::write(&bad, text).unwrap();
        let output = run(&[
            "serve",
            "--store",
            &cluster.url,
            "--node-id",
            "nx",
            "--config",
            bad.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ]);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    let stderr = cluster.dir.path().join("n1.log");
    let n1 = start_node(
        &[
            "--store",
            &cluster.url,
            "--node-id",
            "n1",
            "--lease-ms",
            LEASE_MS,
            "--config",
            &config,
        ],
        stderr,
    );
    let queue = eventually("the file's queue", || {
        let reply = n1.get("/v1/queues/billing", Some("cfg-supervisor"));
        reply.is_success().then(|| reply.json())
    });
    assert_eq!(queue["channel"], "chat", "{queue}");
}
