//! Decisions on a callback's attempts: start, dial, completion status, No Answer, the end of
//! wrap-up that applies the status (Attempts Before Failure, Recall Intervals), expiry and
//! the callback's completion record (docs/callbacks.md, Attempts and Dial outcomes).

use crate::callback::{AttemptState, CallbackEnd, CallbackSettings, CompletionStatus};
use crate::closure::{ClosureCode, Major, Minor};
use crate::engine::Engine;
use crate::engine::decide::callback::DUE_MAX_AHEAD_MS;
use crate::event::Event;
use crate::ids::{AgentId, ContactId};
use crate::model::{AnsweredBy, ContactState};
use crate::rejection::Rejection;

impl Engine {
    /// The agent sets the completion status of the current attempt.
    pub(crate) fn set_completion(
        &mut self,
        agent: AgentId,
        contact: ContactId,
        status: CompletionStatus,
    ) -> Result<(), Rejection> {
        let rt = self.agent(&agent)?;
        let Some(assignment) = rt.assignments.get(&contact) else {
            self.contacts
                .get(&contact)
                .ok_or(Rejection::UnknownContact(contact))?;
            return Err(Rejection::NotAgentsContact { agent, contact });
        };
        let state = assignment.state;
        let queue = assignment.queue.clone();
        let attempt = self
            .callbacks
            .get(&contact)
            .and_then(|cb| cb.current.as_ref())
            .filter(|a| a.agent == agent)
            .ok_or_else(|| Rejection::InvalidContactState {
                contact,
                state,
                action: "set a completion status (not a callback attempt)".into(),
            })?;
        match &status {
            CompletionStatus::Cancel
                if state != ContactState::Dialing || attempt.automatic_no_answer =>
            {
                return Err(Rejection::InvalidContactState {
                    contact,
                    state,
                    action: "cancel (only while dialing, before No Answer)".into(),
                });
            }
            CompletionStatus::CallbackRequested { due, agent: target } => {
                if *due <= self.now || *due > self.now.plus_ms(DUE_MAX_AHEAD_MS) {
                    return Err(Rejection::InvalidInput {
                        field: "status.due".into(),
                        message: format!("{due}: must be after now and within a year"),
                    });
                }
                if let Some(target) = target {
                    let t = self.agent(target)?;
                    if !t.config.queues.iter().any(|s| s.queue == queue) {
                        return Err(Rejection::InvalidInput {
                            field: "status.agent".into(),
                            message: format!("agent {target} does not serve queue {queue}"),
                        });
                    }
                }
            }
            _ => {}
        }
        self.emit(Event::CompletionStatusSet {
            contact,
            status,
            automatic: false,
        });
        Ok(())
    }

    /// Called on accept of a callback offer: the attempt begins.
    pub(crate) fn start_attempt(&mut self, contact: ContactId, agent: &AgentId, dialing: bool) {
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        let attempt = cb.attempt_no + 1;
        let deadline = dialing.then(|| self.now.plus_ms(self.no_answer_ms(contact)));
        self.emit(Event::AttemptStarted {
            contact,
            attempt,
            agent: agent.clone(),
            no_answer_deadline: deadline,
        });
    }

    /// Called when a callback in Preview starts dialing.
    pub(crate) fn attempt_dialing(&mut self, contact: ContactId) {
        if self.callbacks.contains_key(&contact) {
            let deadline = self.now.plus_ms(self.no_answer_ms(contact));
            self.emit(Event::AttemptDialing {
                contact,
                no_answer_deadline: deadline,
            });
        }
    }

    #[must_use]
    pub(crate) fn no_answer_ms(&self, contact: ContactId) -> u64 {
        self.contacts
            .get(&contact)
            .and_then(|c| self.callback_settings(&c.queue))
            .map_or(crate::callback::DURATION_FOR_NO_ANSWER_DEFAULT_MS, |s| {
                s.duration_for_no_answer_ms
            })
    }

    /// The dial got no answer (timer, the customer missed the call, the dial failed): the
    /// attempt is No Answer and the agent goes to wrap-up.
    pub(crate) fn no_answer(&mut self, contact: ContactId, agent: &AgentId) {
        self.dial_ended(contact, agent, CompletionStatus::NoAnswer);
    }

