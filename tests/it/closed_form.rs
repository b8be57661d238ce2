//! The model against answers known in closed form. Tolerances are five
//! Monte Carlo standard errors, computed from the known variance: with a
//! fixed seed the outcome is deterministic, and a correct engine misses a
//! 5-SE band with probability under one in a million per check.

use crate::common::{options, parse, report, run};

const PATHS: u64 = 200_000;

/// Asserts |estimate - truth| <= 5 SE.
fn close(what: &str, estimate: f64, truth: f64, se: f64) {
    assert!(
        (estimate - truth).abs() <= 5.0 * se,
        "{what}: estimate {estimate} vs closed form {truth} (5 SE = {})",
        5.0 * se
    );
}

fn client(p: f64, earliest: u32, horizon: u32) -> String {
    format!(
        r#"
[scenario]
name = "one churning client"
horizon_months = {horizon}
[[target]]
name = "full year"
amount = {horizon}
[[client]]
name = "C"
segment = "s"
monthly_spend = 1
churn = {{ probability = {p}, earliest_month = {earliest} }}
"#
    )
}

/// Spend 1, no growth, retain 0, ramp 1: revenue is min(T-1, H), so
/// P(revenue = H) = (1-h)^H and E = sum_{m=1..H} (1-h)^m.
#[test]
fn churning_client_matches_the_geometric_law() {
    let horizon = 12;
    let p: f64 = 0.3;
    let scenario = parse(&client(p, 1, horizon));
    let r = report(&scenario, &options(PATHS, 11, 0));
    let survive = (1.0 - p).powf(1.0 / 12.0);
    let n = PATHS as f64;

    // The whole distribution: P(revenue = k) for k < H, and the mass at H.
    let mut mean = 0.0;
    let mut second = 0.0;
    for k in 0..horizon {
        let prob = survive.powi(k as i32) * (1.0 - survive);
        mean += k as f64 * prob;
        second += (k as f64).powi(2) * prob;
    }
    let full = survive.powi(horizon as i32);
    mean += horizon as f64 * full;
    second += (horizon as f64).powi(2) * full;
    let var = second - mean * mean;
    let expected: f64 = (1..=horizon).map(|m| survive.powi(m as i32)).sum();
    assert!((mean - expected).abs() < 1e-12, "two closed forms agree");

    let t = &r.targets[0];
    close(
        "P(revenue = H)",
        t.probability,
        full,
        (full * (1.0 - full) / n).sqrt(),
    );
    close("mean", t.mean, expected, (var / n).sqrt());
    // Sample variance: SE from the fourth central moment of the same law.
    let mut m4 = 0.0;
    for k in 0..horizon {
        m4 += (k as f64 - mean).powi(4) * survive.powi(k as i32) * (1.0 - survive);
    }
    m4 += (horizon as f64 - mean).powi(4) * full;
    close("variance", t.sd * t.sd, var, ((m4 - var * var) / n).sqrt());
    // The churn probability within the horizon is 1 - (1-h)^H.
    let churn = r.streams[0].churn_probability.unwrap();
    close(
        "churn within horizon",
        churn,
        1.0 - full,
        (full * (1.0 - full) / n).sqrt(),
    );
    // The expected shortfall from H is H - E[revenue].
    assert!((t.expected_shortfall - (horizon as f64 - t.mean)).abs() < 1e-9);
}

/// With churn possible only from month 4, the chance of churn within 12
/// months is 1 - (1-h)^9.
#[test]
fn earliest_month_delays_the_hazard() {
    let p: f64 = 0.3;
    let scenario = parse(&client(p, 4, 12));
    let r = report(&scenario, &options(PATHS, 12, 0));
    let survive9 = (1.0 - p).powf(9.0 / 12.0);
    let churn = r.streams[0].churn_probability.unwrap();
    let n = PATHS as f64;
    close(
        "churn within 12 months",
        churn,
        1.0 - survive9,
        (survive9 * (1.0 - survive9) / n).sqrt(),
    );
    // No path can lose revenue in months 1-3.
    for m in &r.targets[0].monthly[..3] {
        assert_eq!((m.p5, m.p95), (1.0, 1.0));
    }
}

