//! Black-box tests of the dial outcomes of issue 13 through `switchboard serve`: the
//! connector reports how a callback dial ended (busy, then an invalid number); the attempts
//! record those states, the callback search shows the last one with its raw cause, the
//! queue's policy ends the callback at the invalid number, and the completed-callbacks report
//! shows both attempts. The policy is queue configuration, checked with field errors.

mod support;

use serde_json::json;
use support::*;

/// Queue `service` recalls at once (no wait between attempts), three attempts before failure.
fn callback_site() -> Site {
    Site::new(&format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"service\"\nchannel = \"voice\"\n\
         callbacks = {{ attempts_before_failure = 3, recall_intervals_ms = [0] }}\n{}",
        agents_toml(&["a1", "a2"], &["service"])
    ))
}

/// Accepts the next offer to `agent`: the callback dial starts.
#[track_caller]
fn accept_next(server: &Server, agent: &str) {
    let key = agent_key(agent);
    let offer = server.wait_offer(agent, &key);
    server
        .post(&format!("/v1/offers/{offer}/accept"), &key, None)
        .ok();
}

/// The agent completes its wrap-up of `contact`.
#[track_caller]
fn complete(server: &Server, contact: u64, agent: &str) {
    server
        .post(
            &format!("/v1/contacts/{contact}/complete"),
            &agent_key(agent),
            None,
        )
        .ok();
}

#[track_caller]
fn dial_outcome(server: &Server, contact: u64, outcome: &str, cause: &str) -> Reply {
    server.post(
        "/v1/connector/events",
        CONNECTOR,
        Some(&format!(
            r#"{{"type":"dial_outcome","contact":{contact},"outcome":"{outcome}","cause_code":"{cause}"}}"#
        )),
    )
}

#[test]
fn busy_is_retried_and_an_invalid_number_ends_the_callback_in_the_search_and_the_report() {
    let mut site = callback_site();
    let server = site.start(1);
    let mut admin = server.events(ADMIN, None);
    server.login("a1");
    let created = server
        .post(
            "/v1/callbacks",
            SUPERVISOR,
            Some(r#"{"queue":"service","destination":"+3612345678"}"#),
        )
        .ok();
    let contact = created["contact"].as_u64().expect("contact");

    // Attempt 1: the line is busy (SIP 486).
    accept_next(&server, "a1");
    admin.wait_contact("attempt_started", contact);
    // Only known outcomes, only the connector, only while dialing.
    dial_outcome(&server, contact, "engaged", "486").assert_error(422, "invalid_body");
    server
        .post(
            "/v1/connector/events",
            &agent_key("a1"),
            Some(&format!(
                r#"{{"type":"dial_outcome","contact":{contact},"outcome":"busy"}}"#
            )),
        )
        .assert_error(403, "forbidden");
    dial_outcome(&server, contact, "busy", "486").ok();
    let reported = admin.wait_contact("dial_outcome_reported", contact);
    assert_eq!(reported.ev()["outcome"], "busy", "{reported:?}");
    assert_eq!(reported.ev()["cause_code"], "486", "{reported:?}");
    let status = admin.wait_contact("completion_status_set", contact);
    assert_eq!(status.ev()["status"], "busy", "{status:?}");
    admin.wait_contact("wrap_up_started", contact);
    dial_outcome(&server, contact, "busy", "486").assert_error(409, "invalid_contact_state");
    complete(&server, contact, "a1");
    let ended = admin.wait_contact("attempt_ended", contact);
    assert_eq!(
        (
            &ended.ev()["state"],
            &ended.ev()["minor"],
            &ended.ev()["counted"]
        ),
        (&json!("busy"), &json!(3), &json!(true)),
        "{ended:?}"
    );
    // Busy is retried (the default policy): the callback is open, its last attempt Busy.
    let listed = server.get("/v1/callbacks", Some(SUPERVISOR)).ok();
    let view = listed
        .as_array()
        .expect("a list")
        .iter()
        .find(|v| v["id"] == contact)
        .unwrap_or_else(|| panic!("callback {contact} not listed: {listed}"))
        .clone();
    assert_eq!(view["attempts"], 1, "{view}");
    assert_eq!(view["last_attempt_state"], "busy", "{view}");
    assert_eq!(view["last_cause_code"], "486", "{view}");

    // Attempt 2: the number does not exist (SIP 404): the default policy ends it at once.
    accept_next(&server, "a1");
    dial_outcome(&server, contact, "invalid_number", "404").ok();
    admin.wait_contact("wrap_up_started", contact);
    complete(&server, contact, "a1");
    let completed = admin.wait_contact("callback_completed", contact);
    assert_eq!(completed.ev()["end"], "failed", "{completed:?}");
    let closed = admin.wait_contact("contact_closed", contact);
    assert_eq!(closed.ev()["code"], json!({"major": 33, "minor": 9}));
    let listed = server.get("/v1/callbacks", Some(SUPERVISOR)).ok();
    assert!(
        !listed
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["id"] == contact),
        "{listed}"
    );

    // The report: one row per attempt, Busy then Invalid Number, the callback Failed.
    let report = server
        .unpooled()
        .get("/v1/reports/completed-callbacks", Some(ADMIN));
    assert_eq!(report.status, 200, "{}", report.text);
    let rows: Vec<&str> = report
        .text
        .lines()
        .filter(|l| l.starts_with(&format!("{contact},")))
        .collect();
    assert_eq!(rows.len(), 2, "{}", report.text);
    for (row, (attempt, state)) in rows.iter().zip([(1, "Busy"), (2, "Invalid Number")]) {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells[3], "Failed", "{row}");
        assert_eq!(cells[7], attempt.to_string(), "{row}");
        assert_eq!(*cells.last().unwrap(), state, "{row}");
    }
    // The contact-closure report names the code too.
    let closure = server
        .unpooled()
        .get("/v1/reports/contact-closure", Some(ADMIN));
    assert!(
        closure
            .text
            .lines()
            .any(|l| l.starts_with(&format!("{contact},"))
                && l.contains(",33,FAILED_DESTINATION,9,Invalid Number,")),
        "{}",
        closure.text
    );
}

