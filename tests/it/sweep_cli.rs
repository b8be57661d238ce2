//! `simulate sweep` and `simulate solve` from the outside: exit codes,
//! what goes to stdout and stderr, identical bytes for any thread count,
//! and output files that are written whole or not at all.

use std::path::Path;

use predicates::prelude::*;

use crate::common::{interrupt_after_a_while, simulate};

const GRID: &str = "scenarios/sweeps/churn_by_copilot_growth.toml";
const TIKTOK: &str = "scenarios/sweeps/tiktok_churn.toml";

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn csv_bytes_are_identical_for_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("t{threads}.csv"));
        let assert = simulate()
            .args([
                "sweep",
                GRID,
                "--paths",
                "1500",
                "--threads",
                threads,
                "--format",
                "csv",
            ])
            .arg("--out")
            .arg(&out)
            .assert()
            .success();
        let stdout = assert.get_output().stdout.clone();
        assert_eq!(
            std::fs::read(&out).unwrap(),
            stdout,
            "--out and stdout differ"
        );
        outputs.push(stdout);
    }
    assert!(
        outputs[0] == outputs[1],
        "CSV differs between 1 and 2 threads"
    );
    let text = String::from_utf8(outputs[0].clone()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with(
        "client.tiktok_bytedance.churn.probability,\
         subscription.microsoft_365_copilot.annual_growth,\
         azure_openai_1b.probability,azure_openai_1b.probability_ci95_lo,"
    ));
    let columns = header.split(',').count();
    assert_eq!(columns, 2 + 2 * 8);
    assert_eq!(lines.clone().count(), 36);
    assert!(lines.all(|l| l.split(',').count() == columns));
    assert_eq!(
        files_in(dir.path()),
        ["t1.csv", "t2.csv"],
        "temporary files left"
    );
}

#[test]
fn json_output_lists_parameters_targets_and_points() {
    let assert = simulate()
        .args([
            "sweep", TIKTOK, "--paths", "1000", "--seed", "3", "--format", "json", "-q",
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(v["paths"], 1000);
    assert_eq!(v["seed"], 3);
    assert_eq!(v["design"], "grid");
    assert_eq!(
        v["parameters"][0],
        "client.tiktok_bytedance.churn.probability"
    );
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 11);
    assert_eq!(points[3]["values"][0], 0.3);
    let p = &points[0]["targets"][0];
    assert_eq!(p["id"], "azure_openai_1b");
    for key in [
        "probability",
        "probability_ci95",
        "mean",
        "p5",
        "p50",
        "p95",
        "expected_shortfall",
    ] {
        assert!(!p[key].is_null(), "{key} missing");
    }
}

#[test]
fn the_terminal_table_goes_to_stdout_and_nothing_else_does() {
    simulate()
        .args(["sweep", TIKTOK, "--paths", "500"])
        .env("NO_COLOR", "1")
        .assert()
        .success()
        .stdout(predicate::str::contains("P(hit)"))
        .stdout(predicate::str::contains(
            "tiktok_bytedance.churn.probability",
        ))
        .stdout(predicate::str::contains("\x1b[").not())
        .stderr(predicate::str::is_empty());
}

#[test]
fn bad_sweep_files_and_options_exit_with_2() {
    let broken = "tests/sweep_corpus/unknown_path.toml";
    simulate()
        .args(["sweep", broken])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("did you mean"));
    simulate()
        .args(["sweep", "scenarios/sweeps/no_such_file.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot read the sweep file"));
    simulate()
        .args(["sweep", TIKTOK, "--paths", "0"])
        .assert()
        .code(2);
    simulate()
        .args(["sweep", TIKTOK, "--out", "results.txt"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot tell the format"));
}

/// A failed sweep leaves an existing output file as it was, and no
/// temporary file beside it.
#[test]
fn a_failed_sweep_leaves_the_existing_output_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.csv");
    std::fs::write(&out, "old contents\n").unwrap();
    simulate()
        .args([
            "sweep",
            "tests/sweep_corpus/value_not_allowed.toml",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "old contents\n");
    assert_eq!(files_in(dir.path()), ["sweep.csv"]);
}

/// Ctrl-C stops the sweep between chunks: exit 130, and neither the output
/// file nor a temporary file is left behind.
#[test]
fn an_interrupted_sweep_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.csv");
    // 11 points x 4,000,000 paths: minutes of work, stopped after a second.
    let output = interrupt_after_a_while(&[
        "sweep".as_ref(),
        TIKTOK.as_ref(),
        "--paths".as_ref(),
        "4000000".as_ref(),
        "-q".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(files_in(dir.path()), Vec::<String>::new());
}

#[test]
fn solve_prints_its_keys_as_json() {
    let assert = simulate()
        .args([
            "solve",
            "scenarios/base.toml",
            "--vary",
            "client.tiktok_bytedance.churn.probability",
            "--range",
            "0:1",
            "--target",
            "Azure OpenAI $1B",
            "--probability",
            "0.5",
            "--tolerance",
            "0.005",
            "--paths",
            "3000",
            "--format",
            "json",
        ])
        .assert()
        .success();
    let v: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "date",
            "engine_version",
            "evaluations",
            "level",
            "overrides",
            "parameter",
            "paths",
            "probability",
            "range",
            "scenario_hash",
            "seed",
            "target",
            "tolerance",
            "value",
            "value_ci95"
        ],
        "{v}"
    );
    assert_eq!(v["parameter"], "client.tiktok_bytedance.churn.probability");
    assert!((v["probability"].as_f64().unwrap() - 0.5).abs() <= 0.005);
    let value = v["value"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&value));
    let ci: Vec<f64> = v["value_ci95"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect();
    assert!(
        0.0 <= ci[0] && ci[0] <= value && value <= ci[1] && ci[1] <= 1.0,
        "{v}"
    );
    assert!(v["evaluations"].as_u64().unwrap() >= 3);
}

#[test]
fn solve_refuses_bad_questions_with_2() {
    let solve = |extra: &[&str]| {
        let mut cmd = simulate();
        cmd.args([
            "solve",
            "scenarios/base.toml",
            "--vary",
            "client.tiktok_bytedance.churn.probability",
            "--target",
            "azure_openai_1b",
            "--paths",
            "1000",
        ]);
        cmd.args(extra);
        cmd.assert()
    };
    solve(&["--range", "0:1", "--probability", "0.999"])
        .code(2)
        .stderr(predicate::str::contains("no value of"));
    solve(&["--range", "1-0", "--probability", "0.5"])
        .code(2)
        .stderr(predicate::str::contains("expected FROM:TO"));
    solve(&["--range", "0:1", "--probability", "0.5", "--target", "nope"]).code(2);
    solve(&["--range", "-1:1", "--probability", "0.5"])
        .code(2)
        .stderr(predicate::str::contains(
            "--range: client.tiktok_bytedance.churn.probability: -1 is not allowed",
        ));
}
