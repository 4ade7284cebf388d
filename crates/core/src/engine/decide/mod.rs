//! The decide step: validate a command against the state, then emit its events. Every check
//! that can reject comes before the first `emit`, so a rejected command changes nothing; state
//! changes only through `emit`, which applies each event at once (evolve), so a later step of
//! the same decision sees the effect of an earlier one.
//!
//! This module is the dispatch: one function per command, in the file of its family. Steps
//! several families share live in the family they belong to: `close` and `start_wrap_up` in
//! `contact.rs`, `make_offer`, `refuse` and the requeue steps in `offer.rs`, `after_work` and
//! the presence policy in `agent.rs`, `arrive` in `session.rs`, `close_callback` and the
//! attempt steps in `attempt.rs`, the lookups that reject in `checks.rs`.

pub(crate) mod agent;
pub(crate) mod arrival;
pub(crate) mod attempt;
pub(crate) mod callback;
pub(crate) mod checks;
pub(crate) mod config;
pub(crate) mod connector;
pub(crate) mod contact;
pub(crate) mod dnc;
pub(crate) mod offer;
pub(crate) mod queue;
pub(crate) mod session;

use crate::callback::CallbackOrigin;
use crate::command::Command;
use crate::engine::{Engine, Receipt};
use crate::event::Event;
use crate::ids::ContactId;
use crate::model::{ContactState, SelectableState};
use crate::output::Output;
use crate::rejection::Rejection;

