//! The configuration model: queues, agents, stations, global settings and limits, with
//! validation that names the bad field (`queues[sales].offer_timeout_ms`).
//!
//! Durations are milliseconds (`*_ms`); drivers may accept friendlier units and convert.

use crate::ids::{AgentId, QueueId, StationId};
use crate::model::{Channel, Presence};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use strum::VariantArray;

pub const OFFER_TIMEOUT_DEFAULT_MS: u64 = 45_000;
pub const OFFER_TIMEOUT_MIN_MS: u64 = 15_000;
pub const OFFER_TIMEOUT_MAX_MS: u64 = 300_000;
pub const AGENT_LINK_TIMEOUT_DEFAULT_MS: u64 = 60_000;
pub const REOFFER_DELAY_DEFAULT_MS: u64 = 30_000;
/// The unavailable time-out, when on: 30–720 minutes.
pub const UNAVAILABLE_TIMEOUT_MIN_MS: u64 = 30 * 60 * 1000;
pub const UNAVAILABLE_TIMEOUT_MAX_MS: u64 = 720 * 60 * 1000;
pub const CAPACITY_UNITS: u16 = 100;
pub const PRIORITY_MAX: u16 = 1000;
pub const PROFICIENCY_MIN: u8 = 1;
pub const PROFICIENCY_MAX: u8 = 10;
/// The longest any configured duration may be (30 days): keeps deadlines sane.
pub const DURATION_MAX_MS: u64 = 30 * 24 * 3600 * 1000;
/// The longest text for people (names, labels, reasons, numbers) a configuration may hold.
pub const TEXT_MAX_CHARS: usize = 200;

/// A validation failure naming the field, e.g. `queues[sales].offer_timeout_ms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigError {
    pub field: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// How the agents of a queue are ordered for a new offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum RoutingStrategy {
    /// The agent whose last work (becoming Ready, taking or finishing a contact) is oldest.
    #[default]
    LongestIdle,
    /// The agent offered a contact of this queue least recently.
    RoundRobin,
    /// The agent with the fewest contacts now; ties by longest idle.
    FewestContacts,
    /// The agent with the highest proficiency in this queue; ties by longest idle.
    HighestProficiencyFirst,
}

/// What happens to contacts already waiting in a queue when it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum WhenClosed {
    /// They keep their place and are still offered to agents (only new arrivals close).
    #[default]
    KeepWaiting,
    /// They close with the queue's closure code (38, 15 / 23 / 24), as new arrivals do.
    CloseWaiting,
}

impl WhenClosed {
    fn is_keep(&self) -> bool {
        *self == WhenClosed::KeepWaiting
    }
}

/// How waiting contacts of a queue are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case", tag = "mode")]
pub enum PriorityHandling {
    /// Higher priority first, then earlier entrance time.
    #[default]
    Strict,
    /// Entrance time only; priority is ignored inside the queue.
    Fifo,
    /// Each priority level counts as `ms_per_level` of extra waiting time, so low-priority
    /// contacts still age to the front.
    WeightedAge {
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 2_592_000_000_u64))]
        ms_per_level: u64,
    },
}

/// What an agent's state becomes after a refusal (§6 presence policy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PolicyState {
    Unchanged,
    Ready,
    Break,
    BackOffice,
    OutgoingInteractions,
    Offline,
    NoAnswer,
}

impl PolicyState {
    pub fn presence(self) -> Option<Presence> {
        match self {
            PolicyState::Unchanged => None,
            PolicyState::Ready => Some(Presence::Ready),
            PolicyState::Break => Some(Presence::Break),
            PolicyState::BackOffice => Some(Presence::BackOffice),
            PolicyState::OutgoingInteractions => Some(Presence::OutgoingInteractions),
            PolicyState::Offline => Some(Presence::Offline),
            PolicyState::NoAnswer => Some(Presence::NoAnswer),
        }
    }
}

/// The agent's state after a refusal, by kind of refusal. Defaults: No Answer for all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct PresencePolicy {
    pub state_on_decline: PolicyState,
    pub state_on_push_timeout: PolicyState,
    pub state_on_agent_error: PolicyState,
}