/// Certain churn in month 4 with retain 0.1 over a 3-month ramp keeps
/// 1, 1, 1, 0.7, 0.4, then 0.1: a total of 4.8, on every path.
#[test]
fn retain_and_ramp_follow_the_formula_exactly() {
    let text = r#"
[scenario]
name = "certain churn"
[[target]]
name = "t"
amount = 1
[[client]]
name = "C"
segment = "s"
monthly_spend = 1
churn = { probability = 1.0, earliest_month = 4, retain = 0.1, ramp_months = 3 }
"#;
    let r = report(&parse(text), &options(2_000, 1, 0));
    let t = &r.targets[0];
    let months: Vec<f64> = t.monthly.iter().map(|m| m.p50).collect();
    let expected = [1.0, 1.0, 1.0, 0.7, 0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];
    for (got, want) in months.iter().zip(expected) {
        assert!((got - want).abs() < 1e-12, "{months:?}");
    }
    assert!((t.mean - 4.8).abs() < 1e-12);
    assert_eq!(t.sd, 0.0);
    assert_eq!(r.streams[0].churn_probability, Some(1.0));
}

/// E[G_m] = (1+g)^((m-1)/12) whatever the volatility, and ln G_m is normal
/// with mean (m-1)(ln(1+g)/12 - v²/2) and variance (m-1)v².
#[test]
fn growth_index_has_the_stated_mean_and_median() {
    let (g, v): (f64, f64) = (0.5, 0.1);
    let text = format!(
        r#"
[scenario]
name = "growth"
[[target]]
name = "t"
amount = 0
[[stream]]
name = "S"
segment = "s"
monthly_revenue = 1
annual_growth = {g}
volatility = {v}
"#
    );
    let r = report(&parse(&text), &options(PATHS, 5, 0));
    let n = PATHS as f64;
    let drift = (1.0 + g).ln() / 12.0 - v * v / 2.0;
    for (i, m) in r.targets[0].monthly.iter().enumerate() {
        let steps = i as f64;
        let mean = (1.0 + g).powf(steps / 12.0);
        let var = mean * mean * ((v * v * steps).exp() - 1.0);
        close(
            &format!("mean of month {}", i + 1),
            m.mean,
            mean,
            (var / n).sqrt(),
        );
        // Median of a lognormal, with the SE of a sample median:
        // sqrt(p(1-p)/n) / density at the median.
        let median = (drift * steps).exp();
        if steps > 0.0 {
            let s = v * steps.sqrt();
            let density = 1.0 / (median * s * (2.0 * std::f64::consts::PI).sqrt());
            close(
                &format!("median of month {}", i + 1),
                m.p50,
                median,
                (0.25 / n).sqrt() / density,
            );
        } else {
            assert_eq!(m.p50, 1.0);
        }
    }
}

/// Fixed arrivals λ, spend 1, ramp 1, no growth: month j earns the number
/// of clients signed before it, so the horizon revenue is
/// sum_m N_m (H - m) with mean λ H(H-1)/2 and variance λ Σ_{k<H} k².
#[test]
fn pipeline_matches_the_compound_poisson_law() {
    let lambda = 2.0;
    let text = format!(
        r#"
[scenario]
name = "pipeline"
[[target]]
name = "t"
amount = 0
[[pipeline]]
name = "P"
segment = "s"
arrivals_per_month = {lambda}
monthly_spend = 1
"#
    );
    let r = report(&parse(&text), &options(PATHS, 8, 0));
    let n = PATHS as f64;
    let h = 12.0;
    let mean = lambda * h * (h - 1.0) / 2.0;
    let var = lambda * (0..12).map(|k| (k * k) as f64).sum::<f64>();
    let t = &r.targets[0];
    close("pipeline mean", t.mean, mean, (var / n).sqrt());
    for (j, m) in t.monthly.iter().enumerate() {
        let expected = lambda * j as f64;
        close(
            &format!("month {}", j + 1),
            m.mean,
            expected,
            (expected / n).sqrt().max(1e-12),
        );
    }
}

