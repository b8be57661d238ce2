//! The breakeven solver: it lands within the tolerance, agrees with a
//! direct run and with a closed form, and refuses what it cannot answer.

use revsim::engine::Silent;
use revsim::scenario::ParamValue;
use revsim::sweep::{Breakeven, SolveError, solve};

use crate::common::{base, options, run};
use crate::sweep::toy_churn_scenario;

const TIKTOK_CHURN: &str = "client.tiktok_bytedance.churn.probability";

fn problem(path: &str, target: &str, level: f64) -> Breakeven {
    Breakeven {
        path: path.into(),
        from: 0.0,
        to: 1.0,
        target: target.into(),
        level,
        tolerance: 0.002,
        max_evaluations: 60,
    }
}

#[test]
fn finds_the_churn_for_even_odds_and_a_direct_run_agrees() {
    let scenario = base();
    let options = options(5_000, 42, 2);
    let problem = problem(TIKTOK_CHURN, "Azure OpenAI $1B", 0.5);
    let solution = solve(&scenario, &problem, &options, &Silent).unwrap();
    assert!(
        (solution.probability() - 0.5).abs() <= problem.tolerance,
        "{solution:?}"
    );
    assert!((0.0..=1.0).contains(&solution.value));
    assert!(solution.evaluations >= 3, "{solution:?}");
    // Bisection on [0, 1] would need about log2(1/slope-resolution) steps;
    // the Illinois steps should do clearly better than 30.
    assert!(solution.evaluations <= 30, "{solution:?}");

    let mut at_value = scenario.clone();
    at_value
        .set(TIKTOK_CHURN, &ParamValue::Number(solution.value), "test")
        .unwrap();
    let direct = run(&at_value, &options);
    assert_eq!(direct.targets[0].hits, solution.at_value.hits);
    assert_eq!(
        direct.targets[0].hits as f64 / 5_000.0,
        solution.probability()
    );
}

/// On the toy client P(hit) = 1 - p, so even odds are at p = 0.5; the
/// solver's answer must lie within 5 standard errors (plus the tolerance)
/// of it, the slope being -1.
#[test]
fn lands_on_the_closed_form_answer() {
    let n = 20_000;
    let solution = solve(
        &toy_churn_scenario(),
        &Breakeven {
            tolerance: 0.001,
            ..problem("client.a.churn.probability", "twelve_months", 0.5)
        },
        &options(n, 8, 0),
        &Silent,
    )
    .unwrap();
    let se = (0.25 / n as f64).sqrt();
    assert!(
        (solution.value - 0.5).abs() <= 5.0 * se + 0.001,
        "{solution:?}"
    );
    // The value's interval inverts the probability's: with slope -1 it is
    // as wide as the Wilson interval, up to the tolerance at each end and
    // the estimate's own noise over that width (the empirical CDF of a
    // uniform moves by about sqrt(width / n) over it).
    let [lo, hi] = solution.value_ci95;
    let [p_lo, p_hi] = solution.at_value.probability_ci95;
    assert!(lo < solution.value && solution.value < hi, "{solution:?}");
    let noise = (2.0 * (p_hi - p_lo) / n as f64).sqrt();
    assert!(
        ((hi - lo) - (p_hi - p_lo)).abs() <= 2.0 * 0.001 + 5.0 * noise,
        "{solution:?}"
    );
}

#[test]
fn refuses_a_level_the_range_does_not_reach() {
    let err = solve(
        &base(),
        &problem(TIKTOK_CHURN, "azure_openai_1b", 0.99),
        &options(2_000, 42, 0),
        &Silent,
    )
    .unwrap_err();
    let SolveError::NotBracketed { at_from, at_to, .. } = &err else {
        panic!("expected NotBracketed, got {err:?}");
    };
    assert!(*at_from < 0.99 && *at_to < 0.99);
    let message = err.to_string();
    assert!(message.contains("no value of"), "{message}");
    assert!(message.contains("widen --range"), "{message}");
}

