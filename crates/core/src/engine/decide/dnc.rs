//! Decisions on the do-not-call list (issue 13): add and remove, and closing open callbacks
//! to a listed number (58, 0). The list changes only by `DoNotCallAdded` / `DoNotCallRemoved`,
//! so it is journaled, replayed and snapshotted like everything else; the normal form of a
//! number is `crate::dnc` (docs/callbacks.md, The do-not-call list).

use crate::callback::CallbackEnd;
use crate::closure::{ClosureCode, Major, Minor};
use crate::dnc::normalize;
use crate::engine::{Engine, Place};
use crate::event::Event;
use crate::ids::ContactId;
use crate::rejection::Rejection;
use std::collections::BTreeSet;

/// The closure of a contact to a number on the list (58, 0: docs/callbacks.md, The do-not-call list).
pub(crate) const ON_LIST: ClosureCode = ClosureCode::new(Major::OK_ON_BLACKLIST, Minor::DEFAULT);

impl Engine {
    /// Validate and add numbers (all or none).
    pub(crate) fn add_do_not_call(&mut self, numbers: &[String]) -> Result<(), Rejection> {
        let mut new = BTreeSet::new();
        for (i, text) in numbers.iter().enumerate() {
            let number = normalize(text).map_err(|e| Rejection::InvalidInput {
                field: format!("numbers[{i}]"),
                message: e.0,
            })?;
            if !self.do_not_call.contains(&number) {
                new.insert(number);
            }
        }
        self.check_do_not_call_room(new.len())?;
        self.list_numbers(new);
        Ok(())
    }

    /// Whether `more` numbers fit on the list.
    pub(crate) fn check_do_not_call_room(&self, more: usize) -> Result<(), Rejection> {
        let max = self.settings.limits.do_not_call_max;
        if self.do_not_call.len().saturating_add(more) > max as usize {
            return Err(Rejection::limit("do_not_call_max", max));
        }
        Ok(())
    }

    /// Put numbers (normal form, not listed, room checked) on the list; open callbacks to them
    /// that no agent holds yet (Pending, queued or offered) close (58, 0). Callbacks with an
    /// agent finish their attempt; they close (58, 0) when they would go back to the queue.
    pub(crate) fn list_numbers(&mut self, numbers: BTreeSet<String>) {
        if numbers.is_empty() {
            return;
        }
        let affected: Vec<ContactId> = self
            .callbacks
            .iter()
            .filter(|(contact, cb)| {
                self.contacts
                    .get(contact)
                    .is_some_and(|c| !matches!(c.place, Place::Agent(_)))
                    && normalize(&cb.destination).is_ok_and(|n| numbers.contains(&n))
            })
            .map(|(contact, _)| *contact)
            .collect();
        self.emit(Event::DoNotCallAdded {
            numbers: numbers.into_iter().collect(),
        });
        for contact in affected {
            self.close_callback(contact, CallbackEnd::DoNotCall, ON_LIST, None);
        }
    }

    pub(crate) fn remove_do_not_call(&mut self, text: &str) -> Result<(), Rejection> {
        let number = normalize(text).map_err(|e| Rejection::InvalidInput {
            field: "number".into(),
            message: e.0,
        })?;
        if !self.do_not_call.contains(&number) {
            return Err(Rejection::NotOnDoNotCallList(number));
        }
        self.emit(Event::DoNotCallRemoved { number });
        Ok(())
    }

    /// A callback about to go to the queue (or just created) whose number is listed: it
    /// closes (58, 0) instead. Returns whether it closed.
    #[must_use]
    pub(crate) fn close_if_listed(&mut self, contact: ContactId) -> bool {
        let listed = self
            .callbacks
            .get(&contact)
            .is_some_and(|cb| self.is_do_not_call(&cb.destination));
        if listed {
            self.close_callback(contact, CallbackEnd::DoNotCall, ON_LIST, None);
        }
        listed
    }
}
