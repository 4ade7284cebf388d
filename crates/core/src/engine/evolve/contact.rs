//! contact

use crate::config::PriorityHandling;
use crate::engine::{Engine, Place, Timer, WaitKey};
use crate::ids::{ContactId, QueueId};
use crate::model::Channel;
use crate::time::Timestamp;

/// The waiting-order key of a contact under a queue's priority handling.
pub(crate) fn wait_key(
    handling: PriorityHandling,
    priority: u16,
    entrance: Timestamp,
    contact: ContactId,
) -> WaitKey {
    let (primary, secondary) = match handling {
        PriorityHandling::Strict => (-i64::from(priority), entrance.millis()),
        PriorityHandling::Fifo => (0, entrance.millis()),
        PriorityHandling::WeightedAge { ms_per_level } => (
            0,
            entrance
                .millis()
                .saturating_sub(i64::from(priority).saturating_mul(ms_per_level as i64)),
        ),
    };
    WaitKey {
        primary,
        secondary,
        contact,
    }
}

impl Engine {
    /// Take a contact out of its queue's waiting index (if it is there).
    pub(crate) fn unqueue(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get_mut(&contact) else {
            return;
        };
        if let Some(key) = c.wait_key.take()
            && let Some(q) = self.queues.get_mut(&c.queue)
        {
            q.waiting.remove(&key);
            q.by_entrance.remove(&(c.entrance, contact));
        }
        if let Some(deadline) = c.queue_deadline.take() {
            self.timers.remove(&(deadline, Timer::QueueLimit(contact)));
        }
    }

    pub(crate) fn apply_contact_queued(
        &mut self,
        contact: ContactId,
        queue: &QueueId,
        entrance: Timestamp,
    ) {
        self.unqueue(contact);
        self.remove_pending(contact);
        let Some(q) = self.queues.get_mut(queue) else {
            return;
        };
        let Some(c) = self.contacts.get_mut(&contact) else {
            return;
        };
        c.queue = queue.clone();
        c.entrance = entrance;
        c.place = Place::Queued;
        let key = wait_key(q.config.priority_handling, c.priority, entrance, contact);
        q.waiting.insert(key);
        q.by_entrance.insert((entrance, contact));
        c.wait_key = Some(key);
        // Callbacks follow the callback process, not the queue's time limit for calls.
        if let Some(max_wait) = q
            .config
            .max_wait_ms
            .filter(|_| c.channel != Channel::Callback)
        {
            let deadline = entrance.plus_ms(max_wait);
            c.queue_deadline = Some(deadline);
            self.timers.insert((deadline, Timer::QueueLimit(contact)));
        }
        self.dirty.insert(queue.clone());
    }
}
