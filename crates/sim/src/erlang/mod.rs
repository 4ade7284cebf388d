//! # Erlang C and Erlang A: queueing figures for one queue
//!
//! Pure functions, no I/O. `switchboard erlang` prints what this module computes, and the
//! simulator is validated against it (docs/simulation.md, "Validation against Erlang C and
//! Erlang A").
//!
//! ## The models
//!
//! Calls arrive as a Poisson process with rate λ (per second); each call takes an
//! exponentially distributed handle time with mean S seconds (μ = 1/S); N identical agents
//! serve one FIFO queue. The *offered load* is a = λ·S Erlangs.
//!
//! - **Erlang C** (M/M/N): callers wait as long as it takes. The queue is stable only when
//!   a < N; otherwise it grows without bound and the figures say so (`stable: false`,
//!   P(wait) = 1, service level 0, no finite ASA or queue length) instead of being NaN.
//! - **Erlang A** (M/M/N+M): each waiting caller also has an exponentially distributed
//!   patience with mean P seconds (θ = 1/P) and hangs up when it runs out before an agent
//!   answers. The queue is stable for every load.
//!
//! ## Definitions (as in the simulator's report: docs/simulation.md, "Output")
//!
//! - `p_wait`: share of arrivals that find every agent busy (not sent to an agent at once).
//! - `asa_seconds`: mean wait of *answered* calls (calls answered at once count as 0).
//! - `service_level`: calls answered within T seconds ÷ arrivals. Abandoned calls count
//!   against it, whenever they hang up.
//! - `abandon_rate`: abandoned calls ÷ arrivals.
//! - `occupancy`: mean share of agents busy = answered calls × S ÷ N per unit time.
//! - `expected_queue_length`: mean number of callers waiting (Lq).
//! - `mean_wait_seconds`: mean wait of all arrivals, answered or not (Lq/λ, Little's law).
//!
//! ## Erlang C formulas
//!
//! Erlang B, B(N, a), by the recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)): every
//! step stays in (0, 1], so it is stable for any N (it only underflows to 0 when a ≪ N,
//! which is the right limit). Then
//!
//! ```text
//! C(N, a) = N·B / (N − a·(1 − B))                     (= P(wait))
//! ASA     = C·S / (N − a)
//! SL(T)   = 1 − C·exp(−(N − a)·T / S)
//! Lq      = C·a / (N − a),   occupancy = a / N,   abandonment = 0
//! ```
//!
//! ## Erlang A formulas
//!
//! The number of calls in the system is a birth–death chain: births at rate λ, deaths at
//! rate kμ for k ≤ N and Nμ + (k − N)θ above. Write the stationary probabilities relative
//! to p_N: below N, Σ_{k≤N} p_k / p_N = 1 / B(N, a) (Erlang B again, so no factorials);
//! above N, p_{N+j} / p_N = t_j = Π_{i=1..j} λ / r_i with r_i = Nμ + iθ. The t_j are
//! summed in logarithms relative to their largest term (at j* = ⌊(λ − Nμ)/θ⌋ when the
//! agents are overloaded, else j = 0), so nothing overflows; the sum stops once a bound
//! on the rest of the tail (the ratios t_{j+1}/t_j only decrease) is below 10⁻¹⁶ of what
//! has been summed, and gives up with [`ErlangError::QueueTooLong`] past
//! [`MAX_QUEUE_PLACES`] places. With Σt = Σ_j t_j:
//!
//! ```text
//! P(wait) = B·Σt / (1 − B + B·Σt)                       (PASTA: arrivals see p)
//! Lq      = P(wait) · Σ_j j·t_j / Σt
//! P(ab)   = θ·Lq / λ                                  (abandonment flow balance)
//! ```
//!
//! A caller who finds N + j calls in the system joins at queue place m = j + 1. At place
//! i it moves up (or is answered, at i = 1) at rate Nμ + (i − 1)θ and hangs up at rate θ,
//! so it leaves place i after an Exp(r_i) time whatever happens next. Hence
//!
//! ```text
//! P(answered | m)           = Π_{i=1..m} (Nμ + (i−1)θ) / (Nμ + iθ) = Nμ / r_m
//! E[W | answered, m]        = Σ_{i=1..m} 1 / r_i
//! P(answered, W ≤ T | m)    = (Nμ / r_m) · P(X_1 + … + X_m ≤ T),   X_i ~ Exp(r_i)
//! ASA                       = E[W·1{answered}] / P(answered)
//! SL(T)                     = 1 − P(wait) + Σ_m P(join at m) · P(answered, W ≤ T | m)
//! occupancy                 = a · P(answered) / N,   mean wait = Lq / λ
//! ```
//!
//! The sum of exponentials with distinct rates is not computed from its textbook closed
//! form (alternating terms that cancel catastrophically for long queues) nor by stepping a
//! chain. Its order does not matter, so P(X_1 + … + X_m ≤ T) = P(Y(T) ≥ m) for the
//! counting process Y that jumps from k to k + 1 at rate r_{k+1} = (Nμ + θ) + kθ: a
//! linear birth process with immigration (immigration Nμ + θ, birth θ per head), whose
//! state at T is negative binomial with shape 1 + Nμ/θ and success probability e^{−θT}.
//! Its probabilities follow from
//!
//! ```text
//! π_0 = exp(−r_1·T),   π_k = π_{k−1} · r_k · g / k,   g = (1 − e^{−θT}) / θ
//! P(answered, W ≤ T | m) = (Nμ / r_m) · (1 − π_0 − … − π_{m−1})
//! ```
//!
//! (as θ → 0, g → T and Y(T) is Poisson(NμT): Erlang C's "at least m completions"). The
//! π_k are carried in logarithms, so e^{−r_1·T} may underflow harmlessly, and every term
//! of the sum is positive; the service level costs a few operations per place in the same
//! pass, so an Erlang A evaluation is O(N) for Erlang B plus O(places kept) — tens of
//! microseconds for N = 1,000. (The tests check it against published figures computed by
//! uniformization of the same chain, and against a direct integration of its forward
//! equations with abandonment as a state.)
//!
//! ## Staffing
//!
//! [`staff_for`] finds the fewest agents whose service level meets a target (and, for
//! Erlang C, whose queue is stable). The service level grows with N, so the search
//! starts from a lower bound — ⌊a⌋ + 1 for Erlang C; ⌈target·a⌉ for Erlang A, since at
//! most N/a of the calls can be answered — doubles its step until the target is met and
//! then bisects: O(log N) evaluations.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

