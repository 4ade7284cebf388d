//! Keys that expire (docs/api.md, "Authentication and roles"): `keys create --expires-in` and
//! `--expires-at`, `expires_at` on a configuration key, and the 401 `key_expired` an expired
//! key gets — wall-clock expiry, tested with times far in the past and future, never by
//! waiting.

mod support;

use support::*;

fn site() -> Site {
    Site::new(&format!(
        "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\n{KEYS_TOML}\n\
         [[keys]]\nrole = \"supervisor\"\nsecret = \"old-secret\"\nlabel = \"old desk\"\n\
         expires_at = \"2020-01-01T00:00:00Z\"\n\n\
         [[keys]]\nrole = \"supervisor\"\nsecret = \"future-secret\"\n\
         expires_at = \"2999-01-01T00:00:00Z\"\n"
    ))
}

/// `keys create --role supervisor ARGS`: the new key's secret.
fn create_supervisor_key(data: &str, args: &[&str]) -> String {
    let mut all = vec!["keys", "create", "--role", "supervisor", "--data", data];
    all.extend_from_slice(args);
    let output = run(&all);
    assert!(output.status.success(), "{output:?}");
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// The line of `keys list` for the key labelled `label`.
fn listed(data: &str, label: &str) -> String {
    let listing = String::from_utf8(run(&["keys", "list", "--data", data]).stdout).unwrap();
    listing
        .lines()
        .find(|l| l.ends_with(&format!("\t{label}")))
        .unwrap_or_else(|| panic!("no {label} in {listing}"))
        .to_string()
}

#[test]
fn an_expired_key_is_refused_with_key_expired_and_a_live_one_works() {
    let mut site = site();
    let server = site.start(1);
    let reply = server.get("/v1/monitor/agents", Some("old-secret"));
    reply.assert_error(401, "key_expired");
    let message = reply.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.ends_with("expired at 2020-01-01T00:00:00Z"),
        "{message}"
    );
    server.get("/v1/monitor/agents", Some("future-secret")).ok();

    // From the command line: a duration from now, or a time.
    let data = site.data.to_str().unwrap().to_string();
    let create = |args: &[&str]| create_supervisor_key(&data, args);
    let week = create(&["--expires-in", "7 days", "--label", "a week"]);
    server.get("/v1/monitor/agents", Some(&week)).ok();
    let past = create(&["--expires-at", "2021-06-01T12:00:00Z", "--label", "gone"]);
    eventually("the new key to be read", || {
        let reply = server.get("/v1/monitor/agents", Some(&past));
        (reply.status == 401).then_some(reply)
    })
    .assert_error(401, "key_expired");

    let listing = String::from_utf8(run(&["keys", "list", "--data", &data]).stdout).unwrap();
    let line = |label: &str| {
        listing
            .lines()
            .find(|l| l.ends_with(label))
            .unwrap_or_else(|| panic!("no {label} in {listing}"))
            .to_string()
    };
    assert!(
        line("\tgone").contains("\t2021-06-01T12:00:00Z\t"),
        "{listing}"
    );
    assert!(
        line("\told desk").contains("\t2020-01-01T00:00:00Z\t"),
        "{listing}"
    );
    assert!(!line("\ta week").contains("\t-\ta week"), "{listing}");

    // Bad durations are usage errors that say what is wrong.
    for bad in ["soon", "-2h", "3 months"] {
        let flag = format!("--expires-in={bad}");
        let output = run(&[
            "keys",
            "create",
            "--role",
            "supervisor",
            &flag,
            "--data",
            &data,
        ]);
        assert_eq!(output.status.code(), Some(2), "{bad}: {output:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("--expires-in"), "{bad}: {stderr}");
    }
}

#[test]
fn a_configuration_key_with_a_bad_expiry_names_its_line() {
    let site = Site::new(&format!(
        "{KEYS_TOML}\n[[keys]]\nrole = \"supervisor\"\nsecret = \"s\"\nexpires_at = \"tomorrow\"\n"
    ));
    let output = run(&[
        "serve",
        "--config",
        site.config.to_str().unwrap(),
        "--data",
        site.data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(":17: keys[3].expires_at: \"tomorrow\" is not an RFC 3339 time"),
        "{stderr}"
    );
}

/// An open event stream ends when its key stops working, with the code a request with the key
/// would get: `unauthorized` once revoked, `key_expired` at its expiry. (The stream is read
/// until that message comes; nothing is asserted about how long it took.)
#[test]
fn an_open_stream_ends_when_its_key_is_revoked_or_expires() {
    let mut site = site();
    let server = site.start(1);
    let data = site.data.to_str().unwrap().to_string();
    let create = |args: &[&str]| create_supervisor_key(&data, args);
    let doomed = create(&["--label", "to revoke"]);
    let brief = create(&["--expires-in", "8s", "--label", "brief"]);
    eventually("the new keys to be read", || {
        let ok = |key: &str| server.get("/v1/monitor/agents", Some(key)).status == 200;
        (ok(&doomed) && ok(&brief)).then_some(())
    });
    let mut revoked_stream = server.events(&doomed, None);
    let mut brief_stream = server.events(&brief, None);

    let line = listed(&data, "to revoke");
    let id = line.split('\t').next().unwrap().to_string();
    assert!(
        run(&["keys", "revoke", &id, "--data", &data])
            .status
            .success()
    );

    let ended = revoked_stream.wait_for("the revoked key's error", |m| m.is("error"));
    assert_eq!(
        ended.data["error"]["code"], "unauthorized",
        "{:?}",
        ended.data
    );
    assert_eq!(
        ended.data["error"]["message"],
        format!("key {id} was revoked")
    );
    assert!(revoked_stream.wait_end());

    let ended = brief_stream.wait_for("the expired key's error", |m| m.is("error"));
    assert_eq!(
        ended.data["error"]["code"], "key_expired",
        "{:?}",
        ended.data
    );
    assert!(brief_stream.wait_end());
    server
        .get("/v1/events", Some(&brief))
        .assert_error(401, "key_expired");
}