impl Default for PresencePolicy {
    fn default() -> Self {
        PresencePolicy {
            state_on_decline: PolicyState::NoAnswer,
            state_on_push_timeout: PolicyState::NoAnswer,
            state_on_agent_error: PolicyState::NoAnswer,
        }
    }
}

/// A business outcome an agent may pick in wrap-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Disposition {
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::DispositionCode))]
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::Text))]
    pub label_en: String,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::Text))]
    pub label_hu: String,
    #[serde(default)]
    pub success: bool,
    #[serde(default)]
    pub callback: bool,
    #[serde(default)]
    pub no_interest: bool,
    #[serde(default)]
    pub do_not_call: bool,
}

/// A queue: where contacts of one channel wait for agents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    pub id: QueueId,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::Text>))]
    pub name: Option<String>,
    pub channel: Channel,
    #[serde(default)]
    pub strategy: RoutingStrategy,
    #[serde(default)]
    pub priority_handling: PriorityHandling,
    /// Offer (refusal) timeout for this queue; `None` uses the channel default of the settings.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OfferTimeoutMs>))]
    pub offer_timeout_ms: Option<u64>,
    /// Wrap-up ends automatically after this long (closure 59); `None`: no limit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::DurationMs>))]
    pub wrap_up_limit_ms: Option<u64>,
    /// Queue time limit (closure 38/19); `None`: no limit.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1_000, maximum = 2_592_000_000_u64)
    )]
    pub max_wait_ms: Option<u64>,
    /// Queue size limit on arrival (closure 38/17); `None`: only the engine limit applies.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(maximum = 500_000))]
    pub max_queue_size: Option<u32>,
    /// Most offers (hops) one contact may get before it closes (38/21); `None`: engine limit.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000))]
    pub max_offers: Option<u32>,
    /// Dynamic delivery: offer one contact to up to this many agents at once.
    #[serde(default = "one")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 16))]
    pub fan_out: u8,
    /// Overrides the global presence policy for refusals of this queue's contacts.
    #[serde(default)]
    pub presence_policy: Option<PresencePolicy>,
    /// How long a refusing agent is kept from the same contact; `None`: the settings' default.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::DurationMs>))]
    pub reoffer_delay_ms: Option<u64>,
    /// Close arrivals with (38, 7) when no agent of this queue is logged in.
    #[serde(default)]
    pub reject_when_no_agents: bool,
    /// The queue's own open hours and holidays for arriving contacts (the callbacks' schedule
    /// shape); outside them arrivals close (38, 15), on a holiday (38, 23). `None`: always
    /// open (but in an emergency).
    /// (Boxed: most queues have none, and a queue travels in every `ConfigureQueue`.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Box<crate::schedule::ScheduleSettings>>,
    /// What happens to contacts waiting in the queue when it closes (schedule, holiday or
    /// emergency).
    #[serde(default, skip_serializing_if = "WhenClosed::is_keep")]
    pub when_closed: WhenClosed,
    /// Callback contacts show Preview after accept, until the agent starts the dial.
    #[serde(default)]
    pub preview: bool,
    /// Wrap-up must name a disposition.
    #[serde(default)]
    pub disposition_required: bool,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 256))]
    pub dispositions: Vec<Disposition>,
    /// The callback process of this queue (voice and callback queues only); `None`: the
    /// queue takes no callbacks.
    #[serde(default)]
    pub callbacks: Option<crate::callback::CallbackSettings>,
    /// Reschedule a call the customer dropped before its handling completed as a callback
    /// due this long after the drop: the call closes (49, minor) and a callback to the
    /// caller's number joins this queue's callback process (voice queues with `callbacks`
    /// only). `None` (the default): a dropped call closes as it always did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 60_000, maximum = 2_592_000_000_u64)
    )]
    pub reschedule_dropped_ms: Option<u64>,
    /// With `reschedule_dropped_ms`: a hang-up the customer ended this soon after the
    /// conversation began also counts as a drop (the call was cut off early). `None`: only
    /// drops while queued, offered or connecting count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1_000, maximum = 3_600_000))]
    pub dropped_within_ms: Option<u64>,
    /// The supervisor monitor's service level counts contacts answered within this many
    /// seconds of entering the queue; `None`: [`SERVICE_LEVEL_SECONDS_DEFAULT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86_400))]
    pub service_level_seconds: Option<u32>,
    /// Alert levels for the supervisor monitor: crossing one is shown on the queue's row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<QueueThresholds>,
}

