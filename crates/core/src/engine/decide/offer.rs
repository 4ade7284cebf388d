//! Decisions on offers: making one (routing and transfers), accept, refusal in all its forms
//! (the record, the cancel request, the presence policy, the contact back to its place or
//! closed at the hop limit), and rescinding offers the agent is not to blame for (docs/
//! engine.md, Offers and refusals).

use crate::closure::{ClosureCode, Major, Minor};
use crate::engine::decide::checks::code;
use crate::engine::{Engine, Place};

use crate::event::Event;
use crate::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use crate::model::{Channel, ContactState, RefusalReason};
use crate::output::ConnectorRequest;
use crate::rejection::Rejection;

/// What happens to a contact after one of its offers is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterRefusal {
    /// Back to its place in the queue if no other offer is open.
    Requeue,
    /// The caller decides (closes it, or it is still with someone).
    Nothing,
}

/// How the refusing agent's state is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgentAfter {
    /// The queue's presence policy for the reason.
    Policy,
    /// The agent's own selection follows; leave the state to it.
    Untouched,
}

impl Engine {
    /// The agent refuses an offer it has not accepted: a `Declined` refusal.
    pub(crate) fn decline(
        &mut self,
        offer: OfferId,
        decline_reason: Option<String>,
    ) -> Result<(), Rejection> {
        let o = self.offer_rt(offer)?;
        if o.accepted {
            return Err(Rejection::OfferAlreadyAccepted(offer));
        }
        if let Some(reason) = &decline_reason
            && !self.settings.decline_reasons.contains(reason)
        {
            return Err(Rejection::UnknownDeclineReason {
                reason: reason.clone(),
            });
        }
        self.refuse_because(
            offer,
            RefusalReason::Declined,
            None,
            decline_reason,
            AgentAfter::Policy,
            AfterRefusal::Requeue,
        );
        Ok(())
    }

    /// Create one offer of `contact` to `agent` (routing and transfers call this).
    pub(crate) fn make_offer(&mut self, contact: ContactId, agent: &AgentId) {
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        let Some(station) = rt.station.clone() else {
            return;
        };
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let channel = c.channel;
        let station_cfg = self.stations.get(&station);
        // Precedence: station > agent (per channel) > queue > the settings' channel default.
        let timeout = station_cfg
            .and_then(|s| s.offer_timeout_ms)
            .or_else(|| rt.config.offer_timeout_for(channel))
            .or_else(|| self.queue_config(&c.queue).and_then(|q| q.offer_timeout_ms))
            .unwrap_or_else(|| self.settings.offer_timeout_for(channel));
        let number = station_cfg.map(|s| s.number.clone()).unwrap_or_default();
        let offer = OfferId(self.next_offer);
        self.emit(Event::OfferCreated {
            offer,
            contact,
            agent: agent.clone(),
            station: station.clone(),
            deadline: self.now.plus_ms(timeout),
        });
        debug_assert!(
            self.agents
                .get(agent)
                .is_some_and(|a| a.offer == Some(offer))
                && matches!(self.contacts.get(&contact).map(|c| &c.place),
                    Some(Place::Offered(offers)) if offers.contains(&offer)),
            "offer {offer} is the agent's open offer and among the contact's"
        );
        self.request(ConnectorRequest::Deliver {
            offer,
            contact,
            channel,
            agent: agent.clone(),
            station,
            number,
        });
    }

