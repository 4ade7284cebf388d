//! The simulated people: customers, agents and the telephony connector, as a scenario
//! describes them (docs/simulation.md, "What is simulated").
//!
//! This is the one model of their behaviour. It answers the questions a driver asks when
//! something happens — when does the next customer of a queue arrive, how long will this one
//! wait, does a waiting customer take a callback, what does an agent do with an offer, how
//! long do handling and wrap-up take, how does the connector report a dial — and leaves the
//! rest to the driver. Two drivers play it: the simulator ([`crate::run`]) on a virtual clock
//! against the engine directly, and `switchboard demo` in real time over the server's
//! command path. Every number comes from the driver's [`Sampler`], one draw after another in
//! the order the people act, so a seed repeats a simulator run byte for byte.
//!
//! The model decides nothing the engine decides (routing, refusals, closures, callbacks):
//! its answers become commands that the engine judges.

mod sample;

pub use sample::{Draw, Sampler, seconds_to_ms};

use crate::scenario::{DialOutcomes, HORIZON_MS, Scenario};
use rand_distr::Exp;
use strum::VariantArray;
use switchboard_core::QueueId;
use switchboard_core::callback::DialOutcome;
use switchboard_core::model::{AnsweredBy, Channel, DeliveryFailure};

/// How long a dialed customer's phone rings before the connector reports the outcome.
pub const RING_MS: i64 = 5_000;
/// How long an agent talks to an answering machine before ending the call.
pub const MACHINE_MS: i64 = 20_000;

/// The customers of one queue of the scenario, by its position there.
#[derive(Debug, Clone)]
pub struct QueuePeople {
    pub id: QueueId,
    pub channel: Channel,
    /// Inter-arrival gaps in milliseconds (Poisson arrivals); `None`: nobody arrives.
    arrival: Option<Exp<f64>>,
    handle: Draw,
    patience: Option<Draw>,
    wrap: Draw,
    takes_callbacks: bool,
}

/// What an agent does with an offer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OfferReply {
    /// Refuses it after a while (`refuse`: the engine records Declined).
    Refuse { after_ms: i64 },
    /// Misses it: the engine's offer time-out records NoAnswer.
    Miss,
    /// The connector cannot ring the agent's station and reports it after a while.
    LegFail {
        after_ms: i64,
        failure: DeliveryFailure,
    },
    /// Takes it after a while.
    Accept { after_ms: i64 },
}

/// How the connector's dial of a customer (a callback attempt) ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DialReply {
    /// Answered after [`RING_MS`], live or by a machine.
    Answered(AnsweredBy),
    /// Nobody answers: the engine's Duration For No Answer ends the attempt.
    NoAnswer,
    /// The connector reports this outcome after [`RING_MS`] (busy, fax, invalid number…).
    Reported(DialOutcome),
    /// Answered live after [`RING_MS`] by the wrong person: the agent sets the attempt's
    /// completion status to Wrong Destination a moment later.
    WrongDestination,
}

/// The scenario's people, made ready for a run (no map walks or string compares per offer).
#[derive(Debug, Clone)]
pub struct People {
    pub queues: Vec<QueuePeople>,
    accept: Draw,
    decline_probability: f64,
    no_answer_probability: f64,
    /// `behaviour.connector_failures` in the map's order, the reason looked up once.
    connector_failures: Vec<(f64, DeliveryFailure)>,
    /// `offer_after_wait_seconds` in ms, when customers are offered callbacks.
    callback_offer_after_ms: Option<i64>,
    callback_accept_probability: f64,
    dial_outcomes: DialOutcomes,
}

impl People {
    pub fn new(scenario: &Scenario) -> People {
        let b = &scenario.behaviour;
        let queues = scenario
            .queues
            .iter()
            .map(|q| QueuePeople {
                id: QueueId::new(&q.id),
                channel: q.channel,
                arrival: (q.arrivals_per_hour > 0.0)
                    .then(|| Exp::new(q.arrivals_per_hour / 3_600_000.0).ok())
                    .flatten(),
                handle: Draw::new(&q.handle_seconds),
                patience: q.patience_seconds.as_ref().map(Draw::new),
                wrap: Draw::new(&q.wrap_up_seconds),
                takes_callbacks: q.callbacks.is_some(),
            })
            .collect();
        People {
            queues,
            accept: Draw::new(&b.accept_seconds),
            decline_probability: b.decline_probability,
            no_answer_probability: b.no_answer_probability,
            connector_failures: b
                .connector_failures
                .iter()
                .map(|(reason, p)| {
                    let failure = DeliveryFailure::VARIANTS
                        .iter()
                        .copied()
                        .find(|f| f.reason().as_str() == reason)
                        .unwrap_or(DeliveryFailure::Error);
                    (*p, failure)
                })
                .collect(),
            callback_offer_after_ms: b
                .callbacks
                .as_ref()
                .map(|cb| (cb.offer_after_wait_seconds * 1000.0) as i64),
            callback_accept_probability: b.callbacks.as_ref().map_or(0.0, |c| c.accept_probability),
            dial_outcomes: b
                .callbacks
                .as_ref()
                .map(|c| c.dial_outcomes.clone())
                .unwrap_or_default(),
        }
    }