/// When the supervisor monitor flags a queue (PRODUCT.md §9). Any of them; none: never.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueThresholds {
    /// The oldest waiting contact has waited longer than this many seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86_400))]
    pub longest_wait_seconds: Option<u32>,
    /// The shift's service level is below this percentage (once it has any answered or
    /// abandoned contact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub service_level_percent: Option<u8>,
    /// More contacts than this are waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1_000_000))]
    pub waiting: Option<u32>,
}

/// The range of `dropped_within_ms`: 1 s to 1 hour of conversation.
pub const DROPPED_WITHIN_MIN_MS: u64 = 1_000;
pub const DROPPED_WITHIN_MAX_MS: u64 = 3_600_000;

/// The service-level threshold of a queue that sets none (the common "answered within 20 s").
pub const SERVICE_LEVEL_SECONDS_DEFAULT: u32 = 20;

/// The longest service-level threshold a queue may set (one day).
pub const SERVICE_LEVEL_SECONDS_MAX: u32 = 86_400;

fn one() -> u8 {
    1
}

impl QueueConfig {
    /// A queue with every setting at its default.
    pub fn new(id: &str, channel: Channel) -> Self {
        QueueConfig {
            id: QueueId::new(id),
            name: None,
            channel,
            strategy: RoutingStrategy::default(),
            priority_handling: PriorityHandling::default(),
            offer_timeout_ms: None,
            wrap_up_limit_ms: None,
            max_wait_ms: None,
            max_queue_size: None,
            max_offers: None,
            fan_out: 1,
            presence_policy: None,
            reoffer_delay_ms: None,
            reject_when_no_agents: false,
            schedule: None,
            when_closed: WhenClosed::KeepWaiting,
            preview: false,
            disposition_required: false,
            dispositions: Vec::new(),
            callbacks: None,
            reschedule_dropped_ms: None,
            dropped_within_ms: None,
            service_level_seconds: None,
            thresholds: None,
        }
    }

    /// The service-level threshold in seconds (the queue's, else the default).
    pub fn service_level_seconds(&self) -> u32 {
        self.service_level_seconds
            .unwrap_or(SERVICE_LEVEL_SECONDS_DEFAULT)
    }

    pub fn disposition(&self, code: &str) -> Option<&Disposition> {
        self.dispositions.iter().find(|d| d.code == code)
    }
}

/// One queue an agent serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QueueSkill {
    /// A configured queue, listed once per agent.
    pub queue: QueueId,
    /// 1 (lowest) to 10 (highest).
    #[serde(default = "default_proficiency")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10))]
    pub proficiency: u8,
}

fn default_proficiency() -> u8 {
    5
}

/// An agent: a person who handles contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub id: AgentId,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::Text))]
    pub full_name: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::Text>))]
    pub team: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub queues: Vec<QueueSkill>,
    /// Capacity units per channel for this agent, overriding the settings' defaults.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<Channel, crate::schema::CapacityUnits>))]
    pub capacity: BTreeMap<Channel, u8>,
    /// Unavailable reasons the agent may give with Break or BackOffice (e.g. "Lunch"); empty
    /// means the settings' list applies.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::UnavailableReasons))]
    pub unavailable_reasons: Vec<String>,
    /// Offer (refusal) time-out per channel for this agent (the agent profile's refusal
    /// time-out): overrides the queue's and the settings' for offers of that channel; a
    /// station's own time-out still wins. Empty: no agent override. Unset channels are not
    /// serialized, so bodies and journals of agents without it keep their shape.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<Channel, crate::schema::OfferTimeoutMs>))]
    pub offer_timeout_ms: BTreeMap<Channel, u64>,
}

