//! What the simulator knows of each contact (its track), and agents by number.

use super::AgentIx;
use std::collections::{BTreeMap, VecDeque};
use switchboard_core::{AgentId, ContactId};

/// What the driver knows of a contact.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Track {
    pub(super) queue: u32,
    /// Arrived (or, for a callback, was created) after the warm-up: it counts in the figures.
    pub(super) counted: bool,
    pub(super) inbound: bool,
    pub(super) offered: bool,
    pub(super) closed: bool,
    pub(super) arrival: i64,
    pub(super) first_offer: Option<i64>,
    pub(super) connected: Option<i64>,
    /// The agent connected to this contact and since when (occupancy), if any; a second
    /// agent at the same time (a transfer in wrap-up) goes to `Tracks::connect_at`.
    busy: Option<(AgentIx, i64)>,
}

impl Track {
    const EMPTY: Track = Track {
        queue: 0,
        counted: false,
        inbound: false,
        offered: false,
        closed: false,
        arrival: 0,
        first_offer: None,
        connected: None,
        busy: None,
    };
}

/// The tracks of contacts `base..`: the oldest leave once closed, so memory follows the
/// open contacts, not the run's length (a million-contact run kept 64 MB of tracks, and
/// growing them cost a twentieth of its time in page faults and copies).
pub(super) struct Tracks {
    tracks: VecDeque<Track>,
    base: u64,
    /// What `track_mut` hands out for a contact whose track has left (closed long ago).
    gone: Track,
    /// Connections of a second agent to a contact (see `Track::busy`): since when.
    connect_at: BTreeMap<(ContactId, AgentIx), i64>,
}

impl Tracks {
    pub(super) fn new() -> Tracks {
        Tracks {
            tracks: VecDeque::new(),
            base: 1, // contacts are numbered from 1
            gone: Track::default(),
            connect_at: BTreeMap::new(),
        }
    }

    /// Where `contact`'s track is in `tracks` (if it has not left).
    #[inline]
    fn index(&self, contact: ContactId) -> Option<usize> {
        contact.0.checked_sub(self.base).map(|i| i as usize)
    }

    pub(super) fn get(&self, contact: ContactId) -> &Track {
        static EMPTY: Track = Track::EMPTY;
        // A track that left belonged to a closed contact.
        static GONE: Track = Track {
            closed: true,
            ..Track::EMPTY
        };
        match self.index(contact) {
            None => &GONE,
            Some(i) => self.tracks.get(i).unwrap_or(&EMPTY),
        }
    }

    #[inline]
    pub(super) fn get_mut(&mut self, contact: ContactId) -> &mut Track {
        let Some(i) = self.index(contact) else {
            self.gone = Track {
                closed: true,
                ..Track::EMPTY
            };
            return &mut self.gone;
        };
        if self.tracks.len() <= i {
            self.tracks.resize(i + 1, Track::default());
        }
        &mut self.tracks[i]
    }

    /// Let the tracks of the oldest contacts go, once they are closed.
    pub(super) fn release(&mut self) {
        while self.tracks.front().is_some_and(|t| t.closed) {
            self.tracks.pop_front();
            self.base += 1;
        }
    }

    /// `agent` connected to `contact` at `now` (replacing an earlier start of the same pair).
    pub(super) fn connect_begin(&mut self, contact: ContactId, agent: AgentIx, now: i64) {
        let key = (contact, agent);
        if !self.connect_at.is_empty()
            && let Some(at) = self.connect_at.get_mut(&key)
        {
            *at = now;
            return;
        }
        let t = self.get_mut(contact);
        match t.busy.map(|(a, _)| a) {
            Some(other) if other != agent => {
                self.connect_at.insert(key, now);
            }
            _ => t.busy = Some((agent, now)),
        }
    }

    /// The start of `agent`'s connection to `contact`, forgotten now.
    pub(super) fn connect_end(&mut self, contact: ContactId, agent: AgentIx) -> Option<i64> {
        if let Some(i) = self.index(contact)
            && let Some(t) = self.tracks.get_mut(i)
            && t.busy.is_some_and(|(a, _)| a == agent)
        {
            return t.busy.take().map(|(_, at)| at);
        }
        if self.connect_at.is_empty() {
            return None;
        }
        self.connect_at.remove(&(contact, agent))
    }
}

/// The agents of a run by number: scheduled events and tracks name agents this way, so
/// scheduling one clones no `AgentId` (an atomic count).
pub(super) struct AgentNumbers {
    /// The agents the run configured, `a1..=a{configured}`.
    configured: u64,
    /// The engine's own id of each agent (`AgentIx` order): clones share its text, which
    /// the engine finds with one hash probe.
    ids: Vec<AgentId>,
    /// Agents the engine named that are not `a{n}` of this run (none expected).
    other: BTreeMap<AgentId, AgentIx>,
}

impl AgentNumbers {
    pub(super) fn new(ids: Vec<AgentId>) -> AgentNumbers {
        AgentNumbers {
            configured: ids.len() as u64,
            ids,
            other: BTreeMap::new(),
        }
    }

    /// The number of an agent the engine names: `a{n}` is `n - 1` (the ids this run
    /// configured), read from the text without a lookup.
    #[inline]
    pub(super) fn ix(&mut self, agent: &AgentId) -> AgentIx {
        let text = agent.as_str().as_bytes();
        if let [b'a', first @ b'1'..=b'9', rest @ ..] = text
            && rest.len() < 9
        {
            let mut n = u64::from(first - b'0');
            let mut digits = true;
            for &c in rest {
                digits &= c.is_ascii_digit();
                n = n * 10 + u64::from(c.wrapping_sub(b'0'));
            }
            if digits && n <= self.configured {
                return (n - 1) as AgentIx;
            }
        }
        self.other_ix(agent)
    }

    /// An agent this run did not configure as `a{n}`: numbered after them, on first sight.
    #[cold]
    fn other_ix(&mut self, agent: &AgentId) -> AgentIx {
        if let Some(&ix) = self.other.get(agent) {
            return ix;
        }
        let ix = AgentIx::try_from(self.ids.len()).expect("fewer than 2^32 agents");
        self.ids.push(agent.clone());
        self.other.insert(agent.clone(), ix);
        ix
    }

    /// How many agents the run configured.
    pub(super) fn configured(&self) -> u64 {
        self.configured
    }

    /// The engine's id of agent `ix` (a clone sharing its text).
    #[inline]
    pub(super) fn id(&self, ix: AgentIx) -> AgentId {
        self.ids[ix as usize].clone()
    }
}
