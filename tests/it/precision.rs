//! `--precision`: a run that stops when every target's P(hit) (or mean)
//! is known to the half-width asked, at a path count that is the same
//! whatever the threads, and whose result is that of a fixed run of those
//! paths.

use predicates::prelude::*;

use crate::common::{base, json_of, json_without_timing, options, simulate};
use revsim::engine::precision::{Precision, Reason, Rule, probability_half_width};
use revsim::engine::{self, QuantileChoice, RunOptions, Silent};
use revsim::report;

fn to_precision(options: &RunOptions, precision: &Precision) -> revsim::engine::RunResult {
    let options = options.for_precision(precision.max_paths);
    engine::run_to_precision(&base(), &options, precision, &Silent).expect("run finishes")
}

fn half_point() -> Precision {
    Precision {
        rules: vec![Rule::Probability(0.005)],
        max_paths: 1_000_000_000,
    }
}

/// The stopping point is decided on totals merged in block order, so
/// threads 1, 2 and 8 stop at the same path count with the same bits.
#[test]
fn the_stopping_count_is_the_same_for_one_two_and_eight_threads() {
    let precision = half_point();
    let runs: Vec<_> = [1, 2, 8]
        .iter()
        .map(|&threads| to_precision(&options(0, 11, threads), &precision))
        .collect();
    let json: Vec<String> = runs
        .iter()
        .map(|r| json_without_timing(&report::build(&base(), r)))
        .collect();
    for (r, j) in runs.iter().zip(&json).skip(1) {
        assert_eq!(r.paths, runs[0].paths);
        assert!(*j == json[0], "the reports differ");
    }
    let stopping = runs[0].stopping.as_ref().unwrap();
    assert_eq!(stopping.reason, Reason::Precision);
    assert_eq!(stopping.paths, runs[0].paths);
}

/// Every target's achieved half-width is at most the one asked, and the
/// run did not go on long past where it could have stopped: one
/// checkpoint (8,192 paths) earlier, some target was still too wide.
#[test]
fn the_half_width_reached_is_at_most_the_one_asked_and_no_later_than_needed() {
    let precision = half_point();
    let result = to_precision(&options(0, 5, 0), &precision);
    let n = result.paths;
    assert_eq!(n % 8192, 0, "{n} paths is not a checkpoint");
    for t in &result.targets {
        let h = probability_half_width(t.hits, n);
        assert!(h <= 0.005, "half-width {h} at {n} paths");
    }
    // The fixed run of one checkpoint fewer, same seed: not yet precise.
    let earlier = engine::run(
        &base(),
        &RunOptions {
            paths: n - 8192,
            seed: 5,
            threads: 0,
            quantiles: QuantileChoice::Sketch,
        },
        &Silent,
    )
    .unwrap();
    let widest = earlier
        .targets
        .iter()
        .map(|t| probability_half_width(t.hits, n - 8192))
        .fold(0.0, f64::max);
    assert!(widest > 0.005, "could have stopped at {} paths", n - 8192);
    // And the count is near what a fixed run would need: n = z² p(1-p)/h²
    // at the estimate, within one checkpoint.
    let need = result
        .targets
        .iter()
        .map(|t| {
            let p = t.hits as f64 / n as f64;
            1.959963984540054f64.powi(2) * p * (1.0 - p) / 0.005f64.powi(2)
        })
        .fold(0.0, f64::max);
    assert!(
        (n as f64) < need + 8192.0 + 1024.0,
        "{n} paths, about {need:.0} needed"
    );
}

/// A run that stops at N paths is the fixed run of N paths with the same
/// seed and quantile method, to the bit.
#[test]
fn a_run_to_a_precision_is_the_fixed_run_of_its_paths() {
    let precision = Precision {
        rules: vec![Rule::Probability(0.01)],
        max_paths: 1_000_000_000,
    };
    let stopped = to_precision(&options(0, 3, 0), &precision);
    let mut fixed_options = options(stopped.paths, 3, 0);
    fixed_options.quantiles = QuantileChoice::Sketch;
    let fixed = engine::run(&base(), &fixed_options, &Silent).unwrap();
    let mut a = report::build(&base(), &stopped);
    a.stopping = None;
    let b = report::build(&base(), &fixed);
    assert_eq!(json_without_timing(&a), json_without_timing(&b));
}

