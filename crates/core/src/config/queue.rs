//! A queue's configuration and its validation.

use super::validate::{check_duration, check_id, check_offer_timeout, check_text};
use super::{
    ConfigError, Disposition, Limits, PresencePolicy, PriorityHandling, RoutingStrategy, WhenClosed,
};
use crate::ids::QueueId;
use crate::model::Channel;
use serde::{Deserialize, Serialize};

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

/// When the supervisor monitor flags a queue (docs/api.md, "Supervisor monitor"). Any of them;
/// none: never.
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