impl AgentConfig {
    pub fn new(id: &str, full_name: &str, queues: &[&str]) -> Self {
        AgentConfig {
            id: AgentId::new(id),
            full_name: full_name.to_string(),
            team: None,
            queues: queues
                .iter()
                .map(|q| QueueSkill {
                    queue: QueueId::new(q),
                    proficiency: default_proficiency(),
                })
                .collect(),
            capacity: BTreeMap::new(),
            unavailable_reasons: Vec::new(),
            offer_timeout_ms: BTreeMap::new(),
        }
    }

    /// This agent's offer time-out for `channel`, if its profile sets one.
    pub fn offer_timeout_for(&self, channel: Channel) -> Option<u64> {
        self.offer_timeout_ms.get(&channel).copied()
    }
}

/// A station: the device or line an agent logs in at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StationConfig {
    pub id: StationId,
    /// The number the connector rings for this station (shared: every offer carries it).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::OptionalText))]
    pub number: std::sync::Arc<str>,
    /// Overrides the queue's offer timeout for offers at this station.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OfferTimeoutMs>))]
    pub offer_timeout_ms: Option<u64>,
}

impl StationConfig {
    pub fn new(id: &str, number: &str) -> Self {
        StationConfig {
            id: StationId::new(id),
            number: number.into(),
            offer_timeout_ms: None,
        }
    }
}

/// Hard limits: exceeding one is a `LimitExceeded` rejection, never growth without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub agents_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub queues_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub stations_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub contacts_open_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub contacts_per_queue_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub offers_per_contact_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub queues_per_agent_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub dispositions_per_queue_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub unavailable_reasons_max: u32,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub fan_out_max: u8,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub attributes_per_contact_max: u32,
    /// Numbers on the do-not-call list at most (adding more is `limit_exceeded`).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub do_not_call_max: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            agents_max: 100_000,
            queues_max: 10_000,
            stations_max: 100_000,
            contacts_open_max: 2_000_000,
            contacts_per_queue_max: 500_000,
            offers_per_contact_max: 1_000,
            queues_per_agent_max: 64,
            dispositions_per_queue_max: 256,
            unavailable_reasons_max: 64,
            fan_out_max: 16,
            attributes_per_contact_max: 64,
            do_not_call_max: 1_000_000,
        }
    }
}

/// Global settings: defaults that queues may override, and the limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Default offer timeout per channel (45 s each unless configured).
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<Channel, crate::schema::OfferTimeoutMs>))]
    pub offer_timeout_ms: BTreeMap<Channel, u64>,
    /// Capacity units each channel costs, out of 100.
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<Channel, crate::schema::CapacityUnits>))]
    pub capacity_units: BTreeMap<Channel, u8>,
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 1_000, maximum = 2_592_000_000_u64)
    )]
    pub agent_link_timeout_ms: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::DurationMs))]
    pub reoffer_delay_ms: u64,
    pub presence_policy: PresencePolicy,
    /// Unavailable reasons any agent may give with Break or BackOffice.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::UnavailableReasons))]
    pub unavailable_reasons: Vec<String>,
    /// The state an agent is in right after login when the login names none.
    pub login_state: LoginState,
    pub limits: Limits,
    /// Unavailable time-out: the engine logs out an agent shown in Break or BackOffice for
    /// this long without a break (30–720 minutes); `None` (the default): off. Not
    /// serialized while off, so journals and bodies of settings without it keep their shape.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::UnavailableTimeoutMs>))]
    pub unavailable_timeout_ms: Option<u64>,
    /// The unavailable time-out per unavailable reason (e.g. `"Lunch"`), 30–720 minutes each:
    /// for an agent unavailable with that reason it replaces `unavailable_timeout_ms` (and
    /// applies even while that is off).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = BTreeMap<String, crate::schema::UnavailableTimeoutMs>))]
    pub unavailable_timeout_by_reason_ms: BTreeMap<String, u64>,
}