#[test]
fn refuses_unknown_paths_and_targets_with_suggestions() {
    let err = solve(
        &base(),
        &problem(
            "client.tiktok_bytedance.churn.probabilty",
            "Azure OpenAI 1B",
            0.5,
        ),
        &options(1_000, 1, 0),
        &Silent,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, SolveError::Invalid(_)));
    assert!(
        message.contains(&format!("did you mean `{TIKTOK_CHURN}`")),
        "{message}"
    );
    assert!(
        message.contains("did you mean \"Azure OpenAI $1B\""),
        "{message}"
    );
}

#[test]
fn refuses_an_empty_range_and_a_level_outside_zero_one() {
    let mut p = problem(TIKTOK_CHURN, "azure_openai_1b", 1.5);
    p.from = 1.0;
    p.to = 0.0;
    let err = solve(&base(), &p, &options(1_000, 1, 0), &Silent).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("--range: an empty range"), "{message}");
    assert!(
        message.contains("--probability: 1.5 is not allowed"),
        "{message}"
    );
}

/// With 100 paths the estimate moves in steps of 1%, so a tolerance of
/// 0.1% around a level between steps cannot be met: the solver says so
/// rather than returning a value that does not meet it.
#[test]
fn says_when_the_estimate_jumps_over_the_tolerance() {
    let p = Breakeven {
        tolerance: 0.001,
        max_evaluations: 200,
        ..problem("client.a.churn.probability", "twelve_months", 0.505)
    };
    let err = solve(&toy_churn_scenario(), &p, &options(100, 8, 1), &Silent).unwrap_err();
    let SolveError::NotReached { below, above, .. } = &err else {
        panic!("expected NotReached, got {err:?}");
    };
    assert!(below < above);
    assert!(err.to_string().contains("use more paths"), "{err}");
}

/// An answer at an end of the range: P(hit) = 1 at p = 0, so the interval
/// runs from that end to where 1 - p meets the Wilson interval's lower
/// end, n / (n + z²), within a few standard errors of the estimate there.
#[test]
fn the_interval_of_an_answer_at_the_end_of_the_range() {
    let n = 2_000;
    let solution = solve(
        &toy_churn_scenario(),
        &Breakeven {
            tolerance: 0.01,
            ..problem("client.a.churn.probability", "twelve_months", 0.999)
        },
        &options(n, 8, 0),
        &Silent,
    )
    .unwrap();
    assert_eq!(solution.value, 0.0, "{solution:?}");
    let [lo, hi] = solution.value_ci95;
    assert_eq!(lo, 0.0, "{solution:?}");
    let z2 = 1.959_963_984_540_054_f64.powi(2);
    let crossing = 1.0 - n as f64 / (n as f64 + z2);
    let se = (crossing / n as f64).sqrt();
    assert!(
        hi > 0.0 && (hi - crossing).abs() <= 5.0 * se + 0.001,
        "{solution:?}"
    );
}

/// The value's interval shares `--max-evaluations` with the search, even
/// where the estimate moves in steps too coarse to narrow it well.
#[test]
fn the_interval_stays_within_the_evaluations_allowed() {
    for max_evaluations in [5, 12, 40] {
        let p = Breakeven {
            tolerance: 0.0001,
            max_evaluations,
            ..problem("client.a.churn.probability", "twelve_months", 0.5)
        };
        match solve(&toy_churn_scenario(), &p, &options(200, 8, 1), &Silent) {
            Ok(s) => {
                assert!(s.evaluations <= max_evaluations, "{s:?}");
                let [lo, hi] = s.value_ci95;
                assert!(lo <= s.value && s.value <= hi, "{s:?}");
            }
            Err(SolveError::NotReached { evaluations, .. }) => {
                assert!(evaluations <= max_evaluations);
            }
            Err(e) => panic!("{e}"),
        }
    }
}
