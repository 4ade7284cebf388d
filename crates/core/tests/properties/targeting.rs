//! Live targeting: when a step runs, its command is aimed at a live offer, contact,
//! callback, agent or assignment picked from the engine's views; and an agent's next
//! move of its work ([`work`]).

use std::collections::BTreeSet;
use strum::VariantArray;
use switchboard_core::callback::{CallbackLocation, CallbackStatus, CompletionStatus, DialOutcome};
use switchboard_core::engine::{AgentView, OfferView, SessionState};
use switchboard_core::model::{AgentStatus, AnsweredBy, HangupReason, SelectableState};
use switchboard_core::{
    AgentId, AgentState, Channel, Command, ConnectorEvent, ContactId, ContactState, Engine,
    QueueId, StationId,
};

use crate::actions::*;

pub fn pick<T: Clone>(items: &[T], k: usize, preferred: impl Fn(&T) -> bool) -> Option<T> {
    let good: Vec<&T> = items.iter().filter(|x| preferred(x)).collect();
    if !good.is_empty() {
        return Some(good[k % good.len()].clone());
    }
    (!items.is_empty()).then(|| items[k % items.len()].clone())
}

pub fn live_offers(engine: &Engine) -> Vec<OfferView> {
    engine
        .agent_views()
        .filter_map(|a| a.offer)
        .filter_map(|o| engine.offer_view(o))
        .collect()
}