/// The state right after login.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LoginState {
    #[default]
    Ready,
    Break,
    BackOffice,
    OutgoingInteractions,
}

impl LoginState {
    pub fn presence(self) -> Presence {
        match self {
            LoginState::Ready => Presence::Ready,
            LoginState::Break => Presence::Break,
            LoginState::BackOffice => Presence::BackOffice,
            LoginState::OutgoingInteractions => Presence::OutgoingInteractions,
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            offer_timeout_ms: Channel::VARIANTS
                .iter()
                .map(|c| (*c, OFFER_TIMEOUT_DEFAULT_MS))
                .collect(),
            capacity_units: Channel::VARIANTS
                .iter()
                .map(|c| (*c, c.default_units()))
                .collect(),
            agent_link_timeout_ms: AGENT_LINK_TIMEOUT_DEFAULT_MS,
            reoffer_delay_ms: REOFFER_DELAY_DEFAULT_MS,
            presence_policy: PresencePolicy::default(),
            unavailable_reasons: Vec::new(),
            login_state: LoginState::default(),
            limits: Limits::default(),
            unavailable_timeout_ms: None,
            unavailable_timeout_by_reason_ms: BTreeMap::new(),
        }
    }
}

impl Settings {
    pub fn offer_timeout_for(&self, channel: Channel) -> u64 {
        self.offer_timeout_ms
            .get(&channel)
            .copied()
            .unwrap_or(OFFER_TIMEOUT_DEFAULT_MS)
    }

    /// The unavailable time-out of an agent unavailable with `reason`: the reason's own,
    /// else the global one; `None`: the agent is never logged out for it.
    pub fn unavailable_timeout_for(&self, reason: Option<&str>) -> Option<u64> {
        reason
            .and_then(|r| self.unavailable_timeout_by_reason_ms.get(r))
            .copied()
            .or(self.unavailable_timeout_ms)
    }

    pub fn units_for(&self, channel: Channel) -> u8 {
        self.capacity_units
            .get(&channel)
            .copied()
            .unwrap_or(channel.default_units())
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        for (channel, ms) in &self.offer_timeout_ms {
            check_offer_timeout(&format!("settings.offer_timeout_ms.{channel}"), *ms)?;
        }
        for (channel, units) in &self.capacity_units {
            check_units(&format!("settings.capacity_units.{channel}"), *units)?;
        }
        check_duration(
            "settings.agent_link_timeout_ms",
            self.agent_link_timeout_ms,
            1_000,
        )?;
        check_duration("settings.reoffer_delay_ms", self.reoffer_delay_ms, 0)?;
        check_reasons(
            "settings.unavailable_reasons",
            &self.unavailable_reasons,
            self.limits.unavailable_reasons_max,
        )?;
        if let Some(ms) = self.unavailable_timeout_ms {
            check_unavailable_timeout("settings.unavailable_timeout_ms", ms)?;
        }
        let by_reason = &self.unavailable_timeout_by_reason_ms;
        if by_reason.len() > self.limits.unavailable_reasons_max as usize {
            return Err(ConfigError::new(
                "settings.unavailable_timeout_by_reason_ms",
                format!(
                    "{} reasons: at most {} (unavailable_reasons_max)",
                    by_reason.len(),
                    self.limits.unavailable_reasons_max
                ),
            ));
        }
        for (reason, ms) in by_reason {
            let field = format!("settings.unavailable_timeout_by_reason_ms.{reason}");
            check_text(&field, reason, false)?;
            check_unavailable_timeout(&field, *ms)?;
        }
        let l = &self.limits;
        for (name, value) in [
            ("agents_max", l.agents_max),
            ("queues_max", l.queues_max),
            ("stations_max", l.stations_max),
            ("contacts_open_max", l.contacts_open_max),
            ("contacts_per_queue_max", l.contacts_per_queue_max),
            ("offers_per_contact_max", l.offers_per_contact_max),
            ("queues_per_agent_max", l.queues_per_agent_max),
            ("dispositions_per_queue_max", l.dispositions_per_queue_max),
            ("unavailable_reasons_max", l.unavailable_reasons_max),
            ("attributes_per_contact_max", l.attributes_per_contact_max),
            ("do_not_call_max", l.do_not_call_max),
        ] {
            if value == 0 {
                return Err(ConfigError::new(
                    format!("settings.limits.{name}"),
                    "must be at least 1",
                ));
            }
        }
        if l.fan_out_max == 0 {
            return Err(ConfigError::new(
                "settings.limits.fan_out_max",
                "must be at least 1",
            ));
        }
        Ok(())
    }
}

