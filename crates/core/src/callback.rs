//! The callback process of seed 004 (docs/callbacks.md): settings per queue, completion statuses,
//! attempt states, locations, the queue's callback status (CLBK Stat) and the supervisor counters.

use crate::closure::Minor;
use crate::config::{ConfigError, DURATION_MAX_MS};
use crate::ids::AgentId;
use crate::model::AnsweredBy;
use crate::schedule::{Schedule, time_of_day};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

pub const ATTEMPTS_BEFORE_FAILURE_DEFAULT: u32 = 3;
pub const ATTEMPTS_BEFORE_FAILURE_MAX: u32 = 100;
pub const RECALL_INTERVALS_MAX: usize = 32;
pub const DURATION_FOR_NO_ANSWER_DEFAULT_MS: u64 = 60_000;
pub const RESERVED_FALLBACK_DEFAULT_MS: u64 = 15 * 60_000;
/// Dial outcomes that end a callback at once unless the queue says otherwise: a number that
/// does not exist or a network announcement (SIT) will not answer on a later attempt either.
pub const END_CALLBACK_ON_DEFAULT: [DialOutcome; 2] =
    [DialOutcome::InvalidNumber, DialOutcome::Sit];

/// A queue's callback settings (seed 004 "Callback Timing", plus schedule and shift).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CallbackSettings {
    /// Counted attempts (the dial outcomes: Answering Machine, No Answer, Busy, Fax, …) after
    /// which the callback fails.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 100))]
    pub attempts_before_failure: u32,
    /// Wait after attempt i before the callback returns to the queue; the last value repeats.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::schema::DurationMs>, min_items = 1, max_items = 32))]
    pub recall_intervals_ms: Vec<u64>,
    /// Longest dial before the attempt is set to No Answer automatically.
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 5_000, maximum = 2_592_000_000_u64)
    )]
    pub duration_for_no_answer_ms: u64,
    /// IANA zone of the schedule, holidays and shift start.
    #[cfg_attr(feature = "openapi", schema(example = "Europe/Budapest"))]
    pub time_zone: String,
    /// Weekly open hours, e.g. "Mon-Fri 08:00-18:00"; empty: always open.
    #[cfg_attr(feature = "openapi", schema(max_items = 100))]
    pub open_hours: Vec<String>,
    /// Closed dates, "YYYY-MM-DD".
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<crate::schema::Date>, max_items = 1_000))]
    pub holidays: Vec<String>,
    /// Local time the supervisor counters restart each day.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::TimeOfDay))]
    pub shift_start: String,
    /// A callback reserved for an agent goes to anyone this long after it is due.
    #[cfg_attr(feature = "openapi", schema(value_type = crate::schema::DurationMs))]
    pub reserved_fallback_ms: u64,
    /// A callback not done this long after creation completes as expired (57).
    #[cfg_attr(
        feature = "openapi",
        schema(minimum = 60_000, maximum = 31_622_400_000_u64)
    )]
    pub max_age_ms: Option<u64>,
    /// Attempt outcomes that end the callback at once (33 FAILED_DESTINATION with the
    /// outcome's minor); every other outcome but `live` is retried after the recall interval,
    /// as No Answer is. `live` cannot be listed: a live answer ends as the agent's completion
    /// status says.
    #[cfg_attr(feature = "openapi", schema(max_items = 8, example = json!(["invalid_number", "sit"])))]
    pub end_callback_on: Vec<DialOutcome>,
}

impl Default for CallbackSettings {
    fn default() -> Self {
        CallbackSettings {
            attempts_before_failure: ATTEMPTS_BEFORE_FAILURE_DEFAULT,
            recall_intervals_ms: vec![5 * 60_000, 15 * 60_000, 60 * 60_000],
            duration_for_no_answer_ms: DURATION_FOR_NO_ANSWER_DEFAULT_MS,
            time_zone: "UTC".into(),
            open_hours: Vec::new(),
            holidays: Vec::new(),
            shift_start: "00:00".into(),
            reserved_fallback_ms: RESERVED_FALLBACK_DEFAULT_MS,
            max_age_ms: None,
            end_callback_on: END_CALLBACK_ON_DEFAULT.to_vec(),
        }
    }
}

