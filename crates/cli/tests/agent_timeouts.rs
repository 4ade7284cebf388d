//! Black-box tests of the agent time-outs of issue 13 through `switchboard serve`: the
//! refusal (offer) time-out per agent and channel, from the configuration file and the API.
//!
//! Deadlines are read from the journaled events (engine time), never measured.

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