/// Replace the target of `command` by something live, per `live`.
pub fn retarget(command: &mut Command, live: Live, engine: &Engine) {
    match live {
        Live::Login(k) => {
            let agents: Vec<AgentView> = engine.agent_views().collect();
            let used: BTreeSet<&StationId> =
                agents.iter().filter_map(|a| a.station.as_ref()).collect();
            let free: Vec<StationId> = engine
                .station_configs()
                .map(|s| s.id.clone())
                .filter(|s| !used.contains(s))
                .collect();
            let Some(a) = pick(&agents, k, |a| a.station.is_none()) else {
                return;
            };
            if let Command::Login { agent, station, .. } = command {
                *agent = a.id;
                if let Some(s) = pick(&free, k, |_| true) {
                    *station = s;
                }
            }
        }
        Live::Agent(k) => {
            let agents: Vec<AgentView> = engine
                .agent_views()
                .filter(|a| a.station.is_some())
                .collect();
            let chosen = match command {
                Command::Dial { .. } => pick(&agents, k, |a| {
                    a.state == AgentState::OutgoingInteractions && a.contacts.is_empty()
                }),
                _ => pick(&agents, k, |_| true),
            };
            let Some(chosen) = chosen else { return };
            match command {
                Command::Logout { agent }
                | Command::SetState { agent, .. }
                | Command::ForceState { agent, .. }
                | Command::Dial { agent, .. }
                | Command::ScheduleCallback { agent, .. } => {
                    *agent = chosen.id;
                }
                _ => {}
            }
        }
        Live::Offer(k) => {
            let offers = live_offers(engine);
            let voice = |o: &OfferView| {
                engine
                    .contact_view(o.contact)
                    .is_some_and(|c| c.channel == Channel::Voice)
            };
            let chosen = match command {
                Command::Accept { .. } | Command::Refuse { .. } => {
                    pick(&offers, k, |o| !o.accepted)
                }
                Command::Connector(ConnectorEvent::LegLinked { .. }) => {
                    pick(&offers, k, |o| o.accepted && voice(o))
                }
                _ => pick(&offers, k, |_| true),
            };
            let Some(chosen) = chosen else { return };
            match command {
                Command::Accept { offer }
                | Command::Refuse { offer, .. }
                | Command::Connector(ConnectorEvent::LegLinked { offer })
                | Command::Connector(ConnectorEvent::LegFailed { offer, .. }) => {
                    *offer = chosen.id;
                }
                _ => {}
            }
        }
        Live::Contact(k) => {
            let contacts: Vec<(ContactId, ContactState)> =
                engine.contact_views().map(|c| (c.id, c.state)).collect();
            let is_callback = |c: &ContactId| engine.callback_view(*c).is_some();
            let chosen = match command {
                Command::Connector(
                    ConnectorEvent::Answered { .. }
                    | ConnectorEvent::DialFailed { .. }
                    | ConnectorEvent::DialOutcome { .. },
                ) => pick(&contacts, k, |(_, s)| *s == ContactState::Dialing),
                // The customer missed the callback: one an agent is dialing or talking to.
                Command::Connector(ConnectorEvent::Hangup {
                    agent_status: Some(AgentStatus::MissedCallStatus),
                    ..
                }) => pick(&contacts, k, |(c, s)| {
                    is_callback(c) && (s.is_conversation() || *s == ContactState::Dialing)
                }),
                // A call waiting in a queue that takes callbacks.
                Command::ChooseCallback { .. } => pick(&contacts, k, |(c, s)| {
                    *s == ContactState::Queued
                        && !is_callback(c)
                        && engine
                            .contact_view(*c)
                            .is_some_and(|v| engine.callback_monitor(&v.queue).is_some())
                }),
                _ => pick(&contacts, k, |_| true),
            };
            let Some((chosen, _)) = chosen else { return };
            match command {
                Command::Abandon { contact }
                | Command::ChooseCallback { contact, .. }
                | Command::Connector(ConnectorEvent::Answered { contact, .. })
                | Command::Connector(ConnectorEvent::DialFailed { contact, .. })
                | Command::Connector(ConnectorEvent::DialOutcome { contact, .. })
                | Command::Connector(ConnectorEvent::Hangup { contact, .. }) => *contact = chosen,
                _ => {}
            }
        }
        Live::Parked(k) => {
            let parked: Vec<_> = engine
                .session_views()
                .into_iter()
                .filter(|v| v.state == SessionState::Parked)
                .collect();
            let Some(v) = pick(&parked, k, |_| true) else {
                return;
            };
            if let Command::Unpark { contact, agent } = command {
                *contact = v.contact;
                // An agent unparks as the one who parked it (it serves the queue).
                if agent.is_some() {
                    *agent = Some(v.agent);
                }
            }
        }
        Live::Callback(k) => {
            let callbacks: Vec<(ContactId, CallbackLocation)> = engine
                .callback_views(None, None)
                .into_iter()
                .map(|v| (v.id, v.location))
                .collect();
            let chosen = match command {
                Command::SendCallbackToQueue { .. } => {
                    pick(&callbacks, k, |(_, l)| *l == CallbackLocation::Pending)
                }
                Command::PurgeCallback { .. } => pick(&callbacks, k, |(_, l)| l.to_be_processed()),
                _ => pick(&callbacks, k, |_| true),
            };
            let Some((chosen, _)) = chosen else { return };
            match command {
                Command::SendCallbackToQueue { contact } | Command::PurgeCallback { contact } => {
                    *contact = chosen
                }
                _ => {}
            }
        }
        Live::CallbackQueue(k) => {
            let queues: Vec<(QueueId, CallbackStatus)> = engine
                .queue_views()
                .filter_map(|q| engine.callback_monitor(&q.id).map(|m| (q.id, m.status)))
                .collect();
            let chosen = match command {
                Command::StopCallbacks { .. } => {
                    pick(&queues, k, |(_, s)| *s != CallbackStatus::Stopped)
                }
                Command::StartCallbacks { .. } => {
                    pick(&queues, k, |(_, s)| *s == CallbackStatus::Stopped)
                }
                _ => pick(&queues, k, |_| true),
            };
            let Some((chosen, _)) = chosen else { return };
            match command {
                Command::CreateCallback { queue, .. }
                | Command::StopCallbacks { queue }
                | Command::StartCallbacks { queue } => *queue = chosen,
                _ => {}
            }
        }
        Live::Holding(k) => {
            let held: Vec<(AgentId, ContactId, ContactState)> = engine
                .agent_views()
                .flat_map(|a| {
                    a.contacts
                        .into_iter()
                        .map(move |(c, s)| (a.id.clone(), c, s))
                })
                .collect();
            let suits = |s: ContactState| match command {
                Command::Hold { .. } => s == ContactState::Handling,
                Command::Resume { .. } => matches!(
                    s,
                    ContactState::OnHold | ContactState::Consulting | ContactState::InConference
                ),
                Command::Consult { .. } => {
                    matches!(s, ContactState::Handling | ContactState::OnHold)
                }
                Command::Conference { .. } => {
                    matches!(s, ContactState::Handling | ContactState::Consulting)
                }
                Command::StartDial { .. } => s == ContactState::Preview,
                Command::End { .. } => {
                    s.is_conversation()
                        || matches!(s, ContactState::Preview | ContactState::Dialing)
                }
                Command::Complete { .. } => s == ContactState::WrapUp,
                Command::Suspend { .. } => {
                    matches!(s, ContactState::Handling | ContactState::WrapUp)
                }
                Command::Park { .. } => s == ContactState::Handling,
                Command::Transfer { .. } | Command::ScheduleCallback { .. } => s.is_conversation(),
                Command::SetCompletion {
                    status: CompletionStatus::Cancel,
                    ..
                } => s == ContactState::Dialing,
                Command::SetCompletion { .. } => s != ContactState::WrapUp,
                _ => true,
            };
            // A completion status is for a callback attempt; a suspend or park for email and
            // work items.
            let wants_callback = matches!(command, Command::SetCompletion { .. });
            let wants_mail = matches!(command, Command::Suspend { .. } | Command::Park { .. });
            let mail = |c: &ContactId| {
                engine
                    .contact_view(*c)
                    .is_some_and(|v| matches!(v.channel, Channel::Email | Channel::WorkItem))
            };
            let Some((a, c, _)) = pick(&held, k, |(_, c, s)| {
                suits(*s)
                    && (!wants_callback || engine.callback_view(*c).is_some())
                    && (!wants_mail || mail(c))
            }) else {
                return;
            };
            match command {
                Command::Hold { agent, contact }
                | Command::Resume { agent, contact }
                | Command::Consult { agent, contact }
                | Command::Conference { agent, contact }
                | Command::StartDial { agent, contact }
                | Command::End { agent, contact }
                | Command::Complete { agent, contact, .. }
                | Command::Suspend { agent, contact, .. }
                | Command::Park { agent, contact }
                | Command::Transfer { agent, contact, .. }
                | Command::SetCompletion { agent, contact, .. } => {
                    *agent = a;
                    *contact = c;
                }
                Command::ScheduleCallback { agent, contact, .. } => {
                    *agent = a;
                    *contact = Some(c);
                }
                _ => {}
            }
        }
    }
}

