//! Evolve of the do-not-call list's events.

use crate::engine::Engine;
use crate::engine::evolve::not_this_family;
use crate::event::Event;

impl Engine {
    pub(super) fn evolve_dnc(&mut self, event: &Event) {
        match event {
            Event::DoNotCallAdded { numbers } => {
                self.do_not_call.extend(numbers.iter().cloned());
                debug_assert!(
                    self.do_not_call.len() <= self.settings.limits.do_not_call_max as usize,
                    "the do-not-call list is within its limit"
                );
            }
            Event::DoNotCallRemoved { number } => {
                self.do_not_call.remove(number);
            }
            _ => not_this_family("dnc", event),
        }
    }
}