    /// The dial ended without a conversation (`status`: No Answer, Busy, Fax, …): the attempt
    /// takes that status and the agent goes to wrap-up; its end applies the queue's policy.
    pub(crate) fn dial_ended(
        &mut self,
        contact: ContactId,
        agent: &AgentId,
        status: CompletionStatus,
    ) {
        self.emit(Event::CompletionStatusSet {
            contact,
            status,
            automatic: true,
        });
        if self
            .agents
            .get(agent)
            .and_then(|a| a.assignments.get(&contact))
            .is_some_and(|a| a.state != ContactState::WrapUp)
        {
            self.start_wrap_up(agent, contact, false);
        }
    }

    /// The agent ended a callback attempt while dialing or in preview: Cancel by default.
    pub(crate) fn cancel_by_default(&mut self, contact: ContactId, state: ContactState) {
        let unset = self
            .callbacks
            .get(&contact)
            .and_then(|cb| cb.current.as_ref())
            .is_some_and(|a| a.status.is_none());
        if unset && matches!(state, ContactState::Dialing | ContactState::Preview) {
            self.emit(Event::CompletionStatusSet {
                contact,
                status: CompletionStatus::Cancel,
                automatic: true,
            });
        }
    }

    /// Wrap-up of a callback attempt is over: record the attempt and apply its status
    /// (docs/callbacks.md, Attempts).
    pub(crate) fn finish_attempt(
        &mut self,
        agent: &AgentId,
        contact: ContactId,
        disposition: Option<String>,
        no_interest: bool,
        timed_out: bool,
    ) {
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        let Some(attempt) = cb.current.clone() else {
            return;
        };
        let status = attempt.status.clone().unwrap_or(match attempt.answered {
            Some(AnsweredBy::Live) => CompletionStatus::Handled,
            Some(AnsweredBy::Machine) => CompletionStatus::AnsweringMachine,
            None => CompletionStatus::NoAnswer,
        });
        let state = status.attempt_state();
        let agent_full_name = self.agents.get(agent).map(|a| a.config.full_name.clone());
        self.emit(Event::WrapUpCompleted {
            contact,
            agent: agent.clone(),
            disposition: disposition.clone(),
            timed_out,
        });
        self.emit(Event::AttemptEnded {
            contact,
            attempt: attempt.no,
            agent: Some(agent.clone()),
            agent_full_name,
            state,
            minor: state.minor(),
            counted: state.is_counted(),
            dial_started: attempt.dial_started,
        });
        let Some(cb) = self.callbacks.get(&contact) else {
            return;
        };
        let queue = self.contacts.get(&contact).map(|c| c.queue.clone());
        let settings = queue
            .as_ref()
            .and_then(|q| self.callback_settings(q))
            .cloned();
        let expired = cb.expired;
        let attempts = cb.attempts;
        match status {
            CompletionStatus::Handled => {
                let code = if no_interest {
                    ClosureCode::new(Major::OK_NO_INTEREST, Minor::DEFAULT)
                } else if timed_out {
                    ClosureCode::new(Major::OK_WRAPUP_TIMEOUT, Minor::DEFAULT)
                } else {
                    ClosureCode::new(Major::OK_CLOSE, Minor::DEFAULT)
                };
                self.close_callback(contact, CallbackEnd::Handled, code, disposition);
            }
            CompletionStatus::WrongDestination => self.close_callback(
                contact,
                CallbackEnd::WrongDestination,
                ClosureCode::new(Major::OK_CLOSE, Minor::WRONGNUMBER),
                disposition,
            ),
            CompletionStatus::AnsweringMachine
            | CompletionStatus::NoAnswer
            | CompletionStatus::Busy
            | CompletionStatus::Fax
            | CompletionStatus::Modem
            | CompletionStatus::Sit
            | CompletionStatus::InvalidNumber
            | CompletionStatus::WrongParty => {
                let limit = settings
                    .as_ref()
                    .map_or(crate::callback::ATTEMPTS_BEFORE_FAILURE_DEFAULT, |s| {
                        s.attempts_before_failure
                    });
                // The queue's end_callback_on (default: invalid number, SIT) ends it at once,
                // with the same code as exhausted attempts; a queue without callback settings
                // (callbacks moved there) follows the default.
                let ends = match &settings {
                    Some(s) => s.ends_callback(state),
                    None => CallbackSettings::default().ends_callback(state),
                };
                if ends || attempts >= limit {
                    self.close_callback(
                        contact,
                        CallbackEnd::Failed,
                        ClosureCode::new(Major::FAILED_DESTINATION, state.minor()),
                        disposition,
                    );
                } else if expired {
                    self.expire(contact);
                } else {
                    let wait = settings
                        .as_ref()
                        .map_or(0, |s| s.recall_interval_ms(attempts));
                    let due = self.now.plus_ms(wait);
                    self.emit(Event::CallbackPending {
                        contact,
                        due,
                        reserved: None,
                    });
                    self.release_if_due(contact);
                }
            }
            CompletionStatus::Cancel => {
                if expired {
                    self.expire(contact);
                } else {
                    // Back to the queue, attempts unchanged (at its place: same entrance).
                    self.callback_back_to_queue(contact);
                }
            }
            CompletionStatus::CallbackRequested { .. } if expired => self.expire(contact),
            CompletionStatus::CallbackRequested { due, agent: target } => {
                let fallback = settings.as_ref().map_or(0, |s| s.reserved_fallback_ms);
                let reserved = target.map(|a| (a, due.plus_ms(fallback)));
                self.emit(Event::CallbackPending {
                    contact,
                    due,
                    reserved,
                });
                self.release_if_due(contact);
            }
        }
        self.after_work(agent);
    }

