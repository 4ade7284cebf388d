//! The callback process (§8, seed 004) inside the engine: creation three ways, locations,
//! attempts and completion statuses, Attempts Before Failure and Recall Intervals, the
//! schedule (CLBK Stat), supervisor actions, expiry, reservations and the shift counters.
//!
//! Like the rest of the engine: decisions emit events, `apply_callback_event` is the evolve
//! step for the callback events, and every timer stands for live state.

use super::{AttemptRt, CallbackRt, Engine, Place, QueueCallbacks, Timer};
use crate::callback::{
    AttemptState, CallbackEnd, CallbackLocation, CallbackOrigin, CallbackSettings, CallbackStatus,
    CompletionStatus,
};
use crate::closure::{ClosureCode, Major, Minor};
use crate::config::check_text;
use crate::event::{Event, EventRecord};
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{AnsweredBy, Channel, ContactState, Direction};
use crate::output::ConnectorRequest;
use crate::rejection::Rejection;
use crate::time::Timestamp;
use std::collections::{BTreeMap, BTreeSet};

/// How far ahead a callback may be scheduled (a year).
const DUE_MAX_AHEAD_MS: u64 = 366 * 24 * 3_600_000;

impl Engine {
    // ===================== evolve =====================

    /// Apply a callback event. Returns false if `event` is not one.
    pub(crate) fn apply_callback_event(&mut self, record: &EventRecord) -> bool {
        let at = record.at;
        match &record.event {
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
                if let Some(from) = from_contact
                    && let Some(c) = self.contacts.get_mut(from)
                {
                    c.callback_scheduled = true;
                }
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.entrance = *entrance;
                    c.place = Place::Pending;
                }
                self.callbacks.insert(
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
                let queue = match self.contacts.get_mut(contact) {
                    Some(c) => {
                        c.place = Place::Pending;
                        c.queue.clone()
                    }
                    None => return true,
                };
                if let Some(cb) = self.callbacks.get_mut(contact) {
                    cb.due = *due;
                }
                self.set_reservation(*contact, reserved.clone());
                self.add_pending(&queue, *contact, *due);
            }
            Event::AttemptStarted {
                contact,
                attempt,
                agent,
                no_answer_deadline,
            } => {
                if let Some(cb) = self.callbacks.get_mut(contact) {
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
            }
            Event::AttemptDialing {
                contact,
                no_answer_deadline,
            } => {
                if let Some(attempt) = self
                    .callbacks
                    .get_mut(contact)
                    .and_then(|cb| cb.current.as_mut())
                {
                    attempt.dial_started = Some(at);
                    attempt.no_answer_deadline = Some(*no_answer_deadline);
                    self.timers
                        .insert((*no_answer_deadline, Timer::NoAnswer(*contact)));
                }
            }
            Event::DialOutcomeReported {
                contact,
                cause_code,
                ..
            } => {
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
                if let Some(attempt) = self
                    .callbacks
                    .get_mut(contact)
                    .and_then(|cb| cb.current.as_mut())
                {
                    attempt.status = Some(status.clone());
                    if *automatic && *status == CompletionStatus::NoAnswer {
                        attempt.automatic_no_answer = true;
                    }
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
                let queue = self.contacts.get(contact).map(|c| c.queue.clone());
                if let Some(cb) = self.callbacks.get_mut(contact) {
                    if *counted {
                        cb.attempts += 1;
                    }
                    cb.attempt_no = cb.attempt_no.max(*attempt);
                    cb.last_state = Some(*state);
                    cb.last_attempt_at = Some(at);
                    cb.last_cause_code = cb.current.take().and_then(|a| a.cause_code);
                }
                if let Some(started) = dial_started
                    && let Some(q) = queue
                        .and_then(|q| self.queues.get_mut(&q))
                        .and_then(|q| q.callbacks.as_mut())
                {
                    q.counters.handle_ms_total += at.since(*started);
                    q.counters.handle_count += 1;
                }
            }
            Event::CallbackExpired { contact } => {
                if let Some(cb) = self.callbacks.get_mut(contact) {
                    cb.expired = true;
                    if let Some(expires) = cb.expires {
                        self.timers
                            .remove(&(expires, Timer::CallbackExpiry(*contact)));
                    }
                }
            }
            Event::ReservationEnded { contact } => {
                self.set_reservation(*contact, None);
                if let Some(c) = self.contacts.get(contact)
                    && c.place == Place::Queued
                {
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
                if let Some(cb) = self.callbacks.remove(contact)
                    && let Some(expires) = cb.expires
                {
                    self.timers
                        .remove(&(expires, Timer::CallbackExpiry(*contact)));
                }
                if let Some(q) = self
                    .queues
                    .get_mut(queue)
                    .and_then(|q| q.callbacks.as_mut())
                {
                    if end.is_processed() {
                        q.counters.processed += 1;
                        if *reached {
                            q.counters.reached += 1;
                        }
                    } else {
                        q.counters.purged += 1;
                    }
                }
            }
            Event::CallbackStatusChanged {
                queue,
                status,
                next_check,
            } => {
                let Some(q) = self
                    .queues
                    .get_mut(queue)
                    .and_then(|q| q.callbacks.as_mut())
                else {
                    return true;
                };
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
                let Some(q) = self
                    .queues
                    .get_mut(queue)
                    .and_then(|q| q.callbacks.as_mut())
                else {
                    return true;
                };
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
            _ => return false,
        }
        true
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

    fn add_pending(&mut self, queue: &QueueId, contact: ContactId, due: Timestamp) {
        if let Some(q) = self
            .queues
            .get_mut(queue)
            .and_then(|q| q.callbacks.as_mut())
        {
            q.pending.insert((due, contact));
            if q.status == CallbackStatus::Active {
                self.timers.insert((due, Timer::CallbackDue(contact)));
            }
        }
    }

    /// Take a callback out of its queue's Pending index (when it is queued or completed).
    pub(crate) fn remove_pending(&mut self, contact: ContactId) {
        let (Some(c), Some(cb)) = (self.contacts.get(&contact), self.callbacks.get(&contact))
        else {
            return;
        };
        if c.place != Place::Pending {
            return;
        }
        let key = (cb.due, contact);
        if let Some(q) = self
            .queues
            .get_mut(&c.queue)
            .and_then(|q| q.callbacks.as_mut())
        {
            q.pending.remove(&key);
        }
        self.timers.remove(&(key.0, Timer::CallbackDue(contact)));
    }

    pub(crate) fn stop_no_answer_timer(&mut self, contact: ContactId) {
        if let Some(attempt) = self
            .callbacks
            .get_mut(&contact)
            .and_then(|cb| cb.current.as_mut())
            && let Some(deadline) = attempt.no_answer_deadline.take()
        {
            self.timers.remove(&(deadline, Timer::NoAnswer(contact)));
        }
    }

    fn set_reservation(&mut self, contact: ContactId, reserved: Option<(AgentId, Timestamp)>) {
        let Some(cb) = self.callbacks.get_mut(&contact) else {
            return;
        };
        if let Some((_, until)) = cb.reserved.take() {
            self.timers.remove(&(until, Timer::Reservation(contact)));
        }
        if let Some((_, until)) = &reserved {
            self.timers.insert((*until, Timer::Reservation(contact)));
        }
        cb.reserved = reserved;
    }

    /// Where a callback is, or `None` if `contact` is not an open callback.
    pub(crate) fn callback_location(&self, contact: ContactId) -> Option<CallbackLocation> {
        if !self.callbacks.contains_key(&contact) {
            return None;
        }
        Some(match self.contacts.get(&contact)?.place {
            Place::New | Place::Pending => CallbackLocation::Pending,
            Place::Queued => CallbackLocation::HandlingByBusinessProcess,
            Place::Offered(_) | Place::Agent(_) => CallbackLocation::HandlingByAgent,
        })
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
            && let Some(q) = self
                .queues
                .get_mut(&queue)
                .and_then(|q| q.callbacks.as_mut())
        {
            q.to_be_processed = q.to_be_processed.saturating_sub(1);
        }
        if let Some((queue, loc)) = after
            && loc.to_be_processed()
            && let Some(q) = self
                .queues
                .get_mut(&queue)
                .and_then(|q| q.callbacks.as_mut())
        {
            q.to_be_processed += 1;
        }
    }

    pub(crate) fn callback_place(&self, contact: ContactId) -> Option<(QueueId, CallbackLocation)> {
        let location = self.callback_location(contact)?;
        Some((self.contacts.get(&contact)?.queue.clone(), location))
    }

    /// Build or update a queue's callback state on configuration (apply of QueueConfigured).
    pub(crate) fn configure_queue_callbacks(&mut self, queue: &QueueId) {
        let Some(q) = self.queues.get_mut(queue) else {
            return;
        };
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

    // ===================== decide =====================

    fn queue_callbacks(&self, queue: &QueueId) -> Result<&QueueCallbacks, Rejection> {
        let q = self
            .queues
            .get(queue)
            .ok_or_else(|| Rejection::UnknownQueue(queue.clone()))?;
        q.callbacks
            .as_ref()
            .ok_or_else(|| Rejection::QueueUnavailable {
                queue: queue.clone(),
                why: "it takes no callbacks".into(),
            })
    }

    fn callback_settings(&self, queue: &QueueId) -> Option<&CallbackSettings> {
        self.queues
            .get(queue)
            .and_then(|q| q.callbacks.as_ref())
            .map(|c| &c.settings)
    }

    /// The schedule's status at `now` (ignoring Stopped) and when to look again.
    fn scheduled_status(&self, queue: &QueueId) -> (CallbackStatus, Option<Timestamp>) {
        match self.queues.get(queue).and_then(|q| q.callbacks.as_ref()) {
            Some(cb) => {
                let status = if cb.schedule.is_open(self.now) {
                    CallbackStatus::Active
                } else {
                    CallbackStatus::OffScheduleHrs
                };
                (status, cb.schedule.next_change(self.now))
            }
            None => (CallbackStatus::OffScheduleHrs, None),
        }
    }

    /// After a queue is configured: bring CLBK Stat and the shift in line with the settings.
    pub(crate) fn after_queue_configured(&mut self, queue: &QueueId, first_time: bool) {
        let Some(cb) = self.queues.get(queue).and_then(|q| q.callbacks.as_ref()) else {
            return;
        };
        let (status, next_check) = if cb.status == CallbackStatus::Stopped {
            (CallbackStatus::Stopped, None)
        } else {
            self.scheduled_status(queue)
        };
        let cb = self.queues.get(queue).and_then(|q| q.callbacks.as_ref());
        let changed = cb.is_none_or(|cb| cb.status != status || cb.next_check != next_check);
        let shift_changed = cb.is_some_and(|cb| {
            first_time
                || cb.next_shift != cb.schedule.next_daily(self.now, cb.shift_time)
                || Some(cb.shift_since) != cb.schedule.last_daily(self.now, cb.shift_time)
        });
        if first_time || changed {
            self.set_callback_status(queue, status, next_check);
        }
        if shift_changed {
            let cb = self.queues.get(queue).and_then(|q| q.callbacks.as_ref());
            if let Some(cb) = cb {
                let since = cb
                    .schedule
                    .last_daily(self.now, cb.shift_time)
                    .unwrap_or(self.now);
                let next = cb.schedule.next_daily(self.now, cb.shift_time);
                self.emit(Event::ShiftStarted {
                    queue: queue.clone(),
                    since,
                    next,
                });
            }
        }
    }

    /// Change CLBK Stat: leaving Active takes queued callbacks out (Aborted attempts);
    /// becoming Active sends due ones to the queue.
    fn set_callback_status(
        &mut self,
        queue: &QueueId,
        status: CallbackStatus,
        next_check: Option<Timestamp>,
    ) {
        let was_active = self
            .queues
            .get(queue)
            .and_then(|q| q.callbacks.as_ref())
            .is_some_and(|c| c.status == CallbackStatus::Active);
        self.emit(Event::CallbackStatusChanged {
            queue: queue.clone(),
            status,
            next_check,
        });
        let active = status == CallbackStatus::Active;
        if was_active && !active {
            self.abort_queued_callbacks(queue);
        }
        if active && !was_active {
            self.release_due_callbacks(queue);
        }
    }

    fn abort_queued_callbacks(&mut self, queue: &QueueId) {
        let Some(q) = self.queues.get(queue) else {
            return;
        };
        let queued: Vec<ContactId> = q
            .waiting
            .iter()
            .map(|k| k.contact)
            .filter(|c| self.callbacks.contains_key(c))
            .collect();
        for contact in queued {
            let Some(cb) = self.callbacks.get(&contact) else {
                continue;
            };
            let (attempt, due, reserved) = (cb.attempt_no + 1, cb.due, cb.reserved.clone());
            self.emit(Event::AttemptEnded {
                contact,
                attempt,
                agent: None,
                agent_full_name: None,
                state: AttemptState::Aborted,
                minor: Minor::DEFAULT,
                counted: false,
                dial_started: None,
            });
            self.emit(Event::CallbackPending {
                contact,
                due,
                reserved,
            });
        }
    }

    fn release_due_callbacks(&mut self, queue: &QueueId) {
        let now = self.now;
        let due: Vec<ContactId> = self
            .queues
            .get(queue)
            .and_then(|q| q.callbacks.as_ref())
            .map(|c| {
                c.pending
                    .iter()
                    .take_while(|(d, _)| *d <= now)
                    .map(|(_, c)| *c)
                    .collect()
            })
            .unwrap_or_default();
        for contact in due {
            self.release_if_due(contact);
        }
    }

    /// Back to the queue now, at its place (same entrance) — or Pending while callbacks are
    /// not Active.
    pub(crate) fn callback_back_to_queue(&mut self, contact: ContactId) {
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        if cb.expired {
            self.expire(contact);
            return;
        }
        let reserved = cb.reserved.clone();
        let due = self.now;
        self.emit(Event::CallbackPending {
            contact,
            due,
            reserved,
        });
        self.release_if_due(contact);
    }

    /// A Pending callback whose time has come goes to its queue, if callbacks are Active.
    fn release_if_due(&mut self, contact: ContactId) {
        let (Some(c), Some(cb)) = (self.contacts.get(&contact), self.callbacks.get(&contact))
        else {
            return;
        };
        let active = self
            .queues
            .get(&c.queue)
            .and_then(|q| q.callbacks.as_ref())
            .is_some_and(|q| q.status == CallbackStatus::Active);
        if c.place != Place::Pending || cb.due > self.now {
            return;
        }
        let (queue, entrance) = (c.queue.clone(), c.entrance);
        // Due for a number listed meanwhile: it closes (58, 0) instead of being dialed.
        if self.close_if_listed(contact) || !active {
            return;
        }
        self.emit(Event::ContactQueued {
            contact,
            queue,
            entrance,
        });
    }

    /// Validate and create a callback (Pending until due; queued at once when due).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn create_callback(
        &mut self,
        origin: CallbackOrigin,
        queue: QueueId,
        destination: String,
        due: Option<Timestamp>,
        window_end: Option<Timestamp>,
        reserve_for: Option<AgentId>,
        entrance: Option<Timestamp>,
        from_contact: Option<ContactId>,
    ) -> Result<ContactId, Rejection> {
        check_text("destination", &destination, false).map_err(|e| Rejection::InvalidInput {
            field: e.field,
            message: e.message,
        })?;
        let cb = self.queue_callbacks(&queue)?;
        let max = self.settings.limits.contacts_per_queue_max;
        if cb.to_be_processed >= u64::from(max) {
            return Err(Rejection::limit("contacts_per_queue_max", max));
        }
        let due = due.unwrap_or(self.now).max(self.now);
        if due > self.now.plus_ms(DUE_MAX_AHEAD_MS) {
            return Err(Rejection::InvalidInput {
                field: "due".into(),
                message: "more than a year ahead".into(),
            });
        }
        if let Some(end) = window_end
            && end <= due
        {
            return Err(Rejection::InvalidInput {
                field: "window_end".into(),
                message: format!("{end} is not after the due time {due}"),
            });
        }
        if let Some(agent) = &reserve_for {
            let rt = self.agent(agent)?;
            if !rt.config.queues.iter().any(|s| s.queue == queue) {
                return Err(Rejection::InvalidInput {
                    field: "agent".into(),
                    message: format!("agent {agent} does not serve queue {queue}"),
                });
            }
        }
        let open_max = self.settings.limits.contacts_open_max;
        if self.contacts.len() >= open_max as usize {
            return Err(Rejection::limit("contacts_open_max", open_max));
        }
        let settings = cb.settings.clone();
        let max_age = settings.max_age_ms.map(|ms| self.now.plus_ms(ms));
        let expires = match (max_age, window_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let reserved = reserve_for.map(|a| (a, due.plus_ms(settings.reserved_fallback_ms)));
        let contact = ContactId(self.next_contact);
        self.emit(Event::ContactArrived {
            contact,
            channel: Channel::Callback,
            direction: Direction::Outbound,
            queue: queue.clone(),
            from: destination.as_str().into(),
            priority: 0,
            attributes: BTreeMap::new(),
        });
        self.emit(Event::CallbackCreated {
            contact,
            queue,
            destination,
            origin,
            due,
            reserved,
            expires,
            entrance: entrance.unwrap_or(due),
            from_contact,
        });
        // A callback to a number on the do-not-call list is recorded and closes (58, 0) at
        // once; the creation's answer says so (`Receipt::closed`).
        if !self.close_if_listed(contact) {
            self.release_if_due(contact);
        }
        Ok(contact)
    }

    /// A queued customer chooses a callback: the call closes (51, 22), the callback keeps its
    /// place (the call's entrance time).
    pub(crate) fn choose_callback(
        &mut self,
        contact: ContactId,
        destination: Option<String>,
    ) -> Result<ContactId, Rejection> {
        let c = self
            .contacts
            .get(&contact)
            .ok_or(Rejection::UnknownContact(contact))?;
        if c.place != Place::Queued || self.callbacks.contains_key(&contact) {
            let state = self.contact_state(contact).unwrap_or(ContactState::Queued);
            return Err(Rejection::InvalidContactState {
                contact,
                state,
                action: "choose a callback (only a waiting call can)".into(),
            });
        }
        let queue = c.queue.clone();
        let entrance = c.entrance;
        let destination = destination.unwrap_or_else(|| c.from.to_string());
        let to_be_processed = self.queue_callbacks(&queue)?.to_be_processed;
        let max = self.settings.limits.contacts_per_queue_max;
        if to_be_processed >= u64::from(max) {
            return Err(Rejection::limit("contacts_per_queue_max", max));
        }
        // The call's slot is freed before the callback takes one; more than that must fit.
        let open_max = self.settings.limits.contacts_open_max;
        if self.contacts.len() > open_max as usize {
            return Err(Rejection::limit("contacts_open_max", open_max));
        }
        check_text("destination", &destination, false).map_err(|e| Rejection::InvalidInput {
            field: e.field,
            message: e.message,
        })?;
        // Closing first frees the open-contact slot the callback takes.
        self.close(
            contact,
            ClosureCode::new(Major::OK_CALLBACK, Minor::QUEUECALLBACK),
            None,
        );
        let created = self.create_callback(
            CallbackOrigin::Customer,
            queue,
            destination,
            None,
            None,
            None,
            Some(entrance),
            None,
        );
        debug_assert!(created.is_ok(), "checked before closing the call");
        created
    }

    /// An agent schedules a callback, from a contact it holds or from the panel.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn schedule_callback(
        &mut self,
        agent: AgentId,
        contact: Option<ContactId>,
        destination: String,
        queue: Option<QueueId>,
        due: Timestamp,
        window_end: Option<Timestamp>,
        reserve: bool,
    ) -> Result<ContactId, Rejection> {
        let rt = self.agent(&agent)?;
        let from_queue = match contact {
            Some(c) => {
                if !rt.assignments.contains_key(&c) {
                    self.contacts.get(&c).ok_or(Rejection::UnknownContact(c))?;
                    return Err(Rejection::NotAgentsContact {
                        agent: agent.clone(),
                        contact: c,
                    });
                }
                rt.assignments.get(&c).map(|a| a.queue.clone())
            }
            None => None,
        };
        let queue = match queue.or(from_queue) {
            Some(q) => q,
            None => rt
                .config
                .queues
                .iter()
                .find(|s| self.callback_settings(&s.queue).is_some())
                .map(|s| s.queue.clone())
                .ok_or_else(|| Rejection::InvalidInput {
                    field: "queue".into(),
                    message: format!("agent {agent} serves no queue that takes callbacks"),
                })?,
        };
        if due < self.now {
            return Err(Rejection::InvalidInput {
                field: "due".into(),
                message: format!("{due} is in the past"),
            });
        }
        // A contact the agent only wraps up after a transfer is someone else's now: the
        // callback is created, but that contact's closure is not the agent's to decide.
        let from_contact = contact.filter(|c| {
            self.agents
                .get(&agent)
                .and_then(|a| a.assignments.get(c))
                .is_some_and(|a| !a.detached)
        });
        let reserve_for = reserve.then(|| agent.clone());
        self.create_callback(
            CallbackOrigin::Agent,
            queue,
            destination,
            Some(due),
            window_end,
            reserve_for,
            None,
            from_contact,
        )
    }

    /// The agent sets the completion status of the current attempt.
    pub(crate) fn set_completion(
        &mut self,
        agent: AgentId,
        contact: ContactId,
        status: CompletionStatus,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        let Some(assignment) = rt.assignments.get(&contact) else {
            self.contacts
                .get(&contact)
                .ok_or(Rejection::UnknownContact(contact))?;
            return Err(Rejection::NotAgentsContact { agent, contact });
        };
        let state = assignment.state;
        let queue = assignment.queue.clone();
        let attempt = self
            .callbacks
            .get(&contact)
            .and_then(|cb| cb.current.as_ref())
            .filter(|a| a.agent == agent)
            .ok_or_else(|| Rejection::InvalidContactState {
                contact,
                state,
                action: "set a completion status (not a callback attempt)".into(),
            })?;
        match &status {
            CompletionStatus::Cancel
                if state != ContactState::Dialing || attempt.automatic_no_answer =>
            {
                return Err(Rejection::InvalidContactState {
                    contact,
                    state,
                    action: "cancel (only while dialing, before No Answer)".into(),
                });
            }
            CompletionStatus::CallbackRequested { due, agent: target } => {
                if *due <= self.now || *due > self.now.plus_ms(DUE_MAX_AHEAD_MS) {
                    return Err(Rejection::InvalidInput {
                        field: "status.due".into(),
                        message: format!("{due}: must be after now and within a year"),
                    });
                }
                if let Some(target) = target {
                    let t = self.agent(target)?;
                    if !t.config.queues.iter().any(|s| s.queue == queue) {
                        return Err(Rejection::InvalidInput {
                            field: "status.agent".into(),
                            message: format!("agent {target} does not serve queue {queue}"),
                        });
                    }
                }
            }
            _ => {}
        }
        self.emit(Event::CompletionStatusSet {
            contact,
            status,
            automatic: false,
        });
        Ok(())
    }

    /// Called on accept of a callback offer: the attempt begins.
    pub(crate) fn start_attempt(&mut self, contact: ContactId, agent: &AgentId, dialing: bool) {
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        let attempt = cb.attempt_no + 1;
        let deadline = dialing.then(|| self.now.plus_ms(self.no_answer_ms(contact)));
        self.emit(Event::AttemptStarted {
            contact,
            attempt,
            agent: agent.clone(),
            no_answer_deadline: deadline,
        });
    }

    /// Called when a callback in Preview starts dialing.
    pub(crate) fn attempt_dialing(&mut self, contact: ContactId) {
        if self.callbacks.contains_key(&contact) {
            let deadline = self.now.plus_ms(self.no_answer_ms(contact));
            self.emit(Event::AttemptDialing {
                contact,
                no_answer_deadline: deadline,
            });
        }
    }

    fn no_answer_ms(&self, contact: ContactId) -> u64 {
        self.contacts
            .get(&contact)
            .and_then(|c| self.callback_settings(&c.queue))
            .map_or(crate::callback::DURATION_FOR_NO_ANSWER_DEFAULT_MS, |s| {
                s.duration_for_no_answer_ms
            })
    }

    /// The dial got no answer (timer, the customer missed the call, the dial failed): the
    /// attempt is No Answer and the agent goes to wrap-up.
    pub(crate) fn no_answer(&mut self, contact: ContactId, agent: &AgentId) {
        self.dial_ended(contact, agent, CompletionStatus::NoAnswer);
    }

    /// The dial ended without a conversation (`status`: No Answer, Busy, Fax, …): the attempt
    /// takes that status and the agent goes to wrap-up; its end applies the queue's policy.
    pub(crate) fn dial_ended(
        &mut self,
        contact: ContactId,
        agent: &AgentId,
        status: CompletionStatus,
    ) {
        self.emit(Event::CompletionStatusSet {
            contact,
            status,
            automatic: true,
        });
        if self
            .agents
            .get(agent)
            .and_then(|a| a.assignments.get(&contact))
            .is_some_and(|a| a.state != ContactState::WrapUp)
        {
            self.start_wrap_up(agent, contact, false);
        }
    }

    /// The agent ended a callback attempt while dialing or in preview: Cancel by default.
    pub(crate) fn cancel_by_default(&mut self, contact: ContactId, state: ContactState) {
        let unset = self
            .callbacks
            .get(&contact)
            .and_then(|cb| cb.current.as_ref())
            .is_some_and(|a| a.status.is_none());
        if unset && matches!(state, ContactState::Dialing | ContactState::Preview) {
            self.emit(Event::CompletionStatusSet {
                contact,
                status: CompletionStatus::Cancel,
                automatic: true,
            });
        }
    }

    /// Wrap-up of a callback attempt is over: record the attempt and apply its status (§8).
    pub(crate) fn finish_attempt(
        &mut self,
        agent: &AgentId,
        contact: ContactId,
        disposition: Option<String>,
        no_interest: bool,
        timed_out: bool,
    ) {
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        let Some(attempt) = cb.current.clone() else {
            return;
        };
        let status = attempt.status.clone().unwrap_or(match attempt.answered {
            Some(AnsweredBy::Live) => CompletionStatus::Handled,
            Some(AnsweredBy::Machine) => CompletionStatus::AnsweringMachine,
            None => CompletionStatus::NoAnswer,
        });
        let state = status.attempt_state();
        let agent_full_name = self.agents.get(agent).map(|a| a.config.full_name.clone());
        self.emit(Event::WrapUpCompleted {
            contact,
            agent: agent.clone(),
            disposition: disposition.clone(),
            timed_out,
        });
        self.emit(Event::AttemptEnded {
            contact,
            attempt: attempt.no,
            agent: Some(agent.clone()),
            agent_full_name,
            state,
            minor: state.minor(),
            counted: state.is_counted(),
            dial_started: attempt.dial_started,
        });
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        let queue = self.contacts.get(&contact).map(|c| c.queue.clone());
        let settings = queue
            .as_ref()
            .and_then(|q| self.callback_settings(q))
            .cloned();
        let expired = cb.expired;
        let attempts = cb.attempts;
        match status {
            CompletionStatus::Handled => {
                let code = if no_interest {
                    ClosureCode::new(Major::OK_NO_INTEREST, Minor::DEFAULT)
                } else if timed_out {
                    ClosureCode::new(Major::OK_WRAPUP_TIMEOUT, Minor::DEFAULT)
                } else {
                    ClosureCode::new(Major::OK_CLOSE, Minor::DEFAULT)
                };
                self.close_callback(contact, CallbackEnd::Handled, code, disposition);
            }
            CompletionStatus::WrongDestination => self.close_callback(
                contact,
                CallbackEnd::WrongDestination,
                ClosureCode::new(Major::OK_CLOSE, Minor::WRONGNUMBER),
                disposition,
            ),
            CompletionStatus::AnsweringMachine
            | CompletionStatus::NoAnswer
            | CompletionStatus::Busy
            | CompletionStatus::Fax
            | CompletionStatus::Modem
            | CompletionStatus::Sit
            | CompletionStatus::InvalidNumber
            | CompletionStatus::WrongParty => {
                let limit = settings
                    .as_ref()
                    .map_or(crate::callback::ATTEMPTS_BEFORE_FAILURE_DEFAULT, |s| {
                        s.attempts_before_failure
                    });
                // The queue's end_callback_on (default: invalid number, SIT) ends it at once,
                // with the same code as exhausted attempts; a queue without callback settings
                // (callbacks moved there) follows the default.
                let ends = match &settings {
                    Some(s) => s.ends_callback(state),
                    None => CallbackSettings::default().ends_callback(state),
                };
                if ends || attempts >= limit {
                    self.close_callback(
                        contact,
                        CallbackEnd::Failed,
                        ClosureCode::new(Major::FAILED_DESTINATION, state.minor()),
                        disposition,
                    );
                } else if expired {
                    self.expire(contact);
                } else {
                    let wait = settings
                        .as_ref()
                        .map_or(0, |s| s.recall_interval_ms(attempts));
                    let due = self.now.plus_ms(wait);
                    self.emit(Event::CallbackPending {
                        contact,
                        due,
                        reserved: None,
                    });
                    self.release_if_due(contact);
                }
            }
            CompletionStatus::Cancel => {
                if expired {
                    self.expire(contact);
                } else {
                    // Back to the queue, attempts unchanged (at its place: same entrance).
                    self.callback_back_to_queue(contact);
                }
            }
            CompletionStatus::CallbackRequested { .. } if expired => self.expire(contact),
            CompletionStatus::CallbackRequested { due, agent: target } => {
                let fallback = settings.as_ref().map_or(0, |s| s.reserved_fallback_ms);
                let reserved = target.map(|a| (a, due.plus_ms(fallback)));
                self.emit(Event::CallbackPending {
                    contact,
                    due,
                    reserved,
                });
                self.release_if_due(contact);
            }
        }
        self.after_work(agent);
    }

    fn expire(&mut self, contact: ContactId) {
        self.close_callback(
            contact,
            CallbackEnd::Expired,
            ClosureCode::new(Major::OK_CALLBACK_TIMEOUT, Minor::DEFAULT),
            None,
        );
    }

    /// Complete a callback: an open attempt ends (Error), the completion record, the close.
    pub(crate) fn close_callback(
        &mut self,
        contact: ContactId,
        end: CallbackEnd,
        code: ClosureCode,
        disposition: Option<String>,
    ) {
        if !self.callbacks.contains_key(&contact) {
            return;
        }
        // An attempt still open (an agent has it) ends as Error.
        self.attempt_error(contact);
        let (Some(cb), Some(c)) = (self.callbacks.get(&contact), self.contacts.get(&contact))
        else {
            return;
        };
        let event = Event::CallbackCompleted {
            contact,
            queue: c.queue.clone(),
            destination: cb.destination.clone(),
            end,
            entrance: c.entrance,
            attempts: cb.attempts,
            reached: cb.reached,
        };
        self.emit(event);
        self.close(contact, code, disposition);
    }

    /// The closure end state of a callback closed through the generic paths.
    pub(crate) fn callback_end_for(code: ClosureCode) -> CallbackEnd {
        match (code.major, code.minor) {
            (Major::OK_CLOSE, Minor::WRONGNUMBER) => CallbackEnd::WrongDestination,
            (Major::OK_CLOSE | Major::OK_NO_INTEREST | Major::OK_WRAPUP_TIMEOUT, _) => {
                CallbackEnd::Handled
            }
            (Major::FAILED_DESTINATION, _) => CallbackEnd::Failed,
            (Major::OK_CALLBACK_TIMEOUT, _) => CallbackEnd::Expired,
            (Major::OK_ON_BLACKLIST, _) => CallbackEnd::DoNotCall,
            _ => CallbackEnd::Error,
        }
    }

    /// A call error took the callback from the agent: the attempt ends as Error.
    pub(crate) fn attempt_error(&mut self, contact: ContactId) {
        let Some(attempt) = self
            .callbacks
            .get(&contact)
            .and_then(|cb| cb.current.clone())
        else {
            return;
        };
        let agent_full_name = self
            .agents
            .get(&attempt.agent)
            .map(|a| a.config.full_name.clone());
        self.emit(Event::AttemptEnded {
            contact,
            attempt: attempt.no,
            agent: Some(attempt.agent),
            agent_full_name,
            state: AttemptState::Error,
            minor: Minor::DEFAULT,
            counted: false,
            dial_started: attempt.dial_started,
        });
    }

    // ----- supervisor -----

    pub(crate) fn send_callback_to_queue(&mut self, contact: ContactId) -> Result<(), Rejection> {
        self.pending_callback(contact, "send to the queue")?;
        // Its number was listed while an agent had it: it closes (58, 0) instead.
        if self.close_if_listed(contact) {
            return Ok(());
        }
        let c = &self.contacts[&contact];
        let queue = c.queue.clone();
        let status = self.queue_callbacks(&queue)?.status;
        if status != CallbackStatus::Active {
            return Err(Rejection::QueueUnavailable {
                queue,
                why: format!("callbacks are {}", status.as_str()),
            });
        }
        // Sent ahead of its due time: it queues as of now, not as of the later due time.
        let entrance = c.entrance.min(self.now);
        self.emit(Event::ContactQueued {
            contact,
            queue,
            entrance,
        });
        Ok(())
    }

    pub(crate) fn purge_callback(&mut self, contact: ContactId) -> Result<(), Rejection> {
        match self.callback_location(contact) {
            Some(CallbackLocation::Pending | CallbackLocation::HandlingByBusinessProcess) => {}
            Some(_) => {
                return Err(Rejection::InvalidContactState {
                    contact,
                    state: self
                        .contact_state(contact)
                        .unwrap_or(ContactState::Handling),
                    action: "purge (an agent has it)".into(),
                });
            }
            None => return Err(Rejection::UnknownContact(contact)),
        }
        self.close_callback(
            contact,
            CallbackEnd::Purged,
            ClosureCode::new(Major::FAILED_UNKNOWN, Minor::DEFAULT),
            None,
        );
        Ok(())
    }

    fn pending_callback(&self, contact: ContactId, action: &str) -> Result<(), Rejection> {
        match self.callback_location(contact) {
            Some(CallbackLocation::Pending) => Ok(()),
            Some(_) => Err(Rejection::InvalidContactState {
                contact,
                state: self.contact_state(contact).unwrap_or(ContactState::Queued),
                action: format!("{action} (only a Pending callback)"),
            }),
            None => Err(Rejection::UnknownContact(contact)),
        }
    }

    pub(crate) fn stop_callbacks(&mut self, queue: QueueId) -> Result<(), Rejection> {
        let status = self.queue_callbacks(&queue)?.status;
        if status != CallbackStatus::Stopped {
            self.set_callback_status(&queue, CallbackStatus::Stopped, None);
        }
        Ok(())
    }

    pub(crate) fn start_callbacks(&mut self, queue: QueueId) -> Result<(), Rejection> {
        let status = self.queue_callbacks(&queue)?.status;
        if status == CallbackStatus::Stopped {
            let (status, next) = self.scheduled_status(&queue);
            self.set_callback_status(&queue, status, next);
        }
        Ok(())
    }

    // ----- timers -----

    pub(crate) fn fire_callback_timer(&mut self, timer: &Timer) {
        match timer {
            Timer::CallbackDue(contact) => self.release_if_due(*contact),
            Timer::NoAnswer(contact) => {
                let Some(attempt) = self.callbacks.get(contact).and_then(|c| c.current.clone())
                else {
                    return;
                };
                let dialing = self
                    .agents
                    .get(&attempt.agent)
                    .and_then(|a| a.assignments.get(contact))
                    .is_some_and(|a| a.state == ContactState::Dialing);
                if dialing {
                    if let Some(station) = self
                        .agents
                        .get(&attempt.agent)
                        .and_then(|a| a.station.clone())
                    {
                        self.request(ConnectorRequest::StopDial {
                            contact: *contact,
                            station,
                        });
                    }
                    self.no_answer(*contact, &attempt.agent);
                }
            }
            Timer::CallbackExpiry(contact) => {
                self.emit(Event::CallbackExpired { contact: *contact });
                if self
                    .callback_location(*contact)
                    .is_some_and(|l| l.to_be_processed())
                {
                    self.expire(*contact);
                }
            }
            Timer::Reservation(contact) => {
                self.emit(Event::ReservationEnded { contact: *contact });
            }
            Timer::CallbackSchedule(queue) => {
                let stopped = self
                    .queues
                    .get(queue)
                    .and_then(|q| q.callbacks.as_ref())
                    .is_none_or(|c| c.status == CallbackStatus::Stopped);
                if !stopped {
                    let (status, next) = self.scheduled_status(queue);
                    self.set_callback_status(queue, status, next);
                }
            }
            Timer::Shift(queue) => {
                if let Some(cb) = self.queues.get(queue).and_then(|q| q.callbacks.as_ref()) {
                    let next = cb.schedule.next_daily(self.now, cb.shift_time);
                    let since = self.now;
                    self.emit(Event::ShiftStarted {
                        queue: queue.clone(),
                        since,
                        next,
                    });
                }
            }
            _ => {}
        }
    }

    // ----- routing -----

    /// The agent a queued callback is reserved for, if any.
    pub(crate) fn reserved_for(&self, contact: ContactId) -> Option<&AgentId> {
        self.callbacks
            .get(&contact)
            .and_then(|cb| cb.reserved.as_ref())
            .map(|(a, _)| a)
    }
}