/// What the k-th agent does next with its work, `choice` picking among the sensible moves:
/// log in or go Ready; accept (mostly), refuse or link its offer; start a previewed dial;
/// have a dial answered live or by a machine, fail, be cancelled or missed; set a
/// callback's completion status or end the conversation; complete the wrap-up.
pub fn work(engine: &Engine, k: usize, choice: u8) -> Option<Command> {
    let agents: Vec<AgentView> = engine.agent_views().collect();
    let a = agents.get(k % agents.len().max(1))?;
    let agent = a.id.clone();
    let c = usize::from(choice);
    if a.station.is_none() {
        let used: BTreeSet<StationId> = agents.iter().filter_map(|v| v.station.clone()).collect();
        let station = engine
            .station_configs()
            .map(|s| s.id.clone())
            .find(|s| !used.contains(s))?;
        return Some(Command::Login {
            agent,
            station,
            state: Some(SelectableState::Ready),
        });
    }
    if let Some(offer) = a.offer.and_then(|o| engine.offer_view(o)) {
        return Some(match (offer.accepted, c % 8) {
            (true, _) => Command::Connector(ConnectorEvent::LegLinked { offer: offer.id }),
            (false, 0) => Command::Refuse {
                offer: offer.id,
                decline_reason: None,
            },
            (false, _) => Command::Accept { offer: offer.id },
        });
    }
    let Some(&(contact, state)) = a.contacts.get(c % a.contacts.len().max(1)) else {
        return (a.state != AgentState::Ready).then_some(Command::SetState {
            agent,
            state: SelectableState::Ready,
            reason: None,
        });
    };
    let callback = engine.callback_view(contact).is_some();
    let c = c / 4;
    Some(match state {
        ContactState::Preview if c % 5 == 0 => Command::End { agent, contact },
        ContactState::Preview => Command::StartDial { agent, contact },
        ContactState::Dialing => match c % 8 {
            0..=2 => Command::Connector(ConnectorEvent::Answered {
                contact,
                by: AnsweredBy::Live,
            }),
            3 => Command::Connector(ConnectorEvent::Answered {
                contact,
                by: AnsweredBy::Machine,
            }),
            4 => Command::Connector(ConnectorEvent::DialFailed {
                contact,
                cause_code: None,
            }),
            7 if c % 3 == 0 => Command::Connector(ConnectorEvent::DialOutcome {
                contact,
                outcome: DialOutcome::VARIANTS[(c / 8) % DialOutcome::VARIANTS.len()],
                cause_code: None,
            }),
            5 if callback => Command::SetCompletion {
                agent,
                contact,
                status: CompletionStatus::Cancel,
            },
            6 => Command::Connector(ConnectorEvent::Hangup {
                contact,
                reason: HangupReason::Error,
                close_call_on_error: false,
                agent_status: Some(AgentStatus::MissedCallStatus),
                cause_code: None,
                ended_by: None,
            }),
            _ => Command::End { agent, contact },
        },
        ContactState::WrapUp => Command::Complete {
            agent,
            contact,
            disposition: None,
        },
        _ if callback && c % 2 == 0 => {
            let status = match (c / 2) % 7 {
                0 | 1 => CompletionStatus::Handled,
                2 => CompletionStatus::AnsweringMachine,
                3 => CompletionStatus::NoAnswer,
                4 => CompletionStatus::WrongDestination,
                5 => CompletionStatus::CallbackRequested {
                    due: engine.now().plus_ms(1_000 + 1_000 * c as u64),
                    agent: None,
                },
                _ => CompletionStatus::CallbackRequested {
                    due: engine.now().plus_ms(60_000),
                    agent: Some(agent.clone()),
                },
            };
            Command::SetCompletion {
                agent,
                contact,
                status,
            }
        }
        _ => Command::End { agent, contact },
    })
}
