//! Property tests: random small worlds driven by random timed command sequences.
//!
//! Each case builds a world (2–3 queues of mixed channels and settings, 3–6 agents in 1–2
//! queues each, one station per agent plus a spare), then runs 50–300 steps. Voice and
//! callback queues mostly take callbacks (docs/callbacks.md): 1–4 attempts before failure,
//! 1–3 recall intervals of 1–120 s, 5–60 s for no answer, a time zone (UTC,
//! Europe/Budapest, America/New_York), open hours (always, office hours, or short windows
//! twice an hour so CLBK Stat flips within a case), sometimes a holiday, a shift start
//! (sometimes 02:30, in the DST gap or overlap), a reservation fallback and sometimes a max
//! age. The clock starts at the Unix epoch or between the Saturday before and the Monday
//! after a European DST change (March or October 2026).
//!
//! A step moves the clock forward (mostly 0–70 s, now and then 10 minutes to 26 hours, so
//! schedules and shifts flip) and then lets time pass (a driver tick), runs one command
//! drawn from every command kind (admin, agent, connector, and the eight callback
//! commands, with every completion status; times in commands are relative to the step's
//! clock), or has an agent move its work on (log in, go Ready, accept or refuse, link,
//! start a previewed dial, have the dial answered live or by a machine, fail, cancelled or
//! missed, set a completion status, end, complete: [`work`]). Commands aim at live offers,
//! contacts, callbacks, callback queues, agents and assignments most of the time (picked
//! from the views when the step runs) and at literal ids — which may not exist — otherwise.
//! The driver works like the real ones: due timers fire in deadline order, each at its own
//! time, before each input, and the outputs are drained after each input.
//!
//! After every input (see [`Harness::check`], [`Harness::observe`] and
//! [`Harness::check_callbacks`]):
//! - `check_invariants()` holds;
//! - a rejected command emitted nothing and changed nothing but the clock; a timer that
//!   comes due emits something (a silent one would outlive a replay);
//! - agent views: Offered ⇒ an open offer and no contacts; Busy / Waiting for … ⇒ contacts;
//!   units ≤ 100; offers, contacts and holders agree between agent, contact and offer views;
//! - every arrived contact is open or closed by exactly one ContactClosed, never both; no
//!   event names a contact after its close (except the former agent finishing the detached
//!   wrap-up of a transferred contact), and no event names one that never arrived;
//! - stats agree with a recount of the events (arrivals, closes, offers, refusals by reason);
//!   every refusal reason is one of the twelve names of docs/engine.md, Offers and refusals;
//!   every closure pair is in the catalog and is one docs/engine.md, Closure codes (or
//!   docs/callbacks.md) gives for the input that caused it (with the disposition only on
//!   a completed wrap-up);
//! - AgentStateChanged events track the shown states; queue views agree with the contacts;
//!   no idle Ready member is left beside a waiting contact it is not excluded from (nor a
//!   callback reserved for another agent), and no refusing agent is offered the contact
//!   again before its ExclusionEnded;
//! - events and commands survive a JSON round trip;
//! - callbacks (docs/callbacks.md, issue 3), against a recount of the events:
//!   - every open callback has a view in exactly one location (each location's search
//!     lists it once); completed ones have none; Pending and queued ones show Queued with
//!     no agent, HandlingByAgent ones are offered or held; only an Active queue holds
//!     callbacks and it holds every due one; an expired callback never waits again;
//!   - attempts: numbered in order, one open at a time; only Answering Machine and No
//!     Answer count (never Aborted, Cancel, …), with their minor codes; the state is the
//!     status set, else what the answer implies; the counted attempts equal the view's and
//!     never exceed the queue's Attempts Before Failure; a counted attempt under the limit
//!     is recalled after the recall interval, one at the limit fails the callback; a
//!     Callback Requested one is Pending until the time asked, reserved as asked; Aborted
//!     attempts only when the queue's callbacks leave Active;
//!   - creation as asked (queue, due, expiry, reservation; a customer's callback keeps the
//!     call's entrance); offers only to the reserved agent until ReservationEnded, at its
//!     time; CallbackExpired at the expiry;
//!   - every CallbackCompleted is followed, in the same input, by exactly one ContactClosed
//!     whose pair matches the end (Handled (48|55|59, 0), Wrong Destination (48, 13),
//!     Failed (33, minor of the last attempt), Expired (57, 0), Purged (32, 0)) and the
//!     input (Purged only by PurgeCallback, …); no callback closes without one; its
//!     attempts and "reached" agree with the events;
//!   - the monitor: CLBK Stat is that of the last CallbackStatusChanged and agrees with the
//!     schedule at that instant (unless Stopped); the shift started at the last local shift
//!     start; Proc, Purged, % Reached, Avg Time (and the raw counters) equal a recount of
//!     the events since the queue's last ShiftStarted; Clbk To Be Proc counts its Pending
//!     and queued callbacks.
//!
//! At the end the journal is replayed into a fresh engine, which must match the live one
//! (dump, views, callback views and monitors, stats, exclusions, next timeout). The journal
//! carries time only through event times, so the dumps are first compared without their
//! `now` line, then again in full after the replayed engine is told the time
//! (`handle_timeout(now)`, which must emit nothing). The first property also replays
//! half-way and drives the replayed copy alongside the live one, which must then answer and
//! emit exactly the same.
//!
//! The liveness property adds a cooperative phase: the configuration is put back, stopped
//! callbacks start again, every agent logs in, goes Ready and accepts, links, dials, has the
//! dial answered live, sets callbacks Handled, ends and completes whatever it can, while
//! time passes (jumping to the next timer while nothing else can happen, up to a week
//! ahead, so schedules open). Every contact must then close, each with exactly one closure
//! code, except those waiting in a queue nobody serves and callbacks whose queue is off
//! schedule or stopped, or Pending until after the end (the failure message says which
//! exception each open contact has, if any).
//!
//! A failure prints the shrunk input and a reproduction: every input with its time in
//! milliseconds, the command as run (after live targeting), its result and the events.
//! `PROPTEST_CASES=n` runs more cases. The `#[test]`s of [`regressions`] replay the bugs the
//! properties found (all fixed; they guard against regressions).
//!
//! Where things are: [`world`] generates the world and [`actions`] the steps; [`targeting`]
//! aims a step's command at something live when it runs; [`harness`] drives the engine and
//! replays; [`checks`] holds the checks after every input, against [`oracle`], the rules
//! written independently of the engine; this file holds the two properties.