    /// The position of queue `id` in the scenario, if it is there.
    pub fn queue_position(&self, id: &QueueId) -> Option<usize> {
        self.queues.iter().position(|q| &q.id == id)
    }

    /// Milliseconds until the next customer of queue `q` arrives; `None`: nobody does.
    /// Clamped so that adding it to a clock cannot overflow (a gap that long ends a run at
    /// the horizon anyway).
    #[inline]
    pub fn arrival_gap_ms(&self, q: usize, sampler: &mut Sampler) -> Option<i64> {
        let exp = self.queues[q].arrival.as_ref()?;
        let gap = sampler.exp(exp).round().min(HORIZON_MS as f64) as i64;
        Some(gap.max(0))
    }

    /// How long a customer of queue `q` waits before hanging up; `None`: for ever.
    #[inline]
    pub fn patience_ms(&self, q: usize, sampler: &mut Sampler) -> Option<i64> {
        let patience = self.queues[q].patience?;
        Some(sampler.ms(&patience))
    }

    /// After how long a customer of queue `q` still waiting is offered a callback (only
    /// queues that take callbacks, only when the scenario offers them).
    pub fn callback_offer_after_ms(&self, q: usize) -> Option<i64> {
        self.callback_offer_after_ms
            .filter(|_| self.queues[q].takes_callbacks)
    }

    /// Whether a customer offered a callback while waiting takes it (one draw).
    #[inline]
    pub fn takes_callback(&self, sampler: &mut Sampler) -> bool {
        sampler.u01() < self.callback_accept_probability
    }

    /// What an agent does with an offer: a delay, then one draw among decline, no answer,
    /// each connector failure and accept, in that order.
    #[inline]
    pub fn offer_reply(&self, sampler: &mut Sampler) -> OfferReply {
        let after_ms = sampler.ms(&self.accept);
        let r = sampler.u01();
        let mut edge = self.decline_probability;
        if r < edge {
            return OfferReply::Refuse { after_ms };
        }
        edge += self.no_answer_probability;
        if r < edge {
            return OfferReply::Miss;
        }
        for &(p, failure) in &self.connector_failures {
            edge += p;
            if r < edge {
                return OfferReply::LegFail { after_ms, failure };
            }
        }
        OfferReply::Accept { after_ms }
    }

    /// How long an agent handles a contact of queue `q`.
    #[inline]
    pub fn handle_ms(&self, q: usize, sampler: &mut Sampler) -> i64 {
        sampler.ms(&self.queues[q].handle)
    }

    /// How long the call of a dial answered `by` lasts (a machine's: [`MACHINE_MS`]).
    #[inline]
    pub fn answered_ms(&self, q: usize, by: AnsweredBy, sampler: &mut Sampler) -> i64 {
        match by {
            AnsweredBy::Live => self.handle_ms(q, sampler),
            AnsweredBy::Machine => MACHINE_MS,
        }
    }

    /// How long an agent's wrap-up of a contact of queue `q` takes.
    #[inline]
    pub fn wrap_ms(&self, q: usize, sampler: &mut Sampler) -> i64 {
        sampler.ms(&self.queues[q].wrap)
    }

    /// How a dial of a customer ends (one draw): live, machine, no answer, then the
    /// connector-reported outcomes in key order; what is left is a wrong destination.
    pub fn dial_reply(&self, sampler: &mut Sampler) -> DialReply {
        let outcomes = &self.dial_outcomes;
        let (live, machine, no_answer) = (outcomes.live, outcomes.machine, outcomes.no_answer);
        let r = sampler.u01();
        if r < live {
            return DialReply::Answered(AnsweredBy::Live);
        }
        if r < live + machine {
            return DialReply::Answered(AnsweredBy::Machine);
        }
        let mut upto = live + machine + no_answer;
        if r < upto {
            return DialReply::NoAnswer;
        }
        // The reported outcomes share the interval after no_answer, in key order.
        for (p, outcome) in outcomes.reported() {
            if r < upto + p {
                return DialReply::Reported(outcome);
            }
            upto += p;
        }
        DialReply::WrongDestination
    }
}

/// How an agent takes an offer of this channel: a voice call by picking up the phone (the
/// connector's `leg_linked` is the answer), the rest on the desktop (`accept`).
pub fn picks_up_the_phone(channel: Channel) -> bool {
    channel == Channel::Voice
}

/// The cause a SIP connector sends with a dial outcome (docs/connector.md's table).
pub fn dial_cause(outcome: DialOutcome) -> Option<&'static str> {
    match outcome {
        DialOutcome::Busy => Some("486"),
        DialOutcome::InvalidNumber => Some("404"),
        DialOutcome::NoAnswer => Some("480"),
        _ => None,
    }
}