impl CallbackSettings {
    /// Validate and parse the schedule; errors name the field under `field`.
    pub fn compile(&self, field: &str) -> Result<(Schedule, jiff::civil::Time), ConfigError> {
        if !(1..=ATTEMPTS_BEFORE_FAILURE_MAX).contains(&self.attempts_before_failure) {
            return Err(ConfigError::new(
                format!("{field}.attempts_before_failure"),
                format!(
                    "{}: must be 1–{ATTEMPTS_BEFORE_FAILURE_MAX}",
                    self.attempts_before_failure
                ),
            ));
        }
        if self.recall_intervals_ms.is_empty()
            || self.recall_intervals_ms.len() > RECALL_INTERVALS_MAX
        {
            return Err(ConfigError::new(
                format!("{field}.recall_intervals_ms"),
                format!("needs 1–{RECALL_INTERVALS_MAX} values"),
            ));
        }
        for (i, ms) in self.recall_intervals_ms.iter().enumerate() {
            if *ms > DURATION_MAX_MS {
                return Err(ConfigError::new(
                    format!("{field}.recall_intervals_ms[{i}]"),
                    format!("{ms} ms: at most {DURATION_MAX_MS} ms"),
                ));
            }
        }
        for (name, ms, min) in [
            (
                "duration_for_no_answer_ms",
                self.duration_for_no_answer_ms,
                5_000,
            ),
            ("reserved_fallback_ms", self.reserved_fallback_ms, 0),
        ] {
            if ms < min || ms > DURATION_MAX_MS {
                return Err(ConfigError::new(
                    format!("{field}.{name}"),
                    format!("{ms} ms: must be {min}–{DURATION_MAX_MS} ms"),
                ));
            }
        }
        if let Some(ms) = self.max_age_ms
            && !(60_000..=366 * 24 * 3_600_000).contains(&ms)
        {
            return Err(ConfigError::new(
                format!("{field}.max_age_ms"),
                format!("{ms} ms: must be one minute to a year"),
            ));
        }
        for (i, outcome) in self.end_callback_on.iter().enumerate() {
            let problem = if *outcome == DialOutcome::Live {
                Some(
                    "a live answer ends as the agent's completion status says; it cannot end a callback by itself",
                )
            } else if self.end_callback_on[..i].contains(outcome) {
                Some("listed twice")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Err(ConfigError::new(
                    format!("{field}.end_callback_on[{i}]"),
                    format!("{}: {problem}", outcome.as_str()),
                ));
            }
        }
        let schedule = Schedule::compile(field, &self.time_zone, &self.open_hours, &self.holidays)?;
        let shift = time_of_day(&format!("{field}.shift_start"), &self.shift_start)?;
        Ok((schedule, shift))
    }

    /// The wait after the `attempt`-th counted attempt (1-based); the last value repeats.
    pub fn recall_interval_ms(&self, attempt: u32) -> u64 {
        let i = (attempt.max(1) as usize - 1).min(self.recall_intervals_ms.len().saturating_sub(1));
        self.recall_intervals_ms.get(i).copied().unwrap_or(0)
    }

    /// An attempt that ended in `state` ends the callback at once (queue policy).
    pub fn ends_callback(&self, state: AttemptState) -> bool {
        state
            .outcome()
            .is_some_and(|o| self.end_callback_on.contains(&o))
    }
}

/// How the connector says a callback or outbound dial ended (`dial_outcome`): from the SIP
/// or Q.850 cause, media detection (fax, modem, machine) or tone detection (SIT).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum DialOutcome {
    /// A person answered: the call goes on (as `answered` by `live`).
    Live,
    /// A machine answered: the call goes on (as `answered` by `machine`).
    AnsweringMachine,
    Busy,
    Fax,
    Modem,
    /// A special information tone (the network's announcement: number changed, not in service…).
    Sit,
    InvalidNumber,
    NoAnswer,
    /// Answered by someone who is not the customer.
    WrongParty,
}

impl DialOutcome {
    /// The wire name, as serde spells it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Live and machine answers connect the call; every other outcome ends the dial.
    pub fn answered(self) -> Option<AnsweredBy> {
        match self {
            DialOutcome::Live => Some(AnsweredBy::Live),
            DialOutcome::AnsweringMachine => Some(AnsweredBy::Machine),
            _ => None,
        }
    }

