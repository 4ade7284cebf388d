//! Read-only views of the engine for drivers, the monitor and tests.

use super::{Engine, Place};
use crate::dnc::normalize;
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{
    AgentState, AnsweredBy, Channel, ContactState, Direction, QueueClosure, QueueEmergency,
};
use crate::time::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Counters since the engine started (or since the journal began, after replay).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct EngineStats {
    pub contacts_arrived: u64,
    pub contacts_closed: u64,
    pub contacts_connected: u64,
    pub offers_created: u64,
    pub refusals: u64,
    /// Keyed by the exact reason names of docs/engine.md, Offers and refusals.
    pub refusals_by_reason: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentView {
    pub id: AgentId,
    pub full_name: String,
    pub team: Option<String>,
    pub state: AgentState,
    pub reason: Option<String>,
    pub since: Timestamp,
    pub station: Option<StationId>,
    pub offer: Option<OfferId>,
    /// Contacts the agent holds, with their states.
    pub contacts: Vec<(ContactId, ContactState)>,
    pub used_units: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    pub id: ContactId,
    pub channel: Channel,
    pub direction: Direction,
    pub queue: QueueId,
    pub from: String,
    pub priority: u16,
    pub attributes: BTreeMap<String, String>,
    pub state: ContactState,
    pub arrived: Timestamp,
    pub entrance: Timestamp,
    pub offers: Vec<OfferId>,
    pub agent: Option<AgentId>,
    pub offers_made: u32,
    pub answered_by: Option<AnsweredBy>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferView {
    pub id: OfferId,
    pub contact: ContactId,
    pub agent: AgentId,
    pub station: StationId,
    pub created: Timestamp,
    pub deadline: Timestamp,
    pub accepted: bool,
    pub link_deadline: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QueueView {
    pub id: QueueId,
    pub channel: Channel,
    pub waiting: usize,
    /// Entrance time of the first waiting contact.
    pub oldest_entrance: Option<Timestamp>,
    pub agents_available: usize,
    pub agents_staffed: u32,
    /// Closed to arrivals, and why (schedule, holiday, emergency); `null`: open.
    pub closure: Option<QueueClosure>,
    /// Since when the queue is closed for that reason (while closed).
    pub closed_since: Option<Timestamp>,
    /// The emergency closing the queue: its message and who set it.
    pub emergency: Option<QueueEmergency>,
    /// When the queue's own schedule next opens or closes it (none in an emergency or
    /// without a schedule).
    pub next_change: Option<Timestamp>,
}

impl Engine {
    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    pub fn open_contacts(&self) -> usize {
        self.contacts.len()
    }

    pub fn settings(&self) -> &crate::config::Settings {
        &self.settings
    }

    pub fn queue_configs(&self) -> impl Iterator<Item = &crate::config::QueueConfig> {
        self.queues.values().map(|q| &q.config)
    }

    pub fn agent_configs(&self) -> impl Iterator<Item = &crate::config::AgentConfig> {
        self.agents.values().map(|a| &a.config)
    }

    pub fn station_configs(&self) -> impl Iterator<Item = &crate::config::StationConfig> {
        self.stations.values()
    }

    pub fn agent_view(&self, id: &AgentId) -> Option<AgentView> {
        let a = self.agents.get(id)?;
        Some(AgentView {
            id: id.clone(),
            full_name: a.config.full_name.clone(),
            team: a.config.team.clone(),
            state: a.shown,
            reason: a.shown_reason.clone(),
            since: a.shown_since,
            station: a.station.clone(),
            offer: a.offer,
            contacts: a.assignments.iter().map(|(c, x)| (*c, x.state)).collect(),
            used_units: a.used_units,
        })
    }

    pub fn agent_views(&self) -> impl Iterator<Item = AgentView> + '_ {
        self.agents.keys().filter_map(|id| self.agent_view(id))
    }

    pub fn contact_view(&self, id: ContactId) -> Option<ContactView> {
        let c = self.contacts.get(&id)?;
        let (offers, agent) = match &c.place {
            Place::Offered(offers) => (offers.to_vec(), None),
            Place::Agent(agent) => (Vec::new(), Some(agent.clone())),
            Place::New | Place::Queued | Place::Pending => (Vec::new(), None),
        };
        Some(ContactView {
            id,
            channel: c.channel,
            direction: c.direction,
            queue: c.queue.clone(),
            from: c.from.to_string(),
            priority: c.priority,
            attributes: c.attributes.clone(),
            state: self.contact_state(id)?,
            arrived: c.arrived,
            entrance: c.entrance,
            offers,
            agent,
            offers_made: c.offers_made,
            answered_by: c.answered_by,
        })
    }

    pub fn contact_views(&self) -> impl Iterator<Item = ContactView> + '_ {
        self.contacts.keys().filter_map(|id| self.contact_view(*id))
    }

    pub fn offer_view(&self, id: OfferId) -> Option<OfferView> {
        let o = self.offers.get(&id)?;
        Some(OfferView {
            id,
            contact: o.contact,
            agent: o.agent.clone(),
            station: o.station.clone(),
            created: o.created,
            deadline: o.deadline,
            accepted: o.accepted,
            link_deadline: o.link_deadline,
        })
    }

    pub fn queue_view(&self, id: &QueueId) -> Option<QueueView> {
        let q = self.queues.get(id)?;
        Some(QueueView {
            id: id.clone(),
            channel: q.config.channel,
            waiting: q.waiting.len(),
            oldest_entrance: q.by_entrance.first().map(|(entrance, _)| *entrance),
            agents_available: q.agents.len(),
            agents_staffed: q.staffed,
            closure: q.closure,
            closed_since: q.closure.map(|_| q.closure_since),
            emergency: q.emergency.clone(),
            next_change: q.hours_check,
        })
    }

    pub fn queue_views(&self) -> impl Iterator<Item = QueueView> + '_ {
        self.queues.keys().filter_map(|id| self.queue_view(id))
    }

    /// The open offer of an agent, if any.
    pub fn agent_offer(&self, agent: &AgentId) -> Option<OfferId> {
        self.agents.get(agent)?.offer
    }

    /// A deterministic text dump of the whole state, for snapshots and replay comparisons.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "now {}", self.now);
        for a in self.agent_views() {
            let _ = write!(out, "agent {} {}", a.id, a.state);
            if let Some(reason) = &a.reason {
                let _ = write!(out, " ({reason})");
            }
            let _ = write!(out, " since {}", a.since);
            if let Some(station) = &a.station {
                let _ = write!(out, " at {station}");
            }
            if let Some(offer) = a.offer {
                let _ = write!(out, " offer {offer}");
            }
            for (c, s) in &a.contacts {
                let _ = write!(out, " {c}:{s}");
            }
            if a.used_units > 0 {
                let _ = write!(out, " units {}", a.used_units);
            }
            out.push('\n');
        }
        for q in self.queue_views() {
            let _ = write!(
                out,
                "queue {} waiting {} available {} staffed {}",
                q.id, q.waiting, q.agents_available, q.agents_staffed
            );
            if let (Some(c), Some(since)) = (q.closure, q.closed_since) {
                let _ = write!(out, " closed {c:?} since {since}");
            }
            if let Some(e) = &q.emergency {
                let _ = write!(out, " emergency {:?} by {:?}", e.message, e.set_by);
            }
            if let Some(at) = q.next_change {
                let _ = write!(out, " next change {at}");
            }
            out.push('\n');
        }
        for c in self.contact_views() {
            let _ = write!(
                out,
                "contact {} {} {} in {} {} entrance {} offers {}",
                c.id, c.channel, c.from, c.queue, c.state, c.entrance, c.offers_made
            );
            if let Some(agent) = &c.agent {
                let _ = write!(out, " with {agent}");
            }
            out.push('\n');
        }
        for (id, o) in &self.offers {
            let _ = writeln!(
                out,
                "offer {id} {} -> {} deadline {}{}",
                o.contact,
                o.agent,
                o.deadline,
                if o.accepted { " accepted" } else { "" }
            );
        }
        for (id, cb) in &self.callbacks {
            let Some(v) = self.callback_view(*id) else {
                continue;
            };
            let _ = write!(
                out,
                "callback {id} {} due {} attempts {}",
                v.location.as_str(),
                cb.due,
                cb.attempts
            );
            if let Some(state) = v.last_attempt_state {
                let _ = write!(out, " last {}", state.as_str());
            }
            if let Some(agent) = &v.reserved_for {
                let _ = write!(out, " reserved {agent}");
            }
            if cb.reached {
                let _ = write!(out, " reached");
            }
            out.push('\n');
        }
        for id in self.queues.keys() {
            if let Some(m) = self.callback_monitor(id) {
                let _ = writeln!(
                    out,
                    "callbacks {id} {} proc {} to-be-proc {} avg {:?} purged {} reached {:?} since {}",
                    m.status.as_str(),
                    m.processed,
                    m.to_be_processed,
                    m.avg_handle_ms,
                    m.purged,
                    m.pct_reached,
                    m.shift_since
                );
            }
        }
        for v in self.session_views() {
            let _ = write!(
                out,
                "session {} {:?} {} {} in {} by {} since {}",
                v.contact, v.state, v.channel, v.from, v.queue, v.agent, v.since
            );
            if let Some(thread) = &v.thread {
                let _ = write!(out, " ({thread})");
            }
            for held in &v.held {
                let _ = write!(out, " held {held}");
            }
            out.push('\n');
        }
        if !self.do_not_call.is_empty() {
            let numbers: Vec<&str> = self.do_not_call_numbers().collect();
            let _ = writeln!(out, "do-not-call {}", numbers.join(" "));
        }
        let s = &self.stats;
        let _ = writeln!(
            out,
            "stats arrived {} closed {} offers {} refusals {}",
            s.contacts_arrived, s.contacts_closed, s.offers_created, s.refusals
        );
        for (reason, n) in &s.refusals_by_reason {
            let _ = writeln!(out, "refusals {reason:?} {n}");
        }
        match self.poll_timeout() {
            Some(t) => {
                let _ = writeln!(out, "next timeout {t}");
            }
            None => out.push_str("next timeout -\n"),
        }
        out
    }
}