    /// The agent takes the offer. `linked`: the connector reported the leg linked, which
    /// counts as the accept for voice.
    pub(crate) fn accept(&mut self, offer: OfferId, linked: bool) -> Result<(), Rejection> {
        let o = self.offer_rt(offer)?;
        if o.accepted && !linked {
            return Err(Rejection::OfferAlreadyAccepted(offer));
        }
        let contact = o.contact;
        let agent = o.agent.clone();
        let already_accepted = o.accepted;
        let c = self.contact_rt(contact)?;
        let channel = c.channel;
        let queue = c.queue.clone();
        // Capacity was checked when the offer was made; settings may have changed since.
        if let Some(rt) = self.agents.get(&agent) {
            let units = u16::from(self.units_for(rt, channel));
            let exclusive_clash = rt.is_busy()
                && (channel.is_exclusive()
                    || rt.assignments.values().any(|a| a.channel.is_exclusive()));
            if exclusive_clash || rt.used_units + units > crate::config::CAPACITY_UNITS {
                return Err(Rejection::CapacityExceeded {
                    agent,
                    used: rt.used_units,
                    units,
                });
            }
        }
        // First accept wins: the other offers of a fanned-out contact end now.
        if let Place::Offered(others) = &c.place {
            let losers: Vec<OfferId> = others.iter().copied().filter(|x| *x != offer).collect();
            for loser in losers {
                self.refuse(
                    loser,
                    RefusalReason::ContactAlreadyRouted,
                    None,
                    AgentAfter::Policy,
                    AfterRefusal::Nothing,
                );
            }
        }
        if channel.needs_leg() && !linked {
            if !already_accepted {
                let link = self.now.plus_ms(self.settings.agent_link_timeout_ms);
                self.emit(Event::OfferAccepted {
                    offer,
                    link_deadline: Some(link),
                });
            }
            return Ok(());
        }
        let state = match channel {
            Channel::Callback => {
                if self.queue_config(&queue).is_some_and(|q| q.preview) {
                    ContactState::Preview
                } else {
                    ContactState::Dialing
                }
            }
            _ => ContactState::Handling,
        };
        let units = self
            .agents
            .get(&agent)
            .map_or(100, |rt| self.units_for(rt, channel));
        self.emit(Event::ContactConnected {
            contact,
            agent: agent.clone(),
            offer: Some(offer),
            state,
            units,
        });
        if state == ContactState::Dialing {
            self.request_dial(&agent, contact);
        }
        self.start_attempt(contact, &agent, state == ContactState::Dialing);
        Ok(())
    }

    /// One refusal: the record, the cancel request, the agent's state, the contact's return.
    pub(crate) fn refuse(
        &mut self,
        offer: OfferId,
        reason: RefusalReason,
        cause_code: Option<String>,
        agent_after: AgentAfter,
        after: AfterRefusal,
    ) {
        self.refuse_because(offer, reason, cause_code, None, agent_after, after);
    }

    /// [`Self::refuse`] with the agent's own reason for a `Declined` refusal.
    pub(crate) fn refuse_because(
        &mut self,
        offer: OfferId,
        reason: RefusalReason,
        cause_code: Option<String>,
        decline_reason: Option<String>,
        agent_after: AgentAfter,
        after: AfterRefusal,
    ) {
        let Some(o) = self.offers.get(&offer) else {
            return;
        };
        let contact = o.contact;
        let agent = o.agent.clone();
        let station = o.station.clone();
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let queue = c.queue.clone();
        let excluded_until = if reason == RefusalReason::ContactAlreadyRouted {
            self.now
        } else {
            self.now.plus_ms(self.reoffer_delay_ms(&queue))
        };
        let agent_full_name = self
            .agents
            .get(&agent)
            .map(|a| a.config.full_name.clone())
            .unwrap_or_default();
        self.emit(Event::OfferRefused {
            offer: Some(offer),
            contact,
            agent: agent.clone(),
            agent_full_name,
            station: station.clone(),
            reason,
            cause_code,
            excluded_until,
            decline_reason,
        });
        if reason.raised_by() != crate::model::RaisedBy::Connector {
            self.request(ConnectorRequest::CancelDelivery {
                offer,
                contact,
                station,
            });
        }
        if agent_after == AgentAfter::Policy {
            self.impose_presence_policy(&agent, reason, &queue);
        }
        if after == AfterRefusal::Requeue {
            self.requeue_if_unoffered(contact);
        }
    }

