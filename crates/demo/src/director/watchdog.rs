//! The watchdog: now and then the director looks at the engine itself and gets going the
//! agents and contacts it lost track of (a lagging feed, a rejected command).

use super::{Action, ContactInfo, Director, Finish, Phase};
use switchboard_core::ids::{ContactId, QueueId};
use switchboard_core::model::{AgentState, Channel, ContactState};

impl Director {
    /// Looks at the engine and gets going what the director lost track of.
    pub(super) async fn watchdog(&mut self) {
        self.after(30.0, Action::Watchdog);
        let tracked: Vec<ContactId> = self.contacts.keys().copied().collect();
        let Ok((views, open)) = self
            .driver
            .read(move |engine| {
                let views: Vec<_> = engine.agent_views().collect();
                let open: Vec<ContactId> = tracked
                    .into_iter()
                    .filter(|c| engine.contact_view(*c).is_some())
                    .collect();
                (views, open)
            })
            .await
        else {
            return;
        };
        self.contacts.retain(|id, _| open.binary_search(id).is_ok());
        let mut plans = Vec::new();
        for view in views {
            if self.people.contains(&view.id) {
                continue;
            }
            let Some(info) = self.agents.get_mut(&view.id) else {
                continue;
            };
            info.state = view.state;
            let stuck = matches!(
                view.state,
                AgentState::Offline
                    | AgentState::NoAnswer
                    | AgentState::Break
                    | AgentState::BackOffice
            ) || (view.state == AgentState::OutgoingInteractions
                && view.contacts.is_empty()
                && info.outbound_calls == 0);
            if stuck && !info.recovery_planned {
                info.recovery_planned = true;
                let action = if view.state == AgentState::Offline {
                    Action::Login(view.id.clone())
                } else {
                    Action::Ready(view.id.clone())
                };
                plans.push((5.0, action));
            }
            for (contact, state) in view.contacts {
                let info = self.contacts.entry(contact).or_insert_with(|| {
                    let queue = QueueId::new("");
                    ContactInfo::new(
                        queue,
                        Channel::Voice,
                        Some(view.id.clone()),
                        Phase::WithAgent,
                    )
                });
                if info.pending > 0 || info.left_to_engine {
                    continue;
                }
                info.agent = Some(view.id.clone());
                let action = match state {
                    ContactState::WrapUp => {
                        info.phase = Phase::Wrapping;
                        Action::Complete(contact, false)
                    }
                    ContactState::Preview => {
                        info.phase = Phase::WithAgent;
                        Action::StartDial(contact)
                    }
                    // A callback dial ends by the engine's Duration For No Answer.
                    ContactState::Dialing if info.channel == Channel::Callback => continue,
                    ContactState::Dialing
                    | ContactState::Handling
                    | ContactState::OnHold
                    | ContactState::Consulting
                    | ContactState::InConference => {
                        info.phase = Phase::WithAgent;
                        Action::Finish(contact, Finish::AgentEnds)
                    }
                    ContactState::Queued | ContactState::Offered | ContactState::Closed => {
                        continue;
                    }
                };
                // Nothing planned twice in a row: act.
                info.idle_passes += 1;
                if info.idle_passes >= 2 {
                    plans.push((1.0, action));
                }
            }
        }
        for (delay, action) in plans {
            self.after(delay, action);
        }
    }
}
