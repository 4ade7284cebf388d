//! Black-box tests of issue 13's sessions through `switchboard serve`: the connector's
//! hang-up says which side ended a call, and a voice queue reschedules the customer's drop
//! as a callback (49); agents suspend (50), park (61) and unpark email over HTTP, a parked
//! customer's new email is held (62); the sessions survive a restart; the contact-closure
//! report shows the codes.

mod support;

use support::*;

/// The accepted (and, for voice, linked) offer of agent `id` for `contact`.
fn take(server: &Server, events: &mut EventStream, id: &str, contact: u64, voice: bool) {
    let offer = events.wait_contact("offer_created", contact).ev()["offer"]
        .as_u64()
        .unwrap();
    server
        .post(&format!("/v1/offers/{offer}/accept"), &agent_key(id), None)
        .ok();
    if voice {
        server.link_leg(offer);
    }
    events.wait_contact("contact_connected", contact);
}

/// The connector's hang-up of `contact`, ended by `ended_by`; the answer.
fn hang_up(server: &Server, contact: u64, ended_by: &str) -> serde_json::Value {
    server
        .post(
            "/v1/connector/events",
            CONNECTOR,
            Some(&format!(
                r#"{{"type":"hangup","contact":{contact},"reason":"ended","ended_by":"{ended_by}"}}"#
            )),
        )
        .ok()
}

/// The (major, minor) of `contact`'s `contact_closed` event.
fn closed(events: &mut EventStream, contact: u64) -> (u64, u64) {
    let m = events.wait_contact("contact_closed", contact);
    let code = &m.ev()["code"];
    (
        code["major"].as_u64().unwrap(),
        code["minor"].as_u64().unwrap(),
    )
}

/// The contact-closure report's (Major_Code, Minor_Code) of `contact`.
fn report_code(report: &str, contact: u64) -> (String, String) {
    let header: Vec<&str> = report.lines().next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = report
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<&str>>())
        .find(|r| r[column("Contact_ID")] == contact.to_string())
        .unwrap_or_else(|| panic!("no row for contact {contact}: {report}"));
    (
        row[column("Major_Code")].to_string(),
        row[column("Minor_Code")].to_string(),
    )
}

#[test]
fn a_customer_hang_up_early_in_the_call_reschedules_it_an_agent_hang_up_does_not() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"service\"\nchannel = \"voice\"\n\
         reschedule_dropped_ms = 600000\ndropped_within_ms = 30000\n\
         callbacks = {{ attempts_before_failure = 3 }}\n{}",
        agents_toml(&["a1"], &["service"])
    ));
    let mut server = site.start(1);
    let queue = server.get("/v1/queues/service", Some(ADMIN)).ok();
    assert_eq!(queue["reschedule_dropped_ms"], 600_000, "{queue}");
    assert_eq!(queue["dropped_within_ms"], 30_000, "{queue}");
    // Only a voice queue with callbacks may reschedule drops.
    server
        .put(
            "/v1/queues/chat",
            ADMIN,
            r#"{"id":"chat","channel":"chat","reschedule_dropped_ms":600000}"#,
        )
        .assert_error(422, "invalid_config");
    // The side is `customer` or `agent`, nothing else.
    server
        .post(
            "/v1/connector/events",
            CONNECTOR,
            Some(r#"{"type":"hangup","contact":1,"reason":"ended","ended_by":"network"}"#),
        )
        .assert_error(422, "invalid_body");

    let mut events = server.events(ADMIN, Some(0));
    server.login("a1");
    // The customer hangs up a few seconds into the call: (49, 0), a callback to the caller
    // due 10 minutes later, and a1 is free at once.
    let dropped = server.create_contact("voice", "service", "+3611111111");
    take(&server, &mut events, "a1", dropped, true);
    let answer = hang_up(&server, dropped, "customer");
    assert_eq!(closed(&mut events, dropped), (49, 0));
    // The answer names the callback, as a customer's chosen callback's does.
    let callback_id = answer["contact"].as_u64().expect("the callback's id");
    let callback = events.wait_contact("callback_created", callback_id);
    assert_eq!(callback.ev()["destination"], "+3611111111", "{callback:?}");
    assert_eq!(callback.ev()["origin"], "dropped", "{callback:?}");
    let due = callback.ev()["due"].as_i64().unwrap();
    assert_eq!(due - callback.data["at"].as_i64().unwrap(), 600_000);
    let status = server.get("/v1/agents/a1/status", Some(ADMIN)).ok();
    assert_eq!(status["state"], "ready", "{status}");

    // The agent hangs up: Wrap Up and (48, 0), nothing rescheduled.
    let handled = server.create_contact("voice", "service", "+3612222222");
    take(&server, &mut events, "a1", handled, true);
    let answer = hang_up(&server, handled, "agent");
    assert!(answer.get("contact").is_none(), "{answer}");
    events.wait_contact("wrap_up_started", handled);
    server
        .post(
            &format!("/v1/contacts/{handled}/complete"),
            &agent_key("a1"),
            None,
        )
        .ok();
    assert_eq!(closed(&mut events, handled), (48, 0));
    let callbacks = server.get("/v1/callbacks", Some(SUPERVISOR)).ok();
    let destinations: Vec<&str> = callbacks
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["destination"].as_str().unwrap())
        .collect();
    assert_eq!(destinations, ["+3611111111"], "{callbacks}");
    drop(events);
    assert!(server.terminate().success());

    let report = report_around_now("contact-closure", &site.data);
    assert_eq!(report_code(&report, dropped), ("49".into(), "0".into()));
    assert_eq!(report_code(&report, handled), ("48".into(), "0".into()));
}