/// One row of the supervisor's callback search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackView {
    pub id: ContactId,
    pub queue: QueueId,
    pub destination: String,
    pub origin: crate::callback::CallbackOrigin,
    pub location: crate::callback::CallbackLocation,
    /// When it (next) goes to the queue.
    pub due: Timestamp,
    pub entrance: Timestamp,
    /// Counted attempts (the dial outcomes: Answering Machine, No Answer, Busy, Fax, …).
    pub attempts: u32,
    pub last_attempt_state: Option<crate::callback::AttemptState>,
    pub last_attempt_at: Option<Timestamp>,
    /// The connector's raw cause (SIP status, Q.850 cause) of the last attempt's dial outcome.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<crate::schema::OptionalText>))]
    pub last_cause_code: Option<String>,
    pub reserved_for: Option<AgentId>,
    pub expires: Option<Timestamp>,
    pub agent: Option<AgentId>,
}

/// A queue's callback columns in the supervisor monitor (docs/callbacks.md, Supervisor counters).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallbackMonitorView {
    pub queue: QueueId,
    /// CLBK Stat.
    pub status: crate::callback::CallbackStatus,
    /// Proc.
    pub processed: u64,
    /// Clbk To Be Proc.
    pub to_be_processed: u64,
    /// Clbk Avg Time, in milliseconds.
    pub avg_handle_ms: Option<u64>,
    /// Clbk Purged.
    pub purged: u64,
    /// % Clbk Reached.
    pub pct_reached: Option<f64>,
    /// % Clbk Fail.
    pub pct_fail: Option<f64>,
    pub shift_since: Timestamp,
    pub counters: crate::callback::CallbackCounters,
}

