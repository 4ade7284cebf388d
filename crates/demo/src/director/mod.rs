//! The director: one task that plays the demo's people against the server in real time.
//! It keeps what it knows of contacts, offers and agents from the live feed, plans what the
//! people do next on a timer heap, and sends their commands. The people's behaviour is the
//! simulator's model ([`People`], from `assets/people.toml`); this module adds the demo's
//! extras (see the crate's docs).

mod act;
mod watchdog;

use crate::PEOPLE;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};
use std::time::Duration;
use switchboard_core::callback::DialOutcome;
use switchboard_core::ids::{AgentId, ContactId, OfferId, QueueId, StationId};
use switchboard_core::model::{
    AgentState, AgentStatus, AnsweredBy, Channel, ContactState, DeliveryFailure, Direction,
};
use switchboard_core::output::ConnectorRequest;
use switchboard_core::{Command, Event};
use switchboard_server::driver::{Actor, Driver, Published};
use switchboard_server::feed::{Ended, Subscription};
use switchboard_sim::people::{
    DialReply, Draw, OfferReply, People, RING_MS, Sampler, picks_up_the_phone,
};
use switchboard_sim::scenario::{Dist, Scenario, ScenarioError};
use tokio::sync::watch;
use tokio::time::Instant;

/// The queue web-site callback requests go to, and how many come per hour.
pub(crate) const WEB_CALLBACK_QUEUE: &str = "web-callback";
const WEB_CALLBACKS_PER_HOUR: f64 = 30.0;
/// The queue sales calls are transferred to now and then.
const TRANSFER_QUEUE: &str = "support";
/// More open contacts than this and no new customers arrive until some close.
const OPEN_CONTACTS_MAX: usize = 2_000;
/// How long a contact of a queue the people do not describe is handled (a queue added to
/// the configuration by hand): lognormal, seconds.
const OTHER_HANDLE: Dist = Dist::Lognormal {
    mean: 90.0,
    sd: 40.0,
};

/// The demo's people, as the simulator reads them.
pub(crate) fn scenario() -> Result<Scenario, ScenarioError> {
    Scenario::parse("people.toml", PEOPLE)
}

/// The cause a SIP connector passes along with a failed leg.
fn leg_cause(failure: DeliveryFailure) -> Option<&'static str> {
    match failure {
        DeliveryFailure::Busy => Some("486"),
        DeliveryFailure::BadNumber => Some("404"),
        DeliveryFailure::InvalidCallLeg => Some("481"),
        DeliveryFailure::Error => Some("500"),
        DeliveryFailure::LinkFailed => Some("503"),
        DeliveryFailure::Dropped => Some("487"),
        DeliveryFailure::ZeroCauseCode => Some("0"),
        DeliveryFailure::NotApplicable => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Waiting,
    Offered,
    WithAgent,
    Wrapping,
}

#[derive(Debug, Clone)]
struct ContactInfo {
    queue: QueueId,
    channel: Channel,
    outbound: bool,
    from: String,
    agent: Option<AgentId>,
    phase: Phase,
    /// Planned actions about this contact not yet run.
    pending: u32,
    /// Left for the engine to finish (a wrap-up left to its time limit).
    left_to_engine: bool,
    /// Watchdog passes that found nothing planned.
    idle_passes: u8,
    /// The rest of the call is planned already (a wrong number found on answer).
    scripted: bool,
}

impl ContactInfo {
    fn new(queue: QueueId, channel: Channel, agent: Option<AgentId>, phase: Phase) -> Self {
        ContactInfo {
            queue,
            channel,
            outbound: false,
            from: String::new(),
            agent,
            phase,
            pending: 0,
            left_to_engine: false,
            idle_passes: 0,
            scripted: false,
        }
    }
}

#[derive(Debug, Clone)]
struct OfferInfo {
    agent: AgentId,
    channel: Channel,
    /// The agent accepted on the desktop: the connector links the leg.
    desktop_accept: bool,
}

#[derive(Debug, Clone)]
struct AgentInfo {
    station: StationId,
    state: AgentState,
    /// A Ready (or login) is planned.
    recovery_planned: bool,
    /// Outbound calls still to make in the current outbound session.
    outbound_calls: u32,
    /// Serves the sales queue (goes outbound now and then).
    sales: bool,
}

#[derive(Debug, Clone, Copy)]
enum Pickup {
    /// Accept on the desktop (`accept`); for voice the connector then links the leg.
    Desktop,
    /// Answer the ringing phone: the connector's `leg_linked` is the accept.
    Phone,
}

