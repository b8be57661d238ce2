//! Targets by period and by run-rate: a window's total, a run-rate at its
//! end and a monthly average, against closed forms and against the monthly
//! statistics of the same run; refused where the window does not fit.

use predicates::prelude::*;

use crate::common::{
    column_mean, json_of, json_without_timing, options, parse, read_csv, report, simulate,
};

/// One plain stream, `L · G_m` with E[G_m] = 1.2^((m-1)/12), over 24
/// months, with a target of each kind.
const GROWING: &str = r#"
[scenario]
name = "growing"
horizon_months = 24

[[target]]
name = "FY2 total"
amount = 15e6
months = [13, 24]

[[target]]
name = "Exit run-rate"
amount = 15e6
months = [13, 24]
measure = "run_rate"

[[target]]
name = "FY1 average"
amount = 12e6
months = [1, 12]
measure = "monthly_average"

[[target]]
name = "Horizon"
amount = 25e6

[[stream]]
name = "S"
segment = "s"
monthly_revenue = 1e6
annual_growth = 0.2
volatility = 0.05
"#;

/// E[G_m] for month m (1-based).
fn mean_index(m: u32) -> f64 {
    1.2f64.powf(f64::from(m - 1) / 12.0)
}

/// Monte Carlo means within 5 standard errors of the closed forms
/// (k = 5: a false alarm about once in 1.7 million runs of each check).
#[test]
fn window_and_run_rate_means_match_the_closed_forms() {
    let scenario = parse(GROWING);
    let r = report(&scenario, &options(40_000, 7, 0));
    let close = |what: &str, got: f64, se: f64, want: f64| {
        assert!(
            (got - want).abs() < 5.0 * se,
            "{what}: {got} vs {want} (se {se})"
        );
    };
    let t = &r.targets;
    let fy2: f64 = (13..=24).map(|m| 1e6 * mean_index(m)).sum();
    close("FY2 total", t[0].mean, t[0].mean_std_error, fy2);
    close(
        "exit run-rate",
        t[1].mean,
        t[1].mean_std_error,
        12e6 * mean_index(24),
    );
    let fy1: f64 = (1..=12).map(|m| 1e6 * mean_index(m)).sum();
    close("FY1 average", t[2].mean, t[2].mean_std_error, fy1);
    assert_eq!(t[0].months, [13, 24]);
    assert_eq!(t[1].measure.as_str(), "run_rate");
    assert_eq!(t[3].months, [1, 24]);
}

/// A window's total is the sum of its months, path by path, so its mean is
/// the sum of the monthly means over the window (to rounding); a run-rate's
/// mean is 12 times its last month's mean.
#[test]
fn window_target_mean_is_the_sum_of_its_monthly_means() {
    let mut scenario = crate::common::base();
    scenario
        .set_assignment("scenario.horizon_months=24")
        .unwrap();
    let text = format!(
        "{}\n[[target]]\nname = \"FY2\"\namount = 1e9\nsegments = [\"azure_openai\"]\n\
         months = [13, 24]\n\n[[target]]\nname = \"Exit\"\namount = 1e9\n\
         segments = [\"azure_openai\"]\nmonths = [13, 24]\nmeasure = \"run_rate\"\n",
        std::fs::read_to_string(crate::common::root().join("scenarios/base.toml"))
            .unwrap()
            .replace("horizon_months = 12", "horizon_months = 24")
    );
    let scenario = {
        drop(scenario);
        parse(&text)
    };
    let r = report(&scenario, &options(20_000, 3, 0));
    let fy2 = r.targets.iter().find(|t| t.id == "fy2").unwrap();
    let exit = r.targets.iter().find(|t| t.id == "exit").unwrap();
    let sum: f64 = fy2.monthly[12..24].iter().map(|m| m.mean).sum();
    assert!(
        (fy2.mean - sum).abs() <= 1e-9 * sum,
        "{} vs {sum}",
        fy2.mean
    );
    let last = 12.0 * exit.monthly[23].mean;
    assert!(
        (exit.mean - last).abs() <= 1e-9 * last,
        "{} vs {last}",
        exit.mean
    );
    // Contributions to variance still add up to the whole (Euler
    // allocation is linear in the streams, and so is every measure).
    for t in [fy2, exit] {
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
    }
}

/// `months = [1, H]` with `measure = "total"` is the whole horizon: the
/// same bits as a target that says nothing.
#[test]
fn a_window_of_the_whole_horizon_is_bit_identical_to_none() {
    let plain = parse(GROWING);
    let explicit = parse(&GROWING.replace(
        "name = \"Horizon\"\namount = 25e6",
        "name = \"Horizon\"\namount = 25e6\nmonths = [1, 24]\nmeasure = \"total\"",
    ));
    let o = options(5_000, 11, 0);
    let (a, b) = (report(&plain, &o), report(&explicit, &o));
    let numbers = |t: &revsim::report::TargetReport| {
        let mut v = serde_json::to_value(t).unwrap();
        v.as_object_mut().unwrap().remove("measured");
        v.to_string()
    };
    assert_eq!(numbers(&a.targets[3]), numbers(&b.targets[3]));
}

