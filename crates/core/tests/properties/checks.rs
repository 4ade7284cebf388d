//! The checks after every input: per event (recounts, closures, callbacks, exclusions)
//! and of the whole state (views agree with each other and with the recounts).

use std::collections::{BTreeMap, BTreeSet};
use strum::VariantArray;
use switchboard_core::callback::{
    AttemptState, CallbackCounters, CallbackEnd, CallbackLocation, CallbackOrigin, CallbackStatus,
    CompletionStatus,
};
use switchboard_core::closure;
use switchboard_core::engine::AgentView;
use switchboard_core::model::{AnsweredBy, HangupReason};
use switchboard_core::{
    AgentId, AgentState, Channel, Command, ConnectorEvent, ConnectorRequest, ContactId,
    ContactState, Event, QueueId, RefusalReason, TransferTarget,
};

use crate::{harness::*, oracle::*};

impl Harness {
    /// Per-event checks and recounts.
    pub fn observe(&mut self, event: &Event) -> Check {
        if let Some(contact) = event_contact(event) {
            let arrival = matches!(event, Event::ContactArrived { .. });
            if arrival && self.arrived.contains(&contact) {
                return Err(format!("contact {contact} arrived twice"));
            }
            if !arrival && !self.arrived.contains(&contact) {
                return Err(format!(
                    "event about {contact}, which never arrived: {event}"
                ));
            }
            if self.closed.contains_key(&contact) {
                // A transferred contact's former agent may still finish its wrap-up.
                let detached_wrap_up = matches!(event,
                    Event::WrapUpCompleted { agent, .. }
                        if self.detached.contains(&(contact, agent.clone())));
                if !detached_wrap_up {
                    return Err(format!("event about {contact} after it closed: {event}"));
                }
            }
        }
        match event {
            Event::ContactArrived { contact, .. } => {
                self.arrived.insert(*contact);
                self.arrived_events += 1;
            }
            Event::ContactClosed {
                contact,
                code,
                disposition,
                ..
            } => {
                self.closed_events += 1;
                *self.closed.entry(*contact).or_insert(0) += 1;
                if closure::major(code.major.0).is_none() || closure::minor(code.minor.0).is_none()
                {
                    return Err(format!(
                        "contact {contact} closed with ({}, {}), not in the closure catalog",
                        code.major.0, code.minor.0
                    ));
                }
                let pair = (code.major.0, code.minor.0);
                if let Some(log) = self.callbacks.get(contact) {
                    // Every callback closes through its completion record, just before.
                    let Some(end) = self.completing.remove(contact) else {
                        return Err(format!(
                            "callback {contact} closed {pair:?} without a CallbackCompleted"
                        ));
                    };
                    callback_closure_fits(
                        self.input.as_ref(),
                        *contact,
                        end,
                        pair,
                        disposition,
                        log.last_counted_minor,
                        log.expired,
                    )?;
                } else {
                    closure_fits_cause(
                        self.input.as_ref(),
                        *contact,
                        pair,
                        disposition,
                        self.scheduled_from.contains(contact),
                    )
                    .map_err(|e| format!("contact {contact}: {e}"))?;
                }
                self.excluded.retain(|(c, _), _| c != contact);
            }
            Event::OfferCreated {
                offer,
                contact,
                agent,
                ..
            } => {
                if !self.offers.insert(*offer) {
                    return Err(format!("offer id {offer} created twice"));
                }
                let transfer = matches!(
                    self.input,
                    Some(Command::Transfer {
                        target: TransferTarget::Agent(_),
                        ..
                    })
                );
                if let Some(until) = self.excluded.get(&(*contact, agent.clone()))
                    && !transfer
                {
                    return Err(format!(
                        "{contact} offered to {agent}, who refused it and is excluded until {until} (docs/engine.md, Offers and refusals)"
                    ));
                }
            }
            Event::ExclusionEnded { contact, agent } => {
                self.excluded.remove(&(*contact, agent.clone()));
            }
            Event::ContactConnected { contact, .. } => {
                self.excluded.retain(|(c, _), _| c != contact);
            }
            Event::AgentConfigured { agent } => {
                self.shown
                    .entry(agent.id.clone())
                    .or_insert((AgentState::Offline, None));
            }
            Event::AgentRemoved { agent } => {
                self.shown.remove(agent);
            }
            Event::AgentStateChanged {
                agent,
                state,
                reason,
                ..
            } => {
                let now = (*state, reason.clone());
                if self.shown.get(agent) == Some(&now) {
                    return Err(format!(
                        "agent {agent} state changed to {state} {reason:?}, which it already showed"
                    ));
                }
                self.shown.insert(agent.clone(), now);
            }
            Event::OfferRefused { offer, reason, .. } => {
                self.refusals += 1;
                let name = reason.as_str();
                if !REFUSAL_NAMES.contains(&name)
                    || !RefusalReason::VARIANTS.iter().any(|r| r.as_str() == name)
                    || RefusalReason::parse(name) != Some(*reason)
                {
                    return Err(format!(
                        "refusal reason {name:?} is not one of docs/engine.md, Offers and refusals"
                    ));
                }
                let serialized = serde_json::to_value(reason).map_err(|e| e.to_string())?;
                if serialized != serde_json::Value::String(name.to_string()) {
                    return Err(format!(
                        "refusal reason {name:?} serializes as {serialized}"
                    ));
                }
                *self.refusals_by_reason.entry(name.to_string()).or_insert(0) += 1;
                if let Event::OfferRefused {
                    contact,
                    agent,
                    excluded_until,
                    ..
                } = event
                    && *excluded_until > self.clock
                {
                    self.excluded
                        .insert((*contact, agent.clone()), *excluded_until);
                }
                if let Some(offer) = offer
                    && !self.offers.contains(offer)
                {
                    return Err(format!("refusal of never-created offer {offer}"));
                }
            }
            Event::WrapUpStarted {
                contact,
                agent,
                detached: true,
                ..
            } => {
                self.detached.insert((*contact, agent.clone()));
            }
            Event::WrapUpCompleted { contact, agent, .. }
            | Event::ContactReleased { contact, agent } => {
                self.detached.remove(&(*contact, agent.clone()));
            }
            _ => {}
        }
        self.observe_callback(event)
    }

