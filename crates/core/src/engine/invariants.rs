//! `check_invariants()`: the engine's promises, checked after every step in tests and by the
//! simulator's auditor. A violation is a programmer error; the message says which promise.

use super::{Engine, Place, Timer};
use crate::ids::{AgentId, ContactId};
use crate::model::{AgentState, ContactState};

impl Engine {
    pub fn check_invariants(&self) -> Result<(), String> {
        if self.do_not_call.len() > self.settings.limits.do_not_call_max as usize {
            return Err("the do-not-call list exceeds do_not_call_max".into());
        }
        if let Some(n) = self
            .do_not_call
            .iter()
            .find(|n| crate::dnc::normalize(n).ok().as_ref() != Some(*n))
        {
            return Err(format!("do-not-call entry {n:?} is not in normal form"));
        }
        self.check_sessions()?;
        let mut queued_total = 0usize;
        for (id, q) in &self.queues {
            queued_total += q.waiting.len();
            // An emergency is exactly an Emergency closure, and holds the schedule's timer
            // off; without a schedule there is nothing to look at again.
            let emergency = q.closure == Some(crate::model::QueueClosure::Emergency);
            if emergency != q.emergency.is_some()
                || (q.hours_check.is_some() && (emergency || q.hours.is_none()))
                || (q.hours.is_none() && !emergency && q.closure.is_some())
            {
                return Err(format!(
                    "queue {id}: closure {:?}, emergency {:?}, schedule {}, next check {:?}",
                    q.closure,
                    q.emergency,
                    q.hours.is_some(),
                    q.hours_check
                ));
            }
            if q.by_entrance.len() != q.waiting.len()
                || q.by_entrance.iter().any(|(entrance, c)| {
                    self.contacts
                        .get(c)
                        .is_none_or(|x| x.entrance != *entrance || x.place != Place::Queued)
                })
            {
                return Err(format!(
                    "queue {id} entrance index disagrees with its contacts"
                ));
            }
            for key in &q.waiting {
                let c = self
                    .contacts
                    .get(&key.contact)
                    .ok_or_else(|| format!("queue {id} holds closed contact {}", key.contact))?;
                if c.place != Place::Queued || &c.queue != id || c.wait_key != Some(*key) {
                    return Err(format!("queue {id} index disagrees with {}", key.contact));
                }
            }
            for key in &q.agents {
                let a = self
                    .agents
                    .get(&key.agent)
                    .ok_or_else(|| format!("queue {id} indexes unknown agent {}", key.agent))?;
                let m = a.memberships.iter().find(|m| &m.queue == id);
                if m.and_then(|m| m.indexed.as_ref()) != Some(key) {
                    return Err(format!(
                        "queue {id} index disagrees with agent {}",
                        key.agent
                    ));
                }
            }
            let staffed = q
                .members
                .iter()
                .filter(|a| self.agents.get(a).is_some_and(|a| a.station.is_some()))
                .count() as u32;
            if staffed != q.staffed {
                return Err(format!("queue {id} staffed {} != {staffed}", q.staffed));
            }
        }
        for (id, a) in &self.agents {
            let shown = a.derived_state();
            if shown != a.shown {
                return Err(format!("agent {id} shows {} but is {shown}", a.shown));
            }
            // The unavailable time-out: due that long after the agent became unavailable.
            let unavailable_deadline = shown
                .is_unavailable()
                .then(|| {
                    self.settings
                        .unavailable_timeout_for(a.reason.as_deref())
                        .map(|ms| a.shown_since.plus_ms(ms))
                })
                .flatten();
            if unavailable_deadline != a.unavailable_deadline {
                return Err(format!(
                    "agent {id} unavailable deadline {:?}, expected {unavailable_deadline:?}",
                    a.unavailable_deadline
                ));
            }
            if let Some(d) = unavailable_deadline
                && !self.timers.contains(&(d, Timer::Unavailable(id.clone())))
            {
                return Err(format!("agent {id} unavailable time-out has no timer"));
            }
            match shown {
                AgentState::Offered if a.offer.is_none() || a.is_busy() => {
                    return Err(format!("agent {id} Offered without exactly one offer"));
                }
                AgentState::Busy if !a.is_busy() => {
                    return Err(format!("agent {id} Busy without a contact"));
                }
                s if s.is_pending() && !a.is_busy() => {
                    return Err(format!("agent {id} {s} without a contact"));
                }
                _ => {}
            }
            let units: u16 = a.assignments.values().map(|x| u16::from(x.units)).sum();
            if units != a.used_units || units > crate::config::CAPACITY_UNITS {
                return Err(format!("agent {id} capacity {units} / {}", a.used_units));
            }
            if a.station.is_none() && (a.offer.is_some() || a.is_busy() || a.pending.is_some()) {
                return Err(format!("agent {id} offline with work"));
            }
            if let Some(station) = &a.station
                && self.station_users.get(station) != Some(id)
            {
                return Err(format!("agent {id} station {station} not registered"));
            }
            if let Some(offer) = a.offer {
                let o = self
                    .offers
                    .get(&offer)
                    .ok_or_else(|| format!("agent {id} holds ended offer {offer}"))?;
                if &o.agent != id {
                    return Err(format!("offer {offer} belongs to {} not {id}", o.agent));
                }
            }
            for (contact, x) in &a.assignments {
                let in_place = self
                    .contacts
                    .get(contact)
                    .is_some_and(|c| c.place == Place::Agent(id.clone()));
                if !x.detached && !in_place {
                    return Err(format!("agent {id} holds {contact} which is elsewhere"));
                }
                if x.detached && x.state != ContactState::WrapUp {
                    return Err(format!("agent {id} detached {contact} not in wrap-up"));
                }
                if x.detached
                    && let Some(c) = self.contacts.get(contact)
                    && !c.wrapping_up.contains(id)
                {
                    return Err(format!("contact {contact} forgets {id} wraps it up"));
                }
                if let Some(d) = x.wrap_up_deadline
                    && !self
                        .timers
                        .contains(&(d, Timer::WrapUp(*contact, id.clone())))
                {
                    return Err(format!("agent {id} wrap-up of {contact} has no timer"));
                }
            }
            for m in &a.memberships {
                let desired = self
                    .queues
                    .get(&m.queue)
                    .and_then(|q| self.route_key(a, m, &q.config));
                if desired != m.indexed {
                    return Err(format!("agent {id} stale index entry in {}", m.queue));
                }
            }
        }
        let mut queued_seen = 0usize;
        for (id, c) in &self.contacts {
            for agent in &c.wrapping_up {
                let detached = self
                    .agents
                    .get(agent)
                    .and_then(|a| a.assignments.get(id))
                    .is_some_and(|x| x.detached);
                if !detached {
                    return Err(format!("contact {id} lists {agent} wrapping up, it is not"));
                }
            }
            match &c.place {
                Place::New => return Err(format!("contact {id} left without a place")),
                Place::Pending => {
                    let cb = self
                        .callbacks
                        .get(id)
                        .ok_or_else(|| format!("contact {id} Pending but not a callback"))?;
                    let listed = self
                        .queues
                        .get(&c.queue)
                        .and_then(|q| q.callbacks.as_ref())
                        .is_some_and(|q| q.pending.contains(&(cb.due, *id)));
                    if !listed || c.wait_key.is_some() {
                        return Err(format!("callback {id} Pending but not indexed as such"));
                    }
                }
                Place::Queued => {
                    queued_seen += 1;
                    let key = c
                        .wait_key
                        .ok_or_else(|| format!("contact {id} unindexed"))?;
                    if !self
                        .queues
                        .get(&c.queue)
                        .is_some_and(|q| q.waiting.contains(&key))
                    {
                        return Err(format!("contact {id} missing from queue {}", c.queue));
                    }
                }
                Place::Offered(offers) => {
                    if offers.is_empty() {
                        return Err(format!("contact {id} offered to nobody"));
                    }
                    for o in offers {
                        let offer = self
                            .offers
                            .get(o)
                            .ok_or_else(|| format!("contact {id} names ended offer {o}"))?;
                        if offer.contact != *id {
                            return Err(format!("offer {o} is for {} not {id}", offer.contact));
                        }
                    }
                    if c.wait_key.is_some() {
                        return Err(format!("contact {id} offered and queued"));
                    }
                }
                Place::Agent(agent) => {
                    let held = self
                        .agents
                        .get(agent)
                        .and_then(|a| a.assignments.get(id))
                        .is_some_and(|x| !x.detached);
                    if !held || c.wait_key.is_some() {
                        return Err(format!("contact {id} not held by {agent}"));
                    }
                }
            }
        }
        if queued_seen != queued_total {
            return Err(format!(
                "{queued_seen} queued contacts, {queued_total} in indexes"
            ));
        }
        for (id, o) in &self.offers {
            let c = self
                .contacts
                .get(&o.contact)
                .ok_or_else(|| format!("offer {id} for closed contact {}", o.contact))?;
            if !matches!(&c.place, Place::Offered(list) if list.contains(id)) {
                return Err(format!("offer {id} not listed by its contact"));
            }
            if self.agents.get(&o.agent).and_then(|a| a.offer) != Some(*id) {
                return Err(format!("offer {id} not held by agent {}", o.agent));
            }
            let timer = if o.accepted {
                o.link_deadline.map(|d| (d, Timer::Link(*id)))
            } else {
                Some((o.deadline, Timer::Offer(*id)))
            };
            if let Some(t) = timer
                && !self.timers.contains(&t)
            {
                return Err(format!("offer {id} has no timer"));
            }
        }
        for (at, timer) in &self.timers {
            let live = match timer {
                Timer::Offer(o) => self
                    .offers
                    .get(o)
                    .is_some_and(|x| !x.accepted && x.deadline == *at),
                Timer::Link(o) => self
                    .offers
                    .get(o)
                    .is_some_and(|x| x.accepted && x.link_deadline == Some(*at)),
                Timer::WrapUp(c, a) => self
                    .agents
                    .get(a)
                    .and_then(|x| x.assignments.get(c))
                    .is_some_and(|x| x.wrap_up_deadline == Some(*at)),
                Timer::QueueLimit(c) => self
                    .contacts
                    .get(c)
                    .is_some_and(|x| x.queue_deadline == Some(*at)),
                Timer::Reoffer(c, a) => self
                    .contacts
                    .get(c)
                    .is_some_and(|x| x.exclusions.contains(&(a.clone(), *at))),
                Timer::CallbackDue(c) => {
                    self.callbacks.get(c).is_some_and(|cb| cb.due == *at)
                        && self.contacts.get(c).is_some_and(|x| {
                            x.place == Place::Pending
                                && self
                                    .queues
                                    .get(&x.queue)
                                    .and_then(|q| q.callbacks.as_ref())
                                    .is_some_and(|q| {
                                        q.status == crate::callback::CallbackStatus::Active
                                    })
                        })
                }
                Timer::NoAnswer(c) => self
                    .callbacks
                    .get(c)
                    .and_then(|cb| cb.current.as_ref())
                    .is_some_and(|a| a.no_answer_deadline == Some(*at)),
                Timer::CallbackExpiry(c) => self
                    .callbacks
                    .get(c)
                    .is_some_and(|cb| !cb.expired && cb.expires == Some(*at)),
                Timer::Reservation(c) => self
                    .callbacks
                    .get(c)
                    .is_some_and(|cb| cb.reserved.as_ref().is_some_and(|(_, u)| u == at)),
                Timer::CallbackSchedule(q) => self
                    .queues
                    .get(q)
                    .and_then(|q| q.callbacks.as_ref())
                    .is_some_and(|cb| cb.next_check == Some(*at)),
                Timer::Shift(q) => self
                    .queues
                    .get(q)
                    .and_then(|q| q.callbacks.as_ref())
                    .is_some_and(|cb| cb.next_shift == Some(*at)),
                Timer::QueueHours(q) => self
                    .queues
                    .get(q)
                    .is_some_and(|x| x.hours_check == Some(*at)),
                Timer::Unavailable(a) => self
                    .agents
                    .get(a)
                    .is_some_and(|x| x.unavailable_deadline == Some(*at)),
            };
            if !live {
                return Err(format!("stale timer {timer:?} at {at}"));
            }
        }
        self.check_callbacks()?;
        let s = &self.stats;
        if s.contacts_arrived != s.contacts_closed + self.contacts.len() as u64 {
            return Err(format!(
                "arrived {} != closed {} + open {}",
                s.contacts_arrived,
                s.contacts_closed,
                self.contacts.len()
            ));
        }
        let by_reason: u64 = s.refusals_by_reason.values().sum();
        if by_reason != s.refusals {
            return Err(format!(
                "refusals {} != sum by reason {by_reason}",
                s.refusals
            ));
        }
        Ok(())
    }

