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