/// The most agents a model may have.
pub const MAX_AGENTS: u32 = 100_000;

/// The most queue places an Erlang A computation keeps before it gives up with
/// [`ErlangError::QueueTooLong`]. Only extreme inputs (patience of days or more on an
/// overloaded queue) come near it.
pub const MAX_QUEUE_PLACES: usize = 2_000_000;

/// The stationary tail is cut once the rest of it is below this share of its sum.
const TAIL_TOLERANCE: f64 = 1e-16;

/// An input of the calculator, as named in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Input {
    /// λ, calls per second.
    ArrivalsPerSecond,
    /// S, mean handle time in seconds.
    HandleSeconds,
    /// N.
    Agents,
    /// P, mean patience in seconds.
    PatienceSeconds,
    /// T, the service-level threshold in seconds.
    ServiceLevelSeconds,
    /// The service level a staffing search must reach.
    TargetServiceLevel,
}

impl Input {
    /// The input's name: `arrivals_per_second`, `handle_seconds`, …
    pub const fn name(self) -> &'static str {
        match self {
            Input::ArrivalsPerSecond => "arrivals_per_second",
            Input::HandleSeconds => "handle_seconds",
            Input::Agents => "agents",
            Input::PatienceSeconds => "patience_seconds",
            Input::ServiceLevelSeconds => "service_level_seconds",
            Input::TargetServiceLevel => "target_service_level",
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a model cannot be built or evaluated.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ErlangError {
    /// An input is out of its range.
    #[error("{input} must be {expected}, got {value}")]
    Invalid {
        /// Which input.
        input: Input,
        /// What was given.
        value: f64,
        /// What is allowed, as words ("a finite number greater than 0").
        expected: &'static str,
    },
    /// λ·S is not a finite positive number (both inputs valid, the product not).
    #[error(
        "the offered load arrivals_per_second × handle_seconds must be a finite number greater than 0, got {0}"
    )]
    OfferedLoad(f64),
    /// The Erlang A queue would need more than [`MAX_QUEUE_PLACES`] places.
    #[error(
        "the Erlang A queue needs more than {MAX_QUEUE_PLACES} places: patience_seconds is too long for this load"
    )]
    QueueTooLong,
}

