//! # Erlang C and Erlang A: queueing figures for one queue
//!
//! Pure functions, no I/O. `switchboard erlang` prints what this module computes, and the
//! simulator is validated against it (PRODUCT.md §11).
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
//! ## Definitions (as in the simulator's report, PRODUCT.md §11)
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
mod tests {
    use super::*;

    fn near(actual: f64, expected: f64, tolerance: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{what}: {actual} vs {expected} (tolerance {tolerance})"
        );
    }

    fn relative(actual: f64, expected: f64, tolerance: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tolerance * expected.abs(),
            "{what}: {actual} vs {expected} (relative tolerance {tolerance})"
        );
    }

    fn figures(lambda: f64, handle: f64, agents: u32, patience: Option<f64>, t: f64) -> Figures {
        Model::new(lambda, handle, agents, patience)
            .unwrap()
            .figures(t)
            .unwrap()
    }

    fn all_finite(figures: &Figures) -> bool {
        [
            figures.p_wait,
            figures.service_level,
            figures.abandon_rate,
            figures.occupancy,
            figures.asa_seconds.unwrap_or(0.0),
            figures.expected_queue_length.unwrap_or(0.0),
            figures.mean_wait_seconds.unwrap_or(0.0),
        ]
        .iter()
        .all(|value| value.is_finite())
            && (0.0..=1.0).contains(&figures.p_wait)
            && (0.0..=1.0).contains(&figures.service_level)
            && (0.0..=1.0).contains(&figures.abandon_rate)
            && (0.0..=1.0).contains(&figures.occupancy)
    }

    /// The textbook formula, P0 from Σ a^k/k!: fine in f64 for small N and a.
    fn textbook_erlang_c(agents: u32, offered: f64) -> f64 {
        let n = f64::from(agents);
        let mut term = 1.0; // a^k / k!
        let mut below = 0.0;
        for k in 0..agents {
            below += term;
            term *= offered / f64::from(k + 1);
        }
        let top = term * n / (n - offered);
        top / (below + top)
    }

    /// P(wait) for M/M/N from the birth–death chain directly: p_k / p_N downwards by
    /// p_{k−1} = p_k · k/a, and the geometric queue 1/(1 − a/N). A different route from
    /// the Erlang B recursion; fine in f64 when a is near N.
    fn chain_erlang_c(agents: u32, offered: f64) -> f64 {
        let mut below = 0.0;
        let mut ratio = 1.0;
        for k in (1..=agents).rev() {
            ratio *= f64::from(k) / offered;
            below += ratio;
        }
        let queue = 1.0 / (1.0 - offered / f64::from(agents));
        queue / (below + queue)
    }

    #[test]
    fn erlang_b_matches_known_values() {
        // B(1, a) = a/(1+a); B(2, 1) = (1/2)/(1 + 1 + 1/2) = 0.2.
        relative(erlang_b(1, 3.0), 0.75, 1e-15, "B(1, 3)");
        relative(erlang_b(2, 1.0), 0.2, 1e-15, "B(2, 1)");
        assert_eq!(erlang_b(0, 5.0), 1.0);
        // a ≪ N underflows to 0, not NaN.
        assert_eq!(erlang_b(5_000, 1.0), 0.0);
    }

    #[test]
    fn erlang_c_matches_the_textbook_sum_for_small_teams() {
        // λ = 360 calls/h (0.1/s), S = 240 s: a = 24 Erlangs.
        for agents in 25..=30 {
            let f = figures(0.1, 240.0, agents, None, 20.0);
            let c = textbook_erlang_c(agents, 24.0);
            relative(f.p_wait, c, 1e-12, &format!("C({agents}, 24)"));
            let spare = f64::from(agents) - 24.0;
            relative(f.asa_seconds.unwrap(), c * 240.0 / spare, 1e-12, "ASA");
            relative(
                f.service_level,
                1.0 - c * (-spare * 20.0 / 240.0).exp(),
                1e-12,
                "service level",
            );
            relative(f.occupancy, 24.0 / f64::from(agents), 1e-15, "occupancy");
            relative(
                f.expected_queue_length.unwrap(),
                c * 24.0 / spare,
                1e-12,
                "Lq",
            );
            assert_eq!(f.abandon_rate, 0.0);
            assert!(f.stable);
        }
        // The last is the 360 calls per half hour, 4 minutes, 55 agents example.
        for (agents, offered) in [
            (1, 0.5),
            (2, 1.5),
            (5, 4.9),
            (11, 10.0),
            (30, 29.0),
            (55, 48.0),
        ] {
            relative(
                erlang_c(agents, offered),
                textbook_erlang_c(agents, offered),
                1e-12,
                &format!("C({agents}, {offered})"),
            );
        }
        // M/M/1: C = ρ.
        relative(erlang_c(1, 0.7), 0.7, 1e-15, "C(1, 0.7)");
    }

    /// The worked example of callcentrehelper.com's "Erlang C formula – made simple",
    /// also the README example of pyworkforce (ErlangC(transactions=100, aht=3,
    /// asa=20/60, interval=30) → 14 positions, service level 0.8883500191794669,
    /// waiting probability 0.1741319335950498, occupancy 0.7142857142857143): 100 calls
    /// in 30 minutes, 180 s handle time, 80 % within 20 s.
    #[test]
    fn the_published_call_centre_example() {
        let traffic = Traffic::new(100.0 / 1800.0, 180.0, None).unwrap();
        relative(traffic.offered_erlangs(), 10.0, 1e-15, "a");
        let f = traffic.with_agents(14).unwrap().figures(20.0).unwrap();
        relative(f.p_wait, 0.1741319335950498, 1e-12, "P(wait)");
        relative(f.service_level, 0.8883500191794669, 1e-12, "service level");
        relative(f.occupancy, 0.7142857142857143, 1e-15, "occupancy");
        relative(
            f.asa_seconds.unwrap(),
            0.1741319335950498 * 45.0,
            1e-12,
            "ASA",
        );
        assert_eq!(staff_for(0.8, 20.0, &traffic), Ok(Some(14)));
        // The same at the textbook's first try, 11 agents, against the sum.
        let f = traffic.with_agents(11).unwrap().figures(20.0).unwrap();
        relative(f.p_wait, textbook_erlang_c(11, 10.0), 1e-12, "C(11, 10)");
        near(f.p_wait, 0.6821, 5e-5, "C(11, 10) ≈ 68.21 %");
        near(f.asa_seconds.unwrap(), 122.8, 0.05, "ASA ≈ 122.8 s");
    }

    #[test]
    fn erlang_c_is_stable_for_thousands_of_agents() {
        for (agents, load) in [(1_000, 0.9), (1_000, 0.99), (5_000, 0.95), (20_000, 0.98)] {
            let offered = f64::from(agents) * load;
            let f = figures(offered / 240.0, 240.0, agents, None, 20.0);
            assert!(all_finite(&f), "{f:?}");
            relative(
                f.p_wait,
                chain_erlang_c(agents, offered),
                1e-9,
                &format!("C({agents}, {offered})"),
            );
        }
        // Lightly loaded: B underflows, C is 0, SL 1.
        let f = figures(1.0 / 240.0, 240.0, 5_000, None, 20.0);
        assert_eq!(f.p_wait, 0.0);
        assert_eq!(f.service_level, 1.0);
    }

    #[test]
    fn an_unstable_erlang_c_queue_is_reported_not_nan() {
        for agents in [10, 24] {
            let f = figures(0.1, 240.0, agents, None, 20.0);
            assert!(!f.stable);
            assert_eq!(f.p_wait, 1.0);
            assert_eq!(f.asa_seconds, None);
            assert_eq!(f.service_level, 0.0);
            assert_eq!(f.occupancy, 1.0);
            assert_eq!(f.expected_queue_length, None);
            assert_eq!(f.mean_wait_seconds, None);
        }
        assert_eq!(erlang_c(24, 24.0), 1.0);
    }

    #[test]
    fn service_level_within_zero_seconds_is_one_minus_p_wait() {
        let f = figures(0.1, 240.0, 27, None, 0.0);
        relative(f.service_level, 1.0 - f.p_wait, 1e-15, "Erlang C");
        let f = figures(0.1, 240.0, 27, Some(120.0), 0.0);
        relative(f.service_level, 1.0 - f.p_wait, 1e-15, "Erlang A");
    }

    #[test]
    fn erlang_a_with_endless_patience_is_erlang_c() {
        for agents in [25, 27, 30] {
            let c = figures(0.1, 240.0, agents, None, 20.0);
            // The gap shrinks in proportion to θ (about 1e-7 at P = 1e10 s for N = 25).
            let a = figures(0.1, 240.0, agents, Some(1e13), 20.0);
            relative(a.p_wait, c.p_wait, 1e-6, "P(wait)");
            relative(a.asa_seconds.unwrap(), c.asa_seconds.unwrap(), 1e-5, "ASA");
            relative(a.service_level, c.service_level, 1e-7, "service level");
            relative(
                a.expected_queue_length.unwrap(),
                c.expected_queue_length.unwrap(),
                1e-5,
                "Lq",
            );
            relative(a.occupancy, c.occupancy, 1e-7, "occupancy");
            assert!(a.abandon_rate < 1e-6);
        }
        // Also for 1,000 agents at 95 % load.
        let c = figures(950.0 / 240.0, 240.0, 1_000, None, 20.0);
        let a = figures(950.0 / 240.0, 240.0, 1_000, Some(1e13), 20.0);
        relative(a.p_wait, c.p_wait, 1e-5, "P(wait), N = 1000");
        relative(a.service_level, c.service_level, 1e-5, "SL, N = 1000");
        relative(a.asa_seconds.unwrap(), c.asa_seconds.unwrap(), 1e-4, "ASA");
    }

    #[test]
    fn erlang_a_with_no_patience_is_erlang_b() {
        for agents in [5, 20, 24, 30] {
            let f = figures(0.1, 240.0, agents, Some(1e-7), 20.0);
            let b = erlang_b(agents, 24.0);
            relative(f.p_wait, b, 1e-6, "P(wait) = B");
            relative(f.abandon_rate, b, 1e-6, "abandonment = B");
            relative(f.service_level, 1.0 - b, 1e-6, "SL = 1 − B");
            relative(
                f.occupancy,
                24.0 * (1.0 - b) / f64::from(agents),
                1e-6,
                "occ",
            );
        }
    }

    #[test]
    fn erlang_a_balances_answered_and_abandoned_calls() {
        // Answered (summed place by place) + abandoned (θ·Lq/λ) = all arrivals,
        // under load, at load and overloaded, small and large teams.
        for (lambda, handle, agents, patience) in [
            (0.1, 240.0, 20, 60.0),
            (0.1, 240.0, 24, 180.0),
            (0.1, 240.0, 30, 30.0),
            (1.0, 300.0, 200, 600.0),
            (5.0, 240.0, 1_000, 180.0),
            (4.0, 240.0, 1_000, 180.0),
            (2.0, 3600.0, 1, 10.0),
        ] {
            let f = figures(lambda, handle, agents, Some(patience), 20.0);
            assert!(all_finite(&f), "{f:?}");
            let answered = f.occupancy * f64::from(agents) / f.offered_erlangs;
            near(
                answered + f.abandon_rate,
                1.0,
                1e-12,
                &format!("balance {lambda} {handle} {agents} {patience}"),
            );
            // Little: mean wait = Lq / λ.
            relative(
                f.mean_wait_seconds.unwrap(),
                f.expected_queue_length.unwrap() / lambda,
                1e-12,
                "Little",
            );
            assert!(f.service_level <= answered + 1e-12);
        }
    }

    /// M/M/N+M by brute force: the chain from k = 0 with a fixed, generous truncation,
    /// and the tagged caller's chain (served and abandoned as states, no factorization)
    /// integrated with RK4 on a fine grid.
    struct BruteForce {
        p_wait: f64,
        queue_length: f64,
        abandon: f64,
        service_level: f64,
        asa: f64,
    }

    fn brute_force(lambda: f64, handle: f64, agents: usize, patience: f64, t: f64) -> BruteForce {
        let (mu, theta) = (1.0 / handle, 1.0 / patience);
        let places = 150;
        let mut p = vec![1.0];
        for k in 1..=agents + places {
            let death = k.min(agents) as f64 * mu + k.saturating_sub(agents) as f64 * theta;
            p.push(p[k - 1] * lambda / death);
        }
        let total: f64 = p.iter().sum();
        p.iter_mut().for_each(|value| *value /= total);
        let p_wait: f64 = p[agents..].iter().sum();
        let queue_length: f64 = (agents..p.len()).map(|k| (k - agents) as f64 * p[k]).sum();

        // State: mass at places 1..=places, answered mass, ∫ time d(answered).
        let n_mu = agents as f64 * mu;
        let derivative = |time: f64, state: &[f64]| -> Vec<f64> {
            let mut d = vec![0.0; state.len()];
            for m in 1..=places {
                let out = n_mu + m as f64 * theta;
                let inflow = if m < places {
                    state[m] * (n_mu + m as f64 * theta)
                } else {
                    0.0
                };
                d[m - 1] = -out * state[m - 1] + inflow;
            }
            d[places] = n_mu * state[0];
            d[places + 1] = time * n_mu * state[0];
            d
        };
        let mut state = vec![0.0; places + 2];
        state[..places].copy_from_slice(&p[agents..agents + places]);
        let dt = 0.05;
        let (mut time, mut answered_by_t) = (0.0, None);
        loop {
            if answered_by_t.is_none() && time >= t - 1e-9 {
                answered_by_t = Some(state[places]);
            }
            let waiting: f64 = state[..places].iter().sum();
            if answered_by_t.is_some() && waiting < 1e-13 {
                break;
            }
            let k1 = derivative(time, &state);
            let s2: Vec<f64> = state
                .iter()
                .zip(&k1)
                .map(|(s, k)| s + dt / 2.0 * k)
                .collect();
            let k2 = derivative(time + dt / 2.0, &s2);
            let s3: Vec<f64> = state
                .iter()
                .zip(&k2)
                .map(|(s, k)| s + dt / 2.0 * k)
                .collect();
            let k3 = derivative(time + dt / 2.0, &s3);
            let s4: Vec<f64> = state.iter().zip(&k3).map(|(s, k)| s + dt * k).collect();
            let k4 = derivative(time + dt, &s4);
            for i in 0..state.len() {
                state[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
            time += dt;
        }
        let answered = (1.0 - p_wait) + state[places];
        BruteForce {
            p_wait,
            queue_length,
            abandon: 1.0 - answered,
            service_level: (1.0 - p_wait) + answered_by_t.unwrap(),
            asa: state[places + 1] / answered,
        }
    }

    #[test]
    fn erlang_a_matches_a_brute_force_computation() {
        for (lambda, handle, agents, patience, t) in [
            (1.0 / 18.0, 180.0, 14, 300.0, 20.0),
            (1.0 / 18.0, 180.0, 9, 300.0, 20.0),
            (0.1, 240.0, 22, 60.0, 30.0),
            (0.05, 60.0, 2, 120.0, 10.0),
        ] {
            let f = figures(lambda, handle, agents as u32, Some(patience), t);
            let brute = brute_force(lambda, handle, agents, patience, t);
            let what = format!("λ {lambda} S {handle} N {agents} P {patience}");
            relative(f.p_wait, brute.p_wait, 1e-12, &format!("P(wait), {what}"));
            relative(
                f.expected_queue_length.unwrap(),
                brute.queue_length,
                1e-12,
                &format!("Lq, {what}"),
            );
            relative(
                f.abandon_rate,
                brute.abandon,
                1e-9,
                &format!("P(ab), {what}"),
            );
            near(
                f.service_level,
                brute.service_level,
                1e-11,
                &format!("SL, {what}"),
            );
            relative(
                f.asa_seconds.unwrap(),
                brute.asa,
                1e-9,
                &format!("ASA, {what}"),
            );
        }
    }

    /// pyworkforce's ErlangA (exact birth–death chain, tagged-customer uniformization)
    /// publishes, for 100 calls in 30 min, AHT 3 min, patience 5 min, 20 s: at 14
    /// positions P(wait) 0.14526, abandonment 0.013984, occupancy 0.704297, mean wait of
    /// all arrivals 0.069919 min and service level 0.916792 (its regression test); at 13
    /// positions service level 0.858…, abandonment 0.025…, P(wait) 0.226…, mean wait
    /// 0.125… min (its README, shown to three decimals). Its "average_speed_of_answer" is Lq/λ, our
    /// `mean_wait_seconds`.
    #[test]
    fn the_published_erlang_a_example() {
        let f = figures(1.0 / 18.0, 180.0, 14, Some(300.0), 20.0);
        near(f.p_wait, 0.14526, 5e-6, "P(wait)");
        near(f.abandon_rate, 0.013984, 5e-7, "abandonment");
        near(f.occupancy, 0.704297, 5e-7, "occupancy");
        near(
            f.mean_wait_seconds.unwrap() / 60.0,
            0.069919,
            5e-7,
            "mean wait",
        );
        near(f.service_level, 0.916792, 5e-7, "service level");

        let f = figures(1.0 / 18.0, 180.0, 13, Some(300.0), 20.0);
        near(f.service_level, 0.858, 5e-4, "service level, 13");
        near(f.abandon_rate, 0.025, 5e-4, "abandonment, 13");
        near(f.p_wait, 0.226, 5e-4, "P(wait), 13");
        near(f.occupancy, 0.750, 5e-4, "occupancy, 13");
        near(
            f.mean_wait_seconds.unwrap() / 60.0,
            0.125,
            5e-4,
            "mean wait, 13",
        );
    }

    #[test]
    fn erlang_a_is_stable_for_thousands_of_agents() {
        for (agents, load, patience) in [
            (1_000, 0.9, 180.0),
            (1_000, 1.0, 180.0),
            (1_000, 1.3, 180.0),
            (5_000, 0.97, 300.0),
            (5_000, 1.1, 1e5),
            (100_000, 0.99, 60.0),
        ] {
            let handle = 240.0;
            let lambda = f64::from(agents) * load / handle;
            let f = figures(lambda, handle, agents, Some(patience), 20.0);
            assert!(all_finite(&f), "{agents} {load} {patience}: {f:?}");
            if load > 1.0 {
                // At least (λ − Nμ)/λ of the calls must abandon.
                assert!(f.abandon_rate >= 1.0 - 1.0 / load - 1e-9, "{f:?}");
            }
        }
        // Lightly loaded: B underflows to 0 and nobody waits.
        let f = figures(1.0 / 240.0, 240.0, 5_000, Some(60.0), 20.0);
        assert_eq!(f.p_wait, 0.0);
        assert_eq!(f.service_level, 1.0);
    }

    #[test]
    fn a_hopelessly_long_erlang_a_queue_is_an_error() {
        let model = Model::new(10.0, 240.0, 10, Some(1e9)).unwrap();
        assert_eq!(model.figures(20.0), Err(ErlangError::QueueTooLong));
    }

    #[test]
    fn service_level_grows_with_agents() {
        for patience in [None, Some(60.0), Some(600.0)] {
            let mut previous = -1.0;
            for agents in 10..=40 {
                let sl = figures(0.1, 240.0, agents, patience, 20.0).service_level;
                assert!(sl >= previous, "{patience:?} {agents}: {sl} < {previous}");
                previous = sl;
            }
        }
    }

    #[test]
    fn staffing_finds_the_fewest_agents_meeting_the_target() {
        for (lambda, handle, patience, target, t) in [
            (0.1, 240.0, None, 0.8, 20.0),
            (0.1, 240.0, Some(120.0), 0.8, 20.0),
            (0.1, 240.0, None, 0.95, 10.0),
            (1.0 / 18.0, 180.0, Some(300.0), 0.8, 20.0),
            (0.001, 240.0, None, 0.5, 20.0),
            (1_000.0 / 240.0 * 1.0, 240.0, None, 0.8, 20.0),
            (1_000.0 / 240.0, 240.0, Some(180.0), 0.9, 20.0),
            (5_000.0 / 240.0, 240.0, Some(300.0), 0.8, 20.0),
        ] {
            let traffic = Traffic::new(lambda, handle, patience).unwrap();
            let agents = staff_for(target, t, &traffic).unwrap().unwrap();
            let sl = |n: u32| traffic.with_agents(n).unwrap().figures(t).unwrap();
            let at = sl(agents);
            assert!(at.stable && at.service_level >= target, "{agents}: {at:?}");
            if agents > 1 {
                let before = sl(agents - 1);
                assert!(
                    !before.stable || before.service_level < target,
                    "{agents} − 1: {before:?}"
                );
            }
        }
        // a = 24, T = 20 s: SL(28) = 0.7613, SL(29) = 0.8403.
        let traffic = Traffic::new(0.1, 240.0, None).unwrap();
        assert_eq!(staff_for(0.8, 20.0, &traffic), Ok(Some(29)));
        let sl = |agents: u32| {
            let c = textbook_erlang_c(agents, 24.0);
            1.0 - c * (-(f64::from(agents) - 24.0) * 20.0 / 240.0).exp()
        };
        near(sl(28), 0.7613, 5e-5, "SL(28)");
        near(sl(29), 0.8403, 5e-5, "SL(29)");
        // 1,000 Erlangs: square-root staffing says a little over a + √a.
        let traffic = Traffic::new(1_000.0 / 240.0, 240.0, None).unwrap();
        let agents = staff_for(0.8, 20.0, &traffic).unwrap().unwrap();
        assert!((1_001..1_060).contains(&agents), "{agents}");
    }

    #[test]
    fn staffing_beyond_the_limit_is_none() {
        let traffic = Traffic::new(200_000.0 / 240.0, 240.0, None).unwrap();
        assert_eq!(staff_for(0.8, 20.0, &traffic), Ok(None));
    }

    #[test]
    fn invalid_inputs_are_named() {
        let invalid = |result: Result<Model, ErlangError>| match result {
            Err(ErlangError::Invalid { input, .. }) => input,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            invalid(Model::new(-1.0, 240.0, 10, None)),
            Input::ArrivalsPerSecond
        );
        assert_eq!(
            invalid(Model::new(f64::NAN, 240.0, 10, None)),
            Input::ArrivalsPerSecond
        );
        assert_eq!(
            invalid(Model::new(0.1, 0.0, 10, None)),
            Input::HandleSeconds
        );
        assert_eq!(
            invalid(Model::new(0.1, f64::INFINITY, 10, None)),
            Input::HandleSeconds
        );
        assert_eq!(invalid(Model::new(0.1, 240.0, 0, None)), Input::Agents);
        assert_eq!(
            invalid(Model::new(0.1, 240.0, MAX_AGENTS + 1, None)),
            Input::Agents
        );
        assert_eq!(
            invalid(Model::new(0.1, 240.0, 10, Some(0.0))),
            Input::PatienceSeconds
        );
        assert_eq!(
            Model::new(1e200, 1e200, 10, None),
            Err(ErlangError::OfferedLoad(f64::INFINITY))
        );
        let model = Model::new(0.1, 240.0, 30, None).unwrap();
        assert!(matches!(
            model.figures(-1.0),
            Err(ErlangError::Invalid {
                input: Input::ServiceLevelSeconds,
                ..
            })
        ));
        let traffic = model.traffic();
        for target in [0.0, 1.0, 80.0, f64::NAN] {
            assert!(matches!(
                staff_for(target, 20.0, &traffic),
                Err(ErlangError::Invalid {
                    input: Input::TargetServiceLevel,
                    ..
                })
            ));
        }
        assert_eq!(
            Model::new(0.1, -5.0, 10, None).unwrap_err().to_string(),
            "handle_seconds must be a finite number greater than 0, got -5"
        );
    }
}
