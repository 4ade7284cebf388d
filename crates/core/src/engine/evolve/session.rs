//! session

use crate::engine::{Engine, HeldRt, ParkedRt, SuspendedRt};
use crate::event::{Event, EventRecord};

impl Engine {
    /// The evolve step of the session events; `false` for any other event.
    pub(crate) fn apply_session_event(&mut self, record: &EventRecord) -> bool {
        let at = record.at;
        match &record.event {
            Event::ContactSuspended {
                contact,
                agent,
                thread,
            } => {
                let Some(c) = self.contacts.get(contact) else {
                    return true;
                };
                let session = SuspendedRt {
                    queue: c.queue.clone(),
                    channel: c.channel,
                    from: c.from.clone(),
                    agent: agent.clone(),
                    since: at,
                    thread: thread.clone(),
                };
                // One session per thread: a later suspend of the same thread replaces it.
                if let Some(old) = self.suspended_threads.insert(thread.clone(), *contact) {
                    self.suspended.remove(&old);
                }
                self.suspended.insert(*contact, session);
            }
            Event::SessionResumed { suspended, .. } => {
                if let Some(session) = self.suspended.remove(suspended) {
                    self.suspended_threads.remove(&session.thread);
                }
            }
            Event::ContactParked { contact, agent } => {
                let Some(c) = self.contacts.get(contact) else {
                    return true;
                };
                let session = ParkedRt {
                    queue: c.queue.clone(),
                    channel: c.channel,
                    from: c.from.clone(),
                    priority: c.priority,
                    attributes: c.attributes.clone(),
                    agent: agent.clone(),
                    since: at,
                    held: Vec::new(),
                };
                self.parked_customers.insert((c.from.clone(), *contact));
                self.parked.insert(*contact, session);
            }
            Event::ContactHeld { contact, parked } => {
                let Some(c) = self.contacts.get(contact) else {
                    return true;
                };
                let held = HeldRt {
                    contact: *contact,
                    queue: c.queue.clone(),
                    channel: c.channel,
                    priority: c.priority,
                    attributes: c.attributes.clone(),
                    arrived: c.arrived,
                };
                if let Some(session) = self.parked.get_mut(parked) {
                    session.held.push(held);
                    self.held_contacts += 1;
                }
            }
            Event::SessionUnparked { contact, .. } => {
                if let Some(session) = self.parked.remove(contact) {
                    self.parked_customers.remove(&(session.from, *contact));
                    self.held_contacts -= session.held.len();
                }
            }
            _ => return false,
        }
        true
    }
}
