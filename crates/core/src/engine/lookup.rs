//! Read-only queries of the state that decide, evolve, routing and the views share: a queue's
//! configuration and defaults, a contact's shown state, where a callback is, a contact's
//! thread key. None of them changes state or rejects.

use crate::callback::{CallbackLocation, CallbackSettings};
use crate::config::QueueConfig;
use crate::engine::{AgentRt, Engine, Place};
use crate::ids::{AgentId, ContactId, QueueId};
use crate::model::{Channel, ContactState};
use std::collections::BTreeMap;

/// Email and work items: media without a live connection, which can wait for a next phase.
#[must_use]
pub(crate) fn connection_less(channel: Channel) -> bool {
    matches!(channel, Channel::Email | Channel::WorkItem)
}

/// The attribute that names a contact's thread (an email thread, a ticket): the customer's
/// next message on it resumes a suspended session.
pub const THREAD_ATTRIBUTE: &str = "thread";

impl Engine {
    #[must_use]
    pub(crate) fn queue_config(&self, queue: &QueueId) -> Option<&QueueConfig> {
        self.queues.get(queue).map(|q| &q.config)
    }

    /// Capacity units `channel` costs `agent`.
    #[must_use]
    pub(crate) fn units_for(&self, agent: &AgentRt, channel: Channel) -> u8 {
        agent.units_for(&self.settings, channel)
    }

    #[must_use]
    pub(crate) fn reoffer_delay_ms(&self, queue: &QueueId) -> u64 {
        self.queue_config(queue)
            .and_then(|q| q.reoffer_delay_ms)
            .unwrap_or(self.settings.reoffer_delay_ms)
    }

    #[must_use]
    pub(crate) fn contact_state(&self, id: ContactId) -> Option<ContactState> {
        let contact = self.contacts.get(&id)?;
        Some(match &contact.place {
            Place::New | Place::Queued | Place::Pending => ContactState::Queued,
            Place::Offered(_) => ContactState::Offered,
            Place::Agent(agent) => self
                .agents
                .get(agent)
                .and_then(|a| a.assignments.get(&id))
                .map(|a| a.state)
                .unwrap_or(ContactState::Handling),
        })
    }

    /// Where a callback is, or `None` if `contact` is not an open callback.
    #[must_use]
    pub(crate) fn callback_location(&self, contact: ContactId) -> Option<CallbackLocation> {
        if !self.callbacks.contains_key(&contact) {
            return None;
        }
        Some(match self.contacts.get(&contact)?.place {
            Place::New | Place::Pending => CallbackLocation::Pending,
            Place::Queued => CallbackLocation::HandlingByBusinessProcess,
            Place::Offered(_) | Place::Agent(_) => CallbackLocation::HandlingByAgent,
        })
    }

    #[must_use]
    pub(crate) fn callback_place(&self, contact: ContactId) -> Option<(QueueId, CallbackLocation)> {
        let location = self.callback_location(contact)?;
        Some((self.contacts.get(&contact)?.queue.clone(), location))
    }

    #[must_use]
    pub(crate) fn callback_settings(&self, queue: &QueueId) -> Option<&CallbackSettings> {
        self.queues
            .get(queue)
            .and_then(|q| q.callbacks.as_ref())
            .map(|c| &c.settings)
    }

    /// The agent a queued callback is reserved for, if any.
    #[must_use]
    pub(crate) fn reserved_for(&self, contact: ContactId) -> Option<&AgentId> {
        self.callbacks
            .get(&contact)
            .and_then(|cb| cb.reserved.as_ref())
            .map(|(a, _)| a)
    }

    /// The key of a contact's thread: its `thread` attribute, else the customer in the queue.
    #[must_use]
    pub(crate) fn thread_key(
        queue: &QueueId,
        from: &str,
        attributes: &BTreeMap<String, String>,
    ) -> String {
        match attributes.get(THREAD_ATTRIBUTE) {
            Some(thread) => format!("thread {thread}"),
            None => format!("{from} in {queue}"),
        }
    }
}
