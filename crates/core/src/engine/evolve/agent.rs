//! agent

use crate::engine::{AgentRt, Engine, Membership, Timer};
use crate::ids::AgentId;
use crate::model::{AgentState, Presence};
use crate::time::Timestamp;

impl Engine {
    /// Set the agent's unavailable time-out timer from what it shows now and the settings:
    /// shown Break or BackOffice since `shown_since` with a time-out for its reason, the
    /// timer is due that long after; otherwise it has none.
    pub(crate) fn arm_unavailable(&mut self, agent: &AgentId) {
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
    pub(crate) fn agent_changed(&mut self, agent: &AgentId) {
        self.reindex_agent(agent);
    }

    pub(crate) fn apply_agent_configured(
        &mut self,
        at: Timestamp,
        config: &crate::config::AgentConfig,
    ) {
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
                    assignments: crate::engine::VecMap::new(),
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