    pub(crate) fn expire(&mut self, contact: ContactId) {
        self.close_callback(
            contact,
            CallbackEnd::Expired,
            ClosureCode::new(Major::OK_CALLBACK_TIMEOUT, Minor::DEFAULT),
            None,
        );
    }

    /// Complete a callback: an open attempt ends (Error), the completion record, the close.
    pub(crate) fn close_callback(
        &mut self,
        contact: ContactId,
        end: CallbackEnd,
        code: ClosureCode,
        disposition: Option<String>,
    ) {
        if !self.callbacks.contains_key(&contact) {
            return;
        }
        // An attempt still open (an agent has it) ends as Error.
        self.attempt_error(contact);
        let (Some(cb), Some(c)) = (self.callbacks.get(&contact), self.contacts.get(&contact))
        else {
            return;
        };
        let event = Event::CallbackCompleted {
            contact,
            queue: c.queue.clone(),
            destination: cb.destination.clone(),
            end,
            entrance: c.entrance,
            attempts: cb.attempts,
            reached: cb.reached,
        };
        self.emit(event);
        self.close(contact, code, disposition);
    }

    /// The closure end state of a callback closed through the generic paths.
    #[must_use]
    pub(crate) fn callback_end_for(code: ClosureCode) -> CallbackEnd {
        match (code.major, code.minor) {
            (Major::OK_CLOSE, Minor::WRONGNUMBER) => CallbackEnd::WrongDestination,
            (Major::OK_CLOSE | Major::OK_NO_INTEREST | Major::OK_WRAPUP_TIMEOUT, _) => {
                CallbackEnd::Handled
            }
            (Major::FAILED_DESTINATION, _) => CallbackEnd::Failed,
            (Major::OK_CALLBACK_TIMEOUT, _) => CallbackEnd::Expired,
            (Major::OK_ON_BLACKLIST, _) => CallbackEnd::DoNotCall,
            _ => CallbackEnd::Error,
        }
    }

    /// A call error took the callback from the agent: the attempt ends as Error.
    pub(crate) fn attempt_error(&mut self, contact: ContactId) {
        let Some(attempt) = self
            .callbacks
            .get(&contact)
            .and_then(|cb| cb.current.clone())
        else {
            return;
        };
        let agent_full_name = self
            .agents
            .get(&attempt.agent)
            .map(|a| a.config.full_name.clone());
        self.emit(Event::AttemptEnded {
            contact,
            attempt: attempt.no,
            agent: Some(attempt.agent),
            agent_full_name,
            state: AttemptState::Error,
            minor: Minor::DEFAULT,
            counted: false,
            dial_started: attempt.dial_started,
        });
    }
}
