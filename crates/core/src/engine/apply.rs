//! The evolve step: `apply(event)` is the only place state changes. It never fails and never
//! decides; it keeps the indexes (routing, timers) in step with the state.

use super::{
    AgentRt, Assignment, ContactRt, Engine, Membership, OfferRt, Place, QueueRt, Timer, WaitKey,
};
use crate::config::PriorityHandling;
use crate::event::{Event, EventRecord};
use crate::ids::{AgentId, ContactId, OfferId, QueueId};
use crate::model::{AgentState, Channel, ContactState, Presence, UNAVAILABLE_TIMEOUT_REASON};
use crate::time::Timestamp;
use std::collections::BTreeSet;

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

    fn evolve(&mut self, record: &EventRecord) {
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

    /// Set the agent's unavailable time-out timer from what it shows now and the settings:
    /// shown Break or BackOffice since `shown_since` with a time-out for its reason, the
    /// timer is due that long after; otherwise it has none.
    fn arm_unavailable(&mut self, agent: &AgentId) {
        let Some(rt) = self.agents.get_mut(agent) else {
            return;
        };
        if let Some(old) = rt.unavailable_deadline.take() {
            self.timers
                .remove(&(old, Timer::Unavailable(agent.clone())));
        }
        if rt.shown.is_unavailable()
            && let Some(ms) = self
                .settings
                // The unavailable reason itself: the shown one may also say who set it.
                .unavailable_timeout_for(rt.reason.as_deref())
        {
            let deadline = rt.shown_since.plus_ms(ms);
            rt.unavailable_deadline = Some(deadline);
            self.timers
                .insert((deadline, Timer::Unavailable(agent.clone())));
        }
    }

    /// An agent's eligibility may have changed: re-key it in its queues' indexes.
    fn agent_changed(&mut self, agent: &AgentId) {
        self.reindex_agent(agent);
    }

    fn remove_offer(&mut self, offer: OfferId) {
        let Some(o) = self.offers.remove(&offer) else {
            return;
        };
        self.timers.remove(&(o.deadline, Timer::Offer(offer)));
        if let Some(link) = o.link_deadline {
            self.timers.remove(&(link, Timer::Link(offer)));
        }
        if let Some(rt) = self.agents.get_mut(&o.agent)
            && rt.offer == Some(offer)
        {
            rt.offer = None;
        }
        if let Some(c) = self.contacts.get_mut(&o.contact)
            && let Place::Offered(offers) = &mut c.place
        {
            offers.retain(|x| *x != offer);
        }
    }

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

    fn apply_contact_queued(&mut self, contact: ContactId, queue: &QueueId, entrance: Timestamp) {
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

    fn apply_queue_configured(&mut self, config: &crate::config::QueueConfig) {
        let id = config.id.clone();
        match self.queues.get_mut(&id) {
            Some(q) => {
                let rekey = q.config.priority_handling != config.priority_handling;
                q.config = config.clone();
                if rekey {
                    let old: Vec<WaitKey> = std::mem::take(&mut q.waiting).into_iter().collect();
                    for key in old {
                        if let Some(c) = self.contacts.get_mut(&key.contact) {
                            let new = wait_key(
                                config.priority_handling,
                                c.priority,
                                c.entrance,
                                key.contact,
                            );
                            c.wait_key = Some(new);
                            q.waiting.insert(new);
                        }
                    }
                }
                let members: Vec<AgentId> = q.members.iter().cloned().collect();
                for agent in members {
                    self.reindex_agent(&agent);
                }
            }
            None => {
                // Agents may have been configured for this queue before it existed.
                let members: BTreeSet<AgentId> = self
                    .agents
                    .iter()
                    .filter(|(_, a)| a.memberships.iter().any(|m| m.queue == id))
                    .map(|(k, _)| k.clone())
                    .collect();
                let staffed = members
                    .iter()
                    .filter(|a| self.agents[*a].station.is_some())
                    .count() as u32;
                self.queues.insert(
                    id.clone(),
                    QueueRt {
                        config: config.clone(),
                        waiting: BTreeSet::new(),
                        by_entrance: BTreeSet::new(),
                        agents: BTreeSet::new(),
                        members: members.clone(),
                        staffed,
                        closure: None,
                        closure_since: Timestamp::ZERO,
                        emergency: None,
                        hours: None,
                        hours_check: None,
                        callbacks: None,
                    },
                );
                for agent in members {
                    self.reindex_agent(&agent);
                }
            }
        }
        self.configure_queue_callbacks(&id);
        self.compile_queue_hours(&id);
        self.dirty.insert(id);
    }

    fn apply_agent_configured(&mut self, at: Timestamp, config: &crate::config::AgentConfig) {
        let id = config.id.clone();
        let old = self.agents.remove(&id);
        let (mut rt, old_memberships) = match old {
            Some(mut rt) => {
                let memberships = std::mem::take(&mut rt.memberships);
                rt.config = config.clone();
                (rt, memberships)
            }
            None => (
                AgentRt {
                    config: config.clone(),
                    station: None,
                    presence: Presence::Offline,
                    reason: None,
                    pending: None,
                    offer: None,
                    assignments: super::VecMap::new(),
                    used_units: 0,
                    last_work_at: at,
                    shown: AgentState::Offline,
                    shown_reason: None,
                    shown_since: at,
                    unavailable_deadline: None,
                    logout_reason: None,
                    presence_by: None,
                    pending_by: None,
                    memberships: Vec::new(),
                    touched: false,
                },
                Vec::new(),
            ),
        };
        let logged_in = rt.station.is_some();
        for m in &old_memberships {
            if let Some(q) = self.queues.get_mut(&m.queue) {
                q.members.remove(&id);
                if let Some(key) = &m.indexed {
                    q.agents.remove(key);
                }
                if logged_in {
                    q.staffed = q.staffed.saturating_sub(1);
                }
            }
        }
        rt.memberships = config
            .queues
            .iter()
            .map(|skill| Membership {
                queue: skill.queue.clone(),
                proficiency: skill.proficiency,
                last_offer_seq: old_memberships
                    .iter()
                    .find(|m| m.queue == skill.queue)
                    .map_or(0, |m| m.last_offer_seq),
                indexed: None,
            })
            .collect();
        for m in &rt.memberships {
            if let Some(q) = self.queues.get_mut(&m.queue) {
                q.members.insert(id.clone());
                if logged_in {
                    q.staffed += 1;
                }
            }
        }
        self.agents.insert(id.clone(), rt);
        self.agent_changed(&id);
    }
}

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