fn check_offer_timeout(field: &str, ms: u64) -> Result<(), ConfigError> {
    check_time_out(
        field,
        ms,
        (OFFER_TIMEOUT_MIN_MS, OFFER_TIMEOUT_MAX_MS),
        "offer timeout",
        "15–300 s",
    )
}

fn check_unavailable_timeout(field: &str, ms: u64) -> Result<(), ConfigError> {
    check_time_out(
        field,
        ms,
        (UNAVAILABLE_TIMEOUT_MIN_MS, UNAVAILABLE_TIMEOUT_MAX_MS),
        "unavailable time-out",
        "30–720 minutes",
    )
}

/// `ms` within `min..=max`, else an error naming the field, the time-out and its range.
fn check_time_out(
    field: &str,
    ms: u64,
    (min, max): (u64, u64),
    what: &str,
    range: &str,
) -> Result<(), ConfigError> {
    if !(min..=max).contains(&ms) {
        return Err(ConfigError::new(
            field,
            format!("{ms} ms is outside the allowed {what} of {min}–{max} ms ({range})"),
        ));
    }
    Ok(())
}

fn check_units(field: &str, units: u8) -> Result<(), ConfigError> {
    if units == 0 || u16::from(units) > CAPACITY_UNITS {
        return Err(ConfigError::new(
            field,
            format!("{units} capacity units: must be 1–100"),
        ));
    }
    Ok(())
}

fn check_duration(field: &str, ms: u64, min_ms: u64) -> Result<(), ConfigError> {
    if ms < min_ms || ms > DURATION_MAX_MS {
        return Err(ConfigError::new(
            field,
            format!("{ms} ms: must be {min_ms}–{DURATION_MAX_MS} ms"),
        ));
    }
    Ok(())
}

pub(crate) fn check_text(field: &str, text: &str, allow_empty: bool) -> Result<(), ConfigError> {
    if !allow_empty && text.trim().is_empty() {
        return Err(ConfigError::new(field, "must not be empty"));
    }
    if text.chars().count() > TEXT_MAX_CHARS {
        return Err(ConfigError::new(
            field,
            format!("longer than {TEXT_MAX_CHARS} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(ConfigError::new(field, "contains control characters"));
    }
    Ok(())
}

/// Ids are short, printable and free of spaces and slashes: they appear in URLs and reports.
pub(crate) fn check_id(field: &str, id: &str) -> Result<(), ConfigError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ConfigError::new(field, "must be 1–64 characters"));
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':' | '@' | '+'))
    {
        return Err(ConfigError::new(
            field,
            format!("{id:?}: only letters, digits and - _ . : @ + are allowed"),
        ));
    }
    Ok(())
}

fn check_reasons(field: &str, reasons: &[String], max: u32) -> Result<(), ConfigError> {
    if reasons.len() > max as usize {
        return Err(ConfigError::new(
            field,
            format!("{} reasons: at most {max}", reasons.len()),
        ));
    }
    for (i, reason) in reasons.iter().enumerate() {
        check_text(&format!("{field}[{i}]"), reason, false)?;
        if reasons[..i].contains(reason) {
            return Err(ConfigError::new(
                format!("{field}[{i}]"),
                format!("{reason:?} is listed twice"),
            ));
        }
    }
    Ok(())
}

