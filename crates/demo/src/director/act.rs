//! What the director's planned actions do: each becomes a command with the actor a real
//! caller would have, unless it is an agent's action for an agent left to a person.

use super::leg_cause;
use super::{Action, Completion, Director, Finish, Phase, Pickup};
use super::{OPEN_CONTACTS_MAX, TRANSFER_QUEUE, WEB_CALLBACK_QUEUE, WEB_CALLBACKS_PER_HOUR};
use std::collections::BTreeMap;
use switchboard_core::Timestamp;
use switchboard_core::callback::CompletionStatus;
use switchboard_core::command::{Command, ConnectorEvent, TransferTarget};
use switchboard_core::ids::{AgentId, ContactId, OfferId, QueueId};
use switchboard_core::model::{AgentState, Channel, EndedBy, HangupReason, SelectableState};
use switchboard_server::driver::{Actor, CommandError, Driver};
use switchboard_sim::people::dial_cause;
use switchboard_sim::scenario::Dist;

impl Director {
    /// Runs commands in order on a task of their own, so the director never waits for a
    /// commit. A rejection is normal traffic (the offer timed out a moment earlier…).
    fn send(&self, commands: Vec<(Command, Actor)>) {
        let driver = self.driver.clone();
        tokio::spawn(async move {
            for (command, actor) in commands {
                execute(&driver, command, actor).await;
            }
        });
    }

    fn send_one(&self, command: Command, actor: Actor) {
        self.send(vec![(command, actor)]);
    }

    /// `agent` does what `command` says, as itself.
    fn agent_does(&self, agent: AgentId, command: impl FnOnce(AgentId) -> Command) {
        self.send_one(command(agent.clone()), Actor::Agent(agent));
    }

    /// The agent connected to `contact` (if any) does what `command` says.
    fn holder_does(&self, contact: ContactId, command: impl FnOnce(AgentId) -> Command) {
        if let Some(agent) = self.holder(contact) {
            self.agent_does(agent, command);
        }
    }

    /// The connector reports `event` on a call an agent is connected to (not one that
    /// ended meanwhile).
    fn connector_on_call(&self, contact: ContactId, event: ConnectorEvent) {
        if self.holder(contact).is_some() {
            self.send_one(Command::Connector(event), Actor::Trusted);
        }
    }

    /// The connector reports `event` on an offer still ringing.
    fn connector_on_offer(&self, offer: OfferId, event: ConnectorEvent) {
        if self.offers.contains_key(&offer) {
            self.send_one(Command::Connector(event), Actor::Trusted);
        }
    }