/// Which formula a model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// M/M/N: no abandonment.
    ErlangC,
    /// M/M/N+M: exponential patience.
    ErlangA,
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ModelKind::ErlangC => "Erlang C",
            ModelKind::ErlangA => "Erlang A",
        })
    }
}

/// The traffic of a queue, without the agents: what a staffing search works from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traffic {
    arrivals_per_second: f64,
    handle_seconds: f64,
    patience_seconds: Option<f64>,
}

impl Traffic {
    /// Validates the traffic: rates and durations must be finite and greater than 0 (and
    /// normal floating-point numbers, so their reciprocals are finite), and so must the
    /// offered load λ·S. No patience means Erlang C.
    pub fn new(
        arrivals_per_second: f64,
        handle_seconds: f64,
        patience_seconds: Option<f64>,
    ) -> Result<Traffic, ErlangError> {
        positive(Input::ArrivalsPerSecond, arrivals_per_second)?;
        positive(Input::HandleSeconds, handle_seconds)?;
        if let Some(patience) = patience_seconds {
            positive(Input::PatienceSeconds, patience)?;
        }
        let offered = arrivals_per_second * handle_seconds;
        if !(offered.is_finite() && offered > 0.0) {
            return Err(ErlangError::OfferedLoad(offered));
        }
        Ok(Traffic {
            arrivals_per_second,
            handle_seconds,
            patience_seconds,
        })
    }

    /// λ, calls per second.
    pub fn arrivals_per_second(&self) -> f64 {
        self.arrivals_per_second
    }

    /// S, mean handle time in seconds.
    pub fn handle_seconds(&self) -> f64 {
        self.handle_seconds
    }

    /// P, mean patience in seconds; `None` for Erlang C.
    pub fn patience_seconds(&self) -> Option<f64> {
        self.patience_seconds
    }

    /// a = λ·S, in Erlangs.
    pub fn offered_erlangs(&self) -> f64 {
        self.arrivals_per_second * self.handle_seconds
    }

    /// Erlang A when a patience is given, else Erlang C.
    pub fn kind(&self) -> ModelKind {
        match self.patience_seconds {
            Some(_) => ModelKind::ErlangA,
            None => ModelKind::ErlangC,
        }
    }

    /// The model with `agents` agents (1 to [`MAX_AGENTS`]).
    pub fn with_agents(self, agents: u32) -> Result<Model, ErlangError> {
        if !(1..=MAX_AGENTS).contains(&agents) {
            return Err(ErlangError::Invalid {
                input: Input::Agents,
                value: f64::from(agents),
                expected: "between 1 and 100000",
            });
        }
        Ok(Model {
            arrivals_per_second: self.arrivals_per_second,
            handle_seconds: self.handle_seconds,
            agents,
            patience_seconds: self.patience_seconds,
        })
    }
}

