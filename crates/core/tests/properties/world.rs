//! The world a case runs in: queues of mixed channels and settings (callbacks, schedules,
//! time zones, shifts), agents, stations, and the clock it starts at.

use proptest::prelude::*;
use std::collections::BTreeMap;
use strum::VariantArray;
use switchboard_core::callback::{CallbackSettings, DialOutcome};
use switchboard_core::config::WhenClosed;
use switchboard_core::config::{
    Disposition, LoginState, PolicyState, PresencePolicy, PriorityHandling, QueueSkill,
    RoutingStrategy,
};
use switchboard_core::schedule::ScheduleSettings;
use switchboard_core::{
    AgentConfig, Channel, Command, QueueConfig, QueueId, Settings, StationConfig,
};

pub const POLICY_STATES: [PolicyState; 7] = [
    PolicyState::Unchanged,
    PolicyState::Ready,
    PolicyState::Break,
    PolicyState::BackOffice,
    PolicyState::OutgoingInteractions,
    PolicyState::Offline,
    PolicyState::NoAnswer,
];

#[derive(Debug, Clone)]
pub struct World {
    /// The time the world is set up at, in ms since the Unix epoch.
    pub start: i64,
    pub settings: Settings,
    pub queues: Vec<QueueConfig>,
    pub stations: Vec<StationConfig>,
    pub agents: Vec<AgentConfig>,
}

/// What the step generator needs to know about a world.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub agents: usize,
    pub queues: usize,
    pub stations: usize,
    pub channels: Vec<Channel>,
    /// Whether admin (configuration) commands are drawn too.
    pub admin: bool,
}

impl World {
    /// The commands that set the world up: settings, queues, stations, agents. Settings go
    /// in as a command so the journal carries them (`Engine::new` does not).
    pub fn configuration(&self) -> Vec<Command> {
        let mut commands = vec![Command::ConfigureSettings(self.settings.clone())];
        commands.extend(
            self.queues
                .iter()
                .cloned()
                .map(|q| Command::ConfigureQueue(Box::new(q))),
        );
        commands.extend(self.stations.iter().cloned().map(Command::ConfigureStation));
        commands.extend(self.agents.iter().cloned().map(Command::ConfigureAgent));
        commands
    }

    pub fn ctx(&self, admin: bool) -> Ctx {
        Ctx {
            agents: self.agents.len(),
            queues: self.queues.len(),
            stations: self.stations.len(),
            channels: self.queues.iter().map(|q| q.channel).collect(),
            admin,
        }
    }
}

pub fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        3 => Just(Channel::Voice),
        3 => Just(Channel::Chat),
        2 => Just(Channel::Email),
        1 => Just(Channel::Callback),
    ]
}

pub fn any_channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::VARIANTS.to_vec())
}

pub fn routing_strategy() -> impl Strategy<Value = RoutingStrategy> {
    prop::sample::select(vec![
        RoutingStrategy::LongestIdle,
        RoutingStrategy::RoundRobin,
        RoutingStrategy::FewestContacts,
        RoutingStrategy::HighestProficiencyFirst,
    ])
}

pub fn priority_handling() -> impl Strategy<Value = PriorityHandling> {
    prop_oneof![
        Just(PriorityHandling::Strict),
        Just(PriorityHandling::Fifo),
        (1u64..=10_000).prop_map(|ms_per_level| PriorityHandling::WeightedAge { ms_per_level }),
    ]
}

pub fn presence_policy() -> impl Strategy<Value = PresencePolicy> {
    let state = || prop::sample::select(POLICY_STATES.to_vec());
    (state(), state(), state()).prop_map(|(d, t, e)| PresencePolicy {
        state_on_decline: d,
        state_on_push_timeout: t,
        state_on_agent_error: e,
    })
}

pub fn dispositions() -> Vec<Disposition> {
    let d = |code: &str, success, callback, no_interest| Disposition {
        code: code.to_string(),
        label_en: code.to_string(),
        label_hu: code.to_string(),
        success,
        callback,
        no_interest,
        do_not_call: false,
    };
    vec![
        d("sale", true, false, false),
        d("no_thanks", false, false, true),
        d("call_later", false, true, false),
    ]
}

/// 2026-03-28 00:00 UTC, a Saturday: Europe changes to summer time on Sunday 29 March.
pub const SPRING_2026_MS: i64 = 1_774_656_000_000;
/// 2026-10-24 00:00 UTC, a Saturday: Europe changes back on Sunday 25 October.
pub const AUTUMN_2026_MS: i64 = 1_792_800_000_000;
pub const HOUR_MS: i64 = 3_600_000;

