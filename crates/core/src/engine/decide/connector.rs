//! Decisions on the connector's reports: a voice leg linked or failed, a dial answered,
//! failed or with its outcome, and hang-ups, ended or in error (docs/engine.md, Connector
//! hang-ups; docs/connector.md).

use crate::closure::{Major, Minor};
use crate::command::ConnectorEvent;
use crate::engine::decide::checks::{check_cause, code, invalid_state};
use crate::engine::decide::offer::{AfterRefusal, AgentAfter};
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::{AgentId, ContactId};
use crate::model::{AgentStatus, ContactState, Direction, EndedBy, HangupReason, RefusalReason};
use crate::rejection::Rejection;

impl Engine {
    /// A connector report; `Some`: the callback a customer's drop was rescheduled as.
    pub(crate) fn connector(
        &mut self,
        event: ConnectorEvent,
    ) -> Result<Option<ContactId>, Rejection> {
        match event {
            ConnectorEvent::LegLinked { offer } => {
                self.accept(offer, true)?;
            }
            ConnectorEvent::LegFailed {
                offer,
                reason,
                cause_code,
            } => {
                self.offer_rt(offer)?;
                check_cause(&cause_code)?;
                self.refuse(
                    offer,
                    reason.reason(),
                    cause_code,
                    AgentAfter::Policy,
                    AfterRefusal::Requeue,
                );
            }
            ConnectorEvent::Answered { contact, by } => {
                let (agent, state) = self.holder_state(contact)?;
                if state != ContactState::Dialing {
                    return Err(invalid_state(contact, state, "answer"));
                }
                self.emit(Event::ContactStateChanged {
                    contact,
                    agent,
                    state: ContactState::Handling,
                    answered_by: Some(by),
                });
            }
            ConnectorEvent::DialFailed {
                contact,
                cause_code,
            } => {
                check_cause(&cause_code)?;
                let (agent, state) = self.holder_state(contact)?;
                if state != ContactState::Dialing {
                    return Err(invalid_state(contact, state, "fail a dial"));
                }
                if self.callbacks.contains_key(&contact) {
                    // A callback tries again: the attempt counts as No Answer.
                    self.no_answer(contact, &agent);
                } else {
                    self.close(contact, code(Major::FAILED_MAKECALL, Minor::DEFAULT), None);
                }
            }
            ConnectorEvent::DialOutcome {
                contact,
                outcome,
                cause_code,
            } => {
                check_cause(&cause_code)?;
                let (agent, state) = self.holder_state(contact)?;
                if state != ContactState::Dialing {
                    return Err(invalid_state(contact, state, "report a dial outcome"));
                }
                self.emit(Event::DialOutcomeReported {
                    contact,
                    agent: agent.clone(),
                    outcome,
                    cause_code,
                });
                match (outcome.answered(), outcome.completion()) {
                    (Some(by), _) => self.emit(Event::ContactStateChanged {
                        contact,
                        agent,
                        state: ContactState::Handling,
                        answered_by: Some(by),
                    }),
                    (None, Some(status)) if self.callbacks.contains_key(&contact) => {
                        self.dial_ended(contact, &agent, status);
                    }
                    // An outbound contact has no attempts to retry: the dial reached no one,
                    // so it closes as a destination that cannot be reached, with the minor.
                    (None, _) => self.close(
                        contact,
                        code(Major::FAILED_DESTINATION, outcome.attempt_state().minor()),
                        None,
                    ),
                }
            }
            ConnectorEvent::Hangup {
                contact,
                reason,
                close_call_on_error,
                agent_status,
                cause_code,
                ended_by,
            } => {
                self.contact_rt(contact)?;
                check_cause(&cause_code)?;
                self.reject_unless_callback_with_agent(contact, "hang up")?;
                match reason {
                    HangupReason::Ended => {
                        return Ok(
                            self.customer_ended(contact, ended_by == Some(EndedBy::Customer))
                        );
                    }
                    HangupReason::Error => {
                        self.call_error(contact, close_call_on_error, agent_status, cause_code)
                    }
                }
            }
        }
        Ok(None)
    }

