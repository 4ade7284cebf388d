//! Black-box tests of input gaps (issue 12, section 3): inputs that used to be taken with a
//! wrong result and no word — a configuration file naming one id twice, a key for an agent
//! that does not exist, errors pointing at the wrong line. Each must now be refused with
//! exit status 2 and one line naming the file, the line and the field.

mod support;

use std::path::Path;
use support::*;

/// Writes `text` to `dir/name.toml` and runs `serve` on it, which must refuse it; returns
/// the file's name and stderr's one line.
#[track_caller]
fn refused_text(dir: &Path, name: &str, text: &str) -> (String, String) {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    (path.display().to_string(), refused_config(&path))
}

const QUEUE: &str = "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\n";

/// Two items of one id: neither wins; the error is at the second and names the first.
#[test]
fn a_config_file_with_one_id_twice_is_refused_naming_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    // (name, text, field at the second, its line, the first's line)
    let cases: [(&str, String, &str, usize, usize); 4] = [
        (
            "queues",
            format!("{QUEUE}\n[[queues]]\nid = \"chat\"\nchannel = \"chat\"\n\n{QUEUE}"),
            "queues[2].id",
            10,
            2,
        ),
        (
            "stations",
            "[[stations]]\nid = \"s1\"\nnumber = \"1\"\n\n[[stations]]\nid = \"s1\"\nnumber = \"2\"\n"
                .into(),
            "stations[1].id",
            6,
            2,
        ),
        (
            "agents",
            format!(
                "{QUEUE}\n[[agents]]\nid = \"a1\"\nfull_name = \"A\"\n\n\
                 [[agents]]\nfull_name = \"B\"\nid = \"a1\"\n"
            ),
            "agents[1].id",
            11,
            6,
        ),
        (
            "keys",
            "[[keys]]\nrole = \"admin\"\nsecret = \"s\"\n\n[[keys]]\nrole = \"supervisor\"\nsecret = \"s\"\n"
                .into(),
            "keys[1].secret",
            7,
            3,
        ),
    ];
    for (name, text, field, line, first) in cases {
        let (file, stderr) = refused_text(dir.path(), name, &text);
        let expected = format!("{file}:{line}: {field}: ");
        assert!(stderr.contains(&expected), "{stderr:?} lacks {expected:?}");
        let before = format!("{file}:{first}");
        assert!(stderr.contains(&before), "{stderr:?} lacks {before:?}");
    }
    // A key given once by secret and once by its SHA-256 is the same key too.
    let hash = "043a718774c572bd8a25adbeb1bfcd5c0256ae11cecf9f9c3f925d0e52beaf89"; // "s"
    let text = format!(
        "[[keys]]\nrole = \"admin\"\nsecret = \"s\"\n\n[[keys]]\nrole = \"supervisor\"\nsha256 = \"{hash}\"\n"
    );
    let (file, stderr) = refused_text(dir.path(), "keys-hash", &text);
    assert!(
        stderr.contains(&format!("{file}:7: keys[1].sha256: ")),
        "{stderr}"
    );
}

/// The engine's own checks point at the field's line, not at the table's first line.
#[test]
fn engine_checks_point_at_the_fields_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{QUEUE}\n[[queues]]\nid = \"slow\"\nname = \"Slow\"\n\nchannel = \"voice\"\n\
         offer_timeout_ms = 5000\n\
         dispositions = [\n  {{ code = \"ok\", label_en = \"OK\", label_hu = \"OK\" }},\n  \
         {{ code = \"\", label_en = \"x\", label_hu = \"x\" }},\n]\n"
    );
    let (file, stderr) = refused_text(dir.path(), "field-line", &text);
    assert!(
        stderr.starts_with(&format!(
            "switchboard: error: {file}:10: queues[slow].offer_timeout_ms: 5000 ms is outside"
        )),
        "{stderr}"
    );
    let text = text.replace("offer_timeout_ms = 5000\n", "");
    let (file, stderr) = refused_text(dir.path(), "nested-line", &text);
    assert!(
        stderr.contains(&format!("{file}:12: queues[slow].dispositions[1].code: ")),
        "{stderr}"
    );
}

/// A key in the configuration for an agent the configuration (and the store) lack.
#[test]
fn a_config_key_for_an_unknown_agent_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{QUEUE}\n[[agents]]\nid = \"a1\"\nfull_name = \"A\"\n\n\
         [[keys]]\nrole = \"agent\"\nsecret = \"k1\"\nagent = \"a1\"\n\n\
         [[keys]]\nrole = \"agent\"\nsecret = \"k2\"\nagent = \"zz\"\n"
    );
    let (file, stderr) = refused_text(dir.path(), "unknown-agent", &text);
    assert!(
        stderr.contains(&format!("{file}:17: keys[1].agent: unknown agent \"zz\"")),
        "{stderr}"
    );
}

