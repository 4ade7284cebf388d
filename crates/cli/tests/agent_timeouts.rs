//! Black-box tests of the agent time-outs of issue 13 through `switchboard serve`: the
//! refusal (offer) time-out per agent and channel, from the configuration file and the API;
//! the unavailable time-out, across a restart, in the agent-state-log report.
//!
//! Deadlines are read from the journaled events (engine time), never measured; the hidden
//! `--speed N` lets 30 minutes of engine time pass without waiting for them.

mod support;

use support::*;

/// Queue `sales` rings 20 s; a1's profile sets 90 s for voice (from the file), a2 none.
fn refusal_timeout_site() -> Site {
    Site::new(&format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"sales\"\nchannel = \"voice\"\noffer_timeout_ms = 20000\n\n\
         [[stations]]\nid = \"st-a1\"\nnumber = \"+36-a1\"\n\n\
         [[agents]]\nid = \"a1\"\nfull_name = \"Agent a1\"\nqueues = [{{ queue = \"sales\" }}]\n\
         offer_timeout_ms = {{ voice = 90000 }}\n\n\
         [[keys]]\nrole = \"agent\"\nagent = \"a1\"\nsecret = \"a1-secret\"\n{}",
        agents_toml(&["a2"], &["sales"])
    ))
}

/// The milliseconds an `offer_created` message gives its offer to ring.
fn ring_ms(message: &Sse) -> i64 {
    message.ev()["deadline"].as_i64().expect("deadline") - message.data["at"].as_i64().expect("at")
}

#[test]
fn agent_refusal_timeout_per_channel_from_file_and_api_beats_the_queue() {
    let mut site = refusal_timeout_site();
    let server = site.start(1);
    // The file's value is in the agent's configuration; an agent without one shows none.
    let a1 = server.get("/v1/agents/a1", Some(ADMIN)).ok();
    assert_eq!(a1["offer_timeout_ms"]["voice"], 90_000, "{a1}");
    let a2 = server.get("/v1/agents/a2", Some(ADMIN)).ok();
    assert!(a2.get("offer_timeout_ms").is_none(), "{a2}");
    // Outside 15–300 s: refused, naming the field; nothing changes.
    let bad = server.put(
        "/v1/agents/a2",
        ADMIN,
        r#"{"full_name":"Agent a2","queues":[{"queue":"sales"}],"offer_timeout_ms":{"voice":14999}}"#,
    );
    bad.assert_error(422, "invalid_config");
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("agents[a2].offer_timeout_ms.voice"),
        "{bad:?}"
    );
    // Through the API: a2's voice value is 60 s.
    server
        .put(
            "/v1/agents/a2",
            ADMIN,
            r#"{"full_name":"Agent a2","queues":[{"queue":"sales"}],"offer_timeout_ms":{"voice":60000}}"#,
        )
        .ok();
    assert_eq!(
        server.get("/v1/agents/a2", Some(ADMIN)).ok()["offer_timeout_ms"]["voice"],
        60_000
    );

    let mut admin = server.events(ADMIN, None);
    server.login("a1");
    server.login("a2");
    let contact = server.create_contact("voice", "sales", "+3612345678");
    let expected = |agent: &str| if agent == "a1" { 90_000 } else { 60_000 };
    // Whoever gets it first rings for its own value, not the queue's 20 s; after a decline
    // the other agent rings for its own.
    let first = admin.wait_contact("offer_created", contact);
    let first_agent = first.ev()["agent"].as_str().unwrap().to_string();
    assert_eq!(ring_ms(&first), expected(&first_agent), "{first:?}");
    let offer = first.ev()["offer"].as_u64().unwrap();
    server
        .post(
            &format!("/v1/offers/{offer}/refuse"),
            &agent_key(&first_agent),
            None,
        )
        .ok();
    let second = admin.wait_for("the offer to the other agent", |m| {
        m.is("offer_created") && m.contact() == Some(contact) && m.ev()["offer"] != offer
    });
    let second_agent = second.ev()["agent"].as_str().unwrap().to_string();
    assert_ne!(second_agent, first_agent);
    assert_eq!(ring_ms(&second), expected(&second_agent), "{second:?}");
}

