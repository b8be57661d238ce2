//! "What drives it": contributions to variance and the drivers of a miss,
//! against identities that hold on every sample and a toy scenario whose
//! answers are known in closed form. Tolerances are five Monte Carlo
//! standard errors, each from the estimator's influence function evaluated
//! on the toy's known law; the seed is fixed.

use crate::common::{base, json_without_timing, options, parse, report};
use revsim::report::TargetReport;

/// Contributions sum to 1 and shifts to E[R | miss] - E[R], up to
/// rounding, on every target of the base case.
#[test]
fn contributions_sum_to_one_and_shifts_to_the_mean_shift() {
    let r = report(&base(), &options(20_000, 5, 0));
    for t in &r.targets {
        assert!(!t.contributions.is_empty(), "{}", t.id);
        let shares: f64 = t
            .contributions
            .iter()
            .map(|c| c.share_of_variance.unwrap())
            .sum();
        assert!(
            (shares - 1.0).abs() < 1e-9,
            "{}: shares sum to {shares}",
            t.id
        );
        let m = &t.miss_drivers;
        assert!(m.paths > 0, "{} is missed on some paths", t.id);
        let shifts: f64 = m.streams.iter().map(|d| d.shift).sum();
        let want = m.mean_given_miss.unwrap() - t.mean;
        assert!(
            (shifts - want).abs() <= 1e-9 * t.mean.abs(),
            "{}: shifts sum to {shifts}, E[R|miss] - E[R] = {want}",
            t.id
        );
    }
}

/// A target counts only the streams of its segments.
#[test]
fn a_target_counts_only_its_own_streams() {
    let r = report(&base(), &options(2_000, 5, 0));
    let azure = &r.targets[0];
    let names: Vec<&str> = azure
        .contributions
        .iter()
        .map(|c| c.stream.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "client.tiktok_bytedance",
            "client.walmart",
            "client.intuit",
            "client.g42",
            "client.other_customers",
            "pipeline.new_enterprise_clients"
        ]
    );
    assert_eq!(r.targets[1].contributions.len(), 8);
    // Clients carry P(churned | miss); other kinds do not.
    for d in &azure.miss_drivers.streams {
        assert_eq!(
            d.churn_probability_given_miss.is_some(),
            d.stream.starts_with("client."),
            "{}",
            d.stream
        );
    }
}

#[test]
fn drivers_are_identical_for_one_two_and_eight_threads() {
    let scenario = base();
    let one = json_without_timing(&report(&scenario, &options(30_000, 9, 1)));
    assert!(one.contains("\"share_of_variance\""));
    assert!(one.contains("\"churn_probability_given_miss\""));
    for threads in [2, 8] {
        let other = json_without_timing(&report(&scenario, &options(30_000, 9, threads)));
        assert!(one == other, "{threads} threads differ from 1");
    }
}

/// One month, two clients who churn (to nothing) with monthly probability
/// `q_a` and `q_b`, independently; A spends 2, B spends 1; the target is
/// 3, so a path misses exactly when someone churns.
const Q_A: f64 = 0.3;
const Q_B: f64 = 0.2;
const PATHS: u64 = 400_000;

fn toy() -> String {
    // The annual probability whose monthly hazard is q.
    let annual = |q: f64| 1.0 - (1.0f64 - q).powi(12);
    format!(
        r#"
[scenario]
name = "two churning clients"
horizon_months = 1
[[target]]
name = "all"
amount = 3
[[client]]
name = "A"
segment = "s"
monthly_spend = 2
churn = {{ probability = {} }}
[[client]]
name = "B"
segment = "s"
monthly_spend = 1
churn = {{ probability = {} }}
"#,
        annual(Q_A),
        annual(Q_B)
    )
}

/// The toy's four outcomes: (probability, R_A, R_B, A churned, B churned).
fn outcomes() -> [(f64, f64, f64, f64, f64); 4] {
    let (a, b) = (Q_A, Q_B);
    [
        ((1.0 - a) * (1.0 - b), 2.0, 1.0, 0.0, 0.0),
        (a * (1.0 - b), 0.0, 1.0, 1.0, 0.0),
        ((1.0 - a) * b, 2.0, 0.0, 0.0, 1.0),
        (a * b, 0.0, 0.0, 1.0, 1.0),
    ]
}

/// E[f] under the toy's law.
fn expect(f: impl Fn(f64, f64, f64, f64) -> f64) -> f64 {
    outcomes()
        .iter()
        .map(|&(p, ra, rb, ca, cb)| p * f(ra, rb, ca, cb))
        .sum()
}

/// Asserts |estimate - truth| <= 5 SE, the SE being sqrt(E[IF²] / n) for
/// the estimator's influence function `influence`.
fn close(what: &str, estimate: f64, truth: f64, influence: impl Fn(f64, f64, f64, f64) -> f64) {
    let se = (expect(|ra, rb, ca, cb| influence(ra, rb, ca, cb).powi(2)) / PATHS as f64).sqrt();
    assert!(se > 0.0);
    assert!(
        (estimate - truth).abs() <= 5.0 * se,
        "{what}: estimate {estimate} vs closed form {truth} (5 SE = {})",
        5.0 * se
    );
}