mod actions;
mod checks;
mod harness;
mod oracle;
mod regressions;
mod targeting;
mod world;

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::{actions::*, harness::*, world::*};

/// Case count per property; `PROPTEST_CASES` overrides it.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        max_shrink_iters: 4096,
        // Keeps a failing run short (debug build, 2 cores); the shrunk case is small by then.
        max_shrink_time: 8_000,
        // The reproduction goes into the failure message; no regression files are written.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn run_case(
    world: &World,
    steps: &[Step],
    shadow_at: Option<usize>,
    cooperate: bool,
) -> Result<(), TestCaseError> {
    let mut h = Harness::new(world).map_err(TestCaseError::fail)?;
    if let Err(message) = h.run(steps, shadow_at) {
        return Err(h.failure(&message));
    }
    if cooperate && let Err(message) = h.cooperate(world) {
        return Err(h.failure(&message));
    }
    // Fire what is due now, so the live engine holds no overdue timer, then replay.
    if let Err(message) = h.advance(h.now).and_then(|()| h.replayed().map(|_| ())) {
        return Err(h.failure(&message));
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Safety: invariants and outside checks after every input, all command kinds including
    /// configuration; the journal replays to the same state, and a copy replayed half-way
    /// then driven alongside emits exactly what the live engine emits.
    #[test]
    fn random_commands_keep_every_promise((world, steps) in case(true), split in 0.0f64..1.0) {
        let shadow_at = (split * steps.len() as f64) as usize;
        run_case(&world, &steps, Some(shadow_at), false)?;
    }

    /// Liveness: after random operation (half the cases with configuration changes, which
    /// the cooperative phase puts back), cooperative Ready agents close every contact, each
    /// with exactly one closure code, and complete every callback; only contacts waiting in
    /// a queue nobody serves, and callbacks waiting for time (off schedule, stopped, Pending
    /// until after the end), may stay.
    #[test]
    fn cooperative_agents_close_every_contact(
        (world, steps) in any::<bool>().prop_flat_map(case)
    ) {
        run_case(&world, &steps, None, true)?;
    }
}