/// Agent `id` goes on Break (Lunch); returns the `agent_state_changed` message of it.
fn lunch_break(server: &Server, id: &str) -> Sse {
    let mut admin = server.events(ADMIN, Some(0));
    server
        .post(
            &format!("/v1/agents/{id}/state"),
            &agent_key(id),
            Some(r#"{"state":"break","reason":"Lunch"}"#),
        )
        .ok();
    admin.wait_for(&format!("{id} on break"), |m| {
        m.is("agent_state_changed") && m.ev()["agent"] == id && m.ev()["state"] == "break"
    })
}

/// a1's Break reaches the restart through the snapshot a stop writes, a2's through the
/// journal after it (a kill -9 writes no snapshot); both time-outs fire after the restart.
#[test]
fn unavailable_too_long_logs_out_after_a_restart_and_the_state_log_shows_why() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}\n[settings]\nunavailable_reasons = [\"Lunch\"]\n\
         unavailable_timeout_ms = 1800000\n\n\
         [[queues]]\nid = \"sales\"\nchannel = \"voice\"\n{}",
        agents_toml(&["a1", "a2"], &["sales"])
    ));
    // Real time: the 30 minutes cannot pass before the stops.
    let mut server = site.start(1);
    let settings = server.get("/v1/settings", Some(ADMIN)).ok();
    assert_eq!(settings["unavailable_timeout_ms"], 1_800_000, "{settings}");
    server.login("a1");
    server.login("a2");
    let a1_break = lunch_break(&server, "a1");
    assert!(server.terminate().success());
    let mut server = site.start(1);
    let a2_break = lunch_break(&server, "a2");
    server.kill9();
    let stopped_at = a2_break.id.unwrap();

    // After the restart at 10,000x, the timers resume.
    let server = site.start(10_000);
    let mut replay = server.events(ADMIN, Some(0));
    for on_break in [&a1_break, &a2_break] {
        let agent = on_break.ev()["agent"].clone();
        let timed_out = replay.wait_for("the unavailable time-out", |m| {
            m.is("agent_unavailable_timed_out") && m.ev()["agent"] == agent
        });
        assert_eq!(timed_out.ev()["state"], "break");
        assert_eq!(timed_out.ev()["reason"], "Lunch");
        assert_eq!(timed_out.ev()["since"], on_break.data["at"]);
        assert!(
            timed_out.id.unwrap() > stopped_at,
            "it fired after the restart"
        );
        let offline = replay.wait_for("the logout", |m| {
            m.is("agent_state_changed") && m.ev()["agent"] == agent && m.ev()["state"] == "offline"
        });
        assert_eq!(offline.ev()["reason"], "Unavailable time-out");
        let status = server.get(
            &format!("/v1/agents/{}/status", agent.as_str().unwrap()),
            Some(ADMIN),
        );
        assert_eq!(status.ok()["state"], "offline");
    }
    drop(replay);
    let mut server = server;
    assert!(server.terminate().success());

    // The agent-state-log shows the Break with its reason, then Offline with why.
    let log = report_around_now("agent-state-log", &site.data);
    let header: Vec<&str> = log.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for agent in ["a1", "a2"] {
        let states: Vec<(&str, &str)> = log
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<&str>>())
            .filter(|r| r[column("Agent_No")] == agent)
            .map(|r| (r[column("State")], r[column("Reason")]))
            .collect();
        assert_eq!(
            &states[states.len() - 2..],
            [("Break", "Lunch"), ("Offline", "Unavailable time-out")],
            "{agent}: {log}"
        );
    }
}

#[test]
fn out_of_range_agent_time_outs_in_the_file_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "agent-offer",
            "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\n\n\
             [[agents]]\nid = \"a1\"\nfull_name = \"A\"\nqueues = [{ queue = \"sales\" }]\n\
             offer_timeout_ms = { chat = 301000 }\n",
            9,
            "agents[a1].offer_timeout_ms.chat",
        ),
        (
            "unavailable",
            "[settings]\nunavailable_reasons = [\"Lunch\"]\nunavailable_timeout_ms = 60000\n",
            3,
            "settings.unavailable_timeout_ms",
        ),
        (
            "unavailable-reason",
            "[settings]\nunavailable_reasons = [\"Lunch\"]\n\n\
             [settings.unavailable_timeout_by_reason_ms]\nLunch = 43260000\n",
            5,
            "settings.unavailable_timeout_by_reason_ms.Lunch",
        ),
    ];
    for (name, text, line, field) in cases {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        let stderr = refused_config(&path);
        let at = format!("{}:{line}: {field}: ", path.display());
        assert!(stderr.contains(&at), "{name}: expected {at:?} in {stderr}");
    }
}