    pub(super) async fn fire(&mut self, action: Action) {
        if let Some(contact) = action.contact()
            && let Some(c) = self.contacts.get_mut(&contact)
        {
            c.pending = c.pending.saturating_sub(1);
        }
        if self.acts_for_a_person(&action) {
            return;
        }
        match action {
            Action::Arrival(i) => self.arrival(i),
            Action::WebCallback => {
                let gap = self.seconds(Dist::Exponential(3600.0 / WEB_CALLBACKS_PER_HOUR));
                self.after(gap, Action::WebCallback);
                if self.contacts.len() < OPEN_CONTACTS_MAX {
                    let destination = self.phone_number();
                    self.send_one(
                        Command::CreateCallback {
                            queue: QueueId::new(WEB_CALLBACK_QUEUE),
                            destination,
                            due: None,
                            window_end: None,
                            agent: None,
                        },
                        Actor::Trusted,
                    );
                }
            }
            Action::Abandon(contact) => {
                let waiting = self.contacts.get(&contact).is_some_and(|c| {
                    !c.outbound && matches!(c.phase, Phase::Waiting | Phase::Offered)
                });
                if waiting {
                    self.send_one(Command::Abandon { contact }, Actor::Trusted);
                }
            }
            Action::ChooseCallback(contact) => {
                // Still waiting when offered a callback: the people's model says whether
                // the customer takes it.
                let waiting = self
                    .contacts
                    .get(&contact)
                    .is_some_and(|c| c.phase == Phase::Waiting);
                if waiting && self.model.takes_callback(&mut self.sampler) {
                    self.send_one(
                        Command::ChooseCallback {
                            contact,
                            destination: None,
                        },
                        Actor::Trusted,
                    );
                }
            }
            Action::Answer(offer, pickup) => {
                let Some(info) = self.offers.get_mut(&offer) else {
                    return;
                };
                let agent = info.agent.clone();
                let command = match pickup {
                    Pickup::Phone => (
                        Command::Connector(ConnectorEvent::LegLinked { offer }),
                        Actor::Trusted,
                    ),
                    Pickup::Desktop => {
                        info.desktop_accept = true;
                        (Command::Accept { offer }, Actor::Agent(agent))
                    }
                };
                self.send(vec![command]);
            }
            Action::Refuse(offer) => {
                if let Some(info) = self.offers.get(&offer) {
                    let agent = info.agent.clone();
                    self.send_one(
                        Command::Refuse {
                            offer,
                            decline_reason: None,
                        },
                        Actor::Agent(agent),
                    );
                }
            }
            Action::LinkLeg(offer) => {
                self.connector_on_offer(offer, ConnectorEvent::LegLinked { offer });
            }
            Action::LegFail(offer, reason) => {
                let cause_code = leg_cause(reason).map(str::to_string);
                let event = ConnectorEvent::LegFailed {
                    offer,
                    reason,
                    cause_code,
                };
                self.connector_on_offer(offer, event);
            }
            Action::Hold(contact) => {
                self.holder_does(contact, |agent| Command::Hold { agent, contact })
            }
            Action::Resume(contact) => {
                self.holder_does(contact, |agent| Command::Resume { agent, contact });
            }
            Action::Finish(contact, finish) => self.finish(contact, finish),
            Action::Complete(contact, schedule) => self.complete(contact, schedule).await,
            Action::StartDial(contact) => {
                self.holder_does(contact, |agent| Command::StartDial { agent, contact });
            }
            Action::Answered(contact, by) => {
                self.connector_on_call(contact, ConnectorEvent::Answered { contact, by });
            }
            Action::DialFailed(contact) => {
                let cause_code = Some("503".into());
                let event = ConnectorEvent::DialFailed {
                    contact,
                    cause_code,
                };
                self.connector_on_call(contact, event);
            }
            Action::DialOutcome(contact, outcome) => {
                let cause_code = dial_cause(outcome).map(str::to_string);
                let event = ConnectorEvent::DialOutcome {
                    contact,
                    outcome,
                    cause_code,
                };
                self.connector_on_call(contact, event);
            }
            Action::SetCompletion(contact, completion) => {
                self.set_completion(contact, completion).await
            }
            Action::Ready(agent) => {
                if let Some(info) = self.agents.get_mut(&agent) {
                    info.recovery_planned = false;
                }
                self.agent_does(agent, |agent| Command::SetState {
                    agent,
                    state: SelectableState::Ready,
                    reason: None,
                });
            }
            Action::TakeBreak(agent) => self.take_break(agent),
            Action::OutboundDial(agent) => {
                let destination = self.phone_number();
                self.agent_does(agent, |agent| Command::Dial {
                    agent,
                    destination,
                    queue: Some(QueueId::new("sales")),
                });
            }
            Action::Login(agent) => {
                let Some(info) = self.agents.get_mut(&agent) else {
                    return;
                };
                info.recovery_planned = false;
                let station = info.station.clone();
                self.agent_does(agent, |agent| Command::Login {
                    agent,
                    station,
                    state: Some(SelectableState::Ready),
                });
            }
            Action::Watchdog => self.watchdog().await,
        }
    }

    /// Whether `action` is something an agent does, for an agent left to a person: the
    /// customers' and the connector's actions go on for everyone.
    fn acts_for_a_person(&self, action: &Action) -> bool {
        let person = |agent: Option<AgentId>| agent.is_some_and(|a| self.people.contains(&a));
        match action {
            Action::Answer(offer, _) | Action::Refuse(offer) => {
                person(self.offers.get(offer).map(|o| o.agent.clone()))
            }
            Action::Hold(contact)
            | Action::Resume(contact)
            | Action::Complete(contact, _)
            | Action::StartDial(contact)
            | Action::SetCompletion(contact, _)
            | Action::Finish(contact, Finish::AgentEnds | Finish::TransferToQueue) => {
                person(self.holder(*contact))
            }
            Action::Ready(agent)
            | Action::TakeBreak(agent)
            | Action::OutboundDial(agent)
            | Action::Login(agent) => self.people.contains(agent),
            Action::Arrival(_)
            | Action::WebCallback
            | Action::Abandon(_)
            | Action::ChooseCallback(_)
            | Action::LinkLeg(_)
            | Action::LegFail(..)
            | Action::Finish(..)
            | Action::Answered(..)
            | Action::DialFailed(_)
            | Action::DialOutcome(..)
            | Action::Watchdog => false,
        }
    }

