//! Sweeps: common random numbers, determinism, agreement with single runs
//! and with a closed form, the design's order and strata, and every kind
//! of bad sweep file.

use std::path::Path;

use revsim::engine::{RunOptions, Silent};
use revsim::scenario::{ParamValue, Scenario};
use revsim::sweep::{self, Design, Level, Levels, Sweep, SweepResult, Vary};

use crate::common::{base, check_corpus, options, parse, root, run};

const TIKTOK_CHURN: &str = "client.tiktok_bytedance.churn.probability";
const COPILOT_GROWTH: &str = "subscription.microsoft_365_copilot.annual_growth";

/// A sweep file read from text, its scenario relative to `scenarios/`.
fn sweep_from(text: &str) -> Sweep {
    match Sweep::parse(text, "test-sweep.toml", &root().join("scenarios")) {
        Ok(s) => s,
        Err(e) => panic!("sweep should be valid:\n{e}"),
    }
}

fn run_sweep(sweep: &Sweep, options: &RunOptions) -> SweepResult {
    sweep::run(sweep, options, &Silent).expect("sweep finishes")
}

fn numbers(result: &SweepResult, column: usize) -> Vec<f64> {
    result
        .rows
        .iter()
        .map(|r| match r.values[column].value() {
            ParamValue::Number(x) => *x,
            ParamValue::Dist(_) => panic!("a number was expected"),
        })
        .collect()
}

/// With common random numbers every path's revenue falls as churn rises
/// (the churn month is drawn by inversion), so the count of paths that hit
/// can only fall: exactly, not just on average.
#[test]
fn p_hit_never_rises_as_tiktok_churn_rises() {
    let sweep = sweep_from(&format!(
        "scenario = \"base.toml\"\n[[vary]]\npath = \"{TIKTOK_CHURN}\"\n\
         range = {{ from = 0.0, to = 1.0, steps = 26 }}\n"
    ));
    let result = run_sweep(&sweep, &options(4_000, 42, 0));
    assert_eq!(result.rows.len(), 26);
    assert_eq!(numbers(&result, 0)[10], 0.4);
    for target in 0..result.targets.len() {
        let hits: Vec<u64> = result.rows.iter().map(|r| r.targets[target].hits).collect();
        assert!(
            hits.windows(2).all(|w| w[1] <= w[0]),
            "target {target}: hits rose somewhere along {hits:?}"
        );
        assert!(hits[25] < hits[0], "churn made no difference: {hits:?}");
    }
    // The Azure target is sensitive: it must fall a long way, not a path.
    let p: Vec<f64> = result
        .rows
        .iter()
        .map(|r| r.targets[0].probability)
        .collect();
    assert!(p[0] - p[25] > 0.5, "{p:?}");
}

/// TikTok's churn changes TikTok's draws and nothing else: Copilot's (and
/// every other stream's) revenue is the same bits at every point.
#[test]
fn copilot_revenue_is_identical_at_every_point_of_a_tiktok_sweep() {
    let sweep = sweep_from(&format!(
        "scenario = \"base.toml\"\n[[vary]]\npath = \"{TIKTOK_CHURN}\"\n\
         values = [0.0, 0.25, 0.5, {{ dist = \"beta\", alpha = 2, beta = 2 }}, 1.0]\n"
    ));
    let result = run_sweep(&sweep, &options(3_000, 9, 2));
    let copilot = result
        .streams
        .iter()
        .position(|s| s == "subscription.microsoft_365_copilot")
        .unwrap();
    let tiktok = result
        .streams
        .iter()
        .position(|s| s == "client.tiktok_bytedance")
        .unwrap();
    let first = &result.rows[0];
    for row in &result.rows[1..] {
        for (i, (&a, &b)) in first.streams.iter().zip(&row.streams).enumerate() {
            if i != tiktok {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "stream {} moved",
                    result.streams[i]
                );
            }
        }
        assert_ne!(first.streams[tiktok], row.streams[tiktok]);
    }
    assert!(first.streams[copilot] > 0.0);
}

