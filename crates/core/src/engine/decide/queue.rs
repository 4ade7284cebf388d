//! Decisions on a queue's hours for arrivals: the emergency switch and the schedule, each
//! change one `QueueClosureChanged`, and closing the waiting contacts of a `close-waiting`
//! queue (docs/engine.md, Queue hours, holidays and emergencies). The calendar arithmetic is
//! `hours.rs`.

use crate::closure::ClosureCode;
use crate::config::WhenClosed;
use crate::engine::hours::{closure_code, scheduled_closure};
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::{ContactId, QueueId};
use crate::model::{QueueClosure, QueueEmergency};
use crate::rejection::Rejection;

impl Engine {
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

    /// Bring the queue's closure in line with `emergency` and its schedule at the engine's
    /// time; emits only if something changed. A queue set to `CloseWaiting` closes its
    /// waiting contacts with the new closure's code when it closes or its reason changes.
    pub(crate) fn update_queue_closure(
        &mut self,
        queue: &QueueId,
        emergency: Option<QueueEmergency>,
    ) {
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
    pub(crate) fn close_waiting(&mut self, queue: &QueueId, code: ClosureCode) {
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
