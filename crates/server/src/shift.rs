//! Supervisor counters per queue for the current shift (§9): offered, answered, abandoned and
//! service level. A projection of the committed events, restarted by `ShiftStarted`; rebuilt
//! from the journal at start like the engine.

use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Mutex;
use switchboard_core::closure::{Major, Minor};
use switchboard_core::event::{Event, EventRecord};
use switchboard_core::ids::{ContactId, QueueId};
use switchboard_core::time::Timestamp;

/// Answered within this many seconds counts toward the service level.
pub const SERVICE_LEVEL_SECONDS: i64 = 20;

#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ShiftFigures {
    /// Contacts that arrived in the queue this shift.
    pub offered: u64,
    /// Contacts of the queue an agent connected to this shift.
    pub answered: u64,
    /// Answered within SERVICE_LEVEL_SECONDS of entering the queue.
    pub answered_in_time: u64,
    /// Contacts whose customer left before an agent had them.
    pub abandoned: u64,
    /// answered_in_time ÷ (answered + abandoned), when any.
    pub service_level: Option<f64>,
}

#[derive(Debug, Default, Serialize, serde::Deserialize)]
struct Tracker {
    figures: BTreeMap<QueueId, ShiftFigures>,
    /// Open contacts not yet answered: their queue and entrance.
    waiting: BTreeMap<ContactId, (QueueId, Timestamp)>,
}

#[derive(Debug, Default)]
pub struct Shifts {
    tracker: Mutex<Tracker>,
}

impl Shifts {
    pub fn apply(&self, record: &EventRecord) {
        let mut t = self.tracker.lock().expect("shift tracker");
        match &record.event {
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
                    let figures = t.figures.entry(queue).or_default();
                    figures.answered += 1;
                    if record.at.0 - entrance.0 <= SERVICE_LEVEL_SECONDS * 1000 {
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
        let judged = figures.answered + figures.abandoned;
        figures.service_level =
            (judged > 0).then(|| figures.answered_in_time as f64 / judged as f64);
        figures
    }
}