    /// The attempt state a dial that ended this way records.
    pub fn attempt_state(self) -> AttemptState {
        match self {
            DialOutcome::Live => AttemptState::Handled,
            DialOutcome::AnsweringMachine => AttemptState::AnsweringMachine,
            DialOutcome::Busy => AttemptState::Busy,
            DialOutcome::Fax => AttemptState::Fax,
            DialOutcome::Modem => AttemptState::Modem,
            DialOutcome::Sit => AttemptState::Sit,
            DialOutcome::InvalidNumber => AttemptState::InvalidNumber,
            DialOutcome::NoAnswer => AttemptState::NoAnswer,
            DialOutcome::WrongParty => AttemptState::WrongParty,
        }
    }

    /// The completion status a dial that ended without a conversation sets (None: answered).
    pub fn completion(self) -> Option<CompletionStatus> {
        Some(match self {
            DialOutcome::Live | DialOutcome::AnsweringMachine => return None,
            DialOutcome::Busy => CompletionStatus::Busy,
            DialOutcome::Fax => CompletionStatus::Fax,
            DialOutcome::Modem => CompletionStatus::Modem,
            DialOutcome::Sit => CompletionStatus::Sit,
            DialOutcome::InvalidNumber => CompletionStatus::InvalidNumber,
            DialOutcome::NoAnswer => CompletionStatus::NoAnswer,
            DialOutcome::WrongParty => CompletionStatus::WrongParty,
        })
    }
}

/// The outcome an agent (or the engine) gives an attempt (docs/callbacks.md, "Attempts").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CompletionStatus {
    Handled,
    AnsweringMachine,
    NoAnswer,
    /// Only while dialing; the default when the agent cancels the dial.
    Cancel,
    /// Reschedule, optionally for an agent: Pending until `due`.
    CallbackRequested {
        due: Timestamp,
        #[serde(default)]
        agent: Option<AgentId>,
    },
    WrongDestination,
    /// Dial outcomes the connector reports (`dial_outcome`); an agent who dials by hand and
    /// hears the tone may set them too.
    Busy,
    Fax,
    Modem,
    Sit,
    InvalidNumber,
    WrongParty,
}

