//! Black-box tests of a queue's hours and emergency switch (issue 13, item 1) through
//! `switchboard serve`: the emergency routes, what the creation of a contact in a closed
//! queue answers the connector, the monitor's status column, the event stream, a restart, and
//! the contact-closure report.
//!
//! The schedule's closure must not depend on when the test runs: queue `front` is on holiday
//! yesterday, today and tomorrow (UTC), so it is closed (Holiday) whatever the hour; queue
//! `night` is open one minute a week, on the weekday three days from now, so it is closed
//! (Schedule).

mod support;

use support::*;

/// A supervisor key with a label, to see who set an emergency.
const NIGHT_DESK: &str = "night-desk-secret";

fn site() -> Site {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let days: Vec<String> = [-1, 0, 1]
        .iter()
        .map(|d| {
            format!(
                "\"{}\"",
                today.checked_add(jiff::Span::new().days(*d)).unwrap()
            )
        })
        .collect();
    let weekday = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][today
        .checked_add(jiff::Span::new().days(3))
        .unwrap()
        .weekday()
        .to_monday_zero_offset()
        as usize];
    Site::new(&format!(
        "{KEYS_TOML}\n[[keys]]\nrole = \"supervisor\"\nsecret = \"{NIGHT_DESK}\"\n\
         label = \"night-desk\"\n\n\
         [[queues]]\nid = \"sales\"\nchannel = \"voice\"\nwhen_closed = \"close-waiting\"\n\n\
         [[queues]]\nid = \"front\"\nchannel = \"voice\"\n\
         schedule = {{ time_zone = \"UTC\", holidays = [{}] }}\n\n\
         [[queues]]\nid = \"night\"\nchannel = \"chat\"\n\
         schedule = {{ time_zone = \"UTC\", open_hours = [\"{weekday} 12:00-12:01\"] }}\n{}",
        days.join(", "),
        agents_toml(&["a1"], &["sales"])
    ))
}

/// `POST /v1/contacts` as the connector: the whole answer.
fn arrive(server: &Server, queue: &str) -> serde_json::Value {
    let reply = server.post(
        "/v1/contacts",
        CONNECTOR,
        Some(&format!(
            r#"{{"channel":"voice","queue":"{queue}","from":"+3612345678"}}"#
        )),
    );
    assert_eq!(reply.status, 201, "{}", reply.text);
    reply.json()
}

fn delete(server: &Server, path: &str, key: &str) -> Reply {
    server.try_send("DELETE", path, Some(key), None).unwrap()
}

