//! The simulator's agenda: what the simulated people will do, and when, on the virtual
//! clock. Events come out in (time, scheduling order), as one heap of `(at, seq)` keys
//! would give them; two shortcuts keep most events out of the heap.

use super::AgentIx;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use switchboard_core::callback::DialOutcome;
use switchboard_core::model::DeliveryFailure;
use switchboard_core::{ContactId, OfferId};

/// Something a simulated person does (or the connector reports) at its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Ev {
    Arrival(u32),
    Accept(OfferId, bool),
    Refuse(OfferId),
    LegFail(OfferId, DeliveryFailure),
    End(AgentIx, ContactId),
    Complete(AgentIx, ContactId),
    Abandon(ContactId),
    /// The dialed customer answers: live (`true`) or a machine.
    Answer(ContactId, bool),
    DialOutcome(ContactId, DialOutcome),
    WrongDestination(AgentIx, ContactId),
    Ready(AgentIx),
    OfferCallback(ContactId),
}

/// The order of scheduled events, `(at, seq)` packed in one integer so each heap comparison
/// is a single compare: `at` (sign bit flipped, so unsigned order is signed order) in the
/// high 64 bits, `seq` in the low 64. `seq` is unique, so the key alone orders every pair
/// and the event beside it in the heap's tuples is never compared.
#[inline]
fn due_key(at: i64, seq: u64) -> u128 {
    (u128::from((at as u64) ^ (1 << 63)) << 64) | u128::from(seq)
}

#[inline]
fn due_at(key: u128) -> i64 {
    (((key >> 64) as u64) ^ (1 << 63)) as i64
}

/// No arrival scheduled (greater than every key).
const NO_ARRIVAL: u128 = u128::MAX;

/// Where the next event is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Next {
    Nothing,
    /// The front of `due_now`.
    Now,
    /// The top of the heap, due then.
    Heap(i64),
    /// This queue's arrival, due then.
    Arrival(i64, usize),
}

impl Next {
    /// When the event is due (`now` for one due now); `None`: nothing is scheduled.
    pub(super) fn at(self, now: i64) -> Option<i64> {
        match self {
            Next::Nothing => None,
            Next::Now => Some(now),
            Next::Heap(at) | Next::Arrival(at, _) => Some(at),
        }
    }
}

pub(super) struct Agenda {
    /// Events due later than `now`, arrivals aside, by key.
    heap: BinaryHeap<Reverse<(u128, Ev)>>,
    /// Each queue's next arrival (at most one is scheduled at a time), by its key in the
    /// heap's order, or `NO_ARRIVAL`: kept out of the heap, which holds the rest.
    arrival_due: Vec<u128>,
    /// Events scheduled for `now` itself (an instant accept, no wrap-up), in scheduling
    /// order: they come after every event of the heap due at `now` (scheduled earlier,
    /// before the clock reached `now`), so no heap is needed to order them.
    due_now: VecDeque<Ev>,
    /// Events scheduled so far: the scheduling order.
    seq: u64,
}

impl Agenda {
    pub(super) fn new(queues: usize) -> Agenda {
        Agenda {
            heap: BinaryHeap::new(),
            arrival_due: vec![NO_ARRIVAL; queues],
            due_now: VecDeque::new(),
            seq: 0,
        }
    }

    /// Schedule `ev` at `at` (never before `now`).
    #[inline]
    pub(super) fn push(&mut self, now: i64, at: i64, ev: Ev) {
        self.seq += 1;
        if at == now {
            self.due_now.push_back(ev);
        } else {
            self.heap.push(Reverse((due_key(at, self.seq), ev)));
        }
    }

    /// Schedule queue `q`'s next arrival at `at`.
    pub(super) fn push_arrival(&mut self, now: i64, at: i64, q: usize) {
        if at == now {
            self.push(now, at, Ev::Arrival(q as u32));
        } else {
            self.seq += 1;
            debug_assert_eq!(self.arrival_due[q], NO_ARRIVAL);
            self.arrival_due[q] = due_key(at, self.seq);
        }
    }

    /// The earliest scheduled arrival: its key and queue (`NO_ARRIVAL` if none).
    #[inline]
    fn first_arrival(&self) -> (u128, usize) {
        let mut first = (NO_ARRIVAL, 0);
        for (q, &key) in self.arrival_due.iter().enumerate() {
            if key < first.0 {
                first = (key, q);
            }
        }
        first
    }

    /// Where the next event is, in (time, scheduling order).
    #[inline]
    pub(super) fn next_due(&self, now: i64) -> Next {
        let heap = self.heap.peek().map_or(u128::MAX, |Reverse((key, _))| *key);
        let (arrival, q) = self.first_arrival();
        let key = heap.min(arrival);
        if !self.due_now.is_empty() && (key == u128::MAX || due_at(key) > now) {
            Next::Now
        } else if key == u128::MAX {
            Next::Nothing
        } else if arrival < heap {
            Next::Arrival(due_at(arrival), q)
        } else {
            Next::Heap(due_at(heap))
        }
    }

    /// Take the event `next` names (from `next_due`, nothing scheduled since).
    #[inline]
    pub(super) fn take(&mut self, next: Next) -> Option<Ev> {
        match next {
            Next::Nothing => None,
            Next::Now => self.due_now.pop_front(),
            Next::Heap(_) => self.heap.pop().map(|Reverse((_, ev))| ev),
            Next::Arrival(_, q) => {
                self.arrival_due[q] = NO_ARRIVAL;
                Some(Ev::Arrival(q as u32))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn events_come_in_time_then_scheduling_order() {
        // Events due now (a FIFO), arrivals (beside the heap) and the heap together give
        // the order of one (time, seq) sort, as one heap did.
        let mut agenda = Agenda::new(1);
        let mut now = 0;
        let mut expected: BTreeMap<(i64, u64), Option<u64>> = BTreeMap::new();
        let mut arrival_pending = false;
        let mut x: u64 = 12345;
        let mut next_id = 0u64;
        let mut popped = 0;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let r = x >> 33;
            let delay = [0, 0, 0, 1, 5, 100][(r % 6) as usize];
            if r % 7 < 4 {
                let at = now + delay;
                if r.is_multiple_of(5) && !arrival_pending {
                    agenda.push_arrival(now, at, 0);
                    arrival_pending = true;
                    expected.insert((at, agenda.seq), None);
                } else {
                    next_id += 1;
                    agenda.push(now, at, Ev::Abandon(ContactId(next_id)));
                    expected.insert((at, agenda.seq), Some(next_id));
                }
            } else {
                let next = agenda.next_due(now);
                let Some(at) = next.at(now) else {
                    assert!(expected.is_empty());
                    continue;
                };
                let ((want_at, _), want) = expected.pop_first().unwrap();
                assert_eq!(at, want_at);
                now = now.max(at);
                match (agenda.take(next), want) {
                    (Some(Ev::Abandon(c)), Some(id)) => assert_eq!(c.0, id),
                    (Some(Ev::Arrival(0)), None) => arrival_pending = false,
                    (got, want) => panic!("got {got:?}, want {want:?}"),
                }
                popped += 1;
            }
        }
        assert!(popped > 5_000);
    }
}