    fn holder(&self, contact: ContactId) -> Option<AgentId> {
        self.contacts
            .get(&contact)
            .filter(|c| c.phase == Phase::WithAgent)
            .and_then(|c| c.agent.clone())
    }

    /// The next customer of the people's queue `q`: the model gives the gap to the one after.
    fn arrival(&mut self, q: usize) {
        if let Some(gap) = self.model.arrival_gap_ms(q, &mut self.sampler) {
            self.after_ms(gap, Action::Arrival(q));
        }
        if self.contacts.len() >= OPEN_CONTACTS_MAX {
            return;
        }
        let (queue, channel) = (
            self.model.queues[q].id.clone(),
            self.model.queues[q].channel,
        );
        let from = match channel {
            Channel::Chat => format!(
                "visitor-{}@example.com",
                self.sampler.range(1000..100_000u32)
            ),
            _ => self.phone_number(),
        };
        let priority = if self.u01() < 0.1 { 5 } else { 0 };
        let mut attributes = BTreeMap::new();
        let language = if self.u01() < 0.8 { "hu" } else { "en" };
        attributes.insert("language".to_string(), language.to_string());
        self.send_one(
            Command::CreateContact {
                channel,
                queue,
                from: from.into(),
                priority,
                attributes,
            },
            Actor::Trusted,
        );
    }

    fn finish(&mut self, contact: ContactId, finish: Finish) {
        let Some(agent) = self.holder(contact) else {
            return;
        };
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let chat = c.channel == Channel::Chat;
        let command = match finish {
            Finish::AgentEnds => {
                return self.agent_does(agent, |agent| Command::End { agent, contact });
            }
            Finish::TransferToQueue => {
                let target = TransferTarget::Queue(QueueId::new(TRANSFER_QUEUE));
                return self.agent_does(agent, |agent| Command::Transfer {
                    agent,
                    contact,
                    target,
                });
            }
            // The chat visitor closes the chat window.
            Finish::CustomerHangsUp if chat => Command::Abandon { contact },
            Finish::CustomerHangsUp => Command::Connector(ConnectorEvent::Hangup {
                contact,
                reason: HangupReason::Ended,
                close_call_on_error: false,
                agent_status: None,
                cause_code: Some("16".into()),
                ended_by: Some(EndedBy::Customer),
            }),
            Finish::CallError {
                close,
                status,
                cause,
            } => Command::Connector(ConnectorEvent::Hangup {
                contact,
                reason: HangupReason::Error,
                close_call_on_error: close,
                agent_status: status,
                cause_code: Some(cause.into()),
                ended_by: None,
            }),
        };
        self.send_one(command, Actor::Trusted);
    }

