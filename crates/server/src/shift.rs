//! Supervisor counters per queue for the current shift (docs/api.md, "Supervisor monitor"):
//! offered, answered, abandoned and service level. A projection of the committed events, restarted
//! by `ShiftStarted`; rebuilt from the journal at start like the engine.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use switchboard_core::closure::{Major, Minor};
use switchboard_core::config::SERVICE_LEVEL_SECONDS_DEFAULT;
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{ContactId, QueueId};
use switchboard_core::time::Timestamp;

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ShiftFigures {
    /// Contacts that arrived in the queue this shift.
    pub offered: u64,
    /// Contacts of the queue an agent connected to this shift.
    pub answered: u64,
    /// Answered within the queue's service-level threshold of entering the queue.
    pub answered_in_time: u64,
    /// Contacts whose customer left before an agent had them.
    pub abandoned: u64,
    /// Contacts closed because the queue was closed (38, 15 / 23 / 24: schedule, holiday,
    /// emergency): arrivals, and the waiting contacts of a `close-waiting` queue. Not in the
    /// service level (no agent could have answered them).
    #[serde(default)]
    pub closed_by_closure: u64,
    /// answered_in_time ÷ (answered + abandoned), when any.
    pub service_level: Option<f64>,
    /// The queue's service-level threshold (`service_level_seconds` of its configuration).
    #[serde(default = "default_threshold")]
    pub service_level_seconds: u32,
}

fn default_threshold() -> u32 {
    SERVICE_LEVEL_SECONDS_DEFAULT
}

#[derive(Debug, Default, Serialize, serde::Deserialize)]
struct Tracker {
    figures: BTreeMap<QueueId, ShiftFigures>,
    /// Open contacts not yet answered: their queue and entrance.
    waiting: BTreeMap<ContactId, (QueueId, Timestamp)>,
    /// Service-level thresholds (seconds) of the queues that set one.
    #[serde(default)]
    thresholds: BTreeMap<QueueId, u32>,
}

impl Tracker {
    fn threshold(&self, queue: &QueueId) -> u32 {
        self.thresholds
            .get(queue)
            .copied()
            .unwrap_or(SERVICE_LEVEL_SECONDS_DEFAULT)
    }
}

#[derive(Debug, Default)]
pub struct Shifts {
    tracker: Mutex<Tracker>,
}

impl Shifts {
    pub fn apply(&self, record: &EventRecord) {
        let mut t = self.tracker.lock().expect("shift tracker");
        match &record.event {
            Event::QueueConfigured { queue } => match queue.service_level_seconds {
                Some(seconds) => {
                    t.thresholds.insert(queue.id.clone(), seconds);
                }
                None => {
                    t.thresholds.remove(&queue.id);
                }
            },
            Event::ShiftStarted { queue, .. } => {
                t.figures.insert(queue.clone(), ShiftFigures::default());
            }
            Event::ContactArrived { contact, queue, .. } => {
                t.figures.entry(queue.clone()).or_default().offered += 1;
                t.waiting.insert(*contact, (queue.clone(), record.at));
            }
            Event::ContactQueued {
                contact,
                queue,
                entrance,
            } => {
                if let Some(slot) = t.waiting.get_mut(contact) {
                    *slot = (queue.clone(), *entrance);
                }
            }
            Event::ContactConnected { contact, .. } => {
                if let Some((queue, entrance)) = t.waiting.remove(contact) {
                    let seconds = t.threshold(&queue);
                    let figures = t.figures.entry(queue).or_default();
                    figures.answered += 1;
                    if record.at.0 - entrance.0 <= i64::from(seconds) * 1000 {
                        figures.answered_in_time += 1;
                    }
                }
            }
            Event::ContactClosed {
                contact,
                code,
                queue,
                ..
            } => {
                let was_waiting = t.waiting.remove(contact).is_some();
                let abandoned = code.minor == Minor::ABANDONED
                    || code.major == Major::FAILED_ABANDONED_AT_AGENT;
                if was_waiting && abandoned {
                    t.figures.entry(queue.clone()).or_default().abandoned += 1;
                }
                let queue_closed = code.major == Major::FAILED_ROUTE_INBOUND
                    && [Minor::INACTIVECAMP, Minor::HOLIDAY, Minor::EMERGENCY]
                        .contains(&code.minor);
                if was_waiting && queue_closed {
                    t.figures
                        .entry(queue.clone())
                        .or_default()
                        .closed_by_closure += 1;
                }
            }
            _ => {}
        }
    }