fn toy_target() -> TargetReport {
    let r = report(&parse(&toy()), &options(PATHS, 17, 0));
    r.targets.into_iter().next().unwrap()
}

/// Independent streams: c_s = Var(R_s) / Var(R), here 0.84 and 0.16.
#[test]
fn contributions_of_independent_clients_are_their_variance_shares() {
    let t = toy_target();
    let mean_a = 2.0 * (1.0 - Q_A);
    let mean_b = 1.0 - Q_B;
    let mean = mean_a + mean_b;
    let var_a = 4.0 * Q_A * (1.0 - Q_A);
    let var_b = Q_B * (1.0 - Q_B);
    let var = var_a + var_b;
    assert!((var_a / var - 0.84).abs() < 1e-12);
    for (k, (var_s, mean_s)) in [(var_a, mean_a), (var_b, mean_b)].into_iter().enumerate() {
        let c = var_s / var;
        let part = |ra: f64, rb: f64| if k == 0 { ra } else { rb };
        // c = Cov(R_s, R) / Var(R): the influence of a ratio of moments.
        close(
            &format!("share of stream {k}"),
            t.contributions[k].share_of_variance.unwrap(),
            c,
            |ra, rb, _, _| {
                let d = ra + rb - mean;
                ((part(ra, rb) - mean_s) * d - c * d * d) / var
            },
        );
        // sd: the influence of sqrt(Var) is (dev² - Var) / (2 sd).
        let sd = var_s.sqrt();
        close(
            &format!("sd of stream {k}"),
            t.contributions[k].sd,
            sd,
            |ra, rb, _, _| ((part(ra, rb) - mean_s).powi(2) - var_s) / (2.0 * sd),
        );
    }
}

/// A miss is a churn: E[R_A | miss] = 2 P(A stays, B churns) / P(miss),
/// and so on for each driver.
#[test]
fn miss_drivers_of_independent_clients_match_the_closed_form() {
    let t = toy_target();
    let miss = |ra: f64, rb: f64| if ra + rb < 3.0 { 1.0 } else { 0.0 };
    let p_miss = expect(|ra, rb, _, _| miss(ra, rb));
    assert!((p_miss - 0.44).abs() < 1e-12);
    let m = &t.miss_drivers;
    close(
        "paths that miss",
        m.paths as f64 / PATHS as f64,
        p_miss,
        |ra, rb, _, _| miss(ra, rb) - p_miss,
    );
    let mean_r = expect(|ra, rb, _, _| ra + rb);
    let given_r = expect(|ra, rb, _, _| miss(ra, rb) * (ra + rb)) / p_miss;
    close(
        "E[R | miss]",
        m.mean_given_miss.unwrap(),
        given_r,
        |ra, rb, _, _| miss(ra, rb) * (ra + rb - given_r) / p_miss,
    );
    // Missed paths earn 1 (A churned, 0.24), 2 (B churned, 0.14) or 0.
    assert!((given_r - 0.52 / 0.44).abs() < 1e-12 && (mean_r - 2.2).abs() < 1e-12);
    for k in 0..2 {
        let part = move |ra: f64, rb: f64| if k == 0 { ra } else { rb };
        let churn = move |ca: f64, cb: f64| if k == 0 { ca } else { cb };
        let mean_s = expect(|ra, rb, _, _| part(ra, rb));
        let given = expect(|ra, rb, _, _| miss(ra, rb) * part(ra, rb)) / p_miss;
        let d = &m.streams[k];
        close(
            &format!("E[R_{k} | miss]"),
            d.mean_given_miss,
            given,
            |ra, rb, _, _| miss(ra, rb) * (part(ra, rb) - given) / p_miss,
        );
        // The shift's estimator is the mean over missed paths minus the
        // mean over all: the difference of the two influences.
        close(
            &format!("shift of {k}"),
            d.shift,
            given - mean_s,
            |ra, rb, _, _| miss(ra, rb) * (part(ra, rb) - given) / p_miss - (part(ra, rb) - mean_s),
        );
        let churned = expect(|ra, rb, ca, cb| miss(ra, rb) * churn(ca, cb)) / p_miss;
        close(
            &format!("P(churned {k} | miss)"),
            d.churn_probability_given_miss.unwrap(),
            churned,
            |ra, rb, ca, cb| miss(ra, rb) * (churn(ca, cb) - churned) / p_miss,
        );
    }
    // The closed forms themselves, worked by hand.
    assert!((m.streams[0].shift - (2.0 * 0.14 / 0.44 - 1.4)).abs() < 0.01);
    assert!((m.streams[1].churn_probability_given_miss.unwrap() - 0.2 / 0.44).abs() < 0.01);
}

/// A target every path reaches: the report says no path misses, with no
/// division by zero.
#[test]
fn a_target_never_missed_has_no_miss_drivers() {
    let text = toy().replace("amount = 3", "amount = 0");
    let r = report(&parse(&text), &options(1_000, 1, 0));
    let m = &r.targets[0].miss_drivers;
    assert_eq!(m.paths, 0);
    assert_eq!(m.mean_given_miss, None);
    assert!(m.streams.is_empty());
    let json = revsim::report::json::render(&r);
    assert!(json.contains("\"mean_given_miss\": null"), "{json}");
}
