//! The `simulate` binary: exit codes, stdout versus stderr, the JSON
//! contract, colour, broken pipes.

use crate::common::simulate;

use std::io::Read;
use std::process::{Command as StdCommand, Stdio};

use predicates::prelude::*;

use crate::common::{interrupt_after_a_while, root};

#[test]
fn runs_the_base_scenario_and_prints_a_report() {
    simulate()
        .args(["scenarios/base.toml", "--paths", "3000"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Azure OpenAI $1B"))
        .stdout(predicate::str::contains("P(revenue >= $1.00B)"))
        .stdout(predicate::str::contains("TikTok (ByteDance)"))
        // Not a terminal: no colour, no progress bar.
        .stdout(predicate::str::contains("\x1b[").not())
        .stderr(predicate::str::is_empty());
}

#[test]
fn one_thread_is_singular() {
    simulate()
        .args(["scenarios/base.toml", "--paths", "3000", "--threads", "1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("paths/s on 1 thread)"));
}

#[test]
fn json_keeps_the_contract() {
    let out = simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "3000",
            "--seed",
            "7",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    for key in [
        "scenario",
        "paths",
        "seed",
        "horizon_months",
        "targets",
        "streams",
        "elapsed_seconds",
        "paths_per_second",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["paths"], 3000);
    assert_eq!(v["seed"], 7);
    assert_eq!(v["horizon_months"], 12);
    let t = &v["targets"][0];
    for key in [
        "name",
        "amount",
        "probability",
        "probability_ci95",
        "expected_shortfall",
        "mean",
        "sd",
        "quantiles",
        "monthly",
    ] {
        assert!(t.get(key).is_some(), "missing targets[].{key}");
    }
    for q in ["p1", "p5", "p10", "p25", "p50", "p75", "p90", "p95", "p99"] {
        assert!(t["quantiles"][q].is_number(), "missing quantile {q}");
    }
    assert_eq!(t["probability_ci95"].as_array().unwrap().len(), 2);
    let m = &t["monthly"][0];
    for key in ["month", "p5", "p50", "p95"] {
        assert!(m.get(key).is_some(), "missing monthly[].{key}");
    }
    assert_eq!(t["monthly"].as_array().unwrap().len(), 12);
    let s = &v["streams"][0];
    for key in [
        "id",
        "name",
        "kind",
        "segment",
        "mean",
        "share",
        "churn_probability",
    ] {
        assert!(s.get(key).is_some(), "missing streams[].{key}");
    }
    assert_eq!(s["id"], "tiktok_bytedance");
    assert_eq!(s["kind"], "client");
    let shares: f64 = v["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["share"].as_f64().unwrap())
        .sum();
    assert!((shares - 1.0).abs() < 1e-9);
}

#[test]
fn json_is_identical_for_one_and_two_threads() {
    let run = |threads: &str| {
        let out = simulate()
            .args([
                "scenarios/base.toml",
                "--paths",
                "5000",
                "--format",
                "json",
                "--threads",
                threads,
            ])
            .output()
            .unwrap();
        let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let map = v.as_object_mut().unwrap();
        // Timings and the date differ from run to run, by design.
        for key in ["elapsed_seconds", "paths_per_second", "threads", "date"] {
            map.remove(key);
        }
        v.to_string()
    };
    assert_eq!(run("1"), run("2"));
}

#[test]
fn set_overrides_a_parameter() {
    let churn = |args: &[&str]| {
        let out = simulate()
            .args(["scenarios/base.toml", "--paths", "4000", "--format", "json"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["streams"][0]["churn_probability"].as_f64().unwrap()
    };
    let base = churn(&[]);
    let never = churn(&["--set", "client.tiktok_bytedance.churn.probability=0"]);
    let sure = churn(&["--set", "client.tiktok_bytedance.churn.probability=1"]);
    assert_eq!(never, 0.0);
    assert_eq!(sure, 1.0);
    assert!(base > 0.1 && base < 0.4);
}

#[test]
fn bad_scenario_exits_2_with_file_line_and_field() {
    simulate()
        .arg("tests/corpus/probability_above_one.toml")
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "tests/corpus/probability_above_one.toml:13:25",
        ))
        .stderr(predicate::str::contains("client.a.churn.probability"))
        .stderr(predicate::str::contains("a number in [0, 1]"));
}

#[test]
fn missing_file_exits_2() {
    simulate()
        .arg("scenarios/nope.toml")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read scenario file scenarios/nope.toml",
        ));
}

#[test]
fn unknown_set_path_exits_2_with_a_suggestion() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--set",
            "client.tiktok.churn.probability=0.5",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no parameter has this path"))
        .stderr(predicate::str::contains(
            "did you mean `client.tiktok_bytedance.churn.probability`",
        ));
}

#[test]
fn zero_paths_and_bad_flags_exit_2() {
    simulate()
        .args(["scenarios/base.toml", "--paths", "0"])
        .assert()
        .code(2);
    simulate()
        .args(["scenarios/base.toml", "--threads", "0"])
        .assert()
        .code(2);
    simulate()
        .args(["scenarios/base.toml", "--frobnicate"])
        .assert()
        .code(2);
    simulate().assert().code(2);
}

#[test]
fn help_and_version_exit_0() {
    simulate()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("simulate"));
    simulate().arg("--version").assert().success();
}

#[test]
fn out_file_holds_the_same_json_as_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let out = simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--format",
            "json",
            "--out",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(std::fs::read(&path).unwrap(), out.stdout);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary files left"
    );
}

/// `simulate ... | head -c 10`: the reader goes away; that is not an error.
#[test]
fn broken_pipe_is_not_an_error() {
    let mut child = StdCommand::new(env!("CARGO_BIN_EXE_simulate"))
        .current_dir(root())
        .args(["scenarios/base.toml", "--paths", "2000", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(status.success(), "exit {status:?}, stderr: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn list_parameters_prints_paths_and_values() {
    simulate()
        .args(["scenarios/base.toml", "--list-parameters"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "client.tiktok_bytedance.churn.probability = 0.3",
        ))
        .stdout(predicate::str::contains(
            "subscription.microsoft_365_copilot.annual_growth = pert(",
        ));
}

/// A missing folder is bad input, refused before the run (as `sweep`
/// already did): exit 2, not 1 after the run.
#[test]
fn out_file_in_a_missing_folder_is_refused_as_bad_input() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "1000",
            "--out",
            "/nonexistent-dir/report.json",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "--out /nonexistent-dir/report.json: the folder /nonexistent-dir does not exist",
        ));
}

/// Ctrl-C during a long run: exit 130, nothing on stdout, no output file.
#[test]
fn interrupt_stops_cleanly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let output = interrupt_after_a_while(&[
        "scenarios/base.toml".as_ref(),
        "--paths".as_ref(),
        "1000000000".as_ref(),
        "--quiet".as_ref(),
        "--format".as_ref(),
        "json".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "stderr: {stderr}");
    assert!(output.stdout.is_empty());
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

#[test]
fn exact_quantiles_refuse_a_run_that_would_not_fit_in_memory() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "1000000000",
            "--quantiles",
            "exact",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--quantiles exact: 1000000000 paths of 2 target(s) over 12 months",
        ))
        .stderr(predicate::str::contains("exact values 208.0 GB"));
}