    /// The counters' state, for a snapshot.
    pub fn to_json(&self) -> serde_json::Value {
        let t = self.tracker.lock().expect("shift tracker");
        serde_json::to_value(&*t).unwrap_or(serde_json::Value::Null)
    }

    /// Restores the counters from a snapshot.
    pub fn load_json(&self, value: serde_json::Value) -> Result<(), serde_json::Error> {
        let tracker: Tracker = serde_json::from_value(value)?;
        *self.tracker.lock().expect("shift tracker") = tracker;
        Ok(())
    }

    pub fn figures(&self, queue: &QueueId) -> ShiftFigures {
        let t = self.tracker.lock().expect("shift tracker");
        let mut figures = t.figures.get(queue).cloned().unwrap_or_default();
        figures.service_level_seconds = t.threshold(queue);
        let judged = figures.answered + figures.abandoned;
        figures.service_level =
            (judged > 0).then(|| figures.answered_in_time as f64 / judged as f64);
        figures
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_core::config::QueueConfig;
    use switchboard_core::ids::AgentId;
    use switchboard_core::model::{Channel, ContactState, Direction};

    fn at(ms: i64, event: Event) -> EventRecord {
        EventRecord {
            at: Timestamp(ms),
            event,
        }
    }

    /// A contact of `queue` that arrives at `arrived` and is answered at `answered`.
    fn answered(shifts: &Shifts, contact: u64, queue: &str, arrived: i64, answered: i64) {
        let (contact, queue) = (ContactId(contact), QueueId::new(queue));
        shifts.apply(&at(
            arrived,
            Event::ContactArrived {
                contact,
                channel: Channel::Voice,
                direction: Direction::Inbound,
                queue: queue.clone(),
                from: "+3611".into(),
                priority: 0,
                attributes: BTreeMap::new(),
            },
        ));
        shifts.apply(&at(
            arrived,
            Event::ContactQueued {
                contact,
                queue,
                entrance: Timestamp(arrived),
            },
        ));
        shifts.apply(&at(
            answered,
            Event::ContactConnected {
                contact,
                agent: AgentId::new("a1"),
                offer: None,
                state: ContactState::Handling,
                units: 1,
            },
        ));
    }

    #[test]
    fn the_service_level_uses_each_queues_threshold() {
        let shifts = Shifts::default();
        let mut fast = QueueConfig::new("fast", Channel::Voice);
        fast.service_level_seconds = Some(10);
        shifts.apply(&at(
            0,
            Event::QueueConfigured {
                queue: Box::new(fast),
            },
        ));
        let plain = QueueConfig::new("plain", Channel::Voice);
        shifts.apply(&at(
            0,
            Event::QueueConfigured {
                queue: Box::new(plain),
            },
        ));
        // 15 s: late for "fast" (10 s), in time for "plain" (the default 20 s).
        answered(&shifts, 1, "fast", 1_000, 16_000);
        answered(&shifts, 2, "fast", 1_000, 11_000);
        answered(&shifts, 3, "plain", 1_000, 16_000);
        let fast = shifts.figures(&QueueId::new("fast"));
        assert_eq!((fast.answered, fast.answered_in_time), (2, 1));
        assert_eq!(fast.service_level, Some(0.5));
        assert_eq!(fast.service_level_seconds, 10);
        let plain = shifts.figures(&QueueId::new("plain"));
        assert_eq!((plain.answered, plain.answered_in_time), (1, 1));
        assert_eq!(plain.service_level_seconds, SERVICE_LEVEL_SECONDS_DEFAULT);
        // Reconfigured without a threshold: back to the default; a snapshot keeps it all.
        let json = shifts.to_json();
        let restored = Shifts::default();
        restored.load_json(json).unwrap();
        assert_eq!(
            restored
                .figures(&QueueId::new("fast"))
                .service_level_seconds,
            10
        );
        let reset = QueueConfig::new("fast", Channel::Voice);
        shifts.apply(&at(
            20_000,
            Event::QueueConfigured {
                queue: Box::new(reset),
            },
        ));
        assert_eq!(
            shifts.figures(&QueueId::new("fast")).service_level_seconds,
            SERVICE_LEVEL_SECONDS_DEFAULT
        );
    }
}