impl Engine {
    pub fn callback_view(&self, id: ContactId) -> Option<CallbackView> {
        let cb = self.callbacks.get(&id)?;
        let c = self.contacts.get(&id)?;
        Some(CallbackView {
            id,
            queue: c.queue.clone(),
            destination: cb.destination.clone(),
            origin: cb.origin,
            location: self.callback_location(id)?,
            due: cb.due,
            entrance: c.entrance,
            attempts: cb.attempts,
            last_attempt_state: cb.last_state,
            last_attempt_at: cb.last_attempt_at,
            last_cause_code: cb.last_cause_code.clone(),
            reserved_for: cb.reserved.as_ref().map(|(a, _)| a.clone()),
            expires: cb.expires,
            agent: match &c.place {
                Place::Agent(a) => Some(a.clone()),
                _ => None,
            },
        })
    }

    /// Callback search: open callbacks, optionally of one queue and one location.
    pub fn callback_views(
        &self,
        queue: Option<&QueueId>,
        location: Option<crate::callback::CallbackLocation>,
    ) -> Vec<CallbackView> {
        self.callbacks
            .keys()
            .filter_map(|id| self.callback_view(*id))
            .filter(|v| queue.is_none_or(|q| &v.queue == q))
            .filter(|v| location.is_none_or(|l| v.location == l))
            .collect()
    }

