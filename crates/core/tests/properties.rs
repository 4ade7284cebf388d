//! Property tests: random small worlds driven by random timed command sequences.
//!
//! Each case builds a world (2–3 queues of mixed channels and settings, 3–6 agents in 1–2
//! queues each, one station per agent plus a spare), then runs 50–300 steps. Voice and
//! callback queues mostly take callbacks (§8): 1–4 attempts before failure, 1–3 recall
//! intervals of 1–120 s, 5–60 s for no answer, a time zone (UTC, Europe/Budapest,
//! America/New_York), open hours (always, office hours, or short windows twice an hour so
//! CLBK Stat flips within a case), sometimes a holiday, a shift start (sometimes 02:30, in
//! the DST gap or overlap), a reservation fallback and sometimes a max age. The clock starts
//! at the Unix epoch or between the Saturday before and the Monday after a European DST
//! change (March or October 2026).
//!
//! A step moves the clock forward (mostly 0–70 s, now and then 10 minutes to 26 hours, so
//! schedules and shifts flip) and then lets time pass (a driver tick), runs one command
//! drawn from every command kind (admin, agent, connector, and the eight callback
//! commands, with every completion status; times in commands are relative to the step's
//! clock), or has an agent move its work on (log in, go Ready, accept or refuse, link,
//! start a previewed dial, have the dial answered live or by a machine, fail, cancelled or
//! missed, set a completion status, end, complete: [`work`]). Commands aim at live offers,
//! contacts, callbacks, callback queues, agents and assignments most of the time (picked
//! from the views when the step runs) and at literal ids — which may not exist — otherwise.
//! The driver works like the real ones: due timers fire in deadline order, each at its own
//! time, before each input, and the outputs are drained after each input.
//!
//! After every input (see [`Harness::check`], [`Harness::observe`] and
//! [`Harness::check_callbacks`]):
//! - `check_invariants()` holds;
//! - a rejected command emitted nothing and changed nothing but the clock; a timer that
//!   comes due emits something (a silent one would outlive a replay);
//! - agent views: Offered ⇒ an open offer and no contacts; Busy / Waiting for … ⇒ contacts;
//!   units ≤ 100; offers, contacts and holders agree between agent, contact and offer views;
//! - every arrived contact is open or closed by exactly one ContactClosed, never both; no
//!   event names a contact after its close (except the former agent finishing the detached
//!   wrap-up of a transferred contact), and no event names one that never arrived;
//! - stats agree with a recount of the events (arrivals, closes, offers, refusals by reason);
//!   every refusal reason is one of the twelve names of §6; every closure pair is in the
//!   catalog and is one §7 gives for the input that caused it (with the disposition only on
//!   a completed wrap-up);
//! - AgentStateChanged events track the shown states; queue views agree with the contacts;
//!   no idle Ready member is left beside a waiting contact it is not excluded from (nor a
//!   callback reserved for another agent), and no refusing agent is offered the contact
//!   again before its ExclusionEnded;
//! - events and commands survive a JSON round trip;
//! - callbacks (§8, issue 3), against a recount of the events:
//!   - every open callback has a view in exactly one location (each location's search
//!     lists it once); completed ones have none; Pending and queued ones show Queued with
//!     no agent, HandlingByAgent ones are offered or held; only an Active queue holds
//!     callbacks and it holds every due one; an expired callback never waits again;
//!   - attempts: numbered in order, one open at a time; only Answering Machine and No
//!     Answer count (never Aborted, Cancel, …), with their minor codes; the state is the
//!     status set, else what the answer implies; the counted attempts equal the view's and
//!     never exceed the queue's Attempts Before Failure; a counted attempt under the limit
//!     is recalled after the recall interval, one at the limit fails the callback; a
//!     Callback Requested one is Pending until the time asked, reserved as asked; Aborted
//!     attempts only when the queue's callbacks leave Active;
//!   - creation as asked (queue, due, expiry, reservation; a customer's callback keeps the
//!     call's entrance); offers only to the reserved agent until ReservationEnded, at its
//!     time; CallbackExpired at the expiry;
//!   - every CallbackCompleted is followed, in the same input, by exactly one ContactClosed
//!     whose pair matches the end (Handled (48|55|59, 0), Wrong Destination (48, 13),
//!     Failed (33, minor of the last attempt), Expired (57, 0), Purged (32, 0)) and the
//!     input (Purged only by PurgeCallback, …); no callback closes without one; its
//!     attempts and "reached" agree with the events;
//!   - the monitor: CLBK Stat is that of the last CallbackStatusChanged and agrees with the
//!     schedule at that instant (unless Stopped); the shift started at the last local shift
//!     start; Proc, Purged, % Reached, Avg Time (and the raw counters) equal a recount of
//!     the events since the queue's last ShiftStarted; Clbk To Be Proc counts its Pending
//!     and queued callbacks.
//!
//! At the end the journal is replayed into a fresh engine, which must match the live one
//! (dump, views, callback views and monitors, stats, exclusions, next timeout). The journal
//! carries time only through event times, so the dumps are first compared without their
//! `now` line, then again in full after the replayed engine is told the time
//! (`handle_timeout(now)`, which must emit nothing). The first property also replays
//! half-way and drives the replayed copy alongside the live one, which must then answer and
//! emit exactly the same.
//!
//! The liveness property adds a cooperative phase: the configuration is put back, stopped
//! callbacks start again, every agent logs in, goes Ready and accepts, links, dials, has the
//! dial answered live, sets callbacks Handled, ends and completes whatever it can, while
//! time passes (jumping to the next timer while nothing else can happen, up to a week
//! ahead, so schedules open). Every contact must then close, each with exactly one closure
//! code, except those waiting in a queue nobody serves and callbacks whose queue is off
//! schedule or stopped, or Pending until after the end (the failure message says which
//! exception each open contact has, if any).
//!
//! A failure prints the shrunk input and a reproduction: every input with its time in
//! milliseconds, the command as run (after live targeting), its result and the events.
//! `PROPTEST_CASES=n` runs more cases. The `#[test]`s at the end replay the bugs the
//! properties found (all fixed; they guard against regressions).

use proptest::prelude::*;
use proptest::strategy::Union;
use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use strum::VariantArray;
use switchboard_core::callback::{
    AttemptState, CallbackCounters, CallbackEnd, CallbackLocation, CallbackOrigin,
    CallbackSettings, CallbackStatus, CompletionStatus, DialOutcome,
};
use switchboard_core::closure;
use switchboard_core::config::WhenClosed;
use switchboard_core::config::{
    Disposition, LoginState, PolicyState, PresencePolicy, PriorityHandling, QueueSkill,
    RoutingStrategy,
};
use switchboard_core::engine::{AgentView, OfferView, SessionState};
use switchboard_core::model::{
    AgentStatus, AnsweredBy, DeliveryFailure, EndedBy, HangupReason, QueueEmergency,
    SelectableState,
};
use switchboard_core::schedule::{Schedule, ScheduleSettings};
use switchboard_core::{
    AgentConfig, AgentId, AgentState, Channel, Command, ConnectorEvent, ConnectorRequest,
    ContactId, ContactState, Engine, Event, EventRecord, OfferId, Output, QueueConfig, QueueId,
    Receipt, RefusalReason, Rejection, Settings, StationConfig, StationId, Timestamp,
    TransferTarget,
};

/// The twelve refusal reasons of PRODUCT.md §6, spelled as the report prints them.
const REFUSAL_NAMES: [&str; 12] = [
    "Declined",
    "NoAnswer",
    "AgentLinkTimeout",
    "ContactAlreadyRouted",
    "Bad Number",
    "Busy",
    "Error",
    "Invalid Call Leg",
    "LinkFailed",
    "Dropped",
    "NA",
    "0",
];

const SELECTABLE: [SelectableState; 9] = [
    SelectableState::Offline,
    SelectableState::Ready,
    SelectableState::Break,
    SelectableState::BackOffice,
    SelectableState::OutgoingInteractions,
    SelectableState::WaitingForBackOffice,
    SelectableState::WaitingForBreak,
    SelectableState::WaitingForOutgoingInteractions,
    SelectableState::WaitingForOffline,
];

const POLICY_STATES: [PolicyState; 7] = [
    PolicyState::Unchanged,
    PolicyState::Ready,
    PolicyState::Break,
    PolicyState::BackOffice,
    PolicyState::OutgoingInteractions,
    PolicyState::Offline,
    PolicyState::NoAnswer,
];

const AGENT_STATUSES: [AgentStatus; 5] = [
    AgentStatus::MissedCallAgent,
    AgentStatus::DeclinedByAgent,
    AgentStatus::FailedConnectAgent,
    AgentStatus::FailedConnectCustomer,
    AgentStatus::MissedCallStatus,
];

/// Case count per property; `PROPTEST_CASES` overrides it.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        max_shrink_iters: 4096,
        // Keeps a failing run short (debug build, 2 cores); the shrunk case is small by then.
        max_shrink_time: 8_000,
        // The reproduction goes into the failure message; no regression files are written.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ===================================================================== the world

#[derive(Debug, Clone)]
struct World {
    /// The time the world is set up at, in ms since the Unix epoch.
    start: i64,
    settings: Settings,
    queues: Vec<QueueConfig>,
    stations: Vec<StationConfig>,
    agents: Vec<AgentConfig>,
}

/// What the step generator needs to know about a world.
#[derive(Debug, Clone)]
struct Ctx {
    agents: usize,
    queues: usize,
    stations: usize,
    channels: Vec<Channel>,
    /// Whether admin (configuration) commands are drawn too.
    admin: bool,
}

impl World {
    fn ctx(&self, admin: bool) -> Ctx {
        Ctx {
            agents: self.agents.len(),
            queues: self.queues.len(),
            stations: self.stations.len(),
            channels: self.queues.iter().map(|q| q.channel).collect(),
            admin,
        }
    }
}

fn channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        3 => Just(Channel::Voice),
        3 => Just(Channel::Chat),
        2 => Just(Channel::Email),
        1 => Just(Channel::Callback),
    ]
}

fn any_channel() -> impl Strategy<Value = Channel> {
    prop::sample::select(Channel::VARIANTS.to_vec())
}

fn routing_strategy() -> impl Strategy<Value = RoutingStrategy> {
    prop::sample::select(vec![
        RoutingStrategy::LongestIdle,
        RoutingStrategy::RoundRobin,
        RoutingStrategy::FewestContacts,
        RoutingStrategy::HighestProficiencyFirst,
    ])
}

fn priority_handling() -> impl Strategy<Value = PriorityHandling> {
    prop_oneof![
        Just(PriorityHandling::Strict),
        Just(PriorityHandling::Fifo),
        (1u64..=10_000).prop_map(|ms_per_level| PriorityHandling::WeightedAge { ms_per_level }),
    ]
}

fn presence_policy() -> impl Strategy<Value = PresencePolicy> {
    let state = || prop::sample::select(POLICY_STATES.to_vec());
    (state(), state(), state()).prop_map(|(d, t, e)| PresencePolicy {
        state_on_decline: d,
        state_on_push_timeout: t,
        state_on_agent_error: e,
    })
}

fn dispositions() -> Vec<Disposition> {
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
const SPRING_2026_MS: i64 = 1_774_656_000_000;
/// 2026-10-24 00:00 UTC, a Saturday: Europe changes back on Sunday 25 October.
const AUTUMN_2026_MS: i64 = 1_792_800_000_000;
const HOUR_MS: i64 = 3_600_000;

/// Where a world's clock starts: the Unix epoch, or from the Saturday before a European DST
/// change to the Monday after.
fn start() -> impl Strategy<Value = i64> {
    prop_oneof![
        2 => Just(0i64),
        1 => (0..60 * HOUR_MS).prop_map(|ms| SPRING_2026_MS + ms),
        1 => (0..60 * HOUR_MS).prop_map(|ms| AUTUMN_2026_MS + ms),
    ]
}

/// Weekly open hours: always open, office hours, or short windows twice an hour (so the
/// schedule flips within a case).
fn open_hours() -> impl Strategy<Value = Vec<String>> {
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

fn holidays() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        4 => Just(Vec::new()),
        1 => prop::sample::select(vec![
            "1970-01-01", "1970-01-02", "2026-03-28", "2026-03-29", "2026-03-30",
            "2026-10-24", "2026-10-25", "2026-10-26",
        ])
        .prop_map(|d| vec![d.to_string()]),
    ]
}

fn shift_start() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (0u32..24, prop::sample::select(vec![0u32, 15, 30, 45]))
            .prop_map(|(h, m)| format!("{h:02}:{m:02}")),
        // In the spring gap (and the autumn overlap) of Europe/Budapest.
        1 => Just("02:30".to_string()),
    ]
}