/// One queue with its agents: Erlang C without patience, Erlang A with it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Model {
    arrivals_per_second: f64,
    handle_seconds: f64,
    agents: u32,
    patience_seconds: Option<f64>,
}

impl Model {
    /// Validates a model; see [`Traffic::new`] and [`Traffic::with_agents`].
    pub fn new(
        arrivals_per_second: f64,
        handle_seconds: f64,
        agents: u32,
        patience_seconds: Option<f64>,
    ) -> Result<Model, ErlangError> {
        Traffic::new(arrivals_per_second, handle_seconds, patience_seconds)?.with_agents(agents)
    }

    /// The model without its agents.
    pub fn traffic(&self) -> Traffic {
        Traffic {
            arrivals_per_second: self.arrivals_per_second,
            handle_seconds: self.handle_seconds,
            patience_seconds: self.patience_seconds,
        }
    }

    /// λ, calls per second.
    pub fn arrivals_per_second(&self) -> f64 {
        self.arrivals_per_second
    }

    /// S, mean handle time in seconds.
    pub fn handle_seconds(&self) -> f64 {
        self.handle_seconds
    }

    /// N.
    pub fn agents(&self) -> u32 {
        self.agents
    }

    /// P, mean patience in seconds; `None` for Erlang C.
    pub fn patience_seconds(&self) -> Option<f64> {
        self.patience_seconds
    }

    /// a = λ·S, in Erlangs.
    pub fn offered_erlangs(&self) -> f64 {
        self.arrivals_per_second * self.handle_seconds
    }

    /// Erlang A when a patience is given, else Erlang C.
    pub fn kind(&self) -> ModelKind {
        self.traffic().kind()
    }

    /// The steady-state figures, with the service level taken at `service_level_seconds`
    /// (finite, ≥ 0).
    pub fn figures(&self, service_level_seconds: f64) -> Result<Figures, ErlangError> {
        if !(service_level_seconds.is_finite() && service_level_seconds >= 0.0) {
            return Err(ErlangError::Invalid {
                input: Input::ServiceLevelSeconds,
                value: service_level_seconds,
                expected: "a finite number of seconds, 0 or more",
            });
        }
        match self.patience_seconds {
            None => Ok(self.erlang_c(service_level_seconds)),
            Some(patience) => self.erlang_a(patience, service_level_seconds),
        }
    }

    fn erlang_c(&self, threshold: f64) -> Figures {
        let handle = self.handle_seconds;
        let offered = self.offered_erlangs();
        let n = f64::from(self.agents);
        let mut figures = Figures {
            model: ModelKind::ErlangC,
            offered_erlangs: offered,
            agents: self.agents,
            stable: false,
            p_wait: 1.0,
            asa_seconds: None,
            service_level_seconds: threshold,
            service_level: 0.0,
            abandon_rate: 0.0,
            occupancy: 1.0,
            expected_queue_length: None,
            mean_wait_seconds: None,
        };
        if offered >= n {
            return figures;
        }
        let c = erlang_c(self.agents, offered);
        let spare = n - offered;
        let asa = c * handle / spare;
        figures.stable = true;
        figures.p_wait = c;
        figures.asa_seconds = Some(asa);
        figures.service_level = clamp01(1.0 - c * (-spare * threshold / handle).exp());
        figures.occupancy = offered / n;
        figures.expected_queue_length = Some(c * offered / spare);
        figures.mean_wait_seconds = Some(asa);
        figures
    }

