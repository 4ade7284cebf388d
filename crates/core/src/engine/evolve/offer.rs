//! offer

use crate::engine::{Engine, Place, Timer};
use crate::ids::OfferId;

impl Engine {
    pub(crate) fn remove_offer(&mut self, offer: OfferId) {
        let Some(o) = self.offers.remove(&offer) else {
            return;
        };
        self.timers.remove(&(o.deadline, Timer::Offer(offer)));
        if let Some(link) = o.link_deadline {
            self.timers.remove(&(link, Timer::Link(offer)));
        }
        if let Some(rt) = self.agents.get_mut(&o.agent)
            && rt.offer == Some(offer)
        {
            rt.offer = None;
        }
        if let Some(c) = self.contacts.get_mut(&o.contact)
            && let Place::Offered(offers) = &mut c.place
        {
            offers.retain(|x| *x != offer);
        }
    }
}