    /// After a failed offer: if no other offer is open, back to the original place in the queue,
    /// or closed when the hop limit is reached.
    pub(crate) fn requeue_if_unoffered(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if !matches!(&c.place, Place::Offered(offers) if offers.is_empty()) {
            return;
        }
        self.requeue(contact);
    }

    pub(crate) fn requeue(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let max_offers = self
            .queue_config(&c.queue)
            .and_then(|q| q.max_offers)
            .unwrap_or(self.settings.limits.offers_per_contact_max);
        if c.offers_made >= max_offers {
            self.close(
                contact,
                ClosureCode::new(Major::FAILED_ROUTE_INBOUND, Minor::REDIRECTLIM),
                None,
            );
            return;
        }
        self.requeue_at_place(contact);
    }

    /// Back to the contact's original place in its queue.
    pub(crate) fn requeue_at_place(&mut self, contact: ContactId) {
        if self.callbacks.contains_key(&contact) {
            // Through Pending: a queue whose callbacks are not Active keeps it there.
            self.callback_back_to_queue(contact);
            return;
        }
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if !self.queues.contains_key(&c.queue) {
            self.close(contact, code(Major::FAILED_UNKNOWN, Minor::DEFAULT), None);
            return;
        }
        let queue = c.queue.clone();
        let entrance = c.entrance;
        self.emit(Event::ContactQueued {
            contact,
            queue,
            entrance,
        });
    }

    pub(crate) fn rescind_offers(&mut self, contact: ContactId) {
        let offers = match self.contacts.get(&contact).map(|c| &c.place) {
            Some(Place::Offered(offers)) => offers.clone(),
            _ => return,
        };
        for offer in offers {
            let Some(o) = self.offers.get(&offer) else {
                continue;
            };
            let agent = o.agent.clone();
            let station = o.station.clone();
            self.emit(Event::OfferRescinded {
                offer,
                contact,
                agent,
                code: None,
            });
            self.request(ConnectorRequest::CancelDelivery {
                offer,
                contact,
                station,
            });
        }
    }

    /// End the agent's open offer without a refusal (the agent was moved away by the engine).
    pub(crate) fn rescind_agent_offer(&mut self, agent: &AgentId) {
        let Some(offer) = self.agents.get(agent).and_then(|a| a.offer) else {
            return;
        };
        let Some(o) = self.offers.get(&offer) else {
            return;
        };
        let contact = o.contact;
        let station = o.station.clone();
        self.emit(Event::OfferRescinded {
            offer,
            contact,
            agent: agent.clone(),
            code: Some(code(Major::FAILED_NO_RESOURCE, Minor::NORESOURCE)),
        });
        self.request(ConnectorRequest::CancelDelivery {
            offer,
            contact,
            station,
        });
        // Not a refusal: the hop limit does not apply.
        if matches!(self.contacts.get(&contact).map(|c| &c.place), Some(Place::Offered(o)) if o.is_empty())
        {
            self.requeue_at_place(contact);
        }
    }

    /// A refusal record for an agent who held the contact past its offer (call error after
    /// connect): there is no open offer any more, so the record names none.
    pub(crate) fn record_agent_refusal(
        &mut self,
        contact: ContactId,
        agent: &AgentId,
        reason: RefusalReason,
        cause_code: Option<String>,
        queue: &QueueId,
    ) {
        let Some(rt) = self.agents.get(agent) else {
            return;
        };
        let station = rt.station.clone().unwrap_or_else(|| StationId::new(""));
        let agent_full_name = rt.config.full_name.clone();
        let excluded_until = self.now.plus_ms(self.reoffer_delay_ms(queue));
        self.emit(Event::OfferRefused {
            offer: None,
            contact,
            agent: agent.clone(),
            agent_full_name,
            station,
            reason,
            cause_code,
            excluded_until,
            decline_reason: None,
        });
    }
}