impl Engine {
    /// Decide one command: each arm calls the one function that decides it. Every check that
    /// can reject comes before that function's first `emit`, so a rejected command changes
    /// nothing (`Engine::handle_command` asserts it).
    pub(crate) fn decide(&mut self, command: Command) -> Result<Receipt, Rejection> {
        match command {
            // configuration: decide/config.rs, decide/queue.rs, decide/dnc.rs
            Command::ConfigureSettings(settings) => done(self.configure_settings(settings)),
            Command::ConfigureQueue(queue) => done(self.configure_queue(queue)),
            Command::RemoveQueue { queue } => done(self.remove_queue(queue)),
            Command::ConfigureAgent(agent) => done(self.configure_agent(agent)),
            Command::RemoveAgent { agent } => done(self.remove_agent(agent)),
            Command::ConfigureStation(station) => done(self.configure_station(station)),
            Command::RemoveStation { station } => done(self.remove_station(station)),
            Command::SetQueueEmergency { queue, emergency } => {
                done(self.set_queue_emergency(queue, emergency))
            }
            Command::AddDoNotCall { numbers } => done(self.add_do_not_call(&numbers)),
            Command::RemoveDoNotCall { number } => done(self.remove_do_not_call(&number)),
            // agent state: decide/agent.rs
            Command::Login {
                agent,
                station,
                state,
            } => done(self.login(agent, station, state)),
            Command::Logout { agent } => {
                done(self.set_state(agent, SelectableState::Offline, None, None))
            }
            Command::SetState {
                agent,
                state,
                reason,
            } => done(self.set_state(agent, state, reason, None)),
            Command::ForceState {
                agent,
                state,
                reason,
                by,
            } => done(self.force_state(agent, state, reason, by)),
            // offers: decide/offer.rs
            Command::Accept { offer } => done(self.accept(offer, false)),
            Command::Refuse {
                offer,
                decline_reason,
            } => done(self.decline(offer, decline_reason)),
            // contacts with agents: decide/contact.rs
            Command::Hold { agent, contact } => {
                done(self.change_call_state(agent, contact, "hold", ContactState::OnHold))
            }
            Command::Resume { agent, contact } => {
                done(self.change_call_state(agent, contact, "resume", ContactState::Handling))
            }
            Command::Consult { agent, contact } => {
                done(self.change_call_state(agent, contact, "consult", ContactState::Consulting))
            }
            Command::Conference { agent, contact } => done(self.change_call_state(
                agent,
                contact,
                "conference",
                ContactState::InConference,
            )),
            Command::StartDial { agent, contact } => done(self.dial_from_preview(agent, contact)),
            Command::End { agent, contact } => done(self.end(agent, contact)),
            Command::Complete {
                agent,
                contact,
                disposition,
            } => done(self.complete(agent, contact, disposition)),
            Command::Transfer {
                agent,
                contact,
                target,
            } => done(self.transfer(agent, contact, target)),
            Command::Abandon { contact } => {
                let callback = self.abandon(contact)?;
                Ok(self.receipt_of(callback))
            }
            // sessions: decide/session.rs
            Command::Suspend {
                agent,
                contact,
                disposition,
            } => done(self.suspend(agent, contact, disposition)),
            Command::Park { agent, contact } => done(self.park(agent, contact)),
            Command::Unpark { contact, agent } => {
                let first = self.unpark(contact, agent)?;
                Ok(self.receipt(first))
            }
            // arrivals: decide/arrival.rs
            Command::Dial {
                agent,
                destination,
                queue,
            } => self.dial(agent, destination, queue),
            Command::CreateContact {
                channel,
                queue,
                from,
                priority,
                attributes,
            } => self.create_contact(channel, queue, from, priority, attributes),
            // connector reports: decide/connector.rs
            Command::Connector(event) => {
                let callback = self.connector(event)?;
                Ok(self.receipt_of(callback))
            }
            // callbacks: decide/callback.rs, decide/attempt.rs
            Command::CreateCallback {
                queue,
                destination,
                due,
                window_end,
                agent,
            } => {
                let contact = self.create_callback(
                    CallbackOrigin::Api,
                    queue,
                    destination,
                    due,
                    window_end,
                    agent,
                    None,
                    None,
                )?;
                Ok(self.receipt(contact))
            }
            Command::ChooseCallback {
                contact,
                destination,
            } => {
                let contact = self.choose_callback(contact, destination)?;
                Ok(self.receipt(contact))
            }
            Command::ScheduleCallback {
                agent,
                contact,
                destination,
                queue,
                due,
                window_end,
                reserve,
            } => {
                let contact = self.schedule_callback(
                    agent,
                    contact,
                    destination,
                    queue,
                    due,
                    window_end,
                    reserve,
                )?;
                Ok(self.receipt(contact))
            }
            Command::SetCompletion {
                agent,
                contact,
                status,
            } => done(self.set_completion(agent, contact, status)),
            Command::SendCallbackToQueue { contact } => done(self.send_callback_to_queue(contact)),
            Command::PurgeCallback { contact } => done(self.purge_callback(contact)),
            Command::StopCallbacks { queue } => done(self.stop_callbacks(queue)),
            Command::StartCallbacks { queue } => done(self.start_callbacks(queue)),
        }
    }

    /// What a command that created `contact` answers: the contact, and its closure if it
    /// closed at once (the latest `ContactClosed` among the outputs not yet drained).
    #[must_use]
    pub(crate) fn receipt(&self, contact: ContactId) -> Receipt {
        let closed = if self.contacts.get(&contact).is_some() {
            None
        } else {
            self.outputs.iter().rev().find_map(|o| match o {
                Output::Event(record) => match &record.event {
                    Event::ContactClosed {
                        contact: c, code, ..
                    } if *c == contact => Some(*code),
                    _ => None,
                },
                Output::Connector(_) => None,
            })
        };
        Receipt {
            contact: Some(contact),
            closed,
            ..Receipt::default()
        }
    }

    /// The receipt of a command that may have created a contact (a rescheduled drop).
    fn receipt_of(&self, created: Option<ContactId>) -> Receipt {
        created.map_or_else(Receipt::default, |contact| self.receipt(contact))
    }
}

/// A command that created nothing: an empty receipt.
fn done(result: Result<(), Rejection>) -> Result<Receipt, Rejection> {
    result.map(|()| Receipt::default())
}
