//! Agents and stations: their configuration and its validation.

use super::validate::{check_id, check_offer_timeout, check_reasons, check_text, check_units};
use super::{ConfigError, Limits, PROFICIENCY_MAX, PROFICIENCY_MIN};
use crate::ids::{AgentId, QueueId, StationId};
use crate::model::Channel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