    fn erlang_a(&self, patience: f64, threshold: f64) -> Result<Figures, ErlangError> {
        let lambda = self.arrivals_per_second;
        let theta = 1.0 / patience;
        let n = f64::from(self.agents);
        let n_mu = n / self.handle_seconds;
        let offered = self.offered_erlangs();
        let rate = |place: usize| n_mu + place as f64 * theta;

        // The largest t_j, in logarithms: t_j grows while λ ≥ r_j.
        let peak = if lambda > n_mu {
            let peak = ((lambda - n_mu) / theta).floor();
            if peak >= MAX_QUEUE_PLACES as f64 {
                return Err(ErlangError::QueueTooLong);
            }
            peak as usize
        } else {
            0
        };
        let log_peak: f64 = (1..=peak).map(|place| (lambda / rate(place)).ln()).sum();

        // Y(T) of the module docs: ln π_0 and the factor g in π_k = π_{k−1}·r_k·g/k.
        let mut log_pi = -(n_mu + theta) * threshold;
        let g = -(-theta * threshold).exp_m1() / theta;
        let mut reached = 0.0; // P(Y(T) < m) = π_0 + … + π_{m−1}

        // One pass over the queue places m = j + 1, with t̂_j = t_j / t_peak; the sums
        // are over t̂_j × (a figure of a caller who joins at place m).
        let mut log_t = 0.0;
        let (mut sum, mut queue, mut answered, mut answered_wait, mut within) =
            (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut wait = 0.0;
        for j in 0.. {
            if j >= MAX_QUEUE_PLACES {
                return Err(ErlangError::QueueTooLong);
            }
            let t = (log_t - log_peak).exp();
            let r = rate(j + 1);
            let answer = n_mu / r; // P(answered | joins at place j + 1)
            wait += 1.0 / r; // E[W | answered, place j + 1]
            sum += t;
            queue += j as f64 * t;
            answered += t * answer;
            answered_wait += t * answer * wait;
            if threshold > 0.0 {
                reached += log_pi.exp();
                within += t * answer * (1.0 - reached).max(0.0);
                log_pi += (r * g / (j + 1) as f64).ln();
            }

            let ratio = lambda / r; // t_{j+1} / t_j; later ratios are smaller
            if j >= peak && ratio < 1.0 {
                let rest = t * ratio / (1.0 - ratio);
                let rest_queue = rest * (j as f64 + 1.0 / (1.0 - ratio));
                if rest <= TAIL_TOLERANCE * sum && rest_queue <= TAIL_TOLERANCE * queue {
                    break;
                }
            }
            log_t += ratio.ln();
        }

        let b = erlang_b(self.agents, offered);
        let p_wait = if b > 0.0 {
            // B·Σt / (1 − B + B·Σt) with Σt = sum · e^log_peak, without overflow.
            let odds_against = ((-b).ln_1p() - b.ln() - sum.ln() - log_peak).exp();
            1.0 / (1.0 + odds_against)
        } else {
            0.0
        };
        let per_term = p_wait / sum; // turns a sum over t̂ into a probability
        let queue_length = per_term * queue;
        let answered = (1.0 - p_wait) + per_term * answered;
        Ok(Figures {
            model: ModelKind::ErlangA,
            offered_erlangs: offered,
            agents: self.agents,
            stable: true,
            p_wait,
            asa_seconds: (answered > 0.0).then(|| per_term * answered_wait / answered),
            service_level_seconds: threshold,
            service_level: clamp01((1.0 - p_wait) + per_term * within),
            abandon_rate: clamp01(theta * queue_length / lambda),
            occupancy: clamp01(offered * answered / n),
            expected_queue_length: Some(queue_length),
            mean_wait_seconds: Some(queue_length / lambda),
        })
    }
}

/// The steady-state figures of a [`Model`]; see the module documentation for the
/// definitions. Serialized with these snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figures {
    /// Erlang C or Erlang A.
    pub model: ModelKind,
    /// a = λ·S.
    pub offered_erlangs: f64,
    /// N.
    pub agents: u32,
    /// False for Erlang C with a ≥ N: the queue grows without bound.
    pub stable: bool,
    /// Share of arrivals that wait.
    pub p_wait: f64,
    /// Mean wait of answered calls, seconds; `None` when unbounded.
    pub asa_seconds: Option<f64>,
    /// T, the service-level threshold, seconds.
    pub service_level_seconds: f64,
    /// Calls answered within T ÷ arrivals.
    pub service_level: f64,
    /// Abandoned calls ÷ arrivals (0 for Erlang C).
    pub abandon_rate: f64,
    /// Mean share of agents busy.
    pub occupancy: f64,
    /// Mean number of callers waiting; `None` when unbounded.
    pub expected_queue_length: Option<f64>,
    /// Mean wait of all arrivals, answered or abandoned, seconds; `None` when unbounded.
    pub mean_wait_seconds: Option<f64>,
}