#[test]
fn max_paths_stops_a_run_that_cannot_reach_the_precision_and_says_so() {
    let out = simulate()
        .args([
            "scenarios/base.toml",
            "--precision",
            "0.0005",
            "--max-paths",
            "20000",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["paths"], 20000);
    assert_eq!(r["stopping"]["reason"], "max_paths");
    assert_eq!(r["stopping"]["max_paths"], 20000);
    let rule = &r["stopping"]["rules"][0];
    assert_eq!(rule["measure"], "probability");
    assert!(rule["achieved"].as_f64().unwrap() > 0.0005);
    simulate()
        .args([
            "scenarios/base.toml",
            "--precision",
            "0.0005",
            "--max-paths",
            "20000",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Stopped at --max-paths 20,000 before the precision was reached",
        ));
}

/// `mean:R`: the mean's 95% half-width within R of the mean, for every
/// target; with a probability rule too, both hold.
#[test]
fn a_precision_on_the_mean_holds_for_every_target() {
    let out = simulate()
        .args([
            "scenarios/base.toml",
            "--precision-of",
            "mean:0.002",
            "--precision-of",
            "probability:0.01",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["stopping"]["reason"], "precision");
    for t in r["targets"].as_array().unwrap() {
        let half = 1.959963984540054 * t["mean_std_error"].as_f64().unwrap();
        assert!(half / t["mean"].as_f64().unwrap() <= 0.002);
        let ci = &t["probability_ci95"];
        assert!((ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0 <= 0.01);
    }
    let rules = r["stopping"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 2);
    assert!(
        rules
            .iter()
            .all(|x| x["achieved"].as_f64() <= x["asked"].as_f64())
    );
}

#[test]
fn a_bad_precision_is_refused_with_what_is_allowed() {
    let refuse = |args: &[&str], message: &str| {
        simulate()
            .arg("scenarios/base.toml")
            .args(args)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(message));
    };
    refuse(&["--precision", "0"], "must be above 0 and at most 0.5");
    refuse(&["--precision", "0.7"], "must be above 0 and at most 0.5");
    refuse(&["--precision", "NaN"], "must be above 0 and at most 0.5");
    refuse(
        &["--precision", "0.01", "--paths", "1000"],
        "cannot be used with",
    );
    refuse(
        &["--precision-of", "median:0.1"],
        "unknown measure \"median\"",
    );
    refuse(&["--precision-of", "mean"], "write MEASURE:VALUE");
    refuse(&["--precision-of", "mean:0"], "above 0 and at most 1");
    refuse(&["--precision-of", "mean:x"], "\"x\" is not a number");
    refuse(
        &["--max-paths", "1000"],
        "--max-paths bounds a run to a precision",
    );
    refuse(
        &["--precision", "0.01", "--max-paths", "1.5"],
        "a whole number from 2 to 1e15",
    );
    // A shard's share of the paths is fixed: no precision beside it, for a
    // run or a sweep, and no part file written.
    let dir = tempfile::tempdir().unwrap();
    let part = dir.path().join("p.part");
    let part = part.to_str().unwrap();
    let shard = ["--precision", "0.01", "--shard", "0/2", "--out", part];
    refuse(&shard, "cannot be sharded");
    simulate()
        .args(["sweep", "scenarios/sweeps/tiktok_churn.toml"])
        .args(shard)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be sharded"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A sweep runs each point to the precision on its own: each row says its
/// paths, meets the precision, is the same for 1 and 2 threads, and its
/// hits and means are those of a fixed sweep of its path count.
#[test]
fn a_sweep_runs_each_point_to_the_precision() {
    let sweep = "scenarios/sweeps/tiktok_churn.toml";
    let args = |threads: &'static str| {
        [
            "sweep",
            sweep,
            "--precision",
            "0.01",
            "--threads",
            threads,
            "--format",
            "json",
        ]
    };
    let one = json_of(&args("1"));
    let two = json_of(&args("2"));
    assert_eq!(one, two);
    assert_eq!(one["precision"]["max_paths"], 1_000_000_000u64);
    let points = one["points"].as_array().unwrap();
    let counts: Vec<u64> = points
        .iter()
        .map(|p| p["paths"].as_u64().unwrap())
        .collect();
    // Points far from a probability of one half need fewer paths.
    assert!(counts.iter().min() < counts.iter().max(), "{counts:?}");
    for p in points {
        for t in p["targets"].as_array().unwrap() {
            let ci = &t["probability_ci95"];
            assert!((ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0 <= 0.01);
        }
    }
    // The point with the most paths, against a fixed sweep of that many:
    // the same hits and means (quantiles may differ: the fixed sweep's are
    // exact, the run to a precision sketches them).
    let (i, &most) = counts.iter().enumerate().max_by_key(|x| x.1).unwrap();
    let fixed = json_of(&[
        "sweep",
        sweep,
        "--paths",
        &most.to_string(),
        "--format",
        "json",
    ]);
    let (a, b) = (&points[i]["targets"], &fixed["points"][i]["targets"]);
    for (ta, tb) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
        for key in [
            "probability",
            "probability_ci95",
            "mean",
            "expected_shortfall",
        ] {
            assert_eq!(ta[key], tb[key], "{key}");
        }
    }
}

/// Compare stops every scenario together, when each meets the precision,
/// at a count the same for 1 and 2 threads.
#[test]
fn compare_stops_when_every_scenario_meets_the_precision() {
    let args = |threads: &'static str| {
        [
            "compare",
            "scenarios/base.toml",
            "scenarios/bytedance_leaves_early.toml",
            "--precision",
            "0.01",
            "--threads",
            threads,
            "--format",
            "json",
        ]
    };
    let one = json_of(&args("1"));
    assert_eq!(one, json_of(&args("2")));
    assert_eq!(one["stopping"]["reason"], "precision");
    let paths = one["paths"].as_u64().unwrap();
    assert_eq!(paths % 1024, 0);
    for t in one["targets"].as_array().unwrap() {
        for r in t["results"].as_array().unwrap() {
            let ci = &r["probability_ci95"];
            assert!((ci[1].as_f64().unwrap() - ci[0].as_f64().unwrap()) / 2.0 <= 0.01);
        }
    }
}
