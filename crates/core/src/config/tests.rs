use super::*;

#[test]
fn offer_timeout_bounds_name_the_field() {
    let limits = Limits::default();
    let mut q = QueueConfig::new("sales", Channel::Voice);
    q.offer_timeout_ms = Some(14_999);
    let err = q.validate(&limits).unwrap_err();
    assert_eq!(err.field, "queues[sales].offer_timeout_ms");
    q.offer_timeout_ms = Some(15_000);
    q.validate(&limits).unwrap();
    q.offer_timeout_ms = Some(300_000);
    q.validate(&limits).unwrap();
    q.offer_timeout_ms = Some(300_001);
    assert_eq!(
        q.validate(&limits).unwrap_err().field,
        "queues[sales].offer_timeout_ms"
    );
}

#[test]
fn service_level_threshold_bounds_name_the_field() {
    let limits = Limits::default();
    let mut q = QueueConfig::new("sales", Channel::Voice);
    assert_eq!(q.service_level_seconds(), SERVICE_LEVEL_SECONDS_DEFAULT);
    // Unset, it is not serialized (journals and API bodies keep their shape).
    let json = serde_json::to_value(&q).unwrap();
    assert!(json.get("service_level_seconds").is_none());
    for bad in [0, SERVICE_LEVEL_SECONDS_MAX + 1] {
        q.service_level_seconds = Some(bad);
        assert_eq!(
            q.validate(&limits).unwrap_err().field,
            "queues[sales].service_level_seconds"
        );
    }
    q.service_level_seconds = Some(30);
    q.validate(&limits).unwrap();
    assert_eq!(q.service_level_seconds(), 30);
    let json = serde_json::to_value(&q).unwrap();
    assert_eq!(json["service_level_seconds"], 30);
}

#[test]
fn queue_thresholds_are_bounded_and_name_the_field() {
    let limits = Limits::default();
    let mut q = QueueConfig::new("sales", Channel::Voice);
    assert!(
        serde_json::to_value(&q)
            .unwrap()
            .get("thresholds")
            .is_none()
    );
    let cases = [
        (
            QueueThresholds {
                longest_wait_seconds: Some(0),
                ..Default::default()
            },
            "longest_wait_seconds",
        ),
        (
            QueueThresholds {
                service_level_percent: Some(101),
                ..Default::default()
            },
            "service_level_percent",
        ),
        (
            QueueThresholds {
                waiting: Some(0),
                ..Default::default()
            },
            "waiting",
        ),
    ];
    for (thresholds, field) in cases {
        q.thresholds = Some(thresholds);
        assert_eq!(
            q.validate(&limits).unwrap_err().field,
            format!("queues[sales].thresholds.{field}")
        );
    }
    q.thresholds = Some(QueueThresholds {
        longest_wait_seconds: Some(60),
        service_level_percent: Some(80),
        waiting: Some(5),
    });
    q.validate(&limits).unwrap();
    let json = serde_json::to_value(&q).unwrap();
    assert_eq!(json["thresholds"]["service_level_percent"], 80);
}

#[test]
fn fan_out_zero_and_over_limit_are_rejected() {
    let limits = Limits::default();
    let mut q = QueueConfig::new("q", Channel::Chat);
    q.fan_out = 0;
    assert_eq!(q.validate(&limits).unwrap_err().field, "queues[q].fan_out");
    q.fan_out = limits.fan_out_max + 1;
    assert_eq!(q.validate(&limits).unwrap_err().field, "queues[q].fan_out");
}

#[test]
fn duplicate_disposition_code_is_named() {
    let limits = Limits::default();
    let mut q = QueueConfig::new("q", Channel::Voice);
    let d = Disposition {
        code: "sale".into(),
        label_en: "Sale".into(),
        label_hu: "Eladás".into(),
        success: true,
        callback: false,
        no_interest: false,
        do_not_call: false,
    };
    q.dispositions = vec![d.clone(), d];
    assert_eq!(
        q.validate(&limits).unwrap_err().field,
        "queues[q].dispositions[1].code"
    );
}

