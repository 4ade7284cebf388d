//! Decisions on an agent's state: login, its own selection (`set_state`), a supervisor's
//! (`force_state`), the pending state taken when the last contact ends (`after_work`), the
//! presence policy after a refusal, and logout (docs/engine.md, Agent states; the policy in
//! Offers and refusals).

use crate::config::check_text;
use crate::engine::Engine;
use crate::engine::decide::offer::{AfterRefusal, AgentAfter};
use crate::event::Event;
use crate::ids::{AgentId, QueueId, StationId};
use crate::model::{Presence, RefusalPenalty, RefusalReason, SelectableState};
use crate::rejection::Rejection;

impl Engine {
    pub(crate) fn login(
        &mut self,
        agent: AgentId,
        station: StationId,
        state: Option<SelectableState>,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        if let Some(current) = &rt.station {
            return Err(Rejection::AgentAlreadyLoggedIn {
                agent: agent.clone(),
                station: current.clone(),
            });
        }
        if !self.stations.contains_key(&station) {
            return Err(Rejection::UnknownStation(station));
        }
        if let Some(other) = self.station_users.get(&station) {
            return Err(Rejection::StationInUse {
                station,
                agent: other.clone(),
            });
        }
        let presence = match state {
            None => self.settings.login_state.presence(),
            Some(s) if s.target() == Presence::Offline => {
                return Err(Rejection::InvalidInput {
                    field: "state".into(),
                    message: "a login cannot start Offline".into(),
                });
            }
            Some(s) => s.target(),
        };
        self.emit(Event::AgentLoggedIn {
            agent: agent.clone(),
            station,
        });
        self.emit(Event::AgentPresenceChanged {
            agent,
            presence,
            reason: None,
            by: None,
        });
        Ok(())
    }

    /// The agent's own selection (`by` none) or a supervisor's (`by`: who, carried by the
    /// change's events so the state shows who set it).
    pub(crate) fn set_state(
        &mut self,
        agent: AgentId,
        state: SelectableState,
        reason: Option<String>,
        by: Option<String>,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        let target = state.target();
        if rt.station.is_none() {
            if target == Presence::Offline {
                return Ok(()); // already offline: nothing to do
            }
            return Err(Rejection::AgentNotLoggedIn(agent));
        }
        self.check_reason(&agent, target, reason.as_deref())?;
        let rt = self.agent(&agent)?;
        let busy = rt.is_busy();
        let offer = rt.offer;
        let pending = rt.pending.clone();
        let presence = rt.presence;
        let current_reason = rt.reason.clone();

        // Picking anything but Ready while an offer is open withdraws it (docs/engine.md, Agent states): a Declined
        // refusal; the agent's own selection decides its state, not the policy.
        if target != Presence::Ready
            && let Some(offer) = offer
        {
            self.refuse(
                offer,
                RefusalReason::Declined,
                None,
                AgentAfter::Untouched,
                AfterRefusal::Requeue,
            );
        }
        if busy {
            if target == Presence::Ready {
                if pending.is_some() {
                    self.emit(Event::AgentPendingChanged {
                        agent: agent.clone(),
                        pending: None,
                        reason: None,
                        by: by.clone(),
                    });
                }
                if presence != Presence::Ready {
                    self.emit(Event::AgentPresenceChanged {
                        agent,
                        presence: Presence::Ready,
                        reason: None,
                        by: by.clone(),
                    });
                }
            } else if pending != Some((target, reason.clone())) {
                self.emit(Event::AgentPendingChanged {
                    agent,
                    pending: Some(target),
                    reason,
                    by: by.clone(),
                });
            }
        } else if target == Presence::Offline {
            self.emit(Event::AgentLoggedOut { agent, by });
        } else if presence != target || current_reason != reason {
            self.emit(Event::AgentPresenceChanged {
                agent,
                presence: target,
                reason,
                by: by.clone(),
            });
        }
        Ok(())
    }

    /// An unavailable reason fits the state and is one of the agent's (its own list, else the
    /// settings').
    pub(crate) fn check_reason(
        &self,
        agent: &AgentId,
        target: Presence,
        reason: Option<&str>,
    ) -> Result<(), Rejection> {
        let Some(reason) = reason else {
            return Ok(());
        };
        if !target.takes_reason() {
            return Err(Rejection::InvalidInput {
                field: "reason".into(),
                message: format!("{} takes no unavailable reason", target.shown()),
            });
        }
        let rt = self.agent(agent)?;
        let allowed = if rt.config.unavailable_reasons.is_empty() {
            &self.settings.unavailable_reasons
        } else {
            &rt.config.unavailable_reasons
        };
        if !allowed.iter().any(|r| r == reason) {
            return Err(Rejection::UnknownReason {
                agent: agent.clone(),
                reason: reason.to_string(),
            });
        }
        Ok(())
    }