fn callback_settings() -> BoxedStrategy<CallbackSettings> {
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
const ENDABLE_OUTCOMES: [DialOutcome; 8] = [
    DialOutcome::AnsweringMachine,
    DialOutcome::Busy,
    DialOutcome::Fax,
    DialOutcome::Modem,
    DialOutcome::Sit,
    DialOutcome::InvalidNumber,
    DialOutcome::NoAnswer,
    DialOutcome::WrongParty,
];

fn queue_config(id: String, channel: BoxedStrategy<Channel>) -> BoxedStrategy<QueueConfig> {
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
fn settings(tight: bool) -> BoxedStrategy<Settings> {
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

fn capacity_override() -> impl Strategy<Value = BTreeMap<Channel, u8>> {
    prop_oneof![
        6 => Just(BTreeMap::new()),
        1 => Just(BTreeMap::from([(Channel::Chat, 50)])),
        1 => Just(BTreeMap::from([(Channel::Email, 100)])),
        1 => Just(BTreeMap::from([(Channel::Chat, 25), (Channel::Email, 25)])),
        1 => Just(BTreeMap::from([(Channel::Voice, 40)])),
    ]
}

/// An agent serving `queues` (indexes into q0.., may be out of range: unknown queue).
fn agent_config(i: usize, queues: &[usize], proficiency: &[u8]) -> AgentConfig {
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

fn station_config(i: usize, offer_timeout: Option<u64>) -> StationConfig {
    let mut s = StationConfig::new(&format!("s{i}"), &format!("+36100{i}"));
    s.offer_timeout_ms = offer_timeout;
    s
}

/// The first queue's channel: voice or callback (which take callbacks) most of the time.
fn first_channel() -> impl Strategy<Value = Channel> {
    prop_oneof![
        3 => Just(Channel::Voice),
        2 => Just(Channel::Callback),
        1 => Just(Channel::Chat),
        1 => Just(Channel::Email),
    ]
}

fn world() -> impl Strategy<Value = World> {
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

// ===================================================================== the steps

/// Aim a command at something live when the step runs: the k-th (mod count) live offer,
/// open contact, agent or agent assignment, preferring those in a state the command suits.
#[derive(Debug, Clone, Copy)]
enum Live {
    /// An offline agent at a free station (Login).
    Login(usize),
    /// A logged-in agent (SetState, Logout, Dial).
    Agent(usize),
    Offer(usize),
    Contact(usize),
    Holding(usize),
    /// An open callback (send to queue, purge).
    Callback(usize),
    /// A queue that takes callbacks.
    CallbackQueue(usize),
    /// A parked session (unpark).
    Parked(usize),
}

// Test-only values, built once per step: boxing the command would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Action {
    /// Only let time pass (due timers fire).
    Advance,
    Run(Command, Option<Live>),
    /// The k-th agent (mod count) moves its work on, `choice` picking how (see [`work`]).
    Work {
        k: usize,
        choice: u8,
    },
}

#[derive(Debug, Clone)]
struct Step {
    /// How far the clock moves before the action, in ms.
    dt_ms: u64,
    action: Action,
}

fn dt() -> impl Strategy<Value = u64> {
    prop_oneof![
        50 => 0u64..=1_000,
        30 => 1_000u64..=10_000,
        10 => 10_000u64..=70_000,
        // Now and then hours pass: callback schedules and shifts flip.
        1 => 600_000u64..=26 * 3_600_000,
    ]
}

/// A time relative to the step's clock (commands are rebased when they run): mostly soon,
/// sometimes just past (rejected where the past is not allowed), hours or days ahead, or
/// more than a year ahead (rejected).
fn later() -> BoxedStrategy<i64> {
    prop_oneof![
        2 => -5_000i64..=0,
        10 => 1i64..=120_000,
        2 => 120_000i64..=2 * HOUR_MS,
        1 => 24 * HOUR_MS..=72 * HOUR_MS,
        1 => Just(400 * 24 * HOUR_MS),
    ]
    .boxed()
}

fn window_end() -> BoxedStrategy<Option<Timestamp>> {
    prop::option::weighted(0.25, (-10_000i64..=4 * HOUR_MS).prop_map(Timestamp)).boxed()
}

fn completion_status(n: usize) -> BoxedStrategy<CompletionStatus> {
    prop_oneof![
        3 => Just(CompletionStatus::Handled),
        2 => Just(CompletionStatus::AnsweringMachine),
        2 => Just(CompletionStatus::NoAnswer),
        2 => Just(CompletionStatus::Cancel),
        1 => Just(CompletionStatus::WrongDestination),
        2 => prop::sample::select(vec![
            CompletionStatus::Busy,
            CompletionStatus::Fax,
            CompletionStatus::Modem,
            CompletionStatus::Sit,
            CompletionStatus::InvalidNumber,
            CompletionStatus::WrongParty,
        ]),
        2 => (later(), prop::option::weighted(0.4, agent_id(n))).prop_map(|(due, agent)| {
            CompletionStatus::CallbackRequested {
                due: Timestamp(due),
                agent,
            }
        }),
    ]
    .boxed()
}

/// Generated times are relative to the clock; make them absolute at `now`.
fn rebase(command: &mut Command, now: Timestamp) {
    let shift = |t: &mut Timestamp| *t = Timestamp(t.millis().saturating_add(now.millis()));
    match command {
        Command::CreateCallback {
            due, window_end, ..
        } => {
            due.iter_mut().for_each(shift);
            window_end.iter_mut().for_each(shift);
        }
        Command::ScheduleCallback {
            due, window_end, ..
        } => {
            shift(due);
            window_end.iter_mut().for_each(shift);
        }
        Command::SetCompletion {
            status: CompletionStatus::CallbackRequested { due, .. },
            ..
        } => shift(due),
        _ => {}
    }
}

fn agent_id(n: usize) -> BoxedStrategy<AgentId> {
    prop_oneof![
        19 => (0..n).prop_map(|i| AgentId::new(&format!("a{i}"))),
        1 => Just(AgentId::new("ghost")),
    ]
    .boxed()
}

fn queue_id(m: usize) -> BoxedStrategy<QueueId> {
    prop_oneof![
        19 => (0..m).prop_map(|i| QueueId::new(&format!("q{i}"))),
        1 => Just(QueueId::new("nowhere")),
    ]
    .boxed()
}

fn station_id(s: usize) -> BoxedStrategy<StationId> {
    prop_oneof![
        19 => (0..s).prop_map(|i| StationId::new(&format!("s{i}"))),
        1 => Just(StationId::new("nowhere")),
    ]
    .boxed()
}

fn offer_lit() -> BoxedStrategy<OfferId> {
    (1u64..40).prop_map(OfferId).boxed()
}

fn contact_lit() -> BoxedStrategy<ContactId> {
    (1u64..30).prop_map(ContactId).boxed()
}

/// Any selectable state, Ready most often (agents that never return to Ready see no work).
fn selectable() -> impl Strategy<Value = SelectableState> {
    prop_oneof![
        3 => Just(SelectableState::Ready),
        2 => prop::sample::select(SELECTABLE.to_vec()),
    ]
}

fn cause() -> impl Strategy<Value = Option<String>> {
    prop::sample::select(vec![None, Some("486".to_string()), Some(String::new())])
}

fn reason() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        12 => Just(None),
        2 => Just(Some("Lunch".to_string())),
        1 => Just(Some("Training".to_string())),
        1 => Just(Some("Bogus".to_string())),
    ]
}

/// A command with a 75 % chance of being aimed at something live.
fn aimed(
    command: impl Strategy<Value = Command> + 'static,
    live: fn(usize) -> Live,
) -> BoxedStrategy<Action> {
    (command, prop::option::weighted(0.75, 0..64usize))
        .prop_map(move |(c, k)| Action::Run(c, k.map(live)))
        .boxed()
}

fn plain(command: impl Strategy<Value = Command> + 'static) -> BoxedStrategy<Action> {
    command.prop_map(|c| Action::Run(c, None)).boxed()
}

fn action(ctx: &Ctx) -> BoxedStrategy<Action> {
    let (n, m, s) = (ctx.agents, ctx.queues, ctx.stations);
    let agent = move || agent_id(n);
    let queue = move || queue_id(m);
    let station = move || station_id(s);
    let holding = move || (agent_id(n), contact_lit());
    let channels = ctx.channels.clone();
    let admin_channels = ctx.channels.clone();

    let mut arms: Vec<(u32, BoxedStrategy<Action>)> = vec![
        (6, Just(Action::Advance).boxed()),
        (
            20,
            (0..64usize, any::<u8>())
                .prop_map(|(k, choice)| Action::Work { k, choice })
                .boxed(),
        ),
        (
            5,
            aimed(
                (
                    agent(),
                    station(),
                    prop::option::weighted(0.5, selectable()),
                )
                    .prop_map(|(agent, station, state)| Command::Login {
                        agent,
                        station,
                        state,
                    }),
                Live::Login,
            ),
        ),
        (
            1,
            aimed(
                agent().prop_map(|agent| Command::Logout { agent }),
                Live::Agent,
            ),
        ),
        (
            8,
            aimed(
                (agent(), selectable(), reason()).prop_map(|(agent, state, reason)| {
                    Command::SetState {
                        agent,
                        state,
                        reason,
                    }
                }),
                Live::Agent,
            ),
        ),
        (
            2,
            aimed(
                (agent(), selectable(), reason()).prop_map(|(agent, state, reason)| {
                    Command::ForceState {
                        agent,
                        state,
                        reason,
                        by: "night desk (supervisor, key 2)".into(),
                    }
                }),
                Live::Agent,
            ),
        ),
        (
            14,
            aimed(
                offer_lit().prop_map(|offer| Command::Accept { offer }),
                Live::Offer,
            ),
        ),
        (
            3,
            aimed(
                offer_lit().prop_map(|offer| Command::Refuse { offer }),
                Live::Offer,
            ),
        ),
        (
            2,
            aimed(
                holding().prop_map(|(agent, contact)| Command::Hold { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                holding().prop_map(|(agent, contact)| Command::Resume { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                holding().prop_map(|(agent, contact)| Command::Consult { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                holding().prop_map(|(agent, contact)| Command::Conference { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                holding().prop_map(|(agent, contact)| Command::StartDial { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            6,
            aimed(
                holding().prop_map(|(agent, contact)| Command::End { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                (
                    holding(),
                    prop_oneof![
                        3 => Just(None),
                        1 => Just(Some("sale".to_string())),
                        1 => Just(Some("bogus".to_string())),
                    ],
                )
                    .prop_map(|((agent, contact), disposition)| Command::Suspend {
                        agent,
                        contact,
                        disposition,
                    }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                holding().prop_map(|(agent, contact)| Command::Park { agent, contact }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                (contact_lit(), prop::option::weighted(0.5, agent()))
                    .prop_map(|(contact, agent)| Command::Unpark { contact, agent }),
                Live::Parked,
            ),
        ),
        (
            6,
            aimed(
                (
                    holding(),
                    prop_oneof![
                        4 => Just(None),
                        2 => Just(Some("sale".to_string())),
                        1 => Just(Some("no_thanks".to_string())),
                        1 => Just(Some("call_later".to_string())),
                        1 => Just(Some("bogus".to_string())),
                    ],
                )
                    .prop_map(|((agent, contact), disposition)| {
                        Command::Complete {
                            agent,
                            contact,
                            disposition,
                        }
                    }),
                Live::Holding,
            ),
        ),
        (
            3,
            aimed(
                (
                    holding(),
                    prop_oneof![
                        queue().prop_map(TransferTarget::Queue),
                        agent().prop_map(TransferTarget::Agent),
                    ],
                )
                    .prop_map(|((agent, contact), target)| Command::Transfer {
                        agent,
                        contact,
                        target,
                    }),
                Live::Holding,
            ),
        ),
        (
            3,
            aimed(
                (
                    agent(),
                    prop::sample::select(vec!["+3615550", "+36 1 555 0101", ""]),
                    prop::option::weighted(0.3, queue()),
                )
                    .prop_map(|(agent, destination, queue)| Command::Dial {
                        agent,
                        destination: destination.to_string(),
                        queue,
                    }),
                Live::Agent,
            ),
        ),
        (
            12,
            plain(
                (
                    0..m,
                    prop::bool::weighted(0.1),
                    any_channel(),
                    prop::bool::weighted(0.05),
                    prop_oneof![10 => Just(0u16), 10 => 0u16..=1000, 1 => Just(1001u16)],
                    prop_oneof![
                        9 => prop::sample::select(vec!["+3611", "web:visitor"]),
                        1 => Just(""),
                    ],
                    prop::option::weighted(0.2, prop::sample::select(vec!["vip", "lang"])),
                )
                    .prop_map(
                        move |(q, mismatch, other, unknown, priority, from, attribute)| {
                            let channel = if mismatch { other } else { channels[q] };
                            let queue = if unknown {
                                QueueId::new("nowhere")
                            } else {
                                QueueId::new(&format!("q{q}"))
                            };
                            Command::CreateContact {
                                channel,
                                queue,
                                from: (*from).into(),
                                priority,
                                attributes: attribute
                                    .map(|k| BTreeMap::from([(k.to_string(), "1".to_string())]))
                                    .unwrap_or_default(),
                            }
                        },
                    ),
            ),
        ),
        (
            1,
            aimed(
                contact_lit().prop_map(|contact| Command::Abandon { contact }),
                Live::Contact,
            ),
        ),
        (
            8,
            aimed(
                offer_lit()
                    .prop_map(|offer| Command::Connector(ConnectorEvent::LegLinked { offer })),
                Live::Offer,
            ),
        ),
        (
            2,
            aimed(
                (
                    offer_lit(),
                    prop::sample::select(DeliveryFailure::VARIANTS.to_vec()),
                    cause(),
                )
                    .prop_map(|(offer, reason, cause_code)| {
                        Command::Connector(ConnectorEvent::LegFailed {
                            offer,
                            reason,
                            cause_code,
                        })
                    }),
                Live::Offer,
            ),
        ),
        (
            4,
            aimed(
                (
                    contact_lit(),
                    prop::sample::select(vec![AnsweredBy::Live, AnsweredBy::Machine]),
                )
                    .prop_map(|(contact, by)| {
                        Command::Connector(ConnectorEvent::Answered { contact, by })
                    }),
                Live::Contact,
            ),
        ),
        (
            2,
            aimed(
                (contact_lit(), cause()).prop_map(|(contact, cause_code)| {
                    Command::Connector(ConnectorEvent::DialFailed {
                        contact,
                        cause_code,
                    })
                }),
                Live::Contact,
            ),
        ),
        (
            3,
            aimed(
                (
                    contact_lit(),
                    prop::sample::select(DialOutcome::VARIANTS.to_vec()),
                    cause(),
                )
                    .prop_map(|(contact, outcome, cause_code)| {
                        Command::Connector(ConnectorEvent::DialOutcome {
                            contact,
                            outcome,
                            cause_code,
                        })
                    }),
                Live::Contact,
            ),
        ),
        (
            3,
            aimed(
                (
                    contact_lit(),
                    prop::sample::select(vec![HangupReason::Ended, HangupReason::Error]),
                    any::<bool>(),
                    prop::option::weighted(0.7, prop::sample::select(AGENT_STATUSES.to_vec())),
                    cause(),
                    prop::option::weighted(
                        0.6,
                        prop::sample::select(vec![EndedBy::Customer, EndedBy::Agent]),
                    ),
                )
                    .prop_map(
                        |(
                            contact,
                            reason,
                            close_call_on_error,
                            agent_status,
                            cause_code,
                            ended_by,
                        )| {
                            Command::Connector(ConnectorEvent::Hangup {
                                contact,
                                reason,
                                close_call_on_error,
                                agent_status,
                                cause_code,
                                ended_by,
                            })
                        },
                    ),
                Live::Contact,
            ),
        ),
        // --- callbacks (§8) ---
        (
            6,
            aimed(
                (
                    queue(),
                    prop_oneof![
                        9 => prop::sample::select(vec!["+3612", "+36 1 555 0102"]),
                        1 => Just(""),
                    ],
                    prop::option::weighted(0.5, later().prop_map(Timestamp)),
                    window_end(),
                    prop::option::weighted(0.25, agent()),
                )
                    .prop_map(|(queue, destination, due, window_end, agent)| {
                        Command::CreateCallback {
                            queue,
                            destination: destination.to_string(),
                            due,
                            window_end,
                            agent,
                        }
                    }),
                Live::CallbackQueue,
            ),
        ),
        (
            2,
            aimed(
                (
                    contact_lit(),
                    prop::option::weighted(0.3, Just("+3613".to_string())),
                )
                    .prop_map(|(contact, destination)| Command::ChooseCallback {
                        contact,
                        destination,
                    }),
                Live::Contact,
            ),
        ),
        (
            2,
            aimed(
                (
                    holding(),
                    prop::option::weighted(0.2, queue()),
                    later(),
                    window_end(),
                    any::<bool>(),
                )
                    .prop_map(
                        |((agent, contact), queue, due, window_end, reserve)| {
                            Command::ScheduleCallback {
                                agent,
                                contact: Some(contact),
                                destination: "+3614".to_string(),
                                queue,
                                due: Timestamp(due),
                                window_end,
                                reserve,
                            }
                        },
                    ),
                Live::Holding,
            ),
        ),
        (
            1,
            aimed(
                (
                    agent(),
                    prop::option::weighted(0.3, queue()),
                    later(),
                    any::<bool>(),
                )
                    .prop_map(|(agent, queue, due, reserve)| {
                        Command::ScheduleCallback {
                            agent,
                            contact: None,
                            destination: "+3615".to_string(),
                            queue,
                            due: Timestamp(due),
                            window_end: None,
                            reserve,
                        }
                    }),
                Live::Agent,
            ),
        ),
        (
            7,
            aimed(
                (holding(), completion_status(n)).prop_map(|((agent, contact), status)| {
                    Command::SetCompletion {
                        agent,
                        contact,
                        status,
                    }
                }),
                Live::Holding,
            ),
        ),
        (
            2,
            aimed(
                contact_lit().prop_map(|contact| Command::SendCallbackToQueue { contact }),
                Live::Callback,
            ),
        ),
        (
            1,
            aimed(
                contact_lit().prop_map(|contact| Command::PurgeCallback { contact }),
                Live::Callback,
            ),
        ),
        (
            1,
            aimed(
                queue().prop_map(|queue| Command::StopCallbacks { queue }),
                Live::CallbackQueue,
            ),
        ),
        (
            2,
            aimed(
                queue().prop_map(|queue| Command::StartCallbacks { queue }),
                Live::CallbackQueue,
            ),
        ),
        // --- the do-not-call list (issue 13): the callbacks' and dials' numbers ---
        (
            1,
            plain(
                prop::sample::subsequence(
                    vec!["+3612", "0036 1 555 0102", "+36 1 555 0101", "x"],
                    1..=2,
                )
                .prop_map(|numbers| Command::AddDoNotCall {
                    numbers: numbers.into_iter().map(String::from).collect(),
                }),
            ),
        ),
        (
            1,
            plain(
                prop::sample::select(vec!["+36 12", "+3615550102", "+3615550101"]).prop_map(
                    |number| Command::RemoveDoNotCall {
                        number: number.to_string(),
                    },
                ),
            ),
        ),
    ];
    if ctx.admin {
        let admin: Vec<(u32, BoxedStrategy<Action>)> = vec![
            (
                2,
                plain(
                    (
                        queue(),
                        prop::option::of(prop::option::of(prop::sample::select(vec![
                            "Flood",
                            "Power cut: we call you back",
                        ]))),
                    )
                        .prop_map(|(queue, emergency)| {
                            Command::SetQueueEmergency {
                                queue,
                                emergency: emergency.map(|message| QueueEmergency {
                                    message: message.map(str::to_string),
                                    set_by: Some("props (admin)".into()),
                                }),
                            }
                        }),
                ),
            ),
            (
                1,
                plain(settings(true).prop_map(Command::ConfigureSettings)),
            ),
            (
                1,
                plain((0..=m).prop_flat_map(move |j| {
                    // Reconfigure q{j} (mostly keeping its channel) or add a new queue q{m}.
                    let channel: BoxedStrategy<Channel> = match admin_channels.get(j) {
                        Some(c) => prop_oneof![4 => Just(*c), 1 => channel()].boxed(),
                        None => channel().boxed(),
                    };
                    queue_config(format!("q{j}"), channel)
                        .prop_map(|q| Command::ConfigureQueue(Box::new(q)))
                })),
            ),
            (
                1,
                plain(queue().prop_map(|queue| Command::RemoveQueue { queue })),
            ),
            (
                1,
                plain(
                    (
                        0..=n,
                        prop::collection::vec(0..=m, 0..=2),
                        prop::collection::vec(1u8..=10, 2),
                    )
                        .prop_map(|(i, mut qs, prof)| {
                            qs.dedup();
                            Command::ConfigureAgent(agent_config(i, &qs, &prof))
                        }),
                ),
            ),
            (
                1,
                plain(agent().prop_map(|agent| Command::RemoveAgent { agent })),
            ),
            (
                1,
                plain(
                    (0..=s, prop::option::weighted(0.5, 15_000u64..=60_000))
                        .prop_map(|(i, t)| Command::ConfigureStation(station_config(i, t))),
                ),
            ),
            (
                1,
                plain(station().prop_map(|station| Command::RemoveStation { station })),
            ),
        ];
        arms.extend(admin);
    }
    Union::new_weighted(arms).boxed()
}

fn steps(ctx: &Ctx) -> impl Strategy<Value = Vec<Step>> + use<> {
    prop::collection::vec(
        (dt(), action(ctx)).prop_map(|(dt_ms, action)| Step { dt_ms, action }),
        50..=300,
    )
}

fn case(admin: bool) -> impl Strategy<Value = (World, Vec<Step>)> {
    world().prop_flat_map(move |w| {
        let ctx = w.ctx(admin);
        (Just(w), steps(&ctx))
    })
}

// ===================================================================== live targeting

fn pick<T: Clone>(items: &[T], k: usize, preferred: impl Fn(&T) -> bool) -> Option<T> {
    let good: Vec<&T> = items.iter().filter(|x| preferred(x)).collect();
    if !good.is_empty() {
        return Some(good[k % good.len()].clone());
    }
    (!items.is_empty()).then(|| items[k % items.len()].clone())
}

fn live_offers(engine: &Engine) -> Vec<OfferView> {
    engine
        .agent_views()
        .filter_map(|a| a.offer)
        .filter_map(|o| engine.offer_view(o))
        .collect()
}

/// Replace the target of `command` by something live, per `live`.
fn retarget(command: &mut Command, live: Live, engine: &Engine) {
    match live {
        Live::Login(k) => {
            let agents: Vec<AgentView> = engine.agent_views().collect();
            let used: BTreeSet<&StationId> =
                agents.iter().filter_map(|a| a.station.as_ref()).collect();
            let free: Vec<StationId> = engine
                .station_configs()
                .map(|s| s.id.clone())
                .filter(|s| !used.contains(s))
                .collect();
            let Some(a) = pick(&agents, k, |a| a.station.is_none()) else {
                return;
            };
            if let Command::Login { agent, station, .. } = command {
                *agent = a.id;
                if let Some(s) = pick(&free, k, |_| true) {
                    *station = s;
                }
            }
        }
        Live::Agent(k) => {
            let agents: Vec<AgentView> = engine
                .agent_views()
                .filter(|a| a.station.is_some())
                .collect();
            let chosen = match command {
                Command::Dial { .. } => pick(&agents, k, |a| {
                    a.state == AgentState::OutgoingInteractions && a.contacts.is_empty()
                }),
                _ => pick(&agents, k, |_| true),
            };
            let Some(chosen) = chosen else { return };
            match command {
                Command::Logout { agent }
                | Command::SetState { agent, .. }
                | Command::ForceState { agent, .. }
                | Command::Dial { agent, .. }
                | Command::ScheduleCallback { agent, .. } => {
                    *agent = chosen.id;
                }
                _ => {}
            }
        }
        Live::Offer(k) => {
            let offers = live_offers(engine);
            let voice = |o: &OfferView| {
                engine
                    .contact_view(o.contact)
                    .is_some_and(|c| c.channel == Channel::Voice)
            };
            let chosen = match command {
                Command::Accept { .. } | Command::Refuse { .. } => {
                    pick(&offers, k, |o| !o.accepted)
                }
                Command::Connector(ConnectorEvent::LegLinked { .. }) => {
                    pick(&offers, k, |o| o.accepted && voice(o))
                }
                _ => pick(&offers, k, |_| true),
            };
            let Some(chosen) = chosen else { return };
            match command {
                Command::Accept { offer }
                | Command::Refuse { offer }
                | Command::Connector(ConnectorEvent::LegLinked { offer })
                | Command::Connector(ConnectorEvent::LegFailed { offer, .. }) => {
                    *offer = chosen.id;
                }
                _ => {}
            }
        }
        Live::Contact(k) => {
            let contacts: Vec<(ContactId, ContactState)> =
                engine.contact_views().map(|c| (c.id, c.state)).collect();
            let is_callback = |c: &ContactId| engine.callback_view(*c).is_some();
            let chosen = match command {
                Command::Connector(
                    ConnectorEvent::Answered { .. }
                    | ConnectorEvent::DialFailed { .. }
                    | ConnectorEvent::DialOutcome { .. },
                ) => pick(&contacts, k, |(_, s)| *s == ContactState::Dialing),
                // The customer missed the callback: one an agent is dialing or talking to.
                Command::Connector(ConnectorEvent::Hangup {
                    agent_status: Some(AgentStatus::MissedCallStatus),
                    ..
                }) => pick(&contacts, k, |(c, s)| {
                    is_callback(c) && (s.is_conversation() || *s == ContactState::Dialing)
                }),
                // A call waiting in a queue that takes callbacks.
                Command::ChooseCallback { .. } => pick(&contacts, k, |(c, s)| {
                    *s == ContactState::Queued
                        && !is_callback(c)
                        && engine
                            .contact_view(*c)
                            .is_some_and(|v| engine.callback_monitor(&v.queue).is_some())
                }),
                _ => pick(&contacts, k, |_| true),
            };
            let Some((chosen, _)) = chosen else { return };
            match command {
                Command::Abandon { contact }
                | Command::ChooseCallback { contact, .. }
                | Command::Connector(ConnectorEvent::Answered { contact, .. })
                | Command::Connector(ConnectorEvent::DialFailed { contact, .. })
                | Command::Connector(ConnectorEvent::DialOutcome { contact, .. })
                | Command::Connector(ConnectorEvent::Hangup { contact, .. }) => *contact = chosen,
                _ => {}
            }
        }
        Live::Parked(k) => {
            let parked: Vec<_> = engine
                .session_views()
                .into_iter()
                .filter(|v| v.state == SessionState::Parked)
                .collect();
            let Some(v) = pick(&parked, k, |_| true) else {
                return;
            };
            if let Command::Unpark { contact, agent } = command {
                *contact = v.contact;
                // An agent unparks as the one who parked it (it serves the queue).
                if agent.is_some() {
                    *agent = Some(v.agent);
                }
            }
        }
        Live::Callback(k) => {
            let callbacks: Vec<(ContactId, CallbackLocation)> = engine
                .callback_views(None, None)
                .into_iter()
                .map(|v| (v.id, v.location))
                .collect();
            let chosen = match command {
                Command::SendCallbackToQueue { .. } => {
                    pick(&callbacks, k, |(_, l)| *l == CallbackLocation::Pending)
                }
                Command::PurgeCallback { .. } => pick(&callbacks, k, |(_, l)| l.to_be_processed()),
                _ => pick(&callbacks, k, |_| true),
            };
            let Some((chosen, _)) = chosen else { return };
            match command {
                Command::SendCallbackToQueue { contact } | Command::PurgeCallback { contact } => {
                    *contact = chosen
                }
                _ => {}
            }
        }
        Live::CallbackQueue(k) => {
            let queues: Vec<(QueueId, CallbackStatus)> = engine
                .queue_views()
                .filter_map(|q| engine.callback_monitor(&q.id).map(|m| (q.id, m.status)))
                .collect();
            let chosen = match command {
                Command::StopCallbacks { .. } => {
                    pick(&queues, k, |(_, s)| *s != CallbackStatus::Stopped)
                }
                Command::StartCallbacks { .. } => {
                    pick(&queues, k, |(_, s)| *s == CallbackStatus::Stopped)
                }
                _ => pick(&queues, k, |_| true),
            };
            let Some((chosen, _)) = chosen else { return };
            match command {
                Command::CreateCallback { queue, .. }
                | Command::StopCallbacks { queue }
                | Command::StartCallbacks { queue } => *queue = chosen,
                _ => {}
            }
        }
        Live::Holding(k) => {
            let held: Vec<(AgentId, ContactId, ContactState)> = engine
                .agent_views()
                .flat_map(|a| {
                    a.contacts
                        .into_iter()
                        .map(move |(c, s)| (a.id.clone(), c, s))
                })
                .collect();
            let suits = |s: ContactState| match command {
                Command::Hold { .. } => s == ContactState::Handling,
                Command::Resume { .. } => matches!(
                    s,
                    ContactState::OnHold | ContactState::Consulting | ContactState::InConference
                ),
                Command::Consult { .. } => {
                    matches!(s, ContactState::Handling | ContactState::OnHold)
                }
                Command::Conference { .. } => {
                    matches!(s, ContactState::Handling | ContactState::Consulting)
                }
                Command::StartDial { .. } => s == ContactState::Preview,
                Command::End { .. } => {
                    s.is_conversation()
                        || matches!(s, ContactState::Preview | ContactState::Dialing)
                }
                Command::Complete { .. } => s == ContactState::WrapUp,
                Command::Suspend { .. } => {
                    matches!(s, ContactState::Handling | ContactState::WrapUp)
                }
                Command::Park { .. } => s == ContactState::Handling,
                Command::Transfer { .. } | Command::ScheduleCallback { .. } => s.is_conversation(),
                Command::SetCompletion {
                    status: CompletionStatus::Cancel,
                    ..
                } => s == ContactState::Dialing,
                Command::SetCompletion { .. } => s != ContactState::WrapUp,
                _ => true,
            };
            // A completion status is for a callback attempt; a suspend or park for email and
            // work items.
            let wants_callback = matches!(command, Command::SetCompletion { .. });
            let wants_mail = matches!(command, Command::Suspend { .. } | Command::Park { .. });
            let mail = |c: &ContactId| {
                engine
                    .contact_view(*c)
                    .is_some_and(|v| matches!(v.channel, Channel::Email | Channel::WorkItem))
            };
            let Some((a, c, _)) = pick(&held, k, |(_, c, s)| {
                suits(*s)
                    && (!wants_callback || engine.callback_view(*c).is_some())
                    && (!wants_mail || mail(c))
            }) else {
                return;
            };
            match command {
                Command::Hold { agent, contact }
                | Command::Resume { agent, contact }
                | Command::Consult { agent, contact }
                | Command::Conference { agent, contact }
                | Command::StartDial { agent, contact }
                | Command::End { agent, contact }
                | Command::Complete { agent, contact, .. }
                | Command::Suspend { agent, contact, .. }
                | Command::Park { agent, contact }
                | Command::Transfer { agent, contact, .. }
                | Command::SetCompletion { agent, contact, .. } => {
                    *agent = a;
                    *contact = c;
                }
                Command::ScheduleCallback { agent, contact, .. } => {
                    *agent = a;
                    *contact = Some(c);
                }
                _ => {}
            }
        }
    }
}

/// What the k-th agent does next with its work, `choice` picking among the sensible moves:
/// log in or go Ready; accept (mostly), refuse or link its offer; start a previewed dial;
/// have a dial answered live or by a machine, fail, be cancelled or missed; set a
/// callback's completion status or end the conversation; complete the wrap-up.
fn work(engine: &Engine, k: usize, choice: u8) -> Option<Command> {
    let agents: Vec<AgentView> = engine.agent_views().collect();
    let a = agents.get(k % agents.len().max(1))?;
    let agent = a.id.clone();
    let c = usize::from(choice);
    if a.station.is_none() {
        let used: BTreeSet<StationId> = agents.iter().filter_map(|v| v.station.clone()).collect();
        let station = engine
            .station_configs()
            .map(|s| s.id.clone())
            .find(|s| !used.contains(s))?;
        return Some(Command::Login {
            agent,
            station,
            state: Some(SelectableState::Ready),
        });
    }
    if let Some(offer) = a.offer.and_then(|o| engine.offer_view(o)) {
        return Some(match (offer.accepted, c % 8) {
            (true, _) => Command::Connector(ConnectorEvent::LegLinked { offer: offer.id }),
            (false, 0) => Command::Refuse { offer: offer.id },
            (false, _) => Command::Accept { offer: offer.id },
        });
    }
    let Some(&(contact, state)) = a.contacts.get(c % a.contacts.len().max(1)) else {
        return (a.state != AgentState::Ready).then_some(Command::SetState {
            agent,
            state: SelectableState::Ready,
            reason: None,
        });
    };
    let callback = engine.callback_view(contact).is_some();
    let c = c / 4;
    Some(match state {
        ContactState::Preview if c % 5 == 0 => Command::End { agent, contact },
        ContactState::Preview => Command::StartDial { agent, contact },
        ContactState::Dialing => match c % 8 {
            0..=2 => Command::Connector(ConnectorEvent::Answered {
                contact,
                by: AnsweredBy::Live,
            }),
            3 => Command::Connector(ConnectorEvent::Answered {
                contact,
                by: AnsweredBy::Machine,
            }),
            4 => Command::Connector(ConnectorEvent::DialFailed {
                contact,
                cause_code: None,
            }),
            7 if c % 3 == 0 => Command::Connector(ConnectorEvent::DialOutcome {
                contact,
                outcome: DialOutcome::VARIANTS[(c / 8) % DialOutcome::VARIANTS.len()],
                cause_code: None,
            }),
            5 if callback => Command::SetCompletion {
                agent,
                contact,
                status: CompletionStatus::Cancel,
            },
            6 => Command::Connector(ConnectorEvent::Hangup {
                contact,
                reason: HangupReason::Error,
                close_call_on_error: false,
                agent_status: Some(AgentStatus::MissedCallStatus),
                cause_code: None,
                ended_by: None,
            }),
            _ => Command::End { agent, contact },
        },
        ContactState::WrapUp => Command::Complete {
            agent,
            contact,
            disposition: None,
        },
        _ if callback && c % 2 == 0 => {
            let status = match (c / 2) % 7 {
                0 | 1 => CompletionStatus::Handled,
                2 => CompletionStatus::AnsweringMachine,
                3 => CompletionStatus::NoAnswer,
                4 => CompletionStatus::WrongDestination,
                5 => CompletionStatus::CallbackRequested {
                    due: engine.now().plus_ms(1_000 + 1_000 * c as u64),
                    agent: None,
                },
                _ => CompletionStatus::CallbackRequested {
                    due: engine.now().plus_ms(60_000),
                    agent: Some(agent.clone()),
                },
            };
            Command::SetCompletion {
                agent,
                contact,
                status,
            }
        }
        _ => Command::End { agent, contact },
    })
}

// ===================================================================== the harness

type Check = Result<(), String>;

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(non-text panic)".to_string())
}

/// The contact an event is about, if any.
fn event_contact(event: &Event) -> Option<ContactId> {
    event.contact()
}

/// §7: the (major, minor) pairs an input may close a contact (not a callback) with, and the
/// disposition. `scheduled`: an agent scheduled a callback from this contact.
fn closure_fits_cause(
    input: Option<&Command>,
    contact: ContactId,
    code: (u16, u16),
    disposition: &Option<String>,
    scheduled: bool,
) -> Check {
    // Any refused offer may hit the hop limit (38/21) or find its queue gone (32/0).
    const REQUEUE: &[(u16, u16)] = &[(38, 21), (32, 0)];
    let target = match input {
        Some(
            Command::Complete { contact, .. }
            | Command::Suspend { contact, .. }
            | Command::Park { contact, .. }
            | Command::Abandon { contact }
            | Command::ChooseCallback { contact, .. }
            | Command::Connector(
                ConnectorEvent::Hangup { contact, .. }
                | ConnectorEvent::DialFailed { contact, .. }
                | ConnectorEvent::DialOutcome { contact, .. },
            ),
        ) => Some(*contact),
        _ => None,
    };
    // Another contact closing as a side effect (e.g. the agent's pending logout withdrew
    // its offer and the contact hit its hop limit).
    let input = if target.is_some_and(|t| t != contact) {
        Some(&Command::Logout {
            agent: AgentId::new("-"),
        })
    } else {
        input
    };
    let allowed: &[(u16, u16)] = match input {
        // A queue set to close-waiting closes its waiting contacts when its hours end
        // (38, 15) or a holiday begins (38, 23).
        None => &[(59, 0), (38, 19), (38, 21), (32, 0), (38, 15), (38, 23)],
        // Close-waiting again: an emergency (38, 24), or a new schedule that closes it now.
        Some(Command::SetQueueEmergency { .. }) => &[(38, 24)],
        Some(Command::ConfigureQueue(q)) if q.when_closed == WhenClosed::CloseWaiting => {
            &[(38, 15), (38, 23)]
        }
        Some(Command::Complete {
            disposition: chosen,
            ..
        }) => {
            // "no_thanks" is the one no-interest disposition of the generated queues.
            let no_interest = chosen.as_deref() == Some("no_thanks");
            // §7: an agent rescheduled (scheduled a callback from the contact): (51, 0).
            let rescheduled = scheduled && !no_interest;
            let expected = if rescheduled {
                (51, 0)
            } else if no_interest {
                (55, 0)
            } else {
                (48, 0)
            };
            // An outbound dial that nobody answered closes (33, 6) instead.
            let unanswered = code == (33, 6) && !rescheduled;
            if (code != expected && !unanswered) || disposition != chosen {
                return Err(format!(
                    "completed with disposition {chosen:?} but closed {code:?} with {disposition:?}"
                ));
            }
            return Ok(());
        }
        Some(Command::Suspend {
            disposition: chosen,
            ..
        }) => {
            // Issue 13: a suspended phase closes (50, 0) with the disposition given.
            if code != (50, 0) || disposition != chosen {
                return Err(format!(
                    "suspended with disposition {chosen:?} but closed {code:?} with {disposition:?}"
                ));
            }
            return Ok(());
        }
        Some(Command::Park { .. }) => &[(61, 0)],
        // (62, 0): a parked customer's new email or work item is held.
        Some(Command::CreateContact { .. }) => &[
            (38, 7),
            (38, 14),
            (38, 15),
            (38, 17),
            (38, 23),
            (38, 24),
            (62, 0),
        ],
        // The contacts an unpark queues again meet the checks of an arrival.
        Some(Command::Unpark { .. }) => &[
            (38, 7),
            (38, 14),
            (38, 15),
            (38, 17),
            (38, 23),
            (38, 24),
            (62, 0),
        ],
        Some(
            Command::Abandon { .. }
            | Command::Connector(ConnectorEvent::Hangup {
                reason: HangupReason::Ended,
                ..
            }),
        ) => &[(40, 12), (37, 0), (49, 12), (49, 0)],
        Some(Command::Connector(ConnectorEvent::Hangup {
            reason: HangupReason::Error,
            close_call_on_error: true,
            ..
        })) => &[(52, 0)],
        // Kept open: back to the queue (hop limit), or closed if outbound (no queue to wait in).
        Some(Command::Connector(ConnectorEvent::Hangup { .. })) => &[(52, 0), (38, 21), (32, 0)],
        Some(Command::Connector(ConnectorEvent::DialFailed { .. })) => &[(35, 0)],
        // An outbound dial that reached no one: (33, the outcome's minor).
        Some(Command::Connector(ConnectorEvent::DialOutcome { outcome, .. })) => match outcome {
            DialOutcome::Busy => &[(33, 3)],
            DialOutcome::Fax => &[(33, 4)],
            DialOutcome::Modem => &[(33, 5)],
            DialOutcome::NoAnswer => &[(33, 6)],
            DialOutcome::Sit => &[(33, 8)],
            DialOutcome::InvalidNumber => &[(33, 9)],
            DialOutcome::WrongParty => &[(33, 13)],
            DialOutcome::Live | DialOutcome::AnsweringMachine => &[],
        },
        // §7: customer chose a callback while queued.
        Some(Command::ChooseCallback { .. }) => &[(51, 22)],
        // §7: the destination is on the do-not-call list: the dial is not made.
        Some(Command::Dial { .. }) => &[(58, 0)],
        Some(_) => REQUEUE,
    };
    if !allowed.contains(&code) {
        return Err(format!(
            "closed {code:?} by {}, which §7 does not give that code",
            input.map_or("a timer".to_string(), |c| format!("{c:?}"))
        ));
    }
    if disposition.is_some() {
        return Err(format!(
            "closed {code:?} with disposition {disposition:?} without a wrap-up"
        ));
    }
    Ok(())
}

/// §7 and §8: a completed callback's closure pair matches its end state, and the end state
/// fits the input that caused it. `last_counted_minor`: the minor of its last attempt, if
/// that attempt counted.
fn callback_closure_fits(
    input: Option<&Command>,
    contact: ContactId,
    end: CallbackEnd,
    code: (u16, u16),
    disposition: &Option<String>,
    last_counted_minor: Option<u16>,
    // It expired earlier (CallbackExpired): any input that would send it back completes it.
    already_expired: bool,
) -> Check {
    let pair_fits = match end {
        CallbackEnd::Handled => matches!(code, (48, 0) | (55, 0) | (59, 0)),
        CallbackEnd::WrongDestination => code == (48, 13),
        // Attempts exhausted: the minor of the last (counted) attempt.
        CallbackEnd::Failed => {
            code.0 == 33
                && Some(code.1) == last_counted_minor
                && matches!(code.1, 2 | 3 | 4 | 5 | 6 | 8 | 9 | 13)
        }
        CallbackEnd::Expired => code == (57, 0),
        CallbackEnd::Purged => code == (32, 0),
        // A call error closing it, or the hop limit.
        CallbackEnd::Error => matches!(code, (52, 0) | (38, 21) | (32, 0)),
        // The destination is on the do-not-call list.
        CallbackEnd::DoNotCall => code == (58, 0),
    };
    if !pair_fits {
        return Err(format!(
            "callback {contact} completed {} but closed {code:?} (last counted minor {last_counted_minor:?})",
            end.as_str()
        ));
    }
    let cause = || input.map_or("a timer".to_string(), |c| format!("{c:?}"));
    // The agent completing this callback's wrap-up, with the disposition chosen.
    let completed = match input {
        Some(Command::Complete {
            contact: c,
            disposition,
            ..
        }) if *c == contact => Some(disposition),
        _ => None,
    };
    let purged = matches!(input, Some(Command::PurgeCallback { contact: c }) if *c == contact);
    match end {
        CallbackEnd::Handled | CallbackEnd::WrongDestination | CallbackEnd::Failed => {
            match (completed, input) {
                (Some(chosen), _) => {
                    let no_interest = chosen.as_deref() == Some("no_thanks");
                    if end == CallbackEnd::Handled
                        && code != if no_interest { (55, 0) } else { (48, 0) }
                    {
                        return Err(format!(
                            "callback {contact} handled with disposition {chosen:?} but closed {code:?}"
                        ));
                    }
                    if disposition != chosen {
                        return Err(format!(
                            "callback {contact} completed with {chosen:?}, closed with {disposition:?}"
                        ));
                    }
                }
                // The wrap-up time limit.
                (None, None) => {
                    if end == CallbackEnd::Handled && code != (59, 0) {
                        return Err(format!(
                            "callback {contact} handled by a timer but closed {code:?}"
                        ));
                    }
                    if disposition.is_some() {
                        return Err(format!(
                            "callback {contact} closed by a timer with {disposition:?}"
                        ));
                    }
                }
                (None, Some(_)) => {
                    return Err(format!(
                        "callback {contact} completed {} by {}: only its wrap-up ends it so",
                        end.as_str(),
                        cause()
                    ));
                }
            }
        }
        CallbackEnd::Expired if completed.is_none() && input.is_some() && !already_expired => {
            return Err(format!("callback {contact} expired by {}", cause()));
        }
        CallbackEnd::Purged if !purged => {
            return Err(format!("callback {contact} purged by {}", cause()));
        }
        // Listed now, created listed, or due (a timer) while listed.
        CallbackEnd::DoNotCall
            if !matches!(
                input,
                None | Some(
                    Command::AddDoNotCall { .. }
                        | Command::Complete { .. }
                        | Command::CreateCallback { .. }
                        | Command::ScheduleCallback { .. }
                        | Command::ChooseCallback { .. }
                        | Command::SetCompletion { .. }
                        | Command::StartCallbacks { .. }
                        | Command::SendCallbackToQueue { .. }
                )
            ) =>
        {
            return Err(format!(
                "callback {contact} closed do-not-call by {}",
                cause()
            ));
        }
        CallbackEnd::Error if completed.is_some() || purged => {
            return Err(format!("callback {contact} ended as Error by {}", cause()));
        }
        _ => {}
    }
    let wrap_up_end = matches!(
        end,
        CallbackEnd::Handled | CallbackEnd::WrongDestination | CallbackEnd::Failed
    );
    if !wrap_up_end && disposition.is_some() {
        return Err(format!(
            "callback {contact} completed {} with disposition {disposition:?}",
            end.as_str()
        ));
    }
    Ok(())
}

/// The attempt state a completion status gives (§8), written out here.
fn attempt_state_of(status: &CompletionStatus) -> AttemptState {
    match status {
        CompletionStatus::Handled => AttemptState::Handled,
        CompletionStatus::AnsweringMachine => AttemptState::AnsweringMachine,
        CompletionStatus::NoAnswer => AttemptState::NoAnswer,
        CompletionStatus::Cancel => AttemptState::Cancel,
        CompletionStatus::CallbackRequested { .. } => AttemptState::CallbackRequested,
        CompletionStatus::WrongDestination => AttemptState::WrongDestination,
        CompletionStatus::Busy => AttemptState::Busy,
        CompletionStatus::Fax => AttemptState::Fax,
        CompletionStatus::Modem => AttemptState::Modem,
        CompletionStatus::Sit => AttemptState::Sit,
        CompletionStatus::InvalidNumber => AttemptState::InvalidNumber,
        CompletionStatus::WrongParty => AttemptState::WrongParty,
    }
}

/// The dial outcome an attempt state is (the states a queue's end_callback_on can name),
/// written out here.
fn outcome_of(state: AttemptState) -> Option<DialOutcome> {
    Some(match state {
        AttemptState::AnsweringMachine => DialOutcome::AnsweringMachine,
        AttemptState::NoAnswer => DialOutcome::NoAnswer,
        AttemptState::Busy => DialOutcome::Busy,
        AttemptState::Fax => DialOutcome::Fax,
        AttemptState::Modem => DialOutcome::Modem,
        AttemptState::Sit => DialOutcome::Sit,
        AttemptState::InvalidNumber => DialOutcome::InvalidNumber,
        AttemptState::WrongParty => DialOutcome::WrongParty,
        _ => return None,
    })
}

/// The wait after the `n`-th counted attempt (1-based): the last interval repeats.
fn recall_interval(settings: &CallbackSettings, n: u32) -> u64 {
    let i = (n.max(1) as usize - 1).min(settings.recall_intervals_ms.len() - 1);
    settings.recall_intervals_ms[i]
}

/// What the events say about one callback.
#[derive(Debug, Clone)]
struct CallbackLog {
    queue: QueueId,
    /// Attempts ended with `counted = true`.
    counted: u32,
    /// A live customer answered one of its attempts.
    reached: bool,
    /// The attempt started and not ended yet.
    open_attempt: Option<u32>,
    /// The number of its latest attempt of any kind (Aborted ones included).
    last_no: u32,
    /// The minor of its latest attempt, if that one counted.
    last_counted_minor: Option<u16>,
    /// The completion status set on the open attempt, and how its dial was answered.
    status: Option<CompletionStatus>,
    answered: Option<AnsweredBy>,
    end: Option<CallbackEnd>,
    /// Reserved for this agent until then (offered to nobody else meanwhile), and when the
    /// reservation was made.
    reserved: Option<(AgentId, Timestamp)>,
    reserved_at: Timestamp,
    /// When it expires, and whether it did (CallbackExpired).
    expires: Option<Timestamp>,
    expired: bool,
}

/// What the events say about a queue's callback process.
#[derive(Debug, Clone)]
struct QueueLog {
    settings: CallbackSettings,
    schedule: Schedule,
    shift: jiff::civil::Time,
    /// CLBK Stat per the latest CallbackStatusChanged.
    status: Option<CallbackStatus>,
    /// The shift counters recounted from the events since the latest ShiftStarted.
    counters: CallbackCounters,
}

/// The dump without its first line (`now …`): the clock is not journaled by itself.
fn without_clock(dump: &str) -> &str {
    dump.split_once('\n').map_or("", |(_, rest)| rest)
}

struct Harness {
    engine: Engine,
    /// A copy rebuilt from the journal half-way, driven alongside from then on.
    shadow: Option<Engine>,
    now: i64,
    /// The latest input time so far: the engine's clock.
    clock: Timestamp,
    journal: Vec<EventRecord>,
    trace: Vec<String>,
    arrived: BTreeSet<ContactId>,
    arrived_events: u64,
    closed: BTreeMap<ContactId, u32>,
    closed_events: u64,
    offers: BTreeSet<OfferId>,
    refusals: u64,
    refusals_by_reason: BTreeMap<String, u64>,
    /// Wrap-ups of contacts that moved on (transfer): they may end after the contact closed.
    detached: BTreeSet<(ContactId, AgentId)>,
    /// The input whose outputs are being drained; `None`: timers.
    input: Option<Command>,
    /// Each agent's shown state and reason per its AgentStateChanged events.
    shown: BTreeMap<AgentId, (AgentState, Option<String>)>,
    /// Refusing agents kept from a contact (per OfferRefused) until ExclusionEnded,
    /// a connect or the close.
    excluded: BTreeMap<(ContactId, AgentId), Timestamp>,
    /// Every callback created, per the events.
    callbacks: BTreeMap<ContactId, CallbackLog>,
    /// Callbacks completed by the input being drained, awaiting their ContactClosed.
    completing: BTreeMap<ContactId, CallbackEnd>,
    /// A counted attempt just ended: the callback must now be recalled at this time (§8
    /// Recall Intervals), or complete (`None`: as Failed, the limit is reached).
    after_counted: Option<(ContactId, Option<Timestamp>)>,
    /// A Callback Requested attempt just ended: the callback must now be Pending until the
    /// requested time, reserved for the requested agent (if any) until the fallback.
    after_requested: Option<(ContactId, Timestamp, Option<AgentId>)>,
    /// Contacts an agent scheduled a callback from.
    scheduled_from: BTreeSet<ContactId>,
    /// Queues that take callbacks, per their QueueConfigured events.
    callback_queues: BTreeMap<QueueId, QueueLog>,
    /// Queues whose callbacks left Active during the input being drained.
    left_active: BTreeSet<QueueId>,
    /// Each contact's entrance per its latest ContactQueued or CallbackCreated.
    entrances: BTreeMap<ContactId, Timestamp>,
}

impl Harness {
    fn new(world: &World) -> Result<Self, String> {
        let mut h = Harness {
            engine: Engine::new(Settings::default()),
            shadow: None,
            now: 0,
            clock: Timestamp::ZERO,
            journal: Vec::new(),
            trace: Vec::new(),
            arrived: BTreeSet::new(),
            arrived_events: 0,
            closed: BTreeMap::new(),
            closed_events: 0,
            offers: BTreeSet::new(),
            refusals: 0,
            refusals_by_reason: BTreeMap::new(),
            detached: BTreeSet::new(),
            input: None,
            shown: BTreeMap::new(),
            excluded: BTreeMap::new(),
            callbacks: BTreeMap::new(),
            completing: BTreeMap::new(),
            after_counted: None,
            after_requested: None,
            scheduled_from: BTreeSet::new(),
            callback_queues: BTreeMap::new(),
            left_active: BTreeSet::new(),
            entrances: BTreeMap::new(),
        };
        h.now = world.start;
        // Settings go in as a command so the journal carries them (Engine::new does not).
        let mut setup = vec![Command::ConfigureSettings(world.settings.clone())];
        setup.extend(
            world
                .queues
                .iter()
                .cloned()
                .map(|q| Command::ConfigureQueue(Box::new(q))),
        );
        setup.extend(
            world
                .stations
                .iter()
                .cloned()
                .map(Command::ConfigureStation),
        );
        setup.extend(world.agents.iter().cloned().map(Command::ConfigureAgent));
        for command in setup {
            if let Err(r) = h.command(command)? {
                return Err(format!("world setup rejected: {r}"));
            }
        }
        Ok(h)
    }

    /// Fail with the message and the reproduction so far.
    fn failure(&self, message: &str) -> TestCaseError {
        let mut text =
            format!("{message}\n--- reproduction (time in ms; inputs, results, events) ---\n");
        for line in &self.trace {
            text.push_str(line);
            text.push('\n');
        }
        TestCaseError::fail(text)
    }

    /// Move the clock to `t`, firing due timers in deadline order, each at its own time.
    fn advance(&mut self, t: i64) -> Check {
        let until = Timestamp(t);
        // Firings at one deadline: each must end its timer, so the next deadline is later.
        let mut fired = (Timestamp::ZERO, 0);
        while let Some(d) = self.engine.poll_timeout()
            && d <= until
        {
            fired = if fired.0 == d {
                (d, fired.1 + 1)
            } else {
                (d, 1)
            };
            if fired.1 > 100 {
                return Err(format!(
                    "timers keep coming due at {d}: handle_timeout loops"
                ));
            }
            if let Some(shadow) = &self.shadow
                && shadow.poll_timeout() != Some(d)
            {
                return Err(format!(
                    "replayed copy's next timeout {:?} != live {d}",
                    shadow.poll_timeout()
                ));
            }
            self.trace.push(format!("{:>9} (timers due)", d.millis()));
            self.input = None;
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| self.engine.handle_timeout(d))) {
                return Err(format!(
                    "engine panicked in handle_timeout({d}): {}",
                    panic_message(&*p)
                ));
            }
            if let Some(shadow) = &mut self.shadow {
                shadow.handle_timeout(d);
            }
            // Every timer stands for live state and firing it emits the events that end it:
            // one that fires silently stays in a replayed engine.
            if self.engine.pending_outputs() == 0 {
                return Err(format!(
                    "the timer due at {d} fired and emitted nothing: it was stale"
                ));
            }
            self.drain(d)?;
            self.check()?;
        }
        self.now = t;
        Ok(())
    }

    /// A driver tick with nothing due: "calling handle_timeout early is harmless".
    fn tick(&mut self) -> Check {
        let at = Timestamp(self.now);
        self.input = None;
        self.engine.handle_timeout(at);
        if let Some(shadow) = &mut self.shadow {
            shadow.handle_timeout(at);
        }
        if self.engine.pending_outputs() != 0 {
            return Err(format!(
                "handle_timeout({at}) with nothing due emitted {} output(s)",
                self.engine.pending_outputs()
            ));
        }
        self.drain(at)?;
        self.check()
    }

    /// Run one command at the current time; `Err` is a failed check, `Ok(Err)` a rejection.
    fn command(&mut self, command: Command) -> Result<Result<Receipt, Rejection>, String> {
        // Like the real driver, fire what is due first (the engine would fire it itself at the
        // start of the command, and then a rejection would follow the timers' output).
        self.advance(self.now)?;
        let at = Timestamp(self.now);
        let pending_before = self.engine.pending_outputs();
        let dump_before = self.engine.dump();
        let line = format!("{:>9} {command:?}", self.now);
        // Commands come in as JSON (HTTP API, scenario files): they must read back the same.
        let json = serde_json::to_string(&command).map_err(|e| e.to_string())?;
        let back: Result<Command, _> = serde_json::from_str(&json);
        if back.as_ref().ok() != Some(&command) {
            return Err(format!("command does not survive JSON: {json} -> {back:?}"));
        }
        self.input = Some(command.clone());
        let result = match catch_unwind(AssertUnwindSafe(|| {
            self.engine.handle_command(at, command.clone())
        })) {
            Ok(result) => result,
            Err(p) => {
                self.trace.push(format!("{line} -> PANIC"));
                return Err(format!(
                    "engine panicked in handle_command: {}",
                    panic_message(&*p)
                ));
            }
        };
        match &result {
            Ok(_) => self.trace.push(format!("{line} -> ok")),
            Err(r) => self
                .trace
                .push(format!("{line} -> rejected {}: {r}", r.code())),
        }
        if let Some(shadow) = &mut self.shadow {
            let shadow_result = shadow.handle_command(at, command.clone());
            if shadow_result != result {
                return Err(format!(
                    "replayed copy answered {shadow_result:?}, live {result:?}"
                ));
            }
        }
        if let Err(r) = &result {
            if self.engine.pending_outputs() != pending_before {
                return Err(format!(
                    "rejected command ({}) emitted {} output(s)",
                    r.code(),
                    self.engine.pending_outputs() - pending_before
                ));
            }
            if without_clock(&self.engine.dump()) != without_clock(&dump_before) {
                return Err(format!("rejected command ({}) changed the state", r.code()));
            }
        }
        let arrivals = self.drain(at)?;
        if let Ok(receipt) = &result {
            let creates = matches!(
                command,
                Command::CreateContact { .. }
                    | Command::Dial { .. }
                    | Command::CreateCallback { .. }
                    | Command::ChooseCallback { .. }
                    | Command::ScheduleCallback { .. }
                    | Command::Unpark { .. }
            );
            // Issue 13: a customer's drop may be rescheduled as a callback, which it names.
            let drops = matches!(
                command,
                Command::Abandon { .. }
                    | Command::Connector(ConnectorEvent::Hangup {
                        reason: HangupReason::Ended,
                        ..
                    })
            );
            match receipt.contact {
                Some(c) if (creates || drops) && arrivals.first() == Some(&c) => {}
                None if !creates && arrivals.is_empty() => {}
                other => {
                    return Err(format!(
                        "receipt names {other:?} but the command's arrivals are {arrivals:?}"
                    ));
                }
            }
        }
        self.check()?;
        Ok(result)
    }

    /// Drain outputs of an input at `at`, checking each; returns the contacts that arrived.
    fn drain(&mut self, at: Timestamp) -> Result<Vec<ContactId>, String> {
        // Time never goes back: an input dated earlier (an overdue timer) happens now.
        self.clock = self.clock.max(at);
        if self.engine.now() != self.clock {
            return Err(format!(
                "engine clock {} after an input at {at}, expected {}",
                self.engine.now(),
                self.clock
            ));
        }
        let mut outputs = Vec::new();
        while let Some(output) = self.engine.poll_output() {
            outputs.push(output);
        }
        if let Some(shadow) = &mut self.shadow {
            let mut shadow_outputs = Vec::new();
            while let Some(output) = shadow.poll_output() {
                shadow_outputs.push(output);
            }
            if shadow_outputs != outputs {
                return Err(format!(
                    "replayed copy emitted\n{shadow_outputs:#?}\nlive engine emitted\n{outputs:#?}"
                ));
            }
        }
        let mut arrivals = Vec::new();
        for output in outputs {
            match output {
                Output::Event(record) => {
                    self.trace.push(format!("{:>9}   {}", "", record.event));
                    if record.at != self.clock {
                        return Err(format!(
                            "event at {} from an input at {at} (clock {}): {}",
                            record.at, self.clock, record.event
                        ));
                    }
                    if let Event::ContactArrived { contact, .. } = &record.event {
                        arrivals.push(*contact);
                    }
                    // The journal is stored as JSON: every record must read back the same.
                    let json = serde_json::to_string(&record).map_err(|e| e.to_string())?;
                    let back: Result<EventRecord, _> = serde_json::from_str(&json);
                    if back.as_ref().ok() != Some(&record) {
                        return Err(format!("event does not survive JSON: {json} -> {back:?}"));
                    }
                    self.observe(&record.event)?;
                    self.journal.push(record);
                }
                Output::Connector(request) => {
                    self.trace.push(format!("{:>9}   {request}", ""));
                    self.observe_request(&request)?;
                }
            }
        }
        self.left_active.clear();
        if let Some((contact, end)) = self.completing.pop_first() {
            return Err(format!(
                "callback {contact} completed {} without its ContactClosed",
                end.as_str()
            ));
        }
        if let Some((contact, due, _)) = self.after_requested.take() {
            return Err(format!(
                "callback {contact}: Callback Requested for {due}, but it was not rescheduled"
            ));
        }
        if let Some((contact, due)) = self.after_counted.take() {
            return Err(format!(
                "callback {contact}: a counted attempt ended, but it was neither recalled ({due:?}) nor completed"
            ));
        }
        Ok(arrivals)
    }

    /// Per-event checks and recounts.
    fn observe(&mut self, event: &Event) -> Check {
        if let Some(contact) = event_contact(event) {
            let arrival = matches!(event, Event::ContactArrived { .. });
            if arrival && self.arrived.contains(&contact) {
                return Err(format!("contact {contact} arrived twice"));
            }
            if !arrival && !self.arrived.contains(&contact) {
                return Err(format!(
                    "event about {contact}, which never arrived: {event}"
                ));
            }
            if self.closed.contains_key(&contact) {
                // A transferred contact's former agent may still finish its wrap-up.
                let detached_wrap_up = matches!(event,
                    Event::WrapUpCompleted { agent, .. }
                        if self.detached.contains(&(contact, agent.clone())));
                if !detached_wrap_up {
                    return Err(format!("event about {contact} after it closed: {event}"));
                }
            }
        }
        match event {
            Event::ContactArrived { contact, .. } => {
                self.arrived.insert(*contact);
                self.arrived_events += 1;
            }
            Event::ContactClosed {
                contact,
                code,
                disposition,
                ..
            } => {
                self.closed_events += 1;
                *self.closed.entry(*contact).or_insert(0) += 1;
                if closure::major(code.major.0).is_none() || closure::minor(code.minor.0).is_none()
                {
                    return Err(format!(
                        "contact {contact} closed with ({}, {}), not in the closure catalog",
                        code.major.0, code.minor.0
                    ));
                }
                let pair = (code.major.0, code.minor.0);
                if let Some(log) = self.callbacks.get(contact) {
                    // Every callback closes through its completion record, just before.
                    let Some(end) = self.completing.remove(contact) else {
                        return Err(format!(
                            "callback {contact} closed {pair:?} without a CallbackCompleted"
                        ));
                    };
                    callback_closure_fits(
                        self.input.as_ref(),
                        *contact,
                        end,
                        pair,
                        disposition,
                        log.last_counted_minor,
                        log.expired,
                    )?;
                } else {
                    closure_fits_cause(
                        self.input.as_ref(),
                        *contact,
                        pair,
                        disposition,
                        self.scheduled_from.contains(contact),
                    )
                    .map_err(|e| format!("contact {contact}: {e}"))?;
                }
                self.excluded.retain(|(c, _), _| c != contact);
            }
            Event::OfferCreated {
                offer,
                contact,
                agent,
                ..
            } => {
                if !self.offers.insert(*offer) {
                    return Err(format!("offer id {offer} created twice"));
                }
                let transfer = matches!(
                    self.input,
                    Some(Command::Transfer {
                        target: TransferTarget::Agent(_),
                        ..
                    })
                );
                if let Some(until) = self.excluded.get(&(*contact, agent.clone()))
                    && !transfer
                {
                    return Err(format!(
                        "{contact} offered to {agent}, who refused it and is excluded until {until} (§6)"
                    ));
                }
            }
            Event::ExclusionEnded { contact, agent } => {
                self.excluded.remove(&(*contact, agent.clone()));
            }
            Event::ContactConnected { contact, .. } => {
                self.excluded.retain(|(c, _), _| c != contact);
            }
            Event::AgentConfigured { agent } => {
                self.shown
                    .entry(agent.id.clone())
                    .or_insert((AgentState::Offline, None));
            }
            Event::AgentRemoved { agent } => {
                self.shown.remove(agent);
            }
            Event::AgentStateChanged {
                agent,
                state,
                reason,
                ..
            } => {
                let now = (*state, reason.clone());
                if self.shown.get(agent) == Some(&now) {
                    return Err(format!(
                        "agent {agent} state changed to {state} {reason:?}, which it already showed"
                    ));
                }
                self.shown.insert(agent.clone(), now);
            }
            Event::OfferRefused { offer, reason, .. } => {
                self.refusals += 1;
                let name = reason.as_str();
                if !REFUSAL_NAMES.contains(&name)
                    || !RefusalReason::VARIANTS.iter().any(|r| r.as_str() == name)
                    || RefusalReason::parse(name) != Some(*reason)
                {
                    return Err(format!("refusal reason {name:?} is not one of §6"));
                }
                let serialized = serde_json::to_value(reason).map_err(|e| e.to_string())?;
                if serialized != serde_json::Value::String(name.to_string()) {
                    return Err(format!(
                        "refusal reason {name:?} serializes as {serialized}"
                    ));
                }
                *self.refusals_by_reason.entry(name.to_string()).or_insert(0) += 1;
                if let Event::OfferRefused {
                    contact,
                    agent,
                    excluded_until,
                    ..
                } = event
                    && *excluded_until > self.clock
                {
                    self.excluded
                        .insert((*contact, agent.clone()), *excluded_until);
                }
                if let Some(offer) = offer
                    && !self.offers.contains(offer)
                {
                    return Err(format!("refusal of never-created offer {offer}"));
                }
            }
            Event::WrapUpStarted {
                contact,
                agent,
                detached: true,
                ..
            } => {
                self.detached.insert((*contact, agent.clone()));
            }
            Event::WrapUpCompleted { contact, agent, .. }
            | Event::ContactReleased { contact, agent } => {
                self.detached.remove(&(*contact, agent.clone()));
            }
            _ => {}
        }
        self.observe_callback(event)
    }

    /// A callback is created as its command asked (§8): the queue (by default the contact's,
    /// else the agent's first that takes callbacks), due no earlier than now, expiring at
    /// the earlier of max age and window end, reserved until due + the fallback delay.
    fn check_creation(&self, event: &Event) -> Check {
        let Event::CallbackCreated {
            contact: id,
            queue: created_in,
            due: created_due,
            reserved,
            expires,
            ..
        } = event
        else {
            return Ok(());
        };
        let now = self.clock;
        let (queue, due, window_end, reserve) = match &self.input {
            Some(Command::CreateCallback {
                queue,
                due,
                window_end,
                agent,
                ..
            }) => (Some(queue.clone()), *due, *window_end, agent.clone()),
            Some(Command::ScheduleCallback {
                agent,
                contact,
                queue,
                due,
                window_end,
                reserve,
                ..
            }) => {
                // A transferred contact's wrap-up keeps the queue the agent handled it in,
                // which the views no longer show: no expectation then.
                if contact.is_some_and(|c| self.detached.contains(&(c, agent.clone()))) {
                    return Ok(());
                }
                let from = contact
                    .and_then(|c| self.engine.contact_view(c))
                    .map(|c| c.queue);
                let first = self
                    .engine
                    .agent_configs()
                    .find(|a| &a.id == agent)
                    .and_then(|a| {
                        a.queues
                            .iter()
                            .find(|s| self.callback_queues.contains_key(&s.queue))
                            .map(|s| s.queue.clone())
                    });
                let queue = queue.clone().or(from).or(first);
                (
                    queue,
                    Some(*due),
                    *window_end,
                    reserve.then(|| agent.clone()),
                )
            }
            // Issue 13: a dropped call rescheduled after its queue's reschedule_dropped_ms.
            Some(
                Command::Abandon { .. }
                | Command::Connector(ConnectorEvent::Hangup {
                    reason: HangupReason::Ended,
                    ..
                }),
            ) => {
                let after = self
                    .engine
                    .queue_configs()
                    .find(|q| &q.id == created_in)
                    .and_then(|q| q.reschedule_dropped_ms)
                    .ok_or_else(|| {
                        format!("callback {id} rescheduled in {created_in}, which does not")
                    })?;
                (
                    Some(created_in.clone()),
                    Some(now.plus_ms(after)),
                    None,
                    None,
                )
            }
            _ => (None, None, None, None),
        };
        let Some(settings) = self.callback_queues.get(created_in).map(|q| &q.settings) else {
            return Err(format!(
                "callback {id} created in {created_in} without callbacks"
            ));
        };
        let expected_due = due.unwrap_or(now).max(now);
        let max_age = settings.max_age_ms.map(|ms| now.plus_ms(ms));
        let expected_expires = match (max_age, window_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let expected_reserved =
            reserve.map(|a| (a, expected_due.plus_ms(settings.reserved_fallback_ms)));
        if queue.as_ref().is_some_and(|q| q != created_in)
            || *created_due != expected_due
            || *expires != expected_expires
            || *reserved != expected_reserved
        {
            return Err(format!(
                "callback {id} created in {created_in} due {created_due} expires {expires:?} reserved {reserved:?}; asked for {queue:?} due {expected_due} expires {expected_expires:?} reserved {expected_reserved:?}"
            ));
        }
        Ok(())
    }

    /// Per-event checks and recounts of the callback process (§8).
    fn observe_callback(&mut self, event: &Event) -> Check {
        let at = self.clock;
        // The open callback an event is about.
        let open = |h: &mut Self, contact: &ContactId| -> Result<(), String> {
            match h.callbacks.get(contact) {
                None => Err(format!(
                    "callback event about {contact}, not a callback: {event}"
                )),
                Some(log) if log.end.is_some() => Err(format!(
                    "callback event about {contact} after it completed: {event}"
                )),
                Some(_) => Ok(()),
            }
        };
        match event {
            Event::QueueConfigured { queue } => match &queue.callbacks {
                Some(settings) => {
                    let (schedule, shift) = settings.compile("callbacks").map_err(|e| {
                        format!("accepted queue {} has bad callbacks: {e}", queue.id)
                    })?;
                    let log = self
                        .callback_queues
                        .entry(queue.id.clone())
                        .or_insert_with(|| QueueLog {
                            settings: settings.clone(),
                            schedule: schedule.clone(),
                            shift,
                            status: None,
                            counters: CallbackCounters::default(),
                        });
                    log.settings = settings.clone();
                    log.schedule = schedule;
                    log.shift = shift;
                }
                None => {
                    self.callback_queues.remove(&queue.id);
                }
            },
            Event::QueueRemoved { queue } => {
                self.callback_queues.remove(queue);
            }
            Event::CallbackStatusChanged { queue, status, .. } => {
                let log = self
                    .callback_queues
                    .get_mut(queue)
                    .ok_or_else(|| format!("CLBK Stat of {queue}, which takes no callbacks"))?;
                if log.status == Some(CallbackStatus::Active) && *status != CallbackStatus::Active {
                    self.left_active.insert(queue.clone());
                }
                log.status = Some(*status);
            }
            Event::ShiftStarted { queue, .. } => {
                let log = self
                    .callback_queues
                    .get_mut(queue)
                    .ok_or_else(|| format!("shift of {queue}, which takes no callbacks"))?;
                log.counters = CallbackCounters::default();
            }
            Event::CallbackCreated {
                contact,
                queue,
                from_contact,
                origin,
                reserved,
                expires,
                entrance,
                ..
            } => {
                if self.callbacks.contains_key(contact) {
                    return Err(format!("callback {contact} created twice"));
                }
                if !self.callback_queues.contains_key(queue) {
                    return Err(format!(
                        "callback {contact} created in {queue}, which takes no callbacks"
                    ));
                }
                self.callbacks.insert(
                    *contact,
                    CallbackLog {
                        queue: queue.clone(),
                        counted: 0,
                        reached: false,
                        open_attempt: None,
                        last_no: 0,
                        last_counted_minor: None,
                        status: None,
                        answered: None,
                        end: None,
                        reserved: reserved.clone(),
                        reserved_at: at,
                        expires: *expires,
                        expired: false,
                    },
                );
                if let Some(from) = from_contact {
                    self.scheduled_from.insert(*from);
                }
                self.check_creation(event)?;
                // §8 (a): a customer's callback keeps the call's place in the queue.
                if let Some(Command::ChooseCallback { contact: call, .. }) = &self.input
                    && *origin == CallbackOrigin::Customer
                    && self.entrances.get(call) != Some(entrance)
                {
                    return Err(format!(
                        "callback {contact} chosen from {call} enters at {entrance}, the call at {:?}",
                        self.entrances.get(call)
                    ));
                }
                self.entrances.insert(*contact, *entrance);
            }
            Event::ContactQueued {
                contact, entrance, ..
            } => {
                self.entrances.insert(*contact, *entrance);
            }
            Event::OfferCreated { contact, agent, .. } => {
                if let Some((reserved, until)) = self
                    .callbacks
                    .get(contact)
                    .and_then(|log| log.reserved.as_ref())
                    && reserved != agent
                {
                    return Err(format!(
                        "callback {contact} reserved for {reserved} until {until} offered to {agent}"
                    ));
                }
            }
            Event::ReservationEnded { contact } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                // At its end, or at once if that had passed when it was made.
                match log.reserved.take() {
                    Some((_, until)) if until.max(log.reserved_at) == at => {}
                    other => {
                        return Err(format!(
                            "callback {contact} reservation ended at {at}, reserved {other:?}"
                        ));
                    }
                }
            }
            Event::CallbackExpired { contact } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if log.expired || log.expires != Some(at) {
                    return Err(format!(
                        "callback {contact} expired at {at}; expires {:?}, expired before: {}",
                        log.expires, log.expired
                    ));
                }
                log.expired = true;
            }
            Event::ContactStateChanged {
                contact,
                answered_by: Some(by),
                ..
            } => {
                if let Some(log) = self.callbacks.get_mut(contact) {
                    if log.open_attempt.is_none() {
                        return Err(format!("callback {contact} answered outside an attempt"));
                    }
                    log.answered = Some(*by);
                    log.reached |= *by == AnsweredBy::Live;
                }
            }
            Event::AttemptStarted {
                contact, attempt, ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if log.open_attempt.is_some() || *attempt != log.last_no + 1 {
                    return Err(format!(
                        "callback {contact} attempt {attempt} started; open {:?}, last {}",
                        log.open_attempt, log.last_no
                    ));
                }
                log.open_attempt = Some(*attempt);
                log.last_no = *attempt;
                log.status = None;
                log.answered = None;
            }
            Event::AttemptDialing { contact, .. } => {
                open(self, contact)?;
                if self.callbacks[contact].open_attempt.is_none() {
                    return Err(format!("callback {contact} dials outside an attempt"));
                }
            }
            Event::CompletionStatusSet {
                contact, status, ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if log.open_attempt.is_none() {
                    return Err(format!(
                        "callback {contact} completion set outside an attempt"
                    ));
                }
                log.status = Some(status.clone());
            }
            Event::AttemptEnded {
                contact,
                attempt,
                agent,
                state,
                minor,
                counted,
                dial_started,
                ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                // §8: only the dial outcomes count (Answering Machine, No Answer, Busy, …);
                // never Aborted or Cancel.
                let counts = outcome_of(*state).is_some();
                if *counted != counts {
                    return Err(format!(
                        "callback {contact} attempt {attempt} {} counted = {counted}",
                        state.as_str()
                    ));
                }
                let expected_minor = match state {
                    AttemptState::AnsweringMachine => 2,
                    AttemptState::Busy => 3,
                    AttemptState::Fax => 4,
                    AttemptState::Modem => 5,
                    AttemptState::NoAnswer => 6,
                    AttemptState::Sit => 8,
                    AttemptState::InvalidNumber => 9,
                    AttemptState::WrongDestination | AttemptState::WrongParty => 13,
                    _ => 0,
                };
                if minor.0 != expected_minor {
                    return Err(format!(
                        "callback {contact} attempt {} records minor {}",
                        state.as_str(),
                        minor.0
                    ));
                }
                match state {
                    // Taken out of the queue by the schedule or a stop: no agent had it.
                    AttemptState::Aborted => {
                        if !self.left_active.contains(&log.queue) {
                            return Err(format!(
                                "callback {contact} attempt Aborted while {} stays Active",
                                log.queue
                            ));
                        }
                        if log.open_attempt.is_some()
                            || *attempt != log.last_no + 1
                            || agent.is_some()
                            || dial_started.is_some()
                        {
                            return Err(format!(
                                "callback {contact} Aborted attempt {attempt} by {agent:?}; open {:?}, last {}",
                                log.open_attempt, log.last_no
                            ));
                        }
                        log.last_no = *attempt;
                    }
                    _ => {
                        if log.open_attempt != Some(*attempt) {
                            return Err(format!(
                                "callback {contact} attempt {attempt} ended; open {:?}",
                                log.open_attempt
                            ));
                        }
                        // The status set, else what the dial's answer implies (§8).
                        let expected = match (&log.status, log.answered) {
                            (Some(status), _) => attempt_state_of(status),
                            (None, Some(AnsweredBy::Live)) => AttemptState::Handled,
                            (None, Some(AnsweredBy::Machine)) => AttemptState::AnsweringMachine,
                            (None, None) => AttemptState::NoAnswer,
                        };
                        if *state != expected && *state != AttemptState::Error {
                            return Err(format!(
                                "callback {contact} attempt {attempt} ended {} but its status says {}",
                                state.as_str(),
                                expected.as_str()
                            ));
                        }
                    }
                }
                // An expired callback completes (57) instead of being rescheduled.
                if *state == AttemptState::CallbackRequested
                    && !log.expired
                    && let Some(CompletionStatus::CallbackRequested { due, agent }) = &log.status
                {
                    self.after_requested = Some((*contact, *due, agent.clone()));
                }
                log.open_attempt = None;
                log.status = None;
                log.answered = None;
                log.last_counted_minor = counts.then_some(minor.0);
                let queue = log.queue.clone();
                if counts {
                    log.counted += 1;
                    let n = log.counted;
                    let q = self
                        .callback_queues
                        .get(&queue)
                        .ok_or_else(|| format!("callback {contact} in {queue}, no callbacks"))?;
                    let limit = q.settings.attempts_before_failure;
                    if n > limit {
                        return Err(format!(
                            "callback {contact}: {n} counted attempts, over the limit {limit}"
                        ));
                    }
                    // The queue's end_callback_on ends it at once, like the limit.
                    let ends =
                        outcome_of(*state).is_some_and(|o| q.settings.end_callback_on.contains(&o));
                    let due =
                        (n < limit && !ends).then(|| at.plus_ms(recall_interval(&q.settings, n)));
                    self.after_counted = Some((*contact, due));
                }
                if let Some(started) = dial_started {
                    let q = self
                        .callback_queues
                        .get_mut(&queue)
                        .ok_or_else(|| format!("callback {contact} in {queue}, no callbacks"))?;
                    q.counters.handle_ms_total += at.since(*started);
                    q.counters.handle_count += 1;
                }
            }
            Event::CallbackPending {
                contact,
                due,
                reserved,
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                log.reserved = reserved.clone();
                log.reserved_at = at;
                if let Some((c, requested, agent)) = self.after_requested.take() {
                    let fallback = self
                        .callback_queues
                        .get(&self.callbacks[&c].queue)
                        .map_or(0, |q| q.settings.reserved_fallback_ms);
                    let expected = agent.map(|a| (a, requested.plus_ms(fallback)));
                    if c != *contact || requested != *due || expected != *reserved {
                        return Err(format!(
                            "callback {c}: Callback Requested for {requested} reserved {expected:?}; got {contact} Pending until {due} reserved {reserved:?}"
                        ));
                    }
                }
                if let Some((c, expected)) = self.after_counted.take()
                    && (c != *contact || expected != Some(*due))
                {
                    return Err(format!(
                        "callback {c}: after a counted attempt, expected a recall at {expected:?}; got {contact} Pending until {due}"
                    ));
                }
            }
            Event::CallbackCompleted {
                contact,
                queue,
                end,
                attempts,
                reached,
                ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if let Some((c, due)) = self.after_counted.take() {
                    let fits = c == *contact
                        && match due {
                            None => *end == CallbackEnd::Failed,
                            Some(_) => *end == CallbackEnd::Expired,
                        };
                    if !fits {
                        return Err(format!(
                            "callback {c}: after a counted attempt (recall {due:?}), {contact} completed {}",
                            end.as_str()
                        ));
                    }
                } else if *end == CallbackEnd::Failed {
                    return Err(format!(
                        "callback {contact} Failed right after no counted attempt"
                    ));
                }
                // (An expired callback with an agent may still complete otherwise.)
                if *end == CallbackEnd::Expired && !log.expired {
                    return Err(format!(
                        "callback {contact} completed Expired before its expiry"
                    ));
                }
                if log.open_attempt.is_some()
                    || *queue != log.queue
                    || *attempts != log.counted
                    || *reached != log.reached
                {
                    return Err(format!(
                        "callback {contact} completed in {queue} after {attempts} attempts, reached {reached}; events say {log:?}"
                    ));
                }
                log.end = Some(*end);
                self.completing.insert(*contact, *end);
                let q = self.callback_queues.get_mut(queue).ok_or_else(|| {
                    format!("callback {contact} completed in {queue}, no callbacks")
                })?;
                if *end == CallbackEnd::Purged {
                    q.counters.purged += 1;
                } else {
                    q.counters.processed += 1;
                    q.counters.reached += u64::from(*reached);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn observe_request(&self, request: &ConnectorRequest) -> Check {
        let (offer, contact) = match request {
            ConnectorRequest::Deliver { offer, contact, .. } => (Some(*offer), *contact),
            ConnectorRequest::CancelDelivery { offer, contact, .. } => (Some(*offer), *contact),
            ConnectorRequest::Dial { contact, .. } | ConnectorRequest::StopDial { contact, .. } => {
                (None, *contact)
            }
        };
        if let Some(offer) = offer
            && !self.offers.contains(&offer)
        {
            return Err(format!("connector request for never-created offer {offer}"));
        }
        if !self.arrived.contains(&contact) {
            return Err(format!("connector request for unknown contact {contact}"));
        }
        let live = matches!(
            request,
            ConnectorRequest::Deliver { .. } | ConnectorRequest::Dial { .. }
        );
        if live && self.closed.contains_key(&contact) {
            return Err(format!("{request} for closed contact {contact}"));
        }
        Ok(())
    }

    /// Everything checked after every input.
    fn check(&self) -> Check {
        let e = &self.engine;
        e.check_invariants()
            .map_err(|v| format!("check_invariants: {v}"))?;

        // --- agents, from the views ---
        let agents: Vec<AgentView> = e.agent_views().collect();
        for a in &agents {
            let id = &a.id;
            if a.used_units > 100 {
                return Err(format!("agent {id} uses {} units", a.used_units));
            }
            match a.state {
                AgentState::Offered if a.offer.is_none() || !a.contacts.is_empty() => {
                    return Err(format!(
                        "agent {id} Offered with offer {:?} and contacts {:?}",
                        a.offer, a.contacts
                    ));
                }
                AgentState::Busy if a.contacts.is_empty() => {
                    return Err(format!("agent {id} Busy without contacts"));
                }
                s if s.is_pending() && a.contacts.is_empty() => {
                    return Err(format!("agent {id} {s} without contacts"));
                }
                _ => {}
            }
            if (a.state == AgentState::Offline) != a.station.is_none() {
                return Err(format!("agent {id} {} at station {:?}", a.state, a.station));
            }
            if a.station.is_none() && (a.offer.is_some() || !a.contacts.is_empty()) {
                return Err(format!("agent {id} offline with work"));
            }
            if let Some(offer) = a.offer {
                let o = e
                    .offer_view(offer)
                    .ok_or_else(|| format!("agent {id} holds unknown offer {offer}"))?;
                if &o.agent != id {
                    return Err(format!("agent {id} holds {offer} of {}", o.agent));
                }
                let c = e
                    .contact_view(o.contact)
                    .ok_or_else(|| format!("offer {offer} is for closed {}", o.contact))?;
                if c.state != ContactState::Offered || !c.offers.contains(&offer) {
                    return Err(format!(
                        "offer {offer} open but {} is {} with offers {:?}",
                        c.id, c.state, c.offers
                    ));
                }
            }
            for (contact, state) in &a.contacts {
                if *state == ContactState::WrapUp {
                    continue; // may be a transferred contact's wrap-up
                }
                let c = e.contact_view(*contact).ok_or_else(|| {
                    format!("agent {id} holds closed contact {contact} ({state})")
                })?;
                if c.agent.as_ref() != Some(id) || c.state != *state {
                    return Err(format!(
                        "agent {id} holds {contact} as {state}, contact says {} with {:?}",
                        c.state, c.agent
                    ));
                }
            }
        }

        // The AgentStateChanged stream (what reports and the monitor see) matches the views.
        if agents.len() != self.shown.len() {
            return Err(format!(
                "{} agents, {} known from events",
                agents.len(),
                self.shown.len()
            ));
        }
        for a in &agents {
            let from_events = self.shown.get(&a.id);
            if from_events != Some(&(a.state, a.reason.clone())) {
                return Err(format!(
                    "agent {} shows {} {:?} but its events say {from_events:?}",
                    a.id, a.state, a.reason
                ));
            }
        }

        // --- contacts ---
        let mut open = 0u64;
        for c in e.contact_views() {
            open += 1;
            if !self.arrived.contains(&c.id) {
                return Err(format!("open contact {} never arrived", c.id));
            }
            if c.offers.len() > 3 {
                return Err(format!(
                    "contact {} offered to {} agents; no fan-out is above 3",
                    c.id,
                    c.offers.len()
                ));
            }
            if (c.state == ContactState::Offered) == c.offers.is_empty() {
                return Err(format!(
                    "contact {} {} with offers {:?}",
                    c.id, c.state, c.offers
                ));
            }
            for offer in &c.offers {
                let o = e
                    .offer_view(*offer)
                    .ok_or_else(|| format!("contact {} names unknown offer {offer}", c.id))?;
                if o.contact != c.id || e.agent_offer(&o.agent) != Some(*offer) {
                    return Err(format!("offer {offer} of {} not held by {}", c.id, o.agent));
                }
            }
            if let Some(agent) = &c.agent {
                let held = agents
                    .iter()
                    .find(|a| &a.id == agent)
                    .is_some_and(|a| a.contacts.contains(&(c.id, c.state)));
                if !held {
                    return Err(format!(
                        "contact {} says {} holds it, it does not",
                        c.id, agent
                    ));
                }
            }
        }
        for id in &self.arrived {
            let is_open = e.contact_view(*id).is_some();
            let closes = self.closed.get(id).copied().unwrap_or(0);
            match (is_open, closes) {
                (true, 0) | (false, 1) => {}
                (true, n) => return Err(format!("contact {id} is open and closed {n} time(s)")),
                (false, n) => {
                    return Err(format!(
                        "contact {id} is gone after {n} ContactClosed events"
                    ));
                }
            }
        }

        // --- queues and routing ---
        let members = |queue: &QueueId| -> Vec<AgentId> {
            e.agent_configs()
                .filter(|a| a.queues.iter().any(|s| &s.queue == queue))
                .map(|a| a.id.clone())
                .collect()
        };
        for q in e.queue_views() {
            let members = members(&q.id);
            let staffed = agents
                .iter()
                .filter(|a| a.station.is_some() && members.contains(&a.id))
                .count();
            // A Pending callback shows Queued but waits outside the queue (§8).
            let waiting: Vec<ContactId> = e
                .contact_views()
                .filter(|c| c.queue == q.id && c.state == ContactState::Queued)
                .filter(|c| {
                    e.callback_view(c.id)
                        .is_none_or(|v| v.location != CallbackLocation::Pending)
                })
                .map(|c| c.id)
                .collect();
            if q.agents_staffed as usize != staffed
                || q.waiting != waiting.len()
                || q.agents_available > staffed
            {
                return Err(format!(
                    "queue {} says waiting {} available {} staffed {}; views: waiting {}, staffed {staffed}",
                    q.id,
                    q.waiting,
                    q.agents_available,
                    q.agents_staffed,
                    waiting.len()
                ));
            }
            // Work conservation: an idle Ready member is never left alone with a waiting
            // contact it is not kept from (refusal exclusion, a callback reserved for another
            // agent). Routing looks at the first 32 waiting contacts only; the generated
            // worlds stay below that.
            for a in agents.iter().filter(|a| {
                a.state == AgentState::Ready && members.contains(&a.id) && waiting.len() <= 32
            }) {
                let reserved_for_another = |c: ContactId| {
                    e.callback_view(c)
                        .and_then(|v| v.reserved_for)
                        .is_some_and(|r| r != a.id)
                };
                if let Some(c) = waiting
                    .iter()
                    .find(|c| !e.exclusions(**c).contains(&a.id) && !reserved_for_another(**c))
                {
                    return Err(format!(
                        "{c} waits in {} while member {} is Ready and idle",
                        q.id, a.id
                    ));
                }
            }
        }

        // --- counters ---
        let s = e.stats();
        let closed = self.closed.len() as u64;
        if s.contacts_arrived != self.arrived_events
            || self.arrived_events != self.arrived.len() as u64
            || s.contacts_arrived != open + closed
            || e.open_contacts() as u64 != open
        {
            return Err(format!(
                "arrivals: stats {}, events {}, ids {}, open {open} (engine {}) + closed {closed}",
                s.contacts_arrived,
                self.arrived_events,
                self.arrived.len(),
                e.open_contacts()
            ));
        }
        if s.contacts_closed != self.closed_events {
            return Err(format!(
                "stats closed {} != ContactClosed events {}",
                s.contacts_closed, self.closed_events
            ));
        }
        if s.offers_created != self.offers.len() as u64 {
            return Err(format!(
                "stats offers {} != OfferCreated events {}",
                s.offers_created,
                self.offers.len()
            ));
        }
        if s.refusals != self.refusals || s.refusals_by_reason != self.refusals_by_reason {
            return Err(format!(
                "refusals: stats {} {:?}, events {} {:?}",
                s.refusals, s.refusals_by_reason, self.refusals, self.refusals_by_reason
            ));
        }
        if let Some(name) = s
            .refusals_by_reason
            .keys()
            .find(|k| !REFUSAL_NAMES.contains(&k.as_str()))
        {
            return Err(format!("stats count a refusal reason {name:?} not in §6"));
        }
        self.check_callbacks()
    }

    /// The callback process as the views show it, against the events (§8, issue 3).
    fn check_callbacks(&self) -> Check {
        let e = &self.engine;
        let now = e.now();
        let views = e.callback_views(None, None);
        // Every open callback is listed once, in exactly one location; completed ones are gone.
        let listed: BTreeSet<ContactId> = views.iter().map(|v| v.id).collect();
        let open: BTreeSet<ContactId> = self
            .callbacks
            .iter()
            .filter(|(_, log)| log.end.is_none())
            .map(|(c, _)| *c)
            .collect();
        if listed.len() != views.len() || listed != open {
            return Err(format!(
                "callback views list {:?}, the events say {open:?} are open",
                views.iter().map(|v| v.id).collect::<Vec<_>>()
            ));
        }
        let mut locations: BTreeMap<ContactId, Vec<CallbackLocation>> = BTreeMap::new();
        for location in [
            CallbackLocation::Pending,
            CallbackLocation::HandlingByBusinessProcess,
            CallbackLocation::HandlingByAgent,
            CallbackLocation::Completed,
        ] {
            for v in e.callback_views(None, Some(location)) {
                if v.location != location {
                    return Err(format!(
                        "callback {} listed under {} is {}",
                        v.id,
                        location.as_str(),
                        v.location.as_str()
                    ));
                }
                locations.entry(v.id).or_default().push(location);
            }
        }
        for (id, log) in &self.callbacks {
            let view = e.callback_view(*id);
            match (&log.end, &view) {
                (Some(end), Some(_)) => {
                    return Err(format!(
                        "callback {id} completed {} but still shown",
                        end.as_str()
                    ));
                }
                (None, None) => return Err(format!("open callback {id} has no view")),
                _ => {}
            }
            if let Some(v) = view
                && locations.get(id).map(Vec::as_slice) != Some(&[v.location])
            {
                return Err(format!(
                    "callback {id} is {} but listed under {:?}",
                    v.location.as_str(),
                    locations.get(id)
                ));
            }
        }
        for v in &views {
            let id = v.id;
            let log = &self.callbacks[&id];
            let q = self
                .callback_queues
                .get(&v.queue)
                .ok_or_else(|| format!("callback {id} in {}, which takes no callbacks", v.queue))?;
            let limit = q.settings.attempts_before_failure;
            if v.reserved_for != log.reserved.as_ref().map(|(a, _)| a.clone())
                || v.expires != log.expires
            {
                return Err(format!(
                    "callback {id} reserved for {:?}, expires {:?}; its events say {:?}, {:?}",
                    v.reserved_for, v.expires, log.reserved, log.expires
                ));
            }
            if v.queue != log.queue || v.attempts != log.counted || v.attempts > limit {
                return Err(format!(
                    "callback {id} in {} with {} attempts (limit {limit}); its events say {} in {}",
                    v.queue, v.attempts, log.counted, log.queue
                ));
            }
            let c = e
                .contact_view(id)
                .ok_or_else(|| format!("callback {id} has no contact"))?;
            if c.channel != Channel::Callback || c.queue != v.queue {
                return Err(format!(
                    "callback {id} is a {} contact in {}",
                    c.channel, c.queue
                ));
            }
            let status = e.callback_monitor(&v.queue).map(|m| m.status);
            match v.location {
                CallbackLocation::Pending | CallbackLocation::HandlingByBusinessProcess => {
                    if c.state != ContactState::Queued || c.agent.is_some() || v.agent.is_some() {
                        return Err(format!(
                            "callback {id} {} but the contact is {} with {:?}",
                            v.location.as_str(),
                            c.state,
                            c.agent
                        ));
                    }
                }
                CallbackLocation::HandlingByAgent => {
                    if c.state == ContactState::Queued
                        || (c.state != ContactState::Offered && c.agent.is_none())
                        || v.agent != c.agent
                    {
                        return Err(format!(
                            "callback {id} HandlingByAgent {:?} but the contact is {} with {:?}",
                            v.agent, c.state, c.agent
                        ));
                    }
                }
                CallbackLocation::Completed => {
                    return Err(format!("open callback {id} shown Completed"));
                }
            }
            // §8: an expired callback completes (57); only an agent's attempt may finish first.
            if log.expired && v.location.to_be_processed() {
                return Err(format!(
                    "callback {id} expired at {:?} but is {} again",
                    log.expires,
                    v.location.as_str()
                ));
            }
            // Only an Active queue holds callbacks, and it holds every due one (§8).
            if v.location == CallbackLocation::HandlingByBusinessProcess
                && status != Some(CallbackStatus::Active)
            {
                return Err(format!(
                    "callback {id} waits in {} whose callbacks are {status:?}",
                    v.queue
                ));
            }
            if v.location == CallbackLocation::Pending
                && status == Some(CallbackStatus::Active)
                && v.due <= now
            {
                return Err(format!(
                    "callback {id} Pending until {} in Active {} at {now}: it is due",
                    v.due, v.queue
                ));
            }
        }
        // The supervisor columns of each queue.
        let monitored: BTreeSet<QueueId> = e
            .queue_views()
            .filter(|q| e.callback_monitor(&q.id).is_some())
            .map(|q| q.id)
            .collect();
        let known: BTreeSet<QueueId> = self.callback_queues.keys().cloned().collect();
        if monitored != known {
            return Err(format!(
                "callback monitors for {monitored:?}, queues configured with callbacks {known:?}"
            ));
        }
        for (queue, q) in &self.callback_queues {
            let m = e.callback_monitor(queue).expect("checked");
            if Some(m.status) != q.status {
                return Err(format!(
                    "{queue}: CLBK Stat {} but the last CallbackStatusChanged says {:?}",
                    m.status.as_str(),
                    q.status
                ));
            }
            let scheduled = if q.schedule.is_open(now) {
                CallbackStatus::Active
            } else {
                CallbackStatus::OffScheduleHrs
            };
            if m.status != CallbackStatus::Stopped && m.status != scheduled {
                return Err(format!(
                    "{queue}: CLBK Stat {} at {} ({now}), the schedule says {}",
                    m.status.as_str(),
                    q.schedule.show(now),
                    scheduled.as_str()
                ));
            }
            let shift = q.schedule.last_daily(now, q.shift);
            if Some(m.shift_since) != shift {
                return Err(format!(
                    "{queue}: shift since {} ({}), the last {} was {shift:?}",
                    m.shift_since,
                    q.schedule.show(m.shift_since),
                    q.settings.shift_start
                ));
            }
            if m.counters != q.counters {
                return Err(format!(
                    "{queue}: shift counters {:?}, recounted from the events {:?}",
                    m.counters, q.counters
                ));
            }
            let to_be = views
                .iter()
                .filter(|v| &v.queue == queue && v.location.to_be_processed())
                .count() as u64;
            let c = &q.counters;
            let pct = (c.processed > 0).then(|| c.reached as f64 * 100.0 / c.processed as f64);
            if m.to_be_processed != to_be
                || m.processed != c.processed
                || m.purged != c.purged
                || m.avg_handle_ms != c.handle_ms_total.checked_div(c.handle_count)
                || m.pct_reached != pct
                || m.pct_fail != pct.map(|p| 100.0 - p)
            {
                return Err(format!(
                    "{queue}: monitor {m:?}; {to_be} callbacks Pending or queued, counters {c:?}"
                ));
            }
        }
        Ok(())
    }

    /// Replay the journal into a fresh engine; it must match the live one.
    fn replayed(&self) -> Result<Engine, String> {
        let mut replayed = Engine::new(Settings::default());
        catch_unwind(AssertUnwindSafe(|| replayed.replay(&self.journal)))
            .map_err(|p| format!("replay panicked: {}", panic_message(&*p)))?;
        replayed
            .check_invariants()
            .map_err(|v| format!("replayed engine breaks an invariant: {v}"))?;
        if replayed.pending_outputs() != 0 {
            return Err("replay emitted output".into());
        }
        // The journal carries the clock only through event times: an input that emitted
        // nothing moved the live clock alone. A restarted driver feeds the time it is now.
        if without_clock(&replayed.dump()) != without_clock(&self.engine.dump()) {
            return Err(format!(
                "replay diverged:\n--- replayed ---\n{}--- live ---\n{}",
                replayed.dump(),
                self.engine.dump()
            ));
        }
        replayed.handle_timeout(self.engine.now());
        if replayed.pending_outputs() != 0 {
            return Err("the replayed engine had due timers the live one had fired".into());
        }
        let same = replayed.dump() == self.engine.dump()
            && replayed.agent_views().eq(self.engine.agent_views())
            && replayed.contact_views().eq(self.engine.contact_views())
            && replayed.queue_views().eq(self.engine.queue_views())
            && replayed.stats() == self.engine.stats()
            && replayed.callback_views(None, None) == self.engine.callback_views(None, None)
            && self
                .engine
                .queue_views()
                .all(|q| replayed.callback_monitor(&q.id) == self.engine.callback_monitor(&q.id))
            && replayed.poll_timeout() == self.engine.poll_timeout()
            && self
                .arrived
                .iter()
                .all(|c| replayed.exclusions(*c) == self.engine.exclusions(*c));
        if !same {
            return Err(format!(
                "replay diverged (views, stats, exclusions or timers):\n--- replayed ---\n{}--- live ---\n{}",
                replayed.dump(),
                self.engine.dump()
            ));
        }
        Ok(replayed)
    }

    /// Run the random steps; at step `shadow_at` (if any) start the replayed copy.
    fn run(&mut self, steps: &[Step], shadow_at: Option<usize>) -> Check {
        for (i, step) in steps.iter().enumerate() {
            if shadow_at == Some(i) {
                self.advance(self.now)?;
                // The copy is the replayed engine passed through a snapshot (serialized and
                // read back), so both restart paths must match and keep matching.
                self.shadow = Some(through_snapshot(self.replayed()?)?);
                self.trace.push(format!(
                    "{:>9} (journal replayed into a copy, snapshotted and restored)",
                    self.now
                ));
            }
            self.advance(self.now + step.dt_ms as i64)?;
            if let Action::Advance = step.action {
                self.tick()?;
            }
            if let Action::Work { k, choice } = step.action {
                match work(&self.engine, k, choice) {
                    Some(command) => {
                        let _ = self.command(command)?;
                    }
                    None => self.tick()?,
                }
            }
            if let Action::Run(command, live) = &step.action {
                let mut command = command.clone();
                rebase(&mut command, Timestamp(self.now));
                if let Some(live) = live {
                    retarget(&mut command, *live, &self.engine);
                }
                let _ = self.command(command)?; // rejections are expected
            }
        }
        // Fire what is due now, so the live engine holds no overdue timer.
        self.advance(self.now)?;
        Ok(())
    }

    /// Every agent logs in, goes Ready and does what it can with its offers and contacts
    /// (accepts, links, dials, has dials answered live, sets callbacks Handled, ends and
    /// completes), stopped callbacks start again, and time passes — jumping to the next
    /// timer while nothing else can happen, for up to a week. Every contact must close, but
    /// for those no agent can take and callbacks waiting for time (see [`Harness::left_open`]).
    fn cooperate(&mut self, world: &World) -> Check {
        self.trace.push("--- cooperative phase ---".into());
        let mut restore: Vec<Command> = vec![Command::ConfigureSettings(world.settings.clone())];
        restore.extend(
            world
                .queues
                .iter()
                .cloned()
                .map(|q| Command::ConfigureQueue(Box::new(q))),
        );
        restore.extend(
            world
                .stations
                .iter()
                .cloned()
                .map(Command::ConfigureStation),
        );
        restore.extend(world.agents.iter().cloned().map(Command::ConfigureAgent));
        restore.extend(world.queues.iter().map(|q| Command::SetQueueEmergency {
            queue: q.id.clone(),
            emergency: None,
        }));
        let horizon = self.now + 7 * 24 * HOUR_MS;
        for _round in 0..3_000 {
            // Put the configuration back (after admin steps); an agent with work or a queue
            // whose channel changed while contacts wait refuses: try again next round.
            let mut left = Vec::new();
            for command in restore {
                if self.command(command.clone())?.is_err() {
                    left.push(command);
                }
            }
            restore = left;
            let stopped: Vec<QueueId> = self
                .engine
                .queue_views()
                .filter(|q| {
                    self.engine
                        .callback_monitor(&q.id)
                        .is_some_and(|m| m.status == CallbackStatus::Stopped)
                })
                .map(|q| q.id)
                .collect();
            for queue in stopped {
                if let Err(r) = self.command(Command::StartCallbacks { queue })? {
                    return Err(format!("cooperative start_callbacks rejected: {r}"));
                }
            }
            self.everyone_ready()?;
            for _ in 0..1_000 {
                // Timers due now first, so the next action is chosen on the state it meets.
                self.advance(self.now)?;
                let Some(command) = self.next_cooperative_action() else {
                    break;
                };
                match self.command(command.clone())? {
                    Ok(_) => {}
                    Err(Rejection::DispositionRequired(queue)) => {
                        let code = self
                            .engine
                            .queue_configs()
                            .find(|q| q.id == queue)
                            .and_then(|q| q.dispositions.first())
                            .map(|d| d.code.clone());
                        let Command::Complete { agent, contact, .. } = command else {
                            return Err("disposition required by a non-complete".into());
                        };
                        if let Err(r) = self.command(Command::Complete {
                            agent,
                            contact,
                            disposition: code,
                        })? {
                            return Err(format!("cooperative complete rejected: {r}"));
                        }
                    }
                    // Capacity settings changed while the offer rang: it no longer fits, so
                    // the agent refuses it (the accept was rightly rejected).
                    Err(Rejection::CapacityExceeded { .. }) => {
                        let Command::Accept { offer } = command else {
                            return Err("capacity_exceeded for a non-accept".into());
                        };
                        if let Err(r) = self.command(Command::Refuse { offer })? {
                            return Err(format!("cooperative refuse rejected: {r}"));
                        }
                    }
                    Err(r) => {
                        return Err(format!(
                            "cooperative command {command:?} rejected: {r}\n{}",
                            self.explain()
                        ));
                    }
                }
            }
            let idle = self
                .engine
                .agent_views()
                .all(|a| a.offer.is_none() && a.contacts.is_empty());
            let mut next = self.now + 5_000;
            if idle {
                let left = self.left_open();
                let unservable = |why: &Option<LeftOpen>| *why == Some(LeftOpen::Unservable);
                if restore.is_empty() && left.iter().all(|(_, why)| unservable(why)) {
                    return Ok(());
                }
                // Nothing to do until a timer fires (a configuration may wait for callbacks
                // to complete): jump to it, within the horizon.
                match self.engine.poll_timeout() {
                    Some(t) if t.millis() <= horizon => next = next.max(t.millis()),
                    // The configuration is put back next round, now that agents are idle.
                    _ if !restore.is_empty() => {}
                    _ => {
                        if restore.is_empty() && left.iter().all(|(_, why)| why.is_some()) {
                            return Ok(());
                        }
                        return Err(format!(
                            "cooperative agents left contacts open, nothing more is due within a week (restore left: {restore:?}):\n{}",
                            self.explain()
                        ));
                    }
                }
            }
            self.advance(next)?;
        }
        Err(format!(
            "cooperative agents still busy after 3,000 rounds (restore left: {restore:?}):\n{}",
            self.explain()
        ))
    }

    /// The open contacts, each with why it may stay open after the cooperative phase
    /// (`None`: it may not).
    fn left_open(&self) -> Vec<(ContactId, Option<LeftOpen>)> {
        let e = &self.engine;
        let served = |queue: &QueueId| {
            e.agent_configs()
                .any(|a| a.queues.iter().any(|s| &s.queue == queue))
        };
        e.contact_views()
            .map(|c| {
                let why = match e.callback_view(c.id) {
                    // Waiting in a queue nobody serves (a queue an admin step added).
                    None if c.state == ContactState::Queued && !served(&c.queue) => {
                        Some(LeftOpen::Unservable)
                    }
                    None => None,
                    Some(v) if v.location.to_be_processed() && !served(&v.queue) => {
                        Some(LeftOpen::Unservable)
                    }
                    Some(v) => match e.callback_monitor(&v.queue).map(|m| m.status) {
                        Some(CallbackStatus::OffScheduleHrs) => Some(LeftOpen::OffSchedule),
                        Some(CallbackStatus::Stopped) => Some(LeftOpen::Stopped),
                        _ if v.location == CallbackLocation::Pending && v.due > e.now() => {
                            Some(LeftOpen::PendingUntil(v.due))
                        }
                        _ => None,
                    },
                };
                (c.id, why)
            })
            .collect()
    }

    fn everyone_ready(&mut self) -> Check {
        let agents: Vec<AgentView> = self.engine.agent_views().collect();
        for a in agents {
            let command = if a.station.is_none() {
                let used: BTreeSet<StationId> = self
                    .engine
                    .agent_views()
                    .filter_map(|v| v.station)
                    .collect();
                let Some(station) = self
                    .engine
                    .station_configs()
                    .map(|s| s.id.clone())
                    .find(|s| !used.contains(s))
                else {
                    return Err(format!("no free station for {}", a.id));
                };
                Command::Login {
                    agent: a.id.clone(),
                    station,
                    state: Some(SelectableState::Ready),
                }
            } else if matches!(
                a.state,
                AgentState::Ready | AgentState::Busy | AgentState::Offered
            ) {
                continue;
            } else {
                Command::SetState {
                    agent: a.id.clone(),
                    state: SelectableState::Ready,
                    reason: None,
                }
            };
            if let Err(r) = self.command(command.clone())? {
                return Err(format!("cooperative {command:?} rejected: {r}"));
            }
        }
        Ok(())
    }

    /// The next thing a cooperative agent or connector does, if any.
    fn next_cooperative_action(&self) -> Option<Command> {
        let e = &self.engine;
        if let Some(o) = live_offers(e).first() {
            return Some(if o.accepted {
                Command::Connector(ConnectorEvent::LegLinked { offer: o.id })
            } else {
                Command::Accept { offer: o.id }
            });
        }
        e.agent_views().find_map(|a| {
            a.contacts.first().map(|&(contact, state)| {
                let agent = a.id.clone();
                // A callback attempt in conversation: Handled, unless already so.
                let unhandled = self.callbacks.get(&contact).is_some_and(|log| {
                    log.end.is_none() && log.status != Some(CompletionStatus::Handled)
                });
                let dial = Command::StartDial {
                    agent: agent.clone(),
                    contact,
                };
                match state {
                    ContactState::Preview => dial,
                    ContactState::Dialing => Command::Connector(ConnectorEvent::Answered {
                        contact,
                        by: AnsweredBy::Live,
                    }),
                    ContactState::WrapUp => Command::Complete {
                        agent,
                        contact,
                        disposition: None,
                    },
                    _ if unhandled => Command::SetCompletion {
                        agent,
                        contact,
                        status: CompletionStatus::Handled,
                    },
                    _ => Command::End { agent, contact },
                }
            })
        })
    }

    /// What is left open and why, for a liveness failure.
    fn explain(&self) -> String {
        let e = &self.engine;
        let mut text = String::new();
        for (c, why) in self.left_open() {
            let why = match why {
                None => "may NOT stay open".to_string(),
                Some(LeftOpen::Unservable) => "allowed: no agent serves its queue".to_string(),
                Some(LeftOpen::OffSchedule) => {
                    "allowed: its queue's callbacks are Off Schedule HRS".to_string()
                }
                Some(LeftOpen::Stopped) => "allowed: its queue's callbacks are Stopped".to_string(),
                Some(LeftOpen::PendingUntil(due)) => {
                    format!("allowed: Pending until {due}, after the end ({})", e.now())
                }
            };
            text.push_str(&format!("left open {c}: {why}\n"));
        }
        for v in e.callback_views(None, None) {
            text.push_str(&format!(
                "callback {} in {} {} due {} attempts {} reserved {:?} agent {:?} expires {:?}\n",
                v.id,
                v.queue,
                v.location.as_str(),
                v.due,
                v.attempts,
                v.reserved_for,
                v.agent,
                v.expires
            ));
        }
        for c in e.contact_views() {
            text.push_str(&format!(
                "open {} {} {:?} in {} {} offers {:?} agent {:?} offers made {} excluded {:?}\n",
                c.id,
                c.channel,
                c.direction,
                c.queue,
                c.state,
                c.offers,
                c.agent,
                c.offers_made,
                e.exclusions(c.id)
            ));
        }
        text.push_str(&e.dump());
        text
    }
}

/// Why an open contact may outlast the cooperative phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LeftOpen {
    /// No agent serves its queue.
    Unservable,
    /// A callback whose queue's callbacks are off schedule.
    OffSchedule,
    /// A callback whose queue's callbacks are stopped.
    Stopped,
    /// A callback Pending until after the end.
    PendingUntil(Timestamp),
}

// ===================================================================== the properties

fn run_case(
    world: &World,
    steps: &[Step],
    shadow_at: Option<usize>,
    cooperate: bool,
) -> Result<(), TestCaseError> {
    let mut h = Harness::new(world).map_err(TestCaseError::fail)?;
    if let Err(message) = h.run(steps, shadow_at) {
        return Err(h.failure(&message));
    }
    if cooperate && let Err(message) = h.cooperate(world) {
        return Err(h.failure(&message));
    }
    // Fire what is due now, so the live engine holds no overdue timer, then replay.
    if let Err(message) = h.advance(h.now).and_then(|()| h.replayed().map(|_| ())) {
        return Err(h.failure(&message));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Safety: invariants and outside checks after every input, all command kinds including
    /// configuration; the journal replays to the same state, and a copy replayed half-way
    /// then driven alongside emits exactly what the live engine emits.
    #[test]
    fn random_commands_keep_every_promise((world, steps) in case(true), split in 0.0f64..1.0) {
        let shadow_at = (split * steps.len() as f64) as usize;
        run_case(&world, &steps, Some(shadow_at), false)?;
    }

    /// Liveness: after random operation (half the cases with configuration changes, which
    /// the cooperative phase puts back), cooperative Ready agents close every contact, each
    /// with exactly one closure code, and complete every callback; only contacts waiting in
    /// a queue nobody serves, and callbacks waiting for time (off schedule, stopped, Pending
    /// until after the end), may stay.
    #[test]
    fn cooperative_agents_close_every_contact(
        (world, steps) in any::<bool>().prop_flat_map(case)
    ) {
        run_case(&world, &steps, None, true)?;
    }
}

// ===================================================================== found by the properties
//
// The shortest sequences the properties above shrank to (or that their failures pointed
// at), replayed through the same harness and checks. Each fails while its bug is there.

/// One queue `q0` of `channel` served by agents a0.. (stations s0..s{agents}).
fn small_world(channel: Channel, policy: Option<PresencePolicy>, agents: usize) -> World {
    let mut queue = QueueConfig::new("q0", channel);
    queue.presence_policy = policy;
    World {
        start: 0,
        settings: Settings::default(),
        queues: vec![queue],
        stations: (0..=agents).map(|i| station_config(i, None)).collect(),
        agents: (0..agents).map(|i| agent_config(i, &[0], &[5])).collect(),
    }
}

/// Run `script` (time in ms, command) with every check; then the replay check.
fn scripted(world: &World, script: Vec<(i64, Command)>) -> Result<(), TestCaseError> {
    let mut h = Harness::new(world).map_err(TestCaseError::fail)?;
    // A pinned bug is always exercised.
    for (at, command) in script {
        let step = h.advance(at).and_then(|()| h.command(command).map(|_| ()));
        if let Err(message) = step {
            return Err(h.failure(&message));
        }
    }
    if let Err(message) = h.advance(h.now).and_then(|()| h.replayed().map(|_| ())) {
        return Err(h.failure(&message));
    }
    Ok(())
}

fn a(i: usize) -> AgentId {
    AgentId::new(&format!("a{i}"))
}

fn chat_arrives() -> Command {
    Command::CreateContact {
        channel: Channel::Chat,
        queue: QueueId::new("q0"),
        from: "web:visitor".into(),
        priority: 0,
        attributes: BTreeMap::new(),
    }
}

fn login(i: usize) -> Command {
    Command::Login {
        agent: a(i),
        station: StationId::new(&format!("s{i}")),
        state: None,
    }
}

fn accept(offer: u64) -> Command {
    Command::Accept {
        offer: OfferId(offer),
    }
}

fn call_error_by_agent(contact: u64) -> Command {
    Command::Connector(ConnectorEvent::Hangup {
        contact: ContactId(contact),
        reason: HangupReason::Error,
        close_call_on_error: true,
        agent_status: Some(AgentStatus::FailedConnectAgent),
        cause_code: None,
        ended_by: None,
    })
}

fn agent_error_logs_out() -> Option<PresencePolicy> {
    Some(PresencePolicy {
        state_on_agent_error: PolicyState::Offline,
        ..PresencePolicy::default()
    })
}

fn check(result: Result<(), TestCaseError>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}

/// A chat transferred to a queue the agent serves is offered straight back to that agent,
/// who still wraps it up (detached); accepting overwrites the wrap-up's assignment: the
/// agent's used units count both (68) while its assignments hold one (34).
#[test]
fn transferred_chat_is_not_offered_back_to_the_agent_wrapping_it_up() {
    check(scripted(
        &small_world(Channel::Chat, None, 1),
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (
                3_000,
                Command::Transfer {
                    agent: a(0),
                    contact: ContactId(1),
                    target: TransferTarget::Queue(QueueId::new("q0")),
                },
            ),
            (4_000, accept(2)),
        ],
    ));
}

/// Units are checked when an offer is made but charged when it is accepted: raising the
/// settings' chat units in between puts a Busy agent over 100 (34 + 100).
#[test]
fn accepting_never_takes_an_agent_over_100_units() {
    let mut settings = Settings::default();
    settings.capacity_units.insert(Channel::Chat, 100);
    check(scripted(
        &small_world(Channel::Chat, None, 1),
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, chat_arrives()),
            (4_000, Command::ConfigureSettings(settings)),
            (5_000, accept(2)),
        ],
    ));
}

/// A call error (with an agent status) on the agent's only contact applies the presence
/// policy; `state_on_agent_error = offline` logs the agent out while its offer of another
/// chat is still open: an offline agent holding an offer.
#[test]
fn policy_logout_after_a_call_error_withdraws_the_open_offer() {
    check(scripted(
        &small_world(Channel::Chat, agent_error_logs_out(), 1),
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, chat_arrives()),
            (4_000, call_error_by_agent(1)),
        ],
    ));
}

/// The same with a second contact still open: the policy records "Waiting for Offline" while
/// the offer stays open, and when the last contact completes the agent logs out holding it
/// (45e9ffc removed that withdrawal as unreachable). Chats cost 25 units here, so the agent
/// holding two is offered a third.
#[test]
fn pending_logout_from_the_policy_withdraws_the_open_offer() {
    let mut world = small_world(Channel::Chat, agent_error_logs_out(), 1);
    world.settings.capacity_units.insert(Channel::Chat, 25);
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, chat_arrives()),
            (4_000, accept(2)),
            (5_000, chat_arrives()),
            (6_000, call_error_by_agent(1)),
            (
                7_000,
                Command::End {
                    agent: a(0),
                    contact: ContactId(2),
                },
            ),
            (
                8_000,
                Command::Complete {
                    agent: a(0),
                    contact: ContactId(2),
                    disposition: None,
                },
            ),
        ],
    ));
}

/// The same through a transfer to an agent: a0 hands the chat to a1, a1 hands it back to
/// a0, who is still wrapping it up; the transfer is accepted and so is the offer.
#[test]
fn chat_is_not_transferred_to_an_agent_still_wrapping_it_up() {
    let transfer = |from: usize, to: usize| Command::Transfer {
        agent: a(from),
        contact: ContactId(1),
        target: TransferTarget::Agent(a(to)),
    };
    check(scripted(
        &small_world(Channel::Chat, None, 2),
        vec![
            (0, login(0)),
            (0, login(1)),
            (1_000, chat_arrives()),
            (2_000, accept(1)),
            (3_000, transfer(0, 1)),
            (4_000, accept(2)),
            (5_000, transfer(1, 0)),
            (6_000, accept(3)),
        ],
    ));
}

// ----- callbacks (§8) -----

/// `small_world` whose queue takes callbacks with these settings.
fn callback_world(channel: Channel, callbacks: CallbackSettings, agents: usize) -> World {
    let mut world = small_world(channel, None, agents);
    world.queues[0].callbacks = Some(callbacks);
    world
}

fn without_callbacks(channel: Channel) -> Command {
    Command::ConfigureQueue(Box::new(QueueConfig::new("q0", channel)))
}

/// Reconfiguring a queue to take no callbacks drops its callback state but keeps its shift
/// (and schedule) timers: `check_invariants` reports a stale `Shift` timer, and the engine's
/// next timeout is one at which nothing happens.
#[test]
fn a_queue_that_stops_taking_callbacks_keeps_no_callback_timers() {
    let callbacks = CallbackSettings {
        open_hours: vec!["Mon-Fri 08:00-18:00".into()],
        ..CallbackSettings::default()
    };
    check(scripted(
        &callback_world(Channel::Voice, callbacks, 1),
        vec![(1_000, without_callbacks(Channel::Voice))],
    ));
}

/// The same when the queue is removed.
#[test]
fn a_removed_callback_queue_keeps_no_timers() {
    check(scripted(
        &callback_world(Channel::Callback, CallbackSettings::default(), 0),
        vec![(
            1_000,
            Command::RemoveQueue {
                queue: QueueId::new("q0"),
            },
        )],
    ));
}

fn voice_arrives() -> Command {
    Command::CreateContact {
        channel: Channel::Voice,
        queue: QueueId::new("q0"),
        from: "+3611".into(),
        priority: 0,
        attributes: BTreeMap::new(),
    }
}

/// `ChooseCallback` closes the call (51, 22) before `create_callback` checks
/// `contacts_open_max`, counting on the close to free the slot the callback takes. When the
/// settings lowered the limit below the contacts already open, one freed slot is not enough:
/// the callback is refused after the call closed. Debug builds panic ("checked before
/// closing the call"); release builds reject the command after emitting the close — the
/// customer is lost and a rejection changed the state.
#[test]
fn choosing_a_callback_is_refused_before_the_call_closes() {
    let mut tight = Settings::default();
    tight.limits.contacts_open_max = 1;
    check(scripted(
        &callback_world(Channel::Voice, CallbackSettings::default(), 0),
        vec![
            (1_000, voice_arrives()),
            (2_000, voice_arrives()),
            (3_000, Command::ConfigureSettings(tight)),
            (
                4_000,
                Command::ChooseCallback {
                    contact: ContactId(1),
                    destination: None,
                },
            ),
        ],
    ));
}

fn accept_and_fail_the_dial(at: i64, offer: u64, contact: u64) -> Vec<(i64, Command)> {
    vec![
        (at, accept(offer)),
        (
            at + 1_000,
            Command::Connector(ConnectorEvent::DialFailed {
                contact: ContactId(contact),
                cause_code: None,
            }),
        ),
        (
            at + 2_000,
            Command::Complete {
                agent: a(0),
                contact: ContactId(contact),
                disposition: None,
            },
        ),
    ]
}

/// Reconfiguring a queue may lower Attempts Before Failure below the counted attempts of an
/// open callback: the change is accepted and the callback is then over the limit (2 of 1),
/// which `check_invariants` (and issue 3: "attempts never exceed the limit") forbids.
/// Lowering it to exactly the count does the same one attempt later (the next counted
/// attempt makes 2 of 1 before the callback fails). The engine should refuse such a change
/// while the callback is open, or fail the callback when the limit is reached.
#[test]
fn lowering_attempts_before_failure_never_leaves_a_callback_over_the_limit() {
    let callbacks = CallbackSettings {
        recall_intervals_ms: vec![1_000],
        ..CallbackSettings::default()
    };
    let world = callback_world(Channel::Callback, callbacks.clone(), 1);
    let mut lowered = world.queues[0].clone();
    lowered.callbacks = Some(CallbackSettings {
        attempts_before_failure: 1,
        ..callbacks
    });
    let mut script = vec![
        (0, login(0)),
        (
            1_000,
            Command::CreateCallback {
                queue: QueueId::new("q0"),
                destination: "+3612".into(),
                due: None,
                window_end: None,
                agent: None,
            },
        ),
    ];
    script.extend(accept_and_fail_the_dial(2_000, 1, 1));
    script.extend(accept_and_fail_the_dial(6_000, 2, 1));
    script.push((8_500, Command::ConfigureQueue(Box::new(lowered))));
    check(scripted(&world, script));
}

/// On 25 October 2026 Budapest's clocks go back at 03:00 CEST to 02:00 CET, so the local
/// hour 02:00–03:00 happens twice. `Schedule::is_open` says a "Sun 02:00-02:30" window is
/// open both times (00:00–00:30 and 01:00–01:30 UTC), but `Schedule::next_change` resolves
/// each candidate local time to its first occurrence only, so the second opening is never
/// scheduled: at 01:05 UTC the queue's callbacks are still Off Schedule HRS while its
/// schedule is open (and due callbacks wait until next Sunday).
#[test]
fn callbacks_open_in_the_repeated_hour_of_the_autumn_dst_change() {
    let callbacks = CallbackSettings {
        time_zone: "Europe/Budapest".into(),
        open_hours: vec!["Sun 02:00-02:30".into()],
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 0);
    // Sunday 25 October 2026, 00:45 UTC = 02:45 CEST, between the two openings.
    let sunday = AUTUMN_2026_MS + 24 * HOUR_MS;
    world.start = sunday + 45 * 60_000;
    let start_callbacks = || Command::StartCallbacks {
        queue: QueueId::new("q0"),
    };
    check(scripted(
        &world,
        vec![(sunday + 65 * 60_000, start_callbacks())],
    ));
}

/// A completion status set while the callback is in Preview, then `StartDial` arms the
/// No Answer timer (`AttemptDialing`), then `End`: the status is already set, so no
/// `CompletionStatusSet` stops the timer. It fires at the deadline and does nothing (the
/// contact is in Wrap Up): the live engine drops it silently while a replayed engine, which
/// sees no event ending it, keeps it — the replay diverges (`next timeout`).
#[test]
fn a_dial_started_with_its_status_set_leaves_no_timer_behind() {
    let mut world = callback_world(Channel::Callback, CallbackSettings::default(), 1);
    world.queues[0].preview = true;
    let (agent, contact) = (a(0), ContactId(1));
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (
                1_000,
                Command::CreateCallback {
                    queue: QueueId::new("q0"),
                    destination: "+3612".into(),
                    due: None,
                    window_end: None,
                    agent: None,
                },
            ),
            (2_000, accept(1)),
            (
                3_000,
                Command::SetCompletion {
                    agent: agent.clone(),
                    contact,
                    status: CompletionStatus::Handled,
                },
            ),
            (
                4_000,
                Command::StartDial {
                    agent: agent.clone(),
                    contact,
                },
            ),
            (5_000, Command::End { agent, contact }),
            // Past the No Answer deadline (64 s).
            (
                70_000,
                Command::StartCallbacks {
                    queue: QueueId::new("q0"),
                },
            ),
        ],
    ));
}

/// The engine restarts the shift on reconfiguration only when the *next* shift start moves.
/// Across the 25-hour day of the autumn DST change, "20:15 Europe/Budapest" and "19:15 UTC"
/// share the next start (19:15 UTC on 25 October) but not the last one (18:15 vs 19:15 UTC
/// on the 24th): switching from one to the other keeps `shift_since` at 18:15 UTC, so the
/// monitor counts an hour that the configured shift says belongs to the previous shift.
#[test]
fn a_new_shift_start_restarts_the_shift_when_the_last_start_moves() {
    let callbacks = CallbackSettings {
        time_zone: "Europe/Budapest".into(),
        shift_start: "20:15".into(),
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 0);
    // Sunday 25 October 2026, 00:00 UTC.
    world.start = AUTUMN_2026_MS + 24 * HOUR_MS;
    let mut utc = world.queues[0].clone();
    utc.callbacks = Some(CallbackSettings {
        shift_start: "19:15".into(),
        ..CallbackSettings::default()
    });
    check(scripted(
        &world,
        vec![(world.start + 1_000, Command::ConfigureQueue(Box::new(utc)))],
    ));
}

/// A callback's expiry (max age) passes while it is offered (not yet accepted): the engine
/// only marks it expired, as it would an attempt in progress. When the agent then refuses,
/// the callback goes back to the queue (HandlingByBusinessProcess) and is offered again
/// although it has expired; §8 says an expired callback completes with 57 OK_CALLBACK_TIMEOUT
/// (only an attempt already under way may finish first).
#[test]
fn a_callback_expiring_while_offered_does_not_return_to_the_queue() {
    let callbacks = CallbackSettings {
        max_age_ms: Some(60_000),
        ..CallbackSettings::default()
    };
    let mut world = callback_world(Channel::Callback, callbacks, 1);
    world.queues[0].offer_timeout_ms = Some(120_000);
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (
                1_000,
                Command::CreateCallback {
                    queue: QueueId::new("q0"),
                    destination: "+3612".into(),
                    due: None,
                    window_end: None,
                    agent: None,
                },
            ),
            // Expires at 61 s while offered; the agent declines at 70 s.
            (70_000, Command::Refuse { offer: OfferId(1) }),
        ],
    ));
}

/// The same through Callback Requested: the callback expires (max age) during an attempt,
/// and the agent reschedules it. Answering Machine, No Answer and Cancel check the expiry
/// when the wrap-up ends and complete the callback Expired (57); Callback Requested does
/// not, so the expired callback goes back to Pending until the requested time, and then to
/// the queue.
#[test]
fn an_expired_callback_is_not_rescheduled() {
    let callbacks = CallbackSettings {
        max_age_ms: Some(60_000),
        ..CallbackSettings::default()
    };
    let world = callback_world(Channel::Callback, callbacks, 1);
    let (agent, contact) = (a(0), ContactId(1));
    check(scripted(
        &world,
        vec![
            (0, login(0)),
            (
                1_000,
                Command::CreateCallback {
                    queue: QueueId::new("q0"),
                    destination: "+3612".into(),
                    due: None,
                    window_end: None,
                    agent: None,
                },
            ),
            (2_000, accept(1)),
            (
                3_000,
                Command::Connector(ConnectorEvent::Answered {
                    contact,
                    by: AnsweredBy::Live,
                }),
            ),
            (
                4_000,
                Command::SetCompletion {
                    agent: agent.clone(),
                    contact,
                    status: CompletionStatus::CallbackRequested {
                        due: Timestamp(300_000),
                        agent: None,
                    },
                },
            ),
            // Expired at 61 s, during the attempt.
            (
                70_000,
                Command::End {
                    agent: agent.clone(),
                    contact,
                },
            ),
            (
                71_000,
                Command::Complete {
                    agent,
                    contact,
                    disposition: None,
                },
            ),
        ],
    ));
}

/// An engine serialized as a snapshot (JSON) and read back: it must dump the same.
fn through_snapshot(engine: Engine) -> Result<Engine, String> {
    if !engine.snapshot_ready() {
        return Err("snapshot of an engine with undrained outputs".into());
    }
    let json = serde_json::to_string(&engine).map_err(|e| format!("snapshot: {e}"))?;
    let mut reader = serde_json::Deserializer::from_str(&json);
    let restored = Engine::from_snapshot(&mut reader).map_err(|e| format!("restore: {e}"))?;
    restored
        .check_invariants()
        .map_err(|v| format!("restored engine breaks an invariant: {v}"))?;
    if restored.dump() != engine.dump() || restored.poll_timeout() != engine.poll_timeout() {
        return Err(format!(
            "snapshot diverged:\n--- restored ---\n{}--- original ---\n{}",
            restored.dump(),
            engine.dump()
        ));
    }
    Ok(restored)
}