/// Where a world's clock starts: the Unix epoch, or from the Saturday before a European DST
/// change to the Monday after.
pub fn start() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        1 => (0..60 * HOUR_MS).prop_map(|ms| SPRING_2026_MS + ms),
        1 => (0..60 * HOUR_MS).prop_map(|ms| AUTUMN_2026_MS + ms),
    ]
}

/// Weekly open hours: always open, office hours, or short windows twice an hour (so the
/// schedule flips within a case).
pub fn open_hours() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        5 => Just(Vec::new()),
        1 => Just(vec!["Mon-Fri 08:00-18:00".to_string()]),
        1 => Just(vec![
            "Mon-Fri 08:00-18:00".to_string(),
            "Sat 09:00-13:00".to_string(),
        ]),
        2 => (5u32..=25, prop::bool::weighted(0.2)).prop_map(|(len, sunday_closed)| {
            let days = if sunday_closed { "Mon-Sat" } else { "Mon-Sun" };
            (0..24)
                .flat_map(|h| {
                    [
                        format!("{days} {h:02}:00-{h:02}:{len:02}"),
                        format!("{days} {h:02}:30-{h:02}:{:02}", 30 + len),
                    ]
                })
                .collect()
        }),
    ]
}

pub fn holidays() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::sample::select(vec![
            "1970-01-01", "1970-01-02", "2026-03-28", "2026-03-29", "2026-03-30",
            "2026-10-24", "2026-10-25", "2026-10-26",
        ])
        .prop_map(|d| vec![d.to_string()]),
    ]
}

pub fn shift_start() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..24, prop::sample::select(vec![0u32, 15, 30, 45]))
            .prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        // In the spring gap (and the autumn overlap) of Europe/Budapest.
        1 => Just("02:30".to_string()),
    ]
}

pub fn callback_settings() -> BoxedStrategy<CallbackSettings> {
    let timing = (
        1u32..=4,
        prop::collection::vec(1_000u64..=120_000, 1..=3),
        5_000u64..=60_000,
        prop_oneof![2 => Just(0u64), 3 => 1_000u64..=300_000],
        prop::option::weighted(0.3, 60_000u64..=3_600_000),
        // The dial outcomes that end a callback at once: the default, or any set of them.
        prop_oneof![
            2 => Just(CallbackSettings::default().end_callback_on),
            1 => prop::sample::subsequence(ENDABLE_OUTCOMES.to_vec(), 0..=4),
        ],
    );
    let calendar = (
        prop::sample::select(vec!["UTC", "Europe/Budapest", "America/New_York"]),
        open_hours(),
        holidays(),
        shift_start(),
    );
    (timing, calendar)
        .prop_map(|(timing, calendar)| {
            let (attempts, recall, no_answer, fallback, max_age, end_callback_on) = timing;
            let (time_zone, open_hours, holidays, shift_start) = calendar;
            CallbackSettings {
                attempts_before_failure: attempts,
                recall_intervals_ms: recall,
                duration_for_no_answer_ms: no_answer,
                time_zone: time_zone.to_string(),
                open_hours,
                holidays,
                shift_start,
                reserved_fallback_ms: fallback,
                max_age_ms: max_age,
                end_callback_on,
            }
        })
        .boxed()
}

/// Every dial outcome a queue may end callbacks on (all but `live`).
pub const ENDABLE_OUTCOMES: [DialOutcome; 8] = [
    DialOutcome::AnsweringMachine,
    DialOutcome::Busy,
    DialOutcome::Fax,
    DialOutcome::Modem,
    DialOutcome::Sit,
    DialOutcome::InvalidNumber,
    DialOutcome::NoAnswer,
    DialOutcome::WrongParty,
];

