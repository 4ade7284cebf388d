//! Evolve of a queue's hours and emergency (`QueueClosureChanged`), and the derived
//! schedule every `QueueConfigured` (and a snapshot's load) compiles.

use crate::engine::evolve::not_this_family;
use crate::engine::{Engine, Timer};
use crate::event::Event;
use crate::ids::QueueId;
use crate::time::Timestamp;

impl Engine {
    pub(super) fn evolve_queue(&mut self, at: Timestamp, event: &Event) {
        let Event::QueueClosureChanged {
            queue,
            closure,
            emergency,
            next_check,
        } = event
        else {
            not_this_family("queue", event)
        };
        let q = self
            .queues
            .get_mut(queue)
            .expect("invariant: a queue's closure changes only while it is configured");
        if q.closure != *closure {
            q.closure_since = at;
        }
        q.closure = *closure;
        q.emergency = emergency.clone();
        debug_assert!(
            q.emergency.is_none() || q.closure == Some(crate::model::QueueClosure::Emergency),
            "an emergency always closes its queue"
        );
        if let Some(old) = q.hours_check.take() {
            self.timers.remove(&(old, Timer::QueueHours(queue.clone())));
        }
        q.hours_check = *next_check;
        if let Some(next) = next_check {
            self.timers
                .insert((*next, Timer::QueueHours(queue.clone())));
        }
    }

    /// `QueueConfigured`: compile the queue's schedule (a derived value, rebuilt from the
    /// configuration after a snapshot too).
    pub(crate) fn compile_queue_hours(&mut self, queue: &QueueId) {
        let q = self
            .queues
            .get_mut(queue)
            .expect("invariant: hours are compiled for a configured queue");
        // decide validated it; an invalid journal entry leaves the queue without hours.
        q.hours = q
            .config
            .schedule
            .as_ref()
            .and_then(|s| s.compile(&format!("queues[{queue}].schedule")).ok());
    }

    /// `QueueRemoved`: its hours timer goes with it.
    pub(crate) fn drop_queue_hours_timer(&mut self, queue: &QueueId, check: Option<Timestamp>) {
        if let Some(at) = check {
            self.timers.remove(&(at, Timer::QueueHours(queue.clone())));
        }
    }
}
