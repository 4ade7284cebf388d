//! A queue's hours for arriving contacts, the pure part (issue 13, item 1): its own schedule (weekly open
//! hours and holidays in its time zone, the callbacks' schedule type) and an emergency switch.
//!
//! What arrivals meet is `QueueRt::closure`: `Emergency` while an emergency is set, else what
//! the schedule says at the engine's time (`Holiday` on a listed date, `Schedule` outside the
//! open hours, open otherwise). Every change is a `QueueClosureChanged` event that carries the
//! emergency and the schedule's next change (`next_check`); `apply` arms `Timer::QueueHours`
//! from it, so a replay holds the same timer without deciding anything. In an emergency the
//! schedule is not looked at: ending it looks at the schedule again at that moment.
//!
//! This module holds the calendar arithmetic; the decisions are in `decide/queue.rs`, the
//! state changes in `evolve/queue.rs`, the timer in `timers.rs`.

use crate::closure::{ClosureCode, Major, Minor};
use crate::model::QueueClosure;
use crate::schedule::Schedule;
use crate::time::Timestamp;

/// The closure a schedule gives at `at`: a holiday first, then the weekly hours.
#[must_use]
pub(crate) fn scheduled_closure(schedule: &Schedule, at: Timestamp) -> Option<QueueClosure> {
    if schedule.is_holiday(at) {
        Some(QueueClosure::Holiday)
    } else if !schedule.is_open(at) {
        Some(QueueClosure::Schedule)
    } else {
        None
    }
}

/// The code an arrival (or a waiting contact, with `CloseWaiting`) closes with.
#[must_use]
pub(crate) fn closure_code(closure: QueueClosure) -> ClosureCode {
    let minor = match closure {
        QueueClosure::Schedule => Minor::INACTIVECAMP,
        QueueClosure::Holiday => Minor::HOLIDAY,
        QueueClosure::Emergency => Minor::EMERGENCY,
    };
    ClosureCode::new(Major::FAILED_ROUTE_INBOUND, minor)
}