    /// The agent holding `contact` (not in wrap-up of a transfer) and its state there.
    pub(crate) fn holder_state(
        &self,
        contact: ContactId,
    ) -> Result<(AgentId, ContactState), Rejection> {
        let c = self.contact_rt(contact)?;
        match &c.place {
            Place::Agent(agent) => {
                let state = self
                    .agents
                    .get(agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .map_or(ContactState::Handling, |a| a.state);
                Ok((agent.clone(), state))
            }
            Place::Offered(_) => Err(invalid_state(contact, ContactState::Offered, "do that")),
            Place::New | Place::Queued | Place::Pending => {
                Err(invalid_state(contact, ContactState::Queued, "do that"))
            }
        }
    }

    /// A hang-up with reason `error` (docs/engine.md, Connector hang-ups).
    pub(crate) fn call_error(
        &mut self,
        contact: ContactId,
        close_call_on_error: bool,
        agent_status: Option<AgentStatus>,
        cause_code: Option<String>,
    ) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        // No status: the delivery failed for network reasons (Error, no penalty).
        let refusal = match agent_status {
            Some(status) => status.refusal(),
            None => Some(RefusalReason::Error),
        };
        match c.place.clone() {
            Place::Offered(offers) => {
                match refusal {
                    Some(reason) => {
                        for offer in offers {
                            self.refuse(
                                offer,
                                reason,
                                cause_code.clone(),
                                AgentAfter::Policy,
                                AfterRefusal::Nothing,
                            );
                        }
                    }
                    None => self.rescind_offers(contact),
                }
                self.after_call_error(contact, close_call_on_error);
            }
            Place::Agent(agent) => {
                let queue = c.queue.clone();
                let state = self
                    .agents
                    .get(&agent)
                    .and_then(|a| a.assignments.get(&contact))
                    .map(|a| a.state);
                if state == Some(ContactState::WrapUp) {
                    // The conversation is over already; the error changes nothing.
                    return;
                }
                if agent_status == Some(AgentStatus::MissedCallStatus)
                    && self.callbacks.contains_key(&contact)
                {
                    // The customer missed the callback: a No Answer attempt (docs/callbacks.md, Attempts).
                    self.no_answer(contact, &agent);
                    return;
                }
                // The agent took this contact: only an explicit agent status makes it a refusal.
                let refusal = agent_status.and_then(AgentStatus::refusal);
                if let Some(reason) = refusal {
                    self.record_agent_refusal(contact, &agent, reason, cause_code, &queue);
                }
                self.attempt_error(contact);
                self.emit(Event::ContactReleased {
                    contact,
                    agent: agent.clone(),
                });
                if let Some(reason) = refusal {
                    self.impose_presence_policy(&agent, reason, &queue);
                }
                self.after_call_error(contact, close_call_on_error);
                self.after_work(&agent);
            }
            Place::New | Place::Queued | Place::Pending => {
                if close_call_on_error {
                    self.close(contact, code(Major::OK_ERROR, Minor::DEFAULT), None);
                }
            }
        }
    }

    pub(crate) fn after_call_error(&mut self, contact: ContactId, close_call_on_error: bool) {
        if close_call_on_error {
            self.close(contact, code(Major::OK_ERROR, Minor::DEFAULT), None);
        } else if let Some(c) = self.contacts.get(&contact) {
            // Keep the conversation open in the "new" state: back to its place in the queue.
            // An outbound contact has no queue to wait in: it closes as an error instead.
            if c.direction == Direction::Outbound && !self.callbacks.contains_key(&contact) {
                self.close(contact, code(Major::OK_ERROR, Minor::DEFAULT), None);
            } else {
                self.requeue(contact);
            }
        }
    }
}