#[test]
fn the_queue_policy_is_configuration_with_field_errors_and_an_outbound_busy_closes_33_3() {
    let mut site = callback_site();
    let server = site.start(1);
    let queue = server.get("/v1/queues/service", Some(ADMIN)).ok();
    assert_eq!(
        queue["callbacks"]["end_callback_on"],
        json!(["invalid_number", "sit"]),
        "the default: {queue}"
    );
    let put = |policy: &str| {
        server.put(
            "/v1/queues/service",
            ADMIN,
            &format!(
                r#"{{"channel":"voice","callbacks":{{"attempts_before_failure":3,"end_callback_on":{policy}}}}}"#
            ),
        )
    };
    for (policy, field) in [
        (
            r#"["busy","live"]"#,
            "queues[service].callbacks.end_callback_on[1]",
        ),
        (
            r#"["fax","fax"]"#,
            "queues[service].callbacks.end_callback_on[1]",
        ),
    ] {
        let bad = put(policy);
        bad.assert_error(422, "invalid_config");
        let message = bad.json()["error"]["message"].as_str().unwrap().to_string();
        assert!(message.contains(field), "{policy}: {message}");
    }
    put(r#"["ringing"]"#).assert_error(422, "invalid_body");
    // The configuration file is refused the same way, naming its line.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.toml");
    std::fs::write(
        &path,
        "[[queues]]\nid = \"service\"\nchannel = \"voice\"\n\n[queues.callbacks]\n\
         end_callback_on = [\"busy\", \"live\"]\n",
    )
    .unwrap();
    let stderr = refused_config(&path);
    let at = format!(
        "{}:6: queues[service].callbacks.end_callback_on[1]: live: ",
        path.display()
    );
    assert!(stderr.contains(&at), "expected {at:?} in {stderr}");
    put(r#"["busy"]"#).ok();
    let queue = server.get("/v1/queues/service", Some(ADMIN)).ok();
    assert_eq!(queue["callbacks"]["end_callback_on"], json!(["busy"]));

    // An outbound dial (not a callback) that finds the line busy closes (33, 3).
    let mut admin = server.events(ADMIN, None);
    server
        .post(
            "/v1/agents/a2/login",
            &agent_key("a2"),
            Some(r#"{"station":"st-a2","state":"outgoing_interactions"}"#),
        )
        .ok();
    server
        .post(
            "/v1/agents/a2/dial",
            &agent_key("a2"),
            Some(r#"{"destination":"+3620555"}"#),
        )
        .ok();
    let dialing = admin.wait_for("the outbound contact", |m| {
        m.is("contact_arrived") && m.ev()["from"] == "+3620555"
    });
    let contact = dialing.contact().expect("contact");
    admin.wait_contact("contact_connected", contact);
    dial_outcome(&server, contact, "busy", "SIP 486;Q.850 17").ok();
    let closed = admin.wait_contact("contact_closed", contact);
    assert_eq!(closed.ev()["code"], json!({"major": 33, "minor": 3}));
}
