//! Swarm testing (after TigerBeetle's VOPR): many runs with random seeds and randomised
//! behaviour and fault rates; any invariant or liveness failure names the seed that
//! reproduces it.

use crate::scenario::{Dist, Scenario};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Contacts per swarm run at most: many short runs find more than a few long ones.
pub const SWARM_CONTACTS_MAX: u64 = 2_000;

/// The scenario a swarm run with `seed` uses: behaviour and faults drawn from the seed.
pub fn variant(base: &Scenario, seed: u64) -> Scenario {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5157_4152_4d00_0000);
    let mut s = base.clone();
    s.seed = seed;
    s.stop.contacts = Some(
        base.stop
            .contacts
            .unwrap_or(SWARM_CONTACTS_MAX)
            .min(SWARM_CONTACTS_MAX),
    );
    s.stop.duration = None;
    let b = &mut s.behaviour;
    b.decline_probability = rng.random::<f64>() * 0.2;
    b.no_answer_probability = rng.random::<f64>() * 0.1;
    b.accept_seconds = Dist::Uniform([0.0, rng.random::<f64>() * 20.0]);
    b.connector_failures.clear();
    for reason in ["Busy", "LinkFailed", "Error", "Dropped", "Bad Number", "NA"] {
        if rng.random::<f64>() < 0.5 {
            b.connector_failures
                .insert(reason.to_string(), rng.random::<f64>() * 0.03);
        }
    }
    for q in &mut s.queues {
        if rng.random::<f64>() < 0.5 {
            q.patience_seconds = Some(Dist::Exponential(30.0 + rng.random::<f64>() * 300.0));
        }
        if rng.random::<f64>() < 0.5 {
            q.wrap_up_seconds = Dist::Uniform([0.0, rng.random::<f64>() * 60.0]);
        }
    }
    s
}
