//! A queue's hours for arriving contacts (issue 13, item 1): its own schedule (weekly open
//! hours and holidays in its time zone, the callbacks' schedule type) and an emergency switch.
//!
//! What arrivals meet is `QueueRt::closure`: `Emergency` while an emergency is set, else what
//! the schedule says at the engine's time (`Holiday` on a listed date, `Schedule` outside the
//! open hours, open otherwise). Every change is a `QueueClosureChanged` event that carries the
//! emergency and the schedule's next change (`next_check`); `apply` arms `Timer::QueueHours`
//! from it, so a replay holds the same timer without deciding anything. In an emergency the
//! schedule is not looked at: ending it looks at the schedule again at that moment.

use super::{Engine, Place, Timer};
use crate::closure::{ClosureCode, Major, Minor};
use crate::config::WhenClosed;
use crate::event::Event;
use crate::ids::{ContactId, QueueId};
use crate::model::{QueueClosure, QueueEmergency};
use crate::rejection::Rejection;
use crate::schedule::Schedule;
use crate::time::Timestamp;

/// The closure a schedule gives at `at`: a holiday first, then the weekly hours.
fn scheduled_closure(schedule: &Schedule, at: Timestamp) -> Option<QueueClosure> {
    if schedule.is_holiday(at) {
        Some(QueueClosure::Holiday)
    } else if !schedule.is_open(at) {
        Some(QueueClosure::Schedule)
    } else {
        None
    }
}

/// The code an arrival (or a waiting contact, with `CloseWaiting`) closes with.
pub(crate) fn closure_code(closure: QueueClosure) -> ClosureCode {
    let minor = match closure {
        QueueClosure::Schedule => Minor::INACTIVECAMP,
        QueueClosure::Holiday => Minor::HOLIDAY,
        QueueClosure::Emergency => Minor::EMERGENCY,
    };
    ClosureCode::new(Major::FAILED_ROUTE_INBOUND, minor)
}

impl Engine {
    // ===================== apply =====================

    /// `QueueConfigured`: compile the queue's schedule (a derived value, rebuilt from the
    /// configuration after a snapshot too).
    pub(crate) fn compile_queue_hours(&mut self, queue: &QueueId) {
        if let Some(q) = self.queues.get_mut(queue) {
            // decide validated it; an invalid journal entry leaves the queue without hours.
            q.hours = q
                .config
                .schedule
                .as_ref()
                .and_then(|s| s.compile(&format!("queues[{queue}].schedule")).ok());
        }
    }

    pub(crate) fn apply_queue_closure(
        &mut self,
        at: Timestamp,
        queue: &QueueId,
        closure: Option<QueueClosure>,
        emergency: &Option<QueueEmergency>,
        next_check: Option<Timestamp>,
    ) {
        let Some(q) = self.queues.get_mut(queue) else {
            return;
        };
        if q.closure != closure {
            q.closure_since = at;
        }
        q.closure = closure;
        q.emergency = emergency.clone();
        if let Some(old) = q.hours_check.take() {
            self.timers.remove(&(old, Timer::QueueHours(queue.clone())));
        }
        q.hours_check = next_check;
        if let Some(next) = next_check {
            self.timers.insert((next, Timer::QueueHours(queue.clone())));
        }
    }

    /// `QueueRemoved`: its hours timer goes with it.
    pub(crate) fn drop_queue_hours_timer(&mut self, queue: &QueueId, check: Option<Timestamp>) {
        if let Some(at) = check {
            self.timers.remove(&(at, Timer::QueueHours(queue.clone())));
        }
    }

    // ===================== decide =====================

    /// Set (`Some`) or end (`None`) a queue's emergency.
    pub(crate) fn set_queue_emergency(
        &mut self,
        queue: QueueId,
        emergency: Option<QueueEmergency>,
    ) -> Result<(), Rejection> {
        if !self.queues.contains_key(&queue) {
            return Err(Rejection::UnknownQueue(queue));
        }
        if let Some(e) = &emergency {
            for (field, text) in [("message", &e.message), ("set_by", &e.set_by)] {
                if let Some(text) = text {
                    crate::config::check_text(field, text, false).map_err(|e| {
                        Rejection::InvalidInput {
                            field: e.field,
                            message: e.message,
                        }
                    })?;
                }
            }
        }
        self.update_queue_closure(&queue, emergency);
        Ok(())
    }

    /// After a queue is configured (its schedule may be new, changed or gone): what the
    /// schedule says now, unless an emergency holds the queue closed.
    pub(crate) fn after_queue_hours_configured(&mut self, queue: &QueueId) {
        let emergency = self.queues.get(queue).and_then(|q| q.emergency.clone());
        self.update_queue_closure(queue, emergency);
    }

    /// `Timer::QueueHours`: the schedule may have changed what arrivals meet.
    pub(crate) fn fire_queue_hours(&mut self, queue: &QueueId) {
        let Some(q) = self.queues.get(queue) else {
            return;
        };
        if q.hours_check.is_some_and(|at| at <= self.now) {
            let emergency = q.emergency.clone();
            self.update_queue_closure(queue, emergency);
        }
    }

    /// Bring the queue's closure in line with `emergency` and its schedule at the engine's
    /// time; emits only if something changed. A queue set to `CloseWaiting` closes its
    /// waiting contacts with the new closure's code when it closes or its reason changes.
    fn update_queue_closure(&mut self, queue: &QueueId, emergency: Option<QueueEmergency>) {
        let Some(q) = self.queues.get(queue) else {
            return;
        };
        let (closure, next_check) = match (&emergency, &q.hours) {
            (Some(_), _) => (Some(QueueClosure::Emergency), None),
            (None, None) => (None, None),
            (None, Some(s)) => (
                scheduled_closure(s, self.now),
                s.next_change_of(self.now, scheduled_closure)
                    .or_else(|| s.recheck_after(self.now)),
            ),
        };
        if q.closure == closure && q.emergency == emergency && q.hours_check == next_check {
            return;
        }
        let before = q.closure;
        let close_waiting = q.config.when_closed == WhenClosed::CloseWaiting;
        self.emit(Event::QueueClosureChanged {
            queue: queue.clone(),
            closure,
            emergency,
            next_check,
        });
        if let Some(closure) = closure
            && before != Some(closure)
            && close_waiting
        {
            self.close_waiting(queue, closure_code(closure));
        }
    }

    /// Close the contacts waiting in `queue` (not those offered or with an agent, and not
    /// callbacks: those follow the callback schedule).
    fn close_waiting(&mut self, queue: &QueueId, code: ClosureCode) {
        let Some(q) = self.queues.get(queue) else {
            return;
        };
        let waiting: Vec<ContactId> = q
            .by_entrance
            .iter()
            .map(|(_, c)| *c)
            .filter(|c| {
                !self.callbacks.contains_key(c)
                    && self
                        .contacts
                        .get(c)
                        .is_some_and(|x| x.place == Place::Queued)
            })
            .collect();
        for contact in waiting {
            self.close(contact, code, None);
        }
    }
}