impl QueueConfig {
    pub fn validate(&self, limits: &Limits) -> Result<(), ConfigError> {
        let at = format!("queues[{}]", self.id);
        check_id(&format!("{at}.id"), self.id.as_str())?;
        if let Some(name) = &self.name {
            check_text(&format!("{at}.name"), name, false)?;
        }
        if let Some(ms) = self.offer_timeout_ms {
            check_offer_timeout(&format!("{at}.offer_timeout_ms"), ms)?;
        }
        if let Some(ms) = self.wrap_up_limit_ms {
            check_duration(&format!("{at}.wrap_up_limit_ms"), ms, 0)?;
        }
        if let Some(ms) = self.max_wait_ms {
            check_duration(&format!("{at}.max_wait_ms"), ms, 1_000)?;
        }
        if let Some(ms) = self.reoffer_delay_ms {
            check_duration(&format!("{at}.reoffer_delay_ms"), ms, 0)?;
        }
        if let Some(seconds) = self.service_level_seconds
            && !(1..=SERVICE_LEVEL_SECONDS_MAX).contains(&seconds)
        {
            return Err(ConfigError::new(
                format!("{at}.service_level_seconds"),
                format!("{seconds}: must be 1–{SERVICE_LEVEL_SECONDS_MAX} seconds"),
            ));
        }
        if let Some(t) = &self.thresholds {
            let field = |name: &str| format!("{at}.thresholds.{name}");
            if let Some(s) = t.longest_wait_seconds
                && !(1..=SERVICE_LEVEL_SECONDS_MAX).contains(&s)
            {
                return Err(ConfigError::new(
                    field("longest_wait_seconds"),
                    format!("{s}: must be 1–{SERVICE_LEVEL_SECONDS_MAX} seconds"),
                ));
            }
            if let Some(p) = t.service_level_percent
                && !(1..=100).contains(&p)
            {
                return Err(ConfigError::new(
                    field("service_level_percent"),
                    format!("{p}: must be 1–100"),
                ));
            }
            if let Some(w) = t.waiting
                && !(1..=1_000_000).contains(&w)
            {
                return Err(ConfigError::new(
                    field("waiting"),
                    format!("{w}: must be 1–1000000"),
                ));
            }
        }
        if let Some(size) = self.max_queue_size
            && size > limits.contacts_per_queue_max
        {
            return Err(ConfigError::new(
                format!("{at}.max_queue_size"),
                format!(
                    "{size} exceeds the engine limit contacts_per_queue_max = {}",
                    limits.contacts_per_queue_max
                ),
            ));
        }
        if let Some(offers) = self.max_offers
            && (offers == 0 || offers > limits.offers_per_contact_max)
        {
            return Err(ConfigError::new(
                format!("{at}.max_offers"),
                format!(
                    "{offers}: must be 1–{} (offers_per_contact_max)",
                    limits.offers_per_contact_max
                ),
            ));
        }
        if self.fan_out == 0 || self.fan_out > limits.fan_out_max {
            return Err(ConfigError::new(
                format!("{at}.fan_out"),
                format!("{}: must be 1–{}", self.fan_out, limits.fan_out_max),
            ));
        }
        if let PriorityHandling::WeightedAge { ms_per_level } = self.priority_handling {
            check_duration(
                &format!("{at}.priority_handling.ms_per_level"),
                ms_per_level,
                1,
            )?;
        }
        if self.dispositions.len() > limits.dispositions_per_queue_max as usize {
            return Err(ConfigError::new(
                format!("{at}.dispositions"),
                format!(
                    "{} dispositions: at most {}",
                    self.dispositions.len(),
                    limits.dispositions_per_queue_max
                ),
            ));
        }
        for (i, d) in self.dispositions.iter().enumerate() {
            let field = format!("{at}.dispositions[{i}]");
            check_id(&format!("{field}.code"), &d.code)?;
            check_text(&format!("{field}.label_en"), &d.label_en, false)?;
            check_text(&format!("{field}.label_hu"), &d.label_hu, false)?;
            if self.dispositions[..i].iter().any(|e| e.code == d.code) {
                return Err(ConfigError::new(
                    format!("{field}.code"),
                    format!("{:?} is defined twice", d.code),
                ));
            }
            if d.success && d.no_interest {
                return Err(ConfigError::new(
                    format!("{field}.no_interest"),
                    "a disposition cannot be both success and no-interest",
                ));
            }
        }
        if let Some(callbacks) = &self.callbacks {
            if !matches!(self.channel, Channel::Voice | Channel::Callback) {
                return Err(ConfigError::new(
                    format!("{at}.callbacks"),
                    format!("a {} queue takes no callbacks", self.channel),
                ));
            }
            callbacks.compile(&format!("{at}.callbacks"))?;
        }
        if let Some(schedule) = &self.schedule {
            schedule.compile(&format!("{at}.schedule"))?;
        }
        if let Some(ms) = self.reschedule_dropped_ms {
            check_duration(&format!("{at}.reschedule_dropped_ms"), ms, 60_000)?;
            // The reschedule is a callback to the caller's number: only calls have one, and
            // the queue's own callback process takes it.
            if self.channel != Channel::Voice || self.callbacks.is_none() {
                return Err(ConfigError::new(
                    format!("{at}.reschedule_dropped_ms"),
                    "needs a voice queue with callbacks",
                ));
            }
        }
        if let Some(ms) = self.dropped_within_ms {
            let field = format!("{at}.dropped_within_ms");
            if !(DROPPED_WITHIN_MIN_MS..=DROPPED_WITHIN_MAX_MS).contains(&ms) {
                return Err(ConfigError::new(
                    field,
                    format!("{ms} ms: must be {DROPPED_WITHIN_MIN_MS}–{DROPPED_WITHIN_MAX_MS} ms"),
                ));
            }
            if self.reschedule_dropped_ms.is_none() {
                return Err(ConfigError::new(field, "needs reschedule_dropped_ms"));
            }
        }
        if self.disposition_required && self.dispositions.is_empty() {
            return Err(ConfigError::new(
                format!("{at}.disposition_required"),
                "is set but the queue has no dispositions",
            ));
        }
        Ok(())
    }
}