/// A row is exactly what a single run of that point reports: the second
/// method every row is checked against.
#[test]
fn every_row_of_a_two_way_grid_is_a_single_run_of_its_point() {
    let sweep = Sweep::load(&root().join("scenarios/sweeps/churn_by_copilot_growth.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let options = options(2_000, 5, 2);
    let result = run_sweep(&sweep, &options);
    assert_eq!(result.rows.len(), 36);
    for (i, row) in result.rows.iter().enumerate().step_by(7) {
        let mut scenario = base();
        scenario
            .set(TIKTOK_CHURN, row.values[0].value(), "test")
            .unwrap();
        scenario
            .set(COPILOT_GROWTH, row.values[1].value(), "test")
            .unwrap();
        let direct = run(&scenario, &options);
        for (t, got) in row.targets.iter().enumerate() {
            assert_eq!(
                *got,
                sweep::run::target_row(&direct, t),
                "point {i}, target {t}"
            );
        }
        let means: Vec<f64> = direct.streams.iter().map(|s| s.revenue / 2_000.0).collect();
        assert_eq!(row.streams, means, "point {i}");
    }
}

/// A client who leaves for good in the month of churn, with a target of
/// twelve full months, is hit exactly when it does not churn in the year:
/// P(hit) = 1 - p. Each row must agree within 5 standard errors.
#[test]
fn p_hit_follows_the_closed_form_one_minus_churn() {
    let scenario = toy_churn_scenario();
    let levels = (0..10).map(|i| Level::number(i as f64 / 10.0)).collect();
    let sweep = Sweep {
        origin: "toy".into(),
        scenario,
        paths: None,
        design: Design::Grid,
        vary: vec![Vary {
            path: "client.a.churn.probability".into(),
            levels: Levels::Listed(levels),
        }],
        overrides: Vec::new(),
    };
    let n = 20_000;
    let result = run_sweep(&sweep, &options(n, 3, 0));
    for (p, row) in numbers(&result, 0).into_iter().zip(&result.rows) {
        let want = 1.0 - p;
        let se = (want * (1.0 - want) / n as f64).sqrt();
        let got = row.targets[0].probability;
        assert!(
            (got - want).abs() <= 5.0 * se,
            "p = {p}: P(hit) {got}, expected {want} ± {se}"
        );
        if p == 0.0 {
            assert_eq!(got, 1.0);
        }
    }
}

pub fn toy_churn_scenario() -> Scenario {
    parse(
        "[scenario]\nname = \"toy\"\nhorizon_months = 12\n\
         [[target]]\nname = \"Twelve months\"\namount = 12e6\n\
         [[client]]\nname = \"A\"\nsegment = \"s\"\nmonthly_spend = 1e6\n\
         churn = { probability = 0.5, retain = 0.0, ramp_months = 1 }\n",
    )
}

#[test]
fn a_grid_runs_every_combination_the_first_parameter_slowest() {
    let sweep = sweep_from(&format!(
        "scenario = \"base.toml\"\npaths = 1024\n\
         [[vary]]\npath = \"{TIKTOK_CHURN}\"\nvalues = [0.1, 0.2]\n\
         [[vary]]\npath = \"{COPILOT_GROWTH}\"\nrange = {{ from = 0.5, to = 1.5, steps = 3 }}\n"
    ));
    assert_eq!(sweep.point_count(), 6);
    assert_eq!(sweep.paths_per_point(), 1024);
    let result = run_sweep(&sweep, &options(sweep.paths_per_point(), 1, 1));
    assert_eq!(numbers(&result, 0), [0.1, 0.1, 0.1, 0.2, 0.2, 0.2]);
    assert_eq!(numbers(&result, 1), [0.5, 1.0, 1.5, 0.5, 1.0, 1.5]);
    assert_eq!(result.parameters, [TIKTOK_CHURN, COPILOT_GROWTH]);
}

/// In a latin hypercube of N points each parameter's range is cut into N
/// strata and every stratum holds exactly one point.
#[test]
fn a_latin_hypercube_uses_every_stratum_of_every_parameter_once() {
    let sweep = Sweep::load(&root().join("scenarios/sweeps/latin_hypercube.toml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let Design::LatinHypercube { points } = sweep.design else {
        panic!("a latin hypercube was expected");
    };
    assert!(sweep.vary.len() >= 5);
    let set = sweep.points(42);
    assert_eq!(set.len(), points);
    for (d, vary) in sweep.vary.iter().enumerate() {
        let Levels::Interval { from, to } = vary.levels else {
            continue;
        };
        let mut strata: Vec<u64> = (0..points)
            .map(|i| match set.get(i)[d].value() {
                ParamValue::Number(x) => ((x - from) / (to - from) * points as f64) as u64,
                ParamValue::Dist(_) => panic!("intervals give numbers"),
            })
            .collect();
        strata.sort();
        assert_eq!(strata, (0..points).collect::<Vec<_>>(), "{}", vary.path);
    }
    // Another seed, another pairing; the same seed, the same design.
    assert_ne!(set.get(0), sweep.points(43).get(0));
    assert_eq!(set.get(7), sweep.points(42).get(7));
}

#[test]
fn the_shipped_sweep_files_are_valid() {
    let dir = root().join("scenarios/sweeps");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "{names:?}");
    for name in names {
        if let Err(e) = Sweep::load(&dir.join(&name)) {
            panic!("{name}:\n{e}");
        }
    }
}

/// Every broken sweep file in tests/sweep_corpus/ is refused with a
/// message naming the place and what is allowed, as for scenario files.
/// Each starts with `# expect: TEXT` lines that the error must contain.
#[test]
fn every_broken_sweep_file_is_refused_with_its_expected_message() {
    let dir = root().join("tests/sweep_corpus");
    let checked = check_corpus(&dir, |text, origin| Sweep::parse(text, origin, &dir));
    assert!(checked >= 15, "the corpus has {checked} files");
}

#[test]
fn a_missing_sweep_file_names_the_path() {
    let err = Sweep::load(Path::new("scenarios/sweeps/no_such_sweep.toml")).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("no_such_sweep.toml"), "{message}");
    assert!(message.contains("cannot read the sweep file"), "{message}");
}
