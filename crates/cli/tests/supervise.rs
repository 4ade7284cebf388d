//! Black-box tests of a supervisor setting an agent's state and logging it out through
//! `switchboard serve` (docs/engine.md, Agent states): the journaled event names the key, an
//! agent in a contact gets it as Mode Pending, the monitor and the agent-state-log report
//! show who set it, and agent and connector keys may not do it.

mod support;

use support::*;

fn site() -> Site {
    Site::new(&format!(
        "[settings]\nunavailable_reasons = [\"Lunch\", \"Training\"]\n\n\
         [[queues]]\nid = \"sales\"\nchannel = \"voice\"\n{KEYS_TOML}{}",
        agents_toml(&["a1", "a2"], &["sales"])
    ))
}

#[test]
fn a_supervisor_sets_states_and_logs_out_and_the_report_shows_who() {
    let mut site = site();
    let server = site.start(1);
    server.login("a1");
    server.login("a2");
    let mut journal = server.events(ADMIN, Some(server.last_seq()));

    // Idle a1: Break (Training) at once, recorded with the key.
    server
        .post(
            "/v1/agents/a1/force-state",
            SUPERVISOR,
            Some(r#"{"state":"break","reason":"Training"}"#),
        )
        .ok();
    let forced = journal.wait_for("agent_state_forced", |m| m.is("agent_state_forced"));
    assert_eq!(forced.ev()["agent"], "a1");
    assert_eq!(forced.ev()["state"], "break");
    assert_eq!(forced.ev()["reason"], "Training");
    let by = forced.ev()["by"].as_str().unwrap().to_string();
    // The key's label, role and id (config keys are labelled "config: <role>").
    assert!(
        by.starts_with("config: supervisor (supervisor, key "),
        "{by}"
    );
    let a1 = server.monitor_row("agents", "a1");
    assert_eq!(a1["state"], "break");
    assert_eq!(a1["reason"], format!("Training (set by {by})"));

    // a2 on a call: Break becomes Waiting for Break (Mode Pending) until the work ends.
    let contact = server.create_contact("voice", "sales", "+3611111111");
    let offer = server.wait_offer("a2", &agent_key("a2"));
    server
        .post(
            &format!("/v1/offers/{offer}/accept"),
            &agent_key("a2"),
            None,
        )
        .ok();
    server.link_leg(offer);
    server
        .post(
            "/v1/agents/a2/force-state",
            ADMIN,
            Some(r#"{"state":"break","reason":"Lunch"}"#),
        )
        .ok();
    let a2 = server.monitor_row("agents", "a2");
    assert_eq!(a2["state"], "waiting_for_break");
    assert_eq!(a2["availability"], "Mode Pending");
    server
        .post(
            &format!("/v1/contacts/{contact}/end"),
            &agent_key("a2"),
            None,
        )
        .ok();
    server
        .post(
            &format!("/v1/contacts/{contact}/complete"),
            &agent_key("a2"),
            None,
        )
        .ok();
    assert_eq!(server.monitor_row("agents", "a2")["state"], "break");

    // Logged out by the supervisor; an agent key and a connector key may not do it.
    server
        .post("/v1/agents/a1/force-logout", &agent_key("a2"), None)
        .assert_error(403, "forbidden");
    server
        .post("/v1/agents/a1/force-logout", CONNECTOR, None)
        .assert_error(403, "forbidden");
    server
        .post(
            "/v1/agents/a1/force-state",
            SUPERVISOR,
            Some(r#"{"state":"break","reason":"Golf"}"#),
        )
        .assert_error(422, "unknown_reason");
    server
        .post("/v1/agents/nobody/force-logout", SUPERVISOR, None)
        .assert_error(404, "unknown_agent");
    server
        .post("/v1/agents/a1/force-logout", SUPERVISOR, None)
        .ok();
    let a1 = server.monitor_row("agents", "a1");
    assert_eq!(a1["state"], "offline");
    assert_eq!(a1["reason"], format!("logged out by {by}"));

    // The agent-state-log report keeps who set each state.
    let log = server
        .get(
            "/v1/reports/agent-state-log?preset=today&format=json",
            Some(ADMIN),
        )
        .json();
    let rows: Vec<(String, String, String)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (text("Agent_No"), text("State"), text("Reason"))
        })
        .collect();
    let admin = rows
        .iter()
        .find(|(a, s, _)| a == "a2" && s == "Waiting for Break")
        .map(|(_, _, reason)| reason.clone())
        .unwrap_or_else(|| panic!("no Waiting for Break row: {log}"));
    assert!(
        admin.starts_with("Lunch (set by config: admin (admin, key "),
        "{admin}"
    );
    for expected in [
        ("a1", "Break", format!("Training (set by {by})")),
        ("a1", "Offline", format!("logged out by {by}")),
        ("a2", "Break", admin.clone()),
    ] {
        assert!(
            rows.iter()
                .any(|(a, s, r)| (a.as_str(), s.as_str(), r)
                    == (expected.0, expected.1, &expected.2)),
            "no row {expected:?} in {log}"
        );
    }
}

#[test]
fn a_contacts_history_tells_its_story_from_the_journal() {
    let mut site = site();
    let server = site.start(1);
    server.login("a1");
    let contact = server.create_contact("voice", "sales", "+3612121212");
    let offer = server.wait_offer("a1", &agent_key("a1"));
    server
        .post(
            &format!("/v1/offers/{offer}/refuse"),
            &agent_key("a1"),
            None,
        )
        .ok();
    server
        .post(&format!("/v1/contacts/{contact}/abandon"), CONNECTOR, None)
        .ok();

    let history = server
        .get(&format!("/v1/contacts/{contact}/history"), Some(SUPERVISOR))
        .ok();
    assert_eq!(history["contact"], contact);
    assert_eq!(history["truncated"], false);
    let entries = history["entries"].as_array().unwrap();
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["event"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "contact_arrived",
            "contact_queued",
            "offer_created",
            "offer_refused",
            "contact_queued",
            "contact_closed"
        ],
        "{history}"
    );
    let refused = &entries[3]["event"];
    assert_eq!(refused["agent"], "a1");
    assert_eq!(refused["reason"], "Declined");
    // In journal order, with the journal's numbers and times.
    let seqs: Vec<u64> = entries.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    server
        .get("/v1/contacts/999/history", Some(SUPERVISOR))
        .assert_error(404, "unknown_contact");
    server
        .get(
            &format!("/v1/contacts/{contact}/history"),
            Some(&agent_key("a1")),
        )
        .assert_error(403, "forbidden");
}