#[test]
fn windows_are_identical_across_threads() {
    let scenario = parse(GROWING);
    let one = json_without_timing(&report(&scenario, &options(5_000, 5, 1)));
    let two = json_without_timing(&report(&scenario, &options(5_000, 5, 2)));
    assert_eq!(one, two);
}

#[test]
fn a_horizon_shorter_than_a_window_is_refused() {
    simulate()
        .args([
            "scenarios/three_years.toml",
            "--paths",
            "100",
            "--set",
            "scenario.horizon_months=24",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "target.fy3_azure_openai_1_4b.months",
        ))
        .stderr(predicate::str::contains("a horizon of at least 36 months"));
}

#[test]
fn every_output_names_the_window_and_measure() {
    let out = simulate()
        .args(["scenarios/three_years.toml", "--paths", "2000"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("total over months 13–24"), "{text}");
    assert!(
        text.contains("run-rate at month 36 (12 × month 36)"),
        "{text}"
    );
    let csv = simulate()
        .args([
            "scenarios/three_years.toml",
            "--paths",
            "2000",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("amount,measure,first_month,last_month")
    );
    assert!(csv.contains(",run_rate,36,36,"), "{csv}");
}

/// `--samples` writes each target's value by its measure: its mean is the
/// report's.
#[test]
fn samples_hold_the_measured_value() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paths.csv");
    let report = json_of(&[
        "scenarios/three_years.toml",
        "--paths",
        "3000",
        "--format",
        "json",
        "--samples",
        path.to_str().unwrap(),
    ]);
    let (header, rows) = read_csv(&path);
    for t in report["targets"].as_array().unwrap() {
        let id = t["id"].as_str().unwrap();
        let mean = column_mean(&header, &rows, &format!("target.{id}.revenue"));
        let want = t["mean"].as_f64().unwrap();
        assert!((mean - want).abs() <= 1e-9 * want, "{id}: {mean} vs {want}");
    }
}

/// The drivers of a miss of a window count a client as gone when it left
/// by the window's end: for FY1 of the three-year plan, each client's
/// churn over all paths is, exactly, the base plan's over its 12-month
/// horizon (the same clients draw the same churn months, whatever the
/// horizon), not the three years' churn.
#[test]
fn a_windows_drivers_count_churn_by_the_windows_end() {
    let json = |file: &str| json_of(&[file, "--paths", "20000", "--format", "json"]);
    let three = json("scenarios/three_years.toml");
    let base = json("scenarios/base.toml");
    let fy1 = three["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["months"] == serde_json::json!([1, 12]))
        .expect("an FY1 target");
    let mut clients = 0;
    for d in fy1["miss_drivers"]["streams"].as_array().unwrap() {
        let Some(by_month_12) = d["churn_probability"].as_f64() else {
            continue;
        };
        let id = d["stream"].as_str().unwrap().trim_start_matches("client.");
        let stream = |r: &serde_json::Value| {
            r["streams"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["id"] == id)
                .map(|s| s["churn_probability"].as_f64().unwrap())
                .unwrap()
        };
        assert_eq!(by_month_12, stream(&base), "{id}");
        if id == "tiktok_bytedance" {
            // Over three years TikTok leaves far more often.
            assert!(stream(&three) > by_month_12 + 0.2);
        }
        clients += 1;
    }
    assert!(clients >= 4);
}

/// A window's largest client is the largest over the window, with its
/// share of the window's mean: two clients, one flat at 1.2M a month, one
/// doubling a year from 0.5M, over 24 months. Over FY2 (months 13 to 24)
/// the doubling one earns 0.5M · Σ 2^(j/12), j = 12..23 (16.8M), against
/// 14.4M; over the horizon the flat one is larger (28.8M against 25.2M).
#[test]
fn a_windows_largest_client_is_the_windows() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("two.toml");
    std::fs::write(
        &file,
        r#"
[scenario]
name = "Two clients"
horizon_months = 24
paths = 2000

[[target]]
name = "FY2"
amount = 1e6
months = [13, 24]

[[target]]
name = "All"
amount = 1e6

[[client]]
name = "Flat"
segment = "s"
monthly_spend = 1.2e6

[[client]]
name = "Doubling"
segment = "s"
monthly_spend = 0.5e6
annual_growth = 1.0
"#,
    )
    .unwrap();
    let r = json_of(&[file.to_str().unwrap(), "--format", "json"]);
    let doubling: f64 = (12..24).map(|j| 0.5e6 * 2f64.powf(j as f64 / 12.0)).sum();
    let fy2 = &r["targets"][0]["largest_client"];
    assert_eq!(fy2["id"], "doubling");
    let want = doubling / (doubling + 14.4e6);
    let got = fy2["share"].as_f64().unwrap();
    assert!((got - want).abs() <= 1e-9, "{got} vs {want}");
    // Over the whole horizon the flat client earns more.
    let flat_all = 28.8e6;
    let doubling_all: f64 = (0..24).map(|j| 0.5e6 * 2f64.powf(j as f64 / 12.0)).sum();
    assert!(flat_all > doubling_all);
    assert_eq!(r["targets"][1]["largest_client"]["id"], "flat");
}