/// Erlang B: the share of calls blocked with `agents` servers, no queue and `offered`
/// Erlangs (finite, ≥ 0), by the stable recursion B(k) = a·B(k−1) / (k + a·B(k−1)).
pub fn erlang_b(agents: u32, offered: f64) -> f64 {
    debug_assert!(offered.is_finite() && offered >= 0.0);
    let mut b = 1.0;
    for k in 1..=agents {
        let carried = offered * b;
        b = carried / (f64::from(k) + carried);
    }
    b
}

/// Erlang C: the probability that a call waits, C(N, a) = N·B / (N − a(1 − B)); 1 when
/// the queue is unstable (a ≥ N).
pub fn erlang_c(agents: u32, offered: f64) -> f64 {
    let n = f64::from(agents);
    if offered >= n {
        return 1.0;
    }
    let b = erlang_b(agents, offered);
    n * b / (n - offered * (1.0 - b))
}

/// The fewest agents (up to [`MAX_AGENTS`]) whose service level within
/// `service_level_seconds` is at least `target_service_level` (0 < target < 1) — and,
/// for Erlang C, whose queue is stable. `None` when even [`MAX_AGENTS`] agents fall
/// short. An Erlang A model too overloaded to compute ([`ErlangError::QueueTooLong`])
/// counts as falling short.
pub fn staff_for(
    target_service_level: f64,
    service_level_seconds: f64,
    traffic: &Traffic,
) -> Result<Option<u32>, ErlangError> {
    if !(target_service_level > 0.0 && target_service_level < 1.0) {
        return Err(ErlangError::Invalid {
            input: Input::TargetServiceLevel,
            value: target_service_level,
            expected: "greater than 0 and less than 1",
        });
    }
    let offered = traffic.offered_erlangs();
    let lowest = match traffic.kind() {
        ModelKind::ErlangC => offered.floor() + 1.0,
        ModelKind::ErlangA => (target_service_level * offered).ceil().max(1.0),
    };
    if lowest > f64::from(MAX_AGENTS) {
        return Ok(None);
    }
    let lowest = lowest as u32;
    let meets = |agents: u32| -> Result<bool, ErlangError> {
        match traffic.with_agents(agents)?.figures(service_level_seconds) {
            Ok(figures) => Ok(figures.stable && figures.service_level >= target_service_level),
            Err(ErlangError::QueueTooLong) => Ok(false),
            Err(error) => Err(error),
        }
    };
    // Every count up to `below` falls short; `above` meets the target.
    let mut below = lowest - 1;
    let mut above = lowest;
    let mut step = 1;
    while !meets(above)? {
        if above == MAX_AGENTS {
            return Ok(None);
        }
        below = above;
        above = above.saturating_add(step).min(MAX_AGENTS);
        step = step.saturating_mul(2);
    }
    while above - below > 1 {
        let middle = below + (above - below) / 2;
        if meets(middle)? {
            above = middle;
        } else {
            below = middle;
        }
    }
    Ok(Some(above))
}

fn positive(input: Input, value: f64) -> Result<(), ErlangError> {
    if value.is_normal() && value > 0.0 {
        Ok(())
    } else {
        Err(ErlangError::Invalid {
            input,
            value,
            expected: "a finite number greater than 0",
        })
    }
}

fn clamp01(value: f64) -> f64 {
    value.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests;