    /// For tests: the agents a contact is currently excluded from (recent refusals).
    pub fn exclusions(&self, contact: ContactId) -> Vec<AgentId> {
        self.contacts
            .get(&contact)
            .map(|c| c.exclusions.iter().map(|(a, _)| a.clone()).collect())
            .unwrap_or_default()
    }

    /// Callback promises: one location each, indexes and counters agree, attempts bounded.
    fn check_callbacks(&self) -> Result<(), String> {
        for (id, q) in &self.queues {
            let Some(cb) = &q.callbacks else {
                continue;
            };
            let mut to_be = 0u64;
            for (c, rt) in &self.callbacks {
                let Some(contact) = self.contacts.get(c) else {
                    return Err(format!("callback {c} without a contact"));
                };
                if &contact.queue != id {
                    continue;
                }
                if self
                    .callback_location(*c)
                    .is_some_and(|l| l.to_be_processed())
                {
                    to_be += 1;
                }
                if rt.attempts > cb.settings.attempts_before_failure {
                    return Err(format!(
                        "callback {c}: {} counted attempts over the limit {}",
                        rt.attempts, cb.settings.attempts_before_failure
                    ));
                }
            }
            if to_be != cb.to_be_processed {
                return Err(format!(
                    "queue {id}: Clbk To Be Proc {} but {to_be} callbacks are Pending or queued",
                    cb.to_be_processed
                ));
            }
            for (due, c) in &cb.pending {
                let ok = self.callbacks.get(c).is_some_and(|x| x.due == *due)
                    && self
                        .contacts
                        .get(c)
                        .is_some_and(|x| x.place == Place::Pending && &x.queue == id);
                if !ok {
                    return Err(format!("queue {id} lists {c} as Pending, it is not"));
                }
            }
        }
        for (c, rt) in &self.callbacks {
            let contact = &self.contacts[c];
            if contact.channel != crate::model::Channel::Callback {
                return Err(format!("callback {c} has channel {}", contact.channel));
            }
            if self
                .queues
                .get(&contact.queue)
                .is_none_or(|q| q.callbacks.is_none())
            {
                return Err(format!("callback {c} in a queue without callbacks"));
            }
            match (&rt.current, &contact.place) {
                (Some(a), Place::Agent(agent)) if &a.agent == agent => {}
                (None, Place::Agent(agent)) => {
                    return Err(format!("callback {c} with {agent} but no attempt"));
                }
                (Some(a), place) => {
                    return Err(format!(
                        "callback {c} attempt by {} while {place:?}",
                        a.agent
                    ));
                }
                (None, _) => {}
            }
        }
        Ok(())
    }
}