    async fn complete(&mut self, contact: ContactId, schedule: bool) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if c.phase != Phase::Wrapping {
            return;
        }
        let Some(agent) = c.agent.clone() else {
            return;
        };
        let (queue, from, channel) = (c.queue.clone(), c.from.clone(), c.channel);
        let codes = self.dispositions.get(&queue).cloned().unwrap_or_default();
        let disposition = if !codes.is_empty() && self.u01() < 0.9 {
            Some(self.sampler.pick(&codes).clone())
        } else {
            None
        };
        let mut commands = Vec::new();
        // Now and then an agent promises the caller a callback (closes the call 51/0).
        if schedule && channel == Channel::Voice && self.callback_queues.contains(&queue) {
            let minutes = self.sampler.range(5..30i64);
            if let Ok(now) = self.driver.read(|e| e.now()).await {
                let reserve = self.u01() < 0.5;
                commands.push((
                    Command::ScheduleCallback {
                        agent: agent.clone(),
                        contact: Some(contact),
                        destination: from,
                        queue: None,
                        due: Timestamp(now.0 + minutes * 60_000),
                        window_end: None,
                        reserve,
                    },
                    Actor::Agent(agent.clone()),
                ));
            }
        }
        commands.push((
            Command::Complete {
                agent: agent.clone(),
                contact,
                disposition,
            },
            Actor::Agent(agent),
        ));
        self.send(commands);
    }

    async fn set_completion(&mut self, contact: ContactId, completion: Completion) {
        let Some(agent) = self.holder(contact) else {
            return;
        };
        let status = match completion {
            Completion::Handled => CompletionStatus::Handled,
            Completion::AnsweringMachine => CompletionStatus::AnsweringMachine,
            Completion::WrongDestination => CompletionStatus::WrongDestination,
            Completion::Requested(minutes) => {
                let Ok(now) = self.driver.read(|e| e.now()).await else {
                    return;
                };
                let mine = self.u01() < 0.5;
                CompletionStatus::CallbackRequested {
                    due: Timestamp(now.0 + minutes * 60_000),
                    agent: mine.then(|| agent.clone()),
                }
            }
        };
        self.agent_does(agent, |agent| Command::SetCompletion {
            agent,
            contact,
            status,
        });
    }

    fn take_break(&mut self, agent: AgentId) {
        let next = 60.0 + self.seconds(Dist::Exponential(600.0));
        let Some(info) = self.agents.get(&agent) else {
            return;
        };
        match info.state {
            AgentState::Ready | AgentState::Busy => {}
            AgentState::Offered => {
                // Not in the middle of an offer: try again shortly.
                self.after(15.0, Action::TakeBreak(agent));
                return;
            }
            _ => {
                self.after(next, Action::TakeBreak(agent));
                return;
            }
        }
        let sales = info.sales;
        let r = self.u01();
        let (state, reason) = if sales && r < 0.15 {
            if let Some(info) = self.agents.get_mut(&agent) {
                info.outbound_calls = self.sampler.range(1..3);
            }
            (SelectableState::OutgoingInteractions, None)
        } else if r < 0.45 {
            (SelectableState::Break, Some("Coffee"))
        } else if r < 0.55 {
            (SelectableState::Break, Some("Lunch"))
        } else if r < 0.7 {
            (SelectableState::Break, None)
        } else if r < 0.8 {
            (SelectableState::BackOffice, Some("Training"))
        } else if r < 0.9 {
            (SelectableState::BackOffice, Some("Email follow-up"))
        } else {
            (SelectableState::BackOffice, Some("Team meeting"))
        };
        // While busy this records "Waiting for X" (Mode Pending) until the work ends.
        self.agent_does(agent.clone(), |agent| Command::SetState {
            agent,
            state,
            reason: reason.map(str::to_string),
        });
        self.after(next + 240.0, Action::TakeBreak(agent));
    }
}

pub(super) async fn execute(driver: &Driver, command: Command, actor: Actor) {
    let what = command_name(&command);
    match driver.execute(command, actor).await {
        Ok(_) => {}
        Err(CommandError::Rejected(rejection)) => {
            tracing::debug!(command = what, code = rejection.code(), %rejection, "demo: command rejected");
        }
        Err(error) => {
            tracing::debug!(command = what, %error, "demo: command not run");
        }
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Login { .. } => "login",
        Command::SetState { .. } => "set_state",
        Command::Accept { .. } => "accept",
        Command::Refuse { .. } => "refuse",
        Command::Hold { .. } => "hold",
        Command::Resume { .. } => "resume",
        Command::StartDial { .. } => "start_dial",
        Command::End { .. } => "end",
        Command::Complete { .. } => "complete",
        Command::Transfer { .. } => "transfer",
        Command::Dial { .. } => "dial",
        Command::CreateContact { .. } => "create_contact",
        Command::Abandon { .. } => "abandon",
        Command::Connector(ConnectorEvent::LegLinked { .. }) => "leg_linked",
        Command::Connector(ConnectorEvent::LegFailed { .. }) => "leg_failed",
        Command::Connector(ConnectorEvent::Answered { .. }) => "answered",
        Command::Connector(ConnectorEvent::DialFailed { .. }) => "dial_failed",
        Command::Connector(ConnectorEvent::DialOutcome { .. }) => "dial_outcome",
        Command::Connector(ConnectorEvent::Hangup { .. }) => "hangup",
        Command::CreateCallback { .. } => "create_callback",
        Command::ChooseCallback { .. } => "choose_callback",
        Command::ScheduleCallback { .. } => "schedule_callback",
        Command::SetCompletion { .. } => "set_completion",
        _ => "other",
    }
}
