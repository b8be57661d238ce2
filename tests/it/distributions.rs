//! Distributions as analysts state them (p10/p90, p5/p95, mean/sd,
//! discrete, bernoulli) and truncation, through whole runs: the run's
//! quantiles and means against the closed forms, with tolerances from the
//! Monte Carlo error, and `--set` reaching one key of a distribution.

use revsim::dist::{Dist, Quantiles};

use crate::common::{options, parse, report, simulate};

/// One stream whose horizon revenue is one draw of `value` (one month,
/// no growth, no noise): the target's distribution is the parameter's.
fn one_draw(value: &str) -> String {
    format!(
        r#"
[scenario]
name = "One draw"
horizon_months = 1

[[target]]
name = "All"
amount = 1e6

[[stream]]
name = "S"
segment = "s"
monthly_revenue = {value}
"#
    )
}

const PATHS: u64 = 200_000;

/// The empirical CDF at the true quantile is a binomial proportion: the
/// law's CDF at the run's p-quantile is p within 5 sqrt(p(1-p)/n).
fn assert_quantile(dist: &Dist, p: f64, got: f64) {
    let f = dist.cdf(got);
    let se = (p * (1.0 - p) / PATHS as f64).sqrt();
    assert!((f - p).abs() <= 5.0 * se, "{dist}: F(q{p}) = {f}, SE {se}");
}

#[test]
fn quantile_stated_laws_recover_their_quantiles() {
    let cases = [
        (
            "{ dist = \"lognormal\", p10 = 1e5, p90 = 1e6 }",
            Dist::lognormal_quantiles(Quantiles::P10P90, 1e5, 1e6).unwrap(),
            [(0.10, 1e5), (0.90, 1e6)],
        ),
        (
            // Clamped, as a revenue must be, which moves no quantile inside.
            "{ dist = \"normal\", p10 = 8e5, p90 = 1.4e6, clamp = [0, 1e7] }",
            Dist::normal_quantiles(Quantiles::P10P90, 8e5, 1.4e6).unwrap(),
            [(0.10, 8e5), (0.90, 1.4e6)],
        ),
        (
            "{ dist = \"lognormal\", p5 = 2e5, p95 = 3e6 }",
            Dist::lognormal_quantiles(Quantiles::P5P95, 2e5, 3e6).unwrap(),
            [(0.05, 2e5), (0.95, 3e6)],
        ),
    ];
    for (i, (value, dist, stated)) in cases.into_iter().enumerate() {
        let scenario = parse(&one_draw(value));
        let r = report(&scenario, &options(PATHS, 7 + i as u64, 0));
        let q = &r.targets[0].quantiles;
        for (p, want) in stated {
            let got = [(0.05, q.p5), (0.10, q.p10), (0.90, q.p90), (0.95, q.p95)]
                .into_iter()
                .find(|&(level, _)| level == p)
                .map(|(_, q)| q)
                .unwrap();
            // The stated value is the law's quantile...
            assert!((dist.quantile(p) / want - 1.0).abs() < 1e-12, "{dist}");
            // ...and the run's quantile is it, to Monte Carlo error.
            assert_quantile(&dist, p, got);
        }
    }
}

/// mean/sd of a log-normal, and the discrete and Bernoulli laws: the run's
/// mean within 5 SE (the report's own standard error of the mean) of the
/// closed form.
#[test]
fn means_match_the_closed_forms() {
    let cases = [
        ("{ dist = \"lognormal\", mean = 2e6, sd = 1e6 }", 2e6),
        (
            "{ dist = \"discrete\", values = [0, 1e6, 2e6], weights = [5, 3, 2] }",
            0.7e6,
        ),
        // A deal that signs one time in five: 1 or 0, times nothing else.
        ("{ dist = \"bernoulli\", p = 0.2 }", 0.2),
        (
            "{ dist = \"normal\", mean = 1e6, sd = 1e5, truncate = [1e6, 2e6] }",
            1e6 + 1e5 * (2.0 / std::f64::consts::PI).sqrt(),
        ),
    ];
    for (i, (value, mean)) in cases.into_iter().enumerate() {
        let scenario = parse(&one_draw(value));
        let r = report(&scenario, &options(PATHS, 100 + i as u64, 0));
        let t = &r.targets[0];
        assert!(
            (t.mean - mean).abs() <= 5.0 * t.mean_std_error,
            "{value}: mean {} vs {mean} (SE {})",
            t.mean,
            t.mean_std_error
        );
    }
}

/// A deal that may sign: P(revenue > 0) is p within 5 SE.
#[test]
fn bernoulli_frequency_is_p() {
    let scenario = parse(&one_draw(
        "{ dist = \"discrete\", values = [0, 5e6], weights = [0.75, 0.25] }",
    ));
    let r = report(&scenario, &options(PATHS, 3, 0));
    // The target of 1e6 is hit exactly when the deal signs.
    let se = (0.25f64 * 0.75 / PATHS as f64).sqrt();
    let p = r.targets[0].probability;
    assert!((p - 0.25).abs() <= 5.0 * se, "{p}");
}

#[test]
fn set_reaches_one_key_of_a_distribution() {
    let mut scenario = parse(&one_draw("{ dist = \"lognormal\", p10 = 1e5, p90 = 1e6 }"));
    scenario
        .set_assignment("stream.s.monthly_revenue.p90=2e6")
        .unwrap();
    let listed: Vec<(String, String)> = scenario.parameters();
    assert!(listed.contains(&(
        "stream.s.monthly_revenue".into(),
        "lognormal(p10=100000, p90=2000000)".into()
    )));
    let err = scenario
        .set_assignment("stream.s.monthly_revenue.p10=3e6")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("p10 (3000000) must be less than p90 (2000000)"),
        "{err}"
    );
    let err = scenario
        .set_assignment("stream.s.monthly_revenue.sigma=1")
        .unwrap_err()
        .to_string();
    assert!(err.contains("no number `sigma`"), "{err}");
    assert!(err.contains("`p10`, `p90`"), "{err}");
}

/// The command line refuses a bad distribution with file, line, column,
/// field and what is allowed, and exit code 2.
#[test]
fn bad_distributions_exit_2_with_the_place() {
    simulate()
        .arg("tests/corpus/negative_weight.toml")
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "tests/corpus/negative_weight.toml:11:19: stream.s.monthly_revenue: \
             invalid discrete: weights[1] must be >= 0, got -0.1",
        ));
}
