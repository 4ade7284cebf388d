//! Timers: the kinds of deadline the engine keeps, and their firing. Every timer stands for
//! live state (an open offer, a wrap-up, a waiting contact, an exclusion, a Pending callback,
//! a schedule) and is armed and dropped by evolve with that state, so a replayed engine holds
//! exactly the timers of the original. Firing is a decision the clock starts: it looks again
//! at the state and emits events only if the deadline still holds, so firing one early or
//! twice does nothing.

use crate::callback::CallbackStatus;
use crate::closure::{Major, Minor};
use crate::engine::decide::checks::code;
use crate::engine::decide::offer::{AfterRefusal, AgentAfter};
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::{AgentId, ContactId, OfferId, QueueId};
use crate::model::{ContactState, RefusalReason};
use crate::output::ConnectorRequest;
use serde::{Deserialize, Serialize};

/// Deadlines. Every timer stands for live state (an open offer, a wrap-up, a waiting contact,
/// an exclusion) and firing it emits events that remove it, so a replayed engine holds
/// exactly the timers of the original. Firing one early or twice does nothing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum Timer {
    /// An offer rang too long: NoAnswer.
    Offer(OfferId),
    /// An accepted voice offer's leg did not link: AgentLinkTimeout.
    Link(OfferId),
    /// Wrap-up time limit: closes with 59.
    WrapUp(ContactId, AgentId),
    /// Queue time limit: closes with 38/19.
    QueueLimit(ContactId),
    /// A refusing agent's exclusion from a contact ends: route again.
    Reoffer(ContactId, AgentId),
    /// A Pending callback is due (only while its queue's callbacks are Active).
    CallbackDue(ContactId),
    /// Duration For No Answer of the current attempt's dial.
    NoAnswer(ContactId),
    /// A callback's expiry (max age or window end).
    CallbackExpiry(ContactId),
    /// A callback's reservation for an agent ends.
    Reservation(ContactId),
    /// The queue's callback schedule may change status.
    CallbackSchedule(QueueId),
    /// The queue's supervisor counters restart.
    Shift(QueueId),
    /// The agent has been unavailable (Break, BackOffice) for its unavailable time-out.
    Unavailable(AgentId),
    /// The queue's own schedule may open or close it to arrivals.
    QueueHours(QueueId),
}

impl Engine {
    /// Fire due timers in deadline order, routing after each: a contact that a timed-out offer
    /// sends back to the queue meets a free agent before its own queue time limit is checked.
    pub(crate) fn fire_due_timers(&mut self) {
        while let Some((at, timer)) = self.timers.first().cloned() {
            if at > self.now {
                break;
            }
            self.fire(timer.clone());
            self.timers.remove(&(at, timer));
            self.dispatch();
        }
    }

    pub(crate) fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::Offer(offer) => {
                if self.offers.get(&offer).is_some_and(|o| !o.accepted) {
                    self.refuse(
                        offer,
                        RefusalReason::NoAnswer,
                        None,
                        AgentAfter::Policy,
                        AfterRefusal::Requeue,
                    );
                }
            }
            Timer::Link(offer) => {
                if self.offers.get(&offer).is_some_and(|o| o.accepted) {
                    self.refuse(
                        offer,
                        RefusalReason::AgentLinkTimeout,
                        None,
                        AgentAfter::Policy,
                        AfterRefusal::Requeue,
                    );
                }
            }
            Timer::WrapUp(contact, agent) => {
                let detached = self
                    .agents
                    .get(&agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .filter(|a| a.state == ContactState::WrapUp)
                    .map(|a| a.detached);
                if detached == Some(false) && self.callbacks.contains_key(&contact) {
                    self.finish_attempt(&agent, contact, None, false, true);
                } else if let Some(detached) = detached {
                    self.emit(Event::WrapUpCompleted {
                        contact,
                        agent: agent.clone(),
                        disposition: None,
                        timed_out: true,
                    });
                    if !detached {
                        self.close(
                            contact,
                            code(Major::OK_WRAPUP_TIMEOUT, Minor::DEFAULT),
                            None,
                        );
                    }
                    self.after_work(&agent);
                }
            }
            Timer::QueueLimit(contact) => {
                if self
                    .contacts
                    .get(&contact)
                    .is_some_and(|c| c.place == Place::Queued)
                {
                    self.close(
                        contact,
                        code(Major::FAILED_ROUTE_INBOUND, Minor::QUEUETIMELIM),
                        None,
                    );
                }
            }
            Timer::Reoffer(contact, agent) => {
                let ended = self.contacts.get(&contact).is_some_and(|c| {
                    c.exclusions
                        .iter()
                        .any(|(a, until)| *a == agent && *until <= self.now)
                });
                if ended {
                    self.emit(Event::ExclusionEnded { contact, agent });
                }
            }
            Timer::Unavailable(agent) => {
                let due = self.agents.get(&agent).and_then(|rt| {
                    let unavailable = rt.shown.is_unavailable();
                    (unavailable
                        && rt.station.is_some()
                        && rt.unavailable_deadline.is_some_and(|d| d <= self.now))
                    .then(|| (rt.shown, rt.shown_reason.clone(), rt.shown_since))
                });
                if let Some((state, reason, since)) = due {
                    self.emit(Event::AgentUnavailableTimedOut {
                        agent: agent.clone(),
                        state,
                        reason,
                        since,
                    });
                    self.logout(&agent);
                }
            }
            Timer::CallbackDue(_)
            | Timer::NoAnswer(_)
            | Timer::CallbackExpiry(_)
            | Timer::Reservation(_)
            | Timer::CallbackSchedule(_)
            | Timer::Shift(_) => self.fire_callback_timer(&timer),
            Timer::QueueHours(queue) => self.fire_queue_hours(&queue),
        }
    }

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
}