    /// A callback is created as its command asked (docs/callbacks.md, Creation): the queue
    /// (by default the contact's, else the agent's first that takes callbacks), due no
    /// earlier than now, expiring at the earlier of max age and window end, reserved until
    /// due + the fallback delay.
    pub fn check_creation(&self, event: &Event) -> Check {
        let Event::CallbackCreated {
            contact: id,
            queue: created_in,
            due: created_due,
            reserved,
            expires,
            ..
        } = event
        else {
            return Ok(());
        };
        let now = self.clock;
        let (queue, due, window_end, reserve) = match &self.input {
            Some(Command::CreateCallback {
                queue,
                due,
                window_end,
                agent,
                ..
            }) => (Some(queue.clone()), *due, *window_end, agent.clone()),
            Some(Command::ScheduleCallback {
                agent,
                contact,
                queue,
                due,
                window_end,
                reserve,
                ..
            }) => {
                // A transferred contact's wrap-up keeps the queue the agent handled it in,
                // which the views no longer show: no expectation then.
                if contact.is_some_and(|c| self.detached.contains(&(c, agent.clone()))) {
                    return Ok(());
                }
                let from = contact
                    .and_then(|c| self.engine.contact_view(c))
                    .map(|c| c.queue);
                let first = self
                    .engine
                    .agent_configs()
                    .find(|a| &a.id == agent)
                    .and_then(|a| {
                        a.queues
                            .iter()
                            .find(|s| self.callback_queues.contains_key(&s.queue))
                            .map(|s| s.queue.clone())
                    });
                let queue = queue.clone().or(from).or(first);
                (
                    queue,
                    Some(*due),
                    *window_end,
                    reserve.then(|| agent.clone()),
                )
            }
            // Issue 13: a dropped call rescheduled after its queue's reschedule_dropped_ms.
            Some(
                Command::Abandon { .. }
                | Command::Connector(ConnectorEvent::Hangup {
                    reason: HangupReason::Ended,
                    ..
                }),
            ) => {
                let after = self
                    .engine
                    .queue_configs()
                    .find(|q| &q.id == created_in)
                    .and_then(|q| q.reschedule_dropped_ms)
                    .ok_or_else(|| {
                        format!("callback {id} rescheduled in {created_in}, which does not")
                    })?;
                (
                    Some(created_in.clone()),
                    Some(now.plus_ms(after)),
                    None,
                    None,
                )
            }
            _ => (None, None, None, None),
        };
        let Some(settings) = self.callback_queues.get(created_in).map(|q| &q.settings) else {
            return Err(format!(
                "callback {id} created in {created_in} without callbacks"
            ));
        };
        let expected_due = due.unwrap_or(now).max(now);
        let max_age = settings.max_age_ms.map(|ms| now.plus_ms(ms));
        let expected_expires = match (max_age, window_end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let expected_reserved =
            reserve.map(|a| (a, expected_due.plus_ms(settings.reserved_fallback_ms)));
        if queue.as_ref().is_some_and(|q| q != created_in)
            || *created_due != expected_due
            || *expires != expected_expires
            || *reserved != expected_reserved
        {
            return Err(format!(
                "callback {id} created in {created_in} due {created_due} expires {expires:?} reserved {reserved:?}; asked for {queue:?} due {expected_due} expires {expected_expires:?} reserved {expected_reserved:?}"
            ));
        }
        Ok(())
    }

    /// Per-event checks and recounts of the callback process (docs/callbacks.md).
    pub fn observe_callback(&mut self, event: &Event) -> Check {
        let at = self.clock;
        // The open callback an event is about.
        let open = |h: &mut Self, contact: &ContactId| -> Result<(), String> {
            match h.callbacks.get(contact) {
                None => Err(format!(
                    "callback event about {contact}, not a callback: {event}"
                )),
                Some(log) if log.end.is_some() => Err(format!(
                    "callback event about {contact} after it completed: {event}"
                )),
                Some(_) => Ok(()),
            }
        };
        match event {
            Event::QueueConfigured { queue } => match &queue.callbacks {
                Some(settings) => {
                    let (schedule, shift) = settings.compile("callbacks").map_err(|e| {
                        format!("accepted queue {} has bad callbacks: {e}", queue.id)
                    })?;
                    let log = self
                        .callback_queues
                        .entry(queue.id.clone())
                        .or_insert_with(|| QueueLog {
                            settings: settings.clone(),
                            schedule: schedule.clone(),
                            shift,
                            status: None,
                            counters: CallbackCounters::default(),
                        });
                    log.settings = settings.clone();
                    log.schedule = schedule;
                    log.shift = shift;
                }
                None => {
                    self.callback_queues.remove(&queue.id);
                }
            },
            Event::QueueRemoved { queue } => {
                self.callback_queues.remove(queue);
            }
            Event::CallbackStatusChanged { queue, status, .. } => {
                let log = self
                    .callback_queues
                    .get_mut(queue)
                    .ok_or_else(|| format!("CLBK Stat of {queue}, which takes no callbacks"))?;
                if log.status == Some(CallbackStatus::Active) && *status != CallbackStatus::Active {
                    self.left_active.insert(queue.clone());
                }
                log.status = Some(*status);
            }
            Event::ShiftStarted { queue, .. } => {
                let log = self
                    .callback_queues
                    .get_mut(queue)
                    .ok_or_else(|| format!("shift of {queue}, which takes no callbacks"))?;
                log.counters = CallbackCounters::default();
            }
            Event::CallbackCreated {
                contact,
                queue,
                from_contact,
                origin,
                reserved,
                expires,
                entrance,
                ..
            } => {
                if self.callbacks.contains_key(contact) {
                    return Err(format!("callback {contact} created twice"));
                }
                if !self.callback_queues.contains_key(queue) {
                    return Err(format!(
                        "callback {contact} created in {queue}, which takes no callbacks"
                    ));
                }
                self.callbacks.insert(
                    *contact,
                    CallbackLog {
                        queue: queue.clone(),
                        counted: 0,
                        reached: false,
                        open_attempt: None,
                        last_no: 0,
                        last_counted_minor: None,
                        status: None,
                        answered: None,
                        end: None,
                        reserved: reserved.clone(),
                        reserved_at: at,
                        expires: *expires,
                        expired: false,
                    },
                );
                if let Some(from) = from_contact {
                    self.scheduled_from.insert(*from);
                }
                self.check_creation(event)?;
                // A customer's callback keeps the call's place in the queue (docs/callbacks.md,
                // Creation).
                if let Some(Command::ChooseCallback { contact: call, .. }) = &self.input
                    && *origin == CallbackOrigin::Customer
                    && self.entrances.get(call) != Some(entrance)
                {
                    return Err(format!(
                        "callback {contact} chosen from {call} enters at {entrance}, the call at {:?}",
                        self.entrances.get(call)
                    ));
                }
                self.entrances.insert(*contact, *entrance);
            }
            Event::ContactQueued {
                contact, entrance, ..
            } => {
                self.entrances.insert(*contact, *entrance);
            }
            Event::OfferCreated { contact, agent, .. } => {
                if let Some((reserved, until)) = self
                    .callbacks
                    .get(contact)
                    .and_then(|log| log.reserved.as_ref())
                    && reserved != agent
                {
                    return Err(format!(
                        "callback {contact} reserved for {reserved} until {until} offered to {agent}"
                    ));
                }
            }
            Event::ReservationEnded { contact } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                // At its end, or at once if that had passed when it was made.
                match log.reserved.take() {
                    Some((_, until)) if until.max(log.reserved_at) == at => {}
                    other => {
                        return Err(format!(
                            "callback {contact} reservation ended at {at}, reserved {other:?}"
                        ));
                    }
                }
            }
            Event::CallbackExpired { contact } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if log.expired || log.expires != Some(at) {
                    return Err(format!(
                        "callback {contact} expired at {at}; expires {:?}, expired before: {}",
                        log.expires, log.expired
                    ));
                }
                log.expired = true;
            }
            Event::ContactStateChanged {
                contact,
                answered_by: Some(by),
                ..
            } => {
                if let Some(log) = self.callbacks.get_mut(contact) {
                    if log.open_attempt.is_none() {
                        return Err(format!("callback {contact} answered outside an attempt"));
                    }
                    log.answered = Some(*by);
                    log.reached |= *by == AnsweredBy::Live;
                }
            }
            Event::AttemptStarted {
                contact, attempt, ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if log.open_attempt.is_some() || *attempt != log.last_no + 1 {
                    return Err(format!(
                        "callback {contact} attempt {attempt} started; open {:?}, last {}",
                        log.open_attempt, log.last_no
                    ));
                }
                log.open_attempt = Some(*attempt);
                log.last_no = *attempt;
                log.status = None;
                log.answered = None;
            }
            Event::AttemptDialing { contact, .. } => {
                open(self, contact)?;
                if self.callbacks[contact].open_attempt.is_none() {
                    return Err(format!("callback {contact} dials outside an attempt"));
                }
            }
            Event::CompletionStatusSet {
                contact, status, ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if log.open_attempt.is_none() {
                    return Err(format!(
                        "callback {contact} completion set outside an attempt"
                    ));
                }
                log.status = Some(status.clone());
            }
            Event::AttemptEnded {
                contact,
                attempt,
                agent,
                state,
                minor,
                counted,
                dial_started,
                ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                // docs/callbacks.md, Attempts: only the dial outcomes count (Answering
                // Machine, No Answer, Busy, …); never Aborted or Cancel.
                let counts = outcome_of(*state).is_some();
                if *counted != counts {
                    return Err(format!(
                        "callback {contact} attempt {attempt} {} counted = {counted}",
                        state.as_str()
                    ));
                }
                let expected_minor = match state {
                    AttemptState::AnsweringMachine => 2,
                    AttemptState::Busy => 3,
                    AttemptState::Fax => 4,
                    AttemptState::Modem => 5,
                    AttemptState::NoAnswer => 6,
                    AttemptState::Sit => 8,
                    AttemptState::InvalidNumber => 9,
                    AttemptState::WrongDestination | AttemptState::WrongParty => 13,
                    _ => 0,
                };
                if minor.0 != expected_minor {
                    return Err(format!(
                        "callback {contact} attempt {} records minor {}",
                        state.as_str(),
                        minor.0
                    ));
                }
                match state {
                    // Taken out of the queue by the schedule or a stop: no agent had it.
                    AttemptState::Aborted => {
                        if !self.left_active.contains(&log.queue) {
                            return Err(format!(
                                "callback {contact} attempt Aborted while {} stays Active",
                                log.queue
                            ));
                        }
                        if log.open_attempt.is_some()
                            || *attempt != log.last_no + 1
                            || agent.is_some()
                            || dial_started.is_some()
                        {
                            return Err(format!(
                                "callback {contact} Aborted attempt {attempt} by {agent:?}; open {:?}, last {}",
                                log.open_attempt, log.last_no
                            ));
                        }
                        log.last_no = *attempt;
                    }
                    _ => {
                        if log.open_attempt != Some(*attempt) {
                            return Err(format!(
                                "callback {contact} attempt {attempt} ended; open {:?}",
                                log.open_attempt
                            ));
                        }
                        // The status set, else what the dial's answer implies (docs/callbacks.md,
                        // Attempts).
                        let expected = match (&log.status, log.answered) {
                            (Some(status), _) => attempt_state_of(status),
                            (None, Some(AnsweredBy::Live)) => AttemptState::Handled,
                            (None, Some(AnsweredBy::Machine)) => AttemptState::AnsweringMachine,
                            (None, None) => AttemptState::NoAnswer,
                        };
                        if *state != expected && *state != AttemptState::Error {
                            return Err(format!(
                                "callback {contact} attempt {attempt} ended {} but its status says {}",
                                state.as_str(),
                                expected.as_str()
                            ));
                        }
                    }
                }
                // An expired callback completes (57) instead of being rescheduled.
                if *state == AttemptState::CallbackRequested
                    && !log.expired
                    && let Some(CompletionStatus::CallbackRequested { due, agent }) = &log.status
                {
                    self.after_requested = Some((*contact, *due, agent.clone()));
                }
                log.open_attempt = None;
                log.status = None;
                log.answered = None;
                log.last_counted_minor = counts.then_some(minor.0);
                let queue = log.queue.clone();
                if counts {
                    log.counted += 1;
                    let n = log.counted;
                    let q = self
                        .callback_queues
                        .get(&queue)
                        .ok_or_else(|| format!("callback {contact} in {queue}, no callbacks"))?;
                    let limit = q.settings.attempts_before_failure;
                    if n > limit {
                        return Err(format!(
                            "callback {contact}: {n} counted attempts, over the limit {limit}"
                        ));
                    }
                    // The queue's end_callback_on ends it at once, like the limit.
                    let ends =
                        outcome_of(*state).is_some_and(|o| q.settings.end_callback_on.contains(&o));
                    let due =
                        (n < limit && !ends).then(|| at.plus_ms(recall_interval(&q.settings, n)));
                    self.after_counted = Some((*contact, due));
                }
                if let Some(started) = dial_started {
                    let q = self
                        .callback_queues
                        .get_mut(&queue)
                        .ok_or_else(|| format!("callback {contact} in {queue}, no callbacks"))?;
                    q.counters.handle_ms_total += at.since(*started);
                    q.counters.handle_count += 1;
                }
            }
            Event::CallbackPending {
                contact,
                due,
                reserved,
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                log.reserved = reserved.clone();
                log.reserved_at = at;
                if let Some((c, requested, agent)) = self.after_requested.take() {
                    let fallback = self
                        .callback_queues
                        .get(&self.callbacks[&c].queue)
                        .map_or(0, |q| q.settings.reserved_fallback_ms);
                    let expected = agent.map(|a| (a, requested.plus_ms(fallback)));
                    if c != *contact || requested != *due || expected != *reserved {
                        return Err(format!(
                            "callback {c}: Callback Requested for {requested} reserved {expected:?}; got {contact} Pending until {due} reserved {reserved:?}"
                        ));
                    }
                }
                if let Some((c, expected)) = self.after_counted.take()
                    && (c != *contact || expected != Some(*due))
                {
                    return Err(format!(
                        "callback {c}: after a counted attempt, expected a recall at {expected:?}; got {contact} Pending until {due}"
                    ));
                }
            }
            Event::CallbackCompleted {
                contact,
                queue,
                end,
                attempts,
                reached,
                ..
            } => {
                open(self, contact)?;
                let log = self.callbacks.get_mut(contact).expect("checked");
                if let Some((c, due)) = self.after_counted.take() {
                    let fits = c == *contact
                        && match due {
                            None => *end == CallbackEnd::Failed,
                            Some(_) => *end == CallbackEnd::Expired,
                        };
                    if !fits {
                        return Err(format!(
                            "callback {c}: after a counted attempt (recall {due:?}), {contact} completed {}",
                            end.as_str()
                        ));
                    }
                } else if *end == CallbackEnd::Failed {
                    return Err(format!(
                        "callback {contact} Failed right after no counted attempt"
                    ));
                }
                // (An expired callback with an agent may still complete otherwise.)
                if *end == CallbackEnd::Expired && !log.expired {
                    return Err(format!(
                        "callback {contact} completed Expired before its expiry"
                    ));
                }
                if log.open_attempt.is_some()
                    || *queue != log.queue
                    || *attempts != log.counted
                    || *reached != log.reached
                {
                    return Err(format!(
                        "callback {contact} completed in {queue} after {attempts} attempts, reached {reached}; events say {log:?}"
                    ));
                }
                log.end = Some(*end);
                self.completing.insert(*contact, *end);
                let q = self.callback_queues.get_mut(queue).ok_or_else(|| {
                    format!("callback {contact} completed in {queue}, no callbacks")
                })?;
                if *end == CallbackEnd::Purged {
                    q.counters.purged += 1;
                } else {
                    q.counters.processed += 1;
                    q.counters.reached += u64::from(*reached);
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub fn observe_request(&self, request: &ConnectorRequest) -> Check {
        let (offer, contact) = match request {
            ConnectorRequest::Deliver { offer, contact, .. } => (Some(*offer), *contact),
            ConnectorRequest::CancelDelivery { offer, contact, .. } => (Some(*offer), *contact),
            ConnectorRequest::Dial { contact, .. } | ConnectorRequest::StopDial { contact, .. } => {
                (None, *contact)
            }
        };
        if let Some(offer) = offer
            && !self.offers.contains(&offer)
        {
            return Err(format!("connector request for never-created offer {offer}"));
        }
        if !self.arrived.contains(&contact) {
            return Err(format!("connector request for unknown contact {contact}"));
        }
        let live = matches!(
            request,
            ConnectorRequest::Deliver { .. } | ConnectorRequest::Dial { .. }
        );
        if live && self.closed.contains_key(&contact) {
            return Err(format!("{request} for closed contact {contact}"));
        }
        Ok(())
    }

    /// Everything checked after every input.
    pub fn check(&self) -> Check {
        let e = &self.engine;
        e.check_invariants()
            .map_err(|v| format!("check_invariants: {v}"))?;

        // --- agents, from the views ---
        let agents: Vec<AgentView> = e.agent_views().collect();
        for a in &agents {
            let id = &a.id;
            if a.used_units > 100 {
                return Err(format!("agent {id} uses {} units", a.used_units));
            }
            match a.state {
                AgentState::Offered if a.offer.is_none() || !a.contacts.is_empty() => {
                    return Err(format!(
                        "agent {id} Offered with offer {:?} and contacts {:?}",
                        a.offer, a.contacts
                    ));
                }
                AgentState::Busy if a.contacts.is_empty() => {
                    return Err(format!("agent {id} Busy without contacts"));
                }
                s if s.is_pending() && a.contacts.is_empty() => {
                    return Err(format!("agent {id} {s} without contacts"));
                }
                _ => {}
            }
            if (a.state == AgentState::Offline) != a.station.is_none() {
                return Err(format!("agent {id} {} at station {:?}", a.state, a.station));
            }
            if a.station.is_none() && (a.offer.is_some() || !a.contacts.is_empty()) {
                return Err(format!("agent {id} offline with work"));
            }
            if let Some(offer) = a.offer {
                let o = e
                    .offer_view(offer)
                    .ok_or_else(|| format!("agent {id} holds unknown offer {offer}"))?;
                if &o.agent != id {
                    return Err(format!("agent {id} holds {offer} of {}", o.agent));
                }
                let c = e
                    .contact_view(o.contact)
                    .ok_or_else(|| format!("offer {offer} is for closed {}", o.contact))?;
                if c.state != ContactState::Offered || !c.offers.contains(&offer) {
                    return Err(format!(
                        "offer {offer} open but {} is {} with offers {:?}",
                        c.id, c.state, c.offers
                    ));
                }
            }
            for (contact, state) in &a.contacts {
                if *state == ContactState::WrapUp {
                    continue; // may be a transferred contact's wrap-up
                }
                let c = e.contact_view(*contact).ok_or_else(|| {
                    format!("agent {id} holds closed contact {contact} ({state})")
                })?;
                if c.agent.as_ref() != Some(id) || c.state != *state {
                    return Err(format!(
                        "agent {id} holds {contact} as {state}, contact says {} with {:?}",
                        c.state, c.agent
                    ));
                }
            }
        }

        // The AgentStateChanged stream (what reports and the monitor see) matches the views.
        if agents.len() != self.shown.len() {
            return Err(format!(
                "{} agents, {} known from events",
                agents.len(),
                self.shown.len()
            ));
        }
        for a in &agents {
            let from_events = self.shown.get(&a.id);
            if from_events != Some(&(a.state, a.reason.clone())) {
                return Err(format!(
                    "agent {} shows {} {:?} but its events say {from_events:?}",
                    a.id, a.state, a.reason
                ));
            }
        }

        // --- contacts ---
        let mut open = 0u64;
        for c in e.contact_views() {
            open += 1;
            if !self.arrived.contains(&c.id) {
                return Err(format!("open contact {} never arrived", c.id));
            }
            if c.offers.len() > 3 {
                return Err(format!(
                    "contact {} offered to {} agents; no fan-out is above 3",
                    c.id,
                    c.offers.len()
                ));
            }
            if (c.state == ContactState::Offered) == c.offers.is_empty() {
                return Err(format!(
                    "contact {} {} with offers {:?}",
                    c.id, c.state, c.offers
                ));
            }
            for offer in &c.offers {
                let o = e
                    .offer_view(*offer)
                    .ok_or_else(|| format!("contact {} names unknown offer {offer}", c.id))?;
                if o.contact != c.id || e.agent_offer(&o.agent) != Some(*offer) {
                    return Err(format!("offer {offer} of {} not held by {}", c.id, o.agent));
                }
            }
            if let Some(agent) = &c.agent {
                let held = agents
                    .iter()
                    .find(|a| &a.id == agent)
                    .is_some_and(|a| a.contacts.contains(&(c.id, c.state)));
                if !held {
                    return Err(format!(
                        "contact {} says {} holds it, it does not",
                        c.id, agent
                    ));
                }
            }
        }
        for id in &self.arrived {
            let is_open = e.contact_view(*id).is_some();
            let closes = self.closed.get(id).copied().unwrap_or(0);
            match (is_open, closes) {
                (true, 0) | (false, 1) => {}
                (true, n) => return Err(format!("contact {id} is open and closed {n} time(s)")),
                (false, n) => {
                    return Err(format!(
                        "contact {id} is gone after {n} ContactClosed events"
                    ));
                }
            }
        }

        // --- queues and routing ---
        let members = |queue: &QueueId| -> Vec<AgentId> {
            e.agent_configs()
                .filter(|a| a.queues.iter().any(|s| &s.queue == queue))
                .map(|a| a.id.clone())
                .collect()
        };
        for q in e.queue_views() {
            let members = members(&q.id);
            let staffed = agents
                .iter()
                .filter(|a| a.station.is_some() && members.contains(&a.id))
                .count();
            // A Pending callback shows Queued but waits outside the queue (docs/callbacks.md,
            // Where it is).
            let waiting: Vec<ContactId> = e
                .contact_views()
                .filter(|c| c.queue == q.id && c.state == ContactState::Queued)
                .filter(|c| {
                    e.callback_view(c.id)
                        .is_none_or(|v| v.location != CallbackLocation::Pending)
                })
                .map(|c| c.id)
                .collect();
            if q.agents_staffed as usize != staffed
                || q.waiting != waiting.len()
                || q.agents_available > staffed
            {
                return Err(format!(
                    "queue {} says waiting {} available {} staffed {}; views: waiting {}, staffed {staffed}",
                    q.id,
                    q.waiting,
                    q.agents_available,
                    q.agents_staffed,
                    waiting.len()
                ));
            }
            // Work conservation: an idle Ready member is never left alone with a waiting
            // contact it is not kept from (refusal exclusion, a callback reserved for another
            // agent). Routing looks at the first 32 waiting contacts only; the generated
            // worlds stay below that.
            for a in agents.iter().filter(|a| {
                a.state == AgentState::Ready && members.contains(&a.id) && waiting.len() <= 32
            }) {
                let reserved_for_another = |c: ContactId| {
                    e.callback_view(c)
                        .and_then(|v| v.reserved_for)
                        .is_some_and(|r| r != a.id)
                };
                if let Some(c) = waiting
                    .iter()
                    .find(|c| !e.exclusions(**c).contains(&a.id) && !reserved_for_another(**c))
                {
                    return Err(format!(
                        "{c} waits in {} while member {} is Ready and idle",
                        q.id, a.id
                    ));
                }
            }
        }

        // --- counters ---
        let s = e.stats();
        let closed = self.closed.len() as u64;
        if s.contacts_arrived != self.arrived_events
            || self.arrived_events != self.arrived.len() as u64
            || s.contacts_arrived != open + closed
            || e.open_contacts() as u64 != open
        {
            return Err(format!(
                "arrivals: stats {}, events {}, ids {}, open {open} (engine {}) + closed {closed}",
                s.contacts_arrived,
                self.arrived_events,
                self.arrived.len(),
                e.open_contacts()
            ));
        }
        if s.contacts_closed != self.closed_events {
            return Err(format!(
                "stats closed {} != ContactClosed events {}",
                s.contacts_closed, self.closed_events
            ));
        }
        if s.offers_created != self.offers.len() as u64 {
            return Err(format!(
                "stats offers {} != OfferCreated events {}",
                s.offers_created,
                self.offers.len()
            ));
        }
        if s.refusals != self.refusals || s.refusals_by_reason != self.refusals_by_reason {
            return Err(format!(
                "refusals: stats {} {:?}, events {} {:?}",
                s.refusals, s.refusals_by_reason, self.refusals, self.refusals_by_reason
            ));
        }
        if let Some(name) = s
            .refusals_by_reason
            .keys()
            .find(|k| !REFUSAL_NAMES.contains(&k.as_str()))
        {
            return Err(format!(
                "stats count a refusal reason {name:?} not in docs/engine.md, Offers and refusals"
            ));
        }
        self.check_callbacks()
    }

    /// The callback process as the views show it, against the events (docs/callbacks.md,
    /// issue 3).
    pub fn check_callbacks(&self) -> Check {
        let e = &self.engine;
        let now = e.now();
        let views = e.callback_views(None, None);
        // Every open callback is listed once, in exactly one location; completed ones are gone.
        let listed: BTreeSet<ContactId> = views.iter().map(|v| v.id).collect();
        let open: BTreeSet<ContactId> = self
            .callbacks
            .iter()
            .filter(|(_, log)| log.end.is_none())
            .map(|(c, _)| *c)
            .collect();
        if listed.len() != views.len() || listed != open {
            return Err(format!(
                "callback views list {:?}, the events say {open:?} are open",
                views.iter().map(|v| v.id).collect::<Vec<_>>()
            ));
        }
        let mut locations: BTreeMap<ContactId, Vec<CallbackLocation>> = BTreeMap::new();
        for location in [
            CallbackLocation::Pending,
            CallbackLocation::HandlingByBusinessProcess,
            CallbackLocation::HandlingByAgent,
            CallbackLocation::Completed,
        ] {
            for v in e.callback_views(None, Some(location)) {
                if v.location != location {
                    return Err(format!(
                        "callback {} listed under {} is {}",
                        v.id,
                        location.as_str(),
                        v.location.as_str()
                    ));
                }
                locations.entry(v.id).or_default().push(location);
            }
        }
        for (id, log) in &self.callbacks {
            let view = e.callback_view(*id);
            match (&log.end, &view) {
                (Some(end), Some(_)) => {
                    return Err(format!(
                        "callback {id} completed {} but still shown",
                        end.as_str()
                    ));
                }
                (None, None) => return Err(format!("open callback {id} has no view")),
                _ => {}
            }
            if let Some(v) = view
                && locations.get(id).map(Vec::as_slice) != Some(&[v.location])
            {
                return Err(format!(
                    "callback {id} is {} but listed under {:?}",
                    v.location.as_str(),
                    locations.get(id)
                ));
            }
        }
        for v in &views {
            let id = v.id;
            let log = &self.callbacks[&id];
            let q = self
                .callback_queues
                .get(&v.queue)
                .ok_or_else(|| format!("callback {id} in {}, which takes no callbacks", v.queue))?;
            let limit = q.settings.attempts_before_failure;
            if v.reserved_for != log.reserved.as_ref().map(|(a, _)| a.clone())
                || v.expires != log.expires
            {
                return Err(format!(
                    "callback {id} reserved for {:?}, expires {:?}; its events say {:?}, {:?}",
                    v.reserved_for, v.expires, log.reserved, log.expires
                ));
            }
            if v.queue != log.queue || v.attempts != log.counted || v.attempts > limit {
                return Err(format!(
                    "callback {id} in {} with {} attempts (limit {limit}); its events say {} in {}",
                    v.queue, v.attempts, log.counted, log.queue
                ));
            }
            let c = e
                .contact_view(id)
                .ok_or_else(|| format!("callback {id} has no contact"))?;
            if c.channel != Channel::Callback || c.queue != v.queue {
                return Err(format!(
                    "callback {id} is a {} contact in {}",
                    c.channel, c.queue
                ));
            }
            let status = e.callback_monitor(&v.queue).map(|m| m.status);
            match v.location {
                CallbackLocation::Pending | CallbackLocation::HandlingByBusinessProcess => {
                    if c.state != ContactState::Queued || c.agent.is_some() || v.agent.is_some() {
                        return Err(format!(
                            "callback {id} {} but the contact is {} with {:?}",
                            v.location.as_str(),
                            c.state,
                            c.agent
                        ));
                    }
                }
                CallbackLocation::HandlingByAgent => {
                    if c.state == ContactState::Queued
                        || (c.state != ContactState::Offered && c.agent.is_none())
                        || v.agent != c.agent
                    {
                        return Err(format!(
                            "callback {id} HandlingByAgent {:?} but the contact is {} with {:?}",
                            v.agent, c.state, c.agent
                        ));
                    }
                }
                CallbackLocation::Completed => {
                    return Err(format!("open callback {id} shown Completed"));
                }
            }
            // docs/callbacks.md, Supervisor actions (Expiry): an expired callback completes (57);
            // only an agent's attempt may finish first.
            if log.expired && v.location.to_be_processed() {
                return Err(format!(
                    "callback {id} expired at {:?} but is {} again",
                    log.expires,
                    v.location.as_str()
                ));
            }
            // Only an Active queue holds callbacks, and it holds every due one (docs/callbacks.md,
            // Schedule and CLBK Stat).
            if v.location == CallbackLocation::HandlingByBusinessProcess
                && status != Some(CallbackStatus::Active)
            {
                return Err(format!(
                    "callback {id} waits in {} whose callbacks are {status:?}",
                    v.queue
                ));
            }
            if v.location == CallbackLocation::Pending
                && status == Some(CallbackStatus::Active)
                && v.due <= now
            {
                return Err(format!(
                    "callback {id} Pending until {} in Active {} at {now}: it is due",
                    v.due, v.queue
                ));
            }
        }
        // The supervisor columns of each queue.
        let monitored: BTreeSet<QueueId> = e
            .queue_views()
            .filter(|q| e.callback_monitor(&q.id).is_some())
            .map(|q| q.id)
            .collect();
        let known: BTreeSet<QueueId> = self.callback_queues.keys().cloned().collect();
        if monitored != known {
            return Err(format!(
                "callback monitors for {monitored:?}, queues configured with callbacks {known:?}"
            ));
        }
        for (queue, q) in &self.callback_queues {
            let m = e.callback_monitor(queue).expect("checked");
            if Some(m.status) != q.status {
                return Err(format!(
                    "{queue}: CLBK Stat {} but the last CallbackStatusChanged says {:?}",
                    m.status.as_str(),
                    q.status
                ));
            }
            let scheduled = if q.schedule.is_open(now) {
                CallbackStatus::Active
            } else {
                CallbackStatus::OffScheduleHrs
            };
            if m.status != CallbackStatus::Stopped && m.status != scheduled {
                return Err(format!(
                    "{queue}: CLBK Stat {} at {} ({now}), the schedule says {}",
                    m.status.as_str(),
                    q.schedule.show(now),
                    scheduled.as_str()
                ));
            }
            let shift = q.schedule.last_daily(now, q.shift);
            if Some(m.shift_since) != shift {
                return Err(format!(
                    "{queue}: shift since {} ({}), the last {} was {shift:?}",
                    m.shift_since,
                    q.schedule.show(m.shift_since),
                    q.settings.shift_start
                ));
            }
            if m.counters != q.counters {
                return Err(format!(
                    "{queue}: shift counters {:?}, recounted from the events {:?}",
                    m.counters, q.counters
                ));
            }
            let to_be = views
                .iter()
                .filter(|v| &v.queue == queue && v.location.to_be_processed())
                .count() as u64;
            let c = &q.counters;
            let pct = (c.processed > 0).then(|| c.reached as f64 * 100.0 / c.processed as f64);
            if m.to_be_processed != to_be
                || m.processed != c.processed
                || m.purged != c.purged
                || m.avg_handle_ms != c.handle_ms_total.checked_div(c.handle_count)
                || m.pct_reached != pct
                || m.pct_fail != pct.map(|p| 100.0 - p)
            {
                return Err(format!(
                    "{queue}: monitor {m:?}; {to_be} callbacks Pending or queued, counters {c:?}"
                ));
            }
        }
        Ok(())
    }
}
