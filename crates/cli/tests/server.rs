//! Black-box tests of `switchboard serve`: the real binary on a free port, driven over HTTP
//! (PRODUCT.md §6, §7, §11, §12). Each test runs its own server on its own data directory.
//!
//! Timers are tested with the hidden `--speed N` (the engine clock N times real time); every
//! wait is for an event on the stream (or a state) with a generous deadline, never a fixed
//! sleep, and nothing asserts on how long something took.

mod support;

use serde_json::json;
use std::collections::BTreeMap;
use support::*;

const SALES_TOML: &str = r#"
[[queues]]
id = "sales"
channel = "voice"
dispositions = [
  { code = "sale", label_en = "Sale", label_hu = "Eladás", success = true },
  { code = "no-sale", label_en = "No sale", label_hu = "Nincs eladás" },
]
"#;

fn sales_site(agents: &[&str]) -> Site {
    Site::new(&format!(
        "{KEYS_TOML}{SALES_TOML}{}",
        agents_toml(agents, &["sales"])
    ))
}

/// `kinds` appear in `messages` in this order (other messages may come between).
#[track_caller]
fn assert_in_order(messages: &[&Sse], kinds: &[&str]) {
    let mut rest = messages.iter();
    for kind in kinds {
        assert!(
            rest.any(|m| m.is(kind)),
            "{kind} missing or out of order in {:?}",
            messages
                .iter()
                .map(|m| m.event.as_str())
                .collect::<Vec<_>>()
        );
    }
}

/// The ids of event messages go up by exactly one.
#[track_caller]
fn assert_consecutive(messages: &[Sse]) {
    let ids: Vec<u64> = messages.iter().filter_map(|m| m.id).collect();
    for pair in ids.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "a gap or a duplicate in {ids:?}");
    }
    for m in messages.iter().filter(|m| m.id.is_some()) {
        assert_eq!(
            m.id,
            m.data["seq"].as_u64(),
            "the SSE id is the journal seq"
        );
        assert_eq!(
            m.event,
            m.ev()["type"],
            "the SSE event name is the event type"
        );
    }
}

fn offer_of(message: &Sse) -> u64 {
    message.ev()["offer"].as_u64().expect("offer id")
}

fn agent_of(message: &Sse) -> String {
    message.ev()["agent"]
        .as_str()
        .expect("agent id")
        .to_string()
}

// ------------------------------------------------------------------------------- (a)

