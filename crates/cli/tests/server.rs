//! Black-box tests of `switchboard serve`: the real binary on a free port, driven over HTTP
//! (docs/api.md, docs/engine.md). Each test runs its own server on its own data directory.
//!
//! Timers are tested with the hidden `--speed N` (the engine clock N times real time); every
//! wait is for an event on the stream (or a state) with a generous deadline, never a fixed
//! sleep, and nothing asserts on how long something took.
//!
//! The black-box cases the server issue asks for, each a test named for it:
//! - the full contact flow, queue → offer → refuse → re-offer → accept → hold → end →
//!   wrap-up with a disposition → closed (48, 0): (a);
//! - the event stream in order, resumed with `Last-Event-ID`: (b);
//! - 401 and 403: (c);
//! - malformed JSON and unknown ids get 4xx with codes: (d);
//! - two concurrent accepts of one contact, exactly one wins: (e);
//! - kill -9 under load, then a restart with every acknowledged effect present and a pending
//!   offer time-out firing after the restart: (f).

mod support;

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, Mutex};
use std::thread;
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
        assert!(m.data["at"].is_i64(), "the entry has its time: {}", m.data);
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

/// `switchboard report agent-refusal` over a data directory, for the years around this one
/// (a range may span ten years at most): the CSV.
fn refusal_report(data: &Path) -> String {
    let csv = report_around_now("agent-refusal", data);
    assert!(
        csv.lines().next().is_some_and(|h| h.contains("Reason")),
        "{csv}"
    );
    csv
}

// ------------------------------------------------------------------------------- (a)