    pub fn callback_monitor(&self, queue: &QueueId) -> Option<CallbackMonitorView> {
        let cb = self.queues.get(queue)?.callbacks.as_ref()?;
        let pct = cb.counters.reached_fail_percent();
        Some(CallbackMonitorView {
            queue: queue.clone(),
            status: cb.status,
            processed: cb.counters.processed,
            to_be_processed: cb.to_be_processed,
            avg_handle_ms: cb.counters.avg_handle_ms(),
            purged: cb.counters.purged,
            pct_reached: pct.map(|p| p.0),
            pct_fail: pct.map(|p| p.1),
            shift_since: cb.shift_since,
            counters: cb.counters.clone(),
        })
    }
}

/// Suspended (waiting for the customer's next message) or Parked (waiting for an unpark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionState {
    Suspended,
    Parked,
}

/// A suspended or parked session, named by the contact that was suspended or parked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// The contact that was suspended or parked (closed (50, 0) or (61, 0)); unpark names it.
    pub contact: ContactId,
    pub state: SessionState,
    pub channel: Channel,
    pub queue: QueueId,
    /// The customer.
    pub from: String,
    /// The agent who suspended or parked it.
    pub agent: AgentId,
    pub since: Timestamp,
    /// Suspended: the thread key the customer's next message must carry.
    pub thread: Option<String>,
    /// Parked: the contacts held (62, 0) meanwhile, in arrival order.
    pub held: Vec<ContactId>,
}

impl Engine {
    /// Whether `destination` is on the do-not-call list (a text that is no phone number never
    /// is).
    pub fn is_do_not_call(&self, destination: &str) -> bool {
        !self.do_not_call.is_empty()
            && normalize(destination).is_ok_and(|n| self.do_not_call.contains(&n))
    }

    /// The list in its normal form, in order.
    pub fn do_not_call_numbers(&self) -> impl Iterator<Item = &str> {
        self.do_not_call.iter().map(String::as_str)
    }

    /// Up to `limit` listed numbers after `after` (normal form), in order.
    pub fn do_not_call_page(&self, after: Option<&str>, limit: usize) -> Vec<String> {
        use std::ops::Bound;
        let start = match after {
            Some(a) => Bound::Excluded(a.to_string()),
            None => Bound::Unbounded,
        };
        self.do_not_call
            .range((start, Bound::Unbounded))
            .take(limit)
            .cloned()
            .collect()
    }

    pub fn do_not_call_len(&self) -> usize {
        self.do_not_call.len()
    }

    /// Every suspended and parked session, by the contact's id.
    pub fn session_views(&self) -> Vec<SessionView> {
        let mut views: Vec<SessionView> = self
            .suspended
            .keys()
            .chain(self.parked.keys())
            .filter_map(|c| self.session_view(*c))
            .collect();
        views.sort_by_key(|v| v.contact);
        views
    }

    pub fn session_view(&self, contact: ContactId) -> Option<SessionView> {
        if let Some(s) = self.suspended.get(&contact) {
            return Some(SessionView {
                contact,
                state: SessionState::Suspended,
                channel: s.channel,
                queue: s.queue.clone(),
                from: s.from.to_string(),
                agent: s.agent.clone(),
                since: s.since,
                thread: Some(s.thread.clone()),
                held: Vec::new(),
            });
        }
        let p = self.parked.get(&contact)?;
        Some(SessionView {
            contact,
            state: SessionState::Parked,
            channel: p.channel,
            queue: p.queue.clone(),
            from: p.from.to_string(),
            agent: p.agent.clone(),
            since: p.since,
            thread: None,
            held: p.held.iter().map(|h| h.contact).collect(),
        })
    }
}