/// Queue → offer → refuse → re-offer to the other agent → accept → leg linked → hold →
/// resume → end → wrap-up with a disposition → closed with (48 OK_CLOSE, 0).
#[test]
fn a_contact_goes_from_queue_through_refusal_to_a_closed_record_48_0() {
    let mut site = sales_site(&["a1", "a2"]);
    let server = site.start(1);
    let mut admin = server.events(ADMIN, None);
    let mut connector = server.events(CONNECTOR, None);
    server.login("a1");
    server.login("a2");

    let contact = server.create_contact("voice", "sales", "+3612345678");
    let first = admin.wait_contact("offer_created", contact);
    let (first_offer, refuser) = (offer_of(&first), agent_of(&first));
    let deliver = connector.wait_for("a deliver request", |m| {
        m.is("connector_request") && m.data["offer"] == first_offer
    });
    assert_eq!(deliver.data["type"], "deliver");
    assert_eq!(deliver.data["contact"], contact);
    assert_eq!(deliver.data["agent"], refuser.as_str());
    assert_eq!(deliver.id, None, "connector requests are not journaled");

    server
        .post(
            &format!("/v1/offers/{first_offer}/refuse"),
            &agent_key(&refuser),
            None,
        )
        .ok();
    let refusal = admin.wait_contact("offer_refused", contact);
    assert_eq!(refusal.ev()["reason"], "Declined");
    assert_eq!(refusal.ev()["agent"], refuser.as_str());
    assert_eq!(refusal.ev()["offer"], first_offer);

    // The refusing agent is not offered the contact again while the other one is free.
    let second = admin.wait_for("the second offer", |m| {
        m.is("offer_created") && m.contact() == Some(contact) && offer_of(m) != first_offer
    });
    let (offer, agent) = (offer_of(&second), agent_of(&second));
    assert_ne!(agent, refuser, "re-offered to the agent who refused");
    let key = agent_key(&agent);
    server
        .post(&format!("/v1/offers/{offer}/accept"), &key, None)
        .ok();
    server
        .post(
            "/v1/connector/events",
            CONNECTOR,
            Some(&format!(r#"{{"type":"leg_linked","offer":{offer}}}"#)),
        )
        .ok();
    let connected = admin.wait_contact("contact_connected", contact);
    assert_eq!(connected.ev()["agent"], agent.as_str());
    assert_eq!(connected.ev()["state"], "handling");
    let view = server
        .get(&format!("/v1/contacts/{contact}"), Some(&key))
        .ok();
    assert_eq!(view["state"], "handling");
    assert_eq!(view["agent"], agent.as_str());

    server
        .post(&format!("/v1/contacts/{contact}/hold"), &key, None)
        .ok();
    let held = admin.wait_contact("contact_state_changed", contact);
    assert_eq!(held.ev()["state"], "on_hold");
    let view = server
        .get(&format!("/v1/contacts/{contact}"), Some(&key))
        .ok();
    assert_eq!(view["state"], "on_hold");
    server
        .post(&format!("/v1/contacts/{contact}/resume"), &key, None)
        .ok();
    server
        .post(&format!("/v1/contacts/{contact}/end"), &key, None)
        .ok();
    let wrap_up = admin.wait_contact("wrap_up_started", contact);
    assert_eq!(wrap_up.ev()["agent"], agent.as_str());
    let view = server
        .get(&format!("/v1/contacts/{contact}"), Some(&key))
        .ok();
    assert_eq!(view["state"], "wrap_up");
    server
        .post(
            &format!("/v1/contacts/{contact}/complete"),
            &key,
            Some(r#"{"disposition":"sale"}"#),
        )
        .ok();

    let closed = admin.wait_contact("contact_closed", contact);
    assert_eq!(closed.ev()["code"], json!({"major": 48, "minor": 0}));
    assert_eq!(closed.ev()["disposition"], "sale");
    assert_eq!(closed.ev()["agent"], agent.as_str());
    assert_eq!(closed.ev()["queue"], "sales");
    server
        .get(&format!("/v1/contacts/{contact}"), Some(ADMIN))
        .assert_error(404, "unknown_contact");

    // The whole story, in order, on the live stream and in the journal.
    let story = [
        "contact_arrived",
        "contact_queued",
        "offer_created",
        "offer_refused",
        "contact_queued",
        "offer_created",
        "offer_accepted",
        "contact_connected",
        "contact_state_changed",
        "contact_state_changed",
        "wrap_up_started",
        "wrap_up_completed",
        "contact_closed",
    ];
    let about = |m: &&Sse| {
        m.contact() == Some(contact) || (m.is("offer_accepted") && m.ev()["offer"] == offer)
    };
    assert_in_order(&admin.seen.iter().filter(about).collect::<Vec<_>>(), &story);
    assert_consecutive(&admin.seen);
    let journal = server.journal();
    assert_consecutive(&journal);
    assert_in_order(&journal.iter().filter(about).collect::<Vec<_>>(), &story);
    let closes: Vec<_> = journal
        .iter()
        .filter(|m| m.is("contact_closed") && m.contact() == Some(contact))
        .collect();
    assert_eq!(closes.len(), 1, "exactly one closed record");
    assert_eq!(closes[0].ev()["code"], json!({"major": 48, "minor": 0}));

    // Afterwards: the handling agent is Ready again; the refuser is in No Answer (the
    // default state on decline).
    let status = |id: &str| {
        server
            .get(&format!("/v1/agents/{id}/status"), Some(SUPERVISOR))
            .ok()["state"]
            .clone()
    };
    assert_eq!(status(&agent), "ready");
    assert_eq!(status(&refuser), "no_answer");
}

// ------------------------------------------------------------------------------- (b)

/// The agent an event is about (`agent`, or the configured agent's id).
fn event_agent(message: &Sse) -> Option<String> {
    let agent = &message.ev()["agent"];
    agent
        .as_str()
        .or_else(|| agent["id"].as_str())
        .map(str::to_string)
}

/// The admin stream carries every journal entry with ids going up by one; a reconnect with
/// `Last-Event-ID` (or `?after=`) continues exactly after it, through the journal catch-up
/// into the live feed; an agent key sees only its own events; a connector key gets the
/// connector requests, without ids.
#[test]
fn b_event_stream_is_ordered_resumable_and_filtered_by_role() {
    let mut site = sales_site(&["a1", "a2"]);
    let server = site.start(1);
    let mut everything = server.events(ADMIN, Some(0));
    let mut a1 = server.events(&agent_key("a1"), None);
    let mut connector = server.events(CONNECTOR, None);
    server.login("a1");
    server.login("a2");
    let mut offers = BTreeMap::new();
    for from in ["+361", "+362"] {
        let contact = server.create_contact("voice", "sales", from);
        let offer = everything.wait_contact("offer_created", contact);
        offers.insert(agent_of(&offer), offer_of(&offer));
    }
    assert_eq!(offers.len(), 2, "one offer each: {offers:?}");
    let last = server.last_seq();
    everything.wait_for("the last entry", |m| m.id == Some(last));
    assert_eq!(
        everything.seen[0].id,
        Some(1),
        "a replay from 0 starts at 1"
    );
    assert_consecutive(&everything.seen);

    // Resume in the middle, by header and by query: the rest of the journal, then what is
    // committed after the reconnect, with no gap and no duplicate.
    let middle = last / 2;
    let mut by_header = server.events(ADMIN, Some(middle));
    let mut by_query = server.events_query(ADMIN, &format!("?after={middle}"));
    let third = server.create_contact("voice", "sales", "+363");
    let newest = everything.wait_contact("contact_queued", third).id.unwrap();
    assert!(newest > last);
    for resumed in [&mut by_header, &mut by_query] {
        resumed.wait_for("the newest entry", |m| m.id == Some(newest));
        let ids: Vec<u64> = resumed.seen.iter().filter_map(|m| m.id).collect();
        assert_eq!(ids, ((middle + 1)..=newest).collect::<Vec<_>>());
        for m in resumed.seen.iter().filter(|m| m.id.is_some()) {
            let original = everything.seen.iter().find(|o| o.id == m.id).unwrap();
            assert_eq!(m.data, original.data, "the same entry both times");
        }
    }
    assert_consecutive(&everything.seen);

    // The agent's stream: its own events only (its offer, not the other agent's).
    let own = offers["a1"];
    server
        .post(&format!("/v1/offers/{own}/refuse"), &agent_key("a1"), None)
        .ok();
    a1.wait_for("a1's refusal", |m| m.is("offer_refused"));
    assert!(a1.seen.iter().any(|m| m.is("agent_logged_in")));
    assert!(
        a1.seen
            .iter()
            .any(|m| m.is("offer_created") && offer_of(m) == own)
    );
    for m in &a1.seen {
        assert!(m.id.is_some(), "an agent gets no connector requests: {m:?}");
        assert_eq!(event_agent(m).as_deref(), Some("a1"), "not a1's: {m:?}");
    }
    let ids: Vec<u64> = a1.seen.iter().filter_map(|m| m.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let everything_about_a2 = everything
        .seen
        .iter()
        .filter(|m| event_agent(m).as_deref() == Some("a2"))
        .count();
    assert!(everything_about_a2 > 0, "a2 was busy too");

    // The connector: a deliver request per offer, without ids.
    for offer in offers.values() {
        let deliver = connector.wait_for("a deliver request", |m| {
            m.is("connector_request") && m.data["offer"] == *offer
        });
        assert_eq!(deliver.data["type"], "deliver");
    }
    connector.wait_for("a cancel request", |m| {
        m.is("connector_request") && m.data["type"] == "cancel_delivery"
    });
    for m in connector.seen.iter().filter(|m| m.is("connector_request")) {
        assert_eq!(m.id, None, "connector requests carry no id: {m:?}");
    }
    assert!(
        !a1.seen.iter().any(|m| m.is("connector_request")),
        "agents get no connector requests"
    );

    // A Last-Event-ID that is not a sequence number is a 400.
    server
        .request(
            "GET",
            "/v1/events",
            &[
                ("authorization", b"Bearer admin-secret"),
                ("last-event-id", b"yesterday"),
            ],
            None,
        )
        .assert_error(400, "invalid_last_event_id");
}

// ------------------------------------------------------------------------------- (c)

/// No key, an unknown key or a malformed `Authorization` header is 401; a key of the wrong
/// role, or an agent key acting for another agent, is 403; always with the JSON error body,
/// and nothing reaches the journal.
#[test]
fn c_keys_are_checked_401_and_403_with_json_errors() {
    let mut site = sales_site(&["a1", "a2"]);
    let server = site.start(1);
    let contact_json = r#"{"channel":"voice","queue":"sales","from":"+361"}"#;
    let before = server.last_seq();

    for path in [
        "/v1/monitor/agents",
        "/v1/events",
        "/v1/queues",
        "/v1/closure-codes",
    ] {
        server.get(path, None).assert_error(401, "unauthorized");
        server
            .get(path, Some("no-such-key"))
            .assert_error(401, "unauthorized");
        let malformed: [&[u8]; 5] = [
            b"Basic YWRtaW46YWRtaW4tc2VjcmV0",
            b"Bearer",
            b"admin-secret",
            b"Bearer admin-secret-but-longer",
            b"Token admin-secret",
        ];
        for header in malformed {
            server
                .request("GET", path, &[("authorization", header)], None)
                .assert_error(401, "unauthorized");
        }
    }
    // Not even text: the HTTP client here refuses to send it, so it goes out raw.
    let (status, body) = server.raw(
        b"GET /v1/queues HTTP/1.1\r\nHost: switchboard\r\n\
          Authorization: Bearer \xff\xfe\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status, 401, "{body}");
    assert!(body.contains(r#""code":"unauthorized""#), "{body}");
    server
        .try_send("POST", "/v1/contacts", None, Some(contact_json))
        .unwrap()
        .assert_error(401, "unauthorized");
    // The scheme is case-insensitive (RFC 7235 §2.1).
    server
        .request(
            "GET",
            "/v1/queues",
            &[("authorization", b"bearer supervisor-secret")],
            None,
        )
        .ok();

    // Wrong role.
    let a1 = agent_key("a1");
    let forbidden: [(&str, &str, &str, Option<&str>); 12] = [
        ("GET", "/v1/monitor/agents", &a1, None),
        ("POST", "/v1/contacts", &a1, Some(contact_json)),
        (
            "PUT",
            "/v1/queues/sales",
            &a1,
            Some(r#"{"channel":"voice"}"#),
        ),
        (
            "PUT",
            "/v1/queues/sales",
            SUPERVISOR,
            Some(r#"{"channel":"voice"}"#),
        ),
        ("POST", "/v1/contacts", SUPERVISOR, Some(contact_json)),
        ("POST", "/v1/offers/1/accept", SUPERVISOR, None),
        ("POST", "/v1/offers/1/accept", CONNECTOR, None),
        ("GET", "/v1/monitor/queues", CONNECTOR, None),
        (
            "POST",
            "/v1/agents/a1/login",
            CONNECTOR,
            Some(r#"{"station":"st-a1"}"#),
        ),
        ("GET", "/v1/reports/agent-refusal", CONNECTOR, None),
        // An agent key acting for another agent.
        (
            "POST",
            "/v1/agents/a2/login",
            &a1,
            Some(r#"{"station":"st-a2"}"#),
        ),
        (
            "POST",
            "/v1/agents/a2/state",
            &a1,
            Some(r#"{"state":"break"}"#),
        ),
    ];
    for (method, path, key, body) in forbidden {
        let reply = server.try_send(method, path, Some(key), body).unwrap();
        assert_eq!(
            reply.status, 403,
            "{method} {path} with {key}: {}",
            reply.text
        );
        reply.assert_error(403, "forbidden");
    }
    server
        .get("/v1/agents/a2/status", Some(&a1))
        .assert_error(403, "forbidden");
    assert_eq!(server.last_seq(), before, "refused requests change nothing");

    // An agent key cannot take, refuse or handle another agent's contact.
    let mut admin = server.events(ADMIN, None);
    server.login("a1");
    let contact = server.create_contact("voice", "sales", "+361");
    let offered = admin.wait_contact("offer_created", contact);
    assert_eq!(agent_of(&offered), "a1");
    let offer = offer_of(&offered);
    server.login("a2");
    let a2 = agent_key("a2");
    let before = server.last_seq();
    for action in ["accept", "refuse"] {
        server
            .post(&format!("/v1/offers/{offer}/{action}"), &a2, None)
            .assert_error(403, "forbidden");
    }
    assert_eq!(server.last_seq(), before);
    let status = server.get("/v1/agents/a1/status", Some(&a1)).ok();
    assert_eq!(status["offer"], offer, "the offer is still a1's: {status}");
    server
        .post(&format!("/v1/offers/{offer}/accept"), &a1, None)
        .ok();
    server
        .post(
            "/v1/connector/events",
            CONNECTOR,
            Some(&format!(r#"{{"type":"leg_linked","offer":{offer}}}"#)),
        )
        .ok();
    admin.wait_contact("contact_connected", contact);
    let before = server.last_seq();
    for action in ["hold", "end", "complete"] {
        server
            .post(&format!("/v1/contacts/{contact}/{action}"), &a2, None)
            .assert_error(403, "not_agents_contact");
    }
    server
        .get(&format!("/v1/contacts/{contact}"), Some(&a2))
        .assert_error(403, "forbidden");
    assert_eq!(server.last_seq(), before);
    server
        .post(&format!("/v1/contacts/{contact}/hold"), &a1, None)
        .ok();
}

// ------------------------------------------------------------------------------- (d)

/// Bad bodies, unknown ids and unknown endpoints get 4xx with stable codes and change
/// nothing; the server stays up.
#[test]
fn d_bad_requests_get_stable_error_codes() {
    let mut site = sales_site(&["a1"]);
    let server = site.start(1);
    server.login("a1");
    let before = server.last_seq();
    let a1 = agent_key("a1");

    let malformed: [(&str, &str, &str, &str); 6] = [
        ("POST", "/v1/contacts", CONNECTOR, r#"{"channel":"voice","#),
        ("POST", "/v1/contacts", CONNECTOR, "not json"),
        ("PUT", "/v1/queues/support", ADMIN, "{"),
        ("POST", "/v1/offers/1/refuse", &a1, "{oops"),
        (
            "POST",
            "/v1/contacts/1/complete",
            ADMIN,
            r#"{"disposition":"#,
        ),
        (
            "POST",
            "/v1/connector/events",
            CONNECTOR,
            r#"{"type":"leg_linked""#,
        ),
    ];
    for (method, path, key, body) in malformed {
        let reply = server
            .try_send(method, path, Some(key), Some(body))
            .unwrap();
        assert_eq!(reply.status, 400, "{method} {path} {body}: {}", reply.text);
        reply.assert_error(400, "malformed_json");
    }

    let wrong_shape: [(&str, &str, &str, &str); 10] = [
        ("POST", "/v1/contacts", CONNECTOR, r#"{"channel":"voice"}"#),
        (
            "POST",
            "/v1/contacts",
            CONNECTOR,
            r#"{"channel":"fax","queue":"sales","from":"x"}"#,
        ),
        (
            "POST",
            "/v1/contacts",
            CONNECTOR,
            r#"{"channel":"voice","queue":"sales","from":12}"#,
        ),
        (
            "POST",
            "/v1/contacts",
            CONNECTOR,
            r#"{"channel":"voice","queue":"sales","from":"x","colour":"red"}"#,
        ),
        (
            "POST",
            "/v1/contacts",
            CONNECTOR,
            r#"{"channel":"voice","queue":"sales","from":"x","priority":-1}"#,
        ),
        ("POST", "/v1/contacts", CONNECTOR, "[1, 2]"),
        ("POST", "/v1/agents/a1/login", &a1, "{}"),
        ("PUT", "/v1/queues/support", ADMIN, r#"{"channel":5}"#),
        (
            "POST",
            "/v1/connector/events",
            CONNECTOR,
            r#"{"type":"teleport","offer":1}"#,
        ),
        ("POST", "/v1/offers/1/refuse", &a1, r#"{"reason":42}"#),
    ];
    for (method, path, key, body) in wrong_shape {
        let reply = server
            .try_send(method, path, Some(key), Some(body))
            .unwrap();
        assert_eq!(reply.status, 422, "{method} {path} {body}: {}", reply.text);
        reply.assert_error(422, "invalid_body");
    }
    server
        .put(
            "/v1/queues/support",
            ADMIN,
            r#"{"id":"sales","channel":"chat"}"#,
        )
        .assert_error(422, "id_mismatch");
    server
        .request(
            "POST",
            "/v1/contacts",
            &[("authorization", b"Bearer connector-secret")],
            Some(br#"{"channel":"voice","queue":"sales","from":"x"}"#),
        )
        .assert_error(415, "unsupported_media_type");

    let unknown: [(&str, &str, &str, Option<&str>, &str); 16] = [
        (
            "POST",
            "/v1/offers/999/accept",
            ADMIN,
            None,
            "unknown_offer",
        ),
        ("POST", "/v1/offers/999/accept", &a1, None, "unknown_offer"),
        (
            "POST",
            "/v1/offers/xyz/accept",
            ADMIN,
            None,
            "unknown_offer",
        ),
        ("POST", "/v1/offers/999/refuse", &a1, None, "unknown_offer"),
        (
            "POST",
            "/v1/connector/events",
            CONNECTOR,
            Some(r#"{"type":"leg_linked","offer":999}"#),
            "unknown_offer",
        ),
        (
            "POST",
            "/v1/contacts/999/end",
            ADMIN,
            None,
            "unknown_contact",
        ),
        (
            "POST",
            "/v1/contacts/999/hold",
            &a1,
            None,
            "unknown_contact",
        ),
        (
            "GET",
            "/v1/contacts/999",
            SUPERVISOR,
            None,
            "unknown_contact",
        ),
        (
            "GET",
            "/v1/contacts/nope",
            SUPERVISOR,
            None,
            "unknown_contact",
        ),
        (
            "POST",
            "/v1/contacts/999/abandon",
            CONNECTOR,
            None,
            "unknown_contact",
        ),
        ("GET", "/v1/queues/nope", ADMIN, None, "unknown_queue"),
        (
            "GET",
            "/v1/queues/nope/dispositions",
            ADMIN,
            None,
            "unknown_queue",
        ),
        ("GET", "/v1/agents/nope", ADMIN, None, "unknown_agent"),
        (
            "POST",
            "/v1/agents/nope/login",
            ADMIN,
            Some(r#"{"station":"st-a1"}"#),
            "unknown_agent",
        ),
        ("GET", "/v1/stations/nope", ADMIN, None, "unknown_station"),
        (
            "GET",
            "/v1/agents/nope/status",
            ADMIN,
            None,
            "unknown_agent",
        ),
    ];
    for (method, path, key, body, code) in unknown {
        let reply = server.try_send(method, path, Some(key), body).unwrap();
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
        reply.assert_error(404, code);
    }

    for path in [
        "/v1/nope",
        "/nope",
        "/v1/contacts/1/teleport",
        "/v1/offers/1",
    ] {
        for key in [None, Some(ADMIN)] {
            server.get(path, key).assert_error(404, "not_found");
        }
    }
    server
        .get("/v1/closure-codes?lang=xx", Some(ADMIN))
        .assert_error(400, "unknown_lang");
    server
        .get("/v1/callbacks?location=Nowhere", Some(ADMIN))
        .assert_error(400, "invalid_query");
    // A conflict: the agent is already logged in.
    server
        .post("/v1/agents/a1/login", &a1, Some(r#"{"station":"st-a1"}"#))
        .assert_error(409, "agent_already_logged_in");

    assert_eq!(server.last_seq(), before, "bad requests change nothing");
    assert_eq!(server.get("/healthz", None).ok()["status"], "ok");

    // A contact for a queue that does not exist is not an error of the request: it arrives
    // and closes at once with (38 FAILED_ROUTE_INBOUND, 14 MINOR_NOCAMPAIGN) (§7).
    let contact = server.create_contact("voice", "nope", "+361");
    let closed = server
        .journal()
        .into_iter()
        .find(|m| m.is("contact_closed") && m.contact() == Some(contact))
        .expect("closed at once");
    assert_eq!(closed.ev()["code"], json!({"major": 38, "minor": 14}));
}