/// Queue → offer → refuse → re-offer to the other agent → accept → leg linked → hold →
/// resume → end → wrap-up with a disposition → closed with (48 OK_CLOSE, 0). Offer and
/// contact ids are taken with their `o` and `c` prefixes too.
#[test]
fn a_full_flow_queue_offer_refuse_reoffer_accept_hold_end_wrap_up_closes_48_0() {
    let mut site = sales_site(&["a1", "a2"]);
    let server = site.start(1);
    let mut admin = server.events(ADMIN, None);
    let mut connector = server.events(CONNECTOR, None);
    server.login("a1");
    server.login("a2");

    let contact = server.create_contact("voice", "sales", "+3612345678");
    let first = admin.wait_contact("offer_created", contact);
    let (first_offer, refuser) = (offer_of(&first), agent_of(&first));
    let status = |id: &str| {
        server
            .get(&format!("/v1/agents/{id}/status"), Some(SUPERVISOR))
            .ok()
    };
    let other = if refuser == "a1" { "a2" } else { "a1" };
    assert_eq!(status(&refuser)["offer"], first_offer);
    assert!(
        status(other)["offer"].is_null(),
        "one contact offered to both agents"
    );
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
            Some(r#"{"reason":"NoAnswer"}"#),
        )
        .assert_error(422, "invalid_reason");
    server
        .post(
            &format!("/v1/offers/o{first_offer}/refuse"),
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
    server.link_leg(offer);
    // The agent's moves on the contact, and the contact as the agent sees it.
    let act = |action: &str| server.post(&format!("/v1/contacts/{contact}/{action}"), &key, None);
    let view = || {
        server
            .get(&format!("/v1/contacts/{contact}"), Some(&key))
            .ok()
    };
    let connected = admin.wait_contact("contact_connected", contact);
    assert_eq!(connected.ev()["agent"], agent.as_str());
    assert_eq!(connected.ev()["state"], "handling");
    assert_eq!(view()["state"], "handling");
    assert_eq!(view()["agent"], agent.as_str());

    act("hold").ok();
    let held = admin.wait_contact("contact_state_changed", contact);
    assert_eq!(held.ev()["state"], "on_hold");
    assert_eq!(view()["state"], "on_hold");
    assert_eq!(status(&agent)["contacts"], json!([[contact, "on_hold"]]));
    server
        .post(&format!("/v1/contacts/c{contact}/resume"), &key, None)
        .ok();
    assert_eq!(view()["state"], "handling");
    assert_eq!(status(&agent)["contacts"], json!([[contact, "handling"]]));
    act("end").ok();
    let wrap_up = admin.wait_contact("wrap_up_started", contact);
    assert_eq!(wrap_up.ev()["agent"], agent.as_str());
    assert_eq!(view()["state"], "wrap_up");
    // Wrong moves in wrap-up change nothing.
    let before = server.last_seq();
    act("hold").assert_error(409, "invalid_contact_state");
    server
        .post(
            &format!("/v1/contacts/{contact}/complete"),
            &key,
            Some(r#"{"disposition":"bogus"}"#),
        )
        .assert_error(422, "unknown_disposition");
    assert_eq!(server.last_seq(), before);
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
    let refusals: Vec<_> = journal
        .iter()
        .filter(|m| m.is("offer_refused") && m.contact() == Some(contact))
        .collect();
    assert_eq!(refusals.len(), 1, "exactly one refusal: {refusals:?}");
    assert_eq!(refusals[0].ev(), refusal.ev());

    // Afterwards: the handling agent is Ready again; the refuser is in No Answer (the
    // default state on decline).
    assert_eq!(status(&agent)["state"], "ready");
    assert_eq!(status(&refuser)["state"], "no_answer");
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
fn b_sse_events_come_in_order_resume_after_last_event_id_and_are_filtered_by_role() {
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
        assert!(
            resumed
                .seen
                .iter()
                .any(|m| m.is("contact_arrived") && m.contact() == Some(third)),
            "the live arrival after the reconnect"
        );
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
    // The journal catch-up is filtered the same way: the same messages from the start.
    let mut a1_replay = server.events(&agent_key("a1"), Some(0));
    let refused = a1.seen.last().unwrap().id;
    a1_replay.wait_for("a1's refusal", |m| m.id == refused);
    let live: Vec<&Value> = a1.seen.iter().map(|m| &m.data).collect();
    let replayed: Vec<&Value> = a1_replay.seen.iter().map(|m| &m.data).collect();
    assert!(replayed.ends_with(&live), "{replayed:?}\n{live:?}");
    // Exactly a1's entries of the whole journal, none missing.
    let a1_entries = |seen: &[Sse]| -> Vec<u64> {
        seen.iter()
            .filter(|m| m.id <= refused && event_agent(m).as_deref() == Some("a1"))
            .filter_map(|m| m.id)
            .collect()
    };
    everything.wait_for("a1's refusal", |m| m.id == refused);
    let expected = a1_entries(&everything.seen);
    assert!(expected.len() >= 3, "{expected:?}");
    assert_eq!(a1_entries(&a1_replay.seen), expected);
    for m in &a1_replay.seen {
        assert_eq!(event_agent(m).as_deref(), Some("a1"), "not a1's: {m:?}");
    }
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
        .try_request(
            "GET",
            "/v1/events",
            &[
                ("authorization", b"Bearer admin-secret"),
                ("last-event-id", b"yesterday"),
            ],
            None,
        )
        .unwrap()
        .assert_error(400, "invalid_last_event_id");
    // So is one beyond the journal: resuming after it would skip everything up to it.
    let beyond = server.last_seq() + 1000;
    for (header, query) in [
        (beyond.to_string(), String::new()),
        (String::new(), format!("?after={beyond}")),
    ] {
        let mut headers: Vec<(&str, &[u8])> = vec![("authorization", b"Bearer admin-secret")];
        if !header.is_empty() {
            headers.push(("last-event-id", header.as_bytes()));
        }
        server
            .try_request("GET", &format!("/v1/events{query}"), &headers, None)
            .unwrap()
            .assert_error(400, "invalid_last_event_id");
    }
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
        let malformed: [&[u8]; 6] = [
            b"Basic YWRtaW46YWRtaW4tc2VjcmV0",
            b"Bearer",
            b"Bearer ",
            b"admin-secret",
            b"Bearer admin-secret-but-longer",
            b"Token admin-secret",
        ];
        for header in malformed {
            server
                .try_request("GET", path, &[("authorization", header)], None)
                .unwrap()
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
    // The scheme is case-insensitive (RFC 7235, section 2.1).
    let lowercase: &[(&str, &[u8])] = &[("authorization", b"bearer supervisor-secret")];
    let reply = server.try_request("GET", "/v1/queues", lowercase, None);
    reply.unwrap().ok();

    // Wrong role.
    let a1 = agent_key("a1");
    let forbidden: [(&str, &str, &str, Option<&str>); 14] = [
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
        (
            "PUT",
            "/v1/queues/x",
            CONNECTOR,
            Some(r#"{"channel":"chat"}"#),
        ),
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
        // A supervisor without the Data Download View permission.
        ("GET", "/v1/reports/agent-refusal", SUPERVISOR, None),
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
        let reply = server.try_send(method, path, Some(key), body);
        reply.unwrap().assert_error(403, "forbidden");
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
    server.link_leg(offer);
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
fn d_malformed_json_unknown_ids_and_other_bad_requests_get_4xx_with_stable_codes() {
    let mut site = sales_site(&["a1"]);
    let server = site.start(1);
    server.login("a1");
    let before = server.last_seq();
    let a1 = agent_key("a1");

    let malformed: [(&str, &str, &str, &str); 7] = [
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
        ("POST", "/v1/contacts/c1/complete", &a1, "{"),
        (
            "POST",
            "/v1/connector/events",
            CONNECTOR,
            r#"{"type":"leg_linked""#,
        ),
    ];
    for (method, path, key, body) in malformed {
        let reply = server.try_send(method, path, Some(key), Some(body));
        reply.unwrap().assert_error(400, "malformed_json");
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
        let reply = server.try_send(method, path, Some(key), Some(body));
        reply.unwrap().assert_error(422, "invalid_body");
    }
    server
        .put(
            "/v1/queues/support",
            ADMIN,
            r#"{"id":"sales","channel":"chat"}"#,
        )
        .assert_error(422, "id_mismatch");
    // A JSON body without its content type.
    let key_only: &[(&str, &[u8])] = &[("authorization", b"Bearer connector-secret")];
    let body = br#"{"channel":"voice","queue":"sales","from":"x"}"#;
    let reply = server.try_request("POST", "/v1/contacts", key_only, Some(body));
    reply.unwrap().assert_error(415, "unsupported_media_type");

    let unknown: [(&str, &str, &str, Option<&str>, &str); 18] = [
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
        ("POST", "/v1/offers/o999/refuse", &a1, None, "unknown_offer"),
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
            "/v1/contacts/nonsense/hold",
            &a1,
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
        let reply = server.try_send(method, path, Some(key), body);
        reply.unwrap().assert_error(404, code);
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
    // and closes at once with (38 FAILED_ROUTE_INBOUND, 14 MINOR_NOCAMPAIGN) (docs/engine.md,
    // Closure codes).
    let contact = server.create_contact("voice", "nope", "+361");
    let closed = server
        .journal()
        .into_iter()
        .find(|m| m.is("contact_closed") && m.contact() == Some(contact))
        .expect("closed at once");
    assert_eq!(closed.ev()["code"], json!({"major": 38, "minor": 14}));
}

// ------------------------------------------------------------------------------- (e)

/// Links the leg of an accepted voice offer, ends the conversation and completes wrap-up.
fn finish(server: &Server, admin: &mut EventStream, contact: u64, offer: u64, key: &str) {
    server.link_leg(offer);
    admin.wait_contact("contact_connected", contact);
    server
        .post(&format!("/v1/contacts/{contact}/end"), key, None)
        .ok();
    server
        .post(&format!("/v1/contacts/{contact}/complete"), key, None)
        .ok();
    admin.wait_contact("contact_closed", contact);
}

/// Runs `accepts` (path, key) at the same moment from threads of their own; returns the
/// replies in the same order.
fn race(server: &Server, accepts: &[(String, String)]) -> Vec<Reply> {
    let barrier = Barrier::new(accepts.len());
    thread::scope(|scope| {
        let handles: Vec<_> = accepts
            .iter()
            .map(|(path, key)| {
                let (client, barrier) = (server.client.clone(), &barrier);
                scope.spawn(move || {
                    barrier.wait();
                    client.post(path, key, None)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    })
}

/// Two accepts racing for one contact never both win: two agents accepting their offers of
/// a fanned-out contact, and one agent's offer accepted twice at once (by the agent twice,
/// or by the agent and an admin).
#[test]
fn e_two_concurrent_accepts_of_one_contact_exactly_one_wins() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}{SALES_TOML}\n[[queues]]\nid = \"fan\"\nchannel = \"voice\"\nfan_out = 2\n{}{}",
        agents_toml(&["f1", "f2"], &["fan"]),
        agents_toml(&["s1"], &["sales"]),
    ));
    let server = site.start(1);
    let mut admin = server.events(ADMIN, None);
    for agent in ["f1", "f2", "s1"] {
        server.login(agent);
    }

    for round in 0..5 {
        // One contact offered to both agents at once; both accept at the same moment.
        let contact = server.create_contact("voice", "fan", &format!("+36-fan-{round}"));
        let mut offers = BTreeMap::new();
        while offers.len() < 2 {
            let offer = admin.wait_for("two offers", |m| {
                m.is("offer_created")
                    && m.contact() == Some(contact)
                    && !offers.values().any(|o| *o == offer_of(m))
            });
            offers.insert(agent_of(&offer), offer_of(&offer));
        }
        let accepts: Vec<(String, String)> = offers
            .iter()
            .map(|(agent, offer)| (format!("/v1/offers/{offer}/accept"), agent_key(agent)))
            .collect();
        let replies = race(&server, &accepts);
        let winners: Vec<usize> = (0..2).filter(|i| replies[*i].is_success()).collect();
        assert_eq!(winners.len(), 1, "round {round}: {replies:?}");
        let loser = &replies[1 - winners[0]];
        let code = loser.error_code();
        assert!(
            matches!(
                (loser.status, code.as_str()),
                (404, "unknown_offer") | (409, "offer_already_accepted")
            ),
            "round {round}: the loser got {loser:?}"
        );
        let (winner, offer) = offers.iter().nth(winners[0]).unwrap();
        let (lost_agent, lost_offer) = offers.iter().nth(1 - winners[0]).unwrap();
        let routed = admin.wait_for("the other offer's end", |m| {
            m.is("offer_refused") && m.ev()["offer"] == *lost_offer
        });
        assert_eq!(routed.ev()["reason"], "ContactAlreadyRouted");
        assert_eq!(routed.ev()["agent"], lost_agent.as_str());
        finish(&server, &mut admin, contact, *offer, &agent_key(winner));
    }

    for round in 0..6 {
        // One offer accepted twice at the same moment: by its agent, and by its agent again
        // or by an admin acting for it.
        let contact = server.create_contact("voice", "sales", &format!("+36-same-{round}"));
        let offer = offer_of(&admin.wait_contact("offer_created", contact));
        let path = format!("/v1/offers/{offer}/accept");
        let other = match round % 2 {
            0 => agent_key("s1"),
            _ => ADMIN.to_string(),
        };
        let replies = race(&server, &[(path.clone(), agent_key("s1")), (path, other)]);
        let winners = replies.iter().filter(|r| r.is_success()).count();
        assert_eq!(winners, 1, "round {round}: {replies:?}");
        let loser = replies.iter().find(|r| !r.is_success()).unwrap();
        loser.assert_error(409, "offer_already_accepted");
        finish(&server, &mut admin, contact, offer, &agent_key("s1"));
    }

    // In the journal: every contact was accepted, connected and closed exactly once.
    let journal = server.journal();
    let count = |kind: &str| {
        let mut per_contact: BTreeMap<u64, usize> = BTreeMap::new();
        for m in journal.iter().filter(|m| m.is(kind)) {
            *per_contact.entry(m.contact().unwrap()).or_default() += 1;
        }
        per_contact
    };
    let connected = count("contact_connected");
    let closed = count("contact_closed");
    assert_eq!(connected.len(), 11);
    assert!(connected.values().all(|n| *n == 1), "{connected:?}");
    assert_eq!(closed, connected);
    let accepted = journal.iter().filter(|m| m.is("offer_accepted")).count();
    assert_eq!(accepted, 11, "one accepted offer per contact");
}

// ------------------------------------------------------------------------------- (f)

/// What the load generator got a 2xx for.
#[derive(Default)]
struct Acknowledged {
    contacts: Mutex<Vec<u64>>,
    /// (agent, offer)
    accepted: Mutex<Vec<(String, u64)>>,
    /// (agent, contact)
    ended: Mutex<Vec<(String, u64)>>,
    completed: Mutex<Vec<(String, u64)>>,
}

/// Posts chat contacts until told to stop or the server is gone.
fn post_contacts(client: &Client, thread: usize, stop: &AtomicBool, acks: &Acknowledged) {
    for i in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let body = format!(r#"{{"channel":"chat","queue":"load","from":"t{thread}-{i}"}}"#);
        match client.try_send("POST", "/v1/contacts", Some(CONNECTOR), Some(&body)) {
            Ok(reply) if reply.status == 201 => {
                let id = reply.json()["contact"].as_u64().expect("contact id");
                acks.contacts.lock().unwrap().push(id);
            }
            Ok(reply) if reply.status == 429 => {}
            Ok(reply) => panic!("unexpected answer to a new contact: {reply:?}"),
            Err(_) => return, // killed
        }
    }
}

/// Plays agent `id`: accepts its offers, ends what it handles, completes its wrap-ups.
fn play_agent(client: &Client, id: &str, stop: &AtomicBool, acks: &Acknowledged) {
    let key = agent_key(id);
    while !stop.load(Ordering::Relaxed) {
        let status =
            match client.try_send("GET", &format!("/v1/agents/{id}/status"), Some(&key), None) {
                Ok(reply) => reply.ok(),
                Err(_) => return,
            };
        let mut actions = Vec::new();
        if let Some(offer) = status["offer"].as_u64() {
            actions.push((format!("/v1/offers/{offer}/accept"), &acks.accepted, offer));
        }
        for pair in status["contacts"].as_array().expect("contacts") {
            let contact = pair[0].as_u64().expect("contact id");
            match pair[1].as_str() {
                Some("handling") => {
                    actions.push((format!("/v1/contacts/{contact}/end"), &acks.ended, contact))
                }
                Some("wrap_up") => actions.push((
                    format!("/v1/contacts/{contact}/complete"),
                    &acks.completed,
                    contact,
                )),
                _ => {}
            }
        }
        for (path, acked, what) in actions {
            match client.try_send("POST", &path, Some(&key), None) {
                Ok(reply) if reply.is_success() => acked.lock().unwrap().push((id.into(), what)),
                Ok(reply) => panic!("{id} {path}: {reply:?}"),
                Err(_) => return,
            }
        }
    }
}

/// kill -9 while several threads post contacts and agents work, then a restart on the same
/// data: every acknowledged command's effects are in the journal, every contact that ever
/// arrived is either closed (once) or still open, ids go on where they stopped, and an offer
/// time-out pending at the kill fires after the restart (refusal NoAnswer).
#[test]
fn f_kill_9_under_load_keeps_acknowledged_effects_and_pending_offer_times_out_after_restart() {
    let agents = ["l1", "l2", "l3", "l4"];
    let mut site = Site::new(&format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"load\"\nchannel = \"chat\"\n\n\
         [[queues]]\nid = \"slow\"\nchannel = \"voice\"\noffer_timeout_ms = 300000\n{}{}",
        agents_toml(&agents, &["load"]),
        agents_toml(&["watch"], &["slow"]),
    ));
    // Real time first: the slow offer's 300 s cannot pass before the kill.
    let mut server = site.start(1);
    for agent in agents.iter().chain(&["watch"]) {
        server.login(agent);
    }
    let mut admin = server.events(ADMIN, None);
    let slow = server.create_contact("voice", "slow", "+36-slow");
    let pending = offer_of(&admin.wait_contact("offer_created", slow));
    drop(admin);

    let (stop, acks) = (AtomicBool::new(false), Acknowledged::default());
    thread::scope(|scope| {
        for thread in 0..3 {
            let (client, stop, acks) = (server.client.clone(), &stop, &acks);
            scope.spawn(move || post_contacts(&client, thread, stop, acks));
        }
        for agent in agents {
            let (client, stop, acks) = (server.client.clone(), &stop, &acks);
            scope.spawn(move || play_agent(&client, agent, stop, acks));
        }
        // Kill in the middle of the load, once enough of everything was acknowledged.
        eventually("the load to get going", || {
            let contacts = acks.contacts.lock().unwrap().len();
            (contacts >= 400 && acks.completed.lock().unwrap().len() >= 40).then_some(())
        });
        server.kill9();
        stop.store(true, Ordering::Relaxed);
    });
    let contacts = acks.contacts.into_inner().unwrap();
    let accepted = acks.accepted.into_inner().unwrap();
    let ended = acks.ended.into_inner().unwrap();
    let completed = acks.completed.into_inner().unwrap();

    eprintln!(
        "acknowledged: {} contacts, {} accepts, {} ends, {} completions",
        contacts.len(),
        accepted.len(),
        ended.len(),
        completed.len()
    );
    // The journal as the kill left it: the slow offer had not timed out yet.
    let at_kill = read_journal(&site.data.join("switchboard.db"));
    let kill_seq = at_kill.last().map_or(0, |(seq, _, _)| *seq);
    assert!(
        !at_kill
            .iter()
            .any(|(_, kind, event)| kind == "offer_refused" && event["offer"] == pending)
    );
    // The refusal report reads the killed server's data as it is: the same refusals.
    let report = refusal_report(&site.data);
    let refusals = at_kill
        .iter()
        .filter(|(_, kind, _)| kind == "offer_refused")
        .count();
    assert_eq!(report.lines().count(), 1 + refusals, "{report}");
    assert!(
        !report
            .lines()
            .any(|row| row.starts_with(&format!("{slow},"))),
        "{report}"
    );

    // Restart at 1000× speed: the rest of the 300 s passes in well under a second.
    let server = site.start(1000);
    let mut replay = server.events(ADMIN, Some(0));
    let timed_out = replay.wait_for("the slow offer's time-out", |m| {
        m.is("offer_refused") && m.ev()["offer"] == pending
    });
    assert_eq!(timed_out.ev()["reason"], "NoAnswer");
    assert_eq!(timed_out.ev()["agent"], "watch");
    assert!(
        timed_out.id.unwrap() > kill_seq,
        "it fired after the restart"
    );
    let last = server.last_seq();
    replay.wait_for("the end of the journal", |m| m.id >= Some(last));
    let journal: Vec<&Sse> = replay.seen.iter().filter(|m| m.id.is_some()).collect();
    assert_eq!(journal[0].id, Some(1));
    assert_consecutive(&replay.seen);

    let find = |kind: &str, matches: &dyn Fn(&Sse) -> bool| {
        journal.iter().any(|m| m.is(kind) && matches(m))
    };
    let arrived: BTreeSet<u64> = journal
        .iter()
        .filter(|m| m.is("contact_arrived"))
        .map(|m| m.contact().unwrap())
        .collect();
    for id in &contacts {
        assert!(arrived.contains(id), "acknowledged contact {id} is lost");
    }
    // Whether the journal has a `kind` entry by `agent` about `what` (an offer or a contact).
    let by = |kind: &str, agent: &str, what: &str, id: u64| {
        find(kind, &|m| m.ev()[what] == id && m.ev()["agent"] == agent)
    };
    assert!(
        by("offer_created", "watch", "offer", pending),
        "the pending offer {pending} survives"
    );
    // A chat connects on accept (a voice offer would wait for its leg).
    for (kind, what, acknowledged) in [
        ("contact_connected", "offer", &accepted),
        ("wrap_up_started", "contact", &ended),
        ("wrap_up_completed", "contact", &completed),
    ] {
        for (agent, id) in acknowledged {
            assert!(
                by(kind, agent, what, *id),
                "{kind} of {what} {id} by {agent} lost"
            );
        }
    }
    for (_, contact) in &completed {
        assert!(find("contact_closed", &|m| m.contact() == Some(*contact)));
    }

    // Every contact is closed exactly once or still open, never both, never neither.
    let mut closed = BTreeSet::new();
    for m in journal.iter().filter(|m| m.is("contact_closed")) {
        assert!(closed.insert(m.contact().unwrap()), "closed twice: {m:?}");
    }
    let open: BTreeSet<u64> = server
        .get("/v1/monitor/contacts", Some(SUPERVISOR))
        .ok()
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| c["id"].as_u64().expect("id"))
        .collect();
    assert!(
        closed.is_disjoint(&open),
        "closed and open: {:?}",
        closed.intersection(&open)
    );
    assert_eq!(
        closed.union(&open).copied().collect::<BTreeSet<_>>(),
        arrived
    );
    for id in contacts.iter().filter(|id| open.contains(id)).take(20) {
        server
            .get(&format!("/v1/contacts/{id}"), Some(SUPERVISOR))
            .ok();
    }

    // The server goes on: new contacts get new ids.
    let next = server.create_contact("chat", "load", "after the restart");
    assert!(next > *arrived.last().unwrap(), "contact id {next} reused");
}

// ------------------------------------------------------------------------------- (g)

/// SIGTERM with work in flight and an event stream open: exit status 0, the stream ends,
/// and a restart on the same data shows the same journal, contacts and agents.
#[cfg(unix)]
#[test]
fn g_sigterm_exits_0_and_a_restart_sees_everything() {
    let mut site = sales_site(&["a1", "a2"]);
    let mut server = site.start(1);
    let mut admin = server.events(ADMIN, None);
    server.login("a1");
    server.login("a2");
    let handled = server.create_contact("voice", "sales", "+361");
    let offered = server.create_contact("voice", "sales", "+362");
    let queued = server.create_contact("voice", "sales", "+363");
    let offer = admin.wait_contact("offer_created", handled);
    let key = agent_key(&agent_of(&offer));
    server
        .post(
            &format!("/v1/offers/{}/accept", offer_of(&offer)),
            &key,
            None,
        )
        .ok();
    server.link_leg(offer_of(&offer));
    admin.wait_contact("contact_connected", handled);
    server
        .post(&format!("/v1/contacts/{handled}/hold"), &key, None)
        .ok();
    admin.wait_contact("offer_created", offered);
    admin.wait_contact("contact_queued", queued);

    let snapshot = |server: &Server| {
        let contacts = server.get("/v1/monitor/contacts", Some(SUPERVISOR)).ok();
        let agents: Vec<Value> = ["a1", "a2"]
            .iter()
            .map(|a| {
                server
                    .get(&format!("/v1/agents/{a}/status"), Some(ADMIN))
                    .ok()
            })
            .collect();
        (server.last_seq(), contacts, agents)
    };
    let before = snapshot(&server);
    assert_eq!(before.1.as_array().unwrap().len(), 3, "{}", before.1);

    let status = server.terminate();
    assert_eq!(
        status.code(),
        Some(0),
        "exit status after SIGTERM: {status:?}"
    );
    assert!(admin.wait_end(), "the event stream ends with the server");
    let journal = read_journal(&site.data.join("switchboard.db"));
    assert_eq!(
        journal.len() as u64,
        before.0,
        "everything committed is on disk"
    );

    let server = site.start(1);
    assert_eq!(snapshot(&server), before, "the restart sees the same state");
    // And the work goes on where it stopped.
    server
        .post(&format!("/v1/contacts/{handled}/resume"), &key, None)
        .ok();
}

// ------------------------------------------------------------------------------- (h)

/// A bad configuration file: exit status 2 and one line on stderr naming the file, the
/// line and the field; the server never starts listening.
#[test]
fn h_a_bad_config_file_exits_2_naming_file_line_and_field() {
    let cases: [(&str, &str, usize, &str); 6] = [
        (
            "unknown-field",
            "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\ncolour = \"red\"\n",
            4,
            "colour",
        ),
        (
            "bad-value",
            "[[queues]]\nid = \"sales\"\nchannel = \"fax\"\n",
            3,
            "channel",
        ),
        (
            "out-of-range",
            "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\n\n\
             [[queues]]\nid = \"slow\"\nchannel = \"voice\"\noffer_timeout_ms = 5000\n",
            8,
            "queues[slow].offer_timeout_ms",
        ),
        (
            "unknown-reference",
            "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\n\n\
             [[agents]]\nid = \"a1\"\nfull_name = \"A\"\nqueues = [{ queue = \"nope\" }]\n",
            8,
            "agents[a1].queues[0].queue",
        ),
        (
            "bad-key",
            "[[keys]]\nrole = \"admin\"\nsecret = \"x\"\n\n[[keys]]\nrole = \"boss\"\nsecret = \"y\"\n",
            6,
            "keys[1].role",
        ),
        (
            "agent-key-without-agent",
            "[[keys]]\nrole = \"agent\"\nsecret = \"y\"\n",
            1,
            "keys[0].agent",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    // (file, what stderr names)
    let mut files = Vec::new();
    for (name, text, line, field) in cases {
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        let expected = format!("{}:{line}: {field}: ", path.display());
        files.push((path, expected));
    }
    // A syntax error and a missing file name the file (and the line, when there is one).
    let syntax = dir.path().join("syntax.toml");
    std::fs::write(&syntax, "[[queues]]\nid = \"sales\"\nchannel = \n").unwrap();
    files.push((syntax.clone(), format!("{}:3: ", syntax.display())));
    let missing = dir.path().join("missing.toml");
    files.push((missing.clone(), format!("{}: ", missing.display())));
    for (path, expected) in files {
        let stderr = refused_config(&path);
        assert!(stderr.contains(&expected), "{stderr:?} lacks {expected:?}");
    }
}

// ------------------------------------------------------------------------------- (i)

/// `keys create` prints a key once, and it works at once against the running server;
/// `keys revoke` stops it; `backup` writes a complete copy that a server can start from.
#[test]
fn i_keys_work_at_once_and_a_backup_is_a_complete_copy_that_feeds_reports() {
    let mut site = sales_site(&["a1", "a2"]);
    let server = site.start(1);
    let data = site.data.to_str().unwrap().to_string();

    let create = |args: &[&str]| {
        let mut all = vec!["keys", "create", "--data", &data];
        all.extend_from_slice(args);
        let output = run(&all);
        assert!(output.status.success(), "{output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines.len(),
            1,
            "the key and nothing else on stdout: {stdout}"
        );
        lines[0].to_string()
    };
    let supervisor = create(&["--role", "supervisor", "--label", "night shift"]);
    let agent = create(&["--role", "agent", "--agent", "a1"]);
    assert_ne!(supervisor, agent);
    server.get("/v1/monitor/agents", Some(&supervisor)).ok();
    // A new supervisor key has no Data Download View.
    server
        .get("/v1/reports/agent-refusal", Some(&supervisor))
        .assert_error(403, "forbidden");
    server.get("/v1/agents/a1/status", Some(&agent)).ok();
    server
        .get("/v1/agents/a2/status", Some(&agent))
        .assert_error(403, "forbidden");
    server
        .post(
            "/v1/agents/a1/login",
            &agent,
            Some(r#"{"station":"st-a1"}"#),
        )
        .ok();
    server
        .post(
            "/v1/agents/a2/login",
            &agent,
            Some(r#"{"station":"st-a2"}"#),
        )
        .assert_error(403, "forbidden");
    server
        .post(
            "/v1/contacts",
            &supervisor,
            Some(r#"{"channel":"voice","queue":"sales","from":"x"}"#),
        )
        .assert_error(403, "forbidden");
    let usage = run(&["keys", "create", "--role", "agent", "--data", &data]);
    assert_eq!(usage.status.code(), Some(2), "an agent key needs --agent");

    // The list shows the keys but never a secret; a revoked key stops working.
    let list = run(&["keys", "list", "--data", &data]);
    let listing = String::from_utf8(list.stdout).unwrap();
    assert!(listing.contains("night shift"), "{listing}");
    assert!(!listing.contains(&supervisor) && !listing.contains("admin-secret"));
    let id = listing
        .lines()
        .find(|l| l.contains("night shift"))
        .and_then(|l| l.split('\t').next())
        .unwrap()
        .to_string();
    assert!(
        run(&["keys", "revoke", &id, "--data", &data])
            .status
            .success()
    );
    eventually("the revoked key to stop working", || {
        let reply = server.get("/v1/monitor/agents", Some(&supervisor));
        (reply.status != 200).then_some(reply)
    })
    .assert_error(401, "unauthorized");

    // A backup of the running server, with a refusal by the new agent key in it: the whole
    // journal, restorable, and the reports read it.
    let contact = server.create_contact("voice", "sales", "+361");
    let offer = server.wait_offer("a1", &agent);
    server
        .post(&format!("/v1/offers/{offer}/refuse"), &agent, None)
        .ok();
    let last = server.last_seq();
    let copy = site.dir.path().join("restore").join("switchboard.db");
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    let output = run(&["backup", "--data", &data, "--out", copy.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let journal = read_journal(&copy);
    assert_eq!(journal.len() as u64, last);
    assert!(journal.iter().zip(1..).all(|((seq, _, _), n)| *seq == n));
    assert!(
        journal
            .iter()
            .any(|(_, kind, event)| kind == "contact_arrived" && event["contact"] == contact)
    );
    let report = refusal_report(copy.parent().unwrap());
    let rows: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(rows.len(), 1, "{report}");
    assert!(
        rows[0].starts_with(&format!("{contact},a1,")) && rows[0].contains("Declined"),
        "{report}"
    );
    let again = run(&["backup", "--data", &data, "--out", copy.to_str().unwrap()]);
    assert_eq!(
        again.status.code(),
        Some(2),
        "a backup never overwrites a file"
    );

    let mut restored = site.with_data(copy.parent().unwrap());
    let copy_server = restored.start(1);
    assert_eq!(copy_server.last_seq(), last);
    let open = |s: &Server| s.get("/v1/monitor/contacts", Some(ADMIN)).ok();
    assert_eq!(open(&copy_server), open(&server));
    let status = |s: &Server| s.get("/v1/agents/a1/status", Some(ADMIN)).ok();
    assert_eq!(status(&copy_server), status(&server));
    // The new agent key was in the backup too.
    copy_server.get("/v1/agents/a1/status", Some(&agent)).ok();
}

// ------------------------------------------------------------------------------- (j)

/// The example configuration starts; the OpenAPI document, the docs page, the metrics and
/// the health check are served (the last three without a key).
#[test]
fn j_openapi_docs_metrics_and_health_are_served() {
    let mut site = Site::new(&example_config());
    let server = site.start(1);

    let health = server.get("/healthz", None).ok();
    assert_eq!(health["status"], "ok");
    assert!(
        health["last_seq"].as_u64().unwrap() > 0,
        "the configuration was applied"
    );

    let api = server.get("/openapi.json", None);
    assert!(api.content_type.starts_with("application/json"));
    let api = api.ok();
    assert_eq!(api["openapi"], "3.1.0");
    let paths = api["paths"].as_object().expect("paths");
    for path in [
        "/healthz",
        "/v1/contacts",
        "/v1/contacts/{id}",
        "/v1/contacts/{id}/hold",
        "/v1/contacts/{id}/end",
        "/v1/contacts/{id}/complete",
        "/v1/offers/{id}/accept",
        "/v1/offers/{id}/refuse",
        "/v1/agents/{id}/login",
        "/v1/agents/{id}/state",
        "/v1/queues/{id}",
        "/v1/queues/{id}/dispositions",
        "/v1/connector/events",
        "/v1/monitor/agents",
        "/v1/monitor/queues",
        "/v1/callbacks",
        "/v1/closure-codes",
        "/v1/events",
        "/v1/reports/{name}",
    ] {
        assert!(
            paths.contains_key(path),
            "{path} missing from the OpenAPI paths"
        );
    }
    assert!(paths.keys().filter(|p| p.starts_with("/v1/")).count() >= 30);
    assert!(
        api["components"]["securitySchemes"].is_object(),
        "bearer auth described"
    );

    let docs = server.get("/docs", None);
    assert_eq!(docs.status, 200, "{docs:?}");
    assert!(docs.content_type.starts_with("text/html"), "{docs:?}");
    assert!(docs.text.to_lowercase().contains("swagger"));
    let docs = server.get("/docs/", None);
    assert_eq!(docs.status, 200, "{docs:?}");
    assert!(docs.text.to_lowercase().contains("<html"), "{docs:?}");

    // A contact makes a commit after the start.
    server.create_contact("voice", "sales", "+361");
    let metrics = server.get("/metrics", None);
    assert_eq!(metrics.status, 200);
    let commits = metrics
        .text
        .lines()
        .find(|l| l.starts_with("switchboard_commits_total"))
        .unwrap_or_else(|| panic!("no switchboard_commits_total in\n{}", metrics.text));
    let count: f64 = commits.rsplit(' ').next().unwrap().parse().unwrap();
    assert!(count >= 1.0, "{commits}");
}

/// A request refused before its body is read (no key, the wrong role) still leaves the
/// connection usable: the server reads the body before it routes, so the next request on the
/// same connection gets its answer. Clients send the body after the headers; a server that
/// answered from the headers alone closed the connection, and a client that had reused it
/// got a reset.
#[test]
fn k_a_refused_request_with_a_body_keeps_the_connection_alive() {
    use std::io::{Read, Write};
    let mut site = sales_site(&["a1"]);
    let server = site.start(1);
    let body = r#"{"channel":"voice","queue":"sales","from":"+3612345678"}"#;
    for key in ["Authorization: Bearer supervisor-secret\r\n", ""] {
        let mut stream = std::net::TcpStream::connect(&server.addr).expect("connect");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        let headers = format!(
            "POST /v1/contacts HTTP/1.1\r\nHost: test\r\n{key}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream
            .write_all(headers.as_bytes())
            .expect("send the headers");
        stream.flush().expect("flush");
        // The body, then a second request on the same connection.
        let rest =
            format!("{body}GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
        stream.write_all(rest.as_bytes()).expect("send the rest");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read the answers");
        assert!(
            answer.starts_with("HTTP/1.1 403") || answer.starts_with("HTTP/1.1 401"),
            "{answer}"
        );
        assert!(
            answer.contains("HTTP/1.1 200 OK") && answer.contains("\"status\":\"ok\""),
            "the second request on the connection was not answered: {answer}"
        );
    }
}

// ------------------------------------------------------------------------------- (l)

/// The do-not-call list over HTTP (issue 13): supervisors add, import (CSV), list and remove
/// numbers in their normal form; a callback to a listed number is answered closed (58, 0);
/// bad input gets its codes; the list survives a restart; the reports show (58, 0).
#[test]
fn l_the_do_not_call_list_closes_callbacks_to_listed_numbers_58_and_survives_a_restart() {
    let config = format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"service\"\nchannel = \"voice\"\n\
         callbacks = {{ attempts_before_failure = 3 }}\n{}",
        agents_toml(&["a1"], &["service"])
    );
    let mut site = Site::new(&config);
    let mut server = site.start(1);
    let add = |key: &str, body: &str| server.post("/v1/do-not-call", key, Some(body));
    let numbers = r#"{"numbers":["+36 30 111 2222","0036-30-333-4444"]}"#;
    add(SUPERVISOR, numbers).ok();
    add(&agent_key("a1"), numbers).assert_error(403, "forbidden");
    server
        .try_send("POST", "/v1/do-not-call", None, Some(numbers))
        .unwrap()
        .assert_error(401, "unauthorized");
    add(SUPERVISOR, r#"{"numbers":["+36 30 999","sip:x@y"]}"#).assert_error(422, "invalid_input");
    add(SUPERVISOR, r#"{"number":"+3630"}"#).assert_error(422, "invalid_body");

    let import = |content_type: &str, csv: &str| {
        let auth = format!("Bearer {SUPERVISOR}");
        server
            .try_request(
                "POST",
                "/v1/do-not-call/import",
                &[
                    ("authorization", auth.as_bytes()),
                    ("content-type", content_type.as_bytes()),
                ],
                Some(csv.as_bytes()),
            )
            .unwrap()
    };
    let bad = import(
        "text/csv",
        "number\n+36 30 555 6666\nnot a number\n\n+36 3x\n",
    );
    bad.assert_error(422, "invalid_input");
    let message = bad.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("line 3:") && message.contains("line 5:"),
        "{message}"
    );
    import("application/json", "+3630").assert_error(415, "unsupported_media_type");
    import(
        "text/csv; charset=utf-8",
        "number,name\n+36 30 555 6666,Anna\n",
    )
    .ok();

    let page = server.get("/v1/do-not-call", Some(SUPERVISOR)).ok();
    assert_eq!(
        page,
        json!({"numbers": ["+36301112222", "+36303334444", "+36305556666"],
               "count": 3, "max": 1_000_000})
    );
    let first = server.get("/v1/do-not-call?limit=2", Some(ADMIN)).ok();
    assert_eq!(first["next"], "+36303334444");
    let rest = server
        .get("/v1/do-not-call?limit=2&after=%2B36303334444", Some(ADMIN))
        .ok();
    assert_eq!(rest["numbers"], json!(["+36305556666"]));
    server
        .get("/v1/do-not-call?limit=0", Some(ADMIN))
        .assert_error(400, "invalid_query");

    // A callback to a listed number is recorded and closed at once, and the answer says why.
    let created = server
        .post(
            "/v1/callbacks",
            SUPERVISOR,
            Some(r#"{"queue":"service","destination":"(+36) 30 111-2222"}"#),
        )
        .ok();
    assert_eq!(created["closed"]["major"], 58, "{created}");
    assert_eq!(created["closed"]["name"], "OK_ON_BLACKLIST");
    let contact = created["contact"].as_u64().unwrap();
    let open = server
        .post(
            "/v1/callbacks",
            SUPERVISOR,
            Some(r#"{"queue":"service","destination":"+36 30 777 8888"}"#),
        )
        .ok();
    assert!(open.get("closed").is_none(), "{open}");

    let delete = |number: &str| {
        server
            .try_send(
                "DELETE",
                &format!("/v1/do-not-call/{number}"),
                Some(SUPERVISOR),
                None,
            )
            .unwrap()
    };
    delete("%2B36%2030%20333%204444").ok();
    delete("+36303334444").assert_error(404, "not_on_do_not_call_list");
    delete("abc").assert_error(422, "invalid_input");

    server.terminate();
    let server = site.start(1);
    let page = server.get("/v1/do-not-call", Some(SUPERVISOR)).ok();
    assert_eq!(page["numbers"], json!(["+36301112222", "+36305556666"]));
    let report = server
        .unpooled()
        .get("/v1/reports/contact-closure", Some(ADMIN));
    assert_eq!(report.status, 200, "{}", report.text);
    let row = report
        .text
        .lines()
        .find(|l| l.contains("OK_ON_BLACKLIST"))
        .unwrap_or_else(|| panic!("no (58, 0) in {}", report.text));
    assert!(row.contains(&contact.to_string()), "{row}");
    let callbacks = server
        .unpooled()
        .get("/v1/reports/completed-callbacks", Some(ADMIN));
    // Its end state, as for any other ending of a callback.
    assert!(
        callbacks
            .text
            .lines()
            .any(|l| l.starts_with(&format!("{contact},")) && l.contains(",Do Not Call,")),
        "{}",
        callbacks.text
    );
}

// ------------------------------------------------------------------------------- (m)

/// `switchboard dnc` works on a data directory with and without a server: without one it
/// writes the journal (the next server sees the numbers), with one it goes through that
/// server (its API sees them at once); bad CSV lines are named `file:line`, exit status 2.
#[test]
fn m_the_dnc_command_works_whether_the_server_runs_or_not() {
    let mut site = Site::new(&format!(
        "{KEYS_TOML}\n[[queues]]\nid = \"service\"\nchannel = \"voice\"\n\
         callbacks = {{ attempts_before_failure = 3 }}\n"
    ));
    let data = site.data.to_str().unwrap().to_string();
    let dnc = |args: &[&str]| {
        let mut all = vec!["dnc"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data", &data]);
        run(&all)
    };
    // No server yet: straight into the journal.
    let added = dnc(&["add", "+36 30 111 2222", "0036 30 333 4444"]);
    assert!(added.status.success(), "{added:?}");
    let bad = dnc(&["add", "+36 30 999", "sip:bob@example.com"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let csv = site.dir.path().join("numbers.csv");
    std::fs::write(
        &csv,
        "number,name\n+36 30 555 6666,Anna\nnot a number\n\n+36 3x\n",
    )
    .unwrap();
    let refused = dnc(&["import", csv.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "{refused:?}");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    let file = csv.display().to_string();
    assert!(
        stderr.contains(&format!("{file}:3: ")) && stderr.contains(&format!("{file}:5: ")),
        "{stderr}"
    );
    std::fs::write(&csv, "number,name\n+36 30 555 6666,Anna\n").unwrap();
    assert!(dnc(&["import", csv.to_str().unwrap()]).status.success());
    let listed = dnc(&["list"]);
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        "+36301112222\n+36303334444\n+36305556666\n"
    );

    // The server starts from that journal, and the command goes through it while it runs.
    let server = site.start(1);
    let page = server.get("/v1/do-not-call", Some(SUPERVISOR)).ok();
    assert_eq!(page["count"], 3, "{page}");
    assert!(dnc(&["add", "+36 30 777 8888"]).status.success());
    let removed = dnc(&["remove", "+36 30 111 2222"]);
    assert!(removed.status.success(), "{removed:?}");
    let again = dnc(&["remove", "+36301112222"]);
    assert_eq!(again.status.code(), Some(2), "{again:?}");
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not on the do-not-call list"),
        "{again:?}"
    );
    let page = server.get("/v1/do-not-call", Some(SUPERVISOR)).ok();
    assert_eq!(
        page["numbers"],
        json!(["+36303334444", "+36305556666", "+36307778888"])
    );
    assert_eq!(
        String::from_utf8_lossy(&dnc(&["list"]).stdout),
        "+36303334444\n+36305556666\n+36307778888\n"
    );
    // The one-time keys are revoked.
    let keys = run(&["keys", "list", "--data", &data]);
    let keys = String::from_utf8_lossy(&keys.stdout);
    assert!(
        keys.lines()
            .filter(|l| l.contains("switchboard dnc"))
            .all(|l| l.contains("\ttrue\t")),
        "{keys}"
    );
    // A second server on the same data directory is refused.
    let second = run(&["serve", "--data", &data, "--listen", "127.0.0.1:0"]);
    assert_eq!(second.status.code(), Some(2), "{second:?}");
}

/// The web application's pages are served from the binary (one shell, its script and style),
/// `/v1/session` tells a page who its key is and the engine's clock, and `switchboard openapi`
/// prints the same document `/openapi.json` serves (what web/gen.mjs generates types from).
#[test]
fn j_pages_session_and_the_openapi_command() {
    let queue = "[[queues]]\nid = \"sales\"\nchannel = \"voice\"\n";
    let mut site = Site::new(&format!(
        "{queue}{}{}",
        KEYS_TOML,
        agents_toml(&["a1"], &["sales"])
    ));
    let server = site.start(7);
    for page in ["/agent", "/supervisor", "/reports"] {
        let shell = server.get(page, None);
        assert_eq!(shell.status, 200, "{page}: {shell:?}");
        assert!(shell.content_type.starts_with("text/html"), "{shell:?}");
        assert!(shell.text.contains(r#"src="/assets/app.js""#), "{shell:?}");
    }
    let script = server.get("/assets/app.js", None);
    assert!(
        script.content_type.starts_with("text/javascript"),
        "{script:?}"
    );
    assert!(
        script.text.contains("Sign in"),
        "the bundle is the built app"
    );
    let style = server.get("/assets/app.css", None);
    assert!(style.content_type.starts_with("text/css"), "{style:?}");

    let agent = server.get("/v1/session", Some(&agent_key("a1"))).ok();
    assert_eq!(agent["role"], "agent");
    assert_eq!(agent["agent"], "a1");
    assert_eq!(agent["data_download"], false);
    assert_eq!(agent["speed"], 7.0);
    assert!(
        agent["now_ms"].as_i64().unwrap() > 1_700_000_000_000,
        "{agent}"
    );
    let admin = server.get("/v1/session", Some(ADMIN)).ok();
    assert_eq!(admin["role"], "admin");
    assert_eq!(admin["agent"], Value::Null);
    assert_eq!(admin["data_download"], true);
    let refused = server.get("/v1/session", Some("no-such-key"));
    assert_eq!(refused.status, 401, "{refused:?}");

    let printed = std::process::Command::new(BIN)
        .arg("openapi")
        .output()
        .unwrap();
    assert!(printed.status.success(), "{printed:?}");
    let printed: Value = serde_json::from_slice(&printed.stdout).unwrap();
    assert_eq!(printed, server.get("/openapi.json", None).ok());
}
