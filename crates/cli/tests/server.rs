//! Black-box tests of `switchboard serve`: the real binary on a free port, driven over HTTP
//! (PRODUCT.md §6, §7, §11, §12). Each test runs its own server on its own data directory.
//!
//! Timers are tested with the hidden `--speed N` (the engine clock N times real time); every
//! wait is for an event on the stream (or a state) with a generous deadline, never a fixed
//! sleep, and nothing asserts on how long something took.

mod support;

use serde_json::json;
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
