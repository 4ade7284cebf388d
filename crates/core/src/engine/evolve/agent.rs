//! Evolve of agent-state events: login, logout, presence, pending, the shown state and the
//! unavailable time-out.

use crate::engine::evolve::{invariant, not_this_family};
use crate::engine::{Engine, Timer};
use crate::event::Event;
use crate::ids::AgentId;
use crate::model::{Presence, UNAVAILABLE_TIMEOUT_REASON};
use crate::time::Timestamp;

/// An event names a configured agent: decide looked it up before emitting.
const AGENT: &str = "an event's agent is configured";

/// An agent's queues are configured: `configure_agent` checks them and `remove_queue` waits
/// until no agent serves the queue.
const MEMBER_QUEUE: &str = "an agent's queue is configured";

impl Engine {
    pub(super) fn evolve_agent(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::AgentLoggedIn { agent, station } => {
                let rt = invariant(self.agents.get_mut(agent), AGENT);
                debug_assert!(rt.station.is_none(), "agent {agent} logs in twice");
                rt.station = Some(station.clone());
                rt.last_work_at = at;
                rt.logout_reason = None;
                for m in &rt.memberships {
                    let q = invariant(self.queues.get_mut(&m.queue), MEMBER_QUEUE);
                    q.staffed += 1;
                }
                let other = self.station_users.insert(station.clone(), agent.clone());
                debug_assert!(other.is_none(), "station {station} has two agents");
                self.agent_changed(agent);
            }
            Event::AgentLoggedOut { agent, by } => {
                let rt = invariant(self.agents.get_mut(agent), AGENT);
                debug_assert!(
                    rt.assignments.is_empty(),
                    "agent {agent} logs out holding contacts"
                );
                rt.presence_by = None;
                rt.pending_by = None;
                if let Some(by) = by {
                    rt.logout_reason = Some(format!("logged out by {by}"));
                }
                if let Some(station) = rt.station.take() {
                    self.station_users.remove(&station);
                    for m in &rt.memberships {
                        let q = invariant(self.queues.get_mut(&m.queue), MEMBER_QUEUE);
                        q.staffed = q.staffed.saturating_sub(1);
                    }
                }
                rt.presence = Presence::Offline;
                rt.reason = None;
                rt.pending = None;
                self.agent_changed(agent);
            }
            Event::AgentPresenceChanged {
                agent,
                presence,
                reason,
                by,
            } => {
                let rt = invariant(self.agents.get_mut(agent), AGENT);
                rt.presence = *presence;
                rt.reason = reason.clone();
                rt.presence_by = by.clone();
                if *presence == Presence::Ready {
                    rt.last_work_at = at;
                }
                self.agent_changed(agent);
            }
            Event::AgentPendingChanged {
                agent,
                pending,
                reason,
                by,
            } => {
                let rt = invariant(self.agents.get_mut(agent), AGENT);
                rt.pending = pending.map(|p| (p, reason.clone()));
                rt.pending_by = by.clone().filter(|_| pending.is_some());
                self.agent_changed(agent);
            }
            Event::AgentStateChanged {
                agent,
                state,
                reason,
                ..
            } => {
                let rt = invariant(self.agents.get_mut(agent), AGENT);
                rt.shown = *state;
                rt.shown_reason = reason.clone();
                rt.shown_since = at;
                self.arm_unavailable(agent);
            }
            // The record of a supervisor's change; the change is in the events after it.
            Event::AgentStateForced { .. } => {}
            Event::AgentUnavailableTimedOut { agent, .. } => {
                let rt = invariant(self.agents.get_mut(agent), AGENT);
                if let Some(deadline) = rt.unavailable_deadline.take() {
                    self.timers
                        .remove(&(deadline, Timer::Unavailable(agent.clone())));
                }
                rt.logout_reason = Some(UNAVAILABLE_TIMEOUT_REASON.to_string());
            }
            _ => not_this_family("agent", event),
        }
    }

    /// Set the agent's unavailable time-out timer from what it shows now and the settings:
    /// shown Break or BackOffice since `shown_since` with a time-out for its reason, the
    /// timer is due that long after; otherwise it has none.
    pub(super) fn arm_unavailable(&mut self, agent: &AgentId) {
        let rt = invariant(self.agents.get_mut(agent), AGENT);
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
    pub(super) fn agent_changed(&mut self, agent: &AgentId) {
        self.reindex_agent(agent);
    }
}