#[test]
fn emergency_and_holiday_close_arrivals_and_say_why() {
    let mut site = site();
    let mut server = site.start(1);
    let mut feed = server.events(SUPERVISOR, None);

    // A holiday of the queue's own schedule: closed (38, 23), and the connector hears why.
    let holiday = arrive(&server, "front");
    let closed = &holiday["closed"];
    assert_eq!(
        (closed["major"].as_u64(), closed["minor"].as_u64()),
        (Some(38), Some(23))
    );
    assert_eq!(closed["reason"], "holiday", "{holiday}");
    assert!(closed.get("message").is_none(), "{holiday}");
    let front = server.monitor_row("queues", "front");
    assert_eq!(front["status"], "Closed (holiday)", "{front}");
    assert_eq!(front["closure"], "holiday");
    assert!(front["next_change"].as_i64().is_some(), "{front}");

    // Outside the open hours: (38, 15).
    let reply = server.post(
        "/v1/contacts",
        CONNECTOR,
        Some(r#"{"channel":"chat","queue":"night","from":"ann@example.com"}"#),
    );
    assert_eq!(reply.json()["closed"]["minor"], 15, "{}", reply.text);
    assert_eq!(reply.json()["closed"]["reason"], "schedule");
    assert_eq!(
        server.monitor_row("queues", "night")["status"],
        "Closed (schedule)"
    );

    // Open queue: the caller waits.
    let sales = server.monitor_row("queues", "sales");
    assert_eq!(sales["status"], "Open", "{sales}");
    let waiting = arrive(&server, "sales");
    assert!(waiting.get("closed").is_none(), "{waiting}");
    let waiting = waiting["contact"].as_u64().unwrap();

    // Who may set it: admin and supervisor keys only; the queue must exist; the message is
    // text for people.
    let body = r#"{"message":"Flooding: we call you back tomorrow"}"#;
    server
        .put("/v1/queues/sales/emergency", &agent_key("a1"), body)
        .assert_error(403, "forbidden");
    server
        .put("/v1/queues/sales/emergency", CONNECTOR, body)
        .assert_error(403, "forbidden");
    server
        .put("/v1/queues/nowhere/emergency", SUPERVISOR, body)
        .assert_error(404, "unknown_queue");
    let bad = server.put(
        "/v1/queues/sales/emergency",
        SUPERVISOR,
        r#"{"message":"bell\u0007"}"#,
    );
    assert_eq!(bad.error_code(), "invalid_input", "{bad:?}");
    server
        .put("/v1/queues/sales/emergency", SUPERVISOR, r#"{"text":"x"}"#)
        .assert_error(422, "invalid_body");

    // The night desk sets it: the event names it and carries the message; the waiting
    // caller closes (38, 24) (sales closes its waiting contacts).
    server
        .put("/v1/queues/sales/emergency", NIGHT_DESK, body)
        .ok();
    let changed = feed.wait_for("the emergency", |m| {
        m.is("queue_closure_changed") && m.ev()["queue"] == "sales"
    });
    assert_eq!(changed.ev()["closure"], "emergency", "{changed:?}");
    assert_eq!(
        changed.ev()["emergency"]["set_by"],
        "night-desk (supervisor)"
    );
    assert_eq!(
        changed.ev()["emergency"]["message"],
        "Flooding: we call you back tomorrow"
    );
    let gone = feed.wait_contact("contact_closed", waiting);
    assert_eq!(
        (
            gone.ev()["code"]["major"].as_u64(),
            gone.ev()["code"]["minor"].as_u64()
        ),
        (Some(38), Some(24)),
        "{gone:?}"
    );
    let emergency = arrive(&server, "sales");
    assert_eq!(emergency["closed"]["minor"], 24, "{emergency}");
    assert_eq!(emergency["closed"]["reason"], "emergency");
    assert_eq!(
        emergency["closed"]["message"],
        "Flooding: we call you back tomorrow"
    );
    let sales = server.monitor_row("queues", "sales");
    assert_eq!(sales["status"], "Closed (emergency)", "{sales}");
    assert_eq!(sales["emergency"]["set_by"], "night-desk (supervisor)");
    assert!(sales["closed_since"].as_i64().is_some(), "{sales}");
    // The queue-level figures count the waiting caller and the arrival it closed.
    assert_eq!(sales["closed_by_closure"], 2, "{sales}");
    assert_eq!(sales["offered"], 2, "{sales}");

    // An emergency over the holiday; ended, the queue is back to what its schedule says.
    server.put("/v1/queues/front/emergency", ADMIN, "{}").ok();
    assert_eq!(
        server.monitor_row("queues", "front")["status"],
        "Closed (emergency)"
    );
    assert_eq!(arrive(&server, "front")["closed"]["minor"], 24);
    delete(&server, "/v1/queues/front/emergency", SUPERVISOR).ok();
    assert_eq!(
        server.monitor_row("queues", "front")["status"],
        "Closed (holiday)"
    );

    // Both states survive a restart (snapshot written at the stop).
    assert!(server.terminate().success());
    let server = site.start(1);
    assert_eq!(
        server.monitor_row("queues", "sales")["status"],
        "Closed (emergency)"
    );
    assert_eq!(
        server.monitor_row("queues", "front")["status"],
        "Closed (holiday)"
    );

    // Cleared: open again, and the feed says so.
    let mut feed = server.events(SUPERVISOR, None);
    delete(&server, "/v1/queues/sales/emergency", &agent_key("a1")).assert_error(403, "forbidden");
    delete(&server, "/v1/queues/sales/emergency", SUPERVISOR).ok();
    let reopened = feed.wait_for("the emergency's end", |m| {
        m.is("queue_closure_changed") && m.ev()["queue"] == "sales"
    });
    assert!(reopened.ev()["closure"].is_null(), "{reopened:?}");
    assert!(reopened.ev().get("emergency").is_none(), "{reopened:?}");
    assert_eq!(server.monitor_row("queues", "sales")["status"], "Open");
    assert!(arrive(&server, "sales").get("closed").is_none());
    let mut server = server;
    assert!(server.terminate().success());

    // The contact-closure report shows each closure with its code and name.
    let report = report_around_now("contact-closure", &site.data);
    let rows: Vec<&str> = report.lines().collect();
    let has = |queue: &str, minor: &str| {
        rows.iter().any(|r| {
            r.contains(&format!(",{queue},"))
                && r.contains(&format!(",38,FAILED_ROUTE_INBOUND,{minor},"))
        })
    };
    assert!(has("front", "23,Holiday"), "{report}");
    assert!(has("front", "24,Emergency"), "{report}");
    assert!(has("sales", "24,Emergency"), "{report}");
    assert!(has("night", "15,Campaign is Inactive"), "{report}");
}

/// `switchboard emergency` on a data directory, with and without a server: without one it
/// writes the journal (the next server starts closed), with one it goes through that server.
#[test]
fn the_emergency_command_works_whether_the_server_runs_or_not() {
    let mut site = site();
    let data = site.data.to_str().unwrap().to_string();
    let emergency = |args: &[&str]| {
        let mut all = vec!["emergency"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data", &data]);
        run(&all)
    };
    // The configuration reaches the journal with the first start.
    let mut server = site.start(1);
    assert!(server.terminate().success());

    let set = emergency(&[
        "set",
        "sales",
        "--message",
        "Power cut",
        "--by",
        "night desk",
    ]);
    assert!(set.status.success(), "{set:?}");
    let unknown = emergency(&["set", "nowhere"]);
    assert_eq!(unknown.status.code(), Some(2), "{unknown:?}");
    let bad = emergency(&["clear", "no/such"]);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    let shown = emergency(&["show"]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains("sales\tClosed (emergency)\tby night desk (admin)\tPower cut\n"),
        "{shown}"
    );
    assert!(shown.contains("front\tClosed (holiday)\n"), "{shown}");

    let server = site.start(1);
    let sales = server.monitor_row("queues", "sales");
    assert_eq!(sales["status"], "Closed (emergency)", "{sales}");
    assert_eq!(sales["emergency"]["set_by"], "night desk (admin)");
    let cleared = emergency(&["clear", "sales", "--by", "day desk"]);
    assert!(cleared.status.success(), "{cleared:?}");
    assert!(
        String::from_utf8_lossy(&cleared.stderr).contains("through the server"),
        "{cleared:?}"
    );
    assert_eq!(server.monitor_row("queues", "sales")["status"], "Open");
    // Set through the server: the one-time key's label is the setter.
    assert!(
        emergency(&["set", "front", "--by", "day desk"])
            .status
            .success()
    );
    let front = server.monitor_row("queues", "front");
    assert_eq!(front["emergency"]["set_by"], "day desk (admin)", "{front}");
    // The one-time keys are revoked.
    let keys = run(&["keys", "list", "--data", &data]);
    let keys = String::from_utf8_lossy(&keys.stdout);
    assert!(
        keys.lines()
            .filter(|l| l.contains("day desk"))
            .all(|l| l.contains("\ttrue\t")),
        "{keys}"
    );
}
