//! The evolve step: `apply(event)` is the only place state changes. It never decides and
//! never emits; it keeps the indexes (routing, timers) in step with the state.
//!
//! Every event was validated when it was decided (or was written to the journal by this
//! engine), so a record an event names that is missing is a bug: evolve panics naming the
//! invariant (`expect("invariant: …")`) instead of skipping the event, and checks the pre-
//! and postconditions of its steps with `debug_assert!` (test builds and the simulator's
//! audited runs). Where a record may legitimately be gone, the code says why.
//!
//! One file per family of events, the same families as `decide/`; this module is the
//! dispatch.

mod agent;
mod callback;
mod config;
mod contact;
mod dnc;
mod offer;
mod queue;
mod session;

pub(crate) use contact::wait_key;

use crate::engine::Engine;
use crate::event::{Event, EventRecord};

impl Engine {
    /// Apply one event: the evolve step, then the callback counters that follow every
    /// callback's location from event to event ("Clbk To Be Proc").
    pub(crate) fn apply(&mut self, record: &EventRecord) {
        // Without open callbacks there is no location to follow.
        let contact = record.event.contact();
        let before = contact
            .filter(|_| !self.callbacks.is_empty())
            .and_then(|c| self.callback_place(c));
        self.evolve(record);
        if let Some(c) = contact
            && (before.is_some() || !self.callbacks.is_empty())
        {
            let after = self.callback_place(c);
            self.track_location(before, after);
        }
    }

    /// The dispatch: each event to the evolve function of its family.
    fn evolve(&mut self, record: &EventRecord) {
        let at = record.at;
        let event = &record.event;
        match event {
            // configuration: evolve/config.rs
            Event::SettingsConfigured { .. }
            | Event::QueueConfigured { .. }
            | Event::QueueRemoved { .. }
            | Event::AgentConfigured { .. }
            | Event::AgentRemoved { .. }
            | Event::StationConfigured { .. }
            | Event::StationRemoved { .. } => self.evolve_config(at, event),
            // a queue's hours and emergency: evolve/queue.rs
            Event::QueueClosureChanged { .. } => self.evolve_queue(at, event),
            // agent state: evolve/agent.rs
            Event::AgentLoggedIn { .. }
            | Event::AgentLoggedOut { .. }
            | Event::AgentPresenceChanged { .. }
            | Event::AgentPendingChanged { .. }
            | Event::AgentStateChanged { .. }
            | Event::AgentStateForced { .. }
            | Event::AgentUnavailableTimedOut { .. } => self.evolve_agent(at, event),
            // offers: evolve/offer.rs
            Event::OfferCreated { .. }
            | Event::OfferAccepted { .. }
            | Event::OfferRefused { .. }
            | Event::ExclusionEnded { .. }
            | Event::OfferRescinded { .. } => self.evolve_offer(at, event),
            // contacts: evolve/contact.rs
            Event::ContactArrived { .. }
            | Event::ContactQueued { .. }
            | Event::ContactConnected { .. }
            | Event::ContactStateChanged { .. }
            | Event::WrapUpStarted { .. }
            | Event::WrapUpCompleted { .. }
            | Event::ContactReleased { .. }
            | Event::ContactClosed { .. } => self.evolve_contact(at, event),
            // callbacks: evolve/callback.rs
            Event::CallbackCreated { .. }
            | Event::CallbackPending { .. }
            | Event::AttemptStarted { .. }
            | Event::AttemptDialing { .. }
            | Event::DialOutcomeReported { .. }
            | Event::CompletionStatusSet { .. }
            | Event::AttemptEnded { .. }
            | Event::CallbackExpired { .. }
            | Event::ReservationEnded { .. }
            | Event::CallbackCompleted { .. }
            | Event::CallbackStatusChanged { .. }
            | Event::ShiftStarted { .. } => self.evolve_callback(at, event),
            // sessions: evolve/session.rs
            Event::ContactSuspended { .. }
            | Event::SessionResumed { .. }
            | Event::ContactParked { .. }
            | Event::ContactHeld { .. }
            | Event::SessionUnparked { .. } => self.evolve_session(at, event),
            // the do-not-call list: evolve/dnc.rs
            Event::DoNotCallAdded { .. } | Event::DoNotCallRemoved { .. } => self.evolve_dnc(event),
        }
    }
}

/// The family functions match only their own events; the dispatch above sends no other.
fn not_this_family(family: &str, event: &Event) -> ! {
    unreachable!("evolve_{family} got {}", event.kind())
}

/// The value an invariant guarantees: a record an already-validated event names. Its absence
/// is a bug (in decide, or a journal this engine did not write), so it panics naming it.
#[track_caller]
pub(super) fn invariant<T>(value: Option<T>, what: &str) -> T {
    match value {
        Some(value) => value,
        None => panic!("invariant: {what}"),
    }
}
