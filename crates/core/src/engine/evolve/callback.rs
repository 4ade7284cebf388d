//! Evolve of callback events: creation, Pending and due times, attempts, expiry,
//! reservations, completion, CLBK Stat and the shift counters; and "Clbk To Be Proc", which
//! follows every callback's location (docs/callbacks.md, Statuses and counters).

use crate::callback::{CallbackLocation, CallbackStatus, CompletionStatus};
use crate::engine::evolve::{invariant, not_this_family};
use crate::engine::tables::IdMap;
use crate::engine::{AttemptRt, CallbackRt, Engine, Place, QueueCallbacks, QueueRt, Timer};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, QueueId};
use crate::time::Timestamp;
use std::collections::BTreeSet;

/// A callback event names an open callback: decide looked it up before emitting, and its
/// timers go when it completes.
const CALLBACK: &str = "a callback event's callback is open";
/// The same contact, open.
const CONTACT: &str = "a callback event's contact is open";
/// A callback with an agent has its attempt in progress.
const ATTEMPT: &str = "a callback with an agent has a current attempt";
/// Only a queue that takes callbacks has a callback status and a shift.
const QUEUE_CALLBACKS: &str = "the queue of a callback status or shift takes callbacks";
/// An open callback's queue takes callbacks: configuring a queue without them is refused
/// while a callback is open in it.
const CALLBACK_QUEUE: &str = "an open callback's queue takes callbacks";