/// The console reads what changed: `ids` picks agent rows and callbacks by id; an unknown id
/// or an empty item finds nothing, and a list of more than 1,000 is a 400 `invalid_query`.
#[test]
fn the_monitor_reads_agents_and_callbacks_by_id() {
    let mut site = site();
    let server = site.start(1);
    server.login("a2");
    let ids = |path: &str| -> Vec<serde_json::Value> {
        let rows = server.get(path, Some(SUPERVISOR)).ok();
        rows.as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    assert_eq!(ids("/v1/monitor/agents?ids=a2"), [serde_json::json!("a2")]);
    assert_eq!(
        ids("/v1/monitor/agents?ids=a2,nobody-ever,a1"),
        [serde_json::json!("a2"), serde_json::json!("a1")]
    );
    assert_eq!(ids("/v1/monitor/agents").len(), 2);
    assert_eq!(
        ids("/v1/monitor/agents?ids=a1,,a2,"),
        [serde_json::json!("a1"), serde_json::json!("a2")]
    );
    assert!(ids("/v1/monitor/agents?ids=").is_empty());
    let too_many = vec!["a1"; 1001].join(",");
    server
        .get(
            &format!("/v1/monitor/agents?ids={too_many}"),
            Some(SUPERVISOR),
        )
        .assert_error(400, "invalid_query");

    // Callbacks: the sales queue takes none, so a contact id finds no callback row.
    let contact = server.create_contact("voice", "sales", "+3611111119");
    assert!(ids(&format!("/v1/callbacks?ids={contact}")).is_empty());
    assert!(ids("/v1/callbacks?ids=seven,99999999999999999999999").is_empty());
}