pub fn queue_config(id: String, channel: BoxedStrategy<Channel>) -> BoxedStrategy<QueueConfig> {
    let shape = (
        channel,
        routing_strategy(),
        priority_handling(),
        1u8..=3,
        prop::option::weighted(0.5, presence_policy()),
        // Voice and callback queues only; others ignore it.
        prop::option::weighted(0.75, callback_settings()),
    );
    let limits = (
        prop::option::weighted(0.3, 15_000u64..=60_000),
        prop::option::weighted(0.5, prop_oneof![1 => Just(0u64), 4 => 1_000u64..=120_000]),
        prop::option::weighted(0.3, 1_000u64..=600_000),
        prop::option::weighted(0.3, 0u32..=6),
        prop::option::weighted(0.3, 1u32..=5),
        prop::option::weighted(0.3, 0u64..=60_000),
    );
    let flags = (
        prop::bool::weighted(0.15),
        any::<bool>(),
        any::<bool>(),
        prop::bool::weighted(0.3),
    );
    // Issue 13: voice queues with callbacks may reschedule drops (49).
    let drops = (
        prop::option::weighted(0.4, 60_000u64..=600_000),
        prop::option::weighted(0.6, 1_000u64..=60_000),
    );

    // The queue's own hours (closing arrivals, and waiting contacts with close-waiting):
    // short open spells and a holiday near the start, so the hours timers fire in a run.
    let hours = prop::option::weighted(
        0.3,
        (
            prop::sample::select(vec![
                vec!["Mon-Sun 00:00-00:10".to_string(), "Thu 00:20-24:00".into()],
                vec!["Mon-Fri 08:00-18:00".into()],
                vec![],
            ]),
            any::<bool>(),
        ),
    );

    (shape, limits, flags, drops, hours)
        .prop_map(move |(shape, limits, flags, drops, hours)| {
            let (channel, strategy, priority_handling, fan_out, presence_policy, callbacks) = shape;
            let (offer_timeout, wrap_up, max_wait, max_size, max_offers, reoffer) = limits;
            let (reject_when_no_agents, preview, has_dispositions, required) = flags;
            let mut q = QueueConfig::new(&id, channel);
            q.strategy = strategy;
            q.priority_handling = priority_handling;
            q.fan_out = fan_out;
            q.presence_policy = presence_policy;
            q.offer_timeout_ms = offer_timeout;
            q.wrap_up_limit_ms = wrap_up;
            q.max_wait_ms = max_wait;
            q.max_queue_size = max_size;
            q.max_offers = max_offers;
            q.reoffer_delay_ms = reoffer;
            q.reject_when_no_agents = reject_when_no_agents;
            if let Some((open_hours, close_waiting)) = hours {
                q.schedule = Some(Box::new(ScheduleSettings {
                    time_zone: "Europe/Budapest".into(),
                    open_hours,
                    holidays: vec!["1970-01-02".into()],
                }));
                if close_waiting {
                    q.when_closed = WhenClosed::CloseWaiting;
                }
            }
            q.preview = preview;
            if matches!(channel, Channel::Voice | Channel::Callback) {
                q.callbacks = callbacks;
            }
            if channel == Channel::Voice && q.callbacks.is_some() {
                q.reschedule_dropped_ms = drops.0;
                q.dropped_within_ms = drops.1.filter(|_| drops.0.is_some());
            }
            if has_dispositions {
                q.dispositions = dispositions();
                q.disposition_required = required;
            }
            q
        })
        .boxed()
}

/// Global settings; `tight` sometimes lowers the engine limits (for ConfigureSettings steps).
pub fn settings(tight: bool) -> BoxedStrategy<Settings> {
    let base = (
        prop::sample::select(vec![0u64, 1_000, 10_000, 30_000, 60_000]),
        prop::sample::select(vec![1_000u64, 10_000, 60_000]),
        prop::option::weighted(0.6, presence_policy()),
        prop_oneof![
            3 => Just(LoginState::Ready),
            1 => prop::sample::select(vec![
                LoginState::Break,
                LoginState::BackOffice,
                LoginState::OutgoingInteractions,
            ]),
        ],
        prop::option::weighted(0.3, 15_000u64..=60_000),
        prop::option::weighted(0.3, prop::sample::select(vec![25u8, 34, 50, 100])),
    );
    let limits = if tight {
        prop::option::weighted(0.5, (3u32..=20, 1u32..=4, 1u8..=3, 1u32..=5)).boxed()
    } else {
        Just(None).boxed()
    };
    // The unavailable time-out: off, global, for Lunch only, or both (30 or 45 minutes).
    let minutes = |m: u64| m * 60_000;
    let unavailable = (
        prop::option::weighted(0.3, prop::sample::select(vec![minutes(30), minutes(45)])),
        prop::option::weighted(0.3, prop::sample::select(vec![minutes(30), minutes(60)])),
    );
    (base, limits, unavailable)
        .prop_map(|(base, limits, (unavailable, lunch))| {
            let (reoffer, link, policy, login_state, voice_timeout, chat_units) = base;
            let mut s = Settings {
                reoffer_delay_ms: reoffer,
                agent_link_timeout_ms: link,
                login_state,
                unavailable_reasons: vec!["Lunch".to_string()],
                ..Settings::default()
            };
            if let Some(p) = policy {
                s.presence_policy = p;
            }
            if let Some(ms) = voice_timeout {
                s.offer_timeout_ms.insert(Channel::Voice, ms);
            }
            if let Some(units) = chat_units {
                s.capacity_units.insert(Channel::Chat, units);
            }
            s.unavailable_timeout_ms = unavailable;
            if let Some(ms) = lunch {
                s.unavailable_timeout_by_reason_ms
                    .insert("Lunch".into(), ms);
            }
            if let Some((open, offers, fan_out, per_queue)) = limits {
                s.limits.contacts_open_max = open;
                s.limits.offers_per_contact_max = offers;
                s.limits.fan_out_max = fan_out;
                s.limits.contacts_per_queue_max = per_queue;
            }
            s
        })
        .boxed()
}

