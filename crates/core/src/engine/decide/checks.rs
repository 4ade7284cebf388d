//! Lookups that reject and the small validations every decision shares: the agent, offer or
//! contact a command names, the state of a contact in an agent's hands, the open-contact
//! limit, a queue's callback process; the `Rejection`s they build.

use crate::closure::{ClosureCode, Major, Minor};
use crate::config::check_text;
use crate::engine::{Engine, QueueCallbacks};

use crate::ids::{AgentId, ContactId, OfferId, QueueId};
use crate::model::ContactState;
use crate::rejection::Rejection;

impl Engine {
    pub(crate) fn agent(&self, id: &AgentId) -> Result<&crate::engine::AgentRt, Rejection> {
        self.agents
            .get(id)
            .ok_or_else(|| Rejection::UnknownAgent(id.clone()))
    }

    pub(crate) fn offer_rt(&self, id: OfferId) -> Result<&crate::engine::OfferRt, Rejection> {
        self.offers.get(&id).ok_or(Rejection::UnknownOffer(id))
    }

    pub(crate) fn contact_rt(&self, id: ContactId) -> Result<&crate::engine::ContactRt, Rejection> {
        self.contacts.get(&id).ok_or(Rejection::UnknownContact(id))
    }

    /// The state of `contact` in `agent`'s hands; rejects if the agent does not hold it.
    pub(crate) fn assignment_state(
        &self,
        agent: &AgentId,
        contact: ContactId,
    ) -> Result<ContactState, Rejection> {
        let rt = self.agent(agent)?;
        match rt.assignments.get(&contact) {
            Some(a) => Ok(a.state),
            None => {
                self.contact_rt(contact)?;
                Err(Rejection::NotAgentsContact {
                    agent: agent.clone(),
                    contact,
                })
            }
        }
    }

    pub(crate) fn check_open_contacts(&self) -> Result<(), Rejection> {
        let max = self.settings.limits.contacts_open_max;
        if self.contacts.len() >= max as usize {
            return Err(Rejection::limit("contacts_open_max", max));
        }
        Ok(())
    }

    pub(crate) fn queue_callbacks(&self, queue: &QueueId) -> Result<&QueueCallbacks, Rejection> {
        let q = self
            .queues
            .get(queue)
            .ok_or_else(|| Rejection::UnknownQueue(queue.clone()))?;
        q.callbacks
            .as_ref()
            .ok_or_else(|| Rejection::QueueUnavailable {
                queue: queue.clone(),
                why: "it takes no callbacks".into(),
            })
    }
}

pub(crate) fn code(major: Major, minor: Minor) -> ClosureCode {
    ClosureCode::new(major, minor)
}

pub(crate) fn invalid_state(contact: ContactId, state: ContactState, action: &str) -> Rejection {
    Rejection::InvalidContactState {
        contact,
        state,
        action: action.to_string(),
    }
}

pub(crate) fn check_destination(field: &str, text: &str) -> Result<(), Rejection> {
    check_text(field, text, false).map_err(|e| Rejection::InvalidInput {
        field: e.field,
        message: e.message,
    })
}

pub(crate) fn check_cause(cause: &Option<String>) -> Result<(), Rejection> {
    match cause {
        Some(c) => check_text("cause_code", c, true).map_err(|e| Rejection::InvalidInput {
            field: e.field,
            message: e.message,
        }),
        None => Ok(()),
    }
}