#[test]
fn agents_suspend_park_and_unpark_email_held_contacts_come_back_after_a_restart() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"mail\"\nchannel = \"email\"\n\n\
         [[queues]]\nid = \"calls\"\nchannel = \"voice\"\n{}{}",
        agents_toml(&["a1"], &["mail"]),
        agents_toml(&["a2"], &["calls"])
    ));
    let mut server = site.start(1);
    let mut events = server.events(ADMIN, Some(0));
    server.login("a1");
    server.login("a2");
    let a1 = agent_key("a1");
    let email = |from: &str, thread: &str| {
        let reply = server.post(
            "/v1/contacts",
            CONNECTOR,
            Some(&format!(
                r#"{{"channel":"email","queue":"mail","from":"{from}","attributes":{{"thread":"{thread}"}}}}"#
            )),
        );
        assert_eq!(reply.status, 201, "{}", reply.text);
        reply.json()
    };

    // Suspend: (50, 0); the session waits on the thread; the reply on it resumes it.
    let first = email("ann@example.com", "T-1")["contact"].as_u64().unwrap();
    take(&server, &mut events, "a1", first, false);
    server
        .post(&format!("/v1/contacts/{first}/suspend"), &a1, None)
        .ok();
    assert_eq!(closed(&mut events, first), (50, 0));
    let sessions = server.get("/v1/monitor/sessions", Some(SUPERVISOR)).ok();
    assert_eq!(sessions[0]["contact"], first, "{sessions}");
    assert_eq!(sessions[0]["state"], "suspended", "{sessions}");
    assert_eq!(sessions[0]["thread"], "thread T-1", "{sessions}");
    server
        .get("/v1/monitor/sessions", Some(&a1))
        .assert_error(403, "forbidden");
    let reply = email("ann@example.com", "T-1")["contact"].as_u64().unwrap();
    let resumed = events.wait_contact("session_resumed", reply);
    assert_eq!(resumed.ev()["suspended"], first);

    // A call cannot be suspended or parked.
    let call = server.create_contact("voice", "calls", "+3613333333");
    take(&server, &mut events, "a2", call, true);
    for action in ["suspend", "park"] {
        server
            .post(
                &format!("/v1/contacts/{call}/{action}"),
                &agent_key("a2"),
                None,
            )
            .assert_error(409, "not_connection_less");
    }

    // Park: (61, 0); Ann's next email is held (62, 0), and the creation says so.
    take(&server, &mut events, "a1", reply, false);
    server
        .post(&format!("/v1/contacts/{reply}/park"), &a1, None)
        .ok();
    assert_eq!(closed(&mut events, reply), (61, 0));
    let held = email("ann@example.com", "T-1");
    assert_eq!(held["closed"]["major"], 62, "{held}");
    assert_eq!(held["closed"]["name"], "ROUTE_SESSION_PARKED", "{held}");
    let held = held["contact"].as_u64().unwrap();
    server
        .post(&format!("/v1/contacts/{reply}/unpark"), CONNECTOR, None)
        .assert_error(403, "forbidden");
    server
        .post(
            &format!("/v1/contacts/{reply}/unpark"),
            &agent_key("a2"),
            None,
        )
        .assert_error(422, "invalid_input");
    drop(events);

    // The parked session and its held contact outlive a restart.
    assert!(server.terminate().success());
    let mut server = site.start(1);
    let sessions = server.get("/v1/monitor/sessions", Some(SUPERVISOR)).ok();
    assert_eq!(sessions[0]["contact"], reply, "{sessions}");
    assert_eq!(sessions[0]["state"], "parked", "{sessions}");
    assert_eq!(sessions[0]["held"], serde_json::json!([held]), "{sessions}");

    // A supervisor unparks: the parked contact and the held one come back as new contacts
    // (a1 is still logged in: logins are engine state too).
    let mut events = server.events(ADMIN, None);
    let unparked = server
        .post(&format!("/v1/contacts/{reply}/unpark"), SUPERVISOR, None)
        .ok();
    let again = unparked["contact"].as_u64().unwrap();
    let event = events.wait_for("the unpark", |m| m.is("session_unparked"));
    assert_eq!(event.ev()["agent"], serde_json::Value::Null);
    assert_eq!(
        event.ev()["requeued"],
        serde_json::json!([[reply, again], [held, again + 1]]),
        "{event:?}"
    );
    server
        .post(&format!("/v1/contacts/{reply}/unpark"), SUPERVISOR, None)
        .assert_error(404, "contact_not_parked");
    assert_eq!(
        server.get("/v1/monitor/sessions", Some(SUPERVISOR)).ok(),
        serde_json::json!([])
    );

    // a1 parks it again and unparks it with its own key: the event names a1.
    take(&server, &mut events, "a1", again, false);
    server
        .post(&format!("/v1/contacts/{again}/park"), &a1, None)
        .ok();
    server
        .post(&format!("/v1/contacts/{again}/unpark"), &a1, None)
        .ok();
    let event = events.wait_for("a1's unpark", |m| {
        m.is("session_unparked") && m.ev()["contact"] == again
    });
    assert_eq!(event.ev()["agent"], "a1");
    drop(events);
    assert!(server.terminate().success());

    let report = report_around_now("contact-closure", &site.data);
    assert_eq!(report_code(&report, first), ("50".into(), "0".into()));
    assert_eq!(report_code(&report, reply), ("61".into(), "0".into()));
    assert_eq!(report_code(&report, held), ("62".into(), "0".into()));
    assert_eq!(report_code(&report, again), ("61".into(), "0".into()));
}
