//! The OpenAPI document is the contract: schemathesis (`st run --checks all`) against
//! `/openapi.json` of the real binary, once with each role's key (admin, connector,
//! supervisor, agent). Every request it generates from the document — valid ones that must
//! be accepted, invalid ones that must be refused, sequences following the document's links
//! — must get an answer the document describes: a documented status, content type, headers
//! and body schema, and never a 5xx.
//!
//! schemathesis comes from `scripts/test.sh`, which installs the pinned version into
//! `target/venv`. `crates/cli/tests/schemathesis.toml` lists the few rules a schema cannot
//! state (across fields, about other resources, about the clock) and how the event stream is
//! read.

mod support;

use std::path::PathBuf;
use std::process::Command;
use support::*;

/// Each role's key in `examples/config/server.toml`.
const ROLES: [(&str, &str); 4] = [
    ("admin", ADMIN),
    ("connector", CONNECTOR),
    ("supervisor", SUPERVISOR),
    ("agent a1", "a1-secret"),
];

/// Test cases per operation and phase: about 40 seconds a role on two cores, under three
/// minutes for the four (one schemathesis worker: hypothesis' lambda introspection is not
/// thread-safe on Python 3.11 and crashed a run with two).
const MAX_EXAMPLES: &str = "50";

fn repository() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The `st` of the virtual environment `scripts/test.sh` makes.
fn schemathesis() -> PathBuf {
    repository().join("target/venv/bin/st")
}

#[test]
fn every_role_gets_what_the_document_says() {
    let st = schemathesis();
    assert!(
        st.exists(),
        "{} is missing: run scripts/test.sh (it installs the pinned schemathesis into \
         target/venv, then runs the tests)",
        st.display()
    );
    let config = repository().join("crates/cli/tests/schemathesis.toml");
    let mut failed = Vec::new();
    for (role, key) in ROLES {
        // A server of its own per role: what one role changes does not steer another's run.
        let mut site = Site::new(&example_config());
        let server = site.start(1);
        let output = Command::new(&st)
            .arg("--config-file")
            .arg(&config)
            .args(["--no-color", "run"])
            .arg(server.url("/openapi.json"))
            .args(["--checks", "all"])
            .args(["-H", &format!("Authorization: Bearer {key}")])
            .args(["--max-examples", MAX_EXAMPLES, "--seed", "20261205"])
            .args(["--workers", "1", "--request-timeout", "30"])
            .args(["--generation-database", "none"])
            .current_dir(site.dir.path())
            .output()
            .expect("run schemathesis");
        let report = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        let summary = report
            .lines()
            .rev()
            .find(|line| line.contains(" generated, "))
            .unwrap_or("no summary")
            .trim()
            .to_string();
        let operations = report
            .lines()
            .find_map(|line| line.trim().strip_prefix("Tested: "))
            .unwrap_or("?");
        println!("{role}: {operations} operations, {summary}");
        let stderr = server.stderr();
        if stderr.contains("panicked") {
            failed.push(format!("{role}: the server panicked:\n{stderr}"));
        }
        if !output.status.success() || !summary.contains(" passed") {
            failed.push(format!("{role} ({}):\n{report}", output.status));
        }
    }
    assert!(
        failed.is_empty(),
        "schemathesis found the server and its OpenAPI document disagreeing:\n\n{}",
        failed.join("\n\n")
    );
}