impl Engine {
    /// Suspended and parked sessions: the indexes agree with the sessions, the held count
    /// with the held lists, and none is an open contact.
    fn check_sessions(&self) -> Result<(), String> {
        if self.suspended_threads.len() != self.suspended.len()
            || self
                .suspended_threads
                .iter()
                .any(|(t, c)| self.suspended.get(c).is_none_or(|s| &s.thread != t))
        {
            return Err("the suspended-thread index disagrees with the sessions".into());
        }
        if self.parked_customers.len() != self.parked.len()
            || self
                .parked_customers
                .iter()
                .any(|(from, c)| self.parked.get(c).is_none_or(|p| &p.from != from))
        {
            return Err("the parked-customer index disagrees with the sessions".into());
        }
        let held: usize = self.parked.values().map(|p| p.held.len()).sum();
        if held != self.held_contacts {
            return Err(format!("held contacts {} != {held}", self.held_contacts));
        }
        let sessions = self.suspended.keys().chain(self.parked.keys());
        if let Some(c) = sessions
            .chain(
                self.parked
                    .values()
                    .flat_map(|p| p.held.iter().map(|h| &h.contact)),
            )
            .find(|c| self.contacts.get(c).is_some())
        {
            return Err(format!("session contact {c} is still open"));
        }
        // The limit gates new sessions only, as it gates new contacts: lowering it leaves
        // the sessions there are.
        Ok(())
    }
}
