//! What an agent's desktop shows, read at once so that it is consistent: the agent, its open
//! offer with the contact offered, each contact it holds with its interaction timers and
//! (for a callback) the attempt in progress, and the callbacks reserved for it.

use super::{CallbackView, ContactView, Engine, Place, SessionState, SessionView};
use crate::callback::{CallbackLocation, CompletionStatus};
use crate::config::Disposition;
use crate::engine::AgentView;
use crate::ids::{AgentId, ContactId, OfferId, QueueId};
use crate::model::{AgentState, AnsweredBy, Channel, ContactState};
use crate::time::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesktopView {
    pub agent: AgentView,
    /// The reasons the agent may give with Break or BackOffice (its own list, else the
    /// settings'); empty: no reason is asked.
    pub unavailable_reasons: Vec<String>,
    /// The reasons the agent may give when it refuses an offer (the settings'
    /// `decline_reasons`); empty: a refusal asks for none.
    pub decline_reasons: Vec<String>,
    pub offer: Option<DesktopOffer>,
    /// The contacts the agent holds, oldest first.
    pub contacts: Vec<DesktopContact>,
    /// Open callbacks reserved for this agent (its own pending callbacks).
    pub callbacks: Vec<CallbackView>,
    /// The other agents logged in, to transfer a contact to.
    pub colleagues: Vec<Colleague>,
    /// Parked sessions in the queues the agent serves, which it may unpark.
    pub parked: Vec<SessionView>,
}

/// Another agent who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Colleague {
    pub id: AgentId,
    pub full_name: String,
    pub state: AgentState,
}

/// The agent's open offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesktopOffer {
    pub id: OfferId,
    /// When the offer times out (a refusal with reason NoAnswer).
    pub deadline: Timestamp,
    /// Accepted, waiting for the connector to link the voice leg.
    pub accepted: bool,
    pub link_deadline: Option<Timestamp>,
    pub contact: ContactView,
}

/// A contact the agent holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesktopContact {
    pub id: ContactId,
    pub channel: Channel,
    /// Preview, Dialing, Handling, On Hold, Consulting, In Conference or Wrap Up.
    pub state: ContactState,
    /// When the contact entered that state.
    pub since: Timestamp,
    /// The queue whose wrap-up limit and dispositions apply.
    pub queue: QueueId,
    /// The wrap-up limit's deadline, while in Wrap Up with a limit.
    pub wrap_up_deadline: Option<Timestamp>,
    /// That queue's dispositions (picked in wrap-up).
    pub dispositions: Vec<Disposition>,
    /// The queues this contact can be transferred to: those of its channel, its own excepted.
    pub transfer_queues: Vec<QueueId>,
    /// The contact moved on (a transfer) while this agent wraps up.
    pub detached: bool,
    /// The contact itself; none once it moved on and closed.
    pub contact: Option<ContactView>,
    /// For a callback: the attempt in progress.
    pub attempt: Option<AttemptView>,
}

/// A callback attempt in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttemptView {
    /// The attempt's number (1 for the first).
    pub no: u32,
    pub destination: String,
    /// Duration For No Answer: when the dial counts as No Answer, while dialing.
    pub no_answer_deadline: Option<Timestamp>,
    /// The completion status set so far.
    pub status: Option<CompletionStatus>,
    /// Cancel may still be chosen (only while dialing, before the engine set No Answer).
    pub cancel_allowed: bool,
    pub answered: Option<AnsweredBy>,
}

impl Engine {
    pub fn desktop_view(&self, id: &AgentId) -> Option<DesktopView> {
        let agent = self.agents.get(id)?;
        let reasons = if agent.config.unavailable_reasons.is_empty() {
            &self.settings.unavailable_reasons
        } else {
            &agent.config.unavailable_reasons
        };
        let offer = agent.offer.and_then(|offer| {
            let o = self.offers.get(&offer)?;
            Some(DesktopOffer {
                id: offer,
                deadline: o.deadline,
                accepted: o.accepted,
                link_deadline: o.link_deadline,
                contact: self.contact_view(o.contact)?,
            })
        });
        let mut contacts: Vec<DesktopContact> = agent
            .assignments
            .iter()
            .map(|(contact, a)| DesktopContact {
                id: *contact,
                channel: a.channel,
                state: a.state,
                since: a.since,
                queue: a.queue.clone(),
                wrap_up_deadline: a.wrap_up_deadline,
                dispositions: self
                    .queues
                    .get(&a.queue)
                    .map(|q| q.config.dispositions.clone())
                    .unwrap_or_default(),
                transfer_queues: self
                    .queues
                    .iter()
                    .filter(|(id, q)| **id != a.queue && q.config.channel == a.channel)
                    .map(|(id, _)| id.clone())
                    .collect(),
                detached: a.detached,
                contact: self.contact_view(*contact),
                attempt: self.attempt_view(*contact, id),
            })
            .collect();
        contacts.sort_by_key(|c| (c.since, c.id));
        let callbacks = self
            .callbacks
            .iter()
            .filter(|(_, cb)| cb.reserved.as_ref().is_some_and(|(agent, _)| agent == id))
            .filter_map(|(contact, _)| self.callback_view(*contact))
            .filter(|cb| cb.location != CallbackLocation::HandlingByAgent)
            .collect();
        let colleagues = self
            .agents
            .iter()
            .filter(|(other, rt)| *other != id && rt.station.is_some())
            .map(|(other, rt)| Colleague {
                id: other.clone(),
                full_name: rt.config.full_name.clone(),
                state: rt.shown,
            })
            .collect();
        let parked = self
            .session_views()
            .into_iter()
            .filter(|s| s.state == SessionState::Parked)
            .filter(|s| agent.memberships.iter().any(|m| m.queue == s.queue))
            .collect();
        Some(DesktopView {
            parked,
            agent: self.agent_view(id)?,
            unavailable_reasons: reasons.clone(),
            decline_reasons: self.settings.decline_reasons.clone(),
            offer,
            contacts,
            callbacks,
            colleagues,
        })
    }

    /// The attempt in progress on a callback this agent holds.
    fn attempt_view(&self, contact: ContactId, agent: &AgentId) -> Option<AttemptView> {
        let cb = self.callbacks.get(&contact)?;
        let attempt = cb.current.as_ref().filter(|a| &a.agent == agent)?;
        let dialing = matches!(
            self.contacts.get(&contact).map(|c| &c.place),
            Some(Place::Agent(_))
        ) && self.contact_state(contact) == Some(ContactState::Dialing);
        Some(AttemptView {
            no: attempt.no,
            destination: cb.destination.clone(),
            no_answer_deadline: attempt.no_answer_deadline,
            status: attempt.status.clone(),
            cancel_allowed: dialing && !attempt.automatic_no_answer,
            answered: attempt.answered,
        })
    }
}