#[test]
fn agent_proficiency_capacity_and_ids_are_checked() {
    let limits = Limits::default();
    let mut a = AgentConfig::new("a1", "Anna Kovács", &["sales"]);
    a.validate(&limits).unwrap();
    a.queues[0].proficiency = 11;
    assert_eq!(
        a.validate(&limits).unwrap_err().field,
        "agents[a1].queues[0].proficiency"
    );
    a.queues[0].proficiency = 5;
    a.capacity.insert(Channel::Chat, 0);
    assert_eq!(
        a.validate(&limits).unwrap_err().field,
        "agents[a1].capacity.chat"
    );
    let bad = AgentConfig::new("a 1", "X", &[]);
    assert_eq!(bad.validate(&limits).unwrap_err().field, "agents[a 1].id");
    let unnamed = AgentConfig::new("a2", "  ", &[]);
    assert_eq!(
        unnamed.validate(&limits).unwrap_err().field,
        "agents[a2].full_name"
    );
}

#[test]
fn agent_offer_timeout_is_per_channel_bounded_and_not_serialized_when_unset() {
    let limits = Limits::default();
    let mut a = AgentConfig::new("a1", "Anna Kovács", &[]);
    let json = serde_json::to_value(&a).unwrap();
    assert!(json.get("offer_timeout_ms").is_none());
    for bad in [OFFER_TIMEOUT_MIN_MS - 1, OFFER_TIMEOUT_MAX_MS + 1] {
        a.offer_timeout_ms.insert(Channel::Chat, bad);
        assert_eq!(
            a.validate(&limits).unwrap_err().field,
            "agents[a1].offer_timeout_ms.chat"
        );
    }
    a.offer_timeout_ms
        .insert(Channel::Chat, OFFER_TIMEOUT_MAX_MS);
    a.validate(&limits).unwrap();
    assert_eq!(
        a.offer_timeout_for(Channel::Chat),
        Some(OFFER_TIMEOUT_MAX_MS)
    );
    assert_eq!(a.offer_timeout_for(Channel::Voice), None);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["offer_timeout_ms"]["chat"], OFFER_TIMEOUT_MAX_MS);
    let back: AgentConfig = serde_json::from_value(json).unwrap();
    assert_eq!(back, a);
}

#[test]
fn station_override_is_bounded() {
    let mut s = StationConfig::new("s1", "+3611");
    s.offer_timeout_ms = Some(5_000);
    assert_eq!(
        s.validate().unwrap_err().field,
        "stations[s1].offer_timeout_ms"
    );
}

#[test]
fn unavailable_timeout_is_off_by_default_per_reason_first_and_bounded() {
    let mut s = Settings::default();
    assert_eq!(s.unavailable_timeout_for(None), None);
    assert_eq!(s.unavailable_timeout_for(Some("Lunch")), None);
    let json = serde_json::to_value(&s).unwrap();
    assert!(json.get("unavailable_timeout_ms").is_none());
    assert!(json.get("unavailable_timeout_by_reason_ms").is_none());
    s.unavailable_timeout_by_reason_ms
        .insert("Lunch".into(), UNAVAILABLE_TIMEOUT_MAX_MS);
    assert_eq!(s.unavailable_timeout_for(None), None);
    assert_eq!(
        s.unavailable_timeout_for(Some("Lunch")),
        Some(UNAVAILABLE_TIMEOUT_MAX_MS)
    );
    s.unavailable_timeout_ms = Some(UNAVAILABLE_TIMEOUT_MIN_MS);
    s.validate().unwrap();
    assert_eq!(
        s.unavailable_timeout_for(Some("Coffee")),
        Some(UNAVAILABLE_TIMEOUT_MIN_MS)
    );
    assert_eq!(
        s.unavailable_timeout_for(Some("Lunch")),
        Some(UNAVAILABLE_TIMEOUT_MAX_MS)
    );
    let back: Settings = serde_json::from_value(serde_json::to_value(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    s.unavailable_timeout_ms = Some(UNAVAILABLE_TIMEOUT_MIN_MS - 1);
    assert_eq!(
        s.validate().unwrap_err().field,
        "settings.unavailable_timeout_ms"
    );
    s.unavailable_timeout_ms = None;
    s.unavailable_timeout_by_reason_ms
        .insert("Coffee".into(), UNAVAILABLE_TIMEOUT_MAX_MS + 1);
    assert_eq!(
        s.validate().unwrap_err().field,
        "settings.unavailable_timeout_by_reason_ms.Coffee"
    );
}

#[test]
fn settings_defaults_are_valid() {
    Settings::default().validate().unwrap();
    assert_eq!(Settings::default().units_for(Channel::Chat), 34);
    assert_eq!(
        Settings::default().offer_timeout_for(Channel::Email),
        45_000
    );
}