pub fn capacity_override() -> impl Strategy<Value = BTreeMap<Channel, u8>> {
    prop_oneof![
        6 => Just(BTreeMap::new()),
        1 => Just(BTreeMap::from([(Channel::Chat, 50)])),
        1 => Just(BTreeMap::from([(Channel::Email, 100)])),
        1 => Just(BTreeMap::from([(Channel::Chat, 25), (Channel::Email, 25)])),
        1 => Just(BTreeMap::from([(Channel::Voice, 40)])),
    ]
}

/// An agent serving `queues` (indexes into q0.., may be out of range: unknown queue).
pub fn agent_config(i: usize, queues: &[usize], proficiency: &[u8]) -> AgentConfig {
    let mut a = AgentConfig::new(&format!("a{i}"), &format!("Agent {i}"), &[]);
    a.queues = queues
        .iter()
        .zip(proficiency)
        .map(|(q, p)| QueueSkill {
            queue: QueueId::new(&format!("q{q}")),
            proficiency: *p,
        })
        .collect();
    a
}

pub fn station_config(i: usize, offer_timeout: Option<u64>) -> StationConfig {
    let mut s = StationConfig::new(&format!("s{i}"), &format!("+36100{i}"));
    s.offer_timeout_ms = offer_timeout;
    s
}

/// The first queue's channel: voice or callback (which take callbacks) most of the time.
pub fn first_channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        3 => Just(Channel::Voice),
        2 => Just(Channel::Callback),
        1 => Just(Channel::Chat),
        1 => Just(Channel::Email),
    ]
}

pub fn world() -> impl Strategy<Value = World> {
    (2usize..=3, 3usize..=6)
        .prop_flat_map(|(m, n)| {
            let queues: Vec<BoxedStrategy<QueueConfig>> = (0..m)
                .map(|j| {
                    let channel = if j == 0 {
                        first_channel().boxed()
                    } else {
                        channel().boxed()
                    };
                    queue_config(format!("q{j}"), channel)
                })
                .collect();
            let agent = (
                prop::option::weighted(0.5, 0..m),
                1u8..=10,
                1u8..=10,
                capacity_override(),
                prop::bool::weighted(0.3),
            );
            let agents = prop::collection::vec(agent, n);
            let stations =
                prop::collection::vec(prop::option::weighted(0.2, 15_000u64..=60_000), n + 1);
            (queues, agents, stations, settings(false), start())
        })
        .prop_map(
            |(queues, agent_shapes, station_timeouts, settings, start)| {
                let m = queues.len();
                let agents = agent_shapes
                    .into_iter()
                    .enumerate()
                    .map(|(i, (second, p1, p2, capacity, own_reasons))| {
                        // The first queue is i mod m: every queue has at least one member.
                        let mut qs = vec![i % m];
                        if let Some(s) = second.filter(|s| *s != i % m) {
                            qs.push(s);
                        }
                        let mut a = agent_config(i, &qs, &[p1, p2]);
                        a.capacity = capacity;
                        if own_reasons {
                            a.unavailable_reasons = vec!["Lunch".into(), "Training".into()];
                        }
                        a
                    })
                    .collect();
                let stations = station_timeouts
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| station_config(i, t))
                    .collect();
                World {
                    start,
                    settings,
                    queues,
                    stations,
                    agents,
                }
            },
        )
}