impl CompletionStatus {
    pub fn attempt_state(&self) -> AttemptState {
        match self {
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
}

/// How an attempt ended, as the completed-callbacks report shows it.
// `as_str()` is the report's spelling (`"Answering Machine"`), the wire name serde's
// (`"answering_machine"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "title_case")]
pub enum AttemptState {
    Handled,
    AnsweringMachine,
    NoAnswer,
    Cancel,
    CallbackRequested,
    WrongDestination,
    /// Taken out of the queue because callbacks went off schedule or were stopped.
    Aborted,
    /// Ended by a call error or by the callback closing underneath it.
    Error,
    Busy,
    Fax,
    Modem,
    /// Special information tone.
    #[strum(serialize = "Sit Tone")]
    Sit,
    InvalidNumber,
    /// Answered by someone who is not the customer (the connector's `wrong_party`).
    WrongParty,
}

impl AttemptState {
    /// The name as the completed-callbacks report shows it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The dial outcome this state is, for the queue's `end_callback_on` (None: not a dial
    /// outcome — Handled, Cancel, Callback Requested, Wrong Destination, Aborted, Error).
    pub fn outcome(self) -> Option<DialOutcome> {
        Some(match self {
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

    /// Counts against Attempts Before Failure: every dial outcome (each is retried as No
    /// Answer is, or ends the callback).
    pub fn is_counted(self) -> bool {
        self.outcome().is_some()
    }

    /// The minor closure code the attempt records (docs/callbacks.md, "Dial outcomes").
    pub fn minor(self) -> Minor {
        match self {
            AttemptState::AnsweringMachine => Minor::ANSMACHINE,
            AttemptState::NoAnswer => Minor::NOANSWER,
            AttemptState::WrongDestination => Minor::WRONGNUMBER,
            AttemptState::Busy => Minor::BUSY,
            AttemptState::Fax => Minor::FAX,
            AttemptState::Modem => Minor::MODEM,
            AttemptState::Sit => Minor::SIT,
            AttemptState::InvalidNumber => Minor::INVALIDNUM,
            AttemptState::WrongParty => Minor::WRONGNUMBER,
            _ => Minor::DEFAULT,
        }
    }
}

/// Where a callback is (seed 004 "Interaction Location").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(IntoStaticStr, VariantArray)]
pub enum CallbackLocation {
    Pending,
    HandlingByBusinessProcess,
    HandlingByAgent,
    Completed,
}

impl CallbackLocation {
    /// The name as seed 004 spells it, which is also the wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Counted in "Clbk To Be Proc".
    pub fn to_be_processed(self) -> bool {
        matches!(
            self,
            CallbackLocation::Pending | CallbackLocation::HandlingByBusinessProcess
        )
    }
}

/// A queue's callback routing status (CLBK Stat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(IntoStaticStr, VariantArray)]
pub enum CallbackStatus {
    Active,
    #[serde(rename = "Off Schedule HRS")]
    #[strum(serialize = "Off Schedule HRS")]
    OffScheduleHrs,
    Stopped,
}

impl CallbackStatus {
    /// The name as the callback monitor shows it, which is also the wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// How a callback ended (the completed-callbacks report's End_State).
// `as_str()` is the report's spelling (`"Wrong Destination"`), the wire name serde's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "title_case")]
pub enum CallbackEnd {
    Handled,
    WrongDestination,
    /// Attempts Before Failure reached.
    Failed,
    Expired,
    Purged,
    /// Closed by a call error, the hop limit or another technical reason.
    Error,
    /// The destination is on the do-not-call list (58 OK_ON_BLACKLIST).
    DoNotCall,
}

impl CallbackEnd {
    /// The name as the completed-callbacks report's End_State shows it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Counted in Proc (succeeded and failed); purged callbacks count apart.
    pub fn is_processed(self) -> bool {
        self != CallbackEnd::Purged
    }
}

/// Who created a callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CallbackOrigin {
    /// The customer chose a callback while queued: it keeps its place.
    Customer,
    /// An agent scheduled it (from a contact or the callback panel).
    Agent,
    Api,
    /// The engine rescheduled a call the customer dropped (closed (49, minor)); the queue's
    /// `reschedule_dropped_ms` sets when it is due.
    Dropped,
}

/// Supervisor counters of a queue over the current shift, kept incrementally from events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackCounters {
    /// Callbacks completed in the shift (succeeded and failed; not purged).
    pub processed: u64,
    /// Of those, callbacks where a live customer answered at least one attempt.
    pub reached: u64,
    pub purged: u64,
    /// Sum and count of attempt handle times (dial start to end of wrap-up) in the shift.
    pub handle_ms_total: u64,
    pub handle_count: u64,
}

impl CallbackCounters {
    pub fn avg_handle_ms(&self) -> Option<u64> {
        self.handle_ms_total.checked_div(self.handle_count)
    }

    /// % Clbk Reached and % Clbk Fail (they add to 100); `None` while nothing is processed.
    pub fn reached_fail_percent(&self) -> Option<(f64, f64)> {
        if self.processed == 0 {
            return None;
        }
        let reached = self.reached as f64 * 100.0 / self.processed as f64;
        Some((reached, 100.0 - reached))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spellings the derives give, pinned: the completed-callbacks report and the
    /// callback monitor print them.
    #[test]
    fn names_are_the_reports_spellings() {
        let states: Vec<&str> = AttemptState::VARIANTS.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            states,
            [
                "Handled",
                "Answering Machine",
                "No Answer",
                "Cancel",
                "Callback Requested",
                "Wrong Destination",
                "Aborted",
                "Error",
                "Busy",
                "Fax",
                "Modem",
                "Sit Tone",
                "Invalid Number",
                "Wrong Party",
            ]
        );
        let ends: Vec<&str> = CallbackEnd::VARIANTS.iter().map(|e| e.as_str()).collect();
        assert_eq!(
            ends,
            [
                "Handled",
                "Wrong Destination",
                "Failed",
                "Expired",
                "Purged",
                "Error",
                "Do Not Call",
            ]
        );
        let locations: Vec<&str> = CallbackLocation::VARIANTS
            .iter()
            .map(|l| l.as_str())
            .collect();
        assert_eq!(
            locations,
            [
                "Pending",
                "HandlingByBusinessProcess",
                "HandlingByAgent",
                "Completed"
            ]
        );
        for status in CallbackStatus::VARIANTS {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }

    #[test]
    fn recall_intervals_repeat_the_last_value() {
        let s = CallbackSettings::default();
        assert_eq!(s.recall_interval_ms(1), 300_000);
        assert_eq!(s.recall_interval_ms(3), 3_600_000);
        assert_eq!(s.recall_interval_ms(7), 3_600_000);
    }

    #[test]
    fn settings_errors_name_the_field() {
        let mut s = CallbackSettings {
            attempts_before_failure: 0,
            ..Default::default()
        };
        assert_eq!(
            s.compile("queues[q].callbacks").unwrap_err().field,
            "queues[q].callbacks.attempts_before_failure"
        );
        s.attempts_before_failure = 3;
        s.shift_start = "25:00".into();
        assert_eq!(
            s.compile("queues[q].callbacks").unwrap_err().field,
            "queues[q].callbacks.shift_start"
        );
        s.shift_start = "06:00".into();
        s.recall_intervals_ms.clear();
        assert_eq!(
            s.compile("queues[q].callbacks").unwrap_err().field,
            "queues[q].callbacks.recall_intervals_ms"
        );
    }

    #[test]
    fn only_dial_outcomes_count() {
        let counted: Vec<AttemptState> = [
            AttemptState::Handled,
            AttemptState::AnsweringMachine,
            AttemptState::NoAnswer,
            AttemptState::Cancel,
            AttemptState::CallbackRequested,
            AttemptState::WrongDestination,
            AttemptState::Aborted,
            AttemptState::Error,
            AttemptState::Busy,
            AttemptState::Fax,
            AttemptState::Modem,
            AttemptState::Sit,
            AttemptState::InvalidNumber,
            AttemptState::WrongParty,
        ]
        .into_iter()
        .filter(|s| s.is_counted())
        .collect();
        assert_eq!(
            counted,
            [
                AttemptState::AnsweringMachine,
                AttemptState::NoAnswer,
                AttemptState::Busy,
                AttemptState::Fax,
                AttemptState::Modem,
                AttemptState::Sit,
                AttemptState::InvalidNumber,
                AttemptState::WrongParty,
            ]
        );
    }

    #[test]
    fn each_outcome_has_its_minor_and_round_trips() {
        let minors: Vec<u16> = DialOutcome::VARIANTS
            .iter()
            .map(|o| o.attempt_state().minor().0)
            .collect();
        assert_eq!(minors, [0, 2, 3, 4, 5, 8, 9, 6, 13]);
        for &o in DialOutcome::VARIANTS {
            assert_eq!(serde_json::to_value(o).unwrap(), o.as_str());
            // Every outcome but a live answer is one the queue policy can name.
            assert_eq!(
                o.attempt_state().outcome() == Some(o),
                o != DialOutcome::Live
            );
        }
    }

    #[test]
    fn invalid_number_and_sit_end_a_callback_by_default() {
        let s = CallbackSettings::default();
        let ending: Vec<DialOutcome> = DialOutcome::VARIANTS
            .iter()
            .copied()
            .filter(|o| s.ends_callback(o.attempt_state()))
            .collect();
        assert_eq!(ending, [DialOutcome::Sit, DialOutcome::InvalidNumber]);
    }

    #[test]
    fn end_callback_on_refuses_live_and_repeats() {
        let mut s = CallbackSettings {
            end_callback_on: vec![DialOutcome::Busy, DialOutcome::Live],
            ..Default::default()
        };
        let e = s.compile("queues[q].callbacks").unwrap_err();
        assert_eq!(e.field, "queues[q].callbacks.end_callback_on[1]");
        assert!(e.message.starts_with("live:"), "{}", e.message);
        s.end_callback_on = vec![DialOutcome::Busy, DialOutcome::Fax, DialOutcome::Busy];
        let e = s.compile("queues[q].callbacks").unwrap_err();
        assert_eq!(e.field, "queues[q].callbacks.end_callback_on[2]");
        s.end_callback_on.clear();
        assert!(s.compile("queues[q].callbacks").is_ok());
    }
}