impl Engine {
    pub(super) fn evolve_callback(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::CallbackCreated {
                contact,
                queue,
                destination,
                origin,
                due,
                reserved,
                expires,
                entrance,
                from_contact,
            } => {
                if let Some(from) = from_contact {
                    let c = invariant(
                        self.contacts.get_mut(from),
                        "a callback is scheduled from an open contact",
                    );
                    c.callback_scheduled = true;
                }
                let c = invariant(self.contacts.get_mut(contact), CONTACT);
                debug_assert!(c.place == Place::New, "a callback is created as it arrives");
                c.entrance = *entrance;
                c.place = Place::Pending;
                let earlier = self.callbacks.insert(
                    *contact,
                    CallbackRt {
                        destination: destination.clone(),
                        origin: *origin,
                        due: *due,
                        reserved: None,
                        expires: *expires,
                        expired: false,
                        attempts: 0,
                        attempt_no: 0,
                        last_state: None,
                        last_attempt_at: None,
                        last_cause_code: None,
                        current: None,
                        reached: false,
                    },
                );
                debug_assert!(earlier.is_none(), "callback {contact} is created twice");
                if let Some(expires) = expires {
                    self.timers
                        .insert((*expires, Timer::CallbackExpiry(*contact)));
                }
                self.set_reservation(*contact, reserved.clone());
                self.add_pending(queue, *contact, *due);
            }
            Event::CallbackPending {
                contact,
                due,
                reserved,
            } => {
                self.unqueue(*contact);
                let c = invariant(self.contacts.get_mut(contact), CONTACT);
                c.place = Place::Pending;
                let queue = c.queue.clone();
                invariant(self.callbacks.get_mut(contact), CALLBACK).due = *due;
                self.set_reservation(*contact, reserved.clone());
                self.add_pending(&queue, *contact, *due);
            }
            Event::AttemptStarted {
                contact,
                attempt,
                agent,
                no_answer_deadline,
            } => {
                let cb = invariant(self.callbacks.get_mut(contact), CALLBACK);
                debug_assert!(cb.current.is_none(), "callback {contact} has two attempts");
                cb.attempt_no = cb.attempt_no.max(*attempt);
                cb.current = Some(AttemptRt {
                    no: *attempt,
                    agent: agent.clone(),
                    dial_started: no_answer_deadline.map(|_| at),
                    no_answer_deadline: *no_answer_deadline,
                    status: None,
                    automatic_no_answer: false,
                    answered: None,
                    cause_code: None,
                });
                if let Some(deadline) = no_answer_deadline {
                    self.timers.insert((*deadline, Timer::NoAnswer(*contact)));
                }
            }
            Event::AttemptDialing {
                contact,
                no_answer_deadline,
            } => {
                let attempt = invariant(
                    self.callbacks
                        .get_mut(contact)
                        .and_then(|cb| cb.current.as_mut()),
                    ATTEMPT,
                );
                attempt.dial_started = Some(at);
                attempt.no_answer_deadline = Some(*no_answer_deadline);
                self.timers
                    .insert((*no_answer_deadline, Timer::NoAnswer(*contact)));
            }
            Event::DialOutcomeReported {
                contact,
                cause_code,
                ..
            } => {
                // Outbound dials report outcomes too: only a callback's attempt keeps it.
                if let Some(attempt) = self
                    .callbacks
                    .get_mut(contact)
                    .and_then(|cb| cb.current.as_mut())
                {
                    attempt.cause_code = cause_code.clone();
                }
            }
            Event::CompletionStatusSet {
                contact,
                status,
                automatic,
            } => {
                self.stop_no_answer_timer(*contact);
                let attempt = invariant(
                    self.callbacks
                        .get_mut(contact)
                        .and_then(|cb| cb.current.as_mut()),
                    ATTEMPT,
                );
                attempt.status = Some(status.clone());
                if *automatic && *status == CompletionStatus::NoAnswer {
                    attempt.automatic_no_answer = true;
                }
            }
            Event::AttemptEnded {
                contact,
                attempt,
                state,
                counted,
                dial_started,
                ..
            } => {
                self.stop_no_answer_timer(*contact);
                let queue = invariant(self.contacts.get(contact), CONTACT).queue.clone();
                let cb = invariant(self.callbacks.get_mut(contact), CALLBACK);
                if *counted {
                    cb.attempts += 1;
                }
                cb.attempt_no = cb.attempt_no.max(*attempt);
                cb.last_state = Some(*state);
                cb.last_attempt_at = Some(at);
                cb.last_cause_code = cb.current.take().and_then(|a| a.cause_code);
                if let Some(started) = dial_started {
                    let q = callbacks_of(&mut self.queues, &queue, CALLBACK_QUEUE);
                    q.counters.handle_ms_total += at.since(*started);
                    q.counters.handle_count += 1;
                }
            }
            Event::CallbackExpired { contact } => {
                let cb = invariant(self.callbacks.get_mut(contact), CALLBACK);
                debug_assert!(!cb.expired, "callback {contact} expires twice");
                cb.expired = true;
                if let Some(expires) = cb.expires {
                    self.timers
                        .remove(&(expires, Timer::CallbackExpiry(*contact)));
                }
            }
            Event::ReservationEnded { contact } => {
                self.set_reservation(*contact, None);
                let c = invariant(self.contacts.get(contact), CONTACT);
                if c.place == Place::Queued {
                    self.dirty.insert(c.queue.clone());
                }
            }
            Event::CallbackCompleted {
                contact,
                queue,
                end,
                reached,
                ..
            } => {
                self.remove_pending(*contact);
                self.stop_no_answer_timer(*contact);
                self.set_reservation(*contact, None);
                let cb = invariant(self.callbacks.remove(contact), CALLBACK);
                if let Some(expires) = cb.expires {
                    self.timers
                        .remove(&(expires, Timer::CallbackExpiry(*contact)));
                }
                let q = callbacks_of(&mut self.queues, queue, CALLBACK_QUEUE);
                if end.is_processed() {
                    q.counters.processed += 1;
                    if *reached {
                        q.counters.reached += 1;
                    }
                } else {
                    q.counters.purged += 1;
                }
            }
            Event::CallbackStatusChanged {
                queue,
                status,
                next_check,
            } => {
                let q = callbacks_of(&mut self.queues, queue, QUEUE_CALLBACKS);
                let was_active = q.status == CallbackStatus::Active;
                if let Some(old) = q.next_check.take() {
                    self.timers
                        .remove(&(old, Timer::CallbackSchedule(queue.clone())));
                }
                q.status = *status;
                q.next_check = *next_check;
                if let Some(next) = next_check {
                    self.timers
                        .insert((*next, Timer::CallbackSchedule(queue.clone())));
                }
                let active = *status == CallbackStatus::Active;
                // Due timers exist only while the queue is Active (each one must fire an event).
                if active != was_active {
                    for (due, contact) in &q.pending {
                        if active {
                            self.timers.insert((*due, Timer::CallbackDue(*contact)));
                        } else {
                            self.timers.remove(&(*due, Timer::CallbackDue(*contact)));
                        }
                    }
                }
                self.dirty.insert(queue.clone());
            }
            Event::ShiftStarted { queue, since, next } => {
                let q = callbacks_of(&mut self.queues, queue, QUEUE_CALLBACKS);
                if let Some(old) = q.next_shift.take() {
                    self.timers.remove(&(old, Timer::Shift(queue.clone())));
                }
                q.counters = Default::default();
                q.shift_since = *since;
                q.next_shift = *next;
                if let Some(next) = next {
                    self.timers.insert((*next, Timer::Shift(queue.clone())));
                }
            }
            _ => not_this_family("callback", event),
        }
    }

    /// A queue stops taking callbacks (or is removed): its schedule and shift timers go.
    pub(crate) fn drop_queue_callback_timers(&mut self, queue: &QueueId, cb: &QueueCallbacks) {
        if let Some(at) = cb.next_check {
            self.timers
                .remove(&(at, Timer::CallbackSchedule(queue.clone())));
        }
        if let Some(at) = cb.next_shift {
            self.timers.remove(&(at, Timer::Shift(queue.clone())));
        }
    }

    /// A callback becomes Pending in its queue's index; its due timer runs while the queue's
    /// callbacks are Active.
    fn add_pending(&mut self, queue: &QueueId, contact: ContactId, due: Timestamp) {
        let q = callbacks_of(&mut self.queues, queue, CALLBACK_QUEUE);
        q.pending.insert((due, contact));
        if q.status == CallbackStatus::Active {
            self.timers.insert((due, Timer::CallbackDue(contact)));
        }
    }

    /// Take a callback out of its queue's Pending index (when it is queued or completed).
    pub(crate) fn remove_pending(&mut self, contact: ContactId) {
        let c = invariant(self.contacts.get(&contact), CONTACT);
        // Any contact may be queued; only a callback is ever Pending.
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        if c.place != Place::Pending {
            return;
        }
        let key = (cb.due, contact);
        let q = callbacks_of(&mut self.queues, &c.queue, CALLBACK_QUEUE);
        let removed = q.pending.remove(&key);
        debug_assert!(
            removed,
            "a Pending callback is in its queue's Pending index"
        );
        self.timers.remove(&(key.0, Timer::CallbackDue(contact)));
    }

    /// The dial is over: Duration For No Answer no longer applies (any contact: only a
    /// callback's attempt has the timer).
    pub(super) fn stop_no_answer_timer(&mut self, contact: ContactId) {
        if let Some(attempt) = self
            .callbacks
            .get_mut(&contact)
            .and_then(|cb| cb.current.as_mut())
            && let Some(deadline) = attempt.no_answer_deadline.take()
        {
            self.timers.remove(&(deadline, Timer::NoAnswer(contact)));
        }
    }

    /// A callback's reservation for an agent, and its timer, replaced by `reserved`.
    fn set_reservation(&mut self, contact: ContactId, reserved: Option<(AgentId, Timestamp)>) {
        let cb = invariant(self.callbacks.get_mut(&contact), CALLBACK);
        if let Some((_, until)) = cb.reserved.take() {
            self.timers.remove(&(until, Timer::Reservation(contact)));
        }
        if let Some((_, until)) = &reserved {
            self.timers.insert((*until, Timer::Reservation(contact)));
        }
        cb.reserved = reserved;
    }

    /// Keep "Clbk To Be Proc" in step: called with a callback's (queue, location) before and
    /// after an event.
    pub(crate) fn track_location(
        &mut self,
        before: Option<(QueueId, CallbackLocation)>,
        after: Option<(QueueId, CallbackLocation)>,
    ) {
        if before == after {
            return;
        }
        if let Some((queue, loc)) = before
            && loc.to_be_processed()
        {
            let q = callbacks_of(&mut self.queues, &queue, CALLBACK_QUEUE);
            debug_assert!(
                q.to_be_processed > 0,
                "Clbk To Be Proc counts this callback"
            );
            q.to_be_processed = q.to_be_processed.saturating_sub(1);
        }
        if let Some((queue, loc)) = after
            && loc.to_be_processed()
        {
            let q = callbacks_of(&mut self.queues, &queue, CALLBACK_QUEUE);
            q.to_be_processed += 1;
        }
    }

    /// Build or update a queue's callback state on configuration (apply of QueueConfigured).
    pub(crate) fn configure_queue_callbacks(&mut self, queue: &QueueId) {
        let q = invariant(
            self.queues.get_mut(queue),
            "callbacks are configured for a configured queue",
        );
        let Some(settings) = q.config.callbacks.clone() else {
            if let Some(old) = q.callbacks.take() {
                self.drop_queue_callback_timers(queue, &old);
            }
            return;
        };
        let Ok((schedule, shift_time)) = settings.compile(&format!("queues[{queue}].callbacks"))
        else {
            return; // decide validated it; an invalid journal entry changes nothing
        };
        match &mut q.callbacks {
            Some(cb) => {
                cb.settings = settings;
                cb.schedule = schedule;
                cb.shift_time = shift_time;
            }
            None => {
                q.callbacks = Some(QueueCallbacks {
                    settings,
                    schedule,
                    shift_time,
                    status: CallbackStatus::OffScheduleHrs,
                    next_check: None,
                    shift_since: Timestamp::ZERO,
                    next_shift: None,
                    pending: BTreeSet::new(),
                    to_be_processed: 0,
                    counters: Default::default(),
                });
            }
        }
    }
}

/// The callback process of a queue an invariant says takes callbacks. A free function, so
/// the borrow is of `queues` alone and the timers stay free to change beside it.
#[track_caller]
fn callbacks_of<'a>(
    queues: &'a mut IdMap<QueueId, QueueRt>,
    queue: &QueueId,
    what: &str,
) -> &'a mut QueueCallbacks {
    invariant(
        queues.get_mut(queue).and_then(|q| q.callbacks.as_mut()),
        what,
    )
}
