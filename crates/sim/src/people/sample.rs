//! Random numbers for simulated people: a seeded generator and the scenario's distributions
//! made ready to sample in whole milliseconds.

use crate::scenario::{Dist, SAMPLE_MAX_SECONDS};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Exp, LogNormal};

/// A scenario's `Dist` made ready to sample: what does not depend on the draw (the
/// distribution's parameters, a constant's milliseconds) is computed once, by the same
/// expressions as before, so every sample is the same number from the same draws.
#[derive(Debug, Clone, Copy)]
pub enum Draw {
    /// No random draw: the milliseconds themselves.
    Fixed(i64),
    Exp(Exp<f64>),
    Uniform {
        a: f64,
        width: f64,
    },
    LogNormal(LogNormal<f64>),
}

/// Seconds to whole milliseconds, as every sample is rounded; clamped to 0 –
/// [`SAMPLE_MAX_SECONDS`] (a NaN is 0).
pub fn seconds_to_ms(seconds: f64) -> i64 {
    // `as` turns a NaN into 0.
    (seconds * 1000.0)
        .round()
        .clamp(0.0, SAMPLE_MAX_SECONDS * 1000.0) as i64
}

impl Draw {
    pub fn new(dist: &Dist) -> Draw {
        match *dist {
            Dist::Constant(x) => Draw::Fixed(seconds_to_ms(x)),
            Dist::Exponential(mean) => {
                Exp::new(1.0 / mean).map_or(Draw::Fixed(seconds_to_ms(mean)), Draw::Exp)
            }
            Dist::Uniform([a, b]) => Draw::Uniform { a, width: b - a },
            Dist::Lognormal { mean, sd } => {
                if sd <= 0.0 {
                    Draw::Fixed(seconds_to_ms(mean))
                } else {
                    LogNormal::from_mean_cv(mean, sd / mean)
                        .map_or(Draw::Fixed(seconds_to_ms(mean)), Draw::LogNormal)
                }
            }
        }
    }
}

/// The one random generator of a run (seeded ChaCha8): every draw of the simulated people
/// comes from it, in the order they act, so a seed repeats a run.
pub struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    pub fn new(seed: u64) -> Sampler {
        Sampler {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// A uniform number in [0, 1).
    #[inline]
    pub fn u01(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// A sample in milliseconds.
    #[inline]
    pub fn ms(&mut self, draw: &Draw) -> i64 {
        let seconds = match *draw {
            Draw::Fixed(ms) => return ms,
            Draw::Exp(d) => d.sample(&mut self.rng),
            Draw::Uniform { a, width } => a + width * self.u01(),
            Draw::LogNormal(d) => d.sample(&mut self.rng),
        };
        seconds_to_ms(seconds)
    }

    /// A sample of `exp` as it is, unrounded (inter-arrival gaps, in milliseconds).
    #[inline]
    pub fn exp(&mut self, exp: &Exp<f64>) -> f64 {
        exp.sample(&mut self.rng)
    }

    /// One of `items`, each as likely (a driver's own variety: a phone number's prefix…).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.rng.random_range(0..items.len())]
    }

    /// A whole number in `range`.
    pub fn range<T: rand::distr::uniform::SampleUniform + PartialOrd>(
        &mut self,
        range: std::ops::Range<T>,
    ) -> T {
        self.rng.random_range(range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unbounded distributions are clamped to 30 days a sample, so no sum on the clock can
    /// overflow; the largest parameters the parser takes still give their mean's order.
    #[test]
    fn samples_are_clamped_to_thirty_days() {
        let max_ms = (SAMPLE_MAX_SECONDS * 1000.0) as i64;
        let mut sampler = Sampler::new(3);
        for dist in [
            Dist::Exponential(crate::scenario::SECONDS_MAX),
            Dist::Lognormal {
                mean: crate::scenario::SECONDS_MAX,
                sd: crate::scenario::SECONDS_MAX,
            },
        ] {
            let draw = Draw::new(&dist);
            let samples: Vec<i64> = (0..20_000).map(|_| sampler.ms(&draw)).collect();
            assert!(samples.iter().all(|&ms| (0..=max_ms).contains(&ms)));
            assert!(samples.contains(&max_ms), "{dist:?}: some are clamped");
        }
        // Out-of-range values never reach a draw, but a clamp holds for them too.
        assert_eq!(seconds_to_ms(1e300), max_ms);
        assert_eq!(seconds_to_ms(f64::INFINITY), max_ms);
        assert_eq!(seconds_to_ms(f64::NAN), 0);
    }

    #[test]
    fn draws_are_the_samples_of_the_distributions() {
        // The prepared draw gives what sampling the distribution directly gives, draw for
        // draw (same generator state, same numbers).
        let dists = [
            Dist::Constant(2.5),
            Dist::Constant(-1.0),
            Dist::Exponential(300.0),
            Dist::Exponential(0.0),
            Dist::Uniform([1.0, 4.0]),
            Dist::Lognormal {
                mean: 240.0,
                sd: 120.0,
            },
            Dist::Lognormal { mean: 5.0, sd: 0.0 },
        ];
        for dist in dists {
            let mut a = ChaCha8Rng::seed_from_u64(7);
            let mut b = Sampler::new(7);
            let draw = Draw::new(&dist);
            for _ in 0..1000 {
                let seconds = match dist {
                    Dist::Constant(x) => x,
                    Dist::Exponential(mean) => Exp::new(1.0 / mean)
                        .map(|d| d.sample(&mut a))
                        .unwrap_or(mean),
                    Dist::Uniform([lo, hi]) => lo + (hi - lo) * a.random::<f64>(),
                    Dist::Lognormal { mean, sd } => {
                        if sd <= 0.0 {
                            mean
                        } else {
                            LogNormal::from_mean_cv(mean, sd / mean)
                                .map(|d| d.sample(&mut a))
                                .unwrap_or(mean)
                        }
                    }
                };
                let expected = (seconds * 1000.0).round().max(0.0) as i64;
                assert_eq!(b.ms(&draw), expected, "{dist:?}");
            }
        }
    }
}
