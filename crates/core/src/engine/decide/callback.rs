//! Decisions of the callback process (seed 004): creation three ways (API, a customer's
//! choice, an agent's schedule), Pending and due times, CLBK Stat from the schedule, and the
//! supervisor actions (docs/callbacks.md, Creation, Schedule and CLBK Stat, Supervisor
//! actions). The attempts are in `decide/attempt.rs`, the state changes in
//! `evolve/callback.rs`, the timers in `timers.rs`.

use crate::callback::{
    AttemptState, CallbackEnd, CallbackLocation, CallbackOrigin, CallbackStatus,
};
use crate::closure::{ClosureCode, Major, Minor};
use crate::config::check_text;
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{Channel, ContactState, Direction};
use crate::rejection::Rejection;
use crate::time::Timestamp;
use std::collections::BTreeMap;

/// How far ahead a callback may be scheduled (a year).
pub(crate) const DUE_MAX_AHEAD_MS: u64 = 366 * 24 * 3_600_000;

impl Engine {
    /// The schedule's status at `now` (ignoring Stopped) and when to look again.
    #[must_use]
    pub(crate) fn scheduled_status(&self, queue: &QueueId) -> (CallbackStatus, Option<Timestamp>) {
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
    pub(crate) fn set_callback_status(
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

    pub(crate) fn abort_queued_callbacks(&mut self, queue: &QueueId) {
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

    pub(crate) fn release_due_callbacks(&mut self, queue: &QueueId) {
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
    pub(crate) fn release_if_due(&mut self, contact: ContactId) {
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

    pub(crate) fn pending_callback(
        &self,
        contact: ContactId,
        action: &str,
    ) -> Result<(), Rejection> {
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
}
