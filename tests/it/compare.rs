//! `simulate compare`: scenarios on common random numbers, their paired
//! differences, and the errors of its input.

use crate::common::simulate;

use predicates::prelude::*;
use revsim::engine::Silent;
use revsim::sensitivity::compare::{Comparison, Input, compare};

use crate::common::{base, options, parse, root};

fn input(file: &str) -> Input {
    Input {
        file: file.into(),
        scenario: revsim::scenario::Scenario::load(&root().join(file)).unwrap(),
    }
}

fn run(inputs: &[Input], paths: u64, threads: usize) -> Comparison {
    compare(inputs, &options(paths, 42, threads), None, &Silent).expect("comparison runs")
}

/// The same scenario twice: every path is the same, so every difference
/// and its paired standard error are exactly 0.
#[test]
fn a_scenario_against_itself_differs_by_exactly_zero() {
    let c = run(
        &[input("scenarios/base.toml"), input("scenarios/base.toml")],
        5_000,
        0,
    );
    assert_eq!(c.targets.len(), 2);
    for t in &c.targets {
        let d = &t.differences[0];
        assert_eq!(d.probability, 0.0);
        assert_eq!(d.mean, 0.0);
        assert_eq!(d.probability_se_paired, 0.0);
        assert_eq!(d.mean_se_paired, 0.0);
        assert!(d.mean_se_unpaired > 0.0);
        assert_eq!(t.results[0].p50.to_bits(), t.results[1].p50.to_bits());
    }
    assert!(c.missing.is_empty());
}

/// Pairing removes the noise the two plans share: on base against TikTok
/// leaving early, the paired standard errors are below the unpaired ones.
#[test]
fn pairing_beats_independent_runs_on_bytedance_leaving_early() {
    let c = run(
        &[
            input("scenarios/base.toml"),
            input("scenarios/bytedance_leaves_early.toml"),
        ],
        20_000,
        0,
    );
    for t in &c.targets {
        let d = &t.differences[0];
        assert!(d.mean < 0.0, "{}: TikTok leaving lowers the mean", t.id);
        assert!(
            d.mean_se_paired < 0.7 * d.mean_se_unpaired,
            "{}: {} vs {}",
            t.id,
            d.mean_se_paired,
            d.mean_se_unpaired
        );
        assert!(
            d.probability_se_paired < d.probability_se_unpaired,
            "{}",
            t.id
        );
    }
}

/// A second scenario that adds a client with fixed spend 2 over 12 months
/// differs by exactly 24 on every path: the paired error is nil (up to
/// rounding), the unpaired one is not; the new stream is named missing.
#[test]
fn a_fixed_extra_client_is_an_exact_difference() {
    let a = "[scenario]\nname = \"A\"\nhorizon_months = 12\n\
             [[target]]\nname = \"T\"\namount = 12\n\
             [[client]]\nname = \"X\"\nsegment = \"s\"\nmonthly_spend = 1\nvolatility = 0.2\n";
    let b = format!("{a}[[client]]\nname = \"Y\"\nsegment = \"s\"\nmonthly_spend = 2\n");
    let inputs = [
        Input {
            file: "a.toml".into(),
            scenario: parse(a),
        },
        Input {
            file: "b.toml".into(),
            scenario: parse(&b),
        },
    ];
    let c = run(&inputs, 10_000, 0);
    let d = &c.targets[0].differences[0];
    assert!((d.mean - 24.0).abs() < 1e-9, "{}", d.mean);
    assert!(d.mean_se_paired < 1e-9, "{}", d.mean_se_paired);
    assert!(d.mean_se_unpaired > 0.01);
    assert_eq!(c.missing, ["stream client.y is not in a.toml"]);
}

#[test]
fn compare_is_identical_for_one_two_and_eight_threads() {
    let inputs = [
        input("scenarios/base.toml"),
        input("scenarios/bytedance_leaves_early.toml"),
        input("scenarios/diversified.toml"),
    ];
    let one = serde_json::to_string(&run(&inputs, 9_000, 1)).unwrap();
    for threads in [2, 8] {
        let other = serde_json::to_string(&run(&inputs, 9_000, threads)).unwrap();
        assert!(one == other, "{threads} threads differ from 1");
    }
}

#[test]
fn json_has_the_contract_keys_and_csv_a_line_per_target_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.csv");
    let assert = simulate()
        .args([
            "compare",
            "scenarios/base.toml",
            "scenarios/diversified.toml",
            "--paths",
            "2000",
            "--format",
            "json",
            "-q",
        ])
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(json["scenarios"][1]["file"], "scenarios/diversified.toml");
    assert!(json["missing"].is_array());
    let t = &json["targets"][0];
    for key in ["id", "name", "amount", "results", "differences"] {
        assert!(!t[key].is_null(), "targets[].{key}");
    }
    for key in [
        "file",
        "probability",
        "probability_ci95",
        "mean",
        "p5",
        "p50",
        "p95",
    ] {
        assert!(!t["results"][0][key].is_null(), "results[].{key}");
    }
    for key in [
        "file",
        "probability",
        "probability_se_paired",
        "probability_se_unpaired",
        "mean",
        "mean_se_paired",
        "mean_se_unpaired",
    ] {
        assert!(!t["differences"][0][key].is_null(), "differences[].{key}");
    }
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 2 * 2, "{csv}");
    assert!(lines[0].starts_with("target,amount,file,scenario,probability"));
    let cells = |l: &str| l.split(',').count();
    assert!(lines.iter().all(|l| cells(l) == cells(lines[0])), "{csv}");
}

#[test]
fn one_file_is_refused() {
    simulate()
        .args(["compare", "scenarios/base.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("at least two scenario files"));
}

#[test]
fn files_without_a_common_target_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        "[scenario]\nname = \"O\"\nhorizon_months = 3\n\
         [[target]]\nname = \"Something else\"\namount = 1\n\
         [[client]]\nname = \"X\"\nsegment = \"s\"\nmonthly_spend = 1\n",
    )
    .unwrap();
    simulate()
        .args(["compare", "scenarios/base.toml", "-q"])
        .arg(&other)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no target in common")
                .and(predicate::str::contains("something_else")),
        );
}

/// The base scenario's streams are all in the comparison's missing list
/// when the other scenario lacks them, by `kind.id`.
#[test]
fn missing_streams_are_named() {
    let mut shorter = base();
    shorter.streams.retain(|s| s.id != "tiktok_bytedance");
    let c = run(
        &[
            input("scenarios/base.toml"),
            Input {
                file: "shorter.toml".into(),
                scenario: shorter,
            },
        ],
        1_000,
        0,
    );
    assert_eq!(
        c.missing,
        ["stream client.tiktok_bytedance is not in shorter.toml"]
    );
}
