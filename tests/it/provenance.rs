//! What a report records, in every format: the `--set` overrides, the
//! engine version, the date, seed, paths, threads, quantile method and the
//! scenario's hash; the monthly quartiles; CSV for a run; `--set` and the
//! matrix for sweeps.

use crate::common::{json_of, simulate};

use std::path::Path;

use predicates::prelude::*;

const CHURN: &str = "client.tiktok_bytedance.churn.probability=0.6";
const GROWTH: &str = "subscription.microsoft_365_copilot.annual_growth=0.5";

fn json_run(extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["scenarios/base.toml", "--paths", "3000", "--format", "json"];
    args.extend(extra);
    json_of(&args)
}

#[test]
fn json_records_overrides_version_date_and_hash() {
    let plain = json_run(&[]);
    let changed = json_run(&["--set", CHURN, "--set", GROWTH]);
    assert_eq!(plain["overrides"], serde_json::json!([]));
    assert_eq!(changed["overrides"], serde_json::json!([CHURN, GROWTH]));
    assert_eq!(changed["engine_version"], env!("CARGO_PKG_VERSION"));
    let date = changed["date"].as_str().unwrap();
    assert_eq!(date.len(), "2026-12-05T01:30:00Z".len());
    assert!(date.ends_with('Z') && date.as_bytes()[10] == b'T', "{date}");
    for key in ["seed", "paths", "threads", "quantile_method"] {
        assert!(!changed[key].is_null(), "{key} missing");
    }
    // The hash follows the model, not the run: the same scenario gives the
    // same hash, an override changes it, and setting a value to what the
    // file already says does not.
    let hash = plain["scenario_hash"].as_str().unwrap();
    assert!(hash.starts_with("sha256:") && hash.len() == 71, "{hash}");
    assert_eq!(
        json_run(&["--seed", "9"])["scenario_hash"],
        plain["scenario_hash"]
    );
    assert_ne!(changed["scenario_hash"], plain["scenario_hash"]);
    let same = json_run(&["--set", "client.tiktok_bytedance.churn.probability=0.30"]);
    assert_eq!(same["scenario_hash"], plain["scenario_hash"]);
}

#[test]
fn monthly_statistics_hold_ordered_quartiles() {
    let v = json_run(&[]);
    for t in v["targets"].as_array().unwrap() {
        for m in t["monthly"].as_array().unwrap() {
            let q: Vec<f64> = ["p5", "p25", "p50", "p75", "p95"]
                .iter()
                .map(|k| m[*k].as_f64().unwrap())
                .collect();
            assert!(q.windows(2).all(|w| w[0] <= w[1]), "{m}");
        }
    }
}

#[test]
fn terminal_header_counts_the_overrides() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--set",
            CHURN,
            "--set",
            GROWTH,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("Base case, with 2 overrides"))
        .stdout(predicate::str::contains(format!("--set {CHURN}")))
        .stdout(predicate::str::contains("scenario sha256:"));
}

/// Splits CSV text into rows of fields (quoted fields may hold commas).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            let mut fields = vec![String::new()];
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (quoted, c) {
                    (true, '"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        fields.last_mut().unwrap().push('"');
                    }
                    (_, '"') => quoted = !quoted,
                    (false, ',') => fields.push(String::new()),
                    (_, c) => fields.last_mut().unwrap().push(c),
                }
            }
            fields
        })
        .collect()
}

#[test]
fn csv_out_holds_the_json_numbers_and_the_monthly_table_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.csv");
    let json = json_of(&[
        "scenarios/base.toml",
        "--paths",
        "3000",
        "--format",
        "json",
        "--set",
        CHURN,
        "--out",
        path.to_str().unwrap(),
    ]);
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["run.csv", "run.monthly.csv"]);

    let rows = read_csv(&std::fs::read_to_string(&path).unwrap());
    let header = &rows[0];
    let targets = json["targets"].as_array().unwrap();
    assert_eq!(rows.len(), 1 + targets.len());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for (row, t) in rows[1..].iter().zip(targets) {
        assert_eq!(row.len(), header.len());
        assert_eq!(row[col("target_id")], t["id"].as_str().unwrap());
        for key in ["probability", "mean", "sd", "expected_shortfall"] {
            let x: f64 = row[col(key)].parse().unwrap();
            assert_eq!(x, t[key].as_f64().unwrap(), "{key}");
        }
        let p95: f64 = row[col("p95")].parse().unwrap();
        assert_eq!(p95, t["quantiles"]["p95"].as_f64().unwrap());
        assert_eq!(row[col("overrides")], CHURN);
        assert_eq!(
            row[col("scenario_hash")],
            json["scenario_hash"].as_str().unwrap()
        );
    }

    let monthly = read_csv(&std::fs::read_to_string(dir.path().join("run.monthly.csv")).unwrap());
    assert_eq!(
        monthly[0],
        [
            "target_id",
            "month",
            "mean",
            "p5",
            "p25",
            "p50",
            "p75",
            "p95",
            "scenario_hash"
        ]
    );
    let months = json["horizon_months"].as_u64().unwrap() as usize;
    assert_eq!(monthly.len(), 1 + targets.len() * months);
    let first = &targets[0]["monthly"][0];
    for (i, key) in ["mean", "p5", "p25", "p50", "p75", "p95"]
        .iter()
        .enumerate()
    {
        let x: f64 = monthly[1][2 + i].parse().unwrap();
        assert_eq!(x, first[*key].as_f64().unwrap(), "{key}");
    }
}

