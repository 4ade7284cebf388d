//! evolve

mod agent;
mod callback;
pub(crate) mod contact;
mod offer;
mod queue;
mod session;

use crate::engine::{Assignment, ContactRt, Engine, OfferRt, Place, Timer};
use crate::event::{Event, EventRecord};
use crate::ids::AgentId;
use crate::model::{ContactState, Presence, UNAVAILABLE_TIMEOUT_REASON};

impl Engine {
    pub(crate) fn apply(&mut self, record: &EventRecord) {
        // "Clbk To Be Proc" follows every callback's location from event to event.
        // (Without open callbacks there is no location to follow.)
        let contact = record.event.contact();
        let before = contact
            .filter(|_| !self.callbacks.is_empty())
            .and_then(|c| self.callback_place(c));
        self.evolve(record);
        if let Some(c) = contact
            && (before.is_some() || !self.callbacks.is_empty())
        {
            let after = self.callback_place(c);
            self.track_location(before, after);
        }
    }

    pub(crate) fn evolve(&mut self, record: &EventRecord) {
        if self.apply_callback_event(record) || self.apply_session_event(record) {
            return;
        }
        let at = record.at;
        match &record.event {
            Event::SettingsConfigured { settings } => {
                self.settings = (**settings).clone();
                let ids: Vec<AgentId> = self.agents.keys().cloned().collect();
                for id in ids {
                    self.reindex_agent(&id);
                    self.arm_unavailable(&id);
                }
            }
            Event::QueueConfigured { queue } => self.apply_queue_configured(queue),
            Event::QueueRemoved { queue } => {
                let check = self.queues.get(queue).and_then(|q| q.hours_check);
                self.drop_queue_hours_timer(queue, check);
                if let Some(cb) = self.queues.remove(queue).and_then(|q| q.callbacks) {
                    self.drop_queue_callback_timers(queue, &cb);
                }
                self.dirty.remove(queue);
            }
            Event::QueueClosureChanged {
                queue,
                closure,
                emergency,
                next_check,
            } => self.apply_queue_closure(at, queue, *closure, emergency, *next_check),
            Event::AgentConfigured { agent } => self.apply_agent_configured(at, agent),
            Event::AgentRemoved { agent } => {
                if let Some(rt) = self.agents.remove(agent) {
                    if let Some(deadline) = rt.unavailable_deadline {
                        self.timers
                            .remove(&(deadline, Timer::Unavailable(agent.clone())));
                    }
                    for m in rt.memberships {
                        if let Some(q) = self.queues.get_mut(&m.queue) {
                            q.members.remove(agent);
                            if let Some(key) = m.indexed {
                                q.agents.remove(&key);
                            }
                        }
                    }
                }
            }
            Event::StationConfigured { station } => {
                self.stations.insert(station.id.clone(), station.clone());
            }
            Event::StationRemoved { station } => {
                self.stations.remove(station);
            }
            Event::AgentLoggedIn { agent, station } => {
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.station = Some(station.clone());
                    rt.last_work_at = at;
                    rt.logout_reason = None;
                    for m in &rt.memberships {
                        if let Some(q) = self.queues.get_mut(&m.queue) {
                            q.staffed += 1;
                        }
                    }
                    self.station_users.insert(station.clone(), agent.clone());
                }
                self.agent_changed(agent);
            }
            Event::AgentLoggedOut { agent, by } => {
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.presence_by = None;
                    rt.pending_by = None;
                    if let Some(by) = by {
                        rt.logout_reason = Some(format!("logged out by {by}"));
                    }
                    if let Some(station) = rt.station.take() {
                        self.station_users.remove(&station);
                        for m in &rt.memberships {
                            if let Some(q) = self.queues.get_mut(&m.queue) {
                                q.staffed = q.staffed.saturating_sub(1);
                            }
                        }
                    }
                    rt.presence = Presence::Offline;
                    rt.reason = None;
                    rt.pending = None;
                }
                self.agent_changed(agent);
            }
            Event::AgentPresenceChanged {
                agent,
                presence,
                reason,
                by,
            } => {
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.presence = *presence;
                    rt.reason = reason.clone();
                    rt.presence_by = by.clone();
                    if *presence == Presence::Ready {
                        rt.last_work_at = at;
                    }
                }
                self.agent_changed(agent);
            }
            Event::AgentPendingChanged {
                agent,
                pending,
                reason,
                by,
            } => {
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.pending = pending.map(|p| (p, reason.clone()));
                    rt.pending_by = by.clone().filter(|_| pending.is_some());
                }
                self.agent_changed(agent);
            }
            Event::AgentStateChanged {
                agent,
                state,
                reason,
                ..
            } => {
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.shown = *state;
                    rt.shown_reason = reason.clone();
                    rt.shown_since = at;
                }
                self.arm_unavailable(agent);
            }
            // The record of a supervisor's change; the change is in the events after it.
            Event::AgentStateForced { .. } => {}
            Event::AgentUnavailableTimedOut { agent, .. } => {
                if let Some(rt) = self.agents.get_mut(agent) {
                    if let Some(deadline) = rt.unavailable_deadline.take() {
                        self.timers
                            .remove(&(deadline, Timer::Unavailable(agent.clone())));
                    }
                    rt.logout_reason = Some(UNAVAILABLE_TIMEOUT_REASON.to_string());
                }
            }
            Event::ContactArrived {
                contact,
                channel,
                direction,
                queue,
                from,
                priority,
                attributes,
            } => {
                self.next_contact = self.next_contact.max(contact.0 + 1);
                self.stats.contacts_arrived += 1;
                self.contacts.insert(
                    *contact,
                    ContactRt {
                        channel: *channel,
                        direction: *direction,
                        queue: queue.clone(),
                        from: from.clone(),
                        priority: *priority,
                        attributes: attributes.clone(),
                        arrived: at,
                        entrance: at,
                        place: Place::New,
                        wait_key: None,
                        queue_deadline: None,
                        offers_made: 0,
                        exclusions: Vec::new(),
                        wrapping_up: Vec::new(),
                        last_agent: None,
                        answered_by: None,
                        callback_scheduled: false,
                        connected_at: None,
                    },
                );
            }
            Event::ContactQueued {
                contact,
                queue,
                entrance,
            } => self.apply_contact_queued(*contact, queue, *entrance),
            Event::OfferCreated {
                offer,
                contact,
                agent,
                station,
                deadline,
            } => {
                self.next_offer = self.next_offer.max(offer.0 + 1);
                self.offer_seq += 1;
                self.stats.offers_created += 1;
                self.unqueue(*contact);
                let queue = self.contacts.get_mut(contact).map(|c| {
                    c.offers_made += 1;
                    match &mut c.place {
                        Place::Offered(offers) => offers.push(*offer),
                        place => *place = Place::Offered(smallvec::smallvec![*offer]),
                    }
                    c.queue.clone()
                });
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.offer = Some(*offer);
                    let seq = self.offer_seq;
                    if let Some(m) = rt
                        .memberships
                        .iter_mut()
                        .find(|m| Some(&m.queue) == queue.as_ref())
                    {
                        m.last_offer_seq = seq;
                    }
                }
                self.offers.insert(
                    *offer,
                    OfferRt {
                        contact: *contact,
                        agent: agent.clone(),
                        station: station.clone(),
                        created: at,
                        deadline: *deadline,
                        accepted: false,
                        link_deadline: None,
                    },
                );
                self.timers.insert((*deadline, Timer::Offer(*offer)));
                self.agent_changed(agent);
            }
            Event::OfferAccepted {
                offer,
                link_deadline,
            } => {
                if let Some(o) = self.offers.get_mut(offer) {
                    o.accepted = true;
                    o.link_deadline = *link_deadline;
                    let deadline = o.deadline;
                    self.timers.remove(&(deadline, Timer::Offer(*offer)));
                    if let Some(link) = link_deadline {
                        self.timers.insert((*link, Timer::Link(*offer)));
                    }
                }
            }
            Event::OfferRefused {
                offer,
                contact,
                agent,
                reason,
                excluded_until,
                ..
            } => {
                self.stats.refusals += 1;
                *self
                    .stats
                    .refusals_by_reason
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                if let Some(offer) = offer {
                    self.remove_offer(*offer);
                }
                if *excluded_until > at
                    && let Some(c) = self.contacts.get_mut(contact)
                {
                    if let Some(i) = c.exclusions.iter().position(|(a, _)| a == agent) {
                        let (_, until) = c.exclusions.remove(i);
                        self.timers
                            .remove(&(until, Timer::Reoffer(*contact, agent.clone())));
                    }
                    c.exclusions.push((agent.clone(), *excluded_until));
                    self.timers
                        .insert((*excluded_until, Timer::Reoffer(*contact, agent.clone())));
                }
                self.agent_changed(agent);
            }
            Event::ExclusionEnded { contact, agent } => {
                if let Some(c) = self.contacts.get_mut(contact)
                    && let Some(i) = c.exclusions.iter().position(|(a, _)| a == agent)
                {
                    let (_, until) = c.exclusions.remove(i);
                    self.timers
                        .remove(&(until, Timer::Reoffer(*contact, agent.clone())));
                    if c.place == Place::Queued {
                        self.dirty.insert(c.queue.clone());
                    }
                }
            }
            Event::OfferRescinded { offer, agent, .. } => {
                self.remove_offer(*offer);
                self.agent_changed(agent);
            }
            Event::ContactConnected {
                contact,
                agent,
                offer,
                state,
                units,
            } => {
                if let Some(offer) = offer {
                    self.remove_offer(*offer);
                }
                self.unqueue(*contact);
                let Some(c) = self.contacts.get_mut(contact) else {
                    return;
                };
                c.place = Place::Agent(agent.clone());
                c.last_agent = Some(agent.clone());
                c.connected_at = Some(at);
                // Taken: earlier refusals no longer keep anyone from it.
                for (agent, until) in c.exclusions.drain(..) {
                    self.timers
                        .remove(&(until, Timer::Reoffer(*contact, agent)));
                }
                let (queue, channel) = (c.queue.clone(), c.channel);
                if let Some(rt) = self.agents.get_mut(agent) {
                    rt.assignments.insert(
                        *contact,
                        Assignment {
                            channel,
                            units: *units,
                            state: *state,
                            since: at,
                            detached: false,
                            wrap_up_deadline: None,
                            queue,
                        },
                    );
                    rt.used_units += u16::from(*units);
                    rt.last_work_at = at;
                }
                self.stats.contacts_connected += 1;
                self.agent_changed(agent);
            }
            Event::ContactStateChanged {
                contact,
                agent,
                state,
                answered_by,
            } => {
                if let Some(a) = self
                    .agents
                    .get_mut(agent)
                    .and_then(|rt| rt.assignments.get_mut(contact))
                {
                    a.state = *state;
                    a.since = at;
                }
                if let Some(by) = answered_by
                    && let Some(c) = self.contacts.get_mut(contact)
                {
                    c.answered_by = Some(*by);
                    if let Some(cb) = self.callbacks.get_mut(contact) {
                        if *by == crate::model::AnsweredBy::Live {
                            cb.reached = true;
                        }
                        if let Some(attempt) = cb.current.as_mut() {
                            attempt.answered = Some(*by);
                            if let Some(deadline) = attempt.no_answer_deadline.take() {
                                self.timers.remove(&(deadline, Timer::NoAnswer(*contact)));
                            }
                        }
                    }
                }
            }
            Event::WrapUpStarted {
                contact,
                agent,
                deadline,
                detached,
            } => {
                if let Some(a) = self
                    .agents
                    .get_mut(agent)
                    .and_then(|rt| rt.assignments.get_mut(contact))
                {
                    a.state = ContactState::WrapUp;
                    a.since = at;
                    a.detached = *detached;
                    a.wrap_up_deadline = *deadline;
                }
                if let Some(deadline) = deadline {
                    self.timers
                        .insert((*deadline, Timer::WrapUp(*contact, agent.clone())));
                }
                if *detached && let Some(c) = self.contacts.get_mut(contact) {
                    c.wrapping_up.push(agent.clone());
                }
                // The dial (if any) is over: Duration For No Answer no longer applies.
                self.stop_no_answer_timer(*contact);
                self.agent_changed(agent);
            }
            Event::WrapUpCompleted { contact, agent, .. }
            | Event::ContactReleased { contact, agent } => {
                if let Some(rt) = self.agents.get_mut(agent)
                    && let Some(a) = rt.assignments.remove(contact)
                {
                    rt.used_units -= u16::from(a.units);
                    rt.last_work_at = at;
                    if let Some(deadline) = a.wrap_up_deadline {
                        self.timers
                            .remove(&(deadline, Timer::WrapUp(*contact, agent.clone())));
                    }
                    if a.detached
                        && let Some(c) = self.contacts.get_mut(contact)
                    {
                        // The agent may take this contact again: let routing look.
                        c.wrapping_up.retain(|x| x != agent);
                        if c.place == Place::Queued {
                            self.dirty.insert(c.queue.clone());
                        }
                    }
                }
                self.agent_changed(agent);
            }
            // Handled by apply_callback_event.
            Event::CallbackCreated { .. }
            | Event::CallbackPending { .. }
            | Event::AttemptStarted { .. }
            | Event::AttemptDialing { .. }
            | Event::DialOutcomeReported { .. }
            | Event::CompletionStatusSet { .. }
            | Event::AttemptEnded { .. }
            | Event::CallbackExpired { .. }
            | Event::ReservationEnded { .. }
            | Event::CallbackCompleted { .. }
            | Event::CallbackStatusChanged { .. }
            | Event::ShiftStarted { .. } => {}
            // Handled by apply_session_event.
            Event::ContactSuspended { .. }
            | Event::SessionResumed { .. }
            | Event::ContactParked { .. }
            | Event::ContactHeld { .. }
            | Event::SessionUnparked { .. } => {}
            Event::DoNotCallAdded { numbers } => {
                self.do_not_call.extend(numbers.iter().cloned());
            }
            Event::DoNotCallRemoved { number } => {
                self.do_not_call.remove(number);
            }
            Event::ContactClosed { contact, .. } => {
                self.unqueue(*contact);
                if let Some(c) = self.contacts.get_mut(contact) {
                    for (agent, until) in c.exclusions.drain(..) {
                        self.timers
                            .remove(&(until, Timer::Reoffer(*contact, agent)));
                    }
                    self.contacts.discard(contact);
                }
                self.stats.contacts_closed += 1;
            }
        }
    }
}