/// Ramp and growth of new clients: a client signed in month m pays
/// S·min(1,(k+1)/ramp)·(1+g)^k in month m+1+k, and the spend is drawn per
/// client, so E[revenue] = λ E[S] Σ_m Σ_k w(k).
#[test]
fn pipeline_ramp_growth_and_random_spend() {
    let (lambda, ramp, g, median, sigma): (f64, f64, f64, f64, f64) = (1.5, 3.0, 0.27, 0.25e6, 1.0);
    let text = format!(
        r#"
[scenario]
name = "pipeline"
[[target]]
name = "t"
amount = 0
[[pipeline]]
name = "P"
segment = "s"
arrivals_per_month = {lambda}
monthly_spend = {{ dist = "lognormal", median = {median}, sigma = {sigma} }}
ramp_months = {ramp}
annual_growth = {g}
"#
    );
    let r = report(&parse(&text), &options(PATHS, 21, 0));
    let h = 12usize;
    let monthly = (1.0 + g).powf(1.0 / 12.0);
    let w = |k: usize| ((k as f64 + 1.0) / ramp).min(1.0) * monthly.powi(k as i32);
    // Total weight of a client signed in month m (1-based): months m+1..=H.
    let weight = |m: usize| (0..h - m).map(w).sum::<f64>();
    let es = median * (sigma * sigma / 2.0).exp();
    let es2 = median * median * (2.0 * sigma * sigma).exp();
    let mean: f64 = (1..=h).map(|m| lambda * es * weight(m)).sum();
    // Compound Poisson: Var = λ E[S²] Σ_m weight(m)².
    let var: f64 = (1..=h).map(|m| lambda * es2 * weight(m).powi(2)).sum();
    close(
        "pipeline mean",
        r.targets[0].mean,
        mean,
        (var / PATHS as f64).sqrt(),
    );
}

/// A parameter given as a distribution is drawn once per path: a flat
/// stream at uniform(0, 2) a month earns 12·U over the year.
#[test]
fn parameter_distributions_are_drawn_once_per_path() {
    let text = r#"
[scenario]
name = "uncertain level"
[[target]]
name = "t"
amount = 12
[[stream]]
name = "S"
segment = "s"
monthly_revenue = { dist = "uniform", min = 0, max = 2 }
"#;
    let r = report(&parse(text), &options(PATHS, 3, 0));
    let n = PATHS as f64;
    let t = &r.targets[0];
    close("mean", t.mean, 12.0, (48.0 / n).sqrt());
    // Variance of 12U is 144/3 = 48; E[(X-μ)^4] = 144² · 1/5.
    close(
        "variance",
        t.sd * t.sd,
        48.0,
        ((144.0f64.powi(2) / 5.0 - 48.0 * 48.0) / n).sqrt(),
    );
    close("P(12U >= 12)", t.probability, 0.5, (0.25 / n).sqrt());
    // Quantiles of 12U are 24q; the median's SE is sqrt(q(1-q)/n)/f with f = 1/24.
    for (q, got) in [
        (0.05, t.quantiles.p5),
        (0.5, t.quantiles.p50),
        (0.95, t.quantiles.p95),
    ] {
        close(
            &format!("quantile {q}"),
            got,
            24.0 * q,
            (q * (1.0 - q) / n).sqrt() * 24.0,
        );
    }
    // Each month is the same draw: month 1's p50 equals the level's median.
    close(
        "month median",
        t.monthly[0].p50,
        1.0,
        (0.25 / n).sqrt() * 2.0,
    );
}

/// Subscriptions without uncertainty are exact: seats × price × 12.
#[test]
fn deterministic_subscription_is_exact() {
    let text = r#"
[scenario]
name = "seats"
[[target]]
name = "t"
amount = 360000
[[subscription]]
name = "Sub"
segment = "s"
seats = 1000
price_per_seat = 30
"#;
    let result = run(&parse(text), &options(5_000, 1, 0));
    let t = &result.targets[0];
    assert_eq!(t.moments.mean(), 360_000.0);
    assert_eq!(t.hits, 5_000);
}