#[derive(Debug, Clone, Copy)]
enum Finish {
    AgentEnds,
    CustomerHangsUp,
    /// `hangup` with reason `error`.
    CallError {
        close: bool,
        status: Option<AgentStatus>,
        cause: &'static str,
    },
    TransferToQueue,
}

#[derive(Debug, Clone)]
enum Action {
    /// The next customer of the people's queue at this position.
    Arrival(usize),
    WebCallback,
    Abandon(ContactId),
    ChooseCallback(ContactId),
    Answer(OfferId, Pickup),
    Refuse(OfferId),
    LinkLeg(OfferId),
    LegFail(OfferId, DeliveryFailure),
    Hold(ContactId),
    Resume(ContactId),
    Finish(ContactId, Finish),
    Complete(ContactId, bool),
    StartDial(ContactId),
    Answered(ContactId, AnsweredBy),
    DialFailed(ContactId),
    /// The connector reports how the dial ended, with the SIP status it would carry.
    DialOutcome(ContactId, DialOutcome),
    SetCompletion(ContactId, Completion),
    Ready(AgentId),
    TakeBreak(AgentId),
    OutboundDial(AgentId),
    Login(AgentId),
    Watchdog,
}

impl Action {
    /// The contact the action is about (for its count of planned actions).
    fn contact(&self) -> Option<ContactId> {
        match self {
            Action::Abandon(c)
            | Action::ChooseCallback(c)
            | Action::Hold(c)
            | Action::Resume(c)
            | Action::Finish(c, _)
            | Action::Complete(c, _)
            | Action::StartDial(c)
            | Action::Answered(c, _)
            | Action::DialFailed(c)
            | Action::DialOutcome(c, _)
            | Action::SetCompletion(c, _) => Some(*c),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Completion {
    Handled,
    AnsweringMachine,
    WrongDestination,
    /// Callback Requested, due this many minutes from now.
    Requested(i64),
}

pub(crate) struct Director {
    driver: Driver,
    sampler: Sampler,
    /// The customers, agents and connector of `assets/people.toml`.
    model: People,
    speed: f64,
    /// Planned actions by (when, planning order); the actions themselves in `planned`.
    timers: BinaryHeap<Reverse<(Instant, u64)>>,
    planned: BTreeMap<u64, Action>,
    seq: u64,
    contacts: BTreeMap<ContactId, ContactInfo>,
    offers: BTreeMap<OfferId, OfferInfo>,
    agents: BTreeMap<AgentId, AgentInfo>,
    /// Disposition codes per queue.
    dispositions: BTreeMap<QueueId, Vec<String>>,
    /// Queues with a wrap-up time limit (a forgotten wrap-up ends by itself there).
    wrap_limited: Vec<QueueId>,
    /// Queues that take callbacks.
    callback_queues: Vec<QueueId>,
    /// Positions of the people's queues that exist in the configuration with their channel.
    arriving: Vec<usize>,
    /// Agents left to people ([`crate::people`]): never acted for.
    people: BTreeSet<AgentId>,
}

impl Director {
    pub(crate) async fn new(driver: Driver, speed: f64, seed: u64) -> anyhow::Result<Director> {
        let model = People::new(&scenario()?);
        let (queues, agents, stations, states) = driver
            .read(|engine| {
                (
                    engine.queue_configs().cloned().collect::<Vec<_>>(),
                    engine.agent_configs().cloned().collect::<Vec<_>>(),
                    engine
                        .station_configs()
                        .map(|s| s.id.clone())
                        .collect::<Vec<_>>(),
                    engine
                        .agent_views()
                        .map(|v| (v.id, v.state))
                        .collect::<BTreeMap<_, _>>(),
                )
            })
            .await?;
        let dispositions = queues
            .iter()
            .map(|q| {
                (
                    q.id.clone(),
                    q.dispositions.iter().map(|d| d.code.clone()).collect(),
                )
            })
            .collect();
        let ids_where = |keep: fn(&switchboard_core::config::QueueConfig) -> bool| {
            queues
                .iter()
                .filter(|q| keep(q))
                .map(|q| q.id.clone())
                .collect::<Vec<_>>()
        };
        let wrap_limited = ids_where(|q| q.wrap_up_limit_ms.is_some());
        let callback_queues = ids_where(|q| q.callbacks.is_some());
        let arriving = model
            .queues
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                queues
                    .iter()
                    .any(|q| q.id == p.id && q.channel == p.channel)
            })
            .map(|(i, _)| i)
            .collect();
        // One station per agent, in id order.
        let agents = agents
            .into_iter()
            .zip(stations)
            .map(|(agent, station)| {
                let sales = agent.queues.iter().any(|s| s.queue.as_str() == "sales");
                let state = states
                    .get(&agent.id)
                    .copied()
                    .unwrap_or(AgentState::Offline);
                let info = AgentInfo {
                    station,
                    state,
                    recovery_planned: false,
                    outbound_calls: 0,
                    sales,
                };
                (agent.id.clone(), info)
            })
            .collect();
        Ok(Director {
            driver,
            sampler: Sampler::new(seed),
            model,
            speed,
            timers: BinaryHeap::new(),
            planned: BTreeMap::new(),
            seq: 0,
            contacts: BTreeMap::new(),
            offers: BTreeMap::new(),
            agents,
            dispositions,
            wrap_limited,
            callback_queues,
            arriving,
            people: crate::people(),
        })
    }

    pub(crate) async fn run(mut self, mut feed: Subscription, mut stopped: watch::Receiver<bool>) {
        self.begin();
        loop {
            let next = self
                .timers
                .peek()
                .map(|Reverse((at, _))| *at)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
            tokio::select! {
                _ = async { stopped.wait_for(|stop| *stop).await.map(|_| ()) } => break,
                message = feed.recv() => match message {
                    Ok(Published::Event(entry)) => self.on_event(&entry.record.event),
                    Ok(Published::Connector(request)) => self.on_request(&request),
                    Err(Ended::Lagged) => {
                        tracing::warn!("demo traffic fell behind the live feed; the watchdog catches up");
                        feed = self.driver.subscribe();
                    }
                    Err(Ended::Closed) => break,
                },
                _ = tokio::time::sleep_until(next) => {
                    while let Some(&Reverse((at, seq))) = self.timers.peek() {
                        if at > Instant::now() {
                            break;
                        }
                        self.timers.pop();
                        if let Some(action) = self.planned.remove(&seq) {
                            self.fire(action).await;
                        }
                    }
                }
            }
        }
        tracing::info!("demo traffic stopped");
    }

    // ------------------------------------------------------------ randomness and time

    fn u01(&mut self) -> f64 {
        self.sampler.u01()
    }

    /// Seconds, uniform in [a, b).
    fn uniform(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.u01()
    }

    /// Seconds of `dist`, drawn by the people's sampler.
    fn seconds(&mut self, dist: Dist) -> f64 {
        self.sampler.ms(&Draw::new(&dist)) as f64 / 1000.0
    }

    /// Plans `action` in `seconds` of simulated time.
    fn after(&mut self, seconds: f64, action: Action) {
        if let Some(contact) = action.contact()
            && let Some(c) = self.contacts.get_mut(&contact)
        {
            c.pending += 1;
            c.idle_passes = 0;
        }
        let real = Duration::from_secs_f64((seconds.max(0.0) / self.speed).min(86_400.0));
        self.seq += 1;
        self.timers.push(Reverse((Instant::now() + real, self.seq)));
        self.planned.insert(self.seq, action);
    }

    /// Plans `action` in `ms` milliseconds of simulated time (the model's unit).
    fn after_ms(&mut self, ms: i64, action: Action) {
        self.after(ms as f64 / 1000.0, action);
    }

    fn phone_number(&mut self) -> String {
        let n = self.sampler.range(1_000_000..10_000_000u32);
        let prefix = self.sampler.pick(&["+3620", "+3630", "+3670", "+361"]);
        format!("{prefix}{n}")
    }

    /// The position of `queue` among the people's queues, if they describe it.
    fn queue_position(&self, queue: &QueueId) -> Option<usize> {
        self.model.queue_position(queue)
    }

    // ------------------------------------------------------------ start

    fn begin(&mut self) {
        let ids: Vec<AgentId> = self.agents.keys().cloned().collect();
        for (i, agent) in ids.into_iter().enumerate() {
            if self.people.contains(&agent) {
                continue;
            }
            // Everyone logs in within the first couple of seconds.
            let at = 0.1 * i as f64;
            self.after(at, Action::Login(agent.clone()));
            let first_break = 60.0 + self.seconds(Dist::Exponential(480.0));
            self.after(first_break, Action::TakeBreak(agent));
        }
        for i in self.arriving.clone() {
            let first = self.uniform(1.0, 4.0);
            self.after(first, Action::Arrival(i));
        }
        if self
            .callback_queues
            .iter()
            .any(|q| q.as_str() == WEB_CALLBACK_QUEUE)
        {
            let first = self.uniform(3.0, 8.0);
            self.after(first, Action::WebCallback);
        }
        self.after(15.0, Action::Watchdog);
    }

    // ------------------------------------------------------------ the feed

    fn on_event(&mut self, event: &Event) {
        match event {
            Event::ContactArrived {
                contact,
                channel,
                direction,
                queue,
                from,
                ..
            } => {
                let mut info = ContactInfo::new(queue.clone(), *channel, None, Phase::Waiting);
                info.outbound = *direction == Direction::Outbound;
                info.from = from.to_string();
                self.contacts.insert(*contact, info);
                if *direction == Direction::Inbound
                    && let Some(q) = self.queue_position(queue)
                {
                    if let Some(patience) = self.model.patience_ms(q, &mut self.sampler) {
                        self.after_ms(patience, Action::Abandon(*contact));
                    }
                    if let Some(after) = self.model.callback_offer_after_ms(q) {
                        self.after_ms(after, Action::ChooseCallback(*contact));
                    }
                }
            }
            Event::ContactQueued { contact, .. } => {
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.phase = Phase::Waiting;
                    c.agent = None;
                }
            }
            Event::OfferCreated { contact, .. } => {
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.phase = Phase::Offered;
                }
            }
            Event::OfferAccepted {
                offer,
                link_deadline: Some(_),
            } => self.connector_links(*offer),
            Event::OfferRefused {
                offer: Some(offer), ..
            }
            | Event::OfferRescinded { offer, .. } => {
                self.offers.remove(offer);
            }
            Event::ContactConnected {
                contact,
                agent,
                offer,
                state,
                ..
            } => {
                if let Some(offer) = offer {
                    self.offers.remove(offer);
                }
                if let Some(c) = self.contacts.get_mut(contact) {
                    c.agent = Some(agent.clone());
                    c.phase = Phase::WithAgent;
                }
                match state {
                    ContactState::Handling => self.plan_conversation(*contact),
                    ContactState::Preview => {
                        let look = self.uniform(3.0, 8.0);
                        self.after(look, Action::StartDial(*contact));
                    }
                    _ => {}
                }
            }
            Event::ContactStateChanged {
                contact,
                state: ContactState::Handling,
                answered_by: Some(by),
                ..
            } => self.plan_answered(*contact, *by),
            Event::WrapUpStarted {
                contact,
                agent,
                detached,
                ..
            } => self.plan_wrap_up(*contact, agent, *detached),
            Event::ContactClosed { contact, .. } => {
                self.contacts.remove(contact);
            }
            Event::AgentStateChanged { agent, state, .. } => self.on_agent_state(agent, *state),
            _ => {}
        }
    }

    fn on_agent_state(&mut self, agent: &AgentId, state: AgentState) {
        if self.people.contains(agent) {
            return;
        }
        let Some(info) = self.agents.get_mut(agent) else {
            return;
        };
        info.state = state;
        let (delay, action) = match state {
            // The agent notices the missed offer and makes itself Ready again.
            AgentState::NoAnswer if !info.recovery_planned => {
                ((3.0, 10.0), Action::Ready(agent.clone()))
            }
            AgentState::Break | AgentState::BackOffice if !info.recovery_planned => {
                ((45.0, 240.0), Action::Ready(agent.clone()))
            }
            AgentState::OutgoingInteractions if info.outbound_calls > 0 => {
                info.outbound_calls -= 1;
                let delay = self.uniform(3.0, 8.0);
                return self.after(delay, Action::OutboundDial(agent.clone()));
            }
            AgentState::OutgoingInteractions if !info.recovery_planned => {
                ((2.0, 5.0), Action::Ready(agent.clone()))
            }
            // Logged out by the presence policy or a lost session: back after a while.
            AgentState::Offline if !info.recovery_planned => {
                ((10.0, 30.0), Action::Login(agent.clone()))
            }
            _ => return,
        };
        info.recovery_planned = true;
        let delay = self.uniform(delay.0, delay.1);
        self.after(delay, action);
    }

    /// A voice offer the agent accepted on the desktop: the connector bridges the agent leg.
    fn connector_links(&mut self, offer: OfferId) {
        let Some(info) = self.offers.get(&offer) else {
            return;
        };
        if info.channel != Channel::Voice || !info.desktop_accept {
            return;
        }
        let r = self.u01();
        let delay = self.uniform(0.3, 1.5);
        if r < 0.025 {
            let reason = *self
                .sampler
                .pick(&[DeliveryFailure::LinkFailed, DeliveryFailure::Dropped]);
            self.after(delay, Action::LegFail(offer, reason));
        } else if r < 0.03 {
            // The PBX never reports: after 60 s the engine records AgentLinkTimeout.
        } else {
            self.after(delay, Action::LinkLeg(offer));
        }
    }

    fn on_request(&mut self, request: &ConnectorRequest) {
        match request {
            ConnectorRequest::Deliver {
                offer,
                channel,
                agent,
                ..
            } => self.on_deliver(*offer, *channel, agent.clone()),
            ConnectorRequest::CancelDelivery { offer, .. } => {
                self.offers.remove(offer);
            }
            ConnectorRequest::Dial { contact, .. } => self.on_dial(*contact),
            ConnectorRequest::StopDial { .. } => {
                // Duration For No Answer passed: the engine set No Answer and the agent is
                // in wrap-up; the planned wrap-up completes it.
            }
        }
    }

    /// An offer rings at an agent's station: the people's model says what the agent (or
    /// the connector ringing the station) does.
    fn on_deliver(&mut self, offer: OfferId, channel: Channel, agent: AgentId) {
        let person = self.people.contains(&agent);
        self.offers.insert(
            offer,
            OfferInfo {
                agent,
                channel,
                // A person accepts on the desktop; the connector then links the voice leg.
                desktop_accept: person,
            },
        );
        if person {
            return;
        }
        match self.model.offer_reply(&mut self.sampler) {
            OfferReply::Refuse { after_ms } => self.after_ms(after_ms, Action::Refuse(offer)),
            // The agent misses it: the offer times out (NoAnswer).
            OfferReply::Miss => {}
            OfferReply::LegFail { after_ms, failure } => {
                self.after_ms(after_ms, Action::LegFail(offer, failure));
            }
            OfferReply::Accept { after_ms } => {
                // Half of the phone calls are taken on the desktop, so the demo shows the
                // connector linking the leg after an accept too.
                let pickup = if picks_up_the_phone(channel) && self.u01() < 0.5 {
                    Pickup::Phone
                } else {
                    Pickup::Desktop
                };
                self.after_ms(after_ms, Action::Answer(offer, pickup));
            }
        }
    }

    /// The connector dials a callback (the people's model says how it ends) or an agent's
    /// outbound call.
    fn on_dial(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if c.channel == Channel::Callback {
            return self.on_callback_dial(contact);
        }
        let ring = self.uniform(3.0, 12.0);
        let r = self.u01();
        if r < 0.75 {
            self.after(ring, Action::Answered(contact, AnsweredBy::Live));
        } else if r < 0.9 {
            // Nobody answers; the agent gives up.
            self.after(25.0, Action::Finish(contact, Finish::AgentEnds));
        } else if r < 0.95 {
            // The line is busy: the contact closes (33, 3).
            self.after(ring / 3.0, Action::DialOutcome(contact, DialOutcome::Busy));
        } else {
            self.after(ring / 3.0, Action::DialFailed(contact));
        }
    }

    fn on_callback_dial(&mut self, contact: ContactId) {
        match self.model.dial_reply(&mut self.sampler) {
            DialReply::Answered(by) => self.after_ms(RING_MS, Action::Answered(contact, by)),
            // Nobody answers: Duration For No Answer ends the attempt (No Answer).
            DialReply::NoAnswer => {}
            // Busy, invalid number (the default policy ends the callback: 33, 9)…
            DialReply::Reported(outcome) => {
                self.after_ms(RING_MS, Action::DialOutcome(contact, outcome));
            }
            DialReply::WrongDestination => {
                if let Some(c) = self.contacts.get_mut(&contact) {
                    c.scripted = true;
                }
                let ring = RING_MS as f64 / 1000.0;
                self.after(ring, Action::Answered(contact, AnsweredBy::Live));
                let talk = ring + self.uniform(5.0, 12.0);
                let wrong = Completion::WrongDestination;
                self.after(talk, Action::SetCompletion(contact, wrong));
                self.after(talk + 1.0, Action::Finish(contact, Finish::AgentEnds));
            }
        }
    }

    /// How long an agent handles a contact of `queue` (answered `by`, for a dial), seconds.
    fn talk_seconds(&mut self, queue: &QueueId, by: AnsweredBy) -> f64 {
        let ms = match self.queue_position(queue) {
            Some(q) => self.model.answered_ms(q, by, &mut self.sampler),
            None => self.sampler.ms(&Draw::new(&OTHER_HANDLE)),
        };
        ms as f64 / 1000.0
    }

    /// An inbound conversation began: plan holds and its end.
    fn plan_conversation(&mut self, contact: ContactId) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        let (queue, channel) = (c.queue.clone(), c.channel);
        let mut talk = self.talk_seconds(&queue, AnsweredBy::Live);
        if channel == Channel::Voice && self.u01() < 0.15 {
            let at = talk * self.uniform(0.3, 0.6);
            let hold = self.uniform(10.0, 30.0);
            self.after(at, Action::Hold(contact));
            self.after(at + hold, Action::Resume(contact));
            talk += hold;
        }
        let r = self.u01();
        let finish = match channel {
            Channel::Voice if r < 0.015 => {
                if self.u01() < 0.5 {
                    Finish::CallError {
                        close: true,
                        status: None,
                        cause: "503",
                    }
                } else {
                    Finish::CallError {
                        close: false,
                        status: Some(AgentStatus::FailedConnectCustomer),
                        cause: "408",
                    }
                }
            }
            Channel::Voice if r < 0.05 && queue.as_str() == "sales" => Finish::TransferToQueue,
            Channel::Voice if r < 0.5 => Finish::CustomerHangsUp,
            Channel::Chat if r < 0.3 => Finish::CustomerHangsUp,
            _ => Finish::AgentEnds,
        };
        self.after(talk, Action::Finish(contact, finish));
    }

    /// A callback or outbound dial was answered.
    fn plan_answered(&mut self, contact: ContactId, by: AnsweredBy) {
        let Some(c) = self.contacts.get(&contact) else {
            return;
        };
        if c.scripted {
            return;
        }
        let callback = c.channel == Channel::Callback;
        let queue = c.queue.clone();
        let talk = self.talk_seconds(&queue, by);
        let (completion, finish) = match by {
            AnsweredBy::Machine => (Completion::AnsweringMachine, Finish::AgentEnds),
            AnsweredBy::Live => {
                let completion = if self.u01() < 0.08 {
                    Completion::Requested(self.sampler.range(10..40))
                } else {
                    Completion::Handled
                };
                let finish = if self.u01() < 0.4 {
                    Finish::CustomerHangsUp
                } else {
                    Finish::AgentEnds
                };
                (completion, finish)
            }
        };
        if callback {
            self.after(talk, Action::SetCompletion(contact, completion));
        }
        self.after(talk + 0.5, Action::Finish(contact, finish));
    }

    /// Wrap-up began: the agent completes it after the people's wrap-up time, now and then
    /// with a callback promised, or forgets it where the queue's limit ends it.
    fn plan_wrap_up(&mut self, contact: ContactId, agent: &AgentId, detached: bool) {
        if detached {
            // A transferred contact: the transferring agent only wraps up.
            let wrap = self.uniform(3.0, 10.0);
            return self.send_later_complete(contact, agent.clone(), wrap);
        }
        let Some(c) = self.contacts.get_mut(&contact) else {
            return;
        };
        c.phase = Phase::Wrapping;
        let queue = c.queue.clone();
        if self.wrap_limited.contains(&queue) && self.u01() < 0.03 {
            // The agent forgets to finish: the queue's wrap-up limit ends it (59).
            if let Some(c) = self.contacts.get_mut(&contact) {
                c.left_to_engine = true;
            }
            return;
        }
        let wrap = match self.queue_position(&queue) {
            Some(q) => self.model.wrap_ms(q, &mut self.sampler) as f64 / 1000.0,
            None => self.uniform(4.0, 20.0),
        };
        let schedule = self.u01() < 0.04;
        self.after(wrap, Action::Complete(contact, schedule));
    }

    fn send_later_complete(&mut self, contact: ContactId, agent: AgentId, seconds: f64) {
        if self.people.contains(&agent) {
            return;
        }
        // Detached wrap-ups are not tracked as the contact's: complete them directly.
        let driver = self.driver.clone();
        let real = Duration::from_secs_f64(seconds / self.speed);
        tokio::spawn(async move {
            tokio::time::sleep(real).await;
            let command = Command::Complete {
                agent: agent.clone(),
                contact,
                disposition: None,
            };
            act::execute(&driver, command, Actor::Agent(agent)).await;
        });
    }
}