/// `keys create --role agent --agent ID` needs agent ID to exist, whether the server runs
/// or not; the refusal is exit status 2 and one line, and no key is made.
#[test]
fn keys_create_for_an_unknown_agent_is_refused_online_and_offline() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}{QUEUE}{}",
        agents_toml(&["a1"], &["sales"])
    ));
    let data = site.data.to_str().unwrap().to_string();
    let create = |agent: &str| {
        run(&[
            "keys", "create", "--role", "agent", "--agent", agent, "--data", &data,
        ])
    };
    let keys = || {
        let list = run(&["keys", "list", "--data", &data]);
        String::from_utf8(list.stdout).unwrap().lines().count()
    };
    let check_refused = |output: std::process::Output| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("--agent \"zz\": no such agent"), "{stderr}");
        assert!(output.stdout.is_empty(), "no key printed");
    };

    let mut server = site.start(1);
    let before = keys();
    check_refused(create("zz"));
    assert_eq!(keys(), before, "no key stored");
    let made = create("a1");
    assert!(made.status.success(), "{made:?}");
    let key = String::from_utf8(made.stdout).unwrap().trim().to_string();
    server.get("/v1/agents/a1/status", Some(&key)).ok();
    // An agent configured through the API counts at once.
    server
        .put(
            "/v1/agents/a2",
            ADMIN,
            r#"{"full_name":"Agent 2","queues":[{"queue":"sales"}]}"#,
        )
        .ok();
    assert!(create("a2").status.success());
    assert!(server.terminate().success());

    // Stopped: the same answers from the journal.
    check_refused(create("zz"));
    assert!(create("a1").status.success());
    assert!(create("a2").status.success());
    // A fresh data directory has no agents at all.
    let fresh = site.dir.path().join("fresh");
    let output = run(&[
        "keys",
        "create",
        "--role",
        "agent",
        "--agent",
        "zz",
        "--data",
        fresh.to_str().unwrap(),
    ]);
    check_refused(output);
}

/// A report whose dates miss all the data (`last-7-days` on a simulated day of 2026) is
/// still a valid, empty report, but no longer a silent one: stderr says which days the data
/// covers. A report on those days has rows and no note.
#[test]
fn an_empty_report_outside_the_data_says_where_the_data_is() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("sim-data");
    let data = data.to_str().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/swarm-small.toml"
    );
    let sim = run(&["sim", scenario, "--data", data]);
    assert!(sim.status.success(), "{sim:?}");
    let report = |range: &[&str]| {
        let mut args = vec![
            "report",
            "agent-refusal",
            "--data",
            data,
            "--tz",
            "Europe/Budapest",
        ];
        args.extend_from_slice(range);
        let output = run(&args);
        assert!(output.status.success(), "{output:?}");
        (
            String::from_utf8(output.stdout).unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (rows, note) = report(&["--from", "last-7-days"]);
    assert_eq!(rows.lines().count(), 1, "only the header: {rows}");
    assert!(
        note.starts_with("switchboard: note: no rows: the report covers ")
            && note.contains(&format!(
                "but the data in {data} runs from 2026-03-02 to 2026-03-02 (Europe/Budapest); try --from 2026-03-02 --to 2026-03-02"
            )),
        "{note}"
    );
    assert_eq!(note.lines().count(), 1, "{note}");
    let (rows, note) = report(&["--from", "2026-03-02"]);
    assert!(rows.lines().count() > 1, "{rows}");
    assert_eq!(note, "");
    // Inside the data's days but without a row (a night window): no note either.
    let (rows, note) = report(&["--from", "2026-03-02", "--start", "00:00", "--end", "01:00"]);
    assert_eq!(rows.lines().count(), 1, "{rows}");
    assert_eq!(note, "");
}

/// A key of the configuration file revoked with `keys revoke` stays revoked: a restart with
/// the same file is refused, naming the key's line, instead of bringing the key back.
#[test]
fn a_revoked_config_key_is_not_brought_back_by_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("server.toml");
    let text = format!("{KEYS_TOML}{QUEUE}");
    std::fs::write(&path, &text).unwrap();
    let data = path.with_extension("data");
    let mut site = Site::new(&text).with_data(&data);
    let server = site.start(1);
    server.get("/v1/monitor/queues", Some(SUPERVISOR)).ok();
    drop(server);
    let data_text = data.to_str().unwrap();
    let listing = String::from_utf8(run(&["keys", "list", "--data", data_text]).stdout).unwrap();
    let supervisor_id = listing
        .lines()
        .find(|line| line.contains("\tsupervisor\t"))
        .and_then(|line| line.split('\t').next())
        .unwrap_or_else(|| panic!("no supervisor key in {listing}"))
        .to_string();
    assert!(
        run(&["keys", "revoke", &supervisor_id, "--data", data_text])
            .status
            .success()
    );
    let error = refused_config(&path);
    let line = text
        .lines()
        .position(|l| l == "secret = \"supervisor-secret\"")
        .unwrap();
    // The `[[keys]]` header of the supervisor's key is the line before its role.
    assert!(
        error.contains(&format!(
            "server.toml:{}: keys[1]: this key was revoked (key {supervisor_id}",
            line - 1
        )),
        "{error}"
    );
    // The store still has it revoked.
    let listing = String::from_utf8(run(&["keys", "list", "--data", data_text]).stdout).unwrap();
    let row = listing
        .lines()
        .find(|line| line.starts_with(&format!("{supervisor_id}\t")))
        .unwrap();
    let revoked = row.split('\t').nth(4);
    assert_eq!(revoked, Some("true"), "{listing}");
}