#[test]
fn format_csv_prints_the_target_rows() {
    let out = simulate()
        .args(["scenarios/base.toml", "--paths", "2000", "--format", "csv"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows = read_csv(&text);
    assert!(rows[0].starts_with(&["scenario".to_string(), "target_id".to_string()]));
    assert_eq!(
        rows.len(),
        3,
        "a header and the base scenario's two targets"
    );
}

#[test]
fn out_with_an_html_name_points_to_report_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    simulate()
        .args(["scenarios/base.toml", "--paths", "2000", "--out"])
        .arg(dir.path().join("page.html"))
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("--report"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn out_into_a_missing_folder_is_refused_before_the_run() {
    simulate()
        .args([
            "scenarios/base.toml",
            "--paths",
            "2000",
            "--out",
            "no/such/folder/run.csv",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the folder no/such/folder does not exist",
        ));
    assert!(!Path::new("no").exists());
}

#[test]
fn sweep_takes_set_before_its_own_values_and_records_it() {
    let run = |extra: &[&str]| -> serde_json::Value {
        let mut args = vec![
            "sweep",
            "scenarios/sweeps/tiktok_churn.toml",
            "--paths",
            "2000",
            "--format",
            "json",
        ];
        args.extend(extra);
        json_of(&args)
    };
    let plain = run(&[]);
    // Setting the varied path changes nothing: the sweep's values win.
    let varied = run(&["--set", CHURN]);
    assert_eq!(varied["points"], plain["points"]);
    assert_eq!(varied["overrides"], serde_json::json!([CHURN]));
    // Another parameter changes every point.
    let grown = run(&["--set", GROWTH]);
    assert_ne!(grown["points"], plain["points"]);
    assert_ne!(grown["scenario_hash"], plain["scenario_hash"]);
    assert_eq!(grown["engine_version"], env!("CARGO_PKG_VERSION"));
}

#[test]
fn two_way_grid_prints_a_matrix_of_probabilities() {
    let out = simulate()
        .args([
            "sweep",
            "scenarios/sweeps/churn_by_copilot_growth.toml",
            "--paths",
            "1000",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let heading = "P(hit): tiktok_bytedance.churn.probability down, \
                   microsoft_365_copilot.annual_growth across";
    assert!(text.contains(heading), "{text}");
    // Under the heading: a line of column values, then six rows of six
    // percentages.
    let after: Vec<&str> = text
        .split(heading)
        .nth(1)
        .unwrap()
        .lines()
        .skip(2)
        .take(6)
        .collect();
    for line in after {
        assert_eq!(line.matches('%').count(), 6, "{line}");
    }
}

#[test]
fn solve_json_says_what_was_solved_and_how() {
    let v = json_of(&[
        "solve",
        "scenarios/base.toml",
        "--vary",
        "client.tiktok_bytedance.churn.probability",
        "--range",
        "0:1",
        "--target",
        "azure_openai_1b",
        "--probability",
        "0.5",
        "--paths",
        "2000",
        "--seed",
        "5",
        "--format",
        "json",
        "--set",
        GROWTH,
    ]);
    assert_eq!(v["target"], "Azure OpenAI $1B");
    assert_eq!(v["level"], 0.5);
    assert_eq!(v["paths"], 2000);
    assert_eq!(v["seed"], 5);
    assert_eq!(v["range"], serde_json::json!([0.0, 1.0]));
    assert_eq!(v["overrides"], serde_json::json!([GROWTH]));
    assert!(v["scenario_hash"].as_str().unwrap().starts_with("sha256:"));
    // The keys that were there before stay.
    for key in [
        "parameter",
        "value",
        "value_ci95",
        "probability",
        "evaluations",
    ] {
        assert!(!v[key].is_null(), "{key}");
    }
}