    /// A supervisor (or admin) sets the agent's state: recorded first, then done as the
    /// agent's own selection would be, its events carrying `by`. An offline agent cannot be
    /// set to a state (it has no station); logging it out changes nothing and records nothing.
    pub(crate) fn force_state(
        &mut self,
        agent: AgentId,
        state: SelectableState,
        reason: Option<String>,
        by: String,
    ) -> Result<(), Rejection> {
        check_text("by", &by, false).map_err(Rejection::from)?;
        let rt = self.agent(&agent)?;
        if rt.station.is_none() {
            if state.target() == Presence::Offline {
                return Ok(());
            }
            return Err(Rejection::AgentNotLoggedIn(agent));
        }
        self.check_reason(&agent, state.target(), reason.as_deref())?;
        self.emit(Event::AgentStateForced {
            agent: agent.clone(),
            state,
            reason: reason.clone(),
            by: by.clone(),
        });
        self.set_state(agent, state, reason, Some(by))
    }

    /// The last contact ended: move to the pending state, or stay (Ready returns to Ready).
    pub(crate) fn after_work(&mut self, agent: &AgentId) {
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        if rt.is_busy() {
            return;
        }
        if let Some((pending, reason)) = rt.pending.clone() {
            // A state a supervisor set stays theirs when it starts.
            let by = rt.pending_by.clone();
            self.emit(Event::AgentPendingChanged {
                agent: agent.clone(),
                pending: None,
                reason: None,
                by: None,
            });
            if pending == Presence::Offline {
                self.rescind_agent_offer(agent);
                self.emit(Event::AgentLoggedOut {
                    agent: agent.clone(),
                    by,
                });
            } else {
                self.emit(Event::AgentPresenceChanged {
                    agent: agent.clone(),
                    presence: pending,
                    reason,
                    by,
                });
            }
        }
    }

    /// The presence policy after a refusal (docs/engine.md, Offers and refusals): the state
    /// the queue's policy gives the refusing agent for the refusal's penalty.
    pub(crate) fn impose_presence_policy(
        &mut self,
        agent: &AgentId,
        reason: RefusalReason,
        queue: &QueueId,
    ) {
        let policy = self
            .queue_config(queue)
            .and_then(|q| q.presence_policy)
            .unwrap_or(self.settings.presence_policy);
        let state = match reason.penalty() {
            RefusalPenalty::Decline => policy.state_on_decline,
            RefusalPenalty::PushTimeout => policy.state_on_push_timeout,
            RefusalPenalty::AgentError => policy.state_on_agent_error,
            RefusalPenalty::None => return,
        };
        let Some(target) = state.presence() else {
            return;
        };
        if self.agents.get(agent).is_none_or(|a| a.station.is_none()) {
            return;
        }
        // Like an agent's own non-Ready selection, the policy's withdraws a further open offer
        // (a busy agent may hold one): the agent is not at fault, so it is rescinded.
        if target != Presence::Ready {
            self.rescind_agent_offer(agent);
        }
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        if rt.is_busy() {
            match target.waiting_for() {
                // The agent's own "Waiting for X" stands: only its own selection replaces it.
                Some(_) if rt.pending.is_some() => {}
                Some(_) => {
                    self.emit(Event::AgentPendingChanged {
                        agent: agent.clone(),
                        pending: Some(target),
                        reason: None,
                        by: None,
                    });
                }
                None if rt.presence != target => {
                    // No Answer (or Ready) while other contacts are open: shown once they end.
                    self.emit(Event::AgentPresenceChanged {
                        agent: agent.clone(),
                        presence: target,
                        reason: None,
                        by: None,
                    });
                }
                None => {}
            }
        } else if target == Presence::Offline {
            self.logout(agent);
        } else if rt.presence != target {
            self.emit(Event::AgentPresenceChanged {
                agent: agent.clone(),
                presence: target,
                reason: None,
                by: None,
            });
        }
    }

    /// Log the agent out, first rescinding an open offer (its contact goes back to its place).
    pub(crate) fn logout(&mut self, agent: &AgentId) {
        self.rescind_agent_offer(agent);
        self.emit(Event::AgentLoggedOut {
            agent: agent.clone(),
            by: None,
        });
    }
}
