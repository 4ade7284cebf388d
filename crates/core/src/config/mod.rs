//! The configuration model: queues, agents, stations, global settings and limits, with
//! validation that names the bad field (`queues[sales].offer_timeout_ms`).
//!
//! Durations are milliseconds (`*_ms`); drivers may accept friendlier units and convert.
//!
//! Here: the settings, limits and the small enums they share; `queue.rs` the queue,
//! `agent.rs` agents and stations, `validate.rs` the checks they all use.

use crate::model::{Channel, Presence};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use strum::VariantArray;

mod agent;
mod queue;
mod validate;

pub use agent::{AgentConfig, QueueSkill, StationConfig};
pub use queue::{
    DROPPED_WITHIN_MAX_MS, DROPPED_WITHIN_MIN_MS, QueueConfig, QueueThresholds,
    SERVICE_LEVEL_SECONDS_DEFAULT, SERVICE_LEVEL_SECONDS_MAX,
};
use validate::{
    check_duration, check_offer_timeout, check_reasons, check_unavailable_timeout, check_units,
};
pub(crate) use validate::{check_id, check_text};

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

/// What an agent's state becomes after a refusal (the presence policy: docs/engine.md,
/// "Offers and refusals").
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
    /// Reasons an agent may give when it refuses an offer (none by default: a refusal asks
    /// for no reason). Recorded with the `Declined` refusal. Not serialized while empty, so
    /// journals and bodies of settings without it keep their shape.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::UnavailableReasons))]
    pub decline_reasons: Vec<String>,
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
            decline_reasons: Vec::new(),
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
        check_reasons(
            "settings.decline_reasons",
            &self.decline_reasons,
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

#[cfg(test)]
mod tests;