impl AgentConfig {
    pub fn validate(&self, limits: &Limits) -> Result<(), ConfigError> {
        let at = format!("agents[{}]", self.id);
        check_id(&format!("{at}.id"), self.id.as_str())?;
        check_text(&format!("{at}.full_name"), &self.full_name, false)?;
        if let Some(team) = &self.team {
            check_text(&format!("{at}.team"), team, false)?;
        }
        if self.queues.len() > limits.queues_per_agent_max as usize {
            return Err(ConfigError::new(
                format!("{at}.queues"),
                format!(
                    "{} queues: at most {} (queues_per_agent_max)",
                    self.queues.len(),
                    limits.queues_per_agent_max
                ),
            ));
        }
        for (i, skill) in self.queues.iter().enumerate() {
            let field = format!("{at}.queues[{i}]");
            if !(PROFICIENCY_MIN..=PROFICIENCY_MAX).contains(&skill.proficiency) {
                return Err(ConfigError::new(
                    format!("{field}.proficiency"),
                    format!(
                        "{}: must be {PROFICIENCY_MIN}–{PROFICIENCY_MAX}",
                        skill.proficiency
                    ),
                ));
            }
            if self.queues[..i].iter().any(|s| s.queue == skill.queue) {
                return Err(ConfigError::new(
                    format!("{field}.queue"),
                    format!("{} is listed twice", skill.queue),
                ));
            }
        }
        for (channel, units) in &self.capacity {
            check_units(&format!("{at}.capacity.{channel}"), *units)?;
        }
        for (channel, ms) in &self.offer_timeout_ms {
            check_offer_timeout(&format!("{at}.offer_timeout_ms.{channel}"), *ms)?;
        }
        check_reasons(
            &format!("{at}.unavailable_reasons"),
            &self.unavailable_reasons,
            limits.unavailable_reasons_max,
        )
    }
}

impl StationConfig {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let at = format!("stations[{}]", self.id);
        check_id(&format!("{at}.id"), self.id.as_str())?;
        check_text(&format!("{at}.number"), &self.number, true)?;
        if let Some(ms) = self.offer_timeout_ms {
            check_offer_timeout(&format!("{at}.offer_timeout_ms"), ms)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
}
