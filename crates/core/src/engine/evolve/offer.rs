//! Evolve of offer events: created, accepted, refused (with the refusing agent's exclusion),
//! rescinded, and an exclusion's end.

use crate::engine::evolve::{invariant, not_this_family};
use crate::engine::{Engine, OfferRt, Place, Timer};
use crate::event::Event;
use crate::ids::OfferId;
use crate::time::Timestamp;

/// An event names an open contact: decide looked it up before emitting.
const CONTACT: &str = "an offer event's contact is open";

impl Engine {
    pub(super) fn evolve_offer(&mut self, at: Timestamp, event: &Event) {
        match event {
            Event::OfferCreated {
                offer,
                contact,
                agent,
                station,
                deadline,
            } => {
                debug_assert!(
                    self.offers.get(offer).is_none(),
                    "offer {offer} is created twice"
                );
                self.next_offer = self.next_offer.max(offer.0 + 1);
                self.offer_seq += 1;
                self.stats.offers_created += 1;
                self.unqueue(*contact);
                let c = invariant(self.contacts.get_mut(contact), CONTACT);
                c.offers_made += 1;
                match &mut c.place {
                    Place::Offered(offers) => offers.push(*offer),
                    place => *place = Place::Offered(smallvec::smallvec![*offer]),
                }
                let queue = c.queue.clone();
                let rt = invariant(self.agents.get_mut(agent), "an offer's agent is configured");
                debug_assert!(
                    rt.offer.is_none(),
                    "agent {agent} has two open offers (at most one per agent)"
                );
                debug_assert!(
                    rt.station.as_ref() == Some(station),
                    "offer {offer} to agent {agent} at a station it is not logged in at"
                );
                rt.offer = Some(*offer);
                let seq = self.offer_seq;
                if let Some(m) = rt.memberships.iter_mut().find(|m| m.queue == queue) {
                    m.last_offer_seq = seq;
                }
                self.offers.insert(
                    *offer,
                    OfferRt {
                        contact: *contact,
                        agent: agent.clone(),
                        station: station.clone(),
                        created: at,
                        deadline: *deadline,
                        accepted: false,
                        link_deadline: None,
                    },
                );
                self.timers.insert((*deadline, Timer::Offer(*offer)));
                self.agent_changed(agent);
            }
            Event::OfferAccepted {
                offer,
                link_deadline,
            } => {
                let o = invariant(self.offers.get_mut(offer), "an accepted offer is open");
                o.accepted = true;
                o.link_deadline = *link_deadline;
                let deadline = o.deadline;
                self.timers.remove(&(deadline, Timer::Offer(*offer)));
                if let Some(link) = link_deadline {
                    self.timers.insert((*link, Timer::Link(*offer)));
                }
            }
            Event::OfferRefused {
                offer,
                contact,
                agent,
                reason,
                excluded_until,
                ..
            } => {
                self.stats.refusals += 1;
                *self
                    .stats
                    .refusals_by_reason
                    .entry(reason.as_str().to_string())
                    .or_insert(0) += 1;
                // `None`: a refusal recorded after the offer was taken (a call error).
                if let Some(offer) = offer {
                    self.remove_offer(*offer);
                }
                if *excluded_until > at {
                    let c = invariant(self.contacts.get_mut(contact), CONTACT);
                    if let Some(i) = c.exclusions.iter().position(|(a, _)| a == agent) {
                        let (_, until) = c.exclusions.remove(i);
                        self.timers
                            .remove(&(until, Timer::Reoffer(*contact, agent.clone())));
                    }
                    c.exclusions.push((agent.clone(), *excluded_until));
                    self.timers
                        .insert((*excluded_until, Timer::Reoffer(*contact, agent.clone())));
                }
                self.agent_changed(agent);
            }
            Event::ExclusionEnded { contact, agent } => {
                let c = invariant(self.contacts.get_mut(contact), CONTACT);
                let i = invariant(
                    c.exclusions.iter().position(|(a, _)| a == agent),
                    "an exclusion that ends was in force",
                );
                let (_, until) = c.exclusions.remove(i);
                self.timers
                    .remove(&(until, Timer::Reoffer(*contact, agent.clone())));
                if c.place == Place::Queued {
                    self.dirty.insert(c.queue.clone());
                }
            }
            Event::OfferRescinded { offer, agent, .. } => {
                self.remove_offer(*offer);
                self.agent_changed(agent);
            }
            _ => not_this_family("offer", event),
        }
    }

    /// An offer ends (refused, rescinded, or taken): its timers, the agent's open offer and
    /// the contact's list of open offers let go of it.
    pub(super) fn remove_offer(&mut self, offer: OfferId) {
        let o = invariant(self.offers.remove(&offer), "an offer that ends is open");
        self.timers.remove(&(o.deadline, Timer::Offer(offer)));
        if let Some(link) = o.link_deadline {
            self.timers.remove(&(link, Timer::Link(offer)));
        }
        let rt = invariant(
            self.agents.get_mut(&o.agent),
            "an offer's agent is configured",
        );
        debug_assert_eq!(rt.offer, Some(offer), "an open offer is its agent's offer");
        if rt.offer == Some(offer) {
            rt.offer = None;
        }
        let c = invariant(self.contacts.get_mut(&o.contact), CONTACT);
        if let Place::Offered(offers) = &mut c.place {
            offers.retain(|x| *x != offer);
        }
    }
}
